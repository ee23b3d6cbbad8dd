//! The envelope step for every platform: sealing reproduces the documents' envelopes, and opening what was sealed
//! gives back the payload, whatever its content.

use hisgate_generated::{onepay, shaanxi};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, EnvelopeError, Format, Payload};
use hisgate_runtime::schema::{
    Direction, EnvelopeField, EnvelopeRole, InterfaceSchema, MessageId, PlatformSchema, ProtocolSchema,
};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::signature::VerifyError;
use hisgate_runtime::{Interface, Message};
use hisgate_tests::{arbitrary, registry};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

fn protocol(platform: &'static PlatformSchema) -> &'static ProtocolSchema {
    platform.protocol.as_ref().unwrap()
}

fn shaanxi_inputs(service: &str) -> Inputs {
    Inputs::for_protocol(protocol(&shaanxi::PLATFORM), [("key", "2098D32C4D1399EC"), ("partner", "TEST_WX")])
        .with("hospitalCode", "0")
        .with("service", service)
}

#[test]
fn shaanxi_sealed_request_is_the_documents_envelope() {
    let request = shaanxi::interfaces::test_net::Request { ip: "127.0.0.1".into() };
    let (platform, id) = <shaanxi::interfaces::test_net::Request as Message>::schema();
    let value = request.to_value().unwrap();
    let envelope = Envelope::new(protocol(platform), Direction::Request);
    let sealed = envelope
        .seal(
            Payload { value: &value, schema: Some((platform, id)), root: None },
            Format::Xml,
            &shaanxi_inputs("TestNet"),
        )
        .unwrap();
    assert_eq!(
        sealed.body,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><root><service><![CDATA[TestNet]]></service>\
         <partner><![CDATA[TEST_WX]]></partner><hospitalCode><![CDATA[0]]></hospitalCode>\
         <dataFormat><![CDATA[xml]]></dataFormat><inputCharset><![CDATA[utf-8]]></inputCharset>\
         <signType><![CDATA[md5]]></signType><sign><![CDATA[389F6997DA8530F147D4AD7AF41C5C30]]></sign>\
         <requestEncrypted><![CDATA[oJ5JYA4Q33sBLcRr98DeEyB83BVT5Iec5O7okvxPm111P3hBM/g1/eLAxm7Iaos/Yw9ZCsw3CtC0Q6j6X9C+CQ==]]></requestEncrypted></root>"
    );
    let opened = envelope.open(&sealed.body, &[], Format::Xml, &shaanxi_inputs("TestNet"), Limits::default()).unwrap();
    assert_eq!(opened.payload, serde_json::json!({"ip": "127.0.0.1"}));
}

#[test]
fn an_error_reply_with_an_empty_or_blank_ciphertext_has_no_payload() {
    let envelope = Envelope::new(protocol(&shaanxi::PLATFORM), Direction::Response);
    let inputs = shaanxi_inputs("TestNet").with("resultCode", "ILLEGAL_SIGN").with("resultMessage", "签名不正确");
    // The empty string encrypted, as counterparts write a payload they do not have.
    let blank = envelope.seal_text("", Format::Json, &inputs).unwrap();
    assert!(blank.body.contains("\"responseEncrypted\":\""), "{}", blank.body);
    let opened = envelope.open(&blank.body, &[], Format::Json, &inputs, Limits::default()).unwrap();
    assert_eq!(opened.payload, Value::Null);
    assert_eq!(opened.fields["resultMessage"], "签名不正确");
    // An empty ciphertext field reads as the reply without it (an empty value is not signed, so the bare reply's
    // signature holds), over JSON and as an empty XML element.
    for format in [Format::Json, Format::Xml] {
        let bare = envelope.seal_bare(format, &inputs).unwrap();
        let without = envelope.open(&bare.body, &[], format, &inputs, Limits::default()).unwrap();
        let empty = match format {
            Format::Xml => bare.body.replace("</root>", "<responseEncrypted/></root>"),
            _ => bare.body.replacen('{', "{\"responseEncrypted\":\"\",", 1),
        };
        let opened = envelope.open(&empty, &[], format, &inputs, Limits::default()).unwrap();
        assert_eq!(opened.payload, without.payload, "{empty}");
        assert_eq!(opened.fields["resultCode"], "ILLEGAL_SIGN");
    }
}

#[test]
fn tampering_and_truncation_are_caught_before_decryption() {
    let value = serde_json::json!({"ip": "127.0.0.1"});
    let envelope = Envelope::new(protocol(&shaanxi::PLATFORM), Direction::Request);
    let inputs = shaanxi_inputs("TestNet");
    let sealed = envelope.seal(Payload { value: &value, schema: None, root: None }, Format::Json, &inputs).unwrap();
    let tampered = sealed.body.replace("TEST_WX", "TEST_WY");
    let error = envelope.open(&tampered, &[], Format::Json, &inputs, Limits::default()).unwrap_err();
    assert!(matches!(error, EnvelopeError::Verify(VerifyError::Mismatch { .. })), "{error}");
    let wrong_key = inputs.clone().with_secret("key", "0000000000000000");
    assert!(envelope.open(&sealed.body, &[], Format::Json, &wrong_key, Limits::default()).is_err());
}

#[test]
fn onepay_seals_the_documents_ciphertext_under_a_plaintext_signature() {
    let onepay = protocol(&onepay::PLATFORM);
    let inputs = Inputs::for_protocol(
        onepay,
        [("appId", "1A3VL0KVK0000B020A0A0000CC3F48AD"), ("appSecret", "1A3VL0KVE0010B010A0A0000277BDC91")],
    )
    .with("timestamp", "20161226093147927")
    .with("respCode", "000000")
    .with("respMsg", "处理成功")
    .with("encryptType", "AES");
    let param = serde_json::json!({
        "qrcode": "weixin://wxpay/bizpayurl?pr=75gzLi6", "outChargeNo": "OC12260001", "chargeStatus": "1",
        "chargeNo": "201612260931476856", "channel": "WX_QR"
    });
    let envelope = Envelope::new(onepay, Direction::Response);
    let sealed = envelope.seal(Payload { value: &param, schema: None, root: None }, Format::Json, &inputs).unwrap();
    let body: Value = serde_json::from_str(&sealed.body).unwrap();
    assert_eq!(body["sign"], "17122A2041288920CA16A62752FB38CB");
    assert!(body["encryptData"].as_str().unwrap().starts_with("0FE9C0E3DA4A94F7014DBA93C34D4812"));
    assert!(body.get("param").is_none(), "the plaintext is replaced by its ciphertext");
    let opened = envelope.open(&sealed.body, &[], Format::Json, &inputs, Limits::default()).unwrap();
    assert_eq!(opened.payload["qrcode"], "weixin://wxpay/bizpayurl?pr=75gzLi6");
    assert_eq!(opened.scheme.as_deref(), Some("AES"));
    // Without encryptType, the payload travels in the clear and is still signed.
    let clear = inputs.clone().with("encryptType", "");
    let sealed = envelope.seal(Payload { value: &param, schema: None, root: None }, Format::Json, &clear).unwrap();
    assert!(sealed.body.contains("\"param\":{") && !sealed.body.contains("encryptData"));
    assert_eq!(envelope.open(&sealed.body, &[], Format::Json, &clear, Limits::default()).unwrap().payload, param);
}

/// Credentials and call inputs for any compiled-in platform.
fn inputs_for(platform: &'static PlatformSchema, service: &str) -> Inputs {
    let protocol = protocol(platform);
    let mut inputs = Inputs::new().with("service", service).with("timestamp", "20240101120000");
    for credential in protocol.credentials.iter() {
        let value = credential.example.as_deref().unwrap_or("secret-value");
        inputs.set(credential.name.to_string(), value, credential.secret);
    }
    for direction in [Direction::Request, Direction::Response] {
        let carried = |f: &&EnvelopeField| matches!(f.role, EnvelopeRole::Code | EnvelopeRole::Message);
        for field in protocol.envelope(direction).fields.iter().filter(carried) {
            inputs.set(field.name.to_string(), "1", false);
        }
    }
    inputs
}

/// For random valid payloads of every interface, in every format its platform could carry: seal, then open,
/// gives back the payload (numbers and codes compared as text, as XML carries them).
#[test]
fn sealing_then_opening_is_the_identity_for_every_interface() {
    let mut failures = Vec::new();
    for entry in registry::all() {
        let (platform, interface) = (entry.schema)();
        let protocol = protocol(platform);
        let formats: &[Format] =
            if protocol.request.root.is_some() { &[Format::Xml, Format::Json] } else { &[Format::Json] };
        for (direction, id) in [(Direction::Request, interface.request), (Direction::Response, interface.response)] {
            for &format in formats {
                let mut runner = TestRunner::new(Config { cases: 12, failure_persistence: None, ..Config::default() });
                let result = runner.run(&arbitrary::message(platform, id, false), |value| {
                    round_trip(platform, id, direction, format, interface, &value).map_err(TestCaseError::fail)
                });
                if let Err(e) = result {
                    failures.push(format!("{}.{} {direction:?} {format:?}: {e}", platform.name, interface.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn round_trip(
    platform: &'static PlatformSchema,
    id: MessageId,
    direction: Direction,
    format: Format,
    interface: &InterfaceSchema,
    value: &Value,
) -> Result<(), String> {
    // Signed by its sender's rule; a lines rule reads the request's line, given here as a client would.
    let envelope = Envelope::of_interface(protocol(platform), direction, interface.provider);
    let inputs = inputs_for(platform, &interface.service).with("method", "POST").with("path", "/a?b=c");
    let payload = Payload { value, schema: Some((platform, id)), root: None };
    let sealed = envelope.seal(payload, format, &inputs).map_err(|e| e.to_string())?;
    let opened = envelope
        .open(&sealed.body, &sealed.headers, format, &inputs, Limits::default())
        .map_err(|e| format!("{e}\n{}", sealed.body))?;
    let mut expected = value.clone();
    let mut actual = opened.payload;
    hisgate_runtime::validate::check(platform, id, &mut expected);
    hisgate_runtime::validate::check(platform, id, &mut actual);
    if expected != actual {
        return Err(format!("payload changed:\n{expected}\n{actual}\n{}", sealed.body));
    }
    Ok(())
}

#[test]
fn every_platform_declares_a_usable_protocol() {
    for platform in hisgate_generated::PLATFORMS {
        let protocol = protocol(platform);
        assert!(!protocol.credentials.is_empty(), "{}", platform.name);
        let _ = <shaanxi::interfaces::TestNet as Interface>::schema();
    }
}
