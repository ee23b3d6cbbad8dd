//! The asymmetric keys platforms hand out, read from credentials: PEM (PKCS#8, PKCS#1, SubjectPublicKeyInfo, an X.509
//! certificate), bare Base64 DER as Alipay's console prints them, hex for SM2 (as sm-crypto and gmssl write them),
//! or the path of a file holding any of those. Signing and SM2 encryption read them here. Errors name the key's role
//! and what was expected, never its content.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the {role} is not {expected}")]
    Unreadable { role: &'static str, expected: &'static str },
    #[error("the {role} names a file that cannot be read: {detail}")]
    File { role: &'static str, detail: String },
    #[error("the SM2 user id is not accepted: {0}")]
    UserId(String),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("the key id `{0}` is not one: letters, digits, `_`, `-` and `.`, not starting with `.`")]
    KeyId(String),
    #[error("no verifying key has the id `{id}` (the key ring holds: {known})")]
    UnknownKeyId { id: String, known: String },
    #[error("the key ring `{0}` is not a directory of <id>.pem files")]
    NoKeyRing(String),
}

pub(crate) const RSA_PRIVATE: &str = "an RSA private key (PKCS#8 or PKCS#1, PEM or Base64 DER, or a file holding one)";
pub(crate) const RSA_PUBLIC: &str = "an RSA public key (SubjectPublicKeyInfo or PKCS#1, PEM or Base64 DER, an X.509 certificate, or a file holding one)";
pub(crate) const SM2_PRIVATE: &str = "an SM2 private key (64 hex digits or PKCS#8 PEM, or a file holding one)";
pub(crate) const SM2_PUBLIC: &str =
    "an SM2 public key (04‖x‖y or x‖y in hex, SubjectPublicKeyInfo PEM, an X.509 certificate, or a file holding one)";

/// A parsed key, by the SHA-256 of its text and its type: reading an RSA key (PEM, DER, its CRT values) costs about
/// what a verify does, and a process signs and verifies with the same few keys. At most 64 keys are held (a key ring
/// is a directory of a few); past that the cache starts over. A key file changed on disk is new text, so read anew.
pub(crate) fn cached<K: Clone + Send + Sync + 'static>(
    text: &str,
    parse: impl FnOnce(&str) -> Result<K, KeyError>,
) -> Result<K, KeyError> {
    use sha2::Digest;
    use std::any::{Any, TypeId};
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<HashMap<(TypeId, [u8; 32]), Box<dyn Any + Send + Sync>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let id = (TypeId::of::<K>(), <[u8; 32]>::from(sha2::Sha256::digest(text.as_bytes())));
    let cache = CACHE.get_or_init(Cache::default);
    // A poisoned lock only means another thread panicked mid-insert; the map is still a map.
    if let Some(key) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&id).and_then(|k| k.downcast_ref::<K>()) {
        return Ok(key.clone());
    }
    let key = parse(text)?;
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= 64 {
        map.clear();
    }
    map.insert(id, Box::new(key.clone()));
    Ok(key)
}

/// An SM2 public key from a credential (its text, or a file's path), read once per process.
pub(crate) fn sm2_public_key(value: &str) -> Result<sm2::PublicKey, KeyError> {
    cached(&key_text(value, "public key")?, sm2_public)
}

/// The key's text: the credential itself, or the file it names (a value with no PEM armour that is the path of an
/// existing file; Base64 may hold `/`, so the file's existence decides).
pub(crate) fn key_text(value: &str, role: &'static str) -> Result<String, KeyError> {
    let value = value.trim();
    let armoured = value.contains("-----BEGIN") || value.contains('\n');
    if !armoured && std::path::Path::new(value).is_file() {
        return std::fs::read_to_string(value).map_err(|e| KeyError::File { role, detail: e.to_string() });
    }
    Ok(value.to_owned())
}

/// Base64 DER with any whitespace removed, for keys given without PEM armour.
fn bare_der(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    crate::cipher::decode(crate::schema::TextEncoding::Base64, &compact).ok()
}

pub(crate) fn rsa_private(text: &str) -> Result<rsa::RsaPrivateKey, KeyError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let unreadable = || KeyError::Unreadable { role: "private key", expected: RSA_PRIVATE };
    if text.contains("-----BEGIN") {
        return rsa::RsaPrivateKey::from_pkcs8_pem(text)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(text))
            .map_err(|_| unreadable());
    }
    let der = bare_der(text).ok_or_else(unreadable)?;
    rsa::RsaPrivateKey::from_pkcs8_der(&der)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_der(&der))
        .map_err(|_| unreadable())
}

/// The SubjectPublicKeyInfo (DER) of an X.509 certificate in PEM: a platform certificate verifies with its key.
/// Its validity and chain are the deployment's to check when it installs the certificate, as every SDK leaves them.
fn certificate_key(text: &str) -> Option<Vec<u8>> {
    use der::{DecodePem, Encode};
    let certificate = x509_cert::Certificate::from_pem(text.trim()).ok()?;
    certificate.tbs_certificate.subject_public_key_info.to_der().ok()
}

pub(crate) fn rsa_public(text: &str) -> Result<rsa::RsaPublicKey, KeyError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    let unreadable = || KeyError::Unreadable { role: "public key", expected: RSA_PUBLIC };
    if text.contains("-----BEGIN CERTIFICATE") {
        let spki = certificate_key(text).ok_or_else(unreadable)?;
        return rsa::RsaPublicKey::from_public_key_der(&spki).map_err(|_| unreadable());
    }
    if text.contains("-----BEGIN") {
        return rsa::RsaPublicKey::from_public_key_pem(text)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(text))
            .map_err(|_| unreadable());
    }
    let der = bare_der(text).ok_or_else(unreadable)?;
    rsa::RsaPublicKey::from_public_key_der(&der)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(&der))
        .map_err(|_| unreadable())
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // Either case, as `cipher::decode` reads hex.
    crate::cipher::decode(crate::schema::TextEncoding::HexUpper, &compact).ok()
}

pub(crate) fn sm2_private(text: &str) -> Result<sm2::SecretKey, KeyError> {
    use sm2::pkcs8::DecodePrivateKey;
    let unreadable = || KeyError::Unreadable { role: "private key", expected: SM2_PRIVATE };
    if text.contains("-----BEGIN") {
        return sm2::SecretKey::from_pkcs8_pem(text).map_err(|_| unreadable());
    }
    let bytes = hex(text).filter(|b| b.len() == 32).ok_or_else(unreadable)?;
    sm2::SecretKey::from_slice(&bytes).map_err(|_| unreadable())
}

pub(crate) fn sm2_public(text: &str) -> Result<sm2::PublicKey, KeyError> {
    use sm2::pkcs8::DecodePublicKey;
    let unreadable = || KeyError::Unreadable { role: "public key", expected: SM2_PUBLIC };
    if text.contains("-----BEGIN CERTIFICATE") {
        let spki = certificate_key(text).ok_or_else(unreadable)?;
        return sm2::PublicKey::from_public_key_der(&spki).map_err(|_| unreadable());
    }
    if text.contains("-----BEGIN") {
        return sm2::PublicKey::from_public_key_pem(text).map_err(|_| unreadable());
    }
    let mut bytes = hex(text).ok_or_else(unreadable)?;
    // sm-crypto and several Java libraries drop the uncompressed point's 04 prefix.
    if bytes.len() == 64 {
        bytes.insert(0, 0x04);
    }
    sm2::PublicKey::from_sec1_bytes(&bytes).map_err(|_| unreadable())
}
