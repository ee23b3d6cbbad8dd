//! XML in and out, as the documents use it: elements only, text in CDATA, no attributes that carry data.
//! A DOCTYPE is refused outright and only the five predefined entities are read, so nothing is ever expanded.

use super::{CodecError, Limits};
use crate::schema::{MessageId, PlatformSchema};
use quick_xml::Reader;
use quick_xml::events::{BytesCData, Event};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// A parsed document: its root element's name and content.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlDocument {
    pub root: String,
    pub value: Value,
    /// The `encoding` of the XML declaration, if there was one.
    pub encoding: Option<String>,
}

struct Frame {
    name: String,
    text: String,
    children: Map<String, Value>,
    has_children: bool,
}

impl Frame {
    fn new(name: String) -> Frame {
        Frame { name, text: String::new(), children: Map::new(), has_children: false }
    }

    /// The element's name and value.
    fn into_parts(self) -> Result<(String, Value), CodecError> {
        if !self.has_children {
            return Ok((self.name, Value::String(self.text)));
        }
        if !self.text.trim().is_empty() {
            let text = self.text.trim();
            return Err(CodecError::Xml(format!("<{}> mixes text `{text}` with elements", self.name)));
        }
        Ok((self.name, Value::Object(self.children)))
    }

    /// Adds a child element; a name that repeats becomes a list, in document order (in the first one's place).
    fn adopt(&mut self, name: String, value: Value) {
        self.has_children = true;
        match self.children.entry(name) {
            Entry::Vacant(entry) => {
                entry.insert(value);
            }
            Entry::Occupied(mut entry) => match entry.get_mut() {
                Value::Array(items) => items.push(value),
                first => {
                    let first = first.take();
                    *entry.get_mut() = Value::Array(vec![first, value]);
                }
            },
        }
    }
}

/// Parses a document within `limits`. Leaf elements become text, elements with children objects, repeated
/// elements lists; attributes are ignored.
pub fn parse(text: &str, limits: Limits) -> Result<XmlDocument, CodecError> {
    limits.check_len(text.len())?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<(String, Value)> = None;
    let mut encoding = None;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| CodecError::Xml(format!("{e} (at byte {at})")))?;
        match event {
            Event::DocType(_) => return Err(CodecError::XmlDoctype),
            Event::Decl(decl) => {
                if let Some(Ok(enc)) = decl.encoding() {
                    encoding = Some(enc.into_owned());
                }
            }
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let name = start.name().as_ref().to_owned();
                return Err(CodecError::Xml(format!("element <{name}> after the root element")));
            }
            Event::Start(start) => {
                if stack.len() >= limits.max_depth {
                    return Err(CodecError::TooDeep { limit: limits.max_depth });
                }
                stack.push(Frame::new(start.name().as_ref().to_owned()));
            }
            Event::Empty(start) => {
                let name = start.name().as_ref().to_owned();
                match stack.last_mut() {
                    Some(parent) => parent.adopt(name, Value::String(String::new())),
                    None => root = Some((name, Value::String(String::new()))),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content())?,
            Event::CData(c) => push_text(&mut stack, &c.into_inner())?,
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    _ => predefined_entity(&r.xml10_content())?,
                };
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::End(_) => {
                let frame = stack.pop().ok_or_else(|| CodecError::Xml("unbalanced end tag".into()))?;
                let (name, value) = frame.into_parts()?;
                match stack.last_mut() {
                    Some(parent) => parent.adopt(name, value),
                    None => root = Some((name, value)),
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(CodecError::Xml(format!("<{}> is not closed", open.name)));
    }
    let (root, value) = root.ok_or_else(|| CodecError::Xml("no root element".into()))?;
    Ok(XmlDocument { root, value, encoding })
}

fn push_text(stack: &mut [Frame], text: &str) -> Result<(), CodecError> {
    match stack.last_mut() {
        Some(frame) => frame.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => {
            return Err(CodecError::Xml(format!("text `{}` outside the root element", text.trim())));
        }
    }
    Ok(())
}

fn predefined_entity(name: &str) -> Result<char, CodecError> {
    Ok(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "apos" => '\'',
        "quot" => '"',
        other => return Err(CodecError::XmlEntity(other.to_owned())),
    })
}

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Starts with `<?xml version="1.0" encoding="utf-8"?>`, as the shaanxi envelope requires.
    pub declaration: bool,
    /// Text in `<![CDATA[…]]>` (the shaanxi rule), else escaped.
    pub cdata: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { declaration: false, cdata: true }
    }
}

/// Writes `value` as element `root`, compact, children in the schema's field order when a schema is given
/// (then any other keys in their own order). Null values are left out.
pub fn write(
    root: &str,
    value: &Value,
    schema: Option<(&PlatformSchema, MessageId)>,
    options: WriteOptions,
) -> Result<String, CodecError> {
    let mut out = String::new();
    if options.declaration {
        out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    }
    Writer { out: &mut out, options }.element(root, value, schema)?;
    Ok(out)
}

struct Writer<'o> {
    out: &'o mut String,
    options: WriteOptions,
}

impl Writer<'_> {
    fn element(
        &mut self,
        name: &str,
        value: &Value,
        schema: Option<(&PlatformSchema, MessageId)>,
    ) -> Result<(), CodecError> {
        if !is_xml_name(name) {
            return Err(CodecError::Xml(format!("`{name}` is not an XML element name")));
        }
        match value {
            Value::Null => Ok(()),
            Value::Array(items) => items.iter().try_for_each(|item| self.element(name, item, schema)),
            Value::Object(map) => {
                self.open(name);
                for (key, child) in ordered(map, schema) {
                    let child_schema = schema.and_then(|(platform, id)| {
                        let field = platform.message(id).field(key)?;
                        Some((platform, field.ty.child()?))
                    });
                    self.element(key, child, child_schema)?;
                }
                self.close(name);
                Ok(())
            }
            scalar => {
                let text = match scalar {
                    Value::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
                    other => std::borrow::Cow::Owned(other.to_string()),
                };
                self.open(name);
                self.text(&text);
                self.close(name);
                Ok(())
            }
        }
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn text(&mut self, text: &str) {
        if self.options.cdata {
            // `]]>` cannot be escaped inside CDATA: the iterator splits it across sections.
            for section in BytesCData::escaped(text) {
                self.out.push_str("<![CDATA[");
                self.out.push_str(&section.into_inner());
                self.out.push_str("]]>");
            }
        } else {
            self.out.push_str(&quick_xml::escape::escape(text));
        }
    }
}

/// The schema's fields first, in declared order, then the keys it does not know.
fn ordered<'v>(
    map: &'v Map<String, Value>,
    schema: Option<(&PlatformSchema, MessageId)>,
) -> Vec<(&'v String, &'v Value)> {
    let Some((platform, id)) = schema else {
        return map.iter().collect();
    };
    let fields = &platform.message(id).fields;
    let mut entries: Vec<_> = map.iter().collect();
    // A key's position is a linear search: computed once per key, not once per comparison (stable either way).
    entries.sort_by_cached_key(|(key, _)| fields.iter().position(|f| f.name == **key).unwrap_or(usize::MAX));
    entries
}

fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Result<Value, CodecError> {
        parse(text, Limits::default()).map(|d| d.value)
    }

    #[test]
    fn reads_cdata_lists_and_nesting() {
        let doc = parse(
            r#"<?xml version="1.0" encoding="utf-8"?>
            <request>
              <ip><![CDATA[127.0.0.1]]></ip>
              <user><id><![CDATA[card]]></id></user>
              <user><id>name</id><value>a &amp; b &#x4E2D;</value></user>
              <empty/>
            </request>"#,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(doc.root, "request");
        assert_eq!(doc.encoding.as_deref(), Some("utf-8"));
        assert_eq!(
            doc.value,
            json!({"ip": "127.0.0.1", "user": [{"id": "card"}, {"id": "name", "value": "a & b 中"}], "empty": ""})
        );
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let bomb = r#"<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>"#;
        assert_eq!(read(bomb), Err(CodecError::XmlDoctype));
        assert_eq!(read("<r>&a;</r>"), Err(CodecError::XmlEntity("a".into())));
    }

    #[test]
    fn refuses_malformed_documents() {
        assert!(matches!(read("<r><a></r>"), Err(CodecError::Xml(_))));
        assert!(matches!(read("<r>"), Err(CodecError::Xml(_))));
        assert!(matches!(read(""), Err(CodecError::Xml(_))));
        assert!(matches!(read("<r>text<a/></r>"), Err(CodecError::Xml(_))));
        assert!(matches!(read("<r/><s/>"), Err(CodecError::Xml(_))));
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert_eq!(read(&deep), Err(CodecError::TooDeep { limit: 32 }));
    }

    #[test]
    fn writes_cdata_that_survives_its_own_terminator() {
        let value = json!({"ip": "127.0.0.1", "note": "a]]>b<&", "n": 1, "skip": null});
        let text = write("request", &value, None, WriteOptions::default()).unwrap();
        assert_eq!(
            text,
            "<request><ip><![CDATA[127.0.0.1]]></ip><note><![CDATA[a]]]]><![CDATA[>b<&]]></note>\
             <n><![CDATA[1]]></n></request>"
        );
        let back = read(&text).unwrap();
        assert_eq!(back["note"], "a]]>b<&");
        let plain = WriteOptions { declaration: true, cdata: false };
        let text = write("r", &json!({"a": "x<y"}), None, plain).unwrap();
        assert_eq!(text, r#"<?xml version="1.0" encoding="utf-8"?><r><a>x&lt;y</a></r>"#);
    }
}
