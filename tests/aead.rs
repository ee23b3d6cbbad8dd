//! GCM through the envelope step: a payload sealed into an AEAD box at dotted paths of the body (WeChat Pay v3's
//! `resource`: `algorithm`, `ciphertext`, `associated_data`, `nonce`) opens back to itself, with a fresh nonce per
//! message; and, over random messages, keys and associated data, a changed byte, another key, other associated data
//! or another nonce never opens. An interface's own values (`envelope:`) are written around the box and into it.

use hisgate_generated::shaanxi;
use hisgate_runtime::cipher::{self, CipherError};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::members::member;
use hisgate_runtime::envelope::{Envelope, EnvelopeError, Format, Payload};
use hisgate_runtime::schema::*;
use hisgate_runtime::secret::Inputs;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

const ALGORITHM: &str = "AEAD_AES_256_GCM";

fn gcm(algorithm: BlockAlgorithm, key: &'static str) -> CipherScheme {
    hisgate_tests::schemes::gcm_resource(ALGORITHM, algorithm, key)
}

/// shaanxi's protocol with its request payload sealed into `resource` under AES-256-GCM, selected by
/// `resource.algorithm`, and every field signed (the box is an object, which `covers: declared` would leave out).
fn boxed_protocol() -> ProtocolSchema {
    let mut protocol = shaanxi::PLATFORM.protocol.clone().unwrap();
    protocol.request.payload = PayloadPlacement { field: None, ciphertext: Some(Str::Borrowed("resource.ciphertext")) };
    protocol.signature.covers = Coverage::All;
    protocol.signature.nested = Nested::Json;
    protocol.encryption = Some(EncryptionRule {
        select: Some(Str::Borrowed("resource.algorithm")),
        schemes: Seq::Owned(vec![gcm(BlockAlgorithm::Aes256, "{key}{key}")]),
        description: Str::Borrowed(""),
    });
    protocol
}

fn inputs() -> Inputs {
    Inputs::new()
        .with_secret("key", "2098D32C4D1399EC")
        .with("partner", "TEST_WX")
        .with("hospitalCode", "0")
        .with("service", "PayNotify")
}

#[test]
fn a_payload_sealed_into_the_box_opens_back_with_a_fresh_nonce_each_time() {
    let protocol = boxed_protocol();
    let envelope = Envelope::new(&protocol, Direction::Request);
    let payload = json!({"out_trade_no": "GH20240101000001", "payer": {"name": "张三"}, "amount": {"total": 100}});
    let sending = inputs().with("resource.algorithm", ALGORITHM).with("resource.associated_data", "transaction");
    let seal = || envelope.seal(Payload { value: &payload, schema: None, root: None }, Format::Json, &sending);
    let (first, second) = (seal().unwrap(), seal().unwrap());
    let body: Value = serde_json::from_str(&first.body).unwrap();
    let resource = body["resource"].as_object().unwrap();
    assert_eq!(resource["algorithm"], ALGORITHM);
    assert_eq!(resource["associated_data"], "transaction");
    let nonce = resource["nonce"].as_str().unwrap();
    assert!(nonce.len() == 12 && nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
    assert!(!first.body.contains("张三") && !first.body.contains("out_trade_no"), "{}", first.body);
    let second_body: Value = serde_json::from_str(&second.body).unwrap();
    assert_ne!(second_body["resource"]["nonce"], resource["nonce"], "a nonce is never reused");

    // The receiver reads the nonce and associated data from the message, not from its own inputs.
    let opened = envelope.open(&first.body, &first.headers, Format::Json, &inputs(), Limits::default()).unwrap();
    assert_eq!(opened.payload, payload);
    assert_eq!(opened.scheme.as_deref(), Some(ALGORITHM));
    assert_eq!(member(&opened.fields, "resource.associated_data"), Some(&json!("transaction")));

    // Without the selector the payload travels in the clear, signed as ever.
    let clear = envelope.seal(Payload { value: &payload, schema: None, root: None }, Format::Json, &inputs()).unwrap();
    assert!(clear.body.contains("张三") && !clear.body.contains("resource"), "{}", clear.body);
    let opened = envelope.open(&clear.body, &clear.headers, Format::Json, &inputs(), Limits::default()).unwrap();
    assert_eq!(opened.payload, payload);
}

#[test]
fn a_box_with_another_nonce_or_associated_data_is_refused_once_the_signature_holds() {
    // With `covers: declared` the box, which no envelope field declares, is not signed: GCM's tag alone refuses it.
    let mut protocol = boxed_protocol();
    protocol.signature.covers = Coverage::Declared;
    let envelope = Envelope::new(&protocol, Direction::Request);
    let payload = json!({"refund_id": "50000000382019052709732678859"});
    let sending = inputs().with("resource.algorithm", ALGORITHM).with("resource.associated_data", "refund");
    let sealed = envelope.seal(Payload { value: &payload, schema: None, root: None }, Format::Json, &sending).unwrap();
    let body: Value = serde_json::from_str(&sealed.body).unwrap();
    let nonce = body["resource"]["nonce"].as_str().unwrap().to_owned();
    for (from, to) in [("\"refund\"", "\"transaction\""), (&*format!("\"{nonce}\""), "\"000000000000\"")] {
        let changed = sealed.body.replace(from, to);
        let error = envelope.open(&changed, &sealed.headers, Format::Json, &inputs(), Limits::default()).unwrap_err();
        assert_eq!(error, EnvelopeError::Cipher(CipherError::Tag), "{from} → {to}");
    }
}

/// The credentials' examples of a protocol, as every command uses them when none is given.
fn example_inputs(protocol: &ProtocolSchema) -> Inputs {
    let mut inputs = Inputs::new();
    for credential in protocol.credentials.iter() {
        if let Some(example) = &credential.example {
            inputs.set(credential.name.to_string(), example.to_string(), credential.secret);
        }
    }
    inputs
}

#[test]
fn an_interfaces_values_are_written_around_the_box_and_into_it() {
    let platform = &hisgate_generated::wechatpay_v3::PLATFORM;
    let protocol = platform.protocol.as_ref().unwrap();
    let notify = platform.interface("PayNotify").unwrap();
    let envelope = Envelope::of_interface(protocol, Direction::Request, notify.provider).with_values(&notify.envelope);
    let payload = json!({"out_trade_no": "GH20261206000001"});
    let sending = example_inputs(protocol).with("resource.algorithm", ALGORITHM);
    let seal = |inputs: &Inputs| {
        let sealed = envelope.seal(Payload { value: &payload, schema: None, root: None }, Format::Json, inputs);
        serde_json::from_str::<Value>(&sealed.unwrap().body).unwrap()
    };
    let (first, second) = (seal(&sending), seal(&sending));
    assert_eq!(first["resource_type"], "encrypt-resource");
    assert_eq!((&first["event_type"], &first["summary"]), (&json!("TRANSACTION.SUCCESS"), &json!("支付成功")));
    assert_eq!(first["resource"]["original_type"], "transaction");
    assert_eq!(first["resource"]["algorithm"], ALGORITHM);
    assert!(first["create_time"].as_str().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()));
    assert_eq!(first["id"].as_str().map(str::len), Some(36), "{first}");
    assert_ne!(first["id"], second["id"], "a fresh id per message");

    // An input named after a field, or a member's path, wins over the interface's template.
    let given = sending.clone().with("event_type", "TRANSACTION.CLOSED").with("resource.original_type", "x");
    let third = seal(&given);
    assert_eq!(
        (&third["event_type"], &third["resource"]["original_type"]),
        (&json!("TRANSACTION.CLOSED"), &json!("x"))
    );
    // In the clear there is no box to write into; the top-level values are still written.
    let clear = seal(&example_inputs(protocol));
    assert!(clear.get("resource").is_none(), "{clear}");
    assert_eq!(clear["event_type"], "TRANSACTION.SUCCESS");
    // The protocol's own envelope writes none of them: only an interface declares them.
    let bare = Envelope::of_interface(protocol, Direction::Request, notify.provider);
    let sealed = bare.seal(Payload { value: &payload, schema: None, root: None }, Format::Json, &sending).unwrap();
    let body: Value = serde_json::from_str(&sealed.body).unwrap();
    assert!(body.get("event_type").is_none() && body["resource"].get("original_type").is_none(), "{body}");
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config { cases: 128, failure_persistence: None, ..Config::default() });
    runner.run(&strategy, test).unwrap();
}

#[test]
fn gcm_round_trips_and_nothing_changed_ever_opens() {
    let text = "(.|\n|张|三|医|院){0,120}";
    let nonce = "[0-9A-Za-z]{12}";
    let strategy = (text, "[ -~]{32}", nonce, "[a-z_]{0,16}", any::<prop::sample::Index>(), any::<u8>(), 0..2usize);
    run(strategy, |(plaintext, key, nonce, aad, at, flip, which)| {
        let algorithm = [BlockAlgorithm::Aes256, BlockAlgorithm::Sm4][which];
        let key = if algorithm == BlockAlgorithm::Sm4 { key[..16].to_owned() } else { key };
        let scheme = gcm(algorithm, "{apiV3Key}");
        let inputs = Inputs::new()
            .with_secret("apiV3Key", key.clone())
            .with("resource.nonce", nonce.clone())
            .with("resource.associated_data", aad.clone());
        let sealed = cipher::encrypt(&scheme, plaintext.as_bytes(), &inputs).unwrap();
        prop_assert_eq!(cipher::decrypt(&scheme, &sealed, &inputs).unwrap(), plaintext);

        let refused = |inputs: &Inputs, text: &str| cipher::decrypt(&scheme, text, inputs) == Err(CipherError::Tag);
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut raw = base64::Engine::decode(&b64, &sealed).unwrap();
        let i = at.index(raw.len());
        raw[i] ^= flip.max(1);
        prop_assert!(refused(&inputs, &base64::Engine::encode(&b64, &raw)), "byte {} changed", i);
        let mut other_key = key.into_bytes();
        let k = i % other_key.len();
        other_key[k] ^= 1;
        let other_key = inputs.clone().with_secret("apiV3Key", String::from_utf8(other_key).unwrap());
        prop_assert!(refused(&other_key, &sealed));
        let other_aad = inputs.clone().with("resource.associated_data", format!("{aad}x"));
        prop_assert!(refused(&other_aad, &sealed));
        let other_nonce = format!("{}{}", &nonce[1..], if nonce.starts_with('0') { '1' } else { '0' });
        prop_assert!(refused(&inputs.clone().with("resource.nonce", other_nonce), &sealed));
        Ok(())
    });
}
