//! JSON in and out. Reading is lenient where counterparts are known to be sloppy (a trailing comma, as in the
//! shaanxi example `{"ip":"127.0.0.1",}`) and strict about size and depth.

use super::{CodecError, Limits};
use crate::schema::{FieldType, JsonNumber, MessageId, MessageKind, PlatformSchema};
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::str::FromStr;

/// Parses JSON text within `limits`, accepting trailing commas before `}` and `]`.
pub fn parse(text: &str, limits: Limits) -> Result<Value, CodecError> {
    limits.check_len(text.len())?;
    // Well-formed text takes the fast path; only text serde_json refuses is scanned for trailing commas.
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        check_depth(&value, limits.max_depth)?;
        return Ok(value);
    }
    let relaxed = relax(text, limits.max_depth)?;
    serde_json::from_str(&relaxed).map_err(|e| CodecError::Json(e.to_string()))
}

fn check_depth(value: &Value, max_depth: usize) -> Result<(), CodecError> {
    fn depth(value: &Value, level: usize, max: usize) -> bool {
        match value {
            _ if level > max => false,
            Value::Object(map) => map.values().all(|v| depth(v, level + 1, max)),
            Value::Array(items) => items.iter().all(|v| depth(v, level + 1, max)),
            _ => true,
        }
    }
    // Scalars sit one level below their container: the root container is level 1.
    let ok = match value {
        Value::Object(_) | Value::Array(_) => depth(value, 1, max_depth),
        _ => true,
    };
    if ok { Ok(()) } else { Err(CodecError::TooDeep { limit: max_depth }) }
}

/// Compact JSON, keys in the value's own order.
pub fn to_string(value: &Value) -> String {
    value.to_string()
}

/// Shapes a canonical payload for the wire: numbers the spec sends as text become strings, and codes of number
/// fields (kept as text so dictionaries can read them) become numbers again.
pub fn shape(platform: &PlatformSchema, id: MessageId, value: &mut Value) {
    let message = platform.message(id);
    let Value::Object(map) = value else { return };
    if message.kind != MessageKind::Fields {
        return;
    }
    for field in message.fields.iter() {
        let Some(v) = map.get_mut(&*field.name) else {
            continue;
        };
        match (field.ty, field.json, &*v) {
            (FieldType::Object(child) | FieldType::List(child), _, _) => match v {
                Value::Array(items) => items.iter_mut().for_each(|item| shape(platform, child, item)),
                other => shape(platform, child, other),
            },
            (ty, JsonNumber::String, Value::Number(n)) if ty.is_number() => *v = Value::String(n.to_string()),
            (ty, JsonNumber::Number, Value::String(s)) if ty.is_number() => {
                if let Ok(n) = Number::from_str(s.trim()) {
                    *v = Value::Number(n);
                }
            }
            _ => {}
        }
    }
}

/// Drops commas that stand right before a closing bracket (outside strings) and enforces the depth limit.
fn relax(text: &str, max_depth: usize) -> Result<Cow<'_, str>, CodecError> {
    let bytes = text.as_bytes();
    let mut dropped: Vec<usize> = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    // The last significant byte outside strings; a comma is trailing only when it follows a value.
    let mut prev = 0u8;
    let mut pending_comma: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    return Err(CodecError::TooDeep { limit: max_depth });
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if prev == b',' {
                    dropped.extend(pending_comma.take());
                }
            }
            b',' => pending_comma = (!matches!(prev, b'{' | b'[' | b',' | b':' | 0)).then_some(i),
            _ => {}
        }
        prev = b;
    }
    if dropped.is_empty() {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for i in dropped {
        out.push_str(&text[last..i]);
        last = i + 1;
    }
    out.push_str(&text[last..]);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_shaanxi_trailing_comma() {
        let v = parse(r#"{"ip":"127.0.0.1",}"#, Limits::default()).unwrap();
        assert_eq!(v["ip"], "127.0.0.1");
        let v = parse("[1, 2 ,\r\n ]", Limits::default()).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
    }

    #[test]
    fn commas_inside_strings_are_text() {
        let v = parse(r#"{"a":",}","b":"x\",]",}"#, Limits::default()).unwrap();
        assert_eq!(v["a"], ",}");
        assert_eq!(v["b"], "x\",]");
    }

    #[test]
    fn keeps_numbers_as_written() {
        let v = parse(r#"{"amount": 10.00}"#, Limits::default()).unwrap();
        assert_eq!(v["amount"].to_string(), "10.00");
    }

    #[test]
    fn enforces_limits() {
        let deep = "[".repeat(40) + &"]".repeat(40);
        assert_eq!(parse(&deep, Limits::default()), Err(CodecError::TooDeep { limit: 32 }));
        let limits = Limits { max_bytes: 4, max_depth: 8 };
        assert!(matches!(parse("[1,2,3]", limits), Err(CodecError::TooLarge { .. })));
        assert!(matches!(parse("{,}", Limits::default()), Err(CodecError::Json(_))));
    }
}
