//! The spec as data: what codegen validated, emitted as `static`s for compiled-in platforms and built at run time
//! for a spec folder loaded by the CLI. Everything at the root is plain data; the modules below check a message
//! against it (`validate`), name its business keys, mask its personal data and parse its templates. Codegen uses
//! them while lowering a spec (examples, bounds, key paths, templates), so they live here rather than in the
//! runtime: the build script links this crate, not tokio, axum, reqwest or sqlx. The runtime re-exports all of it
//! at its old paths (`hisgate_runtime::schema`, `hisgate_runtime::validate`, …).

pub mod business_keys;
pub mod literal;
pub mod redact;
pub mod template;
pub mod validate;
mod violation;

pub use violation::{Rule, Violation, Violations};

mod answer;
mod database;
mod dictionary;
mod encryption;
mod field;
mod format;
mod protocol;
mod statement;
mod worked;

pub use answer::{AnswerCondition, AnswerSchema, Part, Placeholder, placeholders};
pub use database::{
    Column, DatabaseForm, FilterOp, Mode, Parameter, ViewFilter, ViewOrder, ViewPage, ViewSchema, postgres_type,
    quote_identifier,
};
pub use dictionary::{CodeSchema, DictRef, DictTable, DictionarySchema};
pub use encryption::*;
pub use field::{Condition, FieldSchema, FieldType, JsonNumber, LengthUnit, MoneyUnit, Origin, Presence};
pub use format::{TimeFormat, TimeFormatError, TimeToken, push_digits, push_year, render_timestamp};
pub use protocol::*;
pub use statement::{
    Charset, Compression, Delimited, Meaning, RequestText, RequestValue, StatementColumn, StatementFormat,
    StatementSchema, StatementSource,
};
pub use worked::{ExampleInput, Printed, WorkedExampleSchema};

use std::borrow::Cow;

/// Text that is `&'static` in generated statics and owned when a spec is loaded at run time.
pub type Str = Cow<'static, str>;
/// A slice with the same two lives as [`Str`].
pub type Seq<T> = Cow<'static, [T]>;

/// Where a spec item was written: `specs/shaanxi/interfaces/Pay.yaml:12:7`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourcePos {
    pub file: Str,
    pub line: u32,
    pub column: u32,
}

impl SourcePos {
    pub const UNKNOWN: SourcePos = SourcePos { file: Str::Borrowed(""), line: 0, column: 0 };
}

impl std::fmt::Display for SourcePos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Index of a message in [`PlatformSchema::messages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u32);

/// Index of a dictionary in [`PlatformSchema::dictionaries`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DictId(pub u32);

/// One platform: its interfaces, the messages they carry, its dictionaries, return codes and errata.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSchema {
    pub name: Str,
    pub title: Str,
    pub document: Str,
    pub seed: Option<Str>,
    pub description: Str,
    pub origin: SourcePos,
    pub return_codes: Seq<ReturnCodeSchema>,
    pub errata: Seq<ErratumSchema>,
    pub dictionaries: Seq<DictionarySchema>,
    pub messages: Seq<MessageSchema>,
    pub interfaces: Seq<InterfaceSchema>,
    /// How the platform signs, encrypts and wraps messages (`protocol.yaml`).
    pub protocol: Option<ProtocolSchema>,
    /// The document's worked examples (`examples/worked.yaml`).
    pub examples: Seq<WorkedExampleSchema>,
}

impl PlatformSchema {
    /// A compiled-in platform as the shared handle servers and clients hold. Cheap: a static's text and tables
    /// are borrowed, not copied.
    pub fn shared(&'static self) -> std::sync::Arc<PlatformSchema> {
        std::sync::Arc::new(self.clone())
    }
}

/// Which side of an integration serves an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Hospital,
    Platform,
}

impl Side {
    pub const ALL: [Side; 2] = [Side::Hospital, Side::Platform];

    /// The side across: who calls the interfaces this side provides.
    pub fn other(self) -> Side {
        match self {
            Side::Hospital => Side::Platform,
            Side::Platform => Side::Hospital,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Hospital => "hospital",
            Side::Platform => "platform",
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a call does to the side that provides it (`effect: read | write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Only reads: a query, a test call. Calling it against a live counterpart changes nothing there.
    Read,
    /// Changes state: registers, pays, refunds, cancels, notifies. The default where a spec says nothing, so a
    /// tool never calls an interface as harmless unless the spec says it is.
    Write,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Read => "read",
            Effect::Write => "write",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InterfaceSchema {
    pub name: Str,
    pub title: Str,
    pub section: Option<Str>,
    pub description: Str,
    pub provider: Side,
    /// How the envelope names the interface: a service name, a `transType`, a procedure name.
    pub service: Str,
    /// Other names a counterpart may send for the service, recorded from a documented erratum (shaanxi's examples
    /// say `NetTest` for `TestNet`): accepted inbound and answered in the same name; never sent.
    pub service_aliases: Seq<Str>,
    /// The fields that identify the call's business object (order, trade, refund, patient, card), by wire name or
    /// dotted path through objects: each is read from the request, else from the response (`business_keys`).
    pub keys: Seq<Str>,
    /// The HTTP path, for platforms that route by path; `{field}` in it is a request field carried in the path
    /// (`/v3/pay/transactions/out-trade-no/{out_trade_no}`), see [`InterfaceSchema::path_fields`].
    pub path: Option<Str>,
    /// The one binding the interface travels under (`binding: get`), where the platform gives each interface its
    /// method; `None`: every binding of the protocol.
    pub binding: Option<Str>,
    /// The encryption scheme its requests are sent under (`encrypted: AEAD_AES_256_GCM`: WeChat Pay's callback
    /// `resource`): a sender selects it, a receiver refuses the request in the clear.
    pub encrypted: Option<Str>,
    /// Whether a client may resend the call after a timeout without risking a second effect.
    pub retry_safe: bool,
    /// Whether a call changes the provider's state (`effect:`): a conformance probe calls writes only when told.
    pub effect: Effect,
    pub request: MessageId,
    pub response: MessageId,
    pub return_codes: Seq<ReturnCodeSchema>,
    /// The stored procedure or view that answers it in the HIS database, where the document offers that form.
    pub database: Option<DatabaseForm>,
    /// Exactly once (`idempotency:`): a server with a store answers a repeat of the key with the first answer and
    /// refuses the key with another request.
    pub idempotency: Option<IdempotencySchema>,
    /// What a spec-driven counterpart answers, first matching rule first (`answers:`).
    pub answers: Seq<AnswerSchema>,
    /// What a sender of its request writes into the envelope besides the protocol's templates (`envelope:`): a
    /// notification's `event_type`, its box's `resource.original_type`.
    pub envelope: Seq<EnvelopeValue>,
    pub origin: SourcePos,
}

/// One value an interface's request envelope carries (`envelope:`).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeValue {
    /// A request envelope field (`event_type`), or a dotted path into the encrypted box (`resource.original_type`).
    pub path: Str,
    /// A template, as the protocol's field templates are (`{uuid}`, `{now}`, `TRANSACTION.SUCCESS`).
    pub value: Str,
}

/// What makes two calls of an interface one effect, as `idempotency:` declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencySchema {
    /// Request fields (wire names or dotted paths through objects) whose values, together, are the key; a request
    /// lacking one is not claimed.
    pub key: Seq<Str>,
    /// Where a key is unique: the interface's own name by default; interfaces naming one scope share their keys (a
    /// merchant number used by a charge may not be used by a refund).
    pub scope: Option<Str>,
    /// The return code for a key already used with another request; the protocol's `invalid` failure by default.
    pub reused: Option<Str>,
}

/// A business payload (or a nested node of one).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageSchema {
    /// Dotted path from the interface: `Pay.request`, `GetScheduleInfo.response.schedule.date`.
    pub path: Str,
    /// XML element name: the payload root (`request`) or, for a nested node, its field name.
    pub xml_name: Str,
    pub description: Str,
    pub kind: MessageKind,
    pub fields: Seq<FieldSchema>,
    /// Each group needs at least one of its fields present.
    pub require_one_of: Seq<Seq<Str>>,
}

impl MessageSchema {
    /// The field with this wire name or alias.
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.name == name || f.aliases.iter().any(|a| a == name))
    }

    /// The index of the field named `name` (its own name, not an alias), searched from `hint` on first: walking a
    /// message's keys in the schema's order — as a typed message writes them — finds each at once, where a search
    /// from the start made every message of n fields cost n²/2 comparisons.
    ///
    /// The field at `hint` is asked first, inline in the caller: a typed reply of ten orders asks 290 times.
    #[inline]
    pub fn position_from(&self, name: &str, hint: usize) -> Option<usize> {
        match self.fields.get(hint) {
            Some(field) if field.name == name => Some(hint),
            _ => self.position_around(name, hint),
        }
    }

    fn position_around(&self, name: &str, hint: usize) -> Option<usize> {
        let (before, after) = self.fields.split_at(hint.min(self.fields.len()));
        let found = after.iter().position(|f| f.name == name).map(|i| i + before.len());
        found.or_else(|| before.iter().position(|f| f.name == name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A field table.
    Fields,
    /// The document names the message but gives no field table: the payload is kept as an open object.
    Open,
    /// The document says the message has no business content (“无”).
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReturnCodeSchema {
    pub code: Str,
    pub message: Str,
    pub success: bool,
    pub description: Str,
    pub aliases: Seq<Str>,
    pub errata: Seq<Str>,
    /// The HTTP status that carries the code (`status: 404`), where the platform answers with statuses: a server
    /// answers the code with it, and a client reads a reply without a code field as the success code whose status
    /// it has. The success code with a status is not written into a reply's body.
    pub status: Option<u16>,
}

impl ReturnCodeSchema {
    /// Every member at its default: generated statics spell out only what differs from it.
    pub const BLANK: ReturnCodeSchema = ReturnCodeSchema {
        code: Str::Borrowed(""),
        message: Str::Borrowed(""),
        success: false,
        description: Str::Borrowed(""),
        aliases: Seq::Borrowed(&[]),
        errata: Seq::Borrowed(&[]),
        status: None,
    };
}

/// A mistake of the source document, recorded where it occurs.
#[derive(Debug, Clone, PartialEq)]
pub struct ErratumSchema {
    pub id: Str,
    pub title: Str,
    pub section: Option<Str>,
    pub description: Str,
    /// The interface whose file declares it, if any.
    pub interface: Option<Str>,
    pub origin: SourcePos,
}

impl InterfaceSchema {
    /// The request fields its `path` carries: the names of its `{field}` placeholders, in order.
    pub fn path_fields(&self) -> Vec<&str> {
        path_fields(self.path.as_deref().unwrap_or_default())
    }

    /// Whether it travels under the binding named so.
    pub fn travels_under(&self, binding: &str) -> bool {
        self.binding.as_deref().is_none_or(|b| b == binding)
    }
}

/// The `{name}` placeholders of a path, in order.
pub fn path_fields(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else { break };
        out.push(&rest[start + 1..start + end]);
        rest = &rest[start + end + 1..];
    }
    out
}

impl PlatformSchema {
    /// The return code of the platform or the interface, by its code or an alias.
    pub fn return_code<'a>(
        &'a self,
        interface: Option<&'a InterfaceSchema>,
        code: &str,
    ) -> Option<&'a ReturnCodeSchema> {
        let tables = interface.into_iter().flat_map(|i| i.return_codes.iter()).chain(self.return_codes.iter());
        tables.into_iter().find(|c| c.code == code || c.aliases.iter().any(|a| a == code))
    }

    pub fn message(&self, id: MessageId) -> &MessageSchema {
        &self.messages[id.0 as usize]
    }

    pub fn dictionary(&self, id: DictId) -> &DictionarySchema {
        &self.dictionaries[id.0 as usize]
    }

    pub fn interface(&self, name: &str) -> Option<&InterfaceSchema> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    pub fn erratum(&self, id: &str) -> Option<&ErratumSchema> {
        self.errata.iter().find(|e| e.id == id)
    }

    /// Every field of every interface's request and response, nested ones included.
    pub fn field_count(&self) -> usize {
        self.interfaces.iter().flat_map(|i| [i.request, i.response]).map(|m| self.fields_below(m)).sum()
    }

    fn fields_below(&self, id: MessageId) -> usize {
        self.message(id).fields.iter().map(|f| 1 + f.ty.child().map_or(0, |c| self.fields_below(c))).sum()
    }

    /// Codes of every dictionary table (inline field code lists are not dictionaries).
    pub fn dictionary_code_count(&self) -> usize {
        self.dictionaries.iter().flat_map(|d| d.tables.iter()).map(|t| t.codes.len()).sum()
    }

    /// Unified return codes plus every interface's business codes.
    pub fn return_code_count(&self) -> usize {
        self.return_codes.len() + self.interfaces.iter().map(|i| i.return_codes.len()).sum::<usize>()
    }
}
