//! The string to sign: which fields take part and how each is written, recorded field by field so a debugger can
//! show what was included, what was skipped and why.

use crate::schema::{Coverage, KeyOrder, Nested, Numbers, SignatureRule};
use serde_json::{Map, Value};

/// One field of the message as the rule saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key as written into the string: a field name, or a flattened path (`detail.amount`).
    pub name: String,
    pub value: String,
    /// Why it was left out; `None` when it is part of the string.
    pub skipped: Option<Skip>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The rule excludes it (`sign`, `signType`).
    Excluded,
    /// Empty or null, and the rule drops such values.
    Empty,
    /// The envelope does not declare it, and the rule signs declared fields only.
    Undeclared,
}

impl Skip {
    pub fn reason(self) -> &'static str {
        match self {
            Skip::Excluded => "excluded by the rule",
            Skip::Empty => "empty, and the rule drops empty values",
            Skip::Undeclared => "not a field the envelope declares",
        }
    }
}

/// The pairs in signing order, then the skipped entries in message order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairs {
    pub entries: Vec<Entry>,
}

impl Pairs {
    pub fn included(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.skipped.is_none())
    }

    /// `name=value` pairs joined, without prefix or suffix.
    pub fn join(&self, rule: &SignatureRule) -> String {
        let mut out = String::new();
        for (i, entry) in self.included().enumerate() {
            if i > 0 {
                out.push_str(&rule.join);
            }
            out.push_str(&write_pair(&rule.pair, &entry.name, &entry.value));
        }
        out
    }
}

/// `{name}={value}` with the two placeholders filled; anything else in the pattern is literal.
fn write_pair(pattern: &str, name: &str, value: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + name.len() + value.len());
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{name}") {
            out.push_str(name);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{value}") {
            out.push_str(value);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Collects the message's fields under `rule`; `declared` lists the envelope's fields for `covers: declared`.
pub fn pairs(rule: &SignatureRule, declared: &[&str], message: &Map<String, Value>) -> Pairs {
    let mut entries = Vec::new();
    for (name, value) in message {
        let skip = if rule.exclude.iter().any(|e| e == name) {
            Some(Skip::Excluded)
        } else if rule.covers == Coverage::Declared && !declared.contains(&name.as_str()) {
            Some(Skip::Undeclared)
        } else {
            None
        };
        match (skip, value, rule.nested) {
            (None, Value::Object(_) | Value::Array(_), Nested::Flatten) => flatten(rule, name, value, &mut entries),
            (skip, value, _) => {
                let text = scalar_or_nested(rule, value);
                let skip = skip.or_else(|| (rule.drop_empty && text.is_empty()).then_some(Skip::Empty));
                entries.push(Entry { name: name.clone(), value: text, skipped: skip });
            }
        }
    }
    let (mut included, skipped): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.skipped.is_none());
    included.sort_by(|a, b| compare_keys(rule.sort, &a.name, &b.name));
    included.extend(skipped);
    Pairs { entries: included }
}

fn compare_keys(order: KeyOrder, a: &str, b: &str) -> std::cmp::Ordering {
    match order {
        KeyOrder::Bytes => a.as_bytes().cmp(b.as_bytes()),
        KeyOrder::IgnoreCase => a.to_lowercase().cmp(&b.to_lowercase()).then_with(|| a.as_bytes().cmp(b.as_bytes())),
    }
}

/// `detail.amount`, `list[0].name`: one entry per leaf; empty objects and arrays contribute nothing.
fn flatten(rule: &SignatureRule, path: &str, value: &Value, out: &mut Vec<Entry>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                flatten(rule, &format!("{path}.{key}"), child, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(rule, &format!("{path}[{i}]"), item, out);
            }
        }
        leaf => {
            let text = scalar_or_nested(rule, leaf);
            let skipped = (rule.drop_empty && text.is_empty()).then_some(Skip::Empty);
            out.push(Entry { name: path.to_owned(), value: text, skipped });
        }
    }
}

/// A value as written into the string. Null is empty; text is as sent; numbers follow the rule.
fn scalar_or_nested(rule: &SignatureRule, value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => number(rule.numbers, &n.to_string()),
        nested => match rule.nested {
            Nested::Xml => {
                let mut out = String::new();
                write_xml_children(rule, nested, &mut out);
                out
            }
            // Flattening reaches here only for an excluded or undeclared field, which is not written anyway.
            Nested::Json | Nested::Flatten => {
                let mut out = String::new();
                write_sorted_json(rule, nested, &mut out);
                out
            }
        },
    }
}

/// A JSON number's text under the rule: as sent, or with trailing zeros stripped (`10.00` → `10`).
pub fn number(numbers: Numbers, text: &str) -> String {
    match numbers {
        Numbers::AsSent => text.to_owned(),
        Numbers::Shortest => match crate::validate::parse_decimal(text) {
            Some(d) => d.normalize().to_string(),
            None => text.to_owned(),
        },
    }
}

/// Compact JSON with keys sorted recursively; text escaped as JSON escapes it.
fn write_sorted_json(rule: &SignatureRule, value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| compare_keys(rule.sort, a, b));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_sorted_json(rule, &map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted_json(rule, item, out);
            }
            out.push(']');
        }
        Value::Number(n) => out.push_str(&number(rule.numbers, &n.to_string())),
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `<a>1</a><b>x</b>`: children in their own order, text escaped, no CDATA.
fn write_xml_children(rule: &SignatureRule, value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let items: Vec<&Value> = match child {
                    Value::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                for item in items {
                    out.push_str(&format!("<{key}>"));
                    write_xml_children(rule, item, out);
                    out.push_str(&format!("</{key}>"));
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| write_xml_children(rule, item, out)),
        scalar => out.push_str(&quick_xml::escape::escape(scalar_or_nested(rule, scalar).as_str())),
    }
}
