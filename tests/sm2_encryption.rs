//! SM2 public-key encryption as a scheme of the encryption rule: any text round-trips in every form and encoding,
//! a changed byte or another private key never opens, and the envelope seals and opens with it (shaanxi's protocol
//! with its AES scheme replaced), refusing what does not decrypt as a cipher error — the `decrypt` failure code.
//! The other libraries' side is cli/tests/sm2_encryption_interop.rs.

use hisgate_generated::shaanxi;
use hisgate_runtime::cipher::{self, CipherError};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, EnvelopeError, Format, Payload};
use hisgate_runtime::schema::*;
use hisgate_runtime::secret::Inputs;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

/// GM/T 0003.5's example private key (any scalar below the group order would do), and another.
const PRIVATE: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const OTHER_PRIVATE: &str = "0000000000000000000000000000000000000000000000000000000000000007";

fn public_of(private: &str) -> String {
    use sm2::elliptic_curve::sec1::ToSec1Point;
    let secret = sm2::SecretKey::from_slice(&base16ct::mixed::decode_vec(private).unwrap()).unwrap();
    base16ct::upper::encode_string(secret.public_key().to_sec1_point(false).as_bytes())
}

fn scheme(form: Sm2Form, encoding: TextEncoding) -> CipherScheme {
    CipherScheme {
        name: Str::Borrowed("SM2"),
        cipher: SchemeCipher::Sm2(Sm2Cipher {
            form,
            encoding,
            public: Str::Borrowed("{peerPublicKey}"),
            private: Str::Borrowed("{privateKey}"),
        }),
    }
}

fn inputs(private: &str) -> Inputs {
    Inputs::new()
        .with_secret("key", "2098D32C4D1399EC")
        .with("partner", "TEST_WX")
        .with("hospitalCode", "0")
        .with("service", "TestNet")
        .with_secret("privateKey", private)
        .with("peerPublicKey", public_of(PRIVATE))
}

#[test]
fn sm2_round_trips_and_nothing_changed_or_under_another_key_ever_opens() {
    // Each case costs a few scalar multiplications, slow in a debug build: fewer cases than the symmetric ones.
    let mut runner = TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    let text = "(.|\n|张|三|医|院){1,120}";
    let strategy = (text, 0..Sm2Form::ALL.len(), 0..3usize, any::<prop::sample::Index>(), 1..=255u8);
    let encodings = [TextEncoding::Base64, TextEncoding::HexUpper, TextEncoding::HexLower];
    runner
        .run(&strategy, |(plaintext, form, encoding, at, flip)| {
            let (form, encoding) = (Sm2Form::ALL[form], encodings[encoding]);
            let scheme = scheme(form, encoding);
            let sealed = cipher::encrypt(&scheme, plaintext.as_bytes(), &inputs(PRIVATE)).unwrap();
            prop_assert_eq!(cipher::decrypt(&scheme, &sealed, &inputs(PRIVATE)).unwrap(), plaintext.clone());

            let refused = cipher::decrypt(&scheme, &sealed, &inputs(OTHER_PRIVATE));
            prop_assert!(matches!(refused, Err(CipherError::Sm2 { .. })), "another key: {:?}", refused);
            let mut raw = cipher::decode(encoding, &sealed).unwrap();
            let i = at.index(raw.len());
            raw[i] ^= flip;
            let changed = cipher::decrypt(&scheme, &cipher::encode(encoding, &raw), &inputs(PRIVATE));
            // Whatever a changed byte breaks (the point, the DER, the hash), it never yields a plaintext.
            prop_assert!(changed.is_err(), "byte {} of {:?} changed: {:?}", i, form, changed);
            Ok(())
        })
        .unwrap();
}

/// shaanxi's protocol with its AES scheme replaced by SM2 in `form`.
fn sm2_protocol(form: Sm2Form) -> ProtocolSchema {
    let mut protocol = shaanxi::PLATFORM.protocol.clone().unwrap();
    let rule = protocol.encryption.as_mut().unwrap();
    rule.schemes = Seq::Owned(vec![scheme(form, TextEncoding::Base64)]);
    protocol
}

#[test]
fn the_envelope_seals_and_opens_under_sm2_and_refuses_another_key_or_order() {
    let form = Sm2Form::Raw { order: Sm2Order::C1C3C2, point: PointPrefix::With04 };
    let protocol = sm2_protocol(form);
    let envelope = Envelope::new(&protocol, Direction::Request);
    let payload = json!({"ip": "127.0.0.1", "memo": "陕西测试医院"});
    let sealed =
        envelope.seal(Payload { value: &payload, schema: None, root: None }, Format::Json, &inputs(PRIVATE)).unwrap();
    assert!(!sealed.body.contains("陕西测试医院"), "{}", sealed.body);
    let open = |envelope: &Envelope, private: &str| {
        envelope.open(&sealed.body, &sealed.headers, Format::Json, &inputs(private), Limits::default())
    };
    assert_eq!(open(&envelope, PRIVATE).unwrap().payload, payload);

    let refused = open(&envelope, OTHER_PRIVATE).unwrap_err();
    assert!(matches!(refused, EnvelopeError::Cipher(CipherError::Sm2 { .. })), "{refused:?}");
    // The receiver's spec says C1C2C3: refused, naming what the sender wrote.
    let other = sm2_protocol(Sm2Form::Raw { order: Sm2Order::C1C2C3, point: PointPrefix::With04 });
    let refused = open(&Envelope::new(&other, Direction::Request), PRIVATE).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "encryption: the SM2 ciphertext is C1C3C2 with C1's 04 prefix; the spec says `order: c1c2c3` (it decrypts as \
         the former: declare what the counterpart writes)"
    );
}

#[test]
fn unreadable_keys_and_an_empty_text_are_errors_that_never_echo_the_key() {
    let scheme = scheme(Sm2Form::ALL[0], TextEncoding::HexLower);
    let inputs = inputs("not-a-secret-key-ZZZZ").with("peerPublicKey", "ZZZZ-not-a-point");
    let error = cipher::encrypt(&scheme, b"x", &inputs).unwrap_err();
    assert!(error.to_string().starts_with("the public key is not an SM2 public key"), "{error}");
    assert!(!error.to_string().contains("ZZZZ"), "{error}");
    let error = cipher::decrypt(&scheme, &"04".repeat(100), &inputs).unwrap_err();
    assert!(error.to_string().starts_with("the private key is not an SM2 private key"), "{error}");
    assert!(!error.to_string().contains("ZZZZ"), "{error}");
    let empty = cipher::encrypt(&scheme, b"", &self::inputs(PRIVATE));
    assert_eq!(empty, Err(CipherError::Sm2Empty));
}
