//! SM2 public-key encryption against implementations no one here wrote: a spec whose scheme is `cipher: sm2`
//! encrypts with `hisgate encrypt` under the counterpart's public key, and the npm package `sm-crypto`
//! (`sm2.doDecrypt`), Python's `gmssl` (`CryptSM2.decrypt`) and OpenSSL (`pkeyutl -decrypt`, GM/T 0009 DER)
//! decrypt it with the private key; and the other way round through `hisgate decrypt`, in both orders (C1C3C2 and
//! C1C2C3). A changed byte or another private key is refused, and a ciphertext in the other order is refused
//! naming the order it is in.

use hisgate_tests::interop::{node_with, python_with, run_node, run_python};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

const PLAINTEXT: &str = r#"{"patientName":"张三","idCardNo":"610102199001011234","fee":"12.50","memo":"<挂号>&]]>"}"#;

/// specs/shaanxi with its AES scheme replaced by SM2 under `peerPublicKey` (encrypting) and `privateKey`
/// (decrypting), the ciphertext in `form` (`order`/`point` lines, or `form: der`) and `encoding`.
fn sm2_spec(dir: &Path, form: &str, encoding: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let spec = dir.join("shaanxi");
    std::fs::create_dir_all(dir).unwrap();
    assert!(Command::new("cp").arg("-r").arg(root.join("specs/shaanxi")).arg(&spec).status().unwrap().success());
    let protocol = spec.join("protocol.yaml");
    let text = std::fs::read_to_string(&protocol).unwrap();
    let aes = "      cipher: aes-128-ecb\n      padding: pkcs5\n      encoding: base64\n      key: \"{key}\"\n";
    assert!(text.contains(aes));
    let sm2 = format!(
        "      cipher: sm2\n{form}      encoding: {encoding}\n      public: \"{{peerPublicKey}}\"\n      private: \"{{privateKey}}\"\n"
    );
    let text = text.replace(aes, &sm2).replace(
        "credentials:\n",
        "credentials:\n  - { name: privateKey, title: 私钥, secret: true }\n  - { name: peerPublicKey, title: 对方公钥 }\n",
    );
    std::fs::write(&protocol, text).unwrap();
    spec
}

/// The `order`/`point` lines of a raw form.
fn raw(order: &str, point: &str) -> String {
    format!("      order: {order}\n      point: {point}\n")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {} / {}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    })
}

/// hisgate's ciphertext of `plaintext` under the public key `public` (hex, or a PEM file's path).
fn encrypt(spec: &Path, public: &str, plaintext: &str) -> String {
    let set = format!("peerPublicKey={public}");
    let args = ["encrypt", "--spec", spec.to_str().unwrap(), "--set", &set];
    let sealed = json_of(&support::hisgate_with(&args, &json!({ "plaintext": plaintext }).to_string(), &[]));
    sealed["ciphertext"].as_str().unwrap_or_else(|| panic!("{sealed}")).to_owned()
}

/// What `hisgate decrypt` makes of `ciphertext` with the private key `private`: the plaintext, or the refusal.
fn decrypt(spec: &Path, private: &str, ciphertext: &str) -> Result<String, String> {
    let set = format!("privateKey={private}");
    let args = ["decrypt", "--spec", spec.to_str().unwrap(), "--set", &set];
    let opened = support::hisgate_with(&args, &json!({ "ciphertext": ciphertext }).to_string(), &[]);
    let value = json_of(&opened);
    match value["plaintext"].as_str() {
        Some(text) => Ok(text.to_owned()),
        None => {
            assert_eq!(opened.status.code(), Some(1), "a refusal exits 1: {value}");
            Err(value.to_string())
        }
    }
}

/// The hex ciphertext with its last byte flipped.
fn tampered(hex: &str) -> String {
    let (head, last) = hex.split_at(hex.len() - 2);
    format!("{head}{:02x}", u8::from_str_radix(last, 16).unwrap() ^ 1)
}

/// A changed byte and another private key are refused; so is the ciphertext under the other order, naming it.
fn assert_refusals(dir: &Path, private: &str, order: &str, ciphertext: &str) {
    let spec = sm2_spec(&dir.join("refusals"), &raw(order, "without-04"), "hex-lower");
    let refusal = decrypt(&spec, private, &tampered(ciphertext)).expect_err("a changed byte must not decrypt");
    assert!(refusal.contains("does not decrypt: wrong private key, or a damaged ciphertext"), "{refusal}");
    let other_key = "0000000000000000000000000000000000000000000000000000000000000007";
    let refusal = decrypt(&spec, other_key, ciphertext).expect_err("another key must not decrypt");
    assert!(refusal.contains("does not decrypt"), "{refusal}");
    let (other, found) = if order == "c1c3c2" { ("c1c2c3", "C1C3C2") } else { ("c1c3c2", "C1C2C3") };
    let mixed = sm2_spec(&dir.join("mixed"), &raw(other, "without-04"), "hex-lower");
    let refusal = decrypt(&mixed, private, ciphertext).expect_err("the other order must not decrypt");
    let expected = format!("the SM2 ciphertext is {found} without C1's 04 prefix; the spec says `order: {other}`");
    assert!(refusal.contains(&expected), "{refusal}");
}

const SM_KEYS: &str = r#"
const { sm2 } = require("sm-crypto");
const keys = sm2.generateKeyPairHex();
console.log(keys.privateKey, keys.publicKey);
"#;

/// sm-crypto 0.3.13: `cipherMode` 1 is C1C3C2 (its default), 0 is C1C2C3; hex without C1's 04 both ways.
const SM_CRYPT: &str = r#"
const { sm2 } = require("sm-crypto");
const [way, text, key, order] = process.argv.slice(1);
const mode = order === "c1c3c2" ? 1 : 0;
console.log(way === "encrypt" ? sm2.doEncrypt(text, key, mode) : sm2.doDecrypt(text, key, mode));
"#;

#[test]
fn sm2_ciphertexts_open_both_ways_with_sm_crypto_in_both_orders() {
    let Some(node) = node_with("sm-crypto") else { return };
    let dir = tempfile::tempdir().unwrap();
    let keys = run_node(&node, SM_KEYS, &[]);
    let (private, public) = keys.split_once(' ').unwrap();
    for order in ["c1c3c2", "c1c2c3"] {
        let spec = sm2_spec(&dir.path().join(order), &raw(order, "without-04"), "hex-lower");
        let ours = encrypt(&spec, public, PLAINTEXT);
        assert_eq!(ours.len(), 2 * (64 + 32 + PLAINTEXT.len()), "x‖y, C3 and C2 in hex: {ours}");
        assert_eq!(run_node(&node, SM_CRYPT, &["decrypt", &ours, private, order]), PLAINTEXT, "{order}");

        let theirs = run_node(&node, SM_CRYPT, &["encrypt", PLAINTEXT, public, order]);
        assert_eq!(decrypt(&spec, private, &theirs).as_deref(), Ok(PLAINTEXT), "{order}");
        assert_refusals(&dir.path().join(order), private, order, &theirs);
    }
    // With C1's 04, as Java's BouncyCastle writes it: sm-crypto reads it once the 04 is taken off.
    let spec = sm2_spec(&dir.path().join("with-04"), &raw("c1c3c2", "with-04"), "hex-upper");
    let ours = encrypt(&spec, public, PLAINTEXT);
    assert!(ours.starts_with("04") && ours.chars().all(|c| !c.is_ascii_lowercase()), "{ours}");
    let without = ours[2..].to_lowercase();
    assert_eq!(run_node(&node, SM_CRYPT, &["decrypt", &without, private, "c1c3c2"]), PLAINTEXT);
    let refusal = decrypt(&spec, private, &without).expect_err("the spec says with-04");
    assert!(refusal.contains("is C1C3C2 without C1's 04 prefix; the spec says `point: with-04`"), "{refusal}");
}

/// gmssl's key pair: the private scalar and the public point x‖y, both hex.
const GMSSL_KEYS: &str = r#"
import secrets
from gmssl import sm2
private = secrets.token_hex(31).upper().rjust(64, "0")
public = sm2.CryptSM2(private_key=private, public_key="")._kg(int(private, 16), sm2.default_ecc_table["g"])
print(private, public)
"#;

/// gmssl 3.2.2: `mode=1` is C1C3C2, `mode=0` C1C2C3 (its default, whatever its docstring says); C1 without 04.
const GMSSL_CRYPT: &str = r#"
import sys
from gmssl import sm2
way, text, private, public, order = sys.argv[1:]
crypt = sm2.CryptSM2(private_key=private, public_key=public, mode=1 if order == "c1c3c2" else 0)
if way == "encrypt":
    print(crypt.encrypt(text.encode()).hex())
else:
    print(crypt.decrypt(bytes.fromhex(text)).decode())
"#;

#[test]
fn sm2_ciphertexts_open_both_ways_with_gmssl_in_both_orders() {
    let Some(python) = python_with("gmssl") else { return };
    let dir = tempfile::tempdir().unwrap();
    let keys = run_python(&python, GMSSL_KEYS, &[]);
    let (private, public) = keys.split_once(' ').unwrap();
    for order in ["c1c3c2", "c1c2c3"] {
        let spec = sm2_spec(&dir.path().join(order), &raw(order, "without-04"), "hex-lower");
        let ours = encrypt(&spec, public, PLAINTEXT);
        let opened = run_python(&python, GMSSL_CRYPT, &["decrypt", &ours, private, public, order]);
        assert_eq!(opened, PLAINTEXT, "{order}");

        let theirs = run_python(&python, GMSSL_CRYPT, &["encrypt", PLAINTEXT, private, public, order]);
        assert_eq!(decrypt(&spec, private, &theirs).as_deref(), Ok(PLAINTEXT), "{order}");
        assert_refusals(&dir.path().join(order), private, order, &theirs);
    }
}

/// OpenSSL with SM2 (1.1.1 and later), or a skip (a failure under CI).
fn openssl_with_sm2(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let (private, public) = (dir.join("sm2-private.pem"), dir.join("sm2-public.pem"));
    let made = Command::new("openssl")
        .args(["genpkey", "-algorithm", "SM2", "-out"])
        .arg(&private)
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&private)
            .arg("-out")
            .arg(&public)
            .output()
            .is_ok_and(|o| o.status.success());
    if !made {
        hisgate_tests::skip::skip("openssl with SM2 (scripts/install-test-deps installs it)");
    }
    made.then_some((private, public))
}

fn openssl(args: &[&str], input: &Path) -> Output {
    Command::new("openssl").args(args).arg("-in").arg(input).output().expect("openssl runs")
}

#[test]
fn sm2_der_ciphertexts_open_both_ways_with_openssl() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = tempfile::tempdir().unwrap();
    let Some((private, public)) = openssl_with_sm2(dir.path()) else { return };
    let (private, public) = (private.to_str().unwrap(), public.to_str().unwrap());
    let spec = sm2_spec(&dir.path().join("der"), "      form: der\n", "base64");

    // hisgate encrypts with OpenSSL's SubjectPublicKeyInfo PEM; OpenSSL decrypts the DER with its PKCS#8 key.
    let ours = encrypt(&spec, public, PLAINTEXT);
    let sealed = dir.path().join("ours.der");
    std::fs::write(&sealed, b64.decode(&ours).unwrap()).unwrap();
    let opened = openssl(&["pkeyutl", "-decrypt", "-inkey", private], &sealed);
    assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
    assert_eq!(String::from_utf8(opened.stdout).unwrap(), PLAINTEXT);

    // OpenSSL encrypts; hisgate decrypts with the PKCS#8 PEM file, and refuses a changed byte.
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, PLAINTEXT).unwrap();
    let theirs = openssl(&["pkeyutl", "-encrypt", "-pubin", "-inkey", public], &plain);
    assert!(theirs.status.success(), "{}", String::from_utf8_lossy(&theirs.stderr));
    assert_eq!(decrypt(&spec, private, &b64.encode(&theirs.stdout)).as_deref(), Ok(PLAINTEXT));
    let mut changed = theirs.stdout.clone();
    *changed.last_mut().unwrap() ^= 1;
    let refusal = decrypt(&spec, private, &b64.encode(&changed)).expect_err("a changed byte must not decrypt");
    assert!(refusal.contains("does not decrypt"), "{refusal}");
    // Read as raw, the DER is recognised for what it is.
    let raw_spec = sm2_spec(&dir.path().join("raw"), &raw("c1c3c2", "with-04"), "base64");
    let refusal = decrypt(&raw_spec, private, &b64.encode(&theirs.stdout)).expect_err("the spec says raw");
    assert!(refusal.contains("is ASN.1 DER (GM/T 0009); the spec says `form: raw`"), "{refusal}");
}
