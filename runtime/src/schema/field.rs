use super::{CodeSchema, DictRef, MessageId, PlatformSchema, Seq, SourcePos, Str, TimeFormat};

#[derive(Debug, Clone, PartialEq)]
pub struct FieldSchema {
    /// Wire name: JSON key and XML element, as the document spells it.
    pub name: Str,
    pub title: Str,
    pub description: Str,
    pub ty: FieldType,
    pub presence: Presence,
    /// A named dictionary (or one table of it) the value must belong to.
    pub dict: Option<DictRef>,
    /// An inline code list, for enumerations the document writes into the description; beside `dict`, codes the
    /// field accepts besides the dictionary's (`-1` for "all").
    pub codes: Seq<CodeSchema>,
    pub format: Option<TimeFormat>,
    pub unit: Option<MoneyUnit>,
    /// Inclusive bounds of a number, as decimal text.
    pub min: Option<Str>,
    pub max: Option<Str>,
    pub json: JsonNumber,
    /// Personal data, redacted from errors and logs.
    pub sensitive: bool,
    /// Misspellings accepted on input, never written.
    pub aliases: Seq<Str>,
    /// The errata this entry records.
    pub errata: Seq<Str>,
    pub origin_kind: Origin,
    pub example: Option<Str>,
    pub origin: SourcePos,
}

impl FieldSchema {
    /// Every member at its default: generated statics spell out only what differs from it.
    pub const BLANK: FieldSchema = FieldSchema {
        name: Str::Borrowed(""),
        title: Str::Borrowed(""),
        description: Str::Borrowed(""),
        ty: FieldType::String { max_chars: None },
        presence: Presence::Optional,
        dict: None,
        codes: Seq::Borrowed(&[]),
        format: None,
        unit: None,
        min: None,
        max: None,
        json: JsonNumber::Number,
        sensitive: false,
        aliases: Seq::Borrowed(&[]),
        errata: Seq::Borrowed(&[]),
        origin_kind: Origin::Table,
        example: None,
        origin: SourcePos::UNKNOWN,
    };
}

impl FieldSchema {
    /// Every code the field accepts: its dictionary's (or table's), then its own.
    pub fn accepted_codes<'s>(&'s self, platform: &'s PlatformSchema) -> impl Iterator<Item = &'s CodeSchema> {
        let dict = self.dict.map(|r| platform.dictionary(r.dict).codes(r.table));
        dict.into_iter().flatten().chain(self.codes.iter())
    }

    /// Whether the field checks codes at all.
    pub fn has_codes(&self) -> bool {
        self.dict.is_some() || !self.codes.is_empty()
    }

    /// Whether a value outside the codes is kept (an open dictionary) rather than rejected.
    pub fn codes_open(&self, platform: &PlatformSchema) -> bool {
        self.dict.is_some_and(|r| platform.dictionary(r.dict).open)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text of at most `max_chars` Unicode scalar values.
    String {
        max_chars: Option<u32>,
    },
    /// Text of at most `max_bytes` bytes of UTF-8: a database column width.
    Char {
        max_bytes: u32,
    },
    Int,
    Long,
    Decimal {
        precision: u8,
        scale: u8,
    },
    Object(MessageId),
    List(MessageId),
    /// An open JSON object, kept as received.
    Map,
}

impl FieldType {
    pub fn child(self) -> Option<MessageId> {
        match self {
            FieldType::Object(m) | FieldType::List(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_text(self) -> bool {
        matches!(self, FieldType::String { .. } | FieldType::Char { .. })
    }

    pub fn is_number(self) -> bool {
        matches!(self, FieldType::Int | FieldType::Long | FieldType::Decimal { .. })
    }

    /// The spec notation: `string(32)`, `decimal(10,2)`, `list`.
    pub fn notation(self) -> String {
        match self {
            FieldType::String { max_chars: Some(n) } => format!("string({n})"),
            FieldType::String { max_chars: None } => "string".into(),
            FieldType::Char { max_bytes } => format!("char({max_bytes})"),
            FieldType::Int => "int".into(),
            FieldType::Long => "long".into(),
            FieldType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            FieldType::Object(_) => "object".into(),
            FieldType::List(_) => "list".into(),
            FieldType::Map => "map".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Presence {
    Required,
    Optional,
    /// Required when a sibling field holds one of the values, optional otherwise.
    RequiredWhen(Condition),
}

/// `field = value` or `field in (a, b)`, over a sibling field.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: Str,
    pub values: Seq<Str>,
}

impl Condition {
    pub fn holds(&self, value: Option<&str>) -> bool {
        value.is_some_and(|v| self.values.iter().any(|c| c == v.trim()))
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.values {
            [one] => write!(f, "{} = {}", self.field, one),
            many => write!(f, "{} in ({})", self.field, many.join(", ")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    Yuan,
    Fen,
}

impl MoneyUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "yuan",
            MoneyUnit::Fen => "fen",
        }
    }
}

/// How a number travels in JSON. Input accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonNumber {
    #[default]
    Number,
    String,
}

/// Where the spec learnt of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    #[default]
    Table,
    /// Absent from the document's table, known only from its worked example.
    Example,
}
