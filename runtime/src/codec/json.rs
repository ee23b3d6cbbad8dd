//! JSON in and out. Reading is lenient where counterparts are known to be sloppy (a trailing comma, as in the
//! shaanxi example `{"ip":"127.0.0.1",}`) and strict about size, depth, keys given twice and characters XML 1.0
//! forbids (a reply may be XML). Numbers keep the text they were sent in (`number`): `1E-7` stays `1E-7`.

use super::number::{SentNumbers, as_sent};
use super::{CodecError, Limits, Step};
use crate::schema::{FieldType, JsonNumber, MessageId, MessageKind, PlatformSchema};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

/// Parses JSON text within `limits`, accepting trailing commas before `}` and `]`.
pub fn parse(text: &str, limits: Limits) -> Result<Value, CodecError> {
    limits.check_len(text.len())?;
    // Well-formed text takes the fast path; only text serde_json refuses is scanned for trailing commas. A refusal
    // of what was read (a key twice, a forbidden character) is final: relaxing the syntax cannot change it.
    match strict(text, limits.max_depth) {
        Ok(value) => return Ok(value),
        Err(Failed::Refused(refused)) => return Err(refused),
        Err(Failed::Syntax(_)) => {}
    }
    let relaxed = relax(text, limits.max_depth)?;
    strict(&relaxed, limits.max_depth).map_err(|failed| match failed {
        Failed::Refused(refused) => refused,
        Failed::Syntax(e) => CodecError::Json(e.to_string()),
    })
}

enum Failed {
    /// Read, and refused for what it holds.
    Refused(CodecError),
    /// Not JSON.
    Syntax(serde_json::Error),
}

/// Reads `text` into a value, refusing a key given twice in one object, a character XML 1.0 forbids in a key or a
/// string, and nesting deeper than `max_depth`.
fn strict(text: &str, max_depth: usize) -> Result<Value, Failed> {
    let refused = RefCell::new(None);
    let numbers = RefCell::new(SentNumbers::new(text));
    let mut reader = serde_json::Deserializer::from_str(text);
    let seed = Strict { at: &Step::Root, depth: 0, max_depth, refused: &refused, numbers: &numbers };
    let value = seed.deserialize(&mut reader).and_then(|v| reader.end().map(|()| v));
    match (value, refused.into_inner()) {
        (_, Some(refused)) => Err(Failed::Refused(refused)),
        (Ok(value), None) => Ok(value),
        (Err(e), None) => Err(Failed::Syntax(e)),
    }
}

/// serde_json's arbitrary-precision numbers arrive as a one-entry map under this key, their text as its value.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// One value being read, and where: a `serde_json::Value` built as serde_json builds it, with the checks above.
/// The refusal travels beside serde's error, which cannot carry it.
#[derive(Clone, Copy)]
struct Strict<'s, 't> {
    at: &'s Step<'s>,
    /// Containers around this value; the root container is at depth 1.
    depth: usize,
    max_depth: usize,
    refused: &'s RefCell<Option<CodecError>>,
    /// The text's number tokens, for each number's sent form.
    numbers: &'s RefCell<SentNumbers<'t>>,
}

impl Strict<'_, '_> {
    fn refuse<E: de::Error>(&self, error: CodecError) -> E {
        let text = error.to_string();
        *self.refused.borrow_mut() = Some(error);
        E::custom(text)
    }

    fn text<E: de::Error>(&self, text: &str) -> Result<(), E> {
        self.at.check_text(text).map_err(|e| self.refuse(e))
    }

    fn enter<E: de::Error>(&self) -> Result<usize, E> {
        let depth = self.depth + 1;
        if depth > self.max_depth {
            return Err(self.refuse(CodecError::TooDeep { limit: self.max_depth }));
        }
        Ok(depth)
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    // Integers that fit 64 bits come as such, written as sent; the others as their text (`visit_map`).
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        self.numbers.borrow_mut().skip();
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        self.numbers.borrow_mut().skip();
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        self.numbers.borrow_mut().skip();
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.text(s)?;
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        self.text(&s)?;
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut out = Vec::new();
        loop {
            let at = Step::Index(self.at, out.len());
            match items.next_element_seed(Strict { at: &at, depth, ..self })? {
                Some(item) => out.push(item),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let Some(first) = entries.next_key::<String>()? else {
            self.enter()?;
            return Ok(Value::Object(Map::new()));
        };
        if first == NUMBER_TOKEN {
            let text: String = entries.next_value()?;
            let sent = self.numbers.borrow_mut().next(&text);
            return sent.map(Value::Number).ok_or_else(|| de::Error::custom(format!("`{text}` is not a number")));
        }
        let depth = self.enter()?;
        let mut out = Map::new();
        let mut key = Some(first);
        while let Some(name) = key {
            let at = Step::Key(self.at, &name);
            at.check_text(&name).map_err(|e| self.refuse(e))?;
            let value = entries.next_value_seed(Strict { at: &at, depth, ..self })?;
            // One hash per key: the value is read first, then its place claimed.
            match out.entry(name) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                Entry::Occupied(slot) => {
                    return Err(self.refuse(CodecError::Duplicate { path: Step::Key(self.at, slot.key()).render() }));
                }
            }
            key = entries.next_key()?;
        }
        Ok(Value::Object(out))
    }
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
    // The keys in their order, each matched to its field from where the last was found: a typed message's keys
    // follow the schema, so this is one pass, where a hashed lookup per field (SipHash) was 6 % of a
    // QueryRegister's server CPU.
    let mut next = 0;
    for (key, v) in map.iter_mut() {
        let Some(at) = message.position_from(key, next) else { continue };
        next = at + 1;
        let field = &message.fields[at];
        match (field.ty, field.json, &*v) {
            (FieldType::Object(child) | FieldType::List(child), _, _) => match v {
                Value::Array(items) => items.iter_mut().for_each(|item| shape(platform, child, item)),
                other => shape(platform, child, other),
            },
            (ty, JsonNumber::String, Value::Number(n)) if ty.is_number() => *v = Value::String(n.to_string()),
            (ty, JsonNumber::Number, Value::String(s)) if ty.is_number() => {
                if let Some(n) = as_sent(s.trim()) {
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
        // Every number as sent, exponents included, in objects, arrays and after strings that look like numbers.
        let sent = ["1E-7", "1.50", "-0", "1e400", "12345678901234567890", "1E+7", "2e-3", "-1.0E5", "0"];
        let text = format!(r#"{{"s":"1E-7 \"2E3\"","n":[{}],"o":{{"x":{}}},}}"#, sent.join(" , "), sent[0]);
        let v = parse(&text, Limits::default()).unwrap();
        let written: Vec<String> = v["n"].as_array().unwrap().iter().map(Value::to_string).collect();
        assert_eq!(written, sent);
        assert_eq!(v["o"]["x"].to_string(), "1E-7");
        assert_eq!(v["s"], "1E-7 \"2E3\"");
        // Written back compact, as a sender signs and sends it.
        assert!(to_string(&v).contains(r#""n":[1E-7,1.50,-0,1e400,12345678901234567890,1E+7,2e-3,-1.0E5,0]"#));
        // Read as numbers still: a value, a decimal for validation.
        assert_eq!(v["n"][0].as_f64(), Some(1e-7));
        // Beyond any double, yet kept and signed as sent; a decimal field would refuse it by its own rule.
        assert_eq!(v["n"][3].as_f64(), None);
        assert!(crate::validate::parse_decimal("1e400").is_none());
        assert_eq!(crate::validate::parse_decimal(&v["n"][0].to_string()).unwrap().to_string(), "0.0000001");
    }

    #[test]
    fn a_number_sent_as_text_becomes_the_same_number() {
        for text in ["1E-7", "1.50", "-0", "1e400", "12345678901234567890"] {
            assert_eq!(as_sent(text).unwrap().to_string(), text);
        }
        assert!(as_sent("1E").is_none() && as_sent("01").is_none() && as_sent("1,5").is_none());
    }

    #[test]
    fn refuses_a_key_given_twice_at_any_depth() {
        let path = |text| match parse(text, Limits::default()) {
            Err(CodecError::Duplicate { path }) => path,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(path(r#"{"sign":"bad","a":1,"sign":"good"}"#), "sign");
        assert_eq!(path(r#"{"param":{"list":[{"名称":"甲"},{"名称":"乙","名称":"丙"}]}}"#), "param.list[1].名称");
        // The same key written two ways is the same key; a trailing comma does not hide a duplicate.
        assert_eq!(path(r#"{"sign":1,"\u0073ign":2,}"#), "sign");
        assert_eq!(
            parse(r#"{"a":{"sign":1},"b":{"sign":2}}"#, Limits::default()).unwrap()["b"]["sign"].to_string(),
            "2"
        );
        let message = parse(r#"{"sign":"A","sign":"B"}"#, Limits::default()).unwrap_err().to_string();
        assert_eq!(message, "`sign` appears more than once");
    }

    #[test]
    fn refuses_characters_xml_forbids_naming_field_and_character() {
        let refused = |text| parse(text, Limits::default()).unwrap_err().to_string();
        assert_eq!(refused(r#"{"name":"张\u0000三"}"#), "`name` holds U+0000, a character XML 1.0 forbids");
        assert_eq!(refused(r#"{"a":[{"b":"\u001b"}]}"#), "`a[0].b` holds U+001B, a character XML 1.0 forbids");
        assert_eq!(refused(r#"{"a":"\uffff",}"#), "`a` holds U+FFFF, a character XML 1.0 forbids");
        assert_eq!(refused(r#""\ufffe""#), "the document holds U+FFFE, a character XML 1.0 forbids");
        // A key is named by its escaped self.
        assert_eq!(refused(r#"{"k\u0001":1}"#), "`k\\u{1}` holds U+0001, a character XML 1.0 forbids");
        let fine = parse(r#"{"a":"tab\tline\nreturn\r 中文（全角）\ufffd"}"#, Limits::default()).unwrap();
        assert_eq!(fine["a"], "tab\tline\nreturn\r 中文（全角）\u{fffd}");
    }

    #[test]
    fn enforces_limits() {
        let deep = "[".repeat(40) + &"]".repeat(40);
        assert_eq!(parse(&deep, Limits::default()), Err(CodecError::TooDeep { limit: 32 }));
        let exactly = "[".repeat(32) + &"]".repeat(32);
        assert!(parse(&exactly, Limits::default()).is_ok());
        let deep_objects = "{\"a\":".repeat(33) + "1" + &"}".repeat(33);
        assert_eq!(parse(&deep_objects, Limits::default()), Err(CodecError::TooDeep { limit: 32 }));
        let limits = Limits { max_bytes: 4, max_depth: 8 };
        assert!(matches!(parse("[1,2,3]", limits), Err(CodecError::TooLarge { .. })));
        assert!(matches!(parse("{,}", Limits::default()), Err(CodecError::Json(_))));
    }
}
