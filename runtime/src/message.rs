//! The traits generated messages and interfaces implement. Generated code supplies only the schema; reading,
//! writing and validating are provided here, once.

use crate::Violations;
use crate::codec::{Limits, json, xml};
use crate::error::Error;
use crate::schema::{InterfaceSchema, MessageId, MessageSchema, PlatformSchema};
use crate::validate::check;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A business payload (request, response, or a nested node) with its schema.
pub trait Message: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug {
    /// The platform and the message's index in it.
    fn schema() -> (&'static PlatformSchema, MessageId);

    /// Writes the message's fields as XML elements in the compiled-in schema's order, by the field list the
    /// generator gives `message!`; `Unsupported` where it gives none (an open map).
    fn write_xml_fields(&self, _: &mut xml::Writer<'_>) -> Result<(), xml::Unwritten> {
        Err(xml::Unwritten::Unsupported)
    }

    fn message_schema() -> &'static MessageSchema {
        let (platform, id) = Self::schema();
        platform.message(id)
    }

    /// Every broken rule at once: required, length, precision, format, dictionary, required-when, range, one-of.
    fn validate(&self) -> Result<(), Violations> {
        let (platform, id) = Self::schema();
        let mut value = canonical_value(self).map_err(|e| conversion_violation(&e))?;
        check(platform, id, &mut value).into_result()
    }

    /// Reads a payload tree (as decoded from JSON or XML): validates it, then converts it.
    fn from_value(mut value: Value) -> Result<Self, Error> {
        let (platform, id) = Self::schema();
        check(platform, id, &mut value).into_result()?;
        serde_json::from_value(value)
            .map_err(|e| Error::Convert { what: platform.message(id).path.to_string(), detail: e.to_string() })
    }

    /// Converts a payload tree already checked and normalized by [`check`] — against a schema with a profile
    /// merged in, under a strictness that may have accepted violations — without checking it again against the
    /// compiled-in spec. What the typed struct cannot hold (a required field a profile lets be absent, a code
    /// outside a closed enum) is a violation naming the message, never a panic.
    fn from_checked(value: Value) -> Result<Self, Error> {
        let (platform, id) = Self::schema();
        serde_json::from_value(value).map_err(|e| {
            use crate::{Rule, Violation};
            let detail = format!("accepted, but the typed {} cannot hold it: {e}", platform.message(id).path);
            Error::Invalid(Violations(vec![Violation { path: String::new(), rule: Rule::Type, detail }]))
        })
    }

    fn from_json(text: &str) -> Result<Self, Error> {
        Self::from_value(json::parse(text, Limits::default())?)
    }

    /// Reads the payload XML (root element as the schema names it, e.g. `<request>`).
    fn from_xml(text: &str) -> Result<Self, Error> {
        let doc = xml::parse(text, Limits::default())?;
        let expected = &Self::message_schema().xml_name;
        if doc.root != **expected {
            let codec = crate::codec::CodecError::XmlRoot { expected: expected.to_string(), found: doc.root };
            return Err(codec.into());
        }
        Self::from_value(doc.value)
    }

    /// The payload as a tree, numbers shaped for JSON as the spec declares (`"10.00"` or `10.00`).
    fn to_value(&self) -> Result<Value, Error> {
        let (platform, id) = Self::schema();
        let mut value = canonical_value(self)?;
        json::shape(platform, id, &mut value);
        Ok(value)
    }

    fn to_json(&self) -> Result<String, Error> {
        Ok(json::to_string(&self.to_value()?))
    }

    /// Compact XML with text in CDATA, fields in the spec's order.
    fn to_xml(&self) -> Result<String, Error> {
        let (platform, id) = Self::schema();
        let root = &platform.message(id).xml_name;
        let options = xml::WriteOptions::default();
        match write_xml(self, root, (platform, id), options) {
            Ok(text) => Ok(text),
            Err(xml::Unwritten::Refused(e)) => Err(e.into()),
            Err(xml::Unwritten::Unsupported) => {
                Ok(xml::write(root, &canonical_value(self)?, Some((platform, id)), options)?)
            }
        }
    }
}

/// `message`'s XML as element `root` under `schema`, as [`xml::write`] writes its tree, or why not: by its
/// generated field list where `schema` is the one it was generated from (the compiled-in tables themselves, not a
/// copy with a profile merged in, whose order may differ), else by its `Serialize` impl placed by `schema`.
pub(crate) fn write_xml<M: Message>(
    message: &M,
    root: &str,
    schema: (&PlatformSchema, MessageId),
    options: xml::WriteOptions,
) -> Result<String, xml::Unwritten> {
    let (own, id) = M::schema();
    if id == schema.1 && std::ptr::eq(own.messages.as_ptr(), schema.0.messages.as_ptr()) {
        match xml::write_fields(root, options, |writer| message.write_xml_fields(writer)) {
            Err(xml::Unwritten::Unsupported) => {}
            written => return written,
        }
    }
    xml::write_typed(root, message, Some(schema), options)
}

fn canonical_value<T: Serialize + ?Sized>(message: &T) -> Result<Value, Error> {
    serde_json::to_value(message).map_err(|e| Error::Convert { what: "message".into(), detail: e.to_string() })
}

fn conversion_violation(error: &Error) -> Violations {
    use crate::{Rule, Violation};
    Violations(vec![Violation { path: String::new(), rule: Rule::Type, detail: error.to_string() }])
}

/// One side of a compiled-in platform that provides interfaces (a generated module's `Provided`): what the
/// runtime's generic server and client of that side need to know about it.
pub trait Provider: Send + Sync + 'static {
    /// Which side's interfaces these are.
    const SIDE: crate::schema::Side;

    /// The platform, as compiled in.
    fn platform() -> &'static PlatformSchema;
}

/// One interface of a platform: its name, its messages and its schema.
pub trait Interface {
    type Request: Message;
    type Response: Message;

    fn schema() -> (&'static PlatformSchema, &'static InterfaceSchema);
}
