//! The envelope-level checks of an inbound request — charset, required and accepted fields, this server's own
//! credentials, freshness — and the platform code each failure answers with. Split from `inbound` for size.

use super::Failure;
use super::inbound::Reader;
use crate::codec::CodecError;
use crate::envelope::EnvelopeError;
use crate::schema::{EnvelopeField, EnvelopeRole, EnvelopeSchema, FailureCodes, Place, ProtocolSchema};
use crate::secret::Inputs;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Why a body is not UTF-8: a charset the sender did not say, or named in its XML declaration (`encoding="gbk"`).
pub(super) fn not_utf8(body: &[u8], error: std::str::Utf8Error) -> String {
    let at = error.valid_up_to();
    let declared = body.get(..body.len().min(100)).and_then(|head| {
        let head = String::from_utf8_lossy(head);
        let rest = &head[head.find("encoding=")? + "encoding=".len()..];
        let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
        Some(rest[1..].split(quote).next()?.to_owned())
    });
    let found = body.get(at).map_or(String::new(), |b| format!(" (byte 0x{b:02X} at offset {at})"));
    match declared {
        Some(charset) => format!("the body is in `{}`, not UTF-8{found}", crate::codec::escape(&charset)),
        None => format!("the body is not UTF-8{found}"),
    }
}

/// The charset a content type names, where it names one other than UTF-8 (`text/xml; charset=gbk`).
pub(super) fn foreign_charset(content_type: Option<&str>) -> Option<&str> {
    let charset = content_type?.split(';').skip(1).find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"'))
    })?;
    (!charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8")).then_some(charset)
}

/// The code for a body read and refused: a foreign charset has the platform's own.
pub(super) fn codec_code<'f>(failures: &'f FailureCodes, error: &CodecError, otherwise: &'f str) -> &'f str {
    match error {
        CodecError::Charset { .. } => &failures.charset,
        e if e.is_refused_content() => &failures.malformed,
        _ => otherwise,
    }
}

/// .NET writers start UTF-8 text with a byte-order mark; it is not part of the envelope.
pub(super) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A field's value, from the body or the headers as the envelope places it.
pub(super) fn value_of(
    schema: &EnvelopeSchema,
    name: &str,
    fields: &Map<String, Value>,
    headers: &[(String, String)],
) -> Option<String> {
    text_of(schema, name, fields, headers).map(Cow::into_owned)
}

/// [`value_of`], borrowed where the value is text already: the field checks read every field of every request.
pub(super) fn text_of<'v>(
    schema: &EnvelopeSchema,
    name: &str,
    fields: &'v Map<String, Value>,
    headers: &'v [(String, String)],
) -> Option<Cow<'v, str>> {
    let place = schema.field(name).map_or(Place::Body, |f| f.place);
    placed_text(name, place, fields, headers)
}

/// [`text_of`] where the field's place is known.
fn placed_text<'v>(
    name: &str,
    place: Place,
    fields: &'v Map<String, Value>,
    headers: &'v [(String, String)],
) -> Option<Cow<'v, str>> {
    match place {
        Place::Header => {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| Cow::Borrowed(v.as_str()))
        }
        Place::Body | Place::Query => body_text(fields.get(name)?),
    }
}

/// A body field's value as text: borrowed where it is text already.
fn body_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => crate::validate::scalar_text(other).map(Cow::Owned),
    }
}

/// Required fields present, accepted values, and this server's own credentials where the spec checks them.
pub(super) fn check_fields(
    schema: &EnvelopeSchema,
    fields: &Map<String, Value>,
    headers: &[(String, String)],
    credentials: &Inputs,
    malformed: &str,
) -> Result<(), Failure> {
    // Envelopes arrive with their fields mostly in declared order: each body field is first looked for after the
    // one found before it, and by its name's hash only where it is not there (an optional field left out, fields
    // in another order). A map lookup hashes the name with SipHash: one a field, saved where the order holds.
    let mut in_order = fields.iter().peekable();
    for field in schema.fields.iter().filter(|f| f.role != EnvelopeRole::Signature) {
        let code = field.reject.as_deref().unwrap_or(malformed);
        let next = (field.place != Place::Header).then(|| in_order.next_if(|(key, _)| **key == *field.name));
        let found = match next.flatten() {
            Some((_, value)) => body_text(value),
            None => placed_text(&field.name, field.place, fields, headers),
        };
        let Some(value) = found.filter(|v| !v.is_empty()) else {
            // The payload's own field (onepay's `param`) holds an object, not text: present all the same. Only
            // that one: a credential sent as an object must not slip past its check as "present".
            let structured = schema.payload.field.as_deref() == Some(&*field.name)
                && fields.get(&*field.name).is_some_and(|v| v.is_object() || v.is_array());
            if field.required && !structured {
                return Err(Failure::refused(code, format!("`{}` is missing", field.name)));
            }
            continue;
        };
        if !field.accepts.is_empty() && !field.accepts.contains(&value) {
            let accepted: Vec<&str> = field.accepts.iter().map(|a| &**a).collect();
            return Err(Failure::refused(
                code,
                format!("`{}` is `{value}`, expected {}", field.name, accepted.join(" or ")),
            ));
        }
        if let Some(credential) = own_credential(field).filter(|_| field.reject.is_some())
            && let Some(expected) = credentials.get(credential)
            && expected != value
        {
            let shown =
                if credentials.is_secret(credential) { "another value".to_owned() } else { format!("`{value}`") };
            return Err(Failure::refused(code, format!("`{}` is {shown}, not this server's", field.name)));
        }
    }
    Ok(())
}

/// The credential a field's template is exactly (`{partner}` → `partner`).
pub(super) fn own_credential(field: &EnvelopeField) -> Option<&str> {
    let template = field.value.as_deref()?;
    let name = template.strip_prefix('{')?.strip_suffix('}')?;
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then_some(name)
}

/// The request's time, when the protocol declares a freshness window; a request outside it is refused here,
/// before the signature is checked.
pub(super) fn fresh_time(
    reader: &Reader<'_>,
    protocol: &ProtocolSchema,
    fields: &Map<String, Value>,
    headers: &[(String, String)],
) -> Result<Option<chrono::NaiveDateTime>, Failure> {
    let (Some(freshness), Some(window)) = (&protocol.freshness, reader.config.freshness_window) else {
        return Ok(None);
    };
    let stale = &protocol.failures.stale;
    let field = protocol.request.field(&freshness.field);
    let value = value_of(&protocol.request, &freshness.field, fields, headers)
        .ok_or_else(|| Failure::refused(stale, format!("`{}` is missing", freshness.field)))?;
    let format = field.and_then(|f| f.format.as_ref()).ok_or_else(|| Failure::refused(stale, "no timestamp format"))?;
    let sent = format.read(&value).map_err(|e| Failure::refused(stale, format!("`{}`: {e}", freshness.field)))?;
    let now = crate::clock::now(reader.config.utc_offset);
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    if (now - sent).abs() > window {
        return Err(Failure::refused(stale, super::Stale::OutsideWindow { sent, now }.to_string()));
    }
    Ok(Some(sent))
}

pub(super) fn refusal_for(protocol: &ProtocolSchema, error: EnvelopeError) -> Failure {
    let failures = &protocol.failures;
    let code = match &error {
        EnvelopeError::Verify(_) | EnvelopeError::Sign(_) => &failures.signature,
        EnvelopeError::Cipher(_) | EnvelopeError::Payload { .. } | EnvelopeError::UnknownScheme { .. } => {
            &failures.decrypt
        }
        EnvelopeError::Codec(e) => codec_code(failures, e, &failures.malformed),
        EnvelopeError::NotAnObject => &failures.malformed,
        EnvelopeError::Template(_) => &failures.internal,
    };
    Failure::refused(code, error.to_string())
}
