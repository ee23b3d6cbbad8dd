//! GCM against implementations no one here wrote: a spec whose scheme is `aes-256-gcm` (WeChat Pay v3's
//! AEAD_AES_256_GCM: the APIv3 key, the nonce and associated data from message fields, Base64 of ciphertext‖tag)
//! encrypts with `hisgate encrypt` and is opened by Python's `cryptography` (AESGCM) and the JDK's
//! `Cipher("AES/GCM/NoPadding")`, and the other way round through `hisgate decrypt`; a changed byte, another key
//! or other associated data is refused by both.

use base64::Engine;
use hisgate_tests::interop::{Jdk, python_with, run_python};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

const KEY: &str = "0123456789abcdefghijklmnopqrstuv";
const OTHER_KEY: &str = "vutsrqponmlkjihgfedcba9876543210";
const NONCE: &str = "46c9a7e2f1b3";
const AAD: &str = "transaction";
const PLAINTEXT: &str = r#"{"out_trade_no":"1217752501201407033233368018","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"description":"陕西测试医院-挂号费","amount":{"total":100}}"#;

/// specs/shaanxi with its encryption replaced by one GCM scheme keyed by `apiV3Key`, reading its nonce and
/// associated data from the fields `nonce` and `associated_data`.
fn gcm_spec(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let spec = dir.join("shaanxi");
    assert!(Command::new("cp").arg("-r").arg(root.join("specs/shaanxi")).arg(&spec).status().unwrap().success());
    let protocol = spec.join("protocol.yaml");
    let text = std::fs::read_to_string(&protocol).unwrap();
    let scheme = "      cipher: aes-128-ecb\n      padding: pkcs5\n      encoding: base64\n      key: \"{key}\"\n";
    assert!(text.contains(scheme));
    let gcm = "      cipher: aes-256-gcm\n      encoding: base64\n      key: \"{apiV3Key}\"\n      nonce: nonce\n      associated_data: associated_data\n";
    let text = text
        .replace(scheme, gcm)
        .replace("credentials:\n", "credentials:\n  - { name: apiV3Key, title: APIv3密钥, secret: true }\n");
    std::fs::write(&protocol, text).unwrap();
    spec
}

fn hisgate(way: &str, spec: &Path, key: &str, aad: &str, stdin: Value) -> Output {
    let (key, nonce, aad) = (format!("apiV3Key={key}"), format!("nonce={NONCE}"), format!("associated_data={aad}"));
    let spec = spec.to_str().unwrap();
    let args = [way, "--spec", spec, "--set", &key, "--set", &nonce, "--set", &aad];
    support::hisgate_with(&args, &stdin.to_string(), &[])
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {} / {}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    })
}

/// hisgate's ciphertext of PLAINTEXT.
fn sealed_by_hisgate(spec: &Path) -> String {
    let sealed = json(&hisgate("encrypt", spec, KEY, AAD, json!({ "plaintext": PLAINTEXT })));
    sealed["ciphertext"].as_str().unwrap_or_else(|| panic!("{sealed}")).to_owned()
}

/// What `hisgate decrypt` makes of `ciphertext`: the plaintext, or the refusal's text.
fn opened_by_hisgate(spec: &Path, key: &str, aad: &str, ciphertext: &str) -> Result<String, String> {
    let opened = hisgate("decrypt", spec, key, aad, json!({ "ciphertext": ciphertext }));
    let value = json(&opened);
    match value["plaintext"].as_str() {
        Some(text) => Ok(text.to_owned()),
        None => Err(value.to_string()),
    }
}

/// The ciphertext with one byte of its tag flipped, still Base64.
fn tampered(ciphertext: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut raw = b64.decode(ciphertext).unwrap();
    *raw.last_mut().unwrap() ^= 1;
    b64.encode(raw)
}

fn assert_refused(outcome: Result<String, String>) {
    let refusal = outcome.expect_err("a changed message must not decrypt");
    assert!(refusal.contains("the GCM tag does not match"), "{refusal}");
}

const PY_SEAL: &str = r#"
import sys, base64
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key, nonce, aad, text = (a.encode() for a in sys.argv[1:5])
print(base64.b64encode(AESGCM(key).encrypt(nonce, text, aad)).decode())
"#;

const PY_OPEN: &str = r#"
import sys, base64
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key, nonce, aad = (a.encode() for a in sys.argv[1:4])
try:
    print(AESGCM(key).decrypt(nonce, base64.b64decode(sys.argv[4]), aad).decode())
except InvalidTag:
    print("refused")
"#;

#[test]
fn aes_256_gcm_opens_both_ways_with_python_cryptography() {
    let Some(python) = python_with("cryptography") else { return };
    let dir = tempfile::tempdir().unwrap();
    let spec = gcm_spec(dir.path());

    let ours = sealed_by_hisgate(&spec);
    assert_eq!(run_python(&python, PY_OPEN, &[KEY, NONCE, AAD, &ours]), PLAINTEXT);
    assert_eq!(run_python(&python, PY_OPEN, &[KEY, NONCE, "refund", &ours]), "refused");
    assert_eq!(run_python(&python, PY_OPEN, &[KEY, NONCE, AAD, &tampered(&ours)]), "refused");

    let theirs = run_python(&python, PY_SEAL, &[KEY, NONCE, AAD, PLAINTEXT]);
    assert_eq!(theirs, ours, "GCM is deterministic under one key, nonce and associated data");
    assert_eq!(opened_by_hisgate(&spec, KEY, AAD, &theirs).as_deref(), Ok(PLAINTEXT));
    assert_refused(opened_by_hisgate(&spec, OTHER_KEY, AAD, &theirs));
    assert_refused(opened_by_hisgate(&spec, KEY, "refund", &theirs));
    assert_refused(opened_by_hisgate(&spec, KEY, AAD, &tampered(&theirs)));
}

#[test]
fn aes_256_gcm_opens_both_ways_with_the_jdks_cipher() {
    let Some(jdk) = Jdk::compile() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spec = gcm_spec(dir.path());
    let b64 = base64::engine::general_purpose::STANDARD;
    let java = |args: &[&str]| jdk.spawn("Gcm", args).output().trim().to_owned();

    let ours = sealed_by_hisgate(&spec);
    let opened = java(&["open", KEY, NONCE, AAD, &ours]);
    assert_eq!(String::from_utf8(b64.decode(opened).unwrap()).unwrap(), PLAINTEXT);
    assert_eq!(java(&["open", OTHER_KEY, NONCE, AAD, &ours]), "refused");
    assert_eq!(java(&["open", KEY, NONCE, AAD, &tampered(&ours)]), "refused");

    let theirs = java(&["seal", KEY, NONCE, AAD, &b64.encode(PLAINTEXT)]);
    assert_eq!(theirs, ours, "GCM is deterministic under one key, nonce and associated data");
    assert_eq!(opened_by_hisgate(&spec, KEY, AAD, &theirs).as_deref(), Ok(PLAINTEXT));
    assert_refused(opened_by_hisgate(&spec, KEY, "", &theirs));
}
