//! The envelope step under the rules that sign with a private key or encrypt with an AEAD or a public key, beside
//! the bare primitive in the same run: RSA-2048 (PKCS#1 v1.5 over SHA-256) and SM2 (SM3, DER) signing and verifying
//! shaanxi's largest response, AES-256-GCM sealing it into a WeChat-style `resource` box, and SM2 encrypting it. The primitive is the
//! RustCrypto call alone with the key parsed once and the canonical string already built; the envelope step is
//! everything hisgate does (writing the envelope, the canonical string, reading the key from its PEM or hex text,
//! the cipher). `cargo bench -p hisgate-tests --bench asymmetric`; the README quotes the ratios.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, Format};
use hisgate_runtime::schema::*;
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::signature::Signer;
use std::hint::black_box;
use std::path::Path;

const PAYLOAD: &str = "bench/QueryRegister.response.10-orders.xml";
/// A fixed SM2 private key for the run (any scalar below the group order).
const SM2_PRIVATE: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// shaanxi's protocol signing with `algorithm` under the credentials `privateKey` and `peerPublicKey`.
fn signing(algorithm: SignAlgorithm) -> ProtocolSchema {
    let mut protocol = hisgate_generated::shaanxi::PLATFORM.protocol.clone().unwrap();
    protocol.signature.suffix = Str::Borrowed("");
    let sign = DigestStep::Sign {
        algorithm,
        private: Str::Borrowed("{privateKey}"),
        public: Str::Borrowed("{peerPublicKey}"),
        key_id: None,
    };
    protocol.signature.digest = Seq::Owned(vec![sign, DigestStep::Base64]);
    protocol
}

fn inputs(private: &str, public: &str) -> Inputs {
    Inputs::new()
        .with_secret("key", "2098D32C4D1399EC")
        .with("partner", "TEST_WX")
        .with("hospitalCode", "0")
        .with("service", "QueryRegister")
        .with("resultCode", "SUCCESS")
        .with("resultMessage", "成功")
        .with_secret("privateKey", private)
        .with("peerPublicKey", public)
}

/// The envelope's build and parse, and the bare primitive's sign and verify over the same canonical string.
fn signing_group(
    c: &mut Criterion,
    name: &str,
    protocol: &ProtocolSchema,
    inputs: &Inputs,
    sign: impl Fn(&[u8]) -> Vec<u8>,
    verify: impl Fn(&[u8], &[u8]),
) {
    let text = std::fs::read_to_string(fixtures().join(PAYLOAD)).unwrap();
    let envelope = Envelope::new(protocol, Direction::Response);
    let sealed = envelope.seal_text(&text, Format::Xml, inputs).unwrap();
    let raw = envelope.raw_crypto(&sealed, &text, Format::Xml, inputs).unwrap();
    // The canonical string as the receiver verifies it: the sealed message's own.
    let body = hisgate_runtime::codec::xml::parse(&sealed.body, Limits::default()).unwrap().value;
    let serde_json::Value::Object(fields) = body else { panic!("an envelope") };
    let canonical = Signer::for_protocol(protocol, Direction::Response).canonical(&fields, inputs).unwrap();
    let signature = sign(canonical.as_bytes());
    verify(canonical.as_bytes(), &signature);
    let mut group = c.benchmark_group(name);
    group.bench_function(BenchmarkId::new("sign", "envelope build"), |b| {
        b.iter(|| envelope.seal_text(black_box(&text), Format::Xml, inputs).unwrap())
    });
    group.bench_function(BenchmarkId::new("sign", "hisgate digest chain"), |b| b.iter(|| raw.build().unwrap()));
    group.bench_function(BenchmarkId::new("sign", "bare primitive"), |b| {
        b.iter(|| sign(black_box(canonical.as_bytes())))
    });
    group.bench_function(BenchmarkId::new("verify", "envelope parse"), |b| {
        b.iter(|| {
            envelope
                .open_text(black_box(&sealed.body), &sealed.headers, Format::Xml, inputs, Limits::default())
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("verify", "bare primitive"), |b| {
        b.iter(|| verify(black_box(canonical.as_bytes()), &signature))
    });
    group.finish();
}

fn rsa2(c: &mut Criterion) {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::{SignatureEncoding, Signer as _, Verifier as _};
    let private = std::fs::read_to_string(fixtures().join("keys/rsa-test-private.pem")).unwrap();
    let public = std::fs::read_to_string(fixtures().join("keys/rsa-test-public.pem")).unwrap();
    let signer =
        rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(rsa::RsaPrivateKey::from_pkcs1_pem(&private).unwrap());
    let verifier =
        rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(rsa::RsaPublicKey::from_public_key_pem(&public).unwrap());
    signing_group(
        c,
        "RSA-2048 SHA256withRSA, shaanxi QueryRegister 10 orders",
        &signing(SignAlgorithm::RsaSha256),
        &inputs(&private, &public),
        |data| signer.sign(data).to_vec(),
        |data, signature| {
            let signature = rsa::pkcs1v15::Signature::try_from(signature).unwrap();
            verifier.verify(data, &signature).unwrap()
        },
    );
}

/// The run's SM2 key pair: the secret, and the public key as uncompressed hex.
fn sm2_key() -> (sm2::SecretKey, String) {
    use sm2::elliptic_curve::sec1::ToSec1Point;
    let secret = sm2::SecretKey::from_slice(&base16ct::mixed::decode_vec(SM2_PRIVATE).unwrap()).unwrap();
    let public = base16ct::upper::encode_string(secret.public_key().to_sec1_point(false).as_bytes());
    (secret, public)
}

fn sm2(c: &mut Criterion) {
    use sm2::dsa::signature::{Signer as _, Verifier as _};
    let (secret, public) = sm2_key();
    let user_id = "1234567812345678";
    let signer = sm2::dsa::SigningKey::new(user_id, &secret).unwrap();
    let verifier = sm2::dsa::VerifyingKey::new(user_id, secret.public_key()).unwrap();
    let algorithm = SignAlgorithm::Sm2Sm3 { user_id: Str::Borrowed(user_id), encoding: SignatureEncoding::Raw };
    signing_group(
        c,
        "SM2 SM3withSM2, shaanxi QueryRegister 10 orders",
        &signing(algorithm),
        &inputs(SM2_PRIVATE, &public),
        |data| {
            let signature: sm2::dsa::Signature = signer.sign(data);
            signature.to_bytes().to_vec()
        },
        |data, signature| verifier.verify(data, &sm2::dsa::Signature::from_slice(signature).unwrap()).unwrap(),
    );
}

fn gcm(c: &mut Criterion) {
    use aes_gcm::aead::{Aead, Payload};
    use aes_gcm::{Aes256Gcm, KeyInit};
    let text = std::fs::read_to_string(fixtures().join(PAYLOAD)).unwrap();
    let mut protocol = hisgate_generated::shaanxi::PLATFORM.protocol.clone().unwrap();
    protocol.response.payload =
        PayloadPlacement { field: None, ciphertext: Some(Str::Borrowed("resource.ciphertext")) };
    protocol.encryption = Some(EncryptionRule {
        select: None,
        description: Str::Borrowed(""),
        schemes: Seq::Owned(vec![hisgate_tests::schemes::gcm_resource(
            "AEAD_AES_256_GCM",
            BlockAlgorithm::Aes256,
            "{key}{key}",
        )]),
    });
    let inputs = inputs("", "").with("resource.associated_data", "transaction");
    let envelope = Envelope::new(&protocol, Direction::Response);
    let sealed = envelope.seal_text(&text, Format::Xml, &inputs).unwrap();
    let cipher = Aes256Gcm::new_from_slice(b"2098D32C4D1399EC2098D32C4D1399EC").unwrap();
    let nonce = aes_gcm::Nonce::try_from(&b"0123456789ab"[..]).unwrap();
    let payload = || Payload { msg: text.as_bytes(), aad: b"transaction" };
    let boxed = cipher.encrypt(&nonce, payload()).unwrap();
    let mut group = c.benchmark_group("AES-256-GCM resource box (MD5 signature), shaanxi QueryRegister 10 orders");
    group.bench_function(BenchmarkId::new("seal", "envelope build"), |b| {
        b.iter(|| envelope.seal_text(black_box(&text), Format::Xml, &inputs).unwrap())
    });
    group.bench_function(BenchmarkId::new("seal", "bare AES-256-GCM"), |b| {
        b.iter(|| cipher.encrypt(&nonce, black_box(payload())).unwrap())
    });
    group.bench_function(BenchmarkId::new("open", "envelope parse"), |b| {
        b.iter(|| {
            envelope
                .open_text(black_box(&sealed.body), &sealed.headers, Format::Xml, &inputs, Limits::default())
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("open", "bare AES-256-GCM"), |b| {
        b.iter(|| cipher.decrypt(&nonce, Payload { msg: black_box(&boxed), aad: b"transaction" }).unwrap())
    });
    group.finish();
}

/// SM2 public-key encryption of shaanxi's response payload (C1C3C2 with the 04, Base64, MD5-signed envelope), beside
/// RustCrypto's `EncryptingKey::encrypt` and `DecryptingKey::decrypt` with the keys parsed once.
fn sm2_encryption(c: &mut Criterion) {
    use sm2::elliptic_curve::common::getrandom::SysRng;
    use sm2::pke::{DecryptingKey, EncryptingKey, Mode};
    let text = std::fs::read_to_string(fixtures().join(PAYLOAD)).unwrap();
    let (secret, public) = sm2_key();
    let mut protocol = hisgate_generated::shaanxi::PLATFORM.protocol.clone().unwrap();
    protocol.encryption.as_mut().unwrap().schemes = Seq::Owned(vec![CipherScheme {
        name: Str::Borrowed("SM2"),
        cipher: SchemeCipher::Sm2(Sm2Cipher {
            form: Sm2Form::Raw { order: Sm2Order::C1C3C2, point: PointPrefix::With04 },
            encoding: TextEncoding::Base64,
            public: Str::Borrowed("{peerPublicKey}"),
            private: Str::Borrowed("{privateKey}"),
        }),
    }]);
    let inputs = inputs(SM2_PRIVATE, &public);
    let envelope = Envelope::new(&protocol, Direction::Response);
    let sealed = envelope.seal_text(&text, Format::Xml, &inputs).unwrap();
    let encrypting = EncryptingKey::new_with_mode(secret.public_key(), Mode::C1C3C2);
    let decrypting = DecryptingKey::new_with_mode(secret.to_nonzero_scalar(), Mode::C1C3C2);
    let ciphertext = encrypting.encrypt(&mut SysRng, text.as_bytes()).unwrap();
    let mut group = c.benchmark_group("SM2 encryption C1C3C2 (MD5 signature), shaanxi QueryRegister 10 orders");
    group.bench_function(BenchmarkId::new("encrypt", "envelope build"), |b| {
        b.iter(|| envelope.seal_text(black_box(&text), Format::Xml, &inputs).unwrap())
    });
    group.bench_function(BenchmarkId::new("encrypt", "bare SM2 encrypt"), |b| {
        b.iter(|| encrypting.encrypt(&mut SysRng, black_box(text.as_bytes())).unwrap())
    });
    group.bench_function(BenchmarkId::new("decrypt", "envelope parse"), |b| {
        b.iter(|| {
            envelope
                .open_text(black_box(&sealed.body), &sealed.headers, Format::Xml, &inputs, Limits::default())
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("decrypt", "bare SM2 decrypt"), |b| {
        b.iter(|| decrypting.decrypt(black_box(&ciphertext)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, rsa2, sm2, gcm, sm2_encryption);
criterion_main!(benches);
