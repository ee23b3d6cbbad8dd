//! The shaanxi runtime against a counterpart it shares no code with: a JDK-only Java program (`tests/java/`)
//! written the way the seed document's own Java sample works — `AES/ECB/PKCS5Padding` under the key's UTF-8
//! bytes, `java.util.Base64`, `MessageDigest` MD5 in upper hex over the sorted fields. Its client calls a generated
//! Rust server and its server answers the generated Rust client, over XML and JSON POST. A Java onepay signer
//! (`BigDecimal` numbers) computes the same signature as hisgate over a `param` holding `1E-7`. Where no `javac`
//! is on PATH, the tests say SKIPPED and pass, or fail under CI=true.

use hisgate_generated::shaanxi::dict::{Channel, Noon, Sex};
use hisgate_generated::shaanxi::interfaces::{QueryRegister, TestNet, query_register, test_net};
use hisgate_generated::shaanxi::{PLATFORM, hospital};
use hisgate_runtime::client::{Attempt, Hook};
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::transport::HttpRequest;
use hisgate_runtime::{Decimal, Interface, Message};
use hisgate_tests::interop::Jdk;
use hisgate_tests::loopback::{Loopback, client_config, full_response, server_config};
use serde::Deserialize;

/// The seed's credentials, handed to the Java side as its own configuration (the Rust side reads the spec's).
const KEY: &str = "2098D32C4D1399EC";
const PARTNER: &str = "TEST_WX";
const HOSPITAL_CODE: &str = "0";

/// The QueryRegister request both directions send: the seed's example, with a second user rule in Chinese.
fn query_request() -> query_register::Request {
    query_register::Request::from_json(
        r#"{"user":[{"id":"certifcate","type":"1","value":"431022199205293415"},{"id":"name","value":"吕俊"}],
            "startDate":"2017-01-19","endDate":"2017-01-22","queryType":0,"currentPage":1,"pageSize":10}"#,
    )
    .expect("a valid request")
}

/// The Rust server's handler: the full response, if the request arrived as the Java client means it.
struct Expecting;

impl hospital::Handler for Expecting {
    async fn test_net(&self, request: test_net::Request, context: Context) -> Result<test_net::Response, Failure> {
        expect(request, test_net::Request { ip: "127.0.0.1".into() }, &context)?;
        Ok(full_response::<TestNet>())
    }

    async fn query_register(
        &self,
        request: query_register::Request,
        context: Context,
    ) -> Result<query_register::Response, Failure> {
        expect(request, query_request(), &context)?;
        Ok(full_response::<QueryRegister>())
    }
}

fn expect<M: Message + std::fmt::Debug>(received: M, expected: M, context: &Context) -> Result<(), Failure> {
    if received == expected {
        return Ok(());
    }
    Err(Failure::with_message("MISMATCH", format!("over {}: {received:?}, not {expected:?}", context.binding)))
}

/// Cuts an XML request's signature short of its last character, as the seed prints one response's.
struct CutSign;

impl Hook for CutSign {
    fn before_send(&self, _: &Attempt<'_>, request: &mut HttpRequest) {
        let end = request.body.find("]]></sign>").expect("an XML envelope with a signature");
        request.body.remove(end - 1);
    }
}

/// One line of the Java client's report.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Call {
    service: String,
    format: String,
    sign_cut_short: bool,
    status: u16,
    result_code: String,
    result_message: String,
    signature_valid: bool,
    payload: Option<String>,
}

impl Call {
    /// The decrypted payload, read by the generated type of the format it travelled in.
    fn response<I: Interface>(&self) -> I::Response {
        let text = self.payload.as_deref().unwrap_or_else(|| panic!("no payload in {self:?}"));
        let read = if self.format == "xml" { I::Response::from_xml(text) } else { I::Response::from_json(text) };
        read.unwrap_or_else(|e| panic!("{} over {}: the Java client decrypted {text}: {e}", self.service, self.format))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_java_client_calls_the_rust_server() {
    let Some(jdk) = Jdk::compile() else { return };
    let server = Loopback::start(hospital::router(Expecting, server_config(&PLATFORM))).await;
    let url = server.url.clone();
    let java =
        tokio::task::spawn_blocking(move || jdk.spawn("InteropClient", &[&url, KEY, PARTNER, HOSPITAL_CODE]).output());
    let report = java.await.expect("the Java client ran");
    let calls: Vec<Call> = report.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();

    let made: Vec<_> = calls.iter().map(|c| (&*c.service, &*c.format, c.sign_cut_short)).collect();
    let planned = [
        ("TestNet", "xml", false),
        ("TestNet", "json", false),
        ("QueryRegister", "xml", false),
        ("QueryRegister", "json", false),
        ("TestNet", "xml", true),
    ];
    assert_eq!(made, planned);
    for call in &calls {
        assert_eq!(call.status, 200, "{call:?}");
        // Every reply, a refusal too, is signed so that the seed's way verifies it.
        assert!(call.signature_valid, "the Java client cannot verify {call:?}");
    }
    for call in &calls[..4] {
        assert_eq!((&*call.result_code, &*call.result_message), ("SUCCESS", "成功"), "{call:?}");
    }
    assert_eq!(calls[0].response::<TestNet>(), full_response::<TestNet>());
    assert_eq!(calls[1].response::<TestNet>(), full_response::<TestNet>());
    assert_eq!(calls[2].response::<QueryRegister>(), full_response::<QueryRegister>());
    assert_eq!(calls[3].response::<QueryRegister>(), full_response::<QueryRegister>());

    let cut_short = &calls[4];
    assert_eq!(cut_short.result_code, "ILLEGAL_SIGN", "{cut_short:?}");
    assert_eq!(cut_short.payload, None);
}

#[tokio::test]
async fn the_rust_client_calls_a_java_server() {
    let Some(jdk) = Jdk::compile() else { return };
    let mut java = jdk.spawn("InteropServer", &[KEY]);
    let port: u16 = java.first_line().parse().expect("the Java server prints its port");
    let url = format!("http://127.0.0.1:{port}");

    for binding in ["xml", "json"] {
        let client = hospital::Client::new(&url, client_config(&PLATFORM, binding)).expect("a client");
        let reply = client.test_net(&test_net::Request { ip: "127.0.0.1".into() }).await;
        let reply = reply.unwrap_or_else(|e| panic!("TestNet over {binding}: {e}"));
        assert_eq!((&*reply.code, &*reply.message), ("SUCCESS", "成功"), "TestNet over {binding}");
        let time = reply.response.expect("a TestNet response").system_time;
        assert!(chrono::NaiveDateTime::parse_from_str(&time, "%Y-%m-%d %H:%M:%S").is_ok(), "systemTime `{time}`");

        let reply = client.query_register(&query_request()).await;
        let reply = reply.unwrap_or_else(|e| panic!("QueryRegister over {binding}: {e}"));
        assert!(reply.success, "QueryRegister over {binding}: {} {}", reply.code, reply.message);
        let response = reply.response.expect("a QueryRegister response");
        assert_eq!((response.count, response.order.len()), (1, 1), "over {binding}");
        let order = &response.order[0];
        // Read back from the request: the Chinese name and the date made the round trip.
        assert_eq!((&*order.patient_name, &*order.register_date), ("吕俊", "2017-01-19"), "over {binding}");
        assert_eq!((&*order.departmen_name, &*order.doctor_name), ("精神病科", "精神病医生 1 号"));
        assert_eq!(order.remark.as_deref(), Some("请于 08:50 前到 <二楼> 分诊台 & 取号"));
        assert_eq!(
            (order.channel_id, order.noon, order.patient_sex),
            (Channel::WechatOfficialAccount, Noon::Morning, Sex::Male)
        );
        assert_eq!(
            (order.register_fee, order.total_fee, order.refundl_fee),
            (Decimal::new(1200, 0), Decimal::new(1200, 0), Decimal::ZERO)
        );
        assert_eq!((order.is_pay, order.is_take, order.noshow), (1, 0, 0));
    }

    // The Java server verifies too: it refuses a signature cut short, in a reply signed with the shared key.
    let client = hospital::Client::new(&url, client_config(&PLATFORM, "xml")).expect("a client").with_hook(CutSign);
    let refused = client.test_net(&test_net::Request { ip: "127.0.0.1".into() }).await.expect("a verified refusal");
    assert_eq!((&*refused.code, refused.success, refused.response), ("ILLEGAL_SIGN", false, None));
}

/// onepay signs `param` as compact sorted JSON. A Java counterpart reads its numbers as `BigDecimal` and writes
/// them back as `toString()` gives them (`1E-7`, `1.50`, `1E+400`); hisgate signs them as they were sent, so both
/// compute the same string and the same signature. (serde_json alone would sign `1e-7` and `1e+400`.)
#[test]
fn a_java_onepay_counterpart_signs_numbers_as_hisgate_does() {
    use hisgate_generated::onepay;
    use hisgate_runtime::codec::{Limits, json};
    use hisgate_runtime::schema::Direction;
    use hisgate_runtime::secret::Inputs;
    use hisgate_runtime::signature::Signer;
    let Some(jdk) = Jdk::compile() else { return };
    let secret = "1A3VL0KVE0010B010A0A0000277BDC91";
    let envelope = r#"{"appId":"1A3VL0KVK0000B020A0A0000CC3F48AD","encryptType":"AES","signType":"MD5",
        "timestamp":"20261205120000","transType":"op.trade.charge","version":"H.F.0.1",
        "param":{"rate":1E-7,"chargeAmt":1.50,"limit":1E+400,"orderSeq":12345678901234567890,"subject":"挂号费",
                 "detail":[{"price":2.50,"ratio":5E-9,"quantity":"1"}]}}"#;
    let printed = jdk.run("OnepaySign", &[secret], envelope);
    let (canonical, sign) = printed.trim_end().split_once('\n').expect("two lines");
    assert!(canonical.contains(r#""chargeAmt":1.50,"#) && canonical.contains(r#""rate":1E-7,"#), "{canonical}");
    assert!(canonical.contains(r#""limit":1E+400,"#) && canonical.contains(r#""ratio":5E-9}"#), "{canonical}");

    let protocol = onepay::PLATFORM.protocol.as_ref().expect("onepay's protocol");
    let mut message = match json::parse(envelope, Limits::default()).expect("the envelope parses") {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    };
    let inputs = Inputs::for_protocol(protocol, [("appSecret", secret)]);
    let signer = Signer::for_protocol(protocol, Direction::Request);
    let ours = signer.sign(&message, &inputs).expect("hisgate signs it");
    assert_eq!(ours.canonical, canonical);
    assert_eq!(ours.value, sign);
    // And a request signed in Java verifies, as a hisgate server verifies it.
    message.insert("sign".into(), sign.into());
    signer.verify_embedded(&message, &inputs).expect("the Java signature verifies");
}
