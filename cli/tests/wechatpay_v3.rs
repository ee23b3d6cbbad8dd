//! WeChat Pay API v3 (`specs/wechatpay_v3`) end to end over loopback, both sides served by `hisgate serve` (the
//! spec-driven counterpart: no hand-written simulator) and called with `hisgate call`: every merchant call to the
//! platform (path and query fields, 200 with a body, 204 with none, errors as 4XX with `{"code","message"}`), the
//! payment and refund notifications delivered encrypted and signed by the platform, verified by `Wechatpay-Serial`
//! and decrypted, with the notification's own fields around the box (`id`, `event_type`, …); a wrong key and an unknown serial refused naming the key id; `hisgate probe` of both sides with
//! no finding; the docs and the OpenAPI document of the platform.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use support::{Process, hisgate_with};

const PLATFORM: &str = "wechatpay_v3";

fn serve(dir: &Path, role: &str, extra: &[&str]) -> Process {
    let db = format!("sqlite://{}", dir.join(format!("{role}.sqlite")).display());
    let mut args = vec!["serve", "--platform", PLATFORM, "--role", role, "--listen", "127.0.0.1:0", "--db", &db];
    args.extend(extra);
    Process::start(&args, dir.join(format!("{role}.log")))
}

/// `hisgate call --platform wechatpay_v3 --url URL EXTRA INTERFACE` with `request` on stdin: the exit code, the
/// printed JSON (`null` when nothing was printed) and stderr.
fn call(url: &str, extra: &[&str], interface: &str, request: &Value) -> (i32, Value, String) {
    let mut args = vec!["call", "--platform", PLATFORM, "--url", url];
    args.extend(extra);
    args.push(interface);
    let out = hisgate_with(&args, &request.to_string(), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let printed = if stdout.trim().is_empty() { Value::Null } else { serde_json::from_str(&stdout).unwrap() };
    (out.status.code().unwrap_or(-1), printed, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// One raw HTTP/1.1 exchange: the reply's status, headers (lower-case names) and body.
fn raw(url: &str, request_line: &str, headers: &[(&str, &str)], body: &str) -> (u16, Vec<(String, String)>, String) {
    let reply = support::raw_exchange(url, request_line, headers, body);
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A credential of the spec, as its example gives it.
fn example(name: &str) -> String {
    let platform = hisgate_generated::PLATFORMS.iter().find(|p| p.name == PLATFORM).unwrap();
    let protocol = platform.protocol.as_ref().unwrap();
    protocol.credential(name).and_then(|c| c.example.as_deref()).unwrap().to_owned()
}

/// The platform's key ring of the spec's example with only the entry under `keep`.
fn ring_with(keep: &str) -> String {
    let ring = example("platformPublicKeys");
    let mut out = String::new();
    let mut kept = false;
    for line in ring.lines() {
        if let Some(id) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            kept = id == keep;
        }
        if kept {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn transaction(out_trade_no: &str, total: i64) -> Value {
    json!({
        "appid": "wxd678efh567hg6787",
        "mchid": "1230000109",
        "out_trade_no": out_trade_no,
        "transaction_id": "4200001234202612060000000001",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "success_time": "2026-12-06T09:30:00+08:00",
        "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
        "amount": { "total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY" }
    })
}

#[test]
fn the_merchant_calls_wechat_pay_and_every_reply_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let wechat = serve(dir.path(), "platform", &[]);
    let url = wechat.url.clone();

    // JSAPI order: POST with the body signed as sent; 200 with the prepay id.
    let order = json!({
        "appid": "wxd678efh567hg6787", "mchid": "1230000109", "description": "门诊挂号费",
        "out_trade_no": "GH20261206000001", "notify_url": "https://his.example/wxpay/notify/pay",
        "amount": { "total": 1250, "currency": "CNY" }, "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" }
    });
    let (code, reply, stderr) = call(&url, &[], "JsapiPrepay", &order);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(reply["code"], "SUCCESS", "{reply}");
    assert!(reply["response"]["prepay_id"].as_str().unwrap().starts_with("wx"), "{reply}");

    // A query: GET, the order number in the path and the merchant in the query; amounts come back as integers (fen).
    let (code, reply, stderr) =
        call(&url, &[], "QueryByOutTradeNo", &json!({ "out_trade_no": "GH20261206000001", "mchid": "1230000109" }));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(reply["code"], "SUCCESS", "{reply}");
    assert_eq!(reply["response"]["out_trade_no"], "GH20261206000001", "the path field echoed: {reply}");
    assert_eq!(reply["response"]["mchid"], "1230000109", "the query field echoed: {reply}");
    assert!(reply["response"]["amount"]["total"].is_i64(), "{reply}");
    let (_, reply, _) =
        call(&url, &[], "QueryByTransactionId", &json!({ "transaction_id": "4200009999", "mchid": "1230000109" }));
    assert_eq!(reply["response"]["transaction_id"], "4200009999", "{reply}");

    // An order the platform does not have: 404 with {"code":"ORDER_NOT_EXIST",…}, signed, read as its code.
    let (code, reply, _) =
        call(&url, &[], "QueryByOutTradeNo", &json!({ "out_trade_no": "NOTFOUND01", "mchid": "1230000109" }));
    assert_eq!((code, &reply["code"], &reply["message"]), (0, &json!("ORDER_NOT_EXIST"), &json!("订单不存在")));

    // Close: 204 with no body; a paid order: 403 ORDERPAID.
    let close = json!({ "out_trade_no": "GH20261206000001", "mchid": "1230000109" });
    let (code, reply, stderr) = call(&url, &[], "CloseOrder", &close);
    assert_eq!((code, &reply["code"]), (0, &json!("SUCCESS")), "{stderr}");
    let (_, reply, _) = call(&url, &[], "CloseOrder", &json!({ "out_trade_no": "PAID0001", "mchid": "1230000109" }));
    assert_eq!(reply["code"], "ORDERPAID");

    // Refund and its query by the refund number in the path.
    let refund = json!({
        "out_trade_no": "GH20261206000001", "out_refund_no": "TK20261206000001", "reason": "患者退号",
        "amount": { "refund": 1250, "total": 1250, "currency": "CNY" }
    });
    let (code, reply, stderr) = call(&url, &[], "Refund", &refund);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (&reply["response"]["out_refund_no"], &reply["response"]["status"]),
        (&json!("TK20261206000001"), &json!("PROCESSING"))
    );
    let (_, reply, _) = call(&url, &[], "QueryRefund", &json!({ "out_refund_no": "TK20261206000001" }));
    assert_eq!(reply["response"]["out_refund_no"], "TK20261206000001", "{reply}");
    // A refund naming neither order number breaks `require_one_of` before anything is sent.
    let (code, _, stderr) = call(
        &url,
        &[],
        "Refund",
        &json!({ "out_refund_no": "TK2", "amount": { "refund": 1, "total": 1, "currency": "CNY" } }),
    );
    assert_eq!(code, 1, "{stderr}");

    // On the wire: an unsigned request is refused 401 with WeChat Pay's error body, itself signed by the platform.
    let (status, headers, body) =
        raw(&url, "POST /v3/pay/transactions/jsapi", &[("Content-Type", "application/json")], &order.to_string());
    assert_eq!(status, 401, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["code"], "SIGN_ERROR", "{body}");
    assert!(error["message"].as_str().unwrap().contains("Authorization"), "{body}");
    assert_eq!(header(&headers, "wechatpay-serial"), Some("D7CE59D1F522D701"));
    assert!(header(&headers, "wechatpay-timestamp").unwrap().parse::<i64>().is_ok(), "Unix seconds: {headers:?}");
    assert_eq!(header(&headers, "wechatpay-nonce").map(str::len), Some(32));
    assert!(header(&headers, "wechatpay-signature").is_some_and(|s| s.len() == 344), "{headers:?}");
}

#[test]
fn notifications_are_encrypted_signed_by_the_platform_and_verified_by_serial() {
    let dir = tempfile::tempdir().unwrap();
    let merchant = serve(dir.path(), "hospital", &[]);
    let url = merchant.url.clone();

    // WeChat Pay (hisgate call, as the platform) notifies the merchant: the resource sealed under the APIv3 key,
    // Wechatpay-* headers; the merchant verifies by serial, decrypts, validates the transaction and answers 204.
    let (code, reply, stderr) = call(&url, &[], "PayNotify", &transaction("GH20261206000002", 1250));
    assert_eq!((code, &reply["code"]), (0, &json!("SUCCESS")), "{stderr} {reply}");
    let refunded = json!({
        "mchid": "1230000109", "out_trade_no": "GH20261206000002", "transaction_id": "4200001234202612060000000001",
        "out_refund_no": "TK20261206000002", "refund_id": "50300000002026120600000000001", "refund_status": "SUCCESS",
        "success_time": "2026-12-06T10:00:00+08:00", "user_received_account": "支付用户零钱",
        "amount": { "total": 1250, "refund": 1250, "payer_total": 1250, "payer_refund": 1250 }
    });
    let (code, reply, stderr) = call(&url, &[], "RefundNotify", &refunded);
    assert_eq!((code, &reply["code"]), (0, &json!("SUCCESS")), "{stderr} {reply}");

    // The decrypted transaction is validated as the typed payload: a float amount is refused (PARAM_ERROR, 400).
    let (code, _, stderr) = call(
        &url,
        &[],
        "PayNotify",
        &transaction("GH20261206000003", 0).tap(|v| {
            v["amount"]["total"] = json!(12.5);
        }),
    );
    assert_eq!(code, 1, "the client refuses to send a float amount: {stderr}");

    // The platform key under the certificate's serial is not the one that signed: refused, naming the key.
    let wrong_key = format!("[D7CE59D1F522D701]\n{}", example("merchantPublicKey"));
    let wrong = serve(dir.path(), "hospital", &["--set", &format!("platformPublicKeys={wrong_key}")]);
    let (code, reply, stderr) = call(&wrong.url, &[], "PayNotify", &transaction("GH20261206000004", 1));
    assert_eq!((code, &reply["code"]), (0, &json!("SIGN_ERROR")), "{stderr} {reply}");
    assert!(reply["message"].as_str().unwrap().contains("does not verify under the public key"), "{reply}");

    // The platform signs under its new public key id, which the merchant's ring does not hold yet (the move from
    // platform certificates to the platform public key): refused naming the id and the ids the ring holds.
    let old_ring = ring_with("D7CE59D1F522D701");
    let moved = serve(dir.path(), "hospital", &["--set", &format!("platformPublicKeys={old_ring}")]);
    let new_serial = "--set=platformSerial=PUB_KEY_ID_0114232134912410000000000000";
    let (code, reply, stderr) = call(&moved.url, &[new_serial], "PayNotify", &transaction("GH20261206000005", 1));
    assert_eq!((code, &reply["code"]), (0, &json!("SIGN_ERROR")), "{stderr} {reply}");
    let message = reply["message"].as_str().unwrap();
    assert!(message.contains("`PUB_KEY_ID_0114232134912410000000000000`"), "{message}");
    assert!(message.contains("the key ring holds: D7CE59D1F522D701"), "{message}");
    // With both in the ring, either serial verifies.
    let (_, reply, _) = call(&url, &[new_serial], "PayNotify", &transaction("GH20261206000006", 1));
    assert_eq!(reply["code"], "SUCCESS", "{reply}");
}

/// A notification carries what WeChat Pay writes around the box (`id`, `create_time`, `resource_type`, `event_type`,
/// `summary`, `resource.original_type`: the interfaces' `envelope:`), so a merchant's handler that routes on
/// `event_type` can be tested against hisgate; an input of a field's name still wins.
#[test]
fn notifications_carry_their_envelope_values_and_an_input_wins() {
    use support::proxying::{exchanges, proxy_of, sqlite_journal};
    let dir = tempfile::tempdir().unwrap();
    let merchant = serve(dir.path(), "hospital", &[]);
    // `hisgate proxy` between WeChat Pay (hisgate call) and the merchant journals each envelope as sent.
    let journal = sqlite_journal(dir.path());
    let proxy = proxy_of(dir.path(), PLATFORM, &merchant.url, &journal, &[]);
    let url = proxy.url.clone();
    for n in ["GH20261206000010", "GH20261206000011"] {
        let (code, reply, stderr) = call(&url, &[], "PayNotify", &transaction(n, 100));
        assert_eq!((code, &reply["code"]), (0, &json!("SUCCESS")), "{stderr} {reply}");
    }
    let refunded = json!({
        "mchid": "1230000109", "out_trade_no": "GH20261206000010", "transaction_id": "4200001234202612060000000010",
        "out_refund_no": "TK20261206000010", "refund_id": "50300000002026120600000000010", "refund_status": "ABNORMAL",
        "user_received_account": "支付用户零钱",
        "amount": { "total": 100, "refund": 100, "payer_total": 100, "payer_refund": 100 }
    });
    let abnormal = "--set=event_type=REFUND.ABNORMAL";
    let (code, reply, stderr) = call(&url, &[abnormal], "RefundNotify", &refunded);
    assert_eq!((code, &reply["code"]), (0, &json!("SUCCESS")), "{stderr} {reply}");

    let rows = exchanges(&journal, &[], 3);
    assert!(rows.iter().all(|row| row["verdict"] == "ok"), "{rows:?}");
    let bodies: Vec<&Value> = rows.iter().map(|row| &row["request"]["envelope"]).collect();
    for (body, (event, summary, original)) in bodies.iter().zip([
        ("TRANSACTION.SUCCESS", "支付成功", "transaction"),
        ("TRANSACTION.SUCCESS", "支付成功", "transaction"),
        ("REFUND.ABNORMAL", "退款成功", "refund"),
    ]) {
        let id = body["id"].as_str().unwrap();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "a UUID: {body}");
        let created = body["create_time"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok(), "RFC 3339: {body}");
        assert_eq!(created.len(), "2026-12-06T10:00:00+08:00".len(), "seconds and an offset: {body}");
        assert!(created.ends_with("+08:00"), "the client's configured offset, China Standard Time: {body}");
        assert_eq!(body["resource_type"], "encrypt-resource", "{body}");
        assert_eq!((&body["event_type"], &body["summary"]), (&json!(event), &json!(summary)), "{body}");
        let resource = &body["resource"];
        assert_eq!(resource["original_type"], original, "{body}");
        assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM", "{body}");
        assert!(resource["ciphertext"].as_str().is_some_and(|c| !c.is_empty()), "{body}");
    }
    assert_ne!(bodies[0]["id"], bodies[1]["id"], "each notification has its own id");
}

#[test]
fn the_merchant_refuses_a_reply_under_a_serial_its_ring_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let wechat = serve(dir.path(), "platform", &["--set", "platformSerial=PUB_KEY_ID_0114232134912410000000000000"]);
    let ring = format!("--set=platformPublicKeys={}", ring_with("D7CE59D1F522D701"));
    let query = json!({ "out_trade_no": "GH20261206000001", "mchid": "1230000109" });
    let (code, printed, _) = call(&wechat.url, &[&ring], "QueryByOutTradeNo", &query);
    assert_eq!(code, 1, "{printed}");
    let error = printed["error"].as_str().unwrap();
    assert!(error.contains("no verifying key has the id `PUB_KEY_ID_0114232134912410000000000000`"), "{error}");
    assert!(error.contains("the key ring holds: D7CE59D1F522D701"), "{error}");
    // And a reply whose serial is known but whose key is not the platform's does not verify.
    let wrong =
        format!("--set=platformPublicKeys=[PUB_KEY_ID_0114232134912410000000000000]\n{}", example("merchantPublicKey"));
    let (code, printed, _) = call(&wechat.url, &[&wrong], "QueryByOutTradeNo", &query);
    assert_eq!(code, 1);
    assert!(printed["error"].as_str().unwrap().contains("does not verify under the public key"), "{printed}");
}

#[test]
fn both_sides_probe_clean_and_the_docs_and_openapi_describe_the_paths() {
    let dir = tempfile::tempdir().unwrap();
    for role in ["platform", "hospital"] {
        let served = serve(dir.path(), role, &[]);
        let args = ["probe", "--platform", PLATFORM, "--role", role, "--url", &served.url, "--allow-writes", "--json"];
        let out = hisgate_with(&args, "", &[]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let findings: usize =
            report["interfaces"].as_array().unwrap().iter().map(|i| i["findings"].as_array().unwrap().len()).sum();
        assert_eq!((out.status.code(), findings), (Some(0), 0), "{role}: {report}");
        let sent: u64 = report["interfaces"].as_array().unwrap().iter().map(|i| i["sent"].as_u64().unwrap_or(0)).sum();
        assert!(sent >= 20, "{role}: {sent} sent");
        // The wrong-key attack is sent where keys are RSA (a fresh key, not a damaged PEM) and refused.
        for interface in report["interfaces"].as_array().unwrap() {
            let passed = interface["passed_checks"].as_array().unwrap();
            assert!(passed.iter().any(|c| c.as_str().unwrap().ends_with(": wrong key")), "{role}: {interface}");
        }
    }

    let out = hisgate_with(&["export", "openapi", "--platform", PLATFORM], "", &[]);
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    let query = &document["paths"]["/v3/pay/transactions/out-trade-no/{out_trade_no}"]["get"];
    let parameters = query["parameters"].as_array().unwrap();
    let path = parameters.iter().find(|p| p["name"] == "out_trade_no").unwrap();
    assert_eq!((&path["in"], &path["required"]), (&json!("path"), &json!(true)));
    assert!(parameters.iter().any(|p| p["name"] == "mchid" && p["in"] == "query"));
    assert!(document["paths"]["/v3/pay/transactions/out-trade-no/{out_trade_no}"].get("post").is_none());
    assert!(document["paths"]["/v3/pay/transactions/out-trade-no/{out_trade_no}/close"]["post"].is_object());

    let docs = dir.path().join("docs");
    let out = hisgate_with(&["docs", "--platform", PLATFORM, "--out", docs.to_str().unwrap()], "", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let index = std::fs::read_to_string(docs.join("wechatpay_v3/index.html")).unwrap();
    assert!(index.contains("tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm"), "the SDK's notification signature, reproduced");
    assert!(index.contains("ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI="), "the SDK's AES-256-GCM vector, reproduced");
    assert!(!index.contains("引擎未能完成"));
    // A notification's page lists what its sender writes into the envelope.
    let notify = std::fs::read_to_string(docs.join("wechatpay_v3/interfaces/PayNotify.html")).unwrap();
    assert!(notify.contains("<code>event_type: TRANSACTION.SUCCESS</code>"), "the envelope values");
    assert!(notify.contains("<code>resource.original_type: transaction</code>"), "the box's member");
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Value {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

/// `hisgate proxy` in front of WeChat Pay v3 reads each exchange as the two sides would: the interface from a path
/// with fields (`…/out-trade-no/{out_trade_no}`, the longer `…/{out_trade_no}/close` told apart), the request's
/// signature over its method and path, the reply's over the request it answers, a 204 with no body.
#[test]
fn the_proxy_journals_path_routed_exchanges_with_both_signatures_verified() {
    use support::proxying::{exchanges, proxy_of, sqlite_journal};
    let dir = tempfile::tempdir().unwrap();
    let wechat = serve(dir.path(), "platform", &[]);
    let journal = sqlite_journal(dir.path());
    let proxy = proxy_of(dir.path(), PLATFORM, &wechat.url, &journal, &[]);
    let order = json!({ "out_trade_no": "GH20261206000777", "mchid": "1230000109" });
    let calls = [
        ("QueryByOutTradeNo", order.clone()),
        ("CloseOrder", order),
        ("QueryRefund", json!({ "out_refund_no": "TK20261206000777" })),
    ];
    for (interface, request) in &calls {
        let (code, reply, stderr) = call(&proxy.url, &[], interface, request);
        assert_eq!((code, &reply["code"]), (0, &json!("SUCCESS")), "{interface}: {reply} {stderr}");
    }
    let rows = exchanges(&journal, &[], calls.len());
    for (row, (interface, _)) in rows.iter().zip(&calls) {
        assert_eq!(row["interface"], *interface, "{row}");
        assert_eq!(row["verdict"], "ok", "{row}");
    }
    assert_eq!(rows[1]["status"], 204, "{}", rows[1]);
}

/// A platform signature the merchant refuses is diagnosed under the platform's own rule (`signed_by`), not the
/// merchants': in the proxy's journal (the ring entry the message should have named) and by `hisgate explain
/// --sender platform` (the body as a framework re-serialized it, not as sent).
#[test]
fn a_refused_platform_signature_is_diagnosed_under_the_platforms_own_rule() {
    use support::proxying::{exchanges, proxy_of, sqlite_journal};
    let dir = tempfile::tempdir().unwrap();
    // The merchant's ring files a key that is not the platform's under the new public key id; the certificate's
    // serial holds the right one.
    let new_id = "PUB_KEY_ID_0114232134912410000000000000";
    let ring = format!("{}[{new_id}]\n{}", ring_with("D7CE59D1F522D701"), example("merchantPublicKey"));
    let misfiled = format!("--set=platformPublicKeys={ring}");
    let merchant = serve(dir.path(), "hospital", &[&misfiled]);
    let journal = sqlite_journal(dir.path());
    let proxy = proxy_of(dir.path(), PLATFORM, &merchant.url, &journal, &[&misfiled]);
    let serial = format!("--set=platformSerial={new_id}");
    let (code, reply, stderr) = call(&proxy.url, &[&serial], "PayNotify", &transaction("GH20261206000901", 1));
    assert_eq!((code, &reply["code"]), (0, &json!("SIGN_ERROR")), "{stderr} {reply}");
    let row = &exchanges(&journal, &["--verdict", "signature_failed"], 1)[0];
    assert_eq!(row["interface"], "PayNotify", "{row}");
    let findings = row["request"]["diagnosis"]["findings"].as_array().expect("a diagnosis");
    let variant = findings.first().and_then(|f| f["variant"].as_str()).unwrap_or_default();
    let expected = format!("the key `D7CE59D1F522D701` of the key ring, not `{new_id}`, which the message names");
    assert_eq!(variant, expected, "{row}");

    // The worked example's notification signature (wechatpay-go's vector), checked over the body pretty-printed.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/wechatpay_v3/examples");
    let body = std::fs::read_to_string(examples.join("notify.payscore.body.json")).unwrap();
    let body = body.trim_end();
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(body).unwrap()).unwrap();
    let worked = std::fs::read_to_string(examples.join("worked.yaml")).unwrap();
    let sign = worked.lines().find_map(|l| l.trim().strip_prefix("sign: ")).unwrap();
    let explain = |sent: &str, sender: &[&str]| {
        let body = format!("--set=body={sent}");
        let mut args = vec!["explain", "--platform", PLATFORM, "--direction", "request", "--json", "--expect", sign];
        args.extend(sender);
        args.extend(["--set=Wechatpay-Timestamp=1624523846", "--set=Wechatpay-Nonce=EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz"]);
        args.extend(["--set=Wechatpay-Serial=D7CE59D1F522D701", &body]);
        let out = hisgate_with(&args, "{}", &[]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code(), report, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (status, report, stderr) = explain(body, &["--sender", "platform"]);
    assert_eq!((status, &report["matches"]), (Some(0), &json!(true)), "{stderr} {report}");
    assert!(report["rule"].as_str().unwrap().contains("`{Wechatpay-Timestamp}`"), "{report}");
    let (status, report, stderr) = explain(&pretty, &["--sender", "platform"]);
    assert_eq!(status, Some(1), "{stderr} {report}");
    let named: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["variant"].as_str()).collect();
    assert!(named.contains(&"the body re-serialized as compact JSON, not signed as sent"), "{report}");
    // The merchants' rule (no --sender) signs the request's line, which a notification's signature does not.
    let (status, report, _) = explain(body, &[]);
    assert_eq!((status, &report["error"]), (Some(1), &json!("missing input `method`")), "{report}");
}
