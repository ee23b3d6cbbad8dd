//! Signatures that sign instead of hashing: RSA PKCS#1 v1.5 over SHA-256 and SM2 over SM3. A sender signs with its
//! own private key; a receiver verifies with the counterpart's public key, so verifying never recomputes. Keys are
//! read by [`crate::keys`].

pub use crate::keys::KeyError;
use crate::keys::{cached, key_text, rsa_private, rsa_public, sm2_private, sm2_public};
use crate::schema::{SignAlgorithm, SignatureEncoding};

/// The path of the key a key ring holds under `id`: `ring/<id>.pem`. The id comes from the message, so it is held
/// to a file name's characters (no `/`, no `..`) before it touches the file system.
pub fn ring_key(ring: &str, id: &str) -> Result<String, KeyError> {
    let id = id.trim();
    let valid = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid {
        return Err(KeyError::KeyId(id.chars().take(64).collect()));
    }
    if ring.contains("-----BEGIN") {
        return inline_ring_key(ring, id);
    }
    let dir = std::path::Path::new(ring.trim());
    let path = dir.join(format!("{id}.pem"));
    if path.is_file() {
        return Ok(path.to_string_lossy().into_owned());
    }
    Err(KeyError::UnknownKeyId { id: id.to_owned(), known: ring_ids(ring)?.join(", ") })
}

/// The ids a key ring holds, sorted: a directory's `<id>.pem` files, or an inline ring's `[id]` lines.
pub fn ring_ids(ring: &str) -> Result<Vec<String>, KeyError> {
    let mut ids: Vec<String> = if ring.contains("-----BEGIN") {
        let ids = ring.lines().filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']').map(str::to_owned));
        let ids: Vec<String> = ids.collect();
        if ids.is_empty() {
            return Err(KeyError::NoKeyRing("(a value holding PEM blocks without `[id]` lines)".to_owned()));
        }
        ids
    } else {
        let entries = std::fs::read_dir(ring.trim()).map_err(|_| KeyError::NoKeyRing(ring.trim().to_owned()))?;
        entries.filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".pem").map(str::to_owned)).collect()
    };
    ids.sort();
    Ok(ids)
}

/// A key ring given as a value rather than a directory: each PEM block preceded by a line `[<id>]`, so that a spec's
/// example or a test carries its keys. Returns the PEM text of the block under `id`.
fn inline_ring_key(ring: &str, id: &str) -> Result<String, KeyError> {
    let mut current: Option<&str> = None;
    let mut block = String::new();
    for line in ring.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name);
            block.clear();
            continue;
        }
        if current == Some(id) && !line.is_empty() {
            block.push_str(line);
            block.push('\n');
            if line.starts_with("-----END") {
                return Ok(block);
            }
        }
    }
    Err(KeyError::UnknownKeyId { id: id.to_owned(), known: ring_ids(ring)?.join(", ") })
}

/// Signs `data` with the private key `key` (its text, or a file's path).
pub fn sign(algorithm: &SignAlgorithm, key: &str, data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let key = key_text(key, "private key")?;
    match algorithm {
        SignAlgorithm::RsaSha256 => {
            use rsa::signature::{SignatureEncoding as _, Signer as _};
            let key = cached(&key, rsa_private)?;
            let signer = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(key);
            let signature = signer.try_sign(data).map_err(|e| KeyError::Sign(e.to_string()))?;
            Ok(signature.to_vec())
        }
        SignAlgorithm::Sm2Sm3 { user_id, encoding } => {
            use sm2::dsa::signature::Signer as _;
            // The signing key holds Z_A, whose public point costs a scalar multiplication: cached with it.
            let signer = cached(&format!("{user_id}\0{key}"), |both| {
                let (user_id, key) = both.split_once('\0').unwrap_or_default();
                let secret = sm2_private(key)?;
                sm2::dsa::SigningKey::new(user_id, &secret).map_err(|e| KeyError::UserId(e.to_string()))
            })?;
            let signature: sm2::dsa::Signature = signer.try_sign(data).map_err(|e| KeyError::Sign(e.to_string()))?;
            let raw = signature.to_bytes();
            match encoding {
                SignatureEncoding::Der | SignatureEncoding::Either => der_of_raw(&raw),
                SignatureEncoding::Raw => Ok(raw.to_vec()),
            }
        }
    }
}

/// Whether `signature` is a signature of `data` under the public key `key`. A signature that is not even of the
/// scheme's shape (a wrong length, bad DER) is simply not valid.
pub fn verify(algorithm: &SignAlgorithm, key: &str, data: &[u8], signature: &[u8]) -> Result<bool, KeyError> {
    let key = key_text(key, "public key")?;
    match algorithm {
        SignAlgorithm::RsaSha256 => {
            use rsa::signature::Verifier as _;
            let key = cached(&key, rsa_public)?;
            let verifier = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(key);
            let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else { return Ok(false) };
            Ok(verifier.verify(data, &signature).is_ok())
        }
        SignAlgorithm::Sm2Sm3 { user_id, encoding } => {
            use sm2::dsa::signature::Verifier as _;
            let public = cached(&key, sm2_public)?;
            let verifier = sm2::dsa::VerifyingKey::new(user_id, public).map_err(|e| KeyError::UserId(e.to_string()))?;
            let raw = match encoding {
                SignatureEncoding::Der => raw_of_der(signature),
                SignatureEncoding::Raw => Some(signature.to_vec()),
                SignatureEncoding::Either if signature.len() == 64 => Some(signature.to_vec()),
                SignatureEncoding::Either => raw_of_der(signature),
            };
            let parsed = raw.and_then(|raw| sm2::dsa::Signature::from_slice(&raw).ok());
            Ok(parsed.is_some_and(|s| verifier.verify(data, &s).is_ok()))
        }
    }
}

/// A private key of `algorithm`'s kind no one holds (RSA-2048 as PKCS#8 PEM, SM2 as 64 hex digits), from the
/// operating system's generator: a conformance probe signs with it to see a counterpart refuse a wrong key, where a
/// damaged copy of the real key would not even parse.
pub fn fresh_private_key(algorithm: &SignAlgorithm) -> Result<String, KeyError> {
    let failed = |e: String| KeyError::Sign(format!("generating a key: {e}"));
    match algorithm {
        SignAlgorithm::RsaSha256 => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| failed(e.to_string()))?;
            let pem = key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).map_err(|e| failed(e.to_string()))?;
            Ok(pem.as_str().to_owned())
        }
        SignAlgorithm::Sm2Sm3 { .. } => {
            use sm2::elliptic_curve::Generate;
            let key = sm2::SecretKey::try_generate().map_err(|e| failed(e.to_string()))?;
            Ok(key.to_bytes().iter().map(|b| format!("{b:02X}")).collect())
        }
    }
}

/// An SM2 signature's (r, s) as DER: `SEQUENCE { r INTEGER, s INTEGER }`.
#[derive(der::Sequence)]
struct Components<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

fn der_of_raw(raw: &[u8]) -> Result<Vec<u8>, KeyError> {
    use der::Encode;
    let (r, s) = raw.split_at(raw.len() / 2);
    let failed = |e: der::Error| KeyError::Sign(e.to_string());
    let components =
        Components { r: der::asn1::UintRef::new(r).map_err(failed)?, s: der::asn1::UintRef::new(s).map_err(failed)? };
    components.to_der().map_err(failed)
}

/// `r‖s`, 32 bytes each, of a DER signature; `None` for anything else.
fn raw_of_der(signature: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let components = Components::from_der(signature).ok()?;
    let mut raw = vec![0u8; 64];
    for (number, half) in [components.r, components.s].iter().zip(raw.chunks_mut(32)) {
        let bytes = number.as_bytes();
        if bytes.len() > 32 {
            return None;
        }
        half[32 - bytes.len()..].copy_from_slice(bytes);
    }
    Some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::RSA_PRIVATE;

    /// GM/T 0003's style of key: a private scalar in hex, the public point derived from it.
    const SM2_SECRET: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";

    fn sm2(encoding: SignatureEncoding) -> SignAlgorithm {
        SignAlgorithm::Sm2Sm3 { user_id: "1234567812345678".into(), encoding }
    }

    fn sm2_public_hex() -> String {
        let secret = sm2_private(SM2_SECRET).unwrap();
        base16ct::upper::encode_string(
            sm2::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&secret.public_key(), false).as_bytes(),
        )
    }

    #[test]
    fn sm2_signs_and_verifies_in_both_encodings_and_refuses_a_change() {
        let public = sm2_public_hex();
        for encoding in [SignatureEncoding::Der, SignatureEncoding::Raw] {
            let signature = sign(&sm2(encoding), SM2_SECRET, "挂号费 10.00".as_bytes()).unwrap();
            assert!(verify(&sm2(encoding), &public, "挂号费 10.00".as_bytes(), &signature).unwrap());
            assert!(!verify(&sm2(encoding), &public, "挂号费 10.01".as_bytes(), &signature).unwrap());
            // The public key without its 04 prefix, as sm-crypto writes it.
            assert!(verify(&sm2(encoding), &public[2..], "挂号费 10.00".as_bytes(), &signature).unwrap());
        }
        let raw = sign(&sm2(SignatureEncoding::Raw), SM2_SECRET, b"x").unwrap();
        assert_eq!(raw.len(), 64);
        assert!(!verify(&sm2(SignatureEncoding::Der), &public, b"x", &raw).unwrap(), "raw is not DER");
        let other_id = SignAlgorithm::Sm2Sm3 { user_id: "ALICE123@YAHOO.COM".into(), encoding: SignatureEncoding::Raw };
        assert!(!verify(&other_id, &public, b"x", &raw).unwrap(), "the user id is part of what is signed");
    }

    #[test]
    fn a_fresh_key_signs_and_its_signature_does_not_verify_under_the_real_key() {
        let public = sm2_public_hex();
        let algorithm = sm2(SignatureEncoding::Der);
        let fresh = fresh_private_key(&algorithm).unwrap();
        assert_ne!(fresh, fresh_private_key(&algorithm).unwrap());
        let signature = sign(&algorithm, &fresh, b"x").unwrap();
        assert!(!verify(&algorithm, &public, b"x", &signature).unwrap());
        let rsa = fresh_private_key(&SignAlgorithm::RsaSha256).unwrap();
        assert!(rsa.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(sign(&SignAlgorithm::RsaSha256, &rsa, b"x").unwrap().len(), 256);
    }

    #[test]
    fn unreadable_keys_say_what_was_expected_and_never_echo_the_key() {
        let error = sign(&SignAlgorithm::RsaSha256, "not-a-key", b"x").unwrap_err();
        assert_eq!(error.to_string(), format!("the private key is not {RSA_PRIVATE}"));
        let error = verify(&sm2(SignatureEncoding::Der), "ZZZZ-secret", b"x", b"").unwrap_err();
        assert!(!error.to_string().contains("ZZZZ"), "{error}");
    }
}
