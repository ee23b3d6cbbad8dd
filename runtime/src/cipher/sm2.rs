//! SM2 public-key encryption (GB/T 32918.4-2016, GM/T 0003-2012 part 4) through RustCrypto's `sm2::pke`: a sender
//! encrypts with the counterpart's public key, a receiver decrypts with its own private key. The ciphertext is C1
//! (the point k·G), C2 (the text XORed with the KDF's stream) and C3 (SM3 over x₂‖M‖y₂), in the order and form the
//! spec declares. A ciphertext that does not decrypt as declared is tried in the other forms, so that the usual
//! mix-up (C1C2C3 for C1C3C2, the `04` left off) is refused naming what the counterpart sent.

use super::CipherError;
use crate::keys::{self, KeyError};
use crate::schema::{PointPrefix, Sm2Cipher, Sm2Form, Sm2Order};
use crate::secret::Inputs;
use crate::template;
use sm2::elliptic_curve::common::getrandom::SysRng;
use sm2::pke::{DecryptingKey, EncryptingKey, Mode};

/// C1's uncompressed-point prefix (SEC 1).
const UNCOMPRESSED: u8 = 0x04;
/// C1 (x‖y, without the prefix) and C3 (SM3): the shortest raw ciphertext.
const RAW_OVERHEAD: usize = 64 + 32;

/// Encrypts `plaintext` under the public key the scheme's `public` template gives.
pub(super) fn encrypt(params: &Sm2Cipher, plaintext: &[u8], inputs: &Inputs) -> Result<Vec<u8>, CipherError> {
    if plaintext.is_empty() {
        return Err(CipherError::Sm2Empty);
    }
    let public = keys::sm2_public_key(&template::render(&params.public, inputs)?)?;
    // Encryption fails only where the operating system's generator does.
    let failed = |_| CipherError::Sm2Random;
    match params.form {
        Sm2Form::Raw { order, point } => {
            let mut raw =
                EncryptingKey::new_with_mode(public, mode(order)).encrypt(&mut SysRng, plaintext).map_err(failed)?;
            if point == PointPrefix::Without04 {
                raw.remove(0);
            }
            Ok(raw)
        }
        Sm2Form::Der => EncryptingKey::new(public).encrypt_der(&mut SysRng, plaintext).map_err(failed),
    }
}

/// Decrypts `ciphertext` (the decoded bytes) with the private key the scheme's `private` template gives.
pub(super) fn decrypt(params: &Sm2Cipher, ciphertext: &[u8], inputs: &Inputs) -> Result<Vec<u8>, CipherError> {
    let private = template::render(&params.private, inputs)?;
    // An unreadable key is said as such, whatever the ciphertext's shape.
    decrypting_key(&private, order_of(params.form))?;
    if let Some(plaintext) = open(&private, params.form, ciphertext)? {
        return Ok(plaintext);
    }
    // Only a refusal pays for this, and forms whose first bytes cannot match are skipped without a multiplication.
    for form in Sm2Form::ALL.into_iter().filter(|f| *f != params.form) {
        if open(&private, form, ciphertext)?.is_some() {
            return Err(CipherError::Sm2Form { found: describe(form), declared: declared(params.form, form) });
        }
    }
    Err(CipherError::Sm2 { found: ciphertext.len() })
}

/// The plaintext, if the ciphertext decrypts in `form`; `None` if it does not (wrong key, damaged, another form).
fn open(private: &str, form: Sm2Form, ciphertext: &[u8]) -> Result<Option<Vec<u8>>, KeyError> {
    let shaped = match form {
        Sm2Form::Raw { point: PointPrefix::With04, .. } => ciphertext.first() == Some(&UNCOMPRESSED),
        Sm2Form::Raw { point: PointPrefix::Without04, .. } => ciphertext.len() >= RAW_OVERHEAD,
        // A DER SEQUENCE.
        Sm2Form::Der => ciphertext.first() == Some(&0x30),
    };
    if !shaped {
        return Ok(None);
    }
    let key = decrypting_key(private, order_of(form))?;
    Ok(match form {
        Sm2Form::Raw { point: PointPrefix::With04, .. } => key.decrypt(ciphertext).ok(),
        Sm2Form::Raw { point: PointPrefix::Without04, .. } => {
            let mut prefixed = Vec::with_capacity(ciphertext.len() + 1);
            prefixed.push(UNCOMPRESSED);
            prefixed.extend_from_slice(ciphertext);
            key.decrypt(&prefixed).ok()
        }
        Sm2Form::Der => key.decrypt_der(ciphertext).ok(),
    })
}

/// The decrypting key holds the public point, whose computation costs a scalar multiplication: cached with it.
fn decrypting_key(private: &str, order: Sm2Order) -> Result<DecryptingKey, KeyError> {
    let text = keys::key_text(private, "private key")?;
    keys::cached(&format!("{}\0{text}", order.name()), |both| {
        let (_, key) = both.split_once('\0').unwrap_or_default();
        let secret = keys::sm2_private(key)?;
        Ok(DecryptingKey::new_with_mode(secret.to_nonzero_scalar(), mode(order)))
    })
}

/// The order a form decrypts in: DER's fields are C1C3C2's.
fn order_of(form: Sm2Form) -> Sm2Order {
    match form {
        Sm2Form::Raw { order, .. } => order,
        Sm2Form::Der => Sm2Order::C1C3C2,
    }
}

fn mode(order: Sm2Order) -> Mode {
    match order {
        Sm2Order::C1C3C2 => Mode::C1C3C2,
        Sm2Order::C1C2C3 => Mode::C1C2C3,
    }
}

/// What the ciphertext turned out to be, in the words users search for.
fn describe(form: Sm2Form) -> String {
    match form {
        Sm2Form::Raw { order, point } => {
            let order = order.name().to_uppercase();
            match point {
                PointPrefix::With04 => format!("{order} with C1's 04 prefix"),
                PointPrefix::Without04 => format!("{order} without C1's 04 prefix"),
            }
        }
        Sm2Form::Der => "ASN.1 DER (GM/T 0009)".to_owned(),
    }
}

/// The spec's keys that differ from what the ciphertext is.
fn declared(spec: Sm2Form, found: Sm2Form) -> String {
    match (spec, found) {
        (Sm2Form::Raw { order, point }, Sm2Form::Raw { order: o, point: p }) => {
            let mut keys = Vec::new();
            if order != o {
                keys.push(format!("`order: {}`", order.name()));
            }
            if point != p {
                keys.push(format!("`point: {}`", point.name()));
            }
            keys.join(" and ")
        }
        (Sm2Form::Raw { .. }, Sm2Form::Der) => "`form: raw`".to_owned(),
        (Sm2Form::Der, _) => "`form: der`".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TextEncoding;

    /// GM/T 0003's style of key: a private scalar in hex, the public point derived from it.
    const SECRET: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";

    fn public_hex() -> String {
        let secret = keys::sm2_private(SECRET).unwrap();
        let point = sm2::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&secret.public_key(), false);
        base16ct::upper::encode_string(point.as_bytes())
    }

    fn params(form: Sm2Form) -> Sm2Cipher {
        Sm2Cipher { form, encoding: TextEncoding::HexLower, public: public_hex().into(), private: SECRET.into() }
    }

    #[test]
    fn every_form_round_trips_and_is_refused_in_each_other_form_naming_what_it_is() {
        let inputs = Inputs::new();
        for form in Sm2Form::ALL {
            let sealed = encrypt(&params(form), "挂号费 10.00".as_bytes(), &inputs).unwrap();
            assert_eq!(decrypt(&params(form), &sealed, &inputs).unwrap(), "挂号费 10.00".as_bytes());
            for other in Sm2Form::ALL.into_iter().filter(|f| *f != form) {
                let error = decrypt(&params(other), &sealed, &inputs).unwrap_err();
                let expected = CipherError::Sm2Form { found: describe(form), declared: declared(other, form) };
                assert_eq!(error, expected, "{form:?} read as {other:?}");
            }
        }
    }

    #[test]
    fn the_mix_up_message_names_the_order_and_the_spec_key() {
        let spec = Sm2Form::Raw { order: Sm2Order::C1C3C2, point: PointPrefix::Without04 };
        let sent = Sm2Form::Raw { order: Sm2Order::C1C2C3, point: PointPrefix::Without04 };
        let error = CipherError::Sm2Form { found: describe(sent), declared: declared(spec, sent) };
        assert_eq!(
            error.to_string(),
            "the SM2 ciphertext is C1C2C3 without C1's 04 prefix; the spec says `order: c1c3c2` (it decrypts as \
             the former: declare what the counterpart writes)"
        );
    }

    #[test]
    fn a_wrong_key_a_changed_byte_and_garbage_are_refused_without_a_panic() {
        let inputs = Inputs::new();
        let form = Sm2Form::Raw { order: Sm2Order::C1C3C2, point: PointPrefix::With04 };
        let mut sealed = encrypt(&params(form), b"x", &inputs).unwrap();
        let mut other = params(form);
        other.private = "0000000000000000000000000000000000000000000000000000000000000007".into();
        assert_eq!(decrypt(&other, &sealed, &inputs), Err(CipherError::Sm2 { found: sealed.len() }));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(decrypt(&params(form), &sealed, &inputs), Err(CipherError::Sm2 { found: sealed.len() }));
        for garbage in [&[][..], &[4], &[0x30, 0], &[0; 97], &[4; 200]] {
            assert!(decrypt(&params(form), garbage, &inputs).is_err());
        }
        assert_eq!(encrypt(&params(form), b"", &inputs), Err(CipherError::Sm2Empty));
    }
}
