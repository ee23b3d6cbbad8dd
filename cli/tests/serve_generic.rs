//! `hisgate serve` of sides no hand-written simulator covers, as a user runs it: a fifth platform written as YAML
//! only (tests/fixtures/platforms/ruikang: upper-case envelope fields, numeric function codes, SM3 over `&KEY=` in
//! a header, SM4-CBC payloads with `<REQ>`/`<RES>` roots) served from its spec and called with `hisgate call` —
//! its `answers:` rules (a match, an echo, a not-found code, a sequence, Chinese text), the fields' examples and
//! generated values, a bad signature refused with the platform's own code; a shipped platform under `--generic`;
//! `serve --spec` refusing a spec the hand-written simulators were not compiled from; and the README's "Add a
//! platform" files, run as written.

mod support;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use support::copy_tree;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn fixture() -> String {
    root().join("tests/fixtures/platforms/ruikang").to_string_lossy().into_owned()
}

/// A `hisgate serve` process, killed when dropped.
struct Served {
    child: Child,
    url: String,
    line: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `hisgate serve ARGS` on a fresh SQLite file in `dir` and a free port; waits for its "listening" line.
fn serve(dir: &Path, args: &[&str]) -> Served {
    let db = format!("sqlite://{}", dir.join(format!("{}.sqlite", args.join("-").replace('/', "_"))).display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .arg("serve")
        .args(args)
        .args(["--db", &db, "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("{line}")).to_owned();
    Served { child, url, line }
}

/// `hisgate call ARGS INTERFACE` with `request` on stdin: the exit code and the printed JSON.
fn call(args: &[&str], interface: &str, request: Value) -> (i32, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .arg("call")
        .args(args)
        .arg(interface)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let printed = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text} {}", stderr(&output)));
    (output.status.code().unwrap_or(-1), printed)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A raw HTTP POST of XML: the reply's status line, headers and body.
fn post(url: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut all = vec![("Content-Type", "application/xml")];
    all.extend_from_slice(headers);
    support::raw_exchange(url, &format!("POST {path}"), &all, body)
}

#[test]
fn a_yaml_only_platform_is_served_from_its_spec_and_answers_hisgate_call() {
    let dir = tempfile::tempdir().unwrap();
    let spec = fixture();
    let checked = Command::new(env!("CARGO_BIN_EXE_hisgate")).args(["check", &spec]).output().unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    let summary = String::from_utf8_lossy(&checked.stdout);
    assert!(summary.contains("1 worked example(s) reproduced"), "{summary}");
    // The docs show each interface's rules.
    let docs = dir.path().join("docs");
    let built =
        Command::new(env!("CARGO_BIN_EXE_hisgate")).args(["docs", "--spec", &spec, "--out"]).arg(&docs).output();
    assert!(built.unwrap().status.success());
    let home = std::fs::read_to_string(docs.join("ruikang/index.md")).unwrap();
    let printed = "4D9C5AD6AD257FBFBDBC5417E8507A3F10900CEE2A11CDCD3F83F8EE75AE779D";
    assert!(home.contains("查询就诊卡 1001 请求") && home.contains(printed) && home.contains("一致 ✓"), "{home}");
    let page = std::fs::read_to_string(docs.join("ruikang/interfaces/QueryCard.md")).unwrap();
    assert!(page.contains("## 模拟应答") && page.contains("| 其余请求 | `2001` | 未找到该卡，请先办卡 |"), "{page}");
    let hospital = serve(dir.path(), &["--spec", &spec, "--role", "hospital"]);
    assert!(hospital.line.contains("ruikang hospital (generic: answered from the spec)"), "{}", hospital.line);
    let to = ["--spec", spec.as_str(), "--url", hospital.url.as_str()];

    // The first rule matches either card and echoes the one asked for.
    for card in ["6217000000000001", "6217000000000002"] {
        let (exit, reply) = call(&to, "QueryCard", json!({"CARD_NO": card}));
        assert_eq!((exit, &reply["code"]), (0, &json!("0000")), "{reply}");
        let response = &reply["response"];
        assert_eq!((&response["CARD_NO"], &response["PATIENT_NAME"]), (&json!(card), &json!("张三")), "{reply}");
        assert_eq!(response["BALANCE"].to_string(), "128.50", "{reply}");
        let today = chrono::Utc::now().with_timezone(&hisgate_runtime::clock::china_standard_time());
        assert!(response["QUERY_TIME"].as_str().unwrap().starts_with(&today.format("%Y-%m-%d").to_string()));
    }
    // Any other card: the second rule, the interface's not-found code with the rule's message, no payload.
    let (exit, reply) = call(&to, "QueryCard", json!({"CARD_NO": "6217999999999999", "CARD_TYPE": "2"}));
    assert_eq!(exit, 0, "{reply}");
    assert_eq!(reply, json!({"code": "2001", "message": "卡号不存在：未找到该卡，请先办卡", "response": null}));

    // Echoes, the time, a sequence per interface and Chinese text around an echo.
    let order = |number: &str, amount: &str| json!({"PLAT_ORDER_NO": number, "CARD_NO": "6217000000000001", "DEPT_CODE": "0305", "AMOUNT": amount});
    let (_, first_reply) = call(&to, "CreateOrder", order("P-0001", "12.00"));
    let (_, second_reply) = call(&to, "CreateOrder", order("P-0002", "15.00"));
    let (first, second) = (&first_reply["response"], &second_reply["response"]);
    let number = |reply: &Value| reply["ORDER_NO"].as_str().unwrap().to_owned();
    assert!(number(first).starts_with("GH") && number(first).ends_with("000001"), "{first}");
    assert!(number(second).ends_with("000002"), "{second}");
    assert_eq!((&first["DEPT_CODE"], first["AMOUNT"].to_string()), (&json!("0305"), "12.00".to_owned()));
    assert_eq!(first["TIP"], "请于就诊当日携带就诊卡到0305诊区候诊");
    assert_eq!(first["ORDER_TIME"].as_str().unwrap().len(), 14);
    // Exactly once (`idempotency: [PLAT_ORDER_NO]`): a repeat, a second later, gets the first order back — its
    // number and time, not a new sequence — and the number with another request is refused with the declared code.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (_, repeat) = call(&to, "CreateOrder", order("P-0001", "12.00"));
    assert_eq!(repeat, first_reply, "a repeat is answered with the first answer");
    let (exit, reused) = call(&to, "CreateOrder", order("P-0001", "99.00"));
    assert_eq!((exit, &reused["code"]), (0, &json!("2002")), "{reused}");
    assert!(reused["message"].as_str().unwrap().contains("P-0001"), "{reused}");

    // A scenario for the YAML-only platform, read with --spec: a card query, then an order placed and placed again
    // (the repeat answered with the first order, whose number the scenario saved), then the number misused.
    let flow = dir.path().join("ruikang-flow.yaml");
    std::fs::write(
        &flow,
        r#"scenario: 瑞康 查卡 → 下单 → 重复下单
platform: ruikang
steps:
  - call: QueryCard
    request: { CARD_NO: "6217000000000002" }
    expect: { code: "0000", response: { PATIENT_NAME: 张三 } }
  - call: CreateOrder
    request: { PLAT_ORDER_NO: "S-{unique}", CARD_NO: "6217000000000002", DEPT_CODE: "0101", AMOUNT: "8.00" }
    expect: { code: "0000" }
    save: { order: response.ORDER_NO }
  - call: CreateOrder
    request: { PLAT_ORDER_NO: "S-{unique}", CARD_NO: "6217000000000002", DEPT_CODE: "0101", AMOUNT: "8.00" }
    expect: { code: "0000", response: { ORDER_NO: "{order}" } }
  - call: CreateOrder
    request: { PLAT_ORDER_NO: "S-{unique}", CARD_NO: "6217000000000002", DEPT_CODE: "0101", AMOUNT: "9.00" }
    expect: { code: "2002" }
"#,
    )
    .unwrap();
    let ran = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["scenario", "run", flow.to_str().unwrap(), "--spec", &spec, "--hospital-url", &hospital.url])
        .args(["--runs", "3", "--concurrency", "3"])
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&ran.stdout), stderr(&ran));
    assert!(ran.status.success() && said.contains("3 runs, 3 passed, 0 failed"), "{said}");

    // No rule: the fields' examples …
    let (_, depts) = call(&to, "QueryDept", json!({}));
    assert_eq!(depts["response"], json!({"DEPT": [{"DEPT_CODE": "0101", "DEPT_NAME": "心血管内科"}]}), "{depts}");
    // … else values generated to pass the response's own rules.
    let (_, beat) = call(&to, "Heartbeat", json!({"SOURCE": "HIS"}));
    assert_eq!(beat["code"], "0000", "{beat}");
    assert_eq!((&beat["response"]["STATUS"], &beat["response"]["NODE"]), (&json!("1"), &json!("节点名称")), "{beat}");
    assert!(beat["response"]["SERVER_TIME"].as_str().unwrap().chars().all(|c| c.is_ascii_digit()), "{beat}");

    // The full inbound pipeline: a wrong key is refused with the platform's signature code …
    let (exit, _) = call(
        &["--set", "key=0123456789ABCDEF", "--spec", &spec, "--url", &hospital.url],
        "Heartbeat",
        json!({"SOURCE": "HIS"}),
    );
    assert_eq!(exit, 1, "a reply signed with the server's key does not verify under another");
    let now = chrono::Utc::now().with_timezone(&hisgate_runtime::clock::china_standard_time());
    let body = format!(
        "<MSG><FUNC>1000</FUNC><ORG_CODE>RK0001</ORG_CODE><TIMESTAMP>{}</TIMESTAMP><REQ_ENCRYPTED>AAAA</REQ_ENCRYPTED></MSG>",
        now.format("%Y%m%d%H%M%S")
    );
    let reply = post(&hospital.url, "/ruikang/gateway", &[("X-SIGN", &"0".repeat(64))], &body);
    assert!(reply.contains("<RET_CODE><![CDATA[9001]]></RET_CODE>") && reply.contains("签名错误"), "{reply}");
    assert!(reply.to_ascii_lowercase().contains("\r\nx-sign: "), "the refusal is signed too: {reply}");
    // … and an unknown function code with its own.
    let body = body.replace("<FUNC>1000</FUNC>", "<FUNC>1999</FUNC>");
    let reply = post(&hospital.url, "/ruikang/gateway", &[("X-SIGN", &"0".repeat(64))], &body);
    assert!(reply.contains("<RET_CODE><![CDATA[9005]]></RET_CODE>"), "{reply}");

    // The other side, from the same spec.
    let platform = serve(dir.path(), &["--spec", &spec, "--role", "platform"]);
    let to = ["--spec", spec.as_str(), "--url", platform.url.as_str()];
    let (_, refunded) = call(&to, "NotifyPay", json!({"ORDER_NO": "GH20261205000001", "PAY_STATUS": "2"}));
    assert_eq!(refunded["response"], json!({"ORDER_NO": "GH20261205000001", "RECEIVED": "1"}), "{refunded}");
    let (_, paid) = call(&to, "NotifyPay", json!({"ORDER_NO": "GH20261205000001", "PAY_STATUS": "1"}));
    assert_eq!(paid["response"], json!({"ORDER_NO": "订单号", "RECEIVED": "1"}), "no rule: generated, {paid}");

    // The first answer is kept in the store: the hospital restarted on its file answers the repeat the same way.
    drop(hospital);
    let hospital = serve(dir.path(), &["--spec", &spec, "--role", "hospital"]);
    let to = ["--spec", spec.as_str(), "--url", hospital.url.as_str()];
    let (_, after_restart) = call(&to, "CreateOrder", order("P-0001", "12.00"));
    assert_eq!(after_restart, first_reply, "the first answer survives a restart");
}

#[test]
fn a_shipped_platform_side_runs_under_generic() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = serve(dir.path(), &["--platform", "shaanxi", "--role", "hospital", "--generic"]);
    assert!(hospital.line.contains("shaanxi hospital (generic: answered from the spec)"), "{}", hospital.line);
    let shaanxi = hisgate_generated::PLATFORMS.iter().find(|p| p.name == "shaanxi").unwrap();
    for binding in ["xml", "json", "get", "soap11", "soap12"] {
        for interface in ["TestNet", "GetDepartmentInfo", "QueryRegister", "Pay"] {
            let schema = shaanxi.interface(interface).unwrap();
            let request = hisgate_runtime::sample::payload(shaanxi, schema.request);
            let args = ["--platform", "shaanxi", "--url", hospital.url.as_str(), "--binding", binding];
            let (exit, reply) = call(&args, interface, request);
            assert_eq!((exit, &reply["code"]), (0, &json!("SUCCESS")), "{interface} over {binding}: {reply}");
            assert!(reply["response"].is_object(), "{interface} over {binding}: {reply}");
        }
    }
    let (_, reply) = call(&["--platform", "shaanxi", "--url", &hospital.url], "TestNet", json!({"ip": "10.0.0.1"}));
    assert_eq!(reply["response"], json!({"systemTime": "2014-10-01 20:22:10"}), "the field's example");
}

#[test]
fn serve_spec_refuses_a_spec_the_hand_written_simulator_was_not_compiled_from() {
    let dir = tempfile::tempdir().unwrap();
    // The shipped folder, by an absolute path: the same schema, so the hand-written simulator runs.
    let shipped = root().join("specs/shaanxi").to_string_lossy().into_owned();
    let simulator = serve(dir.path(), &["--spec", &shipped, "--role", "hospital"]);
    assert!(simulator.line.contains("shaanxi hospital on http://"), "{}", simulator.line);
    drop(simulator);

    let edited = dir.path().join("shaanxi");
    copy_tree(&root().join("specs/shaanxi"), &edited);
    let file = edited.join("interfaces/TestNet.yaml");
    let text = std::fs::read_to_string(&file).unwrap().replace("title: 网络通讯测试", "title: 网络连通测试");
    std::fs::write(&file, text).unwrap();
    let edited = edited.to_string_lossy().into_owned();
    let db = format!("sqlite://{}", dir.path().join("refused.sqlite").display());
    let output = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["serve", "--spec", &edited, "--role", "hospital", "--listen", "127.0.0.1:0", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(
        said.contains("compiled from another spec") && said.contains("rebuild") && said.contains("--generic"),
        "{said}"
    );
    assert!(!dir.path().join("refused.sqlite").exists(), "refused before the store is created");

    // A side that provides nothing is refused before a store is created for it.
    let db = format!("sqlite://{}", dir.path().join("nothing.sqlite").display());
    let output = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["serve", "--platform", "onepay", "--role", "hospital", "--listen", "127.0.0.1:0", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no interface its hospital side provides"), "{}", stderr(&output));
    assert!(!dir.path().join("nothing.sqlite").exists());

    let generic = serve(dir.path(), &["--spec", &edited, "--role", "hospital", "--generic"]);
    assert!(generic.line.contains("(generic: answered from the spec)"), "{}", generic.line);
    let (exit, reply) = call(&["--spec", &edited, "--url", &generic.url], "TestNet", json!({"ip": "10.0.0.1"}));
    assert_eq!((exit, &reply["code"]), (0, &json!("SUCCESS")), "{reply}");
}

/// The README's "Add a platform" files, as `(path, text)`: each fenced block after an `add-a-platform` marker.
fn readme_platform() -> (Vec<(String, String)>, String) {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## Add a platform").nth(1).unwrap().split("\n## ").next().unwrap().to_owned();
    let mut files = Vec::new();
    for part in section.split("<!-- add-a-platform: ").skip(1) {
        let (path, rest) = part.split_once(" -->").unwrap();
        // The fence's language (yaml, json) names nothing the file needs: its text is what lies inside.
        let fenced = rest.split("```").nth(1).unwrap();
        let text = fenced.split_once('\n').unwrap().1;
        files.push((path.to_owned(), text.to_owned()));
    }
    (files, section)
}

#[test]
fn the_readme_add_a_platform_section_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let (files, section) = readme_platform();
    assert_eq!(files.len(), 5, "platform.yaml, protocol.yaml, one interface and a worked example with its payload");
    for (path, text) in &files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let spec = dir.path().join("myhis").to_string_lossy().into_owned();
    let checked = Command::new(env!("CARGO_BIN_EXE_hisgate")).args(["check", &spec]).output().unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    let summary = String::from_utf8_lossy(&checked.stdout);
    assert!(summary.contains("1 worked example(s) reproduced"), "the README's worked example: {summary}");
    let hospital = serve(dir.path(), &["--spec", &spec, "--role", "hospital"]);
    assert!(hospital.line.contains("myhis hospital (generic: answered from the spec)"), "{}", hospital.line);
    // Each `echo 'REQUEST' | hisgate call … INTERFACE` line, and the `# REPLY` line under it.
    let lines: Vec<&str> = section.lines().collect();
    let mut calls = 0;
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.starts_with("echo '") && l.contains("hisgate call")) {
        let request: Value = serde_json::from_str(line.split('\'').nth(1).unwrap()).unwrap();
        let interface = line.split_whitespace().last().unwrap();
        let expected: Value = serde_json::from_str(lines[i + 1].trim_start_matches("# ")).unwrap();
        let (exit, reply) = call(&["--spec", &spec, "--url", &hospital.url], interface, request);
        assert_eq!((exit, reply), (0, expected), "{line}");
        calls += 1;
    }
    assert_eq!(calls, 2);
    // The required payload field is present as an object; absent, or another required field sent as an object, is
    // still refused.
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let without = json!({"method": "patient.get", "timestamp": stamp, "sign": "0"}).to_string();
    let reply = post(&hospital.url, "/api", &[], &without);
    assert!(reply.contains(r#""code":"1""#) && reply.contains("`data` is missing"), "{reply}");
    let object = json!({"method": {"x": 1}, "timestamp": stamp, "data": {"idCardNo": "1"}, "sign": "0"}).to_string();
    let reply = post(&hospital.url, "/api", &[], &object);
    assert!(reply.contains("`method` is missing"), "{reply}");
}
