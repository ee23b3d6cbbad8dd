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
