//! Strictness as a choice, over HTTP: the same request refused by a `strict` server (the platform's `invalid` code,
//! naming field, rule and value) is accepted by a server that warns for its rule class, with the warning handed to
//! the handler and counted in the metrics; a counterpart profile that opens a dictionary, widens a length or adds a
//! format makes a strict server accept what the document refuses; and each worked example of the documents is
//! accepted under its platform's shipped profile or listed there as refused, with the very violations it gets.

use hisgate_codegen::profile;
use hisgate_generated::shaanxi;
use hisgate_runtime::client::Client;
use hisgate_runtime::schema::{FieldType, PlatformSchema, Presence, Side};
use hisgate_runtime::server::{self, BoxFuture, Context, Dispatch, Failure, Reply, ServerConfig};
use hisgate_runtime::strictness::{RuleClass, Strictness};
use hisgate_runtime::{Violations, codec, validate};
use hisgate_tests::fixtures::expectations;
use hisgate_tests::loopback::{Loopback, client_config, credentials};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// An untyped handler: answers every interface with a full sample response and keeps the warnings it was given.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(String, Violations)>>>);

impl Dispatch for Recorder {
    fn dispatch(&self, interface: &str, _: Value, context: Context) -> BoxFuture<Result<Reply, Failure>> {
        self.0.lock().unwrap().push((interface.to_owned(), context.warnings));
        let platform = &shaanxi::PLATFORM;
        let answer = platform
            .interfaces
            .iter()
            .find(|i| i.name == interface)
            .map(|i| Reply::from(hisgate_runtime::sample::payload(platform, i.response)));
        Box::pin(async move { answer.ok_or_else(|| Failure::internal("no such interface")) })
    }
}

impl Recorder {
    fn calls(&self) -> Vec<(String, Violations)> {
        self.0.lock().unwrap().clone()
    }
}

async fn serve(strictness: Strictness, schema: Arc<PlatformSchema>) -> (Loopback, Recorder) {
    let recorder = Recorder::default();
    let mut config: ServerConfig = ServerConfig::new(&schema, credentials(&schema));
    config.strictness = strictness;
    let router = server::router(schema, Side::Hospital, Arc::new(recorder.clone()), config).unwrap();
    (Loopback::start(router).await, recorder)
}

/// A sender that checks nothing of the business payload: every rule of the hospital side's requests removed, as
/// a careless counterpart would send. The envelope is still sealed and signed properly.
fn careless_sender(url: &str) -> Client {
    let mut lax = shaanxi::PLATFORM.clone();
    for interface in lax.interfaces.clone().iter().filter(|i| i.provider == Side::Hospital) {
        for field in lax.messages.to_mut()[interface.request.0 as usize].fields.to_mut() {
            field.presence = Presence::Optional;
            field.format = None;
            field.dict = None;
            field.codes = Default::default();
            if field.ty.is_text() || field.ty.is_number() {
                field.ty = FieldType::String { max_chars: None };
            }
        }
    }
    Client::new(Arc::new(lax), Side::Hospital, url, client_config(&shaanxi::PLATFORM, "xml")).unwrap()
}

fn order_register() -> Value {
    let platform = &shaanxi::PLATFORM;
    let interface = platform.interface("OrderRegister").unwrap();
    hisgate_runtime::sample::payload(platform, interface.request)
}

/// One bad request per rule class: the interface, the payload, and the violation key a refusal names.
fn cases() -> Vec<(RuleClass, &'static str, Value, &'static str)> {
    let mut required = order_register();
    required.as_object_mut().unwrap().remove("patientFlag");
    let mut length = order_register();
    length["patientName"] = json!("欧阳娜娜欧阳娜娜欧阳娜娜欧阳娜娜欧阳娜"); // 19 characters in string(16)
    let mut format = order_register();
    format["registerDate"] = json!("2026/12/04");
    let mut dictionary = order_register();
    dictionary["patientSex"] = json!(7);
    let notify = shaanxi::PLATFORM.interface("NotifyRegister").unwrap();
    let mut required_when = hisgate_runtime::sample::payload(&shaanxi::PLATFORM, notify.request);
    required_when["notifyType"] = json!(1);
    required_when.as_object_mut().unwrap().remove("reason");
    vec![
        (RuleClass::Required, "OrderRegister", required, "patientFlag: required"),
        (RuleClass::Length, "OrderRegister", length, "patientName: length"),
        (RuleClass::Format, "OrderRegister", format, "registerDate: format"),
        (RuleClass::Dictionary, "OrderRegister", dictionary, "patientSex: dictionary"),
        (RuleClass::RequiredWhen, "NotifyRegister", required_when, "reason: required_when"),
    ]
}

#[tokio::test]
async fn each_rule_class_is_refused_under_strict_and_accepted_with_a_warning_under_warn() {
    let metrics = server::metrics::install().unwrap();
    let schema = shaanxi::PLATFORM.shared();
    for (class, interface, payload, key) in cases() {
        let (strict, strict_calls) = serve(Strictness::STRICT, schema.clone()).await;
        let reply = careless_sender(&strict.url).call_value(interface, &payload).await.unwrap();
        assert_eq!(reply.code, "ILLEGAL_ARGUMENT", "{key}: strict refuses with the platform's code");
        let (path, rule) = key.split_once(": ").unwrap();
        assert!(reply.message.contains(&format!("{path}: {rule}")), "{key}: the refusal names it: {}", reply.message);
        assert!(strict_calls.calls().is_empty(), "{key}: a refused request reaches no handler");

        // Warning for another class only: still refused.
        let others = RuleClass::ALL.into_iter().filter(|c| *c != class);
        let (selective, _) = serve(Strictness::warning(others), schema.clone()).await;
        let reply = careless_sender(&selective.url).call_value(interface, &payload).await.unwrap();
        assert_eq!(reply.code, "ILLEGAL_ARGUMENT", "{key}: refused unless its own class warns");

        let (warn, warn_calls) = serve(Strictness::warning([class]), schema.clone()).await;
        let reply = careless_sender(&warn.url).call_value(interface, &payload).await.unwrap();
        assert_eq!(reply.code, "SUCCESS", "{key}: accepted under warn: {}", reply.message);
        let calls = warn_calls.calls();
        assert_eq!(calls.len(), 1, "{key}: the handler ran once");
        assert_eq!(calls[0].1.keys(), [key], "{key}: the handler sees the warning");
        assert!(!calls[0].1.0[0].detail.is_empty(), "{key}: the warning says what is wrong");
        let rendered = metrics.render();
        let series = format!("field=\"{path}\"");
        let counted = rendered.lines().any(|l| {
            l.starts_with("hisgate_validation_warnings_total")
                && l.contains(&series)
                && l.contains(&format!("rule=\"{rule}\""))
                && l.contains(&format!("interface=\"{interface}\""))
        });
        assert!(counted, "{key}: counted in hisgate_validation_warnings_total:\n{rendered}");
    }
}

#[tokio::test]
async fn warn_still_refuses_what_cannot_be_read() {
    let mut payload = order_register();
    payload["registerFee"] = json!("十元");
    let (warn, calls) = serve(Strictness::WARN, shaanxi::PLATFORM.shared()).await;
    let reply = careless_sender(&warn.url).call_value("OrderRegister", &payload).await.unwrap();
    assert_eq!(reply.code, "ILLEGAL_ARGUMENT");
    assert!(reply.message.contains("registerFee: type"), "{}", reply.message);
    assert!(calls.calls().is_empty());
}

fn write_profile(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("counterpart.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

const WIDER: &str = r#"
profile: our-his
platform: shaanxi
dictionaries:
  - { name: sex, open: true, why: our HIS keeps its own codes }
interfaces:
  - interface: OrderRegister
    request:
      - { field: patientName, length: 40, why: the HIS column is VARCHAR(40) }
      - { field: registerDate, formats: ["YYYY/MM/DD"], why: the HIS writes slashes }
"#;

#[tokio::test]
async fn a_profile_opens_a_dictionary_widens_a_length_and_accepts_a_second_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_profile(dir.path(), WIDER);
    let (merged, profile) = profile::apply(&shaanxi::PLATFORM, &file, "counterpart.yaml").unwrap();
    assert_eq!(profile.changes.len(), 3, "{:?}", profile.changes);
    let merged = Arc::new(merged);
    for (_, interface, payload, key) in cases().into_iter().filter(|c| c.1 == "OrderRegister").skip(1) {
        let (plain, _) = serve(Strictness::STRICT, shaanxi::PLATFORM.shared()).await;
        let reply = careless_sender(&plain.url).call_value(interface, &payload).await.unwrap();
        assert_eq!(reply.code, "ILLEGAL_ARGUMENT", "{key}: refused without the profile");
        let (profiled, calls) = serve(Strictness::STRICT, merged.clone()).await;
        let reply = careless_sender(&profiled.url).call_value(interface, &payload).await.unwrap();
        assert_eq!(reply.code, "SUCCESS", "{key}: accepted, strictly, under the profile: {}", reply.message);
        assert!(calls.calls()[0].1.is_empty(), "{key}: no warning: the profile says so");
    }
    // The widened length still has a bound, and the second format is the only other one.
    let mut longer = order_register();
    longer["patientName"] = json!("名".repeat(41));
    let mut other = order_register();
    other["registerDate"] = json!("04.12.2026");
    let (profiled, _) = serve(Strictness::STRICT, merged.clone()).await;
    for payload in [longer, other] {
        let reply = careless_sender(&profiled.url).call_value("OrderRegister", &payload).await.unwrap();
        assert_eq!(reply.code, "ILLEGAL_ARGUMENT", "{}", reply.message);
    }
}

#[test]
fn a_profile_naming_what_the_spec_lacks_is_an_error_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_profile(
        dir.path(),
        "profile: typo\nplatform: shaanxi\ninterfaces:\n  - interface: OrderRegistr\n    request:\n      \
         - { field: patientFlag, required: false }\n  - interface: OrderRegister\n    request:\n      \
         - { field: patientFlg, required: false }\n",
    );
    let errors = profile::apply(&shaanxi::PLATFORM, &file, "typo.yaml").unwrap_err().to_string();
    assert!(errors.contains("typo.yaml:4:16: error: no interface `OrderRegistr` in `shaanxi`"), "{errors}");
    assert!(errors.contains("typo.yaml:9:18: error: no field `patientFlg` in OrderRegister.request"), "{errors}");
}

/// The platform's shipped profile, merged.
fn shipped(platform: &'static PlatformSchema) -> (PlatformSchema, profile::Profile) {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{}/profiles/as-printed.yaml", platform.name));
    profile::apply(platform, &file, &file.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"))
}

fn example_violations(platform: &PlatformSchema, interface: &str, message: &str, file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut value = if file.extension().is_some_and(|e| e == "xml") {
        codec::xml::parse(&text, codec::Limits::default()).unwrap().value
    } else {
        codec::json::parse(&text, codec::Limits::default()).unwrap()
    };
    let interface = platform.interface(interface).unwrap();
    let id = if message == "request" { interface.request } else { interface.response };
    validate::check(platform, id, &mut value).keys()
}

#[test]
fn each_worked_example_is_accepted_under_the_shipped_profile_or_listed_as_refused_with_its_violations() {
    let mut failures = Vec::new();
    let has_examples = ["glorycard", "onepay", "shaanxi"]; // yizhangtong's document has no payload examples
    let with_examples = hisgate_generated::PLATFORMS.iter().filter(|p| has_examples.contains(&&*p.name));
    let mut seen = 0;
    for platform in with_examples {
        seen += 1;
        // onepay ships no profile: its examples pass the document as written, so an empty one holds them.
        let shipped_file = profile::SHIPPED.iter().find(|(p, _, _)| *p == platform.name);
        let (merged, profile) = match shipped_file {
            Some(_) => shipped(platform),
            None => {
                let empty = format!("profile: none\nplatform: {}\n", platform.name);
                profile::apply_text(platform, &empty, "none.yaml").unwrap()
            }
        };
        let (dir, cases) = expectations(&platform.name);
        let mut listed: Vec<&str> = profile.refused.iter().map(|r| r.example.as_str()).collect();
        for case in &cases {
            let actual = example_violations(&merged, &case.interface, &case.message, &dir.join(&case.file));
            let documented = profile.refused.iter().find(|r| r.example == case.file);
            listed.retain(|l| *l != case.file);
            let expected = documented.map(|r| r.violations.clone()).unwrap_or_default();
            if actual != expected {
                failures.push(format!("{}/{}: documented {expected:?}, got {actual:?}", platform.name, case.file));
            }
        }
        assert!(listed.is_empty(), "{}: the profile lists examples that do not exist: {listed:?}", platform.name);
        // The docs page tells users each refusal and its reason.
        let page = profile::markdown(&profile);
        for refused in &profile.refused {
            let row = format!("| `{}` |", refused.example);
            assert!(page.contains(&row) && page.contains(&refused.why.replace('|', "\\|")), "{page}");
        }
    }
    assert_eq!(seen, has_examples.len(), "every platform with examples is held");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn get_statement_as_the_table_prints_it_is_read_under_the_profile() {
    // Each transaction as the table lists it: `hospitalRefundId` twice, the first being the hospital order id.
    let xml = "<response><totalCount>1</totalCount><totalAmount>12.50</totalAmount><refundAmount>0</refundAmount>\
        <transaction><transactionTime>2026-12-04 10:09:57</transactionTime><orderId>P20261204001</orderId>\
        <hospitalRefundId>H-ORDER-1</hospitalRefundId><hospitalRefundId></hospitalRefundId>\
        <transactionFee>12.50</transactionFee><payType>101</payType><transactionType>1</transactionType>\
        <payChannel>1</payChannel></transaction></response>";
    let read = |platform: &PlatformSchema| {
        let mut value = codec::xml::parse(xml, codec::Limits::default()).unwrap().value;
        let response = platform.interface("GetStatement").unwrap().response;
        (validate::check(platform, response, &mut value), value)
    };
    let (as_written, _) = read(&shaanxi::PLATFORM);
    assert!(!as_written.is_empty(), "the document as written refuses the table's own layout");
    let (merged, _) = shipped(&shaanxi::PLATFORM);
    let (violations, value) = read(&merged);
    assert!(violations.is_empty(), "{violations}");
    assert_eq!(value["transaction"][0]["hospitalOrderId"], "H-ORDER-1");
    assert!(value["transaction"][0].get("hospitalRefundId").is_none(), "the second, empty, is absent");
}

#[test]
fn current_page_counts_from_one() {
    let interface = shaanxi::PLATFORM.interface("GetDoctorInfo").unwrap();
    let mut request = hisgate_runtime::sample::payload(&shaanxi::PLATFORM, interface.request);
    request["currentPage"] = json!(0);
    let violations = validate::check(&shaanxi::PLATFORM, interface.request, &mut request);
    assert_eq!(violations.keys(), ["currentPage: range"]);
}

/// Answers with a fixed payload, whatever it breaks.
struct Answering(Value);

impl Dispatch for Answering {
    fn dispatch(&self, _: &str, _: Value, _: Context) -> BoxFuture<Result<Reply, Failure>> {
        let answer = Reply::from(self.0.clone());
        Box::pin(async move { Ok(answer) })
    }
}

#[tokio::test]
async fn a_client_refuses_a_bad_reply_under_strict_and_keeps_it_with_a_warning_under_warn() {
    let platform = &shaanxi::PLATFORM;
    let interface = platform.interface("OrderRegister").unwrap();
    let mut answer = hisgate_runtime::sample::payload(platform, interface.response);
    let dropped = platform.message(interface.response).fields.iter().find(|f| f.presence == Presence::Required);
    let dropped = dropped.expect("OrderRegister's response has a required field").name.to_string();
    answer.as_object_mut().unwrap().remove(&dropped);
    let config = ServerConfig::new(platform, credentials(platform));
    let router = server::router(platform.shared(), Side::Hospital, Arc::new(Answering(answer)), config).unwrap();
    let server = Loopback::start(router).await;
    let request = order_register();

    let strict = Client::new(platform.shared(), Side::Hospital, &server.url, client_config(platform, "xml")).unwrap();
    let reply = strict.call_value("OrderRegister", &request).await.unwrap();
    assert_eq!(reply.violations.keys(), [format!("{dropped}: required")]);
    assert!(reply.warnings.is_empty());

    let mut lenient_config = client_config(platform, "xml");
    lenient_config.strictness = Strictness::parse("required").unwrap();
    let lenient = Client::new(platform.shared(), Side::Hospital, &server.url, lenient_config).unwrap();
    let reply = lenient.call_value("OrderRegister", &request).await.unwrap();
    assert!(reply.violations.is_empty(), "{}", reply.violations);
    assert_eq!(reply.warnings.keys(), [format!("{dropped}: required")]);
    assert_eq!(reply.code, "SUCCESS");
}

#[tokio::test]
async fn a_get_statement_reply_as_the_table_prints_it_is_read_over_http_under_the_profile() {
    let platform = &shaanxi::PLATFORM;
    // A HIS that follows the table: `hospitalRefundId` twice in each transaction, the first its order id.
    let answer = json!({
        "totalCount": 1, "totalAmount": "12.50", "refundAmount": "0",
        "transaction": [{
            "transactionTime": "2026-12-04 10:09:57", "orderId": "P20261204001",
            "hospitalRefundId": ["H-ORDER-1", "H-REFUND-1"],
            "transactionFee": "12.50", "payType": 101, "transactionType": 1, "payChannel": 1
        }]
    });
    let config = ServerConfig::new(platform, credentials(platform));
    let router = server::router(platform.shared(), Side::Hospital, Arc::new(Answering(answer)), config).unwrap();
    let server = Loopback::start(router).await;
    let interface = platform.interface("GetStatement").unwrap();
    let request = hisgate_runtime::sample::payload(platform, interface.request);

    let as_written = Client::new(platform.shared(), Side::Hospital, &server.url, client_config(platform, "xml"));
    let reply = as_written.unwrap().call_value("GetStatement", &request).await.unwrap();
    assert!(!reply.violations.is_empty(), "the document as written cannot read its own table");

    let (merged, _) = shipped(platform);
    let mut config = client_config(platform, "xml");
    config.schema = Some(Arc::new(merged));
    let profiled = Client::new(platform.shared(), Side::Hospital, &server.url, config).unwrap();
    let reply = profiled.call_value("GetStatement", &request).await.unwrap();
    assert!(reply.violations.is_empty(), "{}", reply.violations);
    let transaction = &reply.response.unwrap()["transaction"][0];
    assert_eq!(
        (&transaction["hospitalOrderId"], &transaction["hospitalRefundId"]),
        (&json!("H-ORDER-1"), &json!("H-REFUND-1"))
    );
}
