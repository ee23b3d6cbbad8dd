//! Sample payloads for every message, built from the spec alone: the document's example where a field has one,
//! else a value its own rules accept. The docs seal them with the real engine, simulators answer with them and the
//! end-to-end tests send them; a test checks that each one validates.

use crate::schema::{FieldSchema, FieldType, JsonNumber, MessageId, MessageKind, PlatformSchema, TimeToken};
use serde_json::{Map, Number, Value};
use std::str::FromStr;

/// A payload for message `id` in which every field, optional ones included, holds a value; a list holds one item.
pub fn payload(platform: &PlatformSchema, id: MessageId) -> Value {
    let message = platform.message(id);
    let mut map = Map::new();
    if message.kind == MessageKind::Fields {
        for field in message.fields.iter() {
            map.insert(field.name.to_string(), value(platform, field));
        }
    }
    Value::Object(map)
}

/// The example a field's row shows: its scalar text; nothing for objects, lists and maps, whose own fields have
/// rows of their own.
pub fn shown(platform: &PlatformSchema, field: &FieldSchema) -> String {
    match field.ty {
        FieldType::Object(_) | FieldType::List(_) | FieldType::Map => String::new(),
        _ => scalar(platform, field),
    }
}

/// Whether the example shown for a field is the document's own.
pub fn documented(field: &FieldSchema) -> bool {
    field.example.is_some()
}

fn value(platform: &PlatformSchema, field: &FieldSchema) -> Value {
    match field.ty {
        FieldType::Object(child) => return payload(platform, child),
        FieldType::List(child) => return Value::Array(vec![payload(platform, child)]),
        FieldType::Map => return Value::Object(Map::new()),
        _ => {}
    }
    let text = scalar(platform, field);
    let as_number = field.ty.is_number() && field.json == JsonNumber::Number;
    match Number::from_str(&text) {
        Ok(number) if as_number => Value::Number(number),
        _ => Value::String(text),
    }
}

fn scalar(platform: &PlatformSchema, field: &FieldSchema) -> String {
    if let Some(example) = &field.example {
        return example.to_string();
    }
    if let Some(code) = field.accepted_codes(platform).next() {
        return code.code.to_string();
    }
    if let Some(format) = &field.format {
        return format.tokens.iter().map(sample_token).collect();
    }
    match field.ty {
        FieldType::Int | FieldType::Long => bounded("1", field),
        FieldType::Decimal { scale, .. } => {
            let one = if scale == 0 { "1".to_owned() } else { format!("1.{}", "0".repeat(scale.into())) };
            bounded(&one, field)
        }
        FieldType::String { max_chars } => {
            fit(&text_sample(field), |s| max_chars.is_none_or(|n| s.chars().count() <= n as usize))
        }
        FieldType::Char { max_bytes } => fit(&text_sample(field), |s| s.len() <= max_bytes as usize),
        FieldType::Object(_) | FieldType::List(_) | FieldType::Map => String::new(),
    }
}

/// An amount for money held as text, else the field's Chinese title: a reader sees what belongs there.
fn text_sample(field: &FieldSchema) -> String {
    if field.unit.is_some() {
        "10.00".into()
    } else if field.title.trim().is_empty() {
        field.name.to_string()
    } else {
        field.title.trim().to_owned()
    }
}

/// The longest prefix of `text` that `fits`, at least one character (`x` when nothing fits).
fn fit(text: &str, fits: impl Fn(&str) -> bool) -> String {
    let mut end = text.len();
    while end > 0 && !fits(&text[..end]) {
        end = text[..end].char_indices().last().map_or(0, |(i, _)| i);
    }
    if end == 0 { "x".into() } else { text[..end].to_owned() }
}

/// A number inside the field's bounds.
fn bounded(default: &str, field: &FieldSchema) -> String {
    use crate::validate::parse_decimal;
    let value = parse_decimal(default);
    if let Some(min) = field.min.as_deref().filter(|min| value < parse_decimal(min)) {
        return min.to_owned();
    }
    if let Some(max) = field.max.as_deref().filter(|max| value > parse_decimal(max)) {
        return max.to_owned();
    }
    default.to_owned()
}

/// 2019-04-29 10:30:00.000, the day the yizhangtong document was last versioned.
pub fn sample_token(token: &TimeToken) -> String {
    match token {
        TimeToken::Year => "2019".into(),
        TimeToken::Month => "04".into(),
        TimeToken::Day => "29".into(),
        TimeToken::Hour => "10".into(),
        TimeToken::Minute => "30".into(),
        TimeToken::Second => "00".into(),
        TimeToken::Millis => "000".into(),
        TimeToken::Literal(c) => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_to_its_width_on_character_boundaries() {
        assert_eq!(fit("预约挂号", |s| s.len() <= 7), "预约");
        assert_eq!(fit("预约", |s| s.len() <= 2), "x");
    }
}
