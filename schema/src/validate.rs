//! One checker for every message: it walks a payload against its schema, reports every broken rule at once and
//! brings the value to canonical form (aliases renamed, numbers parsed, blank numbers dropped), so the typed structs
//! can be read from it without a second set of rules.

use crate::redact::show;
use crate::violation::{Rule, Violation, Violations};
use crate::{CodeSchema, FieldSchema, FieldType, MessageId, MessageKind, MessageSchema, PlatformSchema, Presence};
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};
use std::str::FromStr;

/// Checks `value` against message `id` and normalizes it in place.
pub fn check(platform: &PlatformSchema, id: MessageId, value: &mut Value) -> Violations {
    let mut checker = Checker { platform, violations: Vec::new() };
    checker.message(id, value, &Path::Root);
    Violations(checker.violations)
}

struct Checker<'s> {
    platform: &'s PlatformSchema,
    violations: Vec<Violation>,
}

/// Where a value sits, from the root: written out only for a violation, so that a valid payload allocates no
/// path per field.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// `order[2].doctorName`: wire names joined by `.`, list items by `[i]`.
    fn render(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Field(parent, name) => {
                let mut path = parent.render();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                path
            }
            Path::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// Text of a scalar as the documents compare it (`1` and `"1"` are the same code).
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Blank, or an object or list holding nothing but blanks.
fn is_hollow(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.values().all(is_hollow),
        Value::Array(items) => items.iter().all(is_hollow),
        other => is_blank(other),
    }
}

impl Checker<'_> {
    fn report(&mut self, path: String, rule: Rule, detail: impl Into<String>) {
        self.violations.push(Violation { path, rule, detail: detail.into() });
    }

    fn message(&mut self, id: MessageId, value: &mut Value, path: &Path<'_>) {
        let schema = self.platform.message(id);
        if is_blank(value) {
            // `<request></request>`: an empty payload is an object with no fields.
            *value = Value::Object(Map::new());
        }
        let Value::Object(map) = value else {
            self.report(path.render(), Rule::Type, format!("expected an object, found {}", kind(value)));
            return;
        };
        if schema.kind != MessageKind::Fields {
            return;
        }
        for field in schema.fields.iter() {
            adopt_first_of(map, field);
        }
        for field in schema.fields.iter() {
            // One lookup of the field where it has no alias: each hashes its name (SipHash).
            if !field.aliases.is_empty() {
                adopt_alias(map, field);
            }
            let field_path = Path::Field(path, &field.name);
            let (present, blank) = match map.get_mut(&*field.name) {
                Some(v) => {
                    let present = self.field(field, v, &field_path);
                    (present, !present && is_blank(v))
                }
                None => (false, false),
            };
            // Documents leave a field out by sending it empty (`<orderId></orderId>`, `"type": ""`): absent.
            if blank {
                map.shift_remove(&*field.name);
            }
            match &field.presence {
                Presence::Required if !present => {
                    self.report(
                        field_path.render(),
                        Rule::Required,
                        format!("{} ({}) is missing", field.title, field.ty.notation()),
                    );
                }
                _ => {}
            }
        }
        self.conditions(schema, map, path);
    }

    /// Checks one present field; returns whether it carries a value.
    fn field(&mut self, field: &FieldSchema, value: &mut Value, path: &Path<'_>) -> bool {
        match field.ty {
            FieldType::String { .. } | FieldType::Char { .. } => self.text(field, value, path),
            FieldType::Int | FieldType::Long | FieldType::Decimal { .. } => self.number(field, value, path),
            // An element that is present but empty (`<business></business>`) is an empty node, not an absent one.
            FieldType::Object(child) => {
                if value.is_null() {
                    return false;
                }
                self.message(child, value, path);
                true
            }
            FieldType::List(child) => self.list(child, value, path),
            FieldType::Map => match value {
                Value::Object(_) => true,
                Value::Null => false,
                v if is_blank(v) => {
                    *v = Value::Object(Map::new());
                    true
                }
                other => {
                    self.report(path.render(), Rule::Type, format!("expected an object, found {}", kind(other)));
                    true
                }
            },
        }
    }

    fn list(&mut self, child: MessageId, value: &mut Value, path: &Path<'_>) -> bool {
        // `<user></user>` from a template with no rows: no elements, rather than one empty one.
        if is_blank(value) {
            return false;
        }
        // One XML element, or a counterpart that sends an object where the document shows an array.
        if value.is_object() {
            *value = Value::Array(vec![value.take()]);
        }
        let Value::Array(items) = value else {
            self.report(path.render(), Rule::Type, format!("expected a list, found {}", kind(value)));
            return true;
        };
        // A row whose every field is blank is a template's empty row, as `<user></user>` is: no row at all.
        items.retain(|item| !is_hollow(item));
        for (i, item) in items.iter_mut().enumerate() {
            self.message(child, item, &Path::Index(path, i));
        }
        !items.is_empty()
    }

    fn text(&mut self, field: &FieldSchema, value: &mut Value, path: &Path<'_>) -> bool {
        if let Value::Number(n) = value {
            *value = Value::String(n.to_string());
        }
        let text = match value {
            Value::String(s) => s.as_str(),
            Value::Null => return false,
            other => {
                self.report(path.render(), Rule::Type, format!("expected text, found {}", kind(other)));
                return true;
            }
        };
        // Blank text is absent, for `required` as for `required_when` and `require_one_of`.
        if text.trim().is_empty() {
            return false;
        }
        if let Some((max, unit)) = field.max_length() {
            let length = unit.count(text);
            if length > max as usize {
                let allows = match field.length_unit {
                    Some(declared) => format!("{} in {}", field.ty.notation(), declared.as_str()),
                    None => field.ty.notation(),
                };
                let detail =
                    format!("{} is {}, more than {allows} allows", show(text, field.sensitive), unit.describe(length));
                self.report(path.render(), Rule::Length, detail);
            }
        }
        if let Some(format) = &field.format
            && let Err(why) = format.check(text)
            && !field.also_formats.iter().any(|f| f.check(text).is_ok())
        {
            let detail = format!("{} is not {}: {why}", show(text, field.sensitive), format.pattern);
            self.report(path.render(), Rule::Format, detail);
        }
        if let Some(code) = self.code(field, text, path) {
            *value = Value::String(code);
        }
        true
    }

    fn number(&mut self, field: &FieldSchema, value: &mut Value, path: &Path<'_>) -> bool {
        let text: std::borrow::Cow<'_, str> = match value {
            Value::Number(n) => n.to_string().into(),
            Value::String(s) if s.trim().is_empty() => return false,
            Value::String(s) => s.trim().into(),
            Value::Null => return false,
            other => {
                self.report(path.render(), Rule::Type, format!("expected a number, found {}", kind(other)));
                return true;
            }
        };
        let parsed = match field.ty {
            FieldType::Int => text.parse::<i32>().map(Decimal::from).ok(),
            FieldType::Long => text.parse::<i64>().map(Decimal::from).ok(),
            _ => parse_decimal(&text),
        };
        let Some(number) = parsed else {
            let expected = match field.ty {
                FieldType::Int => "a 32-bit integer",
                FieldType::Long => "a 64-bit integer",
                _ => "a decimal number",
            };
            self.report(path.render(), Rule::Type, format!("{} is not {expected}", show(&text, field.sensitive)));
            return true;
        };
        if let FieldType::Decimal { precision, scale } = field.ty {
            self.precision(field, number, precision, scale, path);
        }
        self.bounds(field, number, path);
        // Numbers become JSON numbers, written as sent (`10.00` stays `10.00`); a code given by an accepted
        // alias is replaced by the code itself. Dictionary enums read integers as codes.
        // A plain text that is no JSON number (`09`, `1.`: JSON allows no leading zero or bare point) is written as
        // the number it reads as: left a string, it would pass here and then fail the typed conversion.
        let as_sent =
            (is_plain_decimal(&text) && !text.starts_with('+')).then(|| Number::from_str(&text).ok()).flatten();
        let repr = match (self.code(field, &text, path), as_sent) {
            (Some(code), _) => code,
            // Already the JSON number it reads as: nothing to rewrite.
            (None, Some(_)) if value.is_number() => return true,
            (None, Some(n)) => {
                *value = Value::Number(n);
                return true;
            }
            (None, None) => number.to_string(),
        };
        *value = match Number::from_str(&repr) {
            Ok(n) => Value::Number(n),
            Err(_) => Value::String(repr),
        };
        true
    }

    fn precision(&mut self, field: &FieldSchema, number: Decimal, precision: u8, scale: u8, path: &Path<'_>) {
        let normalized = number.normalize();
        let integer_digits = digits(normalized.trunc().abs().mantissa());
        let fraction_digits = normalized.scale();
        let too_many_int = integer_digits > u32::from(precision.saturating_sub(scale));
        if fraction_digits > u32::from(scale) || too_many_int {
            let detail = format!(
                "{} has {integer_digits} integer and {fraction_digits} fraction digits, more than {} allows",
                show(&number.to_string(), field.sensitive),
                field.ty.notation()
            );
            self.report(path.render(), Rule::Precision, detail);
        }
    }

    fn bounds(&mut self, field: &FieldSchema, number: Decimal, path: &Path<'_>) {
        let below = field.min.as_deref().and_then(parse_decimal).filter(|min| number < *min);
        let above = field.max.as_deref().and_then(parse_decimal).filter(|max| number > *max);
        if let Some(min) = below {
            self.report(path.render(), Rule::Range, format!("{number} is less than the minimum {min}"));
        }
        if let Some(max) = above {
            self.report(path.render(), Rule::Range, format!("{number} is more than the maximum {max}"));
        }
    }

    /// Checks membership; returns the canonical code when the value is an accepted alias of one.
    fn code(&mut self, field: &FieldSchema, text: &str, path: &Path<'_>) -> Option<String> {
        if !field.has_codes() {
            return None;
        }
        let value = text.trim();
        let platform = self.platform;
        match field.accepted_codes(platform).find(|c| c.matches(value)) {
            Some(code) => (code.code != text).then(|| code.code.to_string()),
            None if field.codes_open(platform) => None,
            None => {
                let codes: Vec<&CodeSchema> = field.accepted_codes(platform).collect();
                let title = field.dict.map_or(&field.title, |r| &platform.dictionary(r.dict).title);
                let expected: Vec<&str> = codes.iter().map(|c| &*c.code).take(12).collect();
                let more = if codes.len() > expected.len() { ", …" } else { "" };
                let detail = format!(
                    "{} is not a code of {title} (expected one of {}{more})",
                    show(text, field.sensitive),
                    expected.join(", ")
                );
                self.report(path.render(), Rule::Dictionary, detail);
                None
            }
        }
    }

    fn conditions(&mut self, schema: &MessageSchema, map: &Map<String, Value>, path: &Path<'_>) {
        let present = |name: &str| map.get(name).is_some_and(has_value);
        for field in schema.fields.iter() {
            if let Presence::RequiredWhen(condition) = &field.presence {
                let actual = map.get(&*condition.field).and_then(scalar_text);
                if condition.holds(actual.as_deref()) && !present(&field.name) {
                    let detail = format!("{} is required because {condition}", field.title);
                    self.report(Path::Field(path, &field.name).render(), Rule::RequiredWhen, detail);
                }
            }
        }
        for group in schema.require_one_of.iter() {
            if !group.iter().any(|name| present(name)) {
                let detail = format!("at least one of {} must be present", group.join(", "));
                self.report(Path::Field(path, &group[0]).render(), Rule::OneOf, detail);
            }
        }
    }
}

/// Moves a value sent under an alias to the declared name, unless the declared name is present too.
fn adopt_alias(map: &mut Map<String, Value>, field: &FieldSchema) {
    if map.contains_key(&*field.name) {
        return;
    }
    if let Some(alias) = field.aliases.iter().find(|a| map.contains_key(&***a))
        && let Some(v) = map.shift_remove(&**alias)
    {
        map.insert(field.name.to_string(), v);
    }
}

/// A positional alias: `X` sent twice (XML reads it as a list of two) where the first is this field.
fn adopt_first_of(map: &mut Map<String, Value>, field: &FieldSchema) {
    let Some(twice) = field.first_of.as_deref() else { return };
    if map.contains_key(&*field.name) {
        return;
    }
    if let Some(Value::Array(items)) = map.get_mut(twice)
        && items.len() == 2
        && items.iter().all(|v| !v.is_array() && !v.is_object())
    {
        let second = items.pop().unwrap_or_default();
        let first = items.pop().unwrap_or_default();
        map.insert(twice.to_owned(), second);
        map.insert(field.name.to_string(), first);
    }
}

fn has_value(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        v => !is_blank(v),
    }
}

fn is_plain_decimal(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
}

/// Exact decimal parsing: plain (`10.00`) or scientific (`1e3`) notation, never through a float.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    if is_plain_decimal(text) { Decimal::from_str_exact(text).ok() } else { Decimal::from_scientific(text).ok() }
}

fn digits(mut n: i128) -> u32 {
    let mut count = 0;
    while n != 0 {
        n /= 10;
        count += 1;
    }
    count
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
