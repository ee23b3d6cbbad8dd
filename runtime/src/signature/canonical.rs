//! The string to sign: which fields take part and how each is written, recorded field by field so a debugger can
//! show what was included, what was skipped and why.

use crate::schema::{Coverage, KeyOrder, Nested, Numbers, SignatureRule};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// One field of the message as the rule saw it; text borrowed from the message where it is used as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'m> {
    /// The key as written into the string: a field name, or a flattened path (`detail.amount`).
    pub name: Cow<'m, str>,
    pub value: Cow<'m, str>,
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
pub struct Pairs<'m> {
    pub entries: Vec<Entry<'m>>,
}

impl<'m> Pairs<'m> {
    pub fn included(&self) -> impl Iterator<Item = &Entry<'m>> {
        self.entries.iter().filter(|e| e.skipped.is_none())
    }

    /// `name=value` pairs joined, then `suffix`, appended to `out` (which holds the prefix). Room for all is
    /// reserved at once: a reply's 21 KB ciphertext is not copied again to make room for `&key=…`.
    pub fn join_into(&self, rule: &SignatureRule, out: &mut String, suffix: &str) {
        let size: usize =
            self.included().map(|e| e.name.len() + e.value.len() + rule.pair.len() + rule.join.len()).sum();
        out.reserve(size + suffix.len());
        for (i, entry) in self.included().enumerate() {
            if i > 0 {
                out.push_str(&rule.join);
            }
            write_pair(&rule.pair, &entry.name, &entry.value, out);
        }
        out.push_str(suffix);
    }

    /// Copies whatever the entries borrow, so the pairs outlive the message.
    pub fn into_owned(self) -> Pairs<'static> {
        let owned = |c: Cow<'m, str>| Cow::Owned(c.into_owned());
        Pairs {
            entries: self
                .entries
                .into_iter()
                .map(|e| Entry { name: owned(e.name), value: owned(e.value), skipped: e.skipped })
                .collect(),
        }
    }
}

/// `{name}={value}` with the two placeholders filled; anything else in the pattern is literal.
fn write_pair(pattern: &str, name: &str, value: &str, out: &mut String) {
    if pattern == "{name}={value}" {
        out.push_str(name);
        out.push('=');
        out.push_str(value);
        return;
    }
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
}

/// Collects the message's fields under `rule`; `declared` lists the envelope's fields for `covers: declared`.
pub fn pairs<'m>(rule: &SignatureRule, declared: &[&str], message: &'m Map<String, Value>) -> Pairs<'m> {
    let mut entries = Vec::with_capacity(message.len());
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
                entries.push(Entry { name: Cow::Borrowed(name), value: text, skipped: skip });
            }
        }
    }
    // The included entries by key, then the skipped ones all equal, so that the stable sort keeps them in message
    // order: one vector, and no allocation for the few fields of an envelope (a short slice is insertion-sorted).
    entries.sort_by(|a, b| match (a.skipped.is_some(), b.skipped.is_some()) {
        (false, false) => compare_keys(rule.sort, &a.name, &b.name),
        (skipped_a, skipped_b) => skipped_a.cmp(&skipped_b),
    });
    Pairs { entries }
}

pub(crate) fn compare_keys(order: KeyOrder, a: &str, b: &str) -> std::cmp::Ordering {
    match order {
        KeyOrder::Bytes => a.as_bytes().cmp(b.as_bytes()),
        KeyOrder::IgnoreCase => a.to_lowercase().cmp(&b.to_lowercase()).then_with(|| a.as_bytes().cmp(b.as_bytes())),
    }
}

/// `detail.amount`, `list[0].name`: one entry per leaf; empty objects and arrays contribute nothing.
fn flatten<'m>(rule: &SignatureRule, path: &str, value: &'m Value, out: &mut Vec<Entry<'m>>) {
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
            out.push(Entry { name: Cow::Owned(path.to_owned()), value: text, skipped });
        }
    }
}

/// A value as written into the string. Null is empty; text is as sent; numbers follow the rule.
fn scalar_or_nested<'m>(rule: &SignatureRule, value: &'m Value) -> Cow<'m, str> {
    match value {
        Value::Null => Cow::Borrowed(""),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::String(s) => Cow::Borrowed(s),
        Value::Number(n) => Cow::Owned(number(rule.numbers, &n.to_string())),
        nested => Cow::Owned(match rule.nested {
            Nested::Xml => {
                let mut out = String::new();
                write_xml_children(rule, nested, &mut out);
                out
            }
            // Flattening reaches here only for an excluded or undeclared field, which is not written anyway.
            Nested::Json | Nested::Flatten => {
                let mut out = Vec::new();
                write_sorted_json(rule, nested, &mut out);
                // serde_json writes UTF-8 only.
                String::from_utf8(out).unwrap_or_default()
            }
        }),
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

/// Compact JSON with keys sorted recursively; text escaped as serde_json escapes it, written straight into `out`.
fn write_sorted_json(rule: &SignatureRule, value: &Value, out: &mut Vec<u8>) {
    // Writing a `str` or `&String` into a Vec cannot fail.
    let text = |out: &mut Vec<u8>, s: &str| {
        let _ = serde_json::to_writer(&mut *out, s);
    };
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| compare_keys(rule.sort, a.0, b.0));
            out.push(b'{');
            for (i, (key, child)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                text(out, key);
                out.push(b':');
                write_sorted_json(rule, child, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_sorted_json(rule, item, out);
            }
            out.push(b']');
        }
        Value::String(s) => text(out, s),
        Value::Number(n) => out.extend_from_slice(number(rule.numbers, &n.to_string()).as_bytes()),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Null => out.extend_from_slice(b"null"),
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
        scalar => out.push_str(&quick_xml::escape::escape(&*scalar_or_nested(rule, scalar))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Compare, SignOrder};
    use serde_json::json;

    fn rule() -> SignatureRule {
        SignatureRule {
            field: "sign".into(),
            covers: Coverage::Declared,
            exclude: vec!["sign".into(), "signType".into()].into(),
            drop_empty: true,
            sort: KeyOrder::Bytes,
            pair: "{name}={value}".into(),
            join: "&".into(),
            nested: Nested::Xml,
            numbers: Numbers::AsSent,
            prefix: "".into(),
            suffix: "&key={key}".into(),
            digest: vec![].into(),
            order: SignOrder::EncryptThenSign,
            compare: Compare::Exact,
            description: "".into(),
            lines: vec![].into(),
            carrier: None,
            headers: vec![].into(),
        }
    }

    /// The debugger shows the included pairs in signing order, then each skipped field in the message's order.
    #[test]
    fn included_pairs_sorted_then_the_skipped_in_message_order() {
        let message = json!({
            "sign": "X", "service": "TestNet", "logNo": "1", "partner": "中文", "empty": "", "signType": "md5",
            "Zeta": "z", "dataFormat": "xml",
        });
        let declared = ["service", "partner", "empty", "sign", "signType", "Zeta", "dataFormat"];
        let pairs = pairs(&rule(), &declared, message.as_object().unwrap());
        let shown: Vec<_> = pairs.entries.iter().map(|e| (&*e.name, e.skipped)).collect();
        assert_eq!(
            shown,
            [
                ("Zeta", None),
                ("dataFormat", None),
                ("partner", None),
                ("service", None),
                ("sign", Some(Skip::Excluded)),
                ("logNo", Some(Skip::Undeclared)),
                ("empty", Some(Skip::Empty)),
                ("signType", Some(Skip::Excluded)),
            ]
        );
        let mut joined = String::new();
        pairs.join_into(&rule(), &mut joined, "");
        assert_eq!(joined, "Zeta=z&dataFormat=xml&partner=中文&service=TestNet");
    }
}
