//! The lines canonical form and the structured carrier, from a spec written as WeChat Pay v3 words its rule: the
//! string to sign is the method, the path with its query, the timestamp, a fresh nonce and the body as sent, each
//! ended by `\n`; the RSA2 signature travels in `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//! signature="…",timestamp="…",serial_no="…"`. The document's printed string to sign is reproduced; a sealed request
//! opens under the public key its key id picks from a key ring; a body re-serialized, a changed byte or another
//! nonce never verifies, and a key id the ring lacks is named.

use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, EnvelopeError, Format, Payload};
use hisgate_runtime::schema::{Direction, PlatformSchema};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::signature::{Signer, VerifyError};
use serde_json::{Map, json};
use std::path::Path;

const PROTOCOL: &str = r#"
credentials:
  - { name: mchid, title: 商户号, example: "1900009191" }
  - { name: serial, title: 商户证书序列号, example: 1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C }
  - { name: privateKey, title: 商户私钥, secret: true }
  - { name: platformKeys, title: 验签公钥目录, description: "One <serial>.pem per key; the message's serial picks one." }
request:
  fields:
    - { name: Authorization, title: 认证信息, required: true, in: header, role: signature }
response:
  fields:
    - { name: code, title: 错误码, role: code }
    - { name: message, title: 错误描述, role: message }
    # One signature field serves both directions: WeChat's answers sign into `Wechatpay-Signature` instead, which
    # the rule cannot yet say (a field per direction).
    - { name: Authorization, title: 认证信息, in: header, role: signature }
    - { name: Wechatpay-Nonce, title: 应答随机串, in: header, value: "{nonce}" }
signature:
  field: Authorization
  lines: ["{method}", "{path}", "{timestamp}", "{nonce}", "{body}"]
  carrier: 'WECHATPAY2-SHA256-RSA2048 mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",timestamp="{timestamp}",serial_no="{serial}"'
  digest: ["rsa-sha256 {privateKey} {platformKeys} key-id={serial}", base64]
bindings:
  - { name: json, method: POST, format: json, path: "/v3/{path}" }
failures:
  empty: FAIL
  malformed: FAIL
  unknown_service: FAIL
  signature: FAIL
  decrypt: FAIL
  invalid: FAIL
  stale: FAIL
  unsupported: FAIL
  internal: FAIL
"#;

fn platform() -> PlatformSchema {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("wxlike");
    std::fs::create_dir_all(spec.join("interfaces")).unwrap();
    let platform = "platform: wxlike\ntitle: 类微信支付\ndocument: 测试\nreturn_codes:\n  - { code: OK, message: 成功, success: true }\n  - { code: FAIL, message: 失败 }\n";
    std::fs::write(spec.join("platform.yaml"), platform).unwrap();
    std::fs::write(spec.join("protocol.yaml"), PROTOCOL).unwrap();
    let interface = "interface: Jsapi\ntitle: JSAPI下单\nprovider: platform\npath: /pay/transactions/jsapi\nrequest:\n  fields:\n    - { name: description, title: 商品描述, type: string(127), required: true }\nresponse:\n  fields:\n    - { name: prepay_id, title: 预支付交易会话标识, type: string(64) }\n";
    std::fs::write(spec.join("interfaces/Jsapi.yaml"), interface).unwrap();
    hisgate_codegen::load_platform(&spec, "specs/wxlike").unwrap_or_else(|d| panic!("{d:?}"))
}

fn keys() -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    (read("rsa-test-private.pem"), read("rsa-test-public.pem"))
}

#[test]
fn the_documents_string_to_sign_is_reproduced() {
    // WeChat Pay API v3, 签名生成: GET /v3/certificates with an empty body.
    let platform = platform();
    let protocol = platform.protocol.as_ref().unwrap();
    let inputs = Inputs::new()
        .with("method", "GET")
        .with("path", "/v3/certificates")
        .with("timestamp", "1554208460")
        .with("nonce", "593BEC0C930BF1AFEB40B4A08C8FB242")
        .with("body", "");
    let canonical = Signer::for_protocol(protocol, Direction::Request).canonical(&Map::new(), &inputs).unwrap();
    assert_eq!(canonical, "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n");
}

#[test]
fn a_sealed_request_opens_under_the_public_key_and_nothing_changed_does() {
    let platform = platform();
    let protocol = platform.protocol.as_ref().unwrap();
    let (private, public) = keys();
    let sender = Inputs::for_protocol(
        protocol,
        [("mchid", "1900009191"), ("serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")],
    )
    .with_secret("privateKey", private)
    .with("method", "POST")
    .with("path", "/v3/pay/transactions/jsapi")
    .with("timestamp", "1554208460")
    .with("service", "Jsapi");
    let ring = tempfile::tempdir().unwrap();
    // The platform certificate under its serial, the platform public key under its id: the move between the two.
    let certificate =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/rsa-test-certificate.pem"));
    std::fs::write(ring.path().join("5157F09EFDC096DE15EBE81A47057A7232F1B8E1.pem"), certificate.unwrap()).unwrap();
    std::fs::write(ring.path().join("PUB_KEY_ID_0114232134912410000.pem"), &public).unwrap();
    let receiver = Inputs::new()
        .with("platformKeys", ring.path().to_str().unwrap())
        .with("method", "POST")
        .with("path", "/v3/pay/transactions/jsapi");
    let envelope = Envelope::new(protocol, Direction::Request);
    let payload = json!({"description": "陕西测试医院-挂号费", "amount": {"total": 100, "currency": "CNY"}});
    let seal = || envelope.seal(Payload { value: &payload, schema: None, root: None }, Format::Json, &sender).unwrap();
    let (sealed, again) = (seal(), seal());
    let (name, authorization) = &sealed.headers[0];
    assert_eq!(name, "Authorization");
    assert!(
        authorization.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\""),
        "{authorization}"
    );
    assert!(authorization.ends_with("timestamp=\"1554208460\",serial_no=\"5157F09EFDC096DE15EBE81A47057A7232F1B8E1\""));
    assert_ne!(again.headers, sealed.headers, "a nonce fresh per request");

    let open = |body: &str, headers: &[(String, String)], inputs: &Inputs| {
        envelope.open(body, headers, Format::Json, inputs, Limits::default())
    };
    let opened = open(&sealed.body, &sealed.headers, &receiver).unwrap();
    assert_eq!(opened.payload, payload);

    let refused = |result: Result<_, EnvelopeError>| {
        assert!(matches!(result, Err(EnvelopeError::Verify(VerifyError::NotVerified { .. }))), "{result:?}")
    };
    // The same JSON written otherwise (as a framework re-serializing it would) is not the body that was signed.
    let reserialized =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&sealed.body).unwrap()).unwrap();
    refused(open(&reserialized, &sealed.headers, &receiver));
    refused(open(&sealed.body.replace("100", "101"), &sealed.headers, &receiver));
    refused(open(&sealed.body, &sealed.headers, &receiver.clone().with("path", "/v3/pay/transactions/native")));
    let other_nonce = vec![(name.clone(), authorization.replacen("nonce_str=\"", "nonce_str=\"X", 1))];
    refused(open(&sealed.body, &other_nonce, &receiver));
    let not_a_carrier = vec![(name.clone(), "Bearer abc".to_owned())];
    let result = open(&sealed.body, &not_a_carrier, &receiver);
    assert!(matches!(result, Err(EnvelopeError::Verify(VerifyError::Carrier { .. }))), "{result:?}");

    // The key id the message carries picks the key; one the ring lacks, or one that is not a file name, is named.
    let serial = |id: &str| vec![(name.clone(), authorization.replace("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", id))];
    let result = open(&sealed.body, &serial("PUB_KEY_ID_0114232134912410001"), &receiver);
    let message = result.unwrap_err().to_string();
    assert!(message.contains("no verifying key has the id `PUB_KEY_ID_0114232134912410001` (the key ring holds: 5157F09EFDC096DE15EBE81A47057A7232F1B8E1, PUB_KEY_ID_0114232134912410000)"), "{message}");
    let message = open(&sealed.body, &serial("../../etc/passwd"), &receiver).unwrap_err().to_string();
    assert!(message.contains("the key id `../../etc/passwd` is not one"), "{message}");
    // Under the other id the same key verifies: the signature was never over the key id.
    let other = serial("PUB_KEY_ID_0114232134912410000");
    assert_eq!(open(&sealed.body, &other, &receiver).unwrap().payload, payload);
}

/// `hisgate explain`'s search over a lines-form rule: the string a counterpart signed, named from the signature.
#[test]
fn explain_names_the_lines_forms_usual_suspects() {
    use hisgate_runtime::signature::diagnose::{Options, diagnose};
    let platform = platform();
    let protocol = platform.protocol.as_ref().unwrap();
    let (private, public) = keys();
    let wrong =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/rsa-test-2-public.pem"))
            .unwrap();
    let ring = tempfile::tempdir().unwrap();
    std::fs::write(ring.path().join("PUB_KEY_ID_0114232134912410000.pem"), &public).unwrap();
    std::fs::write(ring.path().join("5157F09EFDC096DE15EBE81A47057A7232F1B8E1.pem"), &wrong).unwrap();
    let body = r#"{"description":"陕西测试医院-挂号费","amount":{"total":100,"currency":"CNY"}}"#;
    let inputs = Inputs::new()
        .with("method", "POST")
        .with("path", "/v3/pay/transactions/jsapi")
        .with("timestamp", "1554208460")
        .with("nonce", "593BEC0C930BF1AFEB40B4A08C8FB242")
        .with("body", body)
        .with("serial", "PUB_KEY_ID_0114232134912410000")
        .with("platformKeys", ring.path().to_str().unwrap())
        .with_secret("privateKey", private);
    let signer = Signer::for_protocol(protocol, Direction::Request);
    let envelope = Envelope::new(protocol, Direction::Request);
    let sign = |inputs: &Inputs| signer.value(&Map::new(), inputs).unwrap();
    let explain = |signature: &str, inputs: &Inputs| {
        let d = diagnose(&platform, &envelope, &Map::new(), inputs, signature, Options::default());
        d.findings.first().map(|f| f.variant.clone()).unwrap_or_else(|| format!("nothing: {d:?}"))
    };
    assert!(diagnose(&platform, &envelope, &Map::new(), &inputs, &sign(&inputs), Options::default()).matches_rule);

    // The counterpart signed the JSON it re-serialized (pretty-printed), not the body it sent.
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(body).unwrap()).unwrap();
    let signed = sign(&inputs.clone().with("body", pretty));
    assert_eq!(explain(&signed, &inputs), "the body re-serialized as pretty-printed JSON, not signed as sent");

    // It left off the last line's `\n`.
    let canonical = signer.canonical(&Map::new(), &inputs).unwrap();
    let key = inputs.get("privateKey").unwrap();
    let unended = hisgate_runtime::signature::asymmetric::sign(
        &hisgate_runtime::schema::SignAlgorithm::RsaSha256,
        key,
        canonical.strip_suffix('\n').unwrap().as_bytes(),
    )
    .unwrap();
    let unended = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, unended);
    assert_eq!(explain(&unended, &inputs), "the string to sign without the `\\n` that ends its last line");

    // The message names the key id of the wrong key: the ring's other key verifies.
    let misnamed = inputs.clone().with("serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
    assert_eq!(
        explain(&sign(&inputs), &misnamed),
        "the key `PUB_KEY_ID_0114232134912410000` of the key ring, not `5157F09EFDC096DE15EBE81A47057A7232F1B8E1`, which the message names"
    );
}
