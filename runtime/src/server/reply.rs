//! A handler's answer on its way to the wire. A typed response stays typed until something reads it as a tree:
//! an XML reply is written straight from it (by its generated field list, [`xml::write_fields`]), and the `serde_json::Value` tree is built
//! only where one is read — a JSON reply, a payload the envelope signs field by field, an exactly-once record, a
//! business key only the reply carries. For a ten-order QueryRegister the tree was a third of the bare server's
//! time (`cargo bench -p hisgate-tests --bench payload`).

use crate::codec::CodecError;
use crate::codec::xml::{self, Unwritten};
use crate::schema::{MessageId, PlatformSchema};
use crate::{Error, Message};
use serde_json::Value;
use std::fmt;

/// The payload a handler answers: a typed response, or a tree (a simulator's, a layer's, a first answer
/// recorded by the exactly-once claim).
pub struct Reply(Held);

enum Held {
    Typed(Box<dyn Typed>),
    Tree(Value),
}

/// A typed response, its type erased.
trait Typed: Send + Sync {
    fn tree(&self) -> Result<Value, Error>;
    fn xml(&self, root: &str, schema: (&PlatformSchema, MessageId)) -> Result<String, Unwritten>;
}

impl<M: Message + Send + Sync> Typed for M {
    fn tree(&self) -> Result<Value, Error> {
        self.to_value()
    }

    fn xml(&self, root: &str, schema: (&PlatformSchema, MessageId)) -> Result<String, Unwritten> {
        crate::message::write_xml(self, root, schema, xml::WriteOptions::default())
    }
}

impl Reply {
    /// A handler's typed response.
    pub fn typed<M: Message + Send + Sync + 'static>(response: M) -> Reply {
        Reply(Held::Typed(Box::new(response)))
    }

    /// The payload as a tree, numbers shaped for JSON as the spec declares ([`Message::to_value`]).
    pub fn to_tree(&self) -> Result<Value, Error> {
        match &self.0 {
            Held::Typed(typed) => typed.tree(),
            Held::Tree(tree) => Ok(tree.clone()),
        }
    }

    /// The payload as a tree, built once if it was typed.
    pub fn tree(&mut self) -> Result<&Value, Error> {
        if let Held::Typed(typed) = &self.0 {
            self.0 = Held::Tree(typed.tree()?);
        }
        match &self.0 {
            Held::Tree(tree) => Ok(tree),
            Held::Typed(_) => unreachable!("a typed reply was just made a tree"),
        }
    }

    pub fn into_tree(self) -> Result<Value, Error> {
        match self.0 {
            Held::Typed(typed) => typed.tree(),
            Held::Tree(tree) => Ok(tree),
        }
    }

    /// The payload's XML, as [`xml::write`] writes its tree under `schema` (the message as the server serves it,
    /// a profile merged in), written straight from the typed response; `None` where it is a tree already, or
    /// has a shape only the tree writes exactly.
    pub(crate) fn typed_xml(&self, schema: (&PlatformSchema, MessageId)) -> Option<Result<String, CodecError>> {
        let Held::Typed(typed) = &self.0 else { return None };
        let root = &schema.0.message(schema.1).xml_name;
        match typed.xml(root, schema) {
            Ok(text) => Some(Ok(text)),
            Err(Unwritten::Refused(e)) => Some(Err(e)),
            Err(Unwritten::Unsupported) => None,
        }
    }
}

impl From<Value> for Reply {
    fn from(tree: Value) -> Reply {
        Reply(Held::Tree(tree))
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Named only: a payload may hold what logs must not (a card number, a name).
        match &self.0 {
            Held::Typed(_) => f.write_str("Reply(typed)"),
            Held::Tree(_) => f.write_str("Reply(tree)"),
        }
    }
}
