//! Every compiled-in interface with its typed entry points, so tests can drive all of them by name.

use hisgate_runtime::schema::{InterfaceSchema, PlatformSchema};
use hisgate_runtime::{Error, Interface, Message};
use serde_json::Value;

/// One interface: its schema and typed operations on its request or response (`message` is either word).
pub struct Entry {
    pub schema: fn() -> (&'static PlatformSchema, &'static InterfaceSchema),
    /// Reads text (XML or JSON); the typed value must then validate and survive JSON and XML unchanged.
    pub parse: fn(message: &str, text: &str, xml: bool) -> Result<(), Error>,
    /// Reads a payload tree into the typed struct and round-trips it through JSON and XML.
    pub round_trip: fn(message: &str, value: Value) -> Result<(), String>,
}

fn parse<I: Interface>(message: &str, text: &str, xml: bool) -> Result<(), Error> {
    fn typed<M: Message>(text: &str, xml: bool) -> Result<(), Error> {
        let value = if xml { M::from_xml(text)? } else { M::from_json(text)? };
        assert_eq!(value.validate(), Ok(()), "a parsed message validates");
        assert_eq!(M::from_json(&value.to_json()?)?, value, "JSON round trip");
        assert_eq!(M::from_xml(&value.to_xml()?)?, value, "XML round trip");
        Ok(())
    }
    match message {
        "request" => typed::<I::Request>(text, xml),
        _ => typed::<I::Response>(text, xml),
    }
}

fn round_trip<I: Interface>(message: &str, value: Value) -> Result<(), String> {
    fn typed<M: Message>(value: Value) -> Result<(), String> {
        let original = M::from_value(value.clone()).map_err(|e| format!("generated value rejected: {e}\n{value}"))?;
        original.validate().map_err(|e| format!("typed value invalid: {e}"))?;
        let json = original.to_json().map_err(|e| e.to_string())?;
        let from_json = M::from_json(&json).map_err(|e| format!("{e}\n{json}"))?;
        if from_json != original {
            return Err(format!("JSON round trip changed the value:\n{json}\n{original:?}\n{from_json:?}"));
        }
        same_xml_typed_and_through_the_tree(&original)?;
        let xml = original.to_xml().map_err(|e| e.to_string())?;
        let from_xml = M::from_xml(&xml).map_err(|e| format!("{e}\n{xml}"))?;
        if from_xml != original {
            return Err(format!("XML round trip changed the value:\n{xml}\n{original:?}\n{from_xml:?}"));
        }
        Ok(())
    }
    match message {
        "request" => typed::<I::Request>(value),
        _ => typed::<I::Response>(value),
    }
}

/// The typed writers' XML is the tree's, byte for byte, or they leave the message to the tree: only a message
/// that is or holds an open map may be left. Both: the one by the generated field list and the one by serde.
fn same_xml_typed_and_through_the_tree<M: Message>(message: &M) -> Result<(), String> {
    use hisgate_runtime::codec::xml::{self, Unwritten, WriteOptions};
    let (platform, id) = M::schema();
    let schema = platform.message(id);
    // The tree as `to_xml` built it, and as a server built its replies' (numbers shaped for JSON).
    let trees =
        [serde_json::to_value(message).map_err(|e| e.to_string())?, message.to_value().map_err(|e| e.to_string())?];
    let options = [WriteOptions::default(), WriteOptions { declaration: true, cdata: false }];
    for (tree, options) in trees.iter().flat_map(|tree| options.map(|o| (tree, o))) {
        let through_tree = xml::write(&schema.xml_name, tree, Some((platform, id)), options);
        let by_fields = xml::write_fields(&schema.xml_name, options, |writer| message.write_xml_fields(writer));
        let by_serde = xml::write_typed(&schema.xml_name, message, Some((platform, id)), options);
        for (writer, typed) in [("field list's", by_fields), ("serde", by_serde)] {
            match (typed, &through_tree) {
                (Ok(typed), Ok(through_tree)) if typed == *through_tree => {}
                (Err(Unwritten::Refused(typed)), Err(tree)) if typed.to_string() == tree.to_string() => {}
                (Err(Unwritten::Unsupported), _) if holds_a_map(platform, id) => {}
                (typed, through_tree) => {
                    return Err(format!(
                        "the {writer} XML writer differs from the tree's:\n{typed:?}\n{through_tree:?}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether message `id` is an open map or holds one at any depth: what the typed XML writer leaves to the tree.
fn holds_a_map(platform: &PlatformSchema, id: hisgate_runtime::schema::MessageId) -> bool {
    use hisgate_runtime::schema::{FieldType, MessageKind};
    let message = platform.message(id);
    message.kind != MessageKind::Fields
        || message.fields.iter().any(|f| match f.ty {
            FieldType::Map => true,
            ty => ty.child().is_some_and(|child| holds_a_map(platform, child)),
        })
}

macro_rules! entries {
    ($($platform:ident :: $marker:ident),* $(,)?) => {
        vec![$(
            Entry {
                schema: <hisgate_generated::$platform::interfaces::$marker as Interface>::schema,
                parse: parse::<hisgate_generated::$platform::interfaces::$marker>,
                round_trip: round_trip::<hisgate_generated::$platform::interfaces::$marker>,
            }
        ),*]
    };
}

/// Every interface of every platform, as the generator lists them.
pub fn all() -> Vec<Entry> {
    hisgate_generated::for_each_interface!(entries)
}

/// The entry of `interface` on `platform`.
pub fn find(platform: &str, interface: &str) -> Option<Entry> {
    all().into_iter().find(|e| {
        let (p, i) = (e.schema)();
        p.name == platform && i.name == interface
    })
}
