//! `hisgate call` against generated servers on 127.0.0.1: the request on stdin, the verified reply on stdout, and
//! the exit code scripts depend on (0 when a verified reply arrived, whatever its business code).

use hisgate_generated::{glorycard, shaanxi};
use hisgate_runtime::server::{Context, Failure};
use hisgate_tests::loopback::{Loopback, full_response, server_config};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

struct Answering;

impl shaanxi::hospital::Handler for Answering {
    async fn test_net(
        &self,
        _: shaanxi::interfaces::test_net::Request,
        _: Context,
    ) -> Result<shaanxi::interfaces::test_net::Response, Failure> {
        Ok(full_response::<shaanxi::interfaces::TestNet>())
    }

    async fn query_register(
        &self,
        request: shaanxi::interfaces::query_register::Request,
        _: Context,
    ) -> Result<shaanxi::interfaces::query_register::Response, Failure> {
        match request.order_id.as_deref() {
            Some("无此订单") => Err(Failure::business("S05010701")),
            _ => Ok(full_response::<shaanxi::interfaces::QueryRegister>()),
        }
    }
}

impl glorycard::platform::Handler for Answering {
    async fn store_all(
        &self,
        _: glorycard::interfaces::store_all::Request,
        _: Context,
    ) -> Result<glorycard::interfaces::store_all::Response, Failure> {
        Ok(full_response::<glorycard::interfaces::StoreAll>())
    }
}

/// Runs `hisgate call` with `args` and `stdin`: exit code and the JSON it printed.
async fn call(args: Vec<String>, stdin: Value) -> (i32, Value) {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
            .arg("call")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hisgate runs");
        child.stdin.take().unwrap().write_all(stdin.to_string().as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let printed = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        (output.status.code().unwrap_or(-1), printed)
    })
    .await
    .unwrap()
}

fn shaanxi_args(url: &str, extra: &[&str]) -> Vec<String> {
    let base = [
        "--platform",
        "shaanxi",
        "--url",
        url,
        "--key",
        "2098D32C4D1399EC",
        "--partner",
        "TEST_WX",
        "--hospital-code",
        "0",
    ];
    base.iter().chain(extra).map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn calls_every_shaanxi_binding_and_prints_the_verified_reply() {
    let server = Loopback::start(shaanxi::hospital::router(Answering, server_config(&shaanxi::PLATFORM))).await;
    for binding in ["xml", "json", "get", "soap11", "soap12"] {
        let (code, printed) =
            call(shaanxi_args(&server.url, &["--binding", binding, "TestNet"]), json!({"ip": "127.0.0.1"})).await;
        assert_eq!(code, 0, "{binding}: {printed}");
        assert_eq!(printed["code"], "SUCCESS", "{binding}: {printed}");
        assert_eq!(printed["response"]["systemTime"], "2014-10-01 20:22:10", "{binding}: {printed}");
    }
}

#[tokio::test]
async fn a_business_code_is_a_verified_reply_and_exits_zero() {
    let server = Loopback::start(shaanxi::hospital::router(Answering, server_config(&shaanxi::PLATFORM))).await;
    let request = json!({
        "orderId": "无此订单", "startDate": "2017-01-19", "endDate": "2017-01-22",
        "queryType": 0, "currentPage": 1, "pageSize": 10
    });
    let (code, printed) = call(shaanxi_args(&server.url, &["QueryRegister"]), request).await;
    assert_eq!((code, &printed["code"]), (0, &json!("S05010701")), "{printed}");
    assert_eq!(printed["response"], Value::Null);
    // Pay is left to the handler trait's default: the platform's `unsupported` code, verified all the same.
    let (_, pay) = <shaanxi::interfaces::Pay as hisgate_runtime::Interface>::schema();
    let request = hisgate_runtime::sample::payload(&shaanxi::PLATFORM, pay.request);
    let (code, printed) = call(shaanxi_args(&server.url, &["Pay"]), request).await;
    assert_eq!((code, &printed["code"]), (0, &json!("HAS_NO_PRIVILEGE")), "{printed}");
}

#[tokio::test]
async fn a_reply_that_does_not_verify_an_invalid_request_or_no_server_exits_one_with_the_reason() {
    let server = Loopback::start(shaanxi::hospital::router(Answering, server_config(&shaanxi::PLATFORM))).await;
    let mut wrong_key = shaanxi_args(&server.url, &["TestNet"]);
    wrong_key[5] = "0000000000000000".into();
    let (code, printed) = call(wrong_key, json!({"ip": "127.0.0.1"})).await;
    assert_eq!(code, 1, "{printed}");
    assert!(printed["error"].as_str().unwrap().contains("does not verify"), "{printed}");

    let (code, printed) = call(shaanxi_args(&server.url, &["QueryRegister"]), json!({"orderId": 12})).await;
    assert_eq!(code, 1, "{printed}");
    let (code, printed) = call(shaanxi_args(&server.url, &["NoSuchThing"]), json!({})).await;
    assert_eq!(code, 1, "{printed}");
    assert!(printed["error"].as_str().unwrap().contains("no interface"), "{printed}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (code, printed) = call(shaanxi_args(&format!("http://{closed}"), &["TestNet"]), json!({"ip": "1"})).await;
    assert_eq!(code, 1, "{printed}");
    assert!(printed["error"].as_str().unwrap().contains("cannot reach"), "{printed}");
}

#[tokio::test]
async fn calls_glorycard_with_header_signatures() {
    let server = Loopback::start(glorycard::platform::router(Answering, server_config(&glorycard::PLATFORM))).await;
    let args = [
        "--platform",
        "glorycard",
        "--url",
        &server.url,
        "--sid",
        "47258258201708031835123456",
        "--key",
        "4fd6b8105f894d0da964b1e80b07b136",
        "storeAll",
    ];
    let (code, printed) =
        call(args.iter().map(|s| s.to_string()).collect(), json!({"dataID": "0", "orgCode": "45608766-1"})).await;
    assert_eq!((code, &printed["code"]), (0, &json!("1")), "{printed}");
    assert!(printed["response"].is_object(), "{printed}");
}

#[tokio::test]
async fn a_reply_breaking_the_callers_spec_is_a_violation_under_strict_and_a_warning_under_warn() {
    let server = Loopback::start(shaanxi::hospital::router(Answering, server_config(&shaanxi::PLATFORM))).await;
    // The caller's copy of the spec allows 10 characters where the server answers 19 (`2014-10-01 20:22:10`).
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("shaanxi");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/shaanxi");
    assert!(Command::new("cp").arg("-r").arg(&root).arg(&spec).status().unwrap().success());
    let test_net = spec.join("interfaces/TestNet.yaml");
    let text = std::fs::read_to_string(&test_net).unwrap();
    let text =
        text.replace("type: string(32)", "type: string(10)").replace("      format: YYYY-MM-DD HH24:MI:SS\n", "");
    let text = text.replace("example: \"2014-10-01 20:22:10\"", "example: \"2014-10-01\"");
    std::fs::write(&test_net, text).unwrap();
    let args = |extra: &[&str]| {
        let mut args = shaanxi_args(&server.url, extra);
        args[0] = "--spec".into();
        args[1] = spec.display().to_string();
        args
    };

    let (code, strict) = call(args(&["TestNet"]), json!({"ip": "127.0.0.1"})).await;
    assert_eq!(code, 0, "{strict}");
    assert_eq!(strict["violations"][0].as_str().unwrap().split(':').next(), Some("systemTime"), "{strict}");
    assert!(strict.get("warnings").is_none(), "{strict}");

    for lenient in [&["--warn", "length", "TestNet"][..], &["--strictness", "warn", "TestNet"]] {
        let (code, printed) = call(args(lenient), json!({"ip": "127.0.0.1"})).await;
        assert_eq!(code, 0, "{printed}");
        assert!(printed.get("violations").is_none(), "{lenient:?}: {printed}");
        assert!(printed["warnings"][0].as_str().unwrap().contains("systemTime"), "{lenient:?}: {printed}");
        assert_eq!(printed["response"]["systemTime"], "2014-10-01 20:22:10", "{printed}");
    }
    // Only the named classes warn: a length violation still counts under `--warn format`.
    let (_, printed) = call(args(&["--warn", "format", "TestNet"]), json!({"ip": "127.0.0.1"})).await;
    assert!(printed["violations"][0].as_str().unwrap().contains("systemTime"), "{printed}");
}
