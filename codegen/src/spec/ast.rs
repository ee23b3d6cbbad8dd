//! The specs as written: text with positions, nothing resolved yet.

use hisgate_schema::SourcePos;

#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub pos: SourcePos,
}

pub type S = Spanned<String>;

#[derive(Debug, Default)]
pub struct PlatformAst {
    pub platform: Option<S>,
    pub title: Option<S>,
    pub document: Option<S>,
    pub seed: Option<S>,
    pub description: Option<S>,
    /// The platform's length unit for `string(N)`/`char(N)`: `characters`, `utf8-bytes` or `gbk-bytes`.
    pub length: Option<S>,
    pub return_codes: Vec<ReturnCodeAst>,
    pub errata: Vec<ErratumAst>,
    pub dictionaries: Vec<DictionaryAst>,
    pub interfaces: Vec<InterfaceAst>,
    pub protocol: Option<ProtocolAst>,
    /// The document's worked examples (`examples/worked.yaml`).
    pub worked: Vec<super::worked::WorkedAst>,
    /// The folder name, which `platform` must equal.
    pub folder: String,
    pub pos: Option<SourcePos>,
}

#[derive(Debug)]
pub struct ReturnCodeAst {
    pub code: Option<S>,
    pub message: Option<S>,
    pub success: Option<Spanned<bool>>,
    pub description: Option<S>,
    pub aliases: Vec<S>,
    pub erratum: Vec<S>,
    /// `status:` the HTTP status that carries the code.
    pub status: Option<S>,
}

#[derive(Debug)]
pub struct ErratumAst {
    pub id: Option<S>,
    pub title: Option<S>,
    pub section: Option<S>,
    pub description: Option<S>,
    pub interface: Option<String>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct DictionaryAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub section: Option<S>,
    pub description: Option<S>,
    pub open: Option<Spanned<bool>>,
    pub codes: Option<Vec<CodeAst>>,
    pub tables: Option<Vec<TableAst>>,
    pub erratum: Vec<S>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct TableAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub codes: Vec<CodeAst>,
}

#[derive(Debug)]
pub struct CodeAst {
    pub code: Option<S>,
    pub label: Option<S>,
    pub parent: Option<S>,
    pub variant: Option<S>,
    pub description: Option<S>,
    pub aliases: Vec<S>,
    pub erratum: Vec<S>,
}

#[derive(Debug)]
pub struct InterfaceAst {
    pub interface: Option<S>,
    /// The file name without `.yaml`, which `interface` must equal.
    pub file_stem: String,
    pub title: Option<S>,
    pub section: Option<S>,
    pub provider: Option<S>,
    pub service: Option<S>,
    pub service_aliases: Vec<S>,
    /// `keys:` the fields that identify the call's business object, by wire name or dotted path.
    pub keys: Vec<S>,
    pub path: Option<S>,
    /// `binding:` the one binding it travels under.
    pub binding: Option<S>,
    /// `encrypted:` the scheme its requests are sent under.
    pub encrypted: Option<S>,
    pub retry: Option<S>,
    /// `effect: read | write`: whether a call changes the provider's state.
    pub effect: Option<S>,
    pub description: Option<S>,
    pub request: Option<MessageAst>,
    pub response: Option<MessageAst>,
    pub return_codes: Vec<ReturnCodeAst>,
    pub database: Option<DatabaseAst>,
    /// `idempotency:` the request fields that identify one effect (exactly once).
    pub idempotency: Option<IdempotencyAst>,
    /// `answers:` what a spec-driven counterpart answers, rule by rule.
    pub answers: Vec<AnswerAst>,
    /// `envelope:` request envelope field or dotted path into the encrypted box → template.
    pub envelope: Vec<(S, S)>,
    pub pos: SourcePos,
}

/// One rule of `answers:`.
#[derive(Debug)]
pub struct AnswerAst {
    pub pos: SourcePos,
    /// `when:` request path → the values it may hold.
    pub when: Vec<(S, Vec<S>)>,
    pub code: Option<S>,
    pub message: Option<S>,
    pub response: Option<AnswerValue>,
}

/// A response template as written: text, a mapping or a list, with positions.
#[derive(Debug)]
pub enum AnswerValue {
    Text(S),
    Map(SourcePos, Vec<(S, AnswerValue)>),
    List(SourcePos, Vec<AnswerValue>),
}

/// `idempotency:` of an interface: `[field, …]`, or `{ key: [field, …], scope: NAME, reused: CODE }`.
#[derive(Debug)]
pub struct IdempotencyAst {
    pub pos: SourcePos,
    pub key: Vec<S>,
    pub scope: Option<S>,
    pub reused: Option<S>,
}

/// `database:` of an interface: the stored procedure or view that answers it in the HIS database.
#[derive(Debug)]
pub struct DatabaseAst {
    pub procedure: Option<S>,
    pub view: Option<S>,
    pub filter: Vec<FilterAst>,
    pub order: Option<S>,
    pub page: Vec<S>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct FilterAst {
    pub field: Option<S>,
    pub column: Option<S>,
    pub op: Option<S>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub enum MessageAst {
    /// `none`: the document says the message carries nothing.
    Empty,
    /// `open: true`: no field table.
    Open {
        description: Option<S>,
        pos: SourcePos,
    },
    Fields {
        root: Option<S>,
        description: Option<S>,
        fields: Vec<FieldAst>,
        require_one_of: Vec<Vec<S>>,
    },
}

#[derive(Debug)]
pub struct FieldAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub description: Option<S>,
    pub ty: Option<S>,
    pub required: Option<Spanned<bool>>,
    pub required_when: Option<S>,
    pub dict: Option<S>,
    pub codes: Option<Vec<CodeAst>>,
    pub format: Option<S>,
    pub unit: Option<S>,
    pub min: Option<S>,
    pub max: Option<S>,
    /// The field's own length unit, over the platform's.
    pub length: Option<S>,
    /// A positional alias: the first of two sibling elements of this name is this field.
    pub first_of: Option<S>,
    pub json: Option<S>,
    pub sensitive: Option<Spanned<bool>>,
    pub aliases: Vec<S>,
    pub erratum: Vec<S>,
    pub origin: Option<S>,
    pub example: Option<S>,
    pub fields: Option<Vec<FieldAst>>,
    pub pos: SourcePos,
}

/// `protocol.yaml`: credentials, envelopes, signature and encryption rules.
#[derive(Debug)]
pub struct ProtocolAst {
    pub description: Option<S>,
    pub credentials: Vec<CredentialAst>,
    pub request: Option<EnvelopeAst>,
    pub response: Option<EnvelopeAst>,
    pub signature: Option<SignatureAst>,
    /// `signed_by:` a sender's own rule, by side.
    pub signed_by: Vec<(S, SignatureAst)>,
    pub encryption: Option<EncryptionAst>,
    pub bindings: Vec<BindingAst>,
    pub failures: Option<FailuresAst>,
    pub freshness: Option<FreshnessAst>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct BindingAst {
    pub name: Option<S>,
    pub method: Option<S>,
    pub format: Option<S>,
    pub hospital_path: Option<S>,
    pub platform_path: Option<S>,
    pub soap: Option<S>,
    pub description: Option<S>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct FailuresAst {
    pub empty: Option<S>,
    pub malformed: Option<S>,
    /// Optional: a body in another charset than UTF-8; `malformed` where the platform has no code of its own.
    pub charset: Option<S>,
    pub unknown_service: Option<S>,
    pub signature: Option<S>,
    pub decrypt: Option<S>,
    pub invalid: Option<S>,
    pub stale: Option<S>,
    pub unsupported: Option<S>,
    pub internal: Option<S>,
}

#[derive(Debug)]
pub struct FreshnessAst {
    pub field: Option<S>,
    pub window: Option<S>,
}

#[derive(Debug)]
pub struct CredentialAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub secret: Option<Spanned<bool>>,
    pub description: Option<S>,
    pub example: Option<S>,
}

#[derive(Debug)]
pub struct EnvelopeAst {
    pub root: Option<S>,
    pub payload_field: Option<S>,
    pub payload_ciphertext: Option<S>,
    pub fields: Vec<EnvelopeFieldAst>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct EnvelopeFieldAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub description: Option<S>,
    pub ty: Option<S>,
    pub required: Option<Spanned<bool>>,
    pub place: Option<S>,
    pub role: Option<S>,
    pub value: Option<S>,
    pub accepts: Vec<S>,
    pub reject: Option<S>,
    pub format: Option<S>,
    pub aliases: Vec<S>,
    pub erratum: Vec<S>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct SignatureAst {
    pub field: Option<S>,
    pub covers: Option<S>,
    pub exclude: Vec<S>,
    pub empty: Option<S>,
    pub sort: Option<S>,
    pub pair: Option<S>,
    pub join: Option<S>,
    pub nested: Option<S>,
    pub numbers: Option<S>,
    pub prefix: Option<S>,
    pub suffix: Option<S>,
    pub digest: Vec<S>,
    pub order: Option<S>,
    pub compare: Option<S>,
    pub description: Option<S>,
    pub lines: Option<Vec<S>>,
    pub carrier: Option<S>,
    /// `headers:` name → template, written beside the signature.
    pub headers: Vec<(S, S)>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct EncryptionAst {
    pub select: Option<S>,
    pub description: Option<S>,
    pub schemes: Vec<SchemeAst>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct SchemeAst {
    pub name: Option<S>,
    pub cipher: CipherAst,
    pub key_template: Option<S>,
    pub key_steps: Vec<KeyStepAst>,
    /// SM2's: the ciphertext's `form`, `order` and `point`, and the `public` and `private` key templates.
    pub sm2: Sm2Ast,
    pub pos: SourcePos,
}

#[derive(Debug, Default)]
pub struct Sm2Ast {
    pub form: Option<S>,
    pub order: Option<S>,
    pub point: Option<S>,
    pub public: Option<S>,
    pub private: Option<S>,
}

/// `cipher`, `padding`, `iv`, `encoding` (and GCM's `nonce`, `associated_data`) of a scheme or of a
/// key-derivation step.
#[derive(Debug)]
pub struct CipherAst {
    pub cipher: Option<S>,
    pub padding: Option<S>,
    pub iv: Option<S>,
    pub encoding: Option<S>,
    pub nonce: Option<S>,
    pub associated_data: Option<S>,
}

#[derive(Debug)]
pub enum KeyStepAst {
    Encrypt { cipher: Box<CipherAst>, key: Option<S>, pos: SourcePos },
    Take(S),
}
