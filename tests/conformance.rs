//! The seed documents' examples through the public API: every worked example of the compiled-in specs
//! (`specs/<platform>/examples/worked.yaml`, lowered into `PLATFORM.examples`) reproduced by the engines, and the
//! printed envelopes (`specs/<platform>/examples/`) verified, decrypted and read as typed messages. Printed values are
//! read from the spec or the printed envelopes, never repeated here.

use hisgate_generated::{glorycard, onepay, shaanxi};
use hisgate_runtime::codec::{Limits, json, xml};
use hisgate_runtime::schema::{Direction, PlatformSchema, ProtocolSchema, SchemeCipher};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::signature::{Signer, VerifyError};
use hisgate_runtime::{Message, cipher};
use hisgate_tests::fixtures::examples_dir;
use hisgate_tools::docs::{Verdict, reproduce};
use serde_json::{Map, Value};

const SHAANXI_KEY: &str = "2098D32C4D1399EC";

fn protocol(platform: &'static PlatformSchema) -> &'static ProtocolSchema {
    platform.protocol.as_ref().expect("the platform declares its protocol")
}

/// `platform/file` under `specs/<platform>/examples/`.
fn fixture(path: &str) -> String {
    let (platform, file) = path.split_once('/').unwrap();
    std::fs::read_to_string(examples_dir(platform).join(file)).unwrap()
}

/// What the document printed for one of a platform's worked examples, by title prefix and `sign`/`ciphertext`.
fn printed(platform: &PlatformSchema, title: &str, what: &str) -> String {
    let example = platform.examples.iter().find(|e| e.title.starts_with(title)).expect("the worked example");
    let value = if what == "sign" { &example.sign } else { &example.ciphertext };
    value.as_ref().expect("printed").value.to_string()
}

#[test]
fn every_worked_example_reproduces_or_is_an_erratum() {
    let mut errata = Vec::new();
    let mut reproduced = 0;
    for platform in hisgate_generated::PLATFORMS {
        for example in platform.examples.iter() {
            let run = reproduce(platform, example, None);
            match run.verdict() {
                Verdict::Reproduced => reproduced += 1,
                Verdict::Erratum(id) => {
                    assert!(platform.erratum(&id).is_some(), "{}: erratum `{id}` is declared", example.title);
                    errata.push(id);
                }
                Verdict::Failed => panic!("{}: {:?} {:?}", example.title, run.run.err(), run.compared),
            }
        }
    }
    assert_eq!(reproduced, 9);
    errata.sort();
    assert_eq!(
        errata,
        ["charge-request-sign-unverifiable", "response-sign-truncated", "wxapp-response-sign-unverifiable"]
    );
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("expected an object, got {other}"),
    }
}

fn shaanxi_inputs() -> Inputs {
    Inputs::for_protocol(protocol(&shaanxi::PLATFORM), [("key", SHAANXI_KEY)])
}

fn shaanxi_scheme() -> &'static hisgate_runtime::schema::CipherScheme {
    protocol(&shaanxi::PLATFORM).encryption.as_ref().unwrap().scheme(None).unwrap()
}

#[test]
fn shaanxi_xml_request_payload_is_encrypted_byte_for_byte() {
    let request = shaanxi::interfaces::test_net::Request { ip: "127.0.0.1".into() };
    let plaintext = request.to_xml().unwrap();
    assert_eq!(plaintext, "<request><ip><![CDATA[127.0.0.1]]></ip></request>");
    let ciphertext = cipher::encrypt(shaanxi_scheme(), plaintext.as_bytes(), &shaanxi_inputs()).unwrap();
    assert_eq!(ciphertext, printed(&shaanxi::PLATFORM, "网络通讯测试 TestNet 请求（XML）", "ciphertext"));
}

#[test]
fn shaanxi_xml_request_signature() {
    let envelope = xml::parse(&fixture("shaanxi/envelope/testnet.request.xml"), Limits::default()).unwrap();
    let mut message = object(envelope.value);
    // The printed envelope names the service `NetTest`; its signature was computed with `TestNet`.
    assert_eq!(message["service"], "NetTest");
    let signer = Signer::for_protocol(protocol(&shaanxi::PLATFORM), Direction::Request);
    assert!(matches!(signer.verify_embedded(&message, &shaanxi_inputs()), Err(VerifyError::Mismatch { .. })));
    message.insert("service".into(), "TestNet".into());
    signer.verify_embedded(&message, &shaanxi_inputs()).unwrap();
    // The printed string to sign, once its two errata are undone (signature-example-dataformat, testnet-nettest).
    let printed = fixture("shaanxi/envelope/testnet.request.sign-string.printed.txt");
    let corrected =
        printed.replacen("dataFormat=json", "dataFormat=xml", 1).replacen("service=NetTest", "service=TestNet", 1);
    assert_eq!(signer.canonical(&message, &shaanxi_inputs()).unwrap(), corrected);
}

#[test]
fn shaanxi_json_request_signature_and_trailing_comma_plaintext() {
    let mut message =
        object(json::parse(&fixture("shaanxi/envelope/testnet.request.json"), Limits::default()).unwrap());
    message.insert("service".into(), "TestNet".into());
    let signer = Signer::for_protocol(protocol(&shaanxi::PLATFORM), Direction::Request);
    signer.verify_embedded(&message, &shaanxi_inputs()).unwrap();
    let ciphertext = message["requestEncrypted"].as_str().unwrap();
    let plaintext = cipher::decrypt(shaanxi_scheme(), ciphertext, &shaanxi_inputs()).unwrap();
    assert_eq!(plaintext, r#"{"ip":"127.0.0.1",}"#);
    // A receiver must be lenient about the trailing comma.
    let request = shaanxi::interfaces::test_net::Request::from_json(&plaintext).unwrap();
    assert_eq!(request.ip, "127.0.0.1");
}

#[test]
fn shaanxi_get_request_signature() {
    let url = fixture("shaanxi/envelope/get-example.url.txt");
    let query = url.trim().split_once('?').unwrap().1;
    let mut message = Map::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap();
        message.insert(name.to_owned(), Value::String(value.to_owned()));
    }
    // The path says `testnet`; the signature was computed with `service=NetTest` (erratum get-example-fields).
    message.insert("service".into(), "NetTest".into());
    let signer = Signer::for_protocol(protocol(&shaanxi::PLATFORM), Direction::Request);
    signer.verify_embedded(&message, &shaanxi_inputs()).unwrap();
    let plaintext = cipher::decrypt(shaanxi_scheme(), message["requestEncrypted"].as_str().unwrap(), &shaanxi_inputs());
    assert_eq!(plaintext.unwrap(), r#"{"ip":"127.0.0.1"}"#);
}

#[test]
fn shaanxi_responses_and_the_truncated_signature() {
    let inputs = shaanxi_inputs();
    let signer = Signer::for_protocol(protocol(&shaanxi::PLATFORM), Direction::Response);
    let xml_response =
        object(xml::parse(&fixture("shaanxi/envelope/testnet.response.xml"), Limits::default()).unwrap().value);
    signer.verify_embedded(&xml_response, &inputs).unwrap();
    let canonical = signer.canonical(&xml_response, &inputs).unwrap();
    assert_eq!(canonical, fixture("shaanxi/envelope/testnet.response.sign-string.printed.txt"));
    let plaintext = cipher::decrypt(shaanxi_scheme(), xml_response["responseEncrypted"].as_str().unwrap(), &inputs);
    let plaintext = plaintext.unwrap();
    assert_eq!(plaintext, "<response><systemTime><![CDATA[2017-01-19 15:54:42]]></systemTime></response>");
    let response = shaanxi::interfaces::test_net::Response::from_xml(&plaintext).unwrap();
    assert_eq!(response.system_time, "2017-01-19 15:54:42");

    // As printed in sections 1.4 and 5, the signature lacks its last character: a verifier rejects it.
    let text = fixture("shaanxi/envelope/testnet.response.truncated-sign.xml");
    let truncated = object(xml::parse(&text, Limits::default()).unwrap().value);
    assert_eq!(truncated["sign"], printed(&shaanxi::PLATFORM, "网络通讯测试 TestNet 响应（XML，1.4", "sign"));
    assert_eq!(signer.verify_embedded(&truncated, &inputs), Err(VerifyError::Mismatch { received: 31, expected: 32 }));

    let json_response =
        object(json::parse(&fixture("shaanxi/envelope/testnet.response.json"), Limits::default()).unwrap());
    signer.verify_embedded(&json_response, &inputs).unwrap();
    let plaintext = cipher::decrypt(shaanxi_scheme(), json_response["responseEncrypted"].as_str().unwrap(), &inputs);
    let response = shaanxi::interfaces::test_net::Response::from_json(&plaintext.unwrap()).unwrap();
    assert_eq!(response.system_time, "2017-01-19 15:54:42");

    let error = object(json::parse(&fixture("shaanxi/envelope/error.response.json"), Limits::default()).unwrap());
    signer.verify_embedded(&error, &inputs).unwrap();
}

const ONEPAY_REQUEST_APP_SECRET: &str = "1BN7VC8VU0017518A8C0000083776CB9";
const ONEPAY_APP_ID: &str = "1A3VL0KVK0000B020A0A0000CC3F48AD";
const ONEPAY_APP_SECRET: &str = "1A3VL0KVE0010B010A0A0000277BDC91";

#[test]
fn onepay_request_signature_over_sorted_compact_param() {
    let onepay = protocol(&onepay::PLATFORM);
    let message = object(json::parse(&fixture("onepay/medical-detail.request.json"), Limits::default()).unwrap());
    let inputs = Inputs::for_protocol(onepay, [("appSecret", ONEPAY_REQUEST_APP_SECRET)]);
    let signer = Signer::for_protocol(onepay, Direction::Request);
    let signature = signer.sign(&message, &inputs).unwrap();
    // The string to sign is the document's, byte for byte (the JSON-in-a-string `mxlist` keeps its escapes).
    assert_eq!(signature.canonical, fixture("onepay/medical-detail.request.sign-string.txt").trim_end());
    signer.verify_embedded(&message, &inputs).unwrap();
}

#[test]
fn onepay_derived_key_decrypts_and_the_plaintext_carries_the_signature() {
    let onepay = protocol(&onepay::PLATFORM);
    let inputs = Inputs::for_protocol(onepay, [("appId", ONEPAY_APP_ID), ("appSecret", ONEPAY_APP_SECRET)]);
    let scheme = onepay.encryption.as_ref().unwrap().scheme(Some("AES")).unwrap();
    let SchemeCipher::Symmetric { key, .. } = &scheme.cipher else { panic!("onepay's AES is a block cipher") };
    assert_eq!(cipher::key(key, &inputs).unwrap(), b"6D2D754B808E6B94");

    let mut response =
        object(json::parse(&fixture("onepay/charge.response.encrypted.json"), Limits::default()).unwrap());
    let ciphertext = response["encryptData"].as_str().unwrap().to_owned();
    let plaintext = cipher::decrypt(scheme, &ciphertext, &inputs).unwrap();
    assert_eq!(
        plaintext,
        r#"{"channel":"WX_QR","chargeNo":"201612260931476856","chargeStatus":"1","outChargeNo":"OC12260001","qrcode":"weixin://wxpay/bizpayurl?pr=75gzLi6"}"#
    );
    // Sign-then-encrypt: the receiver decrypts, puts the plaintext back as `param`, then verifies.
    let signer = Signer::for_protocol(onepay, Direction::Response);
    response.insert("param".into(), json::parse(&plaintext, Limits::default()).unwrap());
    signer.verify_embedded(&response, &inputs).unwrap();
    let param = onepay::interfaces::op_trade_charge::Response::from_json(&plaintext).unwrap();
    assert_eq!(param.qrcode.as_deref(), Some("weixin://wxpay/bizpayurl?pr=75gzLi6"));
    // And encrypting the plaintext again gives the document's ciphertext.
    assert_eq!(cipher::encrypt(scheme, plaintext.as_bytes(), &inputs).unwrap(), ciphertext);
}

#[test]
fn glorycard_hmac_signature_over_the_body_as_printed() {
    let glorycard = protocol(&glorycard::PLATFORM);
    let body = object(json::parse(&fixture("glorycard/sign-example.body.json"), Limits::default()).unwrap());
    // The body is used exactly as printed, amounts `10.00` included.
    assert_eq!(body["totalAmount"].to_string(), "10.00");
    let inputs =
        Inputs::for_protocol(glorycard, [("key", "4fd6b8105f894d0da964b1e80b07b136"), ("timestamp", "20210407155206")]);
    let signer = Signer::for_protocol(glorycard, Direction::Request);
    let signature = signer.sign(&body, &inputs).unwrap();
    assert_eq!(signature.value, printed(&glorycard::PLATFORM, "签名示例", "sign"));
    assert!(signature.canonical.starts_with("areaCode=331001&billCode=31201&"), "{}", signature.canonical);
    assert!(signature.canonical.contains("&detail.actualAmount=10&detail.amount=10&"));
    assert!(
        signature.canonical.ends_with("&totalAmount=10&key=4fd6b8105f894d0da964b1e80b07b136&timestamp=20210407155206")
    );
    assert!(!signature.canonical.contains("mailAddress") && !signature.canonical.contains("phone="));
    let steps: Vec<&str> = signature.steps.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(steps, ["md5", "hex-upper", "hmac-sha256", "hex-lower"]);
    signer.verify(&body, &inputs, &signature.value).unwrap();
}
