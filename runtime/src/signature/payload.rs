//! The payload signed on the wrong side of encryption: the plaintext where the rule signs the ciphertext
//! (encrypt-then-sign read the other way), or the ciphertext where it signs the plaintext. The engine holds the
//! key, so it decrypts the ciphertext the message carries to try the first.

use super::variants::{Edits, Subject};
use crate::schema::SignOrder;
use serde_json::Value;

pub fn variants(subject: &Subject, push: &mut dyn FnMut(String, Edits)) {
    let protocol = subject.protocol;
    let Some(encryption) = &protocol.encryption else { return };
    let placement = &protocol.envelope(subject.direction).payload;
    let Some(ciphertext) = placement.ciphertext.as_deref() else { return };
    let message = subject.message;
    match subject.rule.order {
        SignOrder::EncryptThenSign => {
            let Some(text) = message.get(ciphertext).and_then(Value::as_str) else { return };
            let selector = encryption.select.as_deref().and_then(|f| message.get(f)).and_then(Value::as_str);
            let Some(scheme) = encryption.scheme(selector) else { return };
            let Ok(plaintext) = crate::cipher::decrypt(scheme, text, subject.inputs) else { return };
            let why = "signed before encrypting, where the rule encrypts, then signs";
            match placement.field.as_deref() {
                None => push(
                    format!("the plaintext payload in `{ciphertext}`, not its ciphertext ({why})"),
                    Edits::default().set(ciphertext, Value::String(plaintext)),
                ),
                Some(field) => {
                    let value = serde_json::from_str(&plaintext).unwrap_or(Value::String(plaintext));
                    push(
                        format!("the plaintext payload `{field}` signed, not `{ciphertext}` ({why})"),
                        Edits::default().unset(ciphertext).set(field, value),
                    )
                }
            }
        }
        SignOrder::SignThenEncrypt if message.contains_key(ciphertext) => {
            let mut edits = Edits::default().include(ciphertext);
            let mut what = format!("the ciphertext `{ciphertext}` signed");
            if let Some(field) = placement.field.as_deref() {
                edits = edits.unset(field);
                what.push_str(&format!(", not the plaintext `{field}`"));
            }
            push(format!("{what} (signed after encrypting, where the rule signs, then encrypts)"), edits);
        }
        SignOrder::SignThenEncrypt => {}
    }
}
