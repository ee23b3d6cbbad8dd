//! XML in and out, as the documents use it: elements only, text in CDATA, no attributes that carry data.
//! A DOCTYPE is refused outright and only the five predefined entities are read, so nothing is ever expanded.
//! Characters XML 1.0 forbids are refused both ways, and so is a declared charset other than UTF-8.
//!
//! The reader cannot tell a list from a field given twice: every repeated element becomes a list. The schema can,
//! and [`refuse_repeats`] and [`refuse_repeated_fields`] refuse a repeat where it holds one value.

mod fields;
mod typed;

pub use fields::{Tags, XmlElement, write_code, write_fields, write_struct};
pub use typed::{Unwritten, write_typed};

use super::{CodecError, Limits, Step, escape};
use crate::schema::{FieldType, MessageId, MessageKind, PlatformSchema};
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

    /// The root, with room for an envelope's fields at once rather than grown (and rehashed) at the 4th and the
    /// 8th. Only the root: every element below starting with room for eight would multiply what a document of many
    /// small elements costs in memory.
    fn root(name: String) -> Frame {
        Frame { children: Map::with_capacity(8), ..Frame::new(name) }
    }

    /// The element's name and value.
    fn into_parts(self) -> Result<(String, Value), CodecError> {
        if !self.has_children {
            return Ok((self.name, Value::String(self.text)));
        }
        if !self.text.trim().is_empty() {
            let text = escape(self.text.trim());
            return Err(CodecError::Xml(format!("<{}> mixes text `{text}` with elements", escape(&self.name))));
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
    // An envelope or a payload is a few levels deep: room for them at once, not grown a level at a time.
    let mut stack: Vec<Frame> = Vec::with_capacity(limits.max_depth.min(4));
    let mut root: Option<(String, Value)> = None;
    let mut encoding = None;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| CodecError::Xml(format!("{e} (at byte {at})")))?;
        match event {
            Event::DocType(_) => return Err(CodecError::XmlDoctype),
            Event::Decl(decl) => {
                if let Some(Ok(enc)) = decl.encoding() {
                    check_encoding(&enc, text)?;
                    encoding = Some(enc.into_owned());
                }
            }
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let name = start.name().as_ref().to_owned();
                return Err(CodecError::Xml(format!("element <{}> after the root element", escape(&name))));
            }
            Event::Start(start) => {
                if stack.len() >= limits.max_depth {
                    return Err(CodecError::TooDeep { limit: limits.max_depth });
                }
                let name = start.name().as_ref().to_owned();
                check_name(&stack, &name)?;
                stack.push(if stack.is_empty() { Frame::root(name) } else { Frame::new(name) });
            }
            Event::Empty(start) => {
                let name = start.name().as_ref().to_owned();
                check_name(&stack, &name)?;
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
                    Ok(None) => predefined_entity(&r.xml10_content())?,
                    // `&#0;`: the one forbidden character quick-xml refuses itself.
                    Err(quick_xml::Error::Escape(quick_xml::escape::EscapeError::InvalidCharRef(
                        quick_xml::escape::ParseCharRefError::IllegalCharacter(0),
                    ))) => return Err(CodecError::Forbidden { path: path_of(&stack), found: '\0' }),
                    Err(e) => return Err(CodecError::Xml(format!("`&{};`: {e}", escape(&r.xml10_content())))),
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
        return Err(CodecError::Xml(format!("<{}> is not closed", escape(&open.name))));
    }
    let (root, value) = root.ok_or_else(|| CodecError::Xml("no root element".into()))?;
    Ok(XmlDocument { root, value, encoding })
}

/// The path of the innermost open element, below the root (`a.b`), or the root's name where that is all there is.
fn path_of(stack: &[Frame]) -> String {
    let names: Vec<_> = match stack {
        [root] => vec![escape(&root.name)],
        [_, below @ ..] => below.iter().map(|f| escape(&f.name)).collect(),
        [] => Vec::new(),
    };
    names.join(".")
}

fn check_name(stack: &[Frame], name: &str) -> Result<(), CodecError> {
    match super::first_forbidden(name) {
        None => Ok(()),
        Some(found) => {
            let parent = path_of(stack);
            let path = if stack.len() > 1 { format!("{parent}.{}", escape(name)) } else { escape(name).into_owned() };
            Err(CodecError::Forbidden { path, found })
        }
    }
}

/// The text is a Rust string, so UTF-8 whatever the declaration says: a declaration of another charset means the
/// sender wrote it in that one (the bytes happened to be valid UTF-8, as plain ASCII is). ASCII declared is ASCII.
fn check_encoding(declared: &str, text: &str) -> Result<(), CodecError> {
    let name = declared.trim().to_ascii_lowercase();
    let ascii = matches!(name.as_str(), "us-ascii" | "ascii") && text.is_ascii();
    if matches!(name.as_str(), "utf-8" | "utf8") || ascii {
        return Ok(());
    }
    Err(CodecError::Charset { declared: escape(declared.trim()).into_owned() })
}

fn push_text(stack: &mut [Frame], text: &str) -> Result<(), CodecError> {
    if let Some(found) = super::first_forbidden(text) {
        return Err(CodecError::Forbidden { path: path_of(stack), found });
    }
    match stack.last_mut() {
        // A leaf's one text, nearly always: made at its size rather than grown from nothing.
        Some(frame) if frame.text.is_empty() => frame.text = text.to_owned(),
        Some(frame) => frame.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => {
            return Err(CodecError::Xml(format!("text `{}` outside the root element", escape(text.trim()))));
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
        other => return Err(CodecError::XmlEntity(escape(other).into_owned())),
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
    let mut out = String::with_capacity(written_len(root, value));
    if options.declaration {
        out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    }
    Writer { out: &mut out, options }.element(root, value, schema)?;
    Ok(out)
}

/// About what writing `value` as `root` takes, counting its direct children's text (an envelope's fields, one a
/// reply's 16 KB ciphertext): room made once, where growing by doubling copied the ciphertext again for the field
/// written after it. Deeper content grows the string as it goes.
fn written_len(root: &str, value: &Value) -> usize {
    const DECLARATION_AND_ROOT: usize = r#"<?xml version="1.0" encoding="utf-8"?><></>"#.len();
    let children = match value {
        Value::Object(map) => {
            map.iter().map(|(name, child)| leaf_len(name, if let Value::String(s) = child { s } else { "" })).sum()
        }
        _ => 0,
    };
    DECLARATION_AND_ROOT + 2 * root.len() + children
}

/// `<name><![CDATA[text]]></name>`'s length: text needing no split, in one CDATA section.
fn leaf_len(name: &str, text: &str) -> usize {
    const TAGS_AND_CDATA: usize = "<></><![CDATA[]]>".len();
    2 * name.len() + TAGS_AND_CDATA + text.len()
}

/// Where a message's XML is being written: handed to generated code's [`XmlElement`] impls, made only here.
pub struct Writer<'o> {
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
            return Err(CodecError::Xml(format!("`{}` is not an XML element name", escape(name))));
        }
        match value {
            Value::Null => Ok(()),
            Value::Array(items) => items.iter().try_for_each(|item| self.element(name, item, schema)),
            Value::Object(map) => {
                self.open(name);
                for (at, key, child) in ordered(map, schema) {
                    let child_schema = schema.and_then(|(platform, id)| {
                        let message = platform.message(id);
                        // A key that is no field's own name may still be an alias.
                        let field = at.and_then(|at| message.fields.get(at)).or_else(|| message.field(key))?;
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
                self.leaf(name, &text)
            }
        }
    }

    /// `<name>text</name>`, room for all of it made first: a reply's hundreds of short fields each grew the
    /// string up to five times, a capacity check and a copy each. A character XML forbids is refused, never
    /// written, not even in CDATA: a strict reader refuses the whole document for it.
    fn leaf(&mut self, name: &str, text: &str) -> Result<(), CodecError> {
        if let Some(found) = super::first_forbidden(text) {
            return Err(CodecError::Forbidden { path: name.to_owned(), found });
        }
        self.out.reserve(leaf_len(name, text));
        self.open(name);
        self.text(text);
        self.close(name);
        Ok(())
    }

    /// `<name>` then what `write` puts there, then `</name>`, in CDATA where the options say: for text with nothing
    /// to refuse, escape or split (a number's digits), written in place.
    fn plain_leaf(&mut self, name: &str, write: impl FnOnce(&mut String)) {
        self.open(name);
        let cdata = self.options.cdata;
        if cdata {
            self.out.push_str("<![CDATA[");
        }
        write(self.out);
        if cdata {
            self.out.push_str("]]>");
        }
        self.close(name);
    }

    /// [`leaf`](Self::leaf) with the tags spelled out already, and one scan of the text for both what XML forbids
    /// and a `>`.
    fn tagged_leaf(&mut self, tags: &Tags, text: &str) -> Result<(), CodecError> {
        let (forbidden, gt) = super::first_forbidden_and_gt(text);
        if let Some(found) = forbidden {
            return Err(CodecError::Forbidden { path: tags.name.to_owned(), found });
        }
        if self.options.cdata && !gt {
            self.out.reserve(tags.open_cdata.len() + text.len() + tags.close_cdata.len());
            self.out.push_str(tags.open_cdata);
            self.out.push_str(text);
            self.out.push_str(tags.close_cdata);
        } else {
            self.out.push_str(tags.open);
            self.text(text);
            self.out.push_str(tags.close);
        }
        Ok(())
    }

    /// [`plain_leaf`](Self::plain_leaf) with the tags spelled out already.
    fn tagged_plain_leaf(&mut self, tags: &Tags, write: impl FnOnce(&mut String)) {
        let cdata = self.options.cdata;
        self.out.push_str(if cdata { tags.open_cdata } else { tags.open });
        write(self.out);
        self.out.push_str(if cdata { tags.close_cdata } else { tags.close });
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
        if self.options.cdata && memchr::memchr(b'>', text.as_bytes()).is_none() {
            // Nothing to split: no `]]>` without a `>`.
            self.out.push_str("<![CDATA[");
            self.out.push_str(text);
            self.out.push_str("]]>");
        } else if self.options.cdata {
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

/// The schema's fields first, in declared order, then the keys it does not know; each with its field's index.
fn ordered<'v>(
    map: &'v Map<String, Value>,
    schema: Option<(&PlatformSchema, MessageId)>,
) -> Vec<(Option<usize>, &'v String, &'v Value)> {
    let Some((platform, id)) = schema else {
        return map.iter().map(|(key, value)| (None, key, value)).collect();
    };
    let message = platform.message(id);
    let mut next = 0;
    let mut entries: Vec<_> = map
        .iter()
        .map(|(key, value)| {
            // Keys usually come in the schema's order: each is found where the last one's search ended.
            let at = message.position_from(key, next);
            next = at.map_or(next, |at| at + 1);
            (at, key, value)
        })
        .collect();
    // Stable, and a single pass when the keys are in order already.
    entries.sort_by_key(|(at, _, _)| at.unwrap_or(usize::MAX));
    entries
}

/// Refuses a field of message `id` given more than once in `value` (read from XML: a repeated element is a list)
/// where the schema holds one value: anything but a `list` field, at any depth. Names the schema does not know
/// are left to the validator; an open map's content is its own.
pub fn refuse_repeats(platform: &PlatformSchema, id: MessageId, value: &Value) -> Result<(), CodecError> {
    repeats(platform, id, value, &Step::Root)
}

fn repeats(platform: &PlatformSchema, id: MessageId, value: &Value, at: &Step) -> Result<(), CodecError> {
    let message = platform.message(id);
    let Value::Object(map) = value else { return Ok(()) };
    if message.kind != MessageKind::Fields {
        return Ok(());
    }
    for field in message.fields.iter() {
        for name in std::iter::once(&field.name).chain(field.aliases.iter()) {
            let Some(child) = map.get(&**name) else { continue };
            let here = Step::Key(at, name);
            match (field.ty, child) {
                (FieldType::List(item), Value::Array(items)) => {
                    for (i, each) in items.iter().enumerate() {
                        repeats(platform, item, each, &Step::Index(&here, i))?;
                    }
                }
                (FieldType::List(item), one) => repeats(platform, item, one, &here)?,
                (FieldType::Map, _) => {}
                (_, Value::Array(_)) => return Err(CodecError::Duplicate { path: here.render() }),
                (FieldType::Object(child_id), one) => repeats(platform, child_id, one, &here)?,
                _ => {}
            }
        }
    }
    Ok(())
}

/// Refuses any of `names` given more than once among an XML envelope's `fields`: an envelope holds no lists.
pub fn refuse_repeated_fields<'n>(
    fields: &Map<String, Value>,
    names: impl IntoIterator<Item = &'n str>,
) -> Result<(), CodecError> {
    // A walk over the values first: a repeat is rare, and finding it by name hashes every name.
    if !fields.values().any(Value::is_array) {
        return Ok(());
    }
    match names.into_iter().find(|name| fields.get(*name).is_some_and(Value::is_array)) {
        Some(name) => Err(CodecError::Duplicate { path: Step::Key(&Step::Root, name).render() }),
        None => Ok(()),
    }
}

fn is_xml_name(name: &str) -> bool {
    // Nearly every name is ASCII: checked byte by byte, without decoding characters.
    if let [first, rest @ ..] = name.as_bytes()
        && (first.is_ascii_alphabetic() || *first == b'_')
        && rest.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
    {
        return true;
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_name_is_checked_alike_ascii_or_not() {
        for (name, ok) in [("orderId", true), ("_a-b.c:d", true), ("病人", true), ("a病", true), ("", false)] {
            assert_eq!(is_xml_name(name), ok, "{name:?}");
        }
        for name in ["1a", "-a", "a b", "a<", "a/b", "a\u{0}"] {
            assert!(!is_xml_name(name), "{name:?}");
        }
    }

    #[test]
    fn text_without_a_gt_is_written_in_one_cdata_section_as_the_splitting_iterator_writes_it() {
        for text in ["", "x", "中文 ]]", "a>b", "a]]>b", "]]>]]>", "<&>"] {
            let mut out = String::new();
            Writer { out: &mut out, options: WriteOptions::default() }.text(text);
            let sections: String =
                BytesCData::escaped(text).map(|s| format!("<![CDATA[{}]]>", &*s.into_inner())).collect();
            assert_eq!(out, sections, "{text:?}");
        }
    }

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

    /// `request { id, user: list of { name }, info: { code }, extra: map }`.
    fn platform() -> PlatformSchema {
        use crate::schema::{FieldSchema, SourcePos, Str};
        let field = |name: &'static str, ty| FieldSchema { name: Str::Borrowed(name), ty, ..FieldSchema::BLANK };
        let message = |xml_name: &'static str, fields: Vec<FieldSchema>| crate::schema::MessageSchema {
            path: Str::Borrowed(xml_name),
            xml_name: Str::Borrowed(xml_name),
            description: Str::Borrowed(""),
            kind: MessageKind::Fields,
            fields: fields.into(),
            require_one_of: Vec::new().into(),
        };
        let text = FieldType::String { max_chars: None };
        PlatformSchema {
            name: "t".into(),
            title: "t".into(),
            document: "t".into(),
            seed: None,
            description: "".into(),
            origin: SourcePos::UNKNOWN,
            return_codes: Vec::new().into(),
            errata: Vec::new().into(),
            dictionaries: Vec::new().into(),
            messages: vec![
                message(
                    "request",
                    vec![
                        field("id", text),
                        field("user", FieldType::List(MessageId(1))),
                        field("info", FieldType::Object(MessageId(2))),
                        field("extra", FieldType::Map),
                    ],
                ),
                message("user", vec![field("name", text)]),
                message("info", vec![field("code", text)]),
            ]
            .into(),
            interfaces: Vec::new().into(),
            protocol: None,
            examples: Vec::new().into(),
        }
    }

    #[test]
    fn a_repeat_is_refused_where_the_schema_holds_one_value_only() {
        let platform = platform();
        let check = |text: &str| refuse_repeats(&platform, MessageId(0), &read(text).unwrap());
        let lists = "<request><id>1</id><user><name>张三</name></user><user><name>李四</name></user>\
                     <extra><k>1</k><k>2</k></extra><unknown/><unknown/></request>";
        assert_eq!(check(lists), Ok(()));
        let duplicate = |path: &str| Err(CodecError::Duplicate { path: path.to_owned() });
        assert_eq!(check("<request><id>1</id><id>2</id></request>"), duplicate("id"));
        assert_eq!(check("<request><info><code>1</code></info><info/></request>"), duplicate("info"));
        assert_eq!(
            check("<request><user><name>a</name></user><user><name>b</name><name>c</name></user></request>"),
            duplicate("user[1].name")
        );
        assert_eq!(check("<request><user><name>a</name><name>b</name></user></request>"), duplicate("user.name"));
        let envelope = read("<root><service>TestNet</service><sign>A</sign><sign>B</sign></root>").unwrap();
        let Value::Object(fields) = envelope else { panic!("an object") };
        let refused = refuse_repeated_fields(&fields, ["service", "sign"]).unwrap_err();
        assert_eq!(refused.to_string(), "`sign` appears more than once");
        assert_eq!(refuse_repeated_fields(&fields, ["service"]), Ok(()));
    }

    #[test]
    fn characters_xml_forbids_are_refused_in_and_out() {
        let refused = |text: &str| read(text).unwrap_err().to_string();
        assert_eq!(
            refused("<root><service>Test\u{0}Net</service></root>"),
            "`service` holds U+0000, a character XML 1.0 forbids"
        );
        assert_eq!(refused("<root><a><b>&#0;</b></a></root>"), "`a.b` holds U+0000, a character XML 1.0 forbids");
        assert_eq!(refused("<root><a>&#x1b;</a></root>"), "`a` holds U+001B, a character XML 1.0 forbids");
        assert_eq!(refused("<root><![CDATA[\u{ffff}]]></root>"), "`root` holds U+FFFF, a character XML 1.0 forbids");
        assert_eq!(read("<r>&#9;中文&#xD;</r>").unwrap(), "\t中文\r");
        let out = write("r", &json!({"msg": "no interface `a\u{0}b`"}), None, WriteOptions::default());
        assert_eq!(out.unwrap_err().to_string(), "`msg` holds U+0000, a character XML 1.0 forbids");
        // A message that quotes such a value carries it escaped.
        assert_eq!(super::escape("a\u{0}b\u{1f}c"), "a\\u{0}b\\u{1f}c");
    }

    #[test]
    fn another_declared_charset_is_refused() {
        let gbk = r#"<?xml version="1.0" encoding="GBK"?><root><service>TestNet</service></root>"#;
        assert_eq!(read(gbk), Err(CodecError::Charset { declared: "GBK".into() }));
        assert!(read(r#"<?xml version="1.0" encoding="UTF-8"?><r>中</r>"#).is_ok());
        assert!(read(r#"<?xml version="1.0" encoding="us-ascii"?><r>a</r>"#).is_ok());
        assert!(matches!(
            read(r#"<?xml version="1.0" encoding="us-ascii"?><r>中</r>"#),
            Err(CodecError::Charset { .. })
        ));
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
