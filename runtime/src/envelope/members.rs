//! Message fields named by dotted paths into the body's objects (`resource.ciphertext`), where an AEAD box carries
//! the ciphertext beside its nonce and associated data (WeChat Pay v3's `resource`), and the nonce and associated
//! data a GCM scheme reads, and the members an interface writes into the box (`resource.original_type`).

use crate::schema::{CipherScheme, EnvelopeValue};
use crate::secret::Inputs;
use crate::template::{self, TemplateError};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The value at `path`: a field of the body, or through its objects.
pub fn member<'a>(fields: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut segments = path.split('.');
    let mut value = fields.get(segments.next()?)?;
    for segment in segments {
        value = value.as_object()?.get(segment)?;
    }
    Some(value)
}

/// Writes `value` at `path`, making the objects on the way; a scalar in the way is replaced by an object.
pub fn set_member(fields: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            fields.insert(path.to_owned(), value);
        }
        Some((first, rest)) => {
            let slot = fields.entry(first.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                set_member(inner, rest, value);
            }
        }
    }
}

/// The inputs a GCM scheme decrypts with: the received message's nonce and associated data under their fields'
/// names, which the message decides (a caller's input of that name does not override what was received).
pub fn received<'i>(scheme: &CipherScheme, fields: &Map<String, Value>, inputs: &'i Inputs) -> Cow<'i, Inputs> {
    let Some(gcm) = scheme.gcm() else { return Cow::Borrowed(inputs) };
    let mut joined = inputs.clone();
    for path in [&gcm.nonce, &gcm.associated_data].into_iter().flatten() {
        match member(fields, path).and_then(crate::validate::scalar_text) {
            Some(text) => joined.set(path.to_string(), text, false),
            None => joined.remove(path),
        }
    }
    Cow::Owned(joined)
}

/// The inputs a GCM scheme encrypts with, writing the nonce and associated data into the body: the nonce given as
/// an input of its field's name (a worked example's) or a fresh one, the associated data where given.
pub fn sent<'i>(scheme: &CipherScheme, body: &mut Map<String, Value>, inputs: &'i Inputs) -> Cow<'i, Inputs> {
    let Some(gcm) = scheme.gcm() else { return Cow::Borrowed(inputs) };
    let mut joined = inputs.clone();
    if let Some(path) = &gcm.nonce {
        let nonce = inputs.get(path).map_or_else(|| crate::nonce::alphanumeric(12), str::to_owned);
        set_member(body, path, Value::String(nonce.clone()));
        joined.set(path.to_string(), nonce, false);
    }
    if let Some(path) = &gcm.associated_data
        && let Some(aad) = inputs.get(path)
    {
        set_member(body, path, Value::String(aad.to_owned()));
    }
    Cow::Owned(joined)
}

/// Writes an interface's values inside the encrypted box (`resource.original_type`, its `envelope:`), once the box
/// is written: each from an input of its path's name or its template; an empty one is left out.
pub fn write_values(
    values: &[EnvelopeValue],
    body: &mut Map<String, Value>,
    inputs: &Inputs,
) -> Result<(), TemplateError> {
    for value in values.iter().filter(|v| v.path.contains('.')) {
        let text = match inputs.get(&value.path) {
            Some(given) => given.to_owned(),
            None => template::render(&value.value, inputs)?,
        };
        if !text.is_empty() {
            set_member(body, &value.path, Value::String(text));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_read_and_write_through_objects() {
        let mut body = json!({"id": "EV-1", "resource": {"nonce": "abc"}}).as_object().unwrap().clone();
        assert_eq!(member(&body, "resource.nonce"), Some(&json!("abc")));
        assert_eq!(member(&body, "id.nonce"), None);
        assert_eq!(member(&body, "missing"), None);
        set_member(&mut body, "resource.ciphertext", json!("c"));
        set_member(&mut body, "id.x", json!("y"));
        assert_eq!(Value::Object(body), json!({"id": {"x": "y"}, "resource": {"nonce": "abc", "ciphertext": "c"}}));
    }
}
