//! What each page shows, as plain data: built from the IR (and the engine's runs) by the `*_page` modules, read by
//! both the HTML and the Markdown templates, so the two renderings cannot drift apart.

use super::paths::Link;

/// A reference to an erratum, shown beside what it concerns.
#[derive(Debug, Clone)]
pub struct ErratumRef {
    pub id: String,
    pub title: String,
    pub title_html: String,
    pub link: Link,
}

/// An erratum in full, with every place it applies to.
#[derive(Debug, Clone)]
pub struct ErratumView {
    pub id: String,
    pub anchor: String,
    pub title: String,
    pub title_html: String,
    pub section: String,
    pub description: String,
    pub description_html: String,
    pub places: Vec<(String, Link)>,
}

#[derive(Debug, Clone)]
pub struct CodeView {
    pub code: String,
    pub label: String,
    pub anchor: String,
    pub depth: usize,
    pub parent: String,
    pub description: String,
    pub aliases: Vec<String>,
    pub errata: Vec<ErratumRef>,
}

/// One row of a request or response table.
#[derive(Debug, Clone)]
pub struct FieldRow {
    pub anchor: String,
    pub depth: usize,
    pub path: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub ty: String,
    pub type_notes: Vec<String>,
    pub required: bool,
    pub presence: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    /// The dictionary (or table) the value belongs to.
    pub dict: Option<(String, Link)>,
    /// Codes written into the spec beside or instead of a dictionary.
    pub codes: Vec<(String, String)>,
    pub example: String,
    /// Whether the example is the document's own rather than made up from the field's rules.
    pub example_documented: bool,
    /// Known only from the document's example, absent from its table.
    pub from_example: bool,
    pub sensitive: bool,
    pub errata: Vec<ErratumRef>,
}

#[derive(Debug, Clone)]
pub struct MessageView {
    pub id: String,
    pub label: String,
    pub root: String,
    /// Why there is no table, for a message without one.
    pub note: String,
    pub description_html: String,
    pub description: String,
    pub rows: Vec<FieldRow>,
    /// Groups of which at least one field must be present.
    pub one_of: Vec<String>,
}

/// One rule of an interface's `answers:`, as the docs show it.
#[derive(Debug, Clone)]
pub struct AnswerView {
    /// `CARD_NO = 6217…, 6218…; …`, or empty for every request.
    pub when: String,
    pub code: String,
    pub message: String,
    /// The response template as compact JSON, or empty.
    pub response: String,
}

#[derive(Debug, Clone)]
pub struct ReturnCodeView {
    pub code: String,
    pub anchor: String,
    pub message: String,
    pub success: bool,
    pub description: String,
    pub description_html: String,
    pub aliases: Vec<String>,
    pub errata: Vec<ErratumRef>,
}

/// A message sealed by the engine, as an interface page shows it.
#[derive(Debug, Clone)]
pub struct SealedView {
    pub title: String,
    pub format: String,
    pub plaintext: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Why there is no sealed form (no protocol, or the engine refused), instead of one.
    pub error: String,
}

/// An engine run shown step by step.
#[derive(Debug, Clone)]
pub struct WalkthroughView {
    pub title: String,
    pub source: String,
    pub note_html: String,
    pub note: String,
    pub interface: Option<(String, Link)>,
    pub direction: String,
    pub format: String,
    pub inputs: Vec<(String, String, String)>,
    pub plaintext: String,
    pub encryption: Option<EncryptionView>,
    /// Name, value, included, why not.
    pub pairs: Vec<(String, String, bool, String)>,
    pub canonical: String,
    pub digest: Vec<(String, String)>,
    pub sign: String,
    pub sign_field: String,
    pub sign_place: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub opened: String,
    pub opened_ok: bool,
    /// What the document printed against what the engine computed.
    pub checks: Vec<CheckView>,
    pub error: String,
}

#[derive(Debug, Clone)]
pub struct EncryptionView {
    pub scheme: String,
    pub cipher: String,
    pub key_steps: Vec<(String, String)>,
    pub field: String,
    pub ciphertext: String,
}

#[derive(Debug, Clone)]
pub struct CheckView {
    pub what: String,
    pub document: String,
    pub computed: String,
    pub ok: bool,
    /// The erratum that says the document prints this value wrongly, if the example names one.
    pub erratum: String,
}

/// A row of an envelope table.
#[derive(Debug, Clone)]
pub struct EnvelopeFieldView {
    pub name: String,
    pub title: String,
    pub place: String,
    pub required: bool,
    pub role: String,
    pub value: String,
    pub accepts: String,
    pub description_html: String,
    pub description: String,
    pub aliases: Vec<String>,
    pub errata: Vec<ErratumRef>,
}

#[derive(Debug, Clone)]
pub struct EnvelopeView {
    pub label: String,
    pub root: String,
    pub payload: String,
    pub fields: Vec<EnvelopeFieldView>,
}

/// How one interface is reached over one binding: `POST /wd/spi`.
#[derive(Debug, Clone)]
pub struct CallView {
    pub binding: String,
    pub method: String,
    pub path: String,
    pub format: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct InterfaceRow {
    pub name: String,
    pub title: String,
    pub section: String,
    pub service: String,
    pub link: Link,
}

#[derive(Debug, Clone)]
pub struct DictionaryRow {
    pub name: String,
    pub title: String,
    pub codes: usize,
    pub link: Link,
}
