//! Business keys: the values that say which order, trade, refund or patient a call is about, as an interface's
//! `keys:` declares them. A log line, a journal index and a reconciliation all read them through [`business_keys`],
//! so each key is looked up one way everywhere: in the request first, then in the response.

use crate::redact;
use crate::{FieldSchema, FieldType, InterfaceSchema, MessageId, MessageKind, MessageSchema, PlatformSchema};
use serde_json::Value;

/// The most characters a key's value takes in a log line or an index, the `…` that marks a cut included.
pub const MAX_VALUE_CHARS: usize = 64;

/// The field a key names in a message: a wire name, or a dotted path through `object` fields (`detail.orderId`).
/// `messages` is the platform's message table, indexed by [`MessageId`].
///
/// Keys name fields by their wire names, not their aliases (the value is still read under either). A path may not
/// enter a `list` (its elements are many business objects, and a key is one value per call) and must end on a
/// scalar field. The error says why the path does not resolve, in words fit for a spec error.
pub fn key_field<'s>(messages: &'s [MessageSchema], message: MessageId, key: &str) -> Result<&'s FieldSchema, String> {
    let mut current = messages.get(message.0 as usize).ok_or_else(|| format!("no message #{}", message.0))?;
    let mut segments = key.split('.').peekable();
    while let Some(segment) = segments.next() {
        match current.kind {
            MessageKind::Fields => {}
            MessageKind::Open => return Err(format!("`{}` is open (no field table)", current.path)),
            MessageKind::Empty => return Err(format!("`{}` carries nothing", current.path)),
        }
        let field = current.fields.iter().find(|f| f.name == segment).ok_or_else(|| {
            if let Some(f) = current.field(segment) {
                return format!("`{segment}` is an alias of `{}`: name a field by its wire name", f.name);
            }
            let names: Vec<&str> = current.fields.iter().map(|f| &*f.name).collect();
            format!("`{segment}` is not a field of `{}` (its fields: {})", current.path, names.join(", "))
        })?;
        let last = segments.peek().is_none();
        match (field.ty, last) {
            (FieldType::List(_), _) => {
                return Err(format!(
                    "`{}` is a list: a key is one value per call, and a list holds many business objects",
                    field.name
                ));
            }
            (FieldType::Object(_), true) => {
                return Err(format!("`{}` is an object: a key names a scalar field", field.name));
            }
            (FieldType::Map, true) => return Err(format!("`{}` is a map: a key names a scalar field", field.name)),
            (FieldType::Object(child), false) => current = &messages[child.0 as usize],
            (FieldType::Map, false) => {
                return Err(format!("`{}` is an open map: a key cannot name a field inside it", field.name));
            }
            (_, true) => return Ok(field),
            (_, false) => return Err(format!("`{}` is {}, not an object to go into", field.name, field.ty.notation())),
        }
    }
    Err("a key cannot be empty".to_owned())
}

/// The business keys of one exchange, as `(key, value)` pairs in the order `keys:` declares them: each read from
/// the request payload, else from the response payload, skipped when neither carries it. A sensitive field's value
/// is redacted ([`redact::redact`]); every value is cut to [`MAX_VALUE_CHARS`] characters with control characters
/// escaped, so a log line stays one bounded line whatever a counterpart sent.
pub fn business_keys(
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    request: &Value,
    response: Option<&Value>,
) -> Vec<(String, String)> {
    let sides = [(interface.request, Some(request)), (interface.response, response)];
    interface
        .keys
        .iter()
        .filter_map(|key| {
            let found = sides.iter().find_map(|&(message, payload)| lookup(platform, message, payload?, key))?;
            Some((key.to_string(), found))
        })
        .collect()
}

/// The key's value in one payload, shown: `None` when the message has no such field or the payload no value.
fn lookup(platform: &PlatformSchema, message: MessageId, payload: &Value, key: &str) -> Option<String> {
    let field = key_field(&platform.messages, message, key).ok()?;
    let text = key_value(platform, message, payload, key)?;
    let text = if field.sensitive { redact::redact(&text) } else { text };
    Some(shown(&text))
}

/// The key's value in one payload as text, neither redacted nor cut (the exactly-once claim's key): `None` when
/// the message has no such field or the payload no value (or an empty one).
pub fn key_value(platform: &PlatformSchema, message: MessageId, payload: &Value, key: &str) -> Option<String> {
    let mut node = payload;
    let mut schema = platform.message(message);
    for segment in key.split('.') {
        let f = schema.field(segment)?;
        let Value::Object(map) = node else { return None };
        node = std::iter::once(&f.name).chain(f.aliases.iter()).find_map(|name| map.get(&**name))?;
        if let Some(child) = f.ty.child() {
            schema = platform.message(child);
        }
    }
    match node {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Control characters escaped (a value never breaks its line), then cut to [`MAX_VALUE_CHARS`].
fn shown(text: &str) -> String {
    let escaped: String =
        text.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect();
    if escaped.chars().count() <= MAX_VALUE_CHARS {
        escaped
    } else {
        redact::bounded(&escaped, MAX_VALUE_CHARS - 1).into_owned()
    }
}
