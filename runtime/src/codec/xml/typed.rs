//! A typed message written as XML straight from its `Serialize` impl, without the `serde_json::Value` tree
//! [`write`](super::write) reads: for a ten-order QueryRegister reply the tree and its keys were a third of the
//! bare server's time. The bytes are [`write`]'s for the same message; a message this writer cannot place exactly
//! as [`write`] would (a map or a number held as JSON, a key out of the schema's order, a float) is reported
//! [`Unwritten::Unsupported`] and written through the tree instead. A generated message under its own schema is
//! written by its field list instead ([`write_fields`](super::write_fields)); this writer serves the rest: a schema
//! with a profile merged in, whose order it checks field by field.

use super::{Writer, is_xml_name};
use crate::codec::CodecError;
use crate::schema::{MessageId, PlatformSchema};
use serde::Serialize;
use serde::ser::{self, Impossible};
use std::fmt::Display;

/// Why a message was not written.
#[derive(Debug)]
pub enum Unwritten {
    /// Its shape is one only the tree writes exactly: write it through [`write`](super::write).
    Unsupported,
    /// What [`write`](super::write) would refuse it for.
    Refused(CodecError),
}

impl Display for Unwritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unwritten::Unsupported => f.write_str("a shape only the value tree writes"),
            Unwritten::Refused(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Unwritten {}

impl ser::Error for Unwritten {
    // A `Serialize` impl that fails has its say through the tree, which reports it as it always did.
    fn custom<T: Display>(_: T) -> Self {
        Unwritten::Unsupported
    }
}

/// Writes `message` as element `root` exactly as [`write`](super::write) writes its `serde_json` value, or says
/// why not.
pub fn write_typed<T: Serialize + ?Sized>(
    root: &str,
    message: &T,
    schema: Option<(&PlatformSchema, MessageId)>,
    options: super::WriteOptions,
) -> Result<String, Unwritten> {
    let mut out = String::with_capacity(1024);
    if options.declaration {
        out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    }
    let mut writer = Writer { out: &mut out, options };
    message.serialize(Element { writer: &mut writer, name: root, schema, admitted: false })?;
    Ok(out)
}

/// One element: the value serialized into it names its content.
struct Element<'w, 'o, 'n, 's> {
    writer: &'w mut Writer<'o>,
    name: &'n str,
    schema: Option<(&'s PlatformSchema, MessageId)>,
    /// The name is a field's of the schema, which the spec's validation admitted only as `[A-Za-z_][A-Za-z0-9_]*`
    /// (codegen's lowering, for generated and loaded specs alike): not checked again for each of a reply's
    /// hundreds of elements.
    admitted: bool,
}

impl Element<'_, '_, '_, '_> {
    fn named(&self) -> Result<(), Unwritten> {
        match self.admitted || is_xml_name(self.name) {
            true => Ok(()),
            false => Err(Unwritten::Refused(CodecError::Xml(format!(
                "`{}` is not an XML element name",
                crate::codec::escape(self.name)
            )))),
        }
    }

    fn text(self, text: &str) -> Result<(), Unwritten> {
        self.named()?;
        self.writer.leaf(self.name, text).map_err(Unwritten::Refused)
    }

    /// A number's digits hold nothing to refuse or escape: written in place, without a string of their own.
    fn number(self, number: impl itoa::Integer) -> Result<(), Unwritten> {
        self.named()?;
        self.writer.plain_leaf(self.name, |out| out.push_str(itoa::Buffer::new().format(number)));
        Ok(())
    }
}

type Unsupported = Impossible<(), Unwritten>;

fn unsupported<T>() -> Result<T, Unwritten> {
    Err(Unwritten::Unsupported)
}

/// The integer methods of [`ser::Serializer`], each writing its digits as [`Element::number`] does.
macro_rules! integers {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), Unwritten> {
            self.number(v)
        })*
    };
}

impl<'w, 'o, 'n, 's> ser::Serializer for Element<'w, 'o, 'n, 's> {
    type Ok = ();
    type Error = Unwritten;
    type SerializeSeq = Items<'w, 'o, 'n, 's>;
    type SerializeTuple = Unsupported;
    type SerializeTupleStruct = Unsupported;
    type SerializeTupleVariant = Unsupported;
    type SerializeMap = Unsupported;
    type SerializeStruct = Children<'w, 'o, 'n, 's>;
    type SerializeStructVariant = Unsupported;

    fn serialize_bool(self, v: bool) -> Result<(), Unwritten> {
        self.text(if v { "true" } else { "false" })
    }
    integers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128,
    }
    // serde_json writes floats its own way (`1.0`, `1e21`); money is never one.
    fn serialize_f32(self, _: f32) -> Result<(), Unwritten> {
        unsupported()
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unwritten> {
        unsupported()
    }
    fn serialize_char(self, v: char) -> Result<(), Unwritten> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unwritten> {
        self.text(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unwritten> {
        unsupported()
    }
    // Null: left out, as the tree's writer leaves it out (after checking the name, as it does).
    fn serialize_none(self) -> Result<(), Unwritten> {
        self.named()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unwritten> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unwritten> {
        self.named()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unwritten> {
        self.named()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Unwritten> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Unwritten> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unwritten> {
        unsupported()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'w, 'o, 'n, 's>, Unwritten> {
        self.named()?;
        Ok(Items(self))
    }
    fn serialize_tuple(self, _: usize) -> Result<Unsupported, Unwritten> {
        unsupported()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Unsupported, Unwritten> {
        unsupported()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Unsupported, Unwritten> {
        unsupported()
    }
    // A map's keys are its own, in its own order: the tree writes those.
    fn serialize_map(self, _: Option<usize>) -> Result<Unsupported, Unwritten> {
        unsupported()
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Children<'w, 'o, 'n, 's>, Unwritten> {
        // serde_json's arbitrary-precision number is a struct by this name: the tree holds it as a number.
        if name.starts_with("$serde_json") {
            return unsupported();
        }
        self.named()?;
        self.writer.open(self.name);
        Ok(Children { element: self, next: 0 })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Unsupported, Unwritten> {
        unsupported()
    }
}

/// A list: each item an element of the list's name.
struct Items<'w, 'o, 'n, 's>(Element<'w, 'o, 'n, 's>);

impl ser::SerializeSeq for Items<'_, '_, '_, '_> {
    type Ok = ();
    type Error = Unwritten;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, item: &T) -> Result<(), Unwritten> {
        let Element { writer, name, schema, admitted } = &mut self.0;
        item.serialize(Element { writer, name, schema: *schema, admitted: *admitted })
    }

    fn end(self) -> Result<(), Unwritten> {
        Ok(())
    }
}

/// A message's fields, each an element, in the schema's order.
struct Children<'w, 'o, 'n, 's> {
    element: Element<'w, 'o, 'n, 's>,
    /// Where the next field's search starts: the one after the last field written.
    next: usize,
}

impl ser::SerializeStruct for Children<'_, '_, '_, '_> {
    type Ok = ();
    type Error = Unwritten;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Unwritten> {
        let (schema, admitted) = match self.element.schema {
            None => (None, false),
            Some((platform, id)) => {
                // The tree's writer puts the schema's fields in declared order and any other key after them; a
                // typed message's fields are declared in that order, and one that is not is left to the tree.
                let message = platform.message(id);
                match message.position_from(key, self.next) {
                    Some(at) if at >= self.next => {
                        self.next = at + 1;
                        (message.fields[at].ty.child().map(|child| (platform, child)), true)
                    }
                    _ => return unsupported(),
                }
            }
        };
        value.serialize(Element { writer: self.element.writer, name: key, schema, admitted })
    }

    fn end(self) -> Result<(), Unwritten> {
        self.element.writer.close(self.element.name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::xml::{WriteOptions, write};
    use serde_json::json;

    #[derive(Serialize)]
    struct Order {
        #[serde(rename = "orderId")]
        order_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        count: i32,
        paid: bool,
    }

    #[derive(Serialize)]
    struct Page {
        orders: Vec<Order>,
        total: u64,
    }

    fn page(id: &str) -> Page {
        Page {
            orders: vec![
                Order { order_id: id.to_owned(), note: None, count: -3, paid: true },
                Order { order_id: "二".to_owned(), note: Some("a]]>b<&".to_owned()), count: 7, paid: false },
            ],
            total: 2,
        }
    }

    #[test]
    fn without_a_schema_it_writes_what_the_tree_writer_writes() {
        for options in [WriteOptions::default(), WriteOptions { declaration: true, cdata: false }] {
            let typed = write_typed("response", &page("一"), None, options).unwrap();
            let tree = write("response", &serde_json::to_value(page("一")).unwrap(), None, options).unwrap();
            assert_eq!(typed, tree);
        }
    }

    #[test]
    fn a_forbidden_character_is_refused_as_the_tree_writer_refuses_it() {
        let typed = write_typed("response", &page("a\u{0}b"), None, WriteOptions::default());
        let tree = write("response", &serde_json::to_value(page("a\u{0}b")).unwrap(), None, WriteOptions::default());
        match typed {
            Err(Unwritten::Refused(e)) => assert_eq!(e.to_string(), tree.unwrap_err().to_string()),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn what_only_the_tree_writes_exactly_is_left_to_it() {
        let map = json!({"b": 1, "a": "x"});
        assert!(matches!(write_typed("r", &map, None, WriteOptions::default()), Err(Unwritten::Unsupported)));
        assert!(matches!(write_typed("r", &1.5f64, None, WriteOptions::default()), Err(Unwritten::Unsupported)));
    }
}
