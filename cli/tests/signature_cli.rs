//! `hisgate sign | verify | encrypt | decrypt | explain | bench` as scripts use them: JSON in, JSON out, exit codes,
//! `--jsonl`, `--spec`, environment variables — and keys never printed.

use serde_json::{Value, json};

use std::path::{Path, PathBuf};
use std::process::Output;

mod support;

const KEY: &str = "2098D32C4D1399EC";
const XML_CIPHERTEXT: &str = "oJ5JYA4Q33sBLcRr98DeEyB83BVT5Iec5O7okvxPm111P3hBM/g1/eLAxm7Iaos/Yw9ZCsw3CtC0Q6j6X9C+CQ==";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn hisgate(args: &[&str], stdin: &str) -> Output {
    hisgate_env(args, stdin, &[])
}

fn hisgate_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    support::hisgate_with(args, stdin, env)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_out(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

fn shaanxi_request(service: &str) -> String {
    json!({
        "service": service, "partner": "TEST_WX", "hospitalCode": "0", "dataFormat": "xml",
        "inputCharset": "utf-8", "signType": "md5", "requestEncrypted": XML_CIPHERTEXT
    })
    .to_string()
}

#[test]
fn sign_prints_the_canonical_string_without_the_key() {
    let output = hisgate(&["sign", "--platform", "shaanxi", "--key", KEY], &shaanxi_request("TestNet"));
    assert!(output.status.success());
    let out = json_out(&output);
    assert_eq!(out["sign"], "389F6997DA8530F147D4AD7AF41C5C30");
    assert_eq!(
        out["canonical"],
        format!(
            "dataFormat=xml&hospitalCode=0&inputCharset=utf-8&partner=TEST_WX&requestEncrypted={XML_CIPHERTEXT}&service=TestNet&key={{key}}"
        )
    );
    assert!(!stdout(&output).contains(KEY));
    let shown =
        hisgate(&["sign", "--platform", "shaanxi", "--key", KEY, "--show-secrets"], &shaanxi_request("TestNet"));
    assert!(json_out(&shown)["canonical"].as_str().unwrap().ends_with(&format!("&key={KEY}")));
}

#[test]
fn any_declared_credential_is_set_by_flag_or_environment_and_named_when_missing() {
    let dir = support::renamed_key_spec();
    let spec = dir.path().join("shaanxi");
    let spec = spec.to_str().unwrap();
    let request = shaanxi_request("TestNet");
    let by_env = hisgate_env(&["sign", "--spec", spec], &request, &[("HISGATE_MD5_KEY", KEY)]);
    assert_eq!(json_out(&by_env)["sign"], "389F6997DA8530F147D4AD7AF41C5C30", "{by_env:?}");
    let by_flag = hisgate(&["sign", "--spec", spec, "--set", &format!("md5Key={KEY}")], &request);
    assert_eq!(json_out(&by_flag)["sign"], "389F6997DA8530F147D4AD7AF41C5C30");
    let encrypted =
        hisgate_env(&["encrypt", "--spec", spec], r#"{"plaintext":"<request/>"}"#, &[("HISGATE_MD5_KEY", KEY)]);
    assert!(json_out(&encrypted)["ciphertext"].is_string(), "{encrypted:?}");
    // No example to fall back on: the error names the input, and nothing pretends a flag exists.
    let missing = hisgate(&["sign", "--spec", spec], &request);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(json_out(&missing)["error"], "missing input `md5Key`");
    assert!(!String::from_utf8_lossy(&missing.stderr).contains("--md5-key"));
}

#[test]
fn keys_come_from_the_environment_and_specs_from_a_folder() {
    let output =
        hisgate_env(&["sign", "--spec", "specs/shaanxi"], &shaanxi_request("TestNet"), &[("HISGATE_KEY", KEY)]);
    assert_eq!(json_out(&output)["sign"], "389F6997DA8530F147D4AD7AF41C5C30");
    // A credential given nowhere is the spec's example, with the same warning as `call` and `serve`.
    let completed = hisgate(&["sign", "--platform", "shaanxi"], &shaanxi_request("TestNet"));
    assert_eq!(json_out(&completed)["sign"], "389F6997DA8530F147D4AD7AF41C5C30");
    assert!(String::from_utf8_lossy(&completed.stderr).contains(
        "hisgate sign: credential `key` not given (--set key=VALUE or HISGATE_KEY): using the spec's example value"
    ));
    let unknown = hisgate(&["sign", "--platform", "nowhere", "--key", KEY], "{}");
    assert!(json_out(&unknown)["error"].as_str().unwrap().contains("no compiled-in platform `nowhere`"));
}

#[test]
fn verify_accepts_the_document_and_rejects_the_truncated_signature() {
    let mut request: Value = serde_json::from_str(&shaanxi_request("TestNet")).unwrap();
    request["sign"] = json!("389F6997DA8530F147D4AD7AF41C5C30");
    let ok = hisgate(&["verify", "--platform", "shaanxi", "--key", KEY], &request.to_string());
    assert!(ok.status.success());
    assert_eq!(json_out(&ok), json!({"ok": true}));

    let response = json!({
        "resultCode": "SUCCESS", "resultMessage": "成功", "signType": "md5", "sign": "5A79CE775EC879E11B88EF71D69F131",
        "responseEncrypted": "dbvhbM8Ckn+xUMWC8mmVO3bMEcsql4P4sUDAKjE6ZEQeQwz7o0vN/+xdsjsmNLo6PISHwoS9d+6LzWgJYeRMhHFs99uN84ajwMMqEeSLDvU="
    });
    let truncated = hisgate(&["verify", "--platform", "shaanxi", "--key", KEY], &response.to_string());
    assert_eq!(truncated.status.code(), Some(1));
    let out = json_out(&truncated);
    assert_eq!(out["ok"], false);
    assert_eq!(out["reason"], "signature does not match (31 characters received, the rule gives 32)");
}

#[test]
fn verify_header_signed_and_sign_then_encrypt_platforms() {
    let body = std::fs::read_to_string(root().join("specs/glorycard/examples/sign-example.body.json")).unwrap();
    let args = [
        "verify",
        "--platform",
        "glorycard",
        "--key",
        "4fd6b8105f894d0da964b1e80b07b136",
        "--timestamp",
        "20210407155206",
        "--sign",
        "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c",
    ];
    assert_eq!(json_out(&hisgate(&args, &body)), json!({"ok": true}));
    // onepay signs the plaintext: the encrypted response is decrypted before it is verified.
    let response =
        std::fs::read_to_string(root().join("specs/onepay/examples/charge.response.encrypted.json")).unwrap();
    let args = [
        "verify",
        "--platform",
        "onepay",
        "--app-id",
        "1A3VL0KVK0000B020A0A0000CC3F48AD",
        "--app-secret",
        "1A3VL0KVE0010B010A0A0000277BDC91",
    ];
    assert_eq!(json_out(&hisgate(&args, &response)), json!({"ok": true}));
}

#[test]
fn encrypt_and_decrypt_and_their_errors() {
    let encrypt = hisgate(
        &["encrypt", "--platform", "shaanxi", "--key", KEY],
        r#"{"plaintext":"<request><ip><![CDATA[127.0.0.1]]></ip></request>"}"#,
    );
    assert_eq!(json_out(&encrypt), json!({"ciphertext": XML_CIPHERTEXT}));
    let decrypt = hisgate(
        &["decrypt", "--platform", "shaanxi", "--key", KEY],
        &json!({"ciphertext": XML_CIPHERTEXT}).to_string(),
    );
    assert_eq!(json_out(&decrypt)["plaintext"], "<request><ip><![CDATA[127.0.0.1]]></ip></request>");
    let cases = [
        (&["--key", "short"][..], XML_CIPHERTEXT, "the AES-128 key must be 16 bytes, this one is 5"),
        (&["--key", KEY][..], "not base64!", "the ciphertext is not Base64"),
        (&["--key", KEY][..], "AAAA", "the ciphertext is 3 bytes, not a whole number of 16-byte blocks"),
        (&["--key", "0000000000000000"][..], XML_CIPHERTEXT, "bad padding: wrong key, or a damaged ciphertext"),
    ];
    for (flags, ciphertext, reason) in cases {
        let args: Vec<&str> = ["decrypt", "--platform", "shaanxi"].into_iter().chain(flags.iter().copied()).collect();
        let output = hisgate(&args, &json!({"ciphertext": ciphertext}).to_string());
        assert_eq!(output.status.code(), Some(1), "{reason}");
        assert_eq!(json_out(&output), json!({"error": reason}));
    }
    let onepay = hisgate(
        &["decrypt", "--platform", "onepay", "--scheme", "AES", "--app-id", "1A3VL0KVK0000B020A0A0000CC3F48AD", "--app-secret", "1A3VL0KVE0010B010A0A0000277BDC91"],
        &json!({"ciphertext": "0FE9C0E3DA4A94F7014DBA93C34D48123FDDCA34998537D8F12883A9C92D5CC608955AB6E7815BBABC711363373684A75CB30986C2639571FA46A715C86025C7EA1B10ED135AADEFCD007B7EAE65BC402C19EC50CC4ABF9A7C6972F25AB773F4111312C183ACFF6163728B5AA6AE56663FCEE0F6A98AC1AC899608D3BC33E5C67116EA21A53450CD9C8229FE555F045A6C6944B8A3338EFC1B6FD9FCECF5F2B5"}).to_string(),
    );
    assert!(json_out(&onepay)["plaintext"].as_str().unwrap().starts_with(r#"{"channel":"WX_QR""#));
}

#[test]
fn jsonl_checks_many_vectors_in_one_process() {
    let mut lines = String::new();
    for i in 0..1000 {
        let message = json!({"appId": "1", "transType": "op.trade.charge", "param": {"n": i, "name": "张三"}});
        lines.push_str(&json!({"message": message, "appSecret": format!("secret-{i}")}).to_string());
        lines.push('\n');
    }
    lines.push_str("not json\n");
    let output = hisgate(&["sign", "--platform", "onepay", "--jsonl"], &lines);
    assert_eq!(output.status.code(), Some(1), "a bad line makes the run fail");
    let out: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(out.len(), 1001);
    assert!(out[..1000].iter().all(|o| o["sign"].as_str().is_some_and(|s| s.len() == 32)));
    assert_ne!(out[0]["sign"], out[1]["sign"], "each line signs with its own secret");
    assert!(out[1000]["error"].as_str().unwrap().starts_with("malformed JSON"));

    let verify_lines = [
        json!({"message": serde_json::from_str::<Value>(&shaanxi_request("TestNet")).unwrap(), "key": KEY, "sign": "389F6997DA8530F147D4AD7AF41C5C30"}),
        json!({"message": serde_json::from_str::<Value>(&shaanxi_request("NetTest")).unwrap(), "key": KEY, "sign": "389F6997DA8530F147D4AD7AF41C5C30"}),
    ];
    let input: String = verify_lines.iter().map(|l| format!("{l}\n")).collect();
    let output = hisgate(&["verify", "--platform", "shaanxi", "--jsonl"], &input);
    let out: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(out[0], json!({"ok": true}));
    assert_eq!(out[1]["ok"], false);
}

#[test]
fn explain_names_the_cause_of_a_mismatch_and_never_the_key() {
    // A counterpart that also signed `signType`.
    let expected = "39DB0D3BC9F0CA81C43985229C71D3BD";
    let output =
        hisgate(&["explain", "--platform", "shaanxi", "--key", KEY, "--expect", expected], &shaanxi_request("TestNet"));
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("  - signType          skipped: excluded by the rule"), "{text}");
    assert!(text.contains("  md5          389f6997da8530f147d4ad7af41c5c30"), "{text}");
    assert!(text.contains("key        key: 16 chars, sha256 "), "{text}");
    assert!(text.contains("likely cause") && text.contains("`signType` signed too"), "{text}");
    assert!(!text.contains(KEY), "{text}");

    let body = std::fs::read_to_string(root().join("specs/glorycard/examples/sign-example.body.json")).unwrap();
    // The document's printed string keeps `10.00`; a counterpart signing it so gets this signature.
    let as_printed = "5f6b2d380043b2c023dfb49369c7875cc78075a49310789ed6335db403fc7152";
    let args = [
        "explain",
        "--platform",
        "glorycard",
        "--key",
        "4fd6b8105f894d0da964b1e80b07b136",
        "--timestamp",
        "20210407155206",
        "--expect",
        as_printed,
        "--json",
    ];
    let report = json_out(&hisgate(&args, &body));
    assert_eq!(report["matches"], false);
    assert_eq!(report["findings"][0]["variant"], "numbers signed as sent (10.00)");
    let skipped: Vec<&str> = report["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["included"] == false)
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["mailAddress", "phone"]);
    let ok = hisgate(
        &args[..7]
            .iter()
            .copied()
            .chain(["--expect", "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c"])
            .collect::<Vec<_>>(),
        &body,
    );
    assert!(ok.status.success(), "{}", stdout(&ok));
}

#[test]
fn bench_reports_the_envelope_step_beside_the_raw_crypto() {
    let payload = root().join("specs/shaanxi/examples/QueryRegister.response.xml");
    let args = [
        "bench",
        "--platform",
        "shaanxi",
        "--key",
        KEY,
        "--payload",
        payload.to_str().unwrap(),
        "--iterations",
        "20",
        "--json",
    ];
    let report = json_out(&hisgate(&args, ""));
    for key in ["build_us", "parse_us", "raw_build_us", "raw_parse_us"] {
        assert!(report[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {report}");
    }
    assert!(report["envelope_bytes"].as_u64().is_some_and(|b| b > 1000), "{report}");
}

#[test]
fn explain_finds_two_mistakes_lists_what_it_ruled_out_and_names_a_wrong_key() {
    // `signType` signed and the MD5 written in lower-case hex: two mistakes at once.
    let expected = "39DB0D3BC9F0CA81C43985229C71D3BD".to_lowercase();
    let args = ["explain", "--platform", "shaanxi", "--key", KEY, "--expect", &expected];
    let output = hisgate(&args, &shaanxi_request("TestNet"));
    let text = stdout(&output);
    assert!(text.contains("searched   ") && text.contains("the whole space"), "{text}");
    assert!(text.contains("  1. hex-lower instead of hex-upper"), "{text}");
    assert!(text.contains("+ `signType` signed too"), "{text}");
    assert!(text.contains("&service=TestNet&{+signType=md5&+}key={key}"), "{text}");
    assert!(text.contains("ruled out  ") && text.contains("digest"), "{text}");
    assert!(!text.contains(KEY), "{text}");

    let report = json_out(&hisgate(&[&args[..], &["--json", "--budget", "2s"]].concat(), &shaanxi_request("TestNet")));
    assert_eq!(report["complete"], true);
    assert!(report["tried"].as_u64().unwrap() > report["singles"].as_u64().unwrap(), "{report}");
    assert!(report["elapsed_us"].as_u64().is_some(), "{report}");
    let finding = &report["findings"][0];
    assert_eq!(finding["parts"].as_array().unwrap().len(), 2, "{finding}");
    assert_eq!(finding["diff"]["variant"], "signType=md5&");
    assert!(report["ruled_out"].as_array().unwrap().contains(&json!("wrap")), "{report}");

    // Signed with another key: nothing reproduces it, and the fingerprint is there to compare.
    let other = hisgate(&["sign", "--platform", "shaanxi", "--key", "2098D32C4D1399ED"], &shaanxi_request("TestNet"));
    let sign = json_out(&other)["sign"].as_str().unwrap().to_owned();
    let wrong =
        hisgate(&["explain", "--platform", "shaanxi", "--key", KEY, "--expect", &sign], &shaanxi_request("TestNet"));
    let text = stdout(&wrong);
    assert!(text.contains("the key likely differs"), "{text}");
    assert!(text.contains("  key: 16 chars, sha256 "), "{text}");
    assert!(!text.contains(KEY), "{text}");

    let bad = hisgate(&["explain", "--platform", "shaanxi", "--key", KEY, "--expect", "x", "--budget", "soon"], "{}");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a time"), "{:?}", bad);
}
