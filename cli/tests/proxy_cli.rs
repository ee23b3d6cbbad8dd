//! `hisgate proxy` as a user runs it: real processes on loopback — `hisgate call` → proxy → (a test middle) →
//! `hisgate serve` — with the journal read back through `hisgate journal`, exchange by exchange.

use hisgate_generated::shaanxi::PLATFORM;
use hisgate_runtime::envelope::{Envelope, Payload};
use hisgate_runtime::schema::Direction;
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::transport::{Binding, HttpRequest};
use hisgate_tests::loopback::credentials;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

mod support;
use support::proxying::{
    call, exchanges, hospital, journal, platform, proxy, sqlite_journal, start_middle, start_slow_middle,
};

fn test_net() -> Value {
    json!({"ip": "127.0.0.1"})
}

#[test]
fn every_binding_is_forwarded_and_journaled_exchange_by_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let url = sqlite_journal(dir.path());
    let mut proxied = proxy(dir.path(), &upstream.url, &url, &[]);
    let schedule = json!({"departmentId": "220", "startDate": "2026-11-26", "endDate": "2026-11-26",
        "currentPage": 1, "pageSize": 10});
    let query = json!({"orderId": "ORDER-PROXY-7", "startDate": "2026-11-26", "endDate": "2026-11-26", "queryType": 1,
        "currentPage": 1, "pageSize": 10});
    let calls = [
        ("xml", "TestNet", test_net()),
        ("json", "TestNet", test_net()),
        ("get", "TestNet", test_net()),
        ("soap11", "TestNet", test_net()),
        ("soap12", "GetScheduleInfo", schedule),
        ("xml", "QueryRegister", query),
    ];
    let mut replies = Vec::new();
    for (binding, interface, request) in &calls {
        let (through, shown) = call(&proxied.url, binding, interface, request);
        let (direct, _) = call(&upstream.url, binding, interface, request);
        assert_eq!(through, direct, "{binding} {interface}: {shown}");
        replies.push(shown);
    }
    let listed = exchanges(&url, &[], calls.len());
    assert_eq!(listed.len(), calls.len());
    for (((binding, interface, _), row), reply) in calls.iter().zip(&listed).zip(&replies) {
        let code: Value = serde_json::from_str(reply.lines().next().unwrap()).unwrap_or(Value::Null);
        assert_eq!(row["interface"], *interface, "{row}");
        assert_eq!(row["binding"], *binding, "{row}");
        assert_eq!(row["provider"], "hospital");
        assert_eq!(row["status"], 200);
        assert_eq!(row["forwarded"], true);
        assert_eq!(row["request"]["signature"], "verified", "{row}");
        assert_eq!(row["reply"]["signature"], "verified", "{row}");
        assert_eq!(row["code"], code["code"], "the journal has the code the caller got: {row}");
        let expected = if code["code"] == "SUCCESS" { "ok" } else { "business_error" };
        assert_eq!(row["verdict"], expected, "{row}");
    }
    // Decrypted payloads both ways, and business keys searchable.
    assert_eq!(listed[0]["request"]["payload"]["ip"], "127.0.0.1");
    assert!(listed[0]["reply"]["payload"]["systemTime"].is_string(), "{}", listed[0]);
    let found: Vec<Value> = serde_json::from_str(&journal(&["search", "ORDER-PROXY-7", "--json"], &url)).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["interface"], "QueryRegister");
    assert_eq!(found[0]["keys"][0], json!({"name": "orderId", "value": "ORDER-PROXY-7"}));
    let by_interface = exchanges(&url, &["--interface", "TestNet"], 4);
    assert_eq!(by_interface.len(), 4);
    let shown = journal(&["show", &listed[4]["id"].to_string()], &url);
    assert!(shown.contains("GetScheduleInfo") && shown.contains("\"departmentId\": \"220\""), "{shown}");
    // Committed rows survive a kill -9 of the proxy.
    proxied.kill();
    assert_eq!(exchanges(&url, &[], calls.len()).len(), calls.len());
}

#[test]
fn the_his_calling_the_platform_is_read_on_the_platform_side() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = platform(dir.path());
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &upstream.url, &url, &[]);
    // DownloadStatement's service is `GetStatement`, like the hospital's own GetStatement: over SOAP (one path for
    // both sides) only the reading tells them apart.
    let request = json!({"statementDate": "2026-11-26"});
    for binding in ["soap11", "xml"] {
        let (ok, shown) = call(&proxied.url, binding, "DownloadStatement", &request);
        assert!(ok, "{shown}");
    }
    let rows = exchanges(&url, &[], 2);
    for row in &rows {
        assert_eq!(row["interface"], "DownloadStatement", "{row}");
        assert_eq!(row["provider"], "platform", "{row}");
        assert_eq!(row["request"]["violations"], Value::Null, "{row}");
        assert_eq!(row["reply"]["signature"], "verified", "{row}");
    }
    // A request signed with another key: refused by the platform, and diagnosed in the journal.
    let mut inputs = credentials(&PLATFORM);
    inputs.set("key", "0123456789ABCDEF", true);
    let wrong = sealed_with(inputs, "DownloadStatement", "json", &request);
    let (status, body) = send(&proxied.url, &wrong);
    assert_eq!(status, 200);
    assert!(body.contains("ILLEGAL_SIGN"), "{body}");
    let row = &exchanges(&url, &["--verdict", "signature_failed"], 1)[0];
    assert_eq!(row["request"]["signature"], "failed", "{row}");
    assert!(row["request"]["diagnosis"]["key_differs"].is_object(), "{row}");
    let shown = journal(&["show", &row["id"].to_string()], &url);
    assert!(shown.contains("the key likely differs"), "{shown}");
}

#[test]
fn requests_and_replies_pass_byte_for_byte_whatever_they_hold() {
    let dir = tempfile::tempdir().unwrap();
    let (seen, upstream, runtime) = start_middle(None, false);
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &upstream, &url, &[]);
    let body = "<?xml version=\"1.0\"?><request>不是信封 &amp; raw\r\n</request>";
    let reply = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/wd/spi?a=1&b=%E4%B8%AD", proxied.url))
            .header("content-type", "text/xml; charset=utf-8")
            .header("x-trace", "abc")
            .header("connection", "keep-alive, x-hop")
            .header("x-hop", "dropped")
            .body(body)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(reply.status().as_u16(), 418);
    assert_eq!(reply.headers()["x-canned"], "yes");
    let text = runtime.block_on(reply.text()).unwrap();
    assert_eq!(text, "not an envelope \u{1F375}");
    let (method, target, headers, bytes) = seen.seen.lock().unwrap()[0].clone();
    assert_eq!((method.as_str(), target.as_str()), ("POST", "/wd/spi?a=1&b=%E4%B8%AD"));
    assert_eq!(bytes, body.as_bytes());
    assert_eq!(headers["x-trace"], "abc");
    assert_eq!(headers["content-type"], "text/xml; charset=utf-8");
    assert!(headers.get("x-hop").is_none(), "a header `Connection` names is hop-by-hop");
    let row = &exchanges(&url, &[], 1)[0];
    assert_eq!(row["status"], 418);
    assert_eq!(row["verdict"], "invalid", "{row}");
    assert!(row["request"]["refused"]["code"].is_string(), "{row}");
}

#[test]
fn a_corrupted_reply_signature_is_diagnosed_in_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let (_middle, middle_url, _runtime) = start_middle(Some(upstream.url.clone()), true);
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &middle_url, &url, &[]);
    let (ok, shown) = call(&proxied.url, "xml", "TestNet", &test_net());
    assert!(!ok, "the caller refuses the corrupted reply too: {shown}");
    let row = &exchanges(&url, &[], 1)[0];
    assert_eq!(row["verdict"], "signature_failed", "{row}");
    assert_eq!(row["request"]["signature"], "verified");
    assert_eq!(row["reply"]["signature"], "failed");
    let variant = row["reply"]["diagnosis"]["findings"][0]["variant"].as_str().unwrap_or_default();
    assert!(variant.contains("hex-lower"), "{row}");
    let shown = journal(&["show", &row["id"].to_string()], &url);
    assert!(shown.contains("diagnosis") && shown.contains("hex-lower"), "{shown}");
    let failed = journal(&["list", "--verdict", "signature_failed", "--json"], &url);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&failed).unwrap().len(), 1);
}

#[test]
fn an_upstream_that_is_down_gets_502_and_a_journal_row() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &down, &url, &[]);
    let request = sealed("TestNet", "xml", &test_net());
    let (status, _) = send(&proxied.url, &request);
    assert_eq!(status, 502);
    let (ok, shown) = call(&proxied.url, "xml", "TestNet", &test_net());
    assert!(!ok && shown.contains("502"), "{shown}");
    let rows = exchanges(&url, &["--verdict", "upstream_error"], 2);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], 502);
    assert_eq!(rows[0]["forwarded"], true);
    assert_eq!(rows[0]["interface"], "TestNet");
    assert!(rows[0]["upstream_error"].as_str().unwrap().contains(&down), "{}", rows[0]);
    // Under --enforce the caller gets the platform's own system-error reply instead.
    let enforcing = proxy(dir.path(), &down, &url, &["--enforce"]);
    let (status, body) = send(&enforcing.url, &request);
    assert_eq!(status, 200);
    assert!(body.contains("SYSTEM_ERROR"), "{body}");
}

#[test]
fn a_slow_upstream_gets_504_without_holding_up_other_calls() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let (_middle, middle_url, _runtime) = start_slow_middle(Some(upstream.url.clone()), false, Duration::from_secs(5));
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &middle_url, &url, &["--timeout", "1"]);
    let mut slow_request = sealed("TestNet", "xml", &test_net());
    slow_request.path.push_str("?slow");
    let base = proxied.url.clone();
    let slow = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        (send(&base, &slow_request), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    let (status, body) = send(&proxied.url, &sealed("TestNet", "xml", &test_net()));
    assert_eq!(status, 200, "{body}");
    assert!(!slow.is_finished(), "the quick call waited for the slow one");
    let ((status, _), waited) = slow.join().unwrap();
    assert_eq!(status, 504);
    assert!(waited >= Duration::from_secs(1) && waited < Duration::from_secs(4), "{waited:?}");
    let rows = exchanges(&url, &[], 2);
    let timed_out: Vec<&Value> = rows.iter().filter(|r| r["verdict"] == "upstream_error").collect();
    assert_eq!(timed_out.len(), 1, "{rows:?}");
    assert_eq!(timed_out[0]["status"], 504);
    assert!(timed_out[0]["upstream_error"].as_str().unwrap().contains("no reply within 1 s"), "{rows:?}");
    assert!(rows.iter().any(|r| r["verdict"] == "ok"), "{rows:?}");
}

#[test]
fn an_upstream_answering_garbage_gets_502_and_a_journal_row() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let garbage = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buffer);
            let _ = stream.write_all(b"\x00\x01 this is not HTTP\r\n\r\n");
        }
    });
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &garbage, &url, &[]);
    let (status, _) = send(&proxied.url, &sealed("TestNet", "json", &test_net()));
    assert_eq!(status, 502);
    let row = &exchanges(&url, &[], 1)[0];
    assert_eq!(row["verdict"], "upstream_error", "{row}");
    assert_eq!(row["status"], 502);
    assert_eq!(row["request"]["signature"], "verified", "{row}");
}

#[test]
fn enforce_refuses_an_invalid_request_without_forwarding_it() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let (middle, middle_url, _runtime) = start_middle(Some(upstream.url.clone()), false);
    let url = sqlite_journal(dir.path());
    let enforcing = proxy(dir.path(), &middle_url, &url, &["--enforce"]);
    // Correctly signed, and 33 characters where `ip` is string(16).
    let invalid = sealed("TestNet", "xml", &json!({"ip": "127.000.000.001.127.000.000.001"}));
    let (status, body) = send(&enforcing.url, &invalid);
    assert_eq!(status, 200);
    assert!(body.contains("ILLEGAL_ARGUMENT") && body.contains("ip"), "{body}");
    assert_eq!(middle.calls.load(Ordering::SeqCst), 0, "the invalid request went on");
    let row = &exchanges(&url, &[], 1)[0];
    assert_eq!(row["verdict"], "invalid", "{row}");
    assert_eq!(row["forwarded"], false);
    assert_eq!(row["request"]["refused"]["code"], "ILLEGAL_ARGUMENT");
    assert_eq!(row["request"]["violations"][0]["field"], "ip", "{row}");
    assert_eq!(row["request"]["violations"][0]["rule"], "length", "{row}");
    // A valid one goes through.
    let (ok, shown) = call(&enforcing.url, "get", "TestNet", &test_net());
    assert!(ok, "{shown}");
    assert_eq!(middle.calls.load(Ordering::SeqCst), 1);
    // Without --enforce the same invalid request reaches the hospital, which refuses it itself.
    let watching = proxy(dir.path(), &middle_url, &url, &[]);
    let (_, body) = send(&watching.url, &invalid);
    assert!(body.contains("ILLEGAL_ARGUMENT"), "{body}");
    assert_eq!(middle.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn under_warn_a_request_strict_would_refuse_is_forwarded_and_journaled_as_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let (middle, middle_url, _runtime) = start_middle(Some(upstream.url.clone()), false);
    let url = sqlite_journal(dir.path());
    let lenient = proxy(dir.path(), &middle_url, &url, &["--enforce", "--warn", "length"]);
    // As in the strict case above: correctly signed, 33 characters where `ip` is string(16).
    let invalid = sealed("TestNet", "xml", &json!({"ip": "127.000.000.001.127.000.000.001"}));
    let (status, body) = send(&lenient.url, &invalid);
    assert_eq!(status, 200);
    assert_eq!(middle.calls.load(Ordering::SeqCst), 1, "a warned request is forwarded");
    // The hospital behind is strict: its own refusal comes back, a business code, not the proxy's.
    assert!(body.contains("ILLEGAL_ARGUMENT"), "{body}");
    let row = &exchanges(&url, &[], 1)[0];
    assert_eq!(row["forwarded"], true, "{row}");
    assert_eq!(row["verdict"], "business_error", "{row}");
    assert!(row["request"].get("violations").is_none(), "{row}");
    assert!(row["request"].get("refused").is_none(), "{row}");
    assert_eq!(row["request"]["warnings"][0]["field"], "ip", "{row}");
    assert_eq!(row["request"]["warnings"][0]["rule"], "length", "{row}");
    let id = row["id"].to_string();
    let shown = journal(&["show", &id], &url);
    assert!(shown.contains("warning    ip: length"), "{shown}");
    // A class not named still refuses.
    let strict_format = proxy(dir.path(), &middle_url, &url, &["--enforce", "--warn", "format"]);
    let (_, body) = send(&strict_format.url, &invalid);
    assert!(body.contains("ILLEGAL_ARGUMENT"), "{body}");
    assert_eq!(middle.calls.load(Ordering::SeqCst), 1, "refused by the proxy, not forwarded");
}

#[test]
fn retention_forgets_old_exchanges() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &upstream.url, &url, &["--keep", "1s"]);
    let (ok, shown) = call(&proxied.url, "xml", "TestNet", &test_net());
    assert!(ok, "{shown}");
    assert_eq!(exchanges(&url, &[], 1).len(), 1);
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(200));
        if journal(&["list", "--json"], &url).trim() == "[]" {
            return;
        }
    }
    panic!("the exchange outlived --keep 1s: {}", journal(&["list"], &url));
}

#[test]
fn two_proxies_share_one_postgresql_journal() {
    let Some((runtime, store, schema)) = postgres_schema() else { return };
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let pg = hisgate_tests::databases::postgres_url();
    let extra = ["--journal-schema", schema.as_str()];
    let first = proxy(dir.path(), &upstream.url, &pg, &extra);
    let second = proxy(dir.path(), &upstream.url, &pg, &extra);
    for (n, proxied) in [&first, &second, &first, &second].into_iter().enumerate() {
        let binding = if n % 2 == 0 { "soap11" } else { "get" };
        let (ok, shown) = call(&proxied.url, binding, "TestNet", &test_net());
        assert!(ok, "{shown}");
    }
    let rows = exchanges(&pg, &extra, 4);
    assert_eq!(rows.len(), 4);
    let mut ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    assert!(rows.iter().all(|r| r["verdict"] == "ok" && r["interface"] == "TestNet"), "{rows:?}");
    drop((first, second));
    runtime.block_on(store.drop_schema(&schema)).unwrap();
}

/// A schema of this test's own in the PostgreSQL at 127.0.0.1:5432, or SKIPPED (a failure under CI); with the
/// runtime its pool was opened on, which must outlive the pool's use (another runtime finds it shut down).
fn postgres_schema() -> Option<(tokio::runtime::Runtime, hisgate_runtime::store::Store, String)> {
    let schema = format!("hisgate_test_proxy_{}", std::process::id());
    let url = hisgate_tests::databases::postgres_url();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let opened = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), hisgate_runtime::store::Store::open_in_schema(&url, Some(&schema)))
            .await
    });
    match opened {
        Ok(Ok(store)) => Some((runtime, store, schema)),
        Ok(Err(e)) => {
            hisgate_tests::skip::skip(&format!("the PostgreSQL journal: no PostgreSQL at {url} ({e})"));
            None
        }
        Err(_) => {
            hisgate_tests::skip::skip(&format!("the PostgreSQL journal: {url} did not answer within 5 s"));
            None
        }
    }
}

/// A correctly signed request of `interface` over `binding`, whatever its payload holds.
fn sealed(interface: &str, binding: &str, payload: &Value) -> HttpRequest {
    sealed_with(credentials(&PLATFORM), interface, binding, payload)
}

fn sealed_with(inputs: Inputs, interface: &str, binding: &str, payload: &Value) -> HttpRequest {
    let protocol = PLATFORM.protocol.as_ref().unwrap();
    let schema = PLATFORM.interfaces.iter().find(|i| i.name == interface).unwrap();
    let inputs = inputs.with("service", schema.service.to_string());
    let binding = Binding::named(protocol, Some(binding)).unwrap();
    let payload = Payload { value: payload, schema: Some((&PLATFORM, schema.request)), root: None };
    let sealed = Envelope::new(protocol, Direction::Request).seal(payload, binding.format(), &inputs).unwrap();
    binding.request(schema.provider, schema, &sealed).unwrap()
}

/// Sends a request as it is: the status and body of the reply.
fn send(base: &str, request: &HttpRequest) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut builder = client.post(format!("{base}{}", request.path)).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let reply = builder.send().await.unwrap();
        (reply.status().as_u16(), reply.text().await.unwrap())
    })
}
