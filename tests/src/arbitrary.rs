//! Random valid payloads for any message, generated from its schema: text mixes Chinese, ASCII and XML's
//! special characters (`<`, `&`, `]]>`), numbers respect their bounds and precision, codes come from their
//! dictionaries, dates from their declared formats.

use chrono::NaiveDate;
use hisgate_runtime::schema::*;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use std::str::FromStr;

const PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "9",
    "-",
    "_",
    " ",
    "张",
    "三",
    "医",
    "院",
    "科",
    "室",
    "挂",
    "号",
    "费",
    "√",
    "，",
    "<",
    ">",
    "&",
    "\"",
    "'",
    "]]>",
    "<![CDATA[",
    "\n",
    "\r\n",
    "\t",
    "😀",
];

/// Text of 1..=`max` pieces that fits `ty`'s length rule.
fn text(ty: FieldType, allow_empty: bool) -> BoxedStrategy<String> {
    let (max_chars, max_bytes) = match ty {
        FieldType::String { max_chars } => (max_chars.unwrap_or(24).min(24) as usize, usize::MAX),
        FieldType::Char { max_bytes } => (max_bytes.min(24) as usize, max_bytes as usize),
        _ => (24, usize::MAX),
    };
    let min = usize::from(!allow_empty);
    prop::collection::vec(prop::sample::select(PIECES), min..=max_chars)
        .prop_map(move |pieces| {
            let mut out = String::new();
            for piece in pieces {
                let fits =
                    out.chars().count() + piece.chars().count() <= max_chars && out.len() + piece.len() <= max_bytes;
                if fits {
                    out.push_str(piece);
                }
            }
            if out.trim().is_empty() && min > 0 { "x".to_owned() } else { out }
        })
        .boxed()
}

fn datetime(format: TimeFormat) -> BoxedStrategy<String> {
    (1970i32..2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, 0u32..1000)
        .prop_map(move |(y, mo, d, h, mi, s, ms)| {
            let at = NaiveDate::from_ymd_opt(y, mo, d).and_then(|date| date.and_hms_milli_opt(h, mi, s, ms));
            format.render(at.unwrap_or_default())
        })
        .boxed()
}

fn codes(platform: &PlatformSchema, field: &FieldSchema) -> Vec<String> {
    field.accepted_codes(platform).map(|c| c.code.to_string()).collect()
}

fn decimal(field: &FieldSchema, precision: u8, scale: u8) -> BoxedStrategy<Value> {
    let int_digits = u32::from(precision - scale).min(9);
    let max_int = 10i64.pow(int_digits) - 1;
    let non_negative = field.min.as_deref().is_some_and(|m| !m.starts_with('-'));
    let low = if non_negative { 0 } else { -max_int };
    (low..=max_int, 0u32..10u32.pow(u32::from(scale).min(6)))
        .prop_map(move |(int, frac)| {
            let text = if scale == 0 {
                int.to_string()
            } else {
                format!("{int}.{frac:0width$}", width = scale.min(6) as usize)
            };
            Value::Number(Number::from_str(&text).unwrap())
        })
        .boxed()
}

fn integer(field: &FieldSchema, long: bool) -> BoxedStrategy<Value> {
    let bound = |b: &Option<Str>, default: i64| b.as_deref().and_then(|t| t.parse::<i64>().ok()).unwrap_or(default);
    let (lo, hi) = if long { (-1_000_000_000_000, 1_000_000_000_000) } else { (-1_000_000, 1_000_000) };
    (bound(&field.min, lo)..=bound(&field.max, hi)).prop_map(|n| Value::Number(n.into())).boxed()
}

fn scalar(platform: &'static PlatformSchema, field: &FieldSchema, must_have: bool) -> BoxedStrategy<Value> {
    let codes = codes(platform, field);
    if !codes.is_empty() {
        let numeric = matches!(field.ty, FieldType::Int | FieldType::Long);
        return prop::sample::select(codes)
            .prop_map(move |code| match (numeric, Number::from_str(&code)) {
                (true, Ok(n)) => Value::Number(n),
                _ => Value::String(code),
            })
            .boxed();
    }
    match field.ty {
        FieldType::Int => integer(field, false),
        FieldType::Long => integer(field, true),
        FieldType::Decimal { precision, scale } => decimal(field, precision, scale),
        ty => match &field.format {
            Some(format) => datetime(format.clone()).prop_map(Value::String).boxed(),
            None => text(ty, !must_have).prop_map(Value::String).boxed(),
        },
    }
}

fn map() -> BoxedStrategy<Value> {
    prop::collection::btree_map("[a-z][a-zA-Z0-9]{0,6}", text(FieldType::String { max_chars: Some(8) }, false), 1..3)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect()))
        .boxed()
}

fn value(platform: &'static PlatformSchema, field: &FieldSchema, must_have: bool) -> BoxedStrategy<Value> {
    match field.ty {
        FieldType::Object(child) => message(platform, child, true),
        FieldType::List(child) => {
            let min = usize::from(field.presence == Presence::Required);
            prop::collection::vec(message(platform, child, true), min.max(1)..=3).prop_map(Value::Array).boxed()
        }
        FieldType::Map => map(),
        _ => scalar(platform, field, must_have),
    }
}

/// A valid payload of message `id`. `nested` nodes always carry their first field, so that no node is empty
/// (an empty list element would read back as no element).
pub fn message(platform: &'static PlatformSchema, id: MessageId, nested: bool) -> BoxedStrategy<Value> {
    let schema = platform.message(id);
    if schema.kind != MessageKind::Fields {
        return match schema.kind {
            MessageKind::Open => map(),
            _ => Just(Value::Object(Map::new())).boxed(),
        };
    }
    let first_of_groups: Vec<&str> = schema.require_one_of.iter().filter_map(|g| g.first()).map(|n| &**n).collect();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let always =
                field.presence != Presence::Optional || first_of_groups.contains(&&*field.name) || (nested && i == 0);
            let name = field.name.to_string();
            let v = value(platform, field, always);
            if always {
                v.prop_map(move |v| Some((name.clone(), v))).boxed()
            } else {
                prop::option::of(v.prop_map(move |v| (name.clone(), v))).boxed()
            }
        })
        .collect();
    fields.prop_map(|entries| Value::Object(entries.into_iter().flatten().collect())).boxed()
}
