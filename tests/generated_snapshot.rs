//! Compiles the checked-in snapshot of the code generated for `codegen/tests/fixtures/mini` and exercises every
//! construct through it: what the snapshot promises, it must do.

#[allow(dead_code)]
mod mini {
    include!("../codegen/tests/snapshots/mini.rs");
}

use hisgate_runtime::{Dictionary, Interface, Message};
use mini::dict::{AccountStatusInpatient, AccountStatusOutpatient, RetCode, Sex, Title};
use mini::interfaces::{Notify, Register, notify, register};

fn keys(result: Result<(), hisgate_runtime::Violations>) -> Vec<String> {
    result.err().map(|v| v.keys()).unwrap_or_default()
}

fn parse_request(json: &str) -> Result<register::Request, hisgate_runtime::Error> {
    register::Request::from_json(json)
}

const VALID: &str = r#"{"orderId":"20170208001","cardNo":"6222","patientSex":1,"fee":"12.50",
    "registerDate":"2017-02-08","notifyType":2,"user":[{"id":"card","type":"1"}]}"#;

#[test]
fn a_valid_request_reads_into_its_types() {
    let request = parse_request(VALID).unwrap();
    assert_eq!(request.order_id, "20170208001");
    assert_eq!(request.patient_sex, Sex::Male);
    assert_eq!(request.fee.to_string(), "12.50");
    assert_eq!(request.user[0].r#type.as_deref(), Some("1"));
    assert_eq!(request.validate(), Ok(()));
}

#[test]
fn every_violation_is_reported_at_once() {
    let bad = r#"{"orderId":"", "cardNo":"一二三四五六","patientSex":"3","fee":"1.005",
        "registerDate":"2017-02-30","notifyType":1,"user":[{"type":"1"}]}"#;
    let error = parse_request(bad).unwrap_err();
    let hisgate_runtime::Error::Invalid(violations) = error else { panic!("expected violations, got {error}") };
    assert_eq!(
        violations.keys(),
        [
            "orderId: required",
            "cardNo: length",
            "patientSex: dictionary",
            "fee: precision",
            "registerDate: format",
            "user[0].id: required",
            "reason: required_when",
        ]
    );
    // The card number is sensitive: the message shows its ends only.
    let card = violations.iter().find(|v| v.path == "cardNo").unwrap();
    assert!(card.detail.contains("\"一****六\""), "{card}");
    assert!(card.detail.contains("18 bytes"), "{card}");
}

#[test]
fn one_of_and_bounds() {
    let no_card = r#"{"orderId":"1","patientSex":2,"fee":"-1","registerDate":"2017-02-08","notifyType":2}"#;
    let violations = parse_request(no_card).unwrap_err().to_string();
    assert!(violations.contains("cardNo: one_of: at least one of cardNo, medicalNo"), "{violations}");
    assert!(violations.contains("fee: range: -1 is less than the minimum 0"), "{violations}");
}

#[test]
fn aliases_are_read_and_never_written() {
    let sent = VALID.replace(r#""notifyType":2"#, r#""notifyType":2,"cardStatue":"0""#);
    let request = parse_request(&sent).unwrap();
    assert_eq!(request.card_status, Some(0));
    let written = request.to_json().unwrap();
    assert!(written.contains(r#""cardStatus":0"#) && !written.contains("cardStatue"), "{written}");
}

#[test]
fn json_and_xml_carry_the_declared_shapes() {
    let request = parse_request(VALID).unwrap();
    // `fee` travels as a JSON string (`json: string`); `patientSex` is an int code.
    let json = request.to_json().unwrap();
    assert!(json.contains(r#""fee":"12.50""#) && json.contains(r#""patientSex":1"#), "{json}");
    let xml = request.to_xml().unwrap();
    assert!(xml.starts_with("<request><orderId><![CDATA[20170208001]]></orderId>"), "{xml}");
    assert!(xml.contains("<user><id><![CDATA[card]]></id><type><![CDATA[1]]></type></user>"), "{xml}");
    assert_eq!(register::Request::from_xml(&xml).unwrap(), request);
}

#[test]
fn debug_output_redacts_sensitive_fields() {
    let request = parse_request(VALID).unwrap();
    let debug = format!("{request:?}");
    assert!(debug.contains("card_no: <redacted>") && !debug.contains("6222"), "{debug}");
}

#[test]
fn dictionaries_know_codes_labels_parents_and_tables() {
    assert_eq!(Sex::Female.code(), "2");
    assert_eq!(Sex::Female.label(), "女");
    assert_eq!("1".parse::<Sex>(), Ok(Sex::Male));
    assert!("3".parse::<Sex>().unwrap_err().to_string().contains("not a code of dictionary `sex`"));
    assert_eq!(Title::C231.parent(), Some(Title::C23));
    assert_eq!(Title::C23.parent(), None);
    assert_eq!(AccountStatusOutpatient::C02.label(), "挂失");
    assert_eq!(AccountStatusInpatient::C01.label(), "在院");
    assert_eq!(Sex::known(), [Sex::Male, Sex::Female]);
    // An open dictionary keeps what it does not know.
    let kept: RetCode = "42".parse().unwrap();
    assert_eq!(kept, RetCode::UnknownCode("42".into()));
    assert_eq!((kept.code(), kept.label()), ("42", ""));
    assert_eq!(RetCode::C99.to_string(), "99");
}

#[test]
fn multi_table_references_check_their_table() {
    let response = |status: &str| {
        format!(r#"{{"hospitalOrderId":"h1","outpatientStatus":"{status}","anyStatus":"{status}","retCode":"77"}}"#)
    };
    let ok = register::Response::from_json(&response("01")).unwrap();
    assert_eq!(ok.outpatient_status, Some(AccountStatusOutpatient::C01));
    assert_eq!(ok.any_status.as_deref(), Some("01"));
    assert_eq!(ok.ret_code, Some(RetCode::UnknownCode("77".into())));
    let bad = register::Response::from_json(&response("03")).unwrap_err().to_string();
    assert!(bad.contains("outpatientStatus: dictionary") && bad.contains("anyStatus: dictionary"), "{bad}");
}

#[test]
fn nested_nodes_are_checked_with_their_paths() {
    let json = r#"{"hospitalOrderId":"h1","schedule":{"doctorTitle":"231","noon":[{"startTime":"09:00"},{"startTime":"25:00"}]}}"#;
    let error = register::Response::from_json(json).unwrap_err().to_string();
    assert!(error.contains("schedule.noon[1].startTime: format"), "{error}");
}

#[test]
fn open_and_empty_messages() {
    let open = notify::Request::from_json(r#"{"anything":{"goes":[1,2]}}"#).unwrap();
    assert_eq!(open.0["anything"]["goes"][1], 2);
    assert_eq!(notify::Response::from_json("{}").unwrap(), notify::Response {});
    let (platform, iface) = Notify::schema();
    assert_eq!((&*platform.name, &*iface.service, iface.retry_safe), ("mini", "notify.send", true));
    assert_eq!(&*Register::schema().1.return_codes[0].code, "S0101");
}

#[test]
fn typed_values_validate_too() {
    let mut request = parse_request(VALID).unwrap();
    assert_eq!(keys(request.validate()), Vec::<String>::new());
    request.register_date = "2017/02/08".into();
    request.notify_type = 1;
    request.order_id = "x".repeat(33);
    assert_eq!(keys(request.validate()), ["orderId: length", "registerDate: format", "reason: required_when"]);
}

#[test]
fn the_protocol_seals_and_opens_with_its_own_rule() {
    use hisgate_runtime::codec::Limits;
    use hisgate_runtime::envelope::{Envelope, Format, Payload};
    use hisgate_runtime::schema::Direction;
    use hisgate_runtime::secret::Inputs;
    use hisgate_runtime::signature::Signer;

    let protocol = mini::PLATFORM.protocol.as_ref().unwrap();
    let inputs = Inputs::for_protocol(protocol, [("key", "0123456789abcdef0123456789abcdef"), ("partner", "MINI")])
        .with("service", "Register")
        .with("timestamp", "20240101120000000");
    let request = parse_request(VALID).unwrap();
    let value = request.to_value().unwrap();
    let envelope = Envelope::new(protocol, Direction::Request);
    let payload = Payload { value: &value, schema: Some(register::Request::schema()), root: None };
    let sealed = envelope.seal(payload, Format::Json, &inputs).unwrap();
    assert_eq!(sealed.headers, [("timestamp".to_owned(), "20240101120000000".to_owned())]);
    let body: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&sealed.body).unwrap();
    // Declared fields, case-insensitive order, `name:value` joined by `;`, with the prefix and suffix.
    let canonical = Signer::for_protocol(protocol, Direction::Request).canonical(&body, &inputs).unwrap();
    let data = body["data"].as_str().unwrap();
    assert_eq!(canonical, format!("MINI|data:{data};partner:MINI;service:Register|20240101120000000"));
    assert!(data.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "hex-lower: {data}");
    let opened = envelope.open(&sealed.body, &sealed.headers, Format::Json, &inputs, Limits::default()).unwrap();
    assert_eq!(register::Request::from_value(opened.payload).unwrap(), request);
}

#[test]
fn business_keys_read_the_request_then_the_response_redacted_and_bounded() {
    use hisgate_runtime::business_keys::{MAX_VALUE_CHARS, business_keys};
    let register = mini::PLATFORM.interface("Register").unwrap();
    let request = serde_json::json!({"orderId": "20170208001", "cardNo": "6222000011112222", "patientSex": 1});
    let response = serde_json::json!({"hospitalOrderId": "H-住院-1", "schedule": {"doctorTitle": 2}});
    let pairs = |request: &serde_json::Value, response: Option<&serde_json::Value>| -> Vec<(String, String)> {
        business_keys(&mini::PLATFORM, register, request, response)
    };
    let owned = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    assert_eq!(
        pairs(&request, Some(&response)),
        owned(&[
            ("orderId", "20170208001"),
            ("cardNo", "6**************2"),
            ("hospitalOrderId", "H-住院-1"),
            ("schedule.doctorTitle", "2"),
        ])
    );
    // Before the reply exists, the request's keys alone; an empty value is no key.
    assert_eq!(pairs(&request, None), owned(&[("orderId", "20170208001"), ("cardNo", "6**************2")]));
    assert_eq!(pairs(&serde_json::json!({"orderId": " "}), None), owned(&[]));
    // Whatever a counterpart sends, a value stays one short line.
    let long = format!("{}\n{}", "订".repeat(100), "x");
    let keys = pairs(&serde_json::json!({"orderId": long}), None);
    let value = &keys[0].1;
    assert_eq!(value.chars().count(), MAX_VALUE_CHARS);
    assert!(value.ends_with('…') && !value.contains('\n'), "{value}");
    let short = pairs(&serde_json::json!({"orderId": "a\nb"}), None);
    assert_eq!(short, owned(&[("orderId", "a\\nb")]));
}

/// Every compiled-in platform's `PLATFORM` is the IR codegen reads from its spec folder, member for member: however
/// the generated statics are written, they hold the spec, and nothing the runtime, docs or exports read from them
/// moves.
#[test]
fn every_compiled_in_platform_is_the_ir_of_its_spec() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    for compiled in hisgate_generated::PLATFORMS {
        let shown = format!("specs/{}", compiled.name);
        let read = hisgate_codegen::load_platform(&specs.join(&*compiled.name), &shown)
            .unwrap_or_else(|d| panic!("{shown}: {d}"));
        assert!(read == **compiled, "{shown}: the compiled-in PLATFORM differs from the spec's IR");
    }
}
