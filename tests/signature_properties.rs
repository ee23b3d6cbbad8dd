//! Properties of every platform's signature and encryption rule, over random messages with Chinese text, XML's
//! special characters (`<`, `&`, `]]>`), nested objects and arrays.

use hisgate_runtime::cipher;
use hisgate_runtime::schema::{
    Coverage, DigestStep, Direction, Nested, PlatformSchema, ProtocolSchema, SignAlgorithm, SignatureEncoding,
};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::signature::Signer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Number, Value};
use std::str::FromStr;

const TEXT: &str = "[a-zA-Z0-9 张三医院科室挂号费<>&\"'\\]\\[/=.,:;\\n]{1,12}|\\]\\]>|<!\\[CDATA\\[x";

fn text() -> BoxedStrategy<String> {
    prop::string::string_regex(TEXT).unwrap().boxed()
}

fn key() -> BoxedStrategy<String> {
    prop::string::string_regex("[a-zA-Z][a-zA-Z0-9_]{0,7}").unwrap().boxed()
}

fn decimal() -> BoxedStrategy<Value> {
    (-99999i64..99999, 0u32..3)
        .prop_map(|(n, scale)| {
            let text = if scale == 0 {
                n.to_string()
            } else {
                format!("{}.{:0width$}", n / 100, (n % 100).abs(), width = scale as usize)
            };
            Value::Number(Number::from_str(&text).unwrap())
        })
        .boxed()
}

/// Non-empty values: text, numbers, and objects or arrays of them up to three levels deep.
fn value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![3 => text().prop_map(Value::String), 1 => decimal()];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::btree_map(key(), inner.clone(), 1..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            prop::collection::vec(inner, 1..4).prop_map(Value::Array),
        ]
    })
    .boxed()
}

fn protocol(platform: &'static PlatformSchema) -> &'static ProtocolSchema {
    platform.protocol.as_ref().unwrap()
}

/// A message the rule actually signs: declared fields for `covers: declared`, any keys otherwise.
fn message(protocol: &'static ProtocolSchema) -> BoxedStrategy<Map<String, Value>> {
    let rule = &protocol.signature;
    let keys: BoxedStrategy<String> = match rule.covers {
        Coverage::Declared => {
            let declared: Vec<String> = protocol
                .request
                .fields
                .iter()
                .map(|f| f.name.to_string())
                .filter(|n| !rule.exclude.iter().any(|e| e == n))
                .collect();
            prop::sample::select(declared).boxed()
        }
        Coverage::All => key().prop_filter("not excluded", move |k| !rule.exclude.iter().any(|e| e == k)).boxed(),
    };
    prop::collection::btree_map(keys, value(), 1..8).prop_map(|m| m.into_iter().collect()).boxed()
}

/// Credentials from the spec's examples, and a timestamp.
fn inputs(protocol: &ProtocolSchema) -> Inputs {
    let mut inputs = Inputs::new().with("timestamp", "20210407155206");
    for c in protocol.credentials.iter() {
        inputs.set(c.name.to_string(), c.example.as_deref().unwrap_or("example-secret"), c.secret);
    }
    inputs
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) -> Result<(), String>
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config { cases: 96, failure_persistence: None, ..Config::default() });
    runner.run(&strategy, test).map_err(|e| e.to_string())
}

fn for_every_platform(property: impl Fn(&'static ProtocolSchema) -> Result<(), String>) {
    // A rule of the lines form signs a request's line and its body as sent, not pairs of a message: its properties
    // are tests/lines_form.rs's and cli/tests/wechatpay_v3.rs's.
    let failures: Vec<String> = hisgate_generated::PLATFORMS
        .iter()
        .filter(|p| !protocol(p).signature.is_lines())
        .filter_map(|p| property(protocol(p)).err().map(|e| format!("{}: {e}", p.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn canonical_string_does_not_depend_on_field_order() {
    for_every_platform(|protocol| {
        let signer = Signer::for_protocol(protocol, Direction::Request);
        let inputs = inputs(protocol);
        run(message(protocol), |m| {
            let reversed: Map<String, Value> = m.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect();
            prop_assert_eq!(signer.canonical(&m, &inputs).unwrap(), signer.canonical(&reversed, &inputs).unwrap());
            Ok(())
        })
    });
}

#[test]
fn dropped_values_never_appear_and_change_nothing() {
    for_every_platform(|protocol| {
        let signer = Signer::for_protocol(protocol, Direction::Request);
        let inputs = inputs(protocol);
        let candidates = message(protocol).prop_flat_map(|m| {
            let names: Vec<String> = m.keys().cloned().collect();
            (Just(m), prop::sample::select(names), prop::bool::ANY)
        });
        run(candidates, |(mut m, emptied, null)| {
            let before: Map<String, Value> =
                m.iter().filter(|(k, _)| **k != emptied).map(|(k, v)| (k.clone(), v.clone())).collect();
            m.insert(emptied.clone(), if null { Value::Null } else { Value::String(String::new()) });
            let pairs = signer.pairs(&m);
            prop_assert!(pairs.included().all(|e| e.name != emptied));
            prop_assert_eq!(signer.sign(&m, &inputs).unwrap().value, signer.sign(&before, &inputs).unwrap().value);
            Ok(())
        })
    });
}

#[test]
fn excluded_fields_never_change_the_signature() {
    for_every_platform(|protocol| {
        let signer = Signer::for_protocol(protocol, Direction::Request);
        let inputs = inputs(protocol);
        let excluded: Vec<String> = protocol.signature.exclude.iter().map(|e| e.to_string()).collect();
        run((message(protocol), prop::sample::select(excluded), value()), |(m, name, v)| {
            let mut with = m.clone();
            with.insert(name, v);
            prop_assert_eq!(signer.sign(&m, &inputs).unwrap().value, signer.sign(&with, &inputs).unwrap().value);
            Ok(())
        })
    });
}

#[test]
fn sign_then_verify_holds_and_any_change_breaks_it() {
    for_every_platform(|protocol| {
        let signer = Signer::for_protocol(protocol, Direction::Request);
        let inputs = inputs(protocol);
        let cases = message(protocol).prop_flat_map(|m| {
            let names: Vec<String> = m.keys().cloned().collect();
            (Just(m), prop::sample::select(names), text())
        });
        run(cases, |(m, changed, replacement)| {
            let signature = signer.sign(&m, &inputs).unwrap().value;
            prop_assert!(signer.verify(&m, &inputs, &signature).is_ok());
            // A covered field with another value.
            let mut tampered = m.clone();
            let new = match &m[&changed] {
                Value::String(s) => format!("{s}{replacement}"),
                _ => replacement.clone(),
            };
            tampered.insert(changed, Value::String(new));
            prop_assert!(signer.verify(&tampered, &inputs, &signature).is_err());
            // Another key.
            let mut other_key = inputs.clone();
            for c in protocol.credentials.iter().filter(|c| c.secret) {
                other_key.set(c.name.to_string(), format!("{}X", inputs.get(&c.name).unwrap()), true);
            }
            prop_assert!(signer.verify(&m, &other_key, &signature).is_err());
            Ok(())
        })
    });
}

#[test]
fn encrypt_then_decrypt_is_the_identity() {
    for_every_platform(|protocol| {
        let Some(rule) = &protocol.encryption else { return Ok(()) };
        for scheme in rule.schemes.iter() {
            // A GCM scheme reads its nonce and associated data from message fields, here given as inputs.
            let inputs = scheme
                .gcm()
                .into_iter()
                .flat_map(|gcm| [&gcm.nonce, &gcm.associated_data])
                .flatten()
                .fold(inputs(protocol), |inputs, field| inputs.with(field.to_string(), "0123456789ab"));
            run(prop::string::string_regex("(.|\n){0,200}").unwrap(), |plaintext| {
                let ciphertext = cipher::encrypt(scheme, plaintext.as_bytes(), &inputs).unwrap();
                prop_assert_eq!(cipher::decrypt(scheme, &ciphertext, &inputs).unwrap(), plaintext);
                Ok(())
            })?;
        }
        Ok(())
    });
}

#[test]
fn glorycard_numbers_equal_as_decimals_sign_equally() {
    let protocol = protocol(&hisgate_generated::glorycard::PLATFORM);
    let signer = Signer::for_protocol(protocol, Direction::Request);
    let inputs = inputs(protocol);
    let result = run((message(protocol), key(), -99999i64..99999, 0usize..4), |(mut m, name, n, zeros)| {
        m.insert(name.clone(), Value::Number(Number::from(n)));
        let plain = signer.sign(&m, &inputs).unwrap().value;
        let padded = format!("{n}.{}", "0".repeat(zeros.max(1)));
        m.insert(name.clone(), Value::Number(Number::from_str(&padded).unwrap()));
        prop_assert_eq!(&signer.sign(&m, &inputs).unwrap().value, &plain);
        m.insert(name, Value::Number(Number::from_str(&format!("{n}e0")).unwrap()));
        prop_assert_eq!(signer.sign(&m, &inputs).unwrap().value, plain);
        Ok(())
    });
    assert!(result.is_ok(), "{result:?}");
}

/// Rebuilds a message from its flattened pairs; that this inverts flattening proves flattening injective where
/// keys cannot contain `.`, `[` or `]`.
fn unflatten(pairs: &[(String, String)]) -> Value {
    fn insert(into: &mut Value, path: &[Step], leaf: &str) {
        let Some((first, rest)) = path.split_first() else {
            *into = Value::String(leaf.to_owned());
            return;
        };
        let slot = match first {
            Step::Key(k) => {
                if !into.is_object() {
                    *into = Value::Object(Map::new());
                }
                into.as_object_mut().unwrap().entry(k.clone()).or_insert(Value::Null)
            }
            Step::Index(i) => {
                if !into.is_array() {
                    *into = Value::Array(Vec::new());
                }
                let items = into.as_array_mut().unwrap();
                while items.len() <= *i {
                    items.push(Value::Null);
                }
                &mut items[*i]
            }
        };
        insert(slot, rest, leaf);
    }
    let mut root = Value::Object(Map::new());
    for (path, leaf) in pairs {
        insert(&mut root, &steps(path), leaf);
    }
    root
}

enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, indices) = part.split_once('[').map_or((part, ""), |(n, rest)| (n, rest));
        out.push(Step::Key(name.to_owned()));
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            out.push(Step::Index(index.trim_end_matches(']').parse().unwrap()));
        }
    }
    out
}

/// The message with its numbers written as the rule writes them.
fn as_signed_text(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), as_signed_text(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(as_signed_text).collect()),
        Value::Number(n) => Value::String(hisgate_runtime::signature::canonical::number(
            hisgate_runtime::schema::Numbers::Shortest,
            &n.to_string(),
        )),
        other => other.clone(),
    }
}

#[test]
fn flattening_is_injective_where_keys_carry_no_separators() {
    let protocol = protocol(&hisgate_generated::glorycard::PLATFORM);
    assert_eq!(protocol.signature.nested, Nested::Flatten);
    let signer = Signer::for_protocol(protocol, Direction::Request);
    let result = run(message(protocol), |m| {
        let pairs: Vec<(String, String)> =
            signer.pairs(&m).included().map(|e| (e.name.to_string(), e.value.to_string())).collect();
        prop_assert_eq!(unflatten(&pairs), as_signed_text(&Value::Object(m)));
        Ok(())
    });
    assert!(result.is_ok(), "{result:?}");
}

const SM2_PRIVATE: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const SM2_PUBLIC: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";

/// `original` under a rule that signs with `{privateKey}` (verifying with `{peerPublicKey}`), then writes `text`.
fn signing_with(original: &ProtocolSchema, algorithm: SignAlgorithm, text: DigestStep) -> ProtocolSchema {
    let mut protocol = original.clone();
    protocol.signature.suffix = "".into();
    protocol.signature.prefix = "".into();
    let step =
        DigestStep::Sign { algorithm, private: "{privateKey}".into(), public: "{peerPublicKey}".into(), key_id: None };
    protocol.signature.digest = vec![step, text].into();
    protocol
}

fn sm2(encoding: SignatureEncoding) -> SignAlgorithm {
    SignAlgorithm::Sm2Sm3 { user_id: "1234567812345678".into(), encoding }
}

/// A message of the platform, one of its fields, and text to change that field with.
fn message_and_change(
    protocol: &'static ProtocolSchema,
) -> impl Strategy<Value = (Map<String, Value>, String, String)> {
    message(protocol).prop_flat_map(|m| {
        let names: Vec<String> = m.keys().cloned().collect();
        (Just(m), prop::sample::select(names), text())
    })
}

/// Each platform's envelope under the signing rules: RSA2, and SM2 in both encodings. A signature made with the
/// private key verifies with the public key alone; a changed field, or another party's public key, never does.
#[test]
fn signing_rules_verify_with_the_public_key_and_nothing_else() {
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys");
    let rsa = (keys.join("rsa-test-private.pem"), keys.join("rsa-test-public.pem"));
    let (rsa_private, rsa_public) = (rsa.0.to_str().unwrap().to_owned(), rsa.1.to_str().unwrap().to_owned());
    let rules = [
        (SignAlgorithm::RsaSha256, rsa_private.clone(), rsa_public.clone(), DigestStep::Base64),
        (sm2(SignatureEncoding::Der), SM2_PRIVATE.to_owned(), SM2_PUBLIC.to_owned(), DigestStep::Base64),
        (sm2(SignatureEncoding::Raw), SM2_PRIVATE.to_owned(), SM2_PUBLIC.to_owned(), DigestStep::HexLower),
    ];
    for (algorithm, private, public, encoding) in rules {
        for_every_platform(|original| {
            let protocol = signing_with(original, algorithm.clone(), encoding.clone());
            let signer = Signer::for_protocol(&protocol, Direction::Request);
            let sender = inputs(&protocol).with_secret("privateKey", private.clone());
            let receiver = inputs(&protocol).with("peerPublicKey", public.clone());
            // Another party's public key.
            let stranger = match algorithm {
                SignAlgorithm::RsaSha256 => inputs(&protocol).with("peerPublicKey", tampered_rsa_public(&public)),
                _ => inputs(&protocol).with("peerPublicKey", other_sm2_public()),
            };
            let config = Config { cases: 12, failure_persistence: None, ..Config::default() };
            TestRunner::new(config)
                .run(&message_and_change(original), |(m, changed, replacement)| {
                    let signature = signer.sign(&m, &sender).unwrap().value;
                    prop_assert!(signer.verify(&m, &receiver, &signature).is_ok());
                    let mut tampered = m.clone();
                    let new = match &m[&changed] {
                        Value::String(s) => format!("{s}{replacement}"),
                        _ => replacement.clone(),
                    };
                    tampered.insert(changed, Value::String(new));
                    prop_assert!(signer.verify(&tampered, &receiver, &signature).is_err());
                    let other = signer.verify(&m, &stranger, &signature).unwrap_err().to_string();
                    // Refused as not verifying under that key, not as an unreadable key.
                    prop_assert!(other.starts_with("signature does not verify"), "{}", other);
                    Ok(())
                })
                .map_err(|e| e.to_string())
        });
    }
}

/// `sm2-sm3 … either`: the DER and the raw `r‖s` of one signature both verify, over any message of any platform; a
/// changed field verifies in neither form.
#[test]
fn sm2_either_accepts_der_and_raw_of_one_signature() {
    let with = |original, encoding| signing_with(original, sm2(encoding), DigestStep::Base64);
    for_every_platform(|original| {
        let (der, raw, either) = (
            with(original, SignatureEncoding::Der),
            with(original, SignatureEncoding::Raw),
            with(original, SignatureEncoding::Either),
        );
        let (der, raw, either) = (
            Signer::for_protocol(&der, Direction::Request),
            Signer::for_protocol(&raw, Direction::Request),
            Signer::for_protocol(&either, Direction::Request),
        );
        let sender = inputs(original).with_secret("privateKey", SM2_PRIVATE);
        let receiver = inputs(original).with("peerPublicKey", SM2_PUBLIC);
        let config = Config { cases: 12, failure_persistence: None, ..Config::default() };
        TestRunner::new(config)
            .run(&message_and_change(original), |(m, changed, replacement)| {
                let as_der = der.sign(&m, &sender).unwrap().value;
                let as_raw = raw.sign(&m, &sender).unwrap().value;
                prop_assert!(either.verify(&m, &receiver, &as_der).is_ok(), "DER");
                prop_assert!(either.verify(&m, &receiver, &as_raw).is_ok(), "raw");
                // What `either` writes is DER.
                let written = either.sign(&m, &sender).unwrap().value;
                prop_assert!(der.verify(&m, &receiver, &written).is_ok());
                let mut tampered = m.clone();
                tampered.insert(changed, Value::String(replacement + "改"));
                prop_assert!(either.verify(&tampered, &receiver, &as_der).is_err());
                prop_assert!(either.verify(&tampered, &receiver, &as_raw).is_err());
                Ok(())
            })
            .map_err(|e| e.to_string())
    });
}

/// A public key of another RSA pair: the fixture's own modulus with one bit flipped is not a key any private key
/// here matches (and still parses).
fn tampered_rsa_public(path: &str) -> String {
    use base64::Engine;
    let pem = std::fs::read_to_string(path).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let at = der.len() - 40;
    der[at] ^= 0x01;
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// Another party's SM2 public key (x‖y of private scalar 59276E27…BC21, computed by gmssl).
fn other_sm2_public() -> String {
    "04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0".to_owned()
}
