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
    /// Further formats accepted besides `format` (a profile's: `HH24:MI:SS` where the document says `HH24:MI`).
    pub also_formats: Seq<TimeFormat>,
    pub unit: Option<MoneyUnit>,
    /// How the length of `string(N)` / `char(N)` is counted; `None`: the type's own (characters for `string`,
    /// UTF-8 bytes for `char`).
    pub length_unit: Option<LengthUnit>,
    /// A positional alias: when this field is absent and the sibling named here arrives twice (an XML element
    /// repeated, as GetStatement's table prints `hospitalRefundId` twice), the first is this field.
    pub first_of: Option<Str>,
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
        also_formats: Seq::Borrowed(&[]),
        unit: None,
        length_unit: None,
        first_of: None,
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

    /// The most a text field may hold, and the unit it is counted in.
    pub fn max_length(&self) -> Option<(u32, LengthUnit)> {
        match self.ty {
            FieldType::String { max_chars: Some(n) } => Some((n, self.length_unit.unwrap_or(LengthUnit::Characters))),
            FieldType::Char { max_bytes } => Some((max_bytes, self.length_unit.unwrap_or(LengthUnit::Utf8Bytes))),
            _ => None,
        }
    }
}

/// How a text field's length is counted: the documents give `Char(N)`/`VARCHAR(N)` widths without naming an
/// encoding, and a GBK-based HIS counts 2 bytes per Chinese character where UTF-8 counts 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    /// Unicode scalar values.
    Characters,
    Utf8Bytes,
    GbkBytes,
}

impl LengthUnit {
    pub const ALL: [LengthUnit; 3] = [LengthUnit::Characters, LengthUnit::Utf8Bytes, LengthUnit::GbkBytes];

    /// The spec's name: `characters`, `utf8-bytes`, `gbk-bytes`.
    pub fn as_str(self) -> &'static str {
        match self {
            LengthUnit::Characters => "characters",
            LengthUnit::Utf8Bytes => "utf8-bytes",
            LengthUnit::GbkBytes => "gbk-bytes",
        }
    }

    pub fn parse(text: &str) -> Option<LengthUnit> {
        LengthUnit::ALL.into_iter().find(|u| u.as_str() == text)
    }

    /// The length of `text` in this unit. A character GBK cannot encode counts as the 2 bytes of GBK's widest
    /// double-byte form rather than being refused here: what cannot be sent in GBK is another rule's business.
    pub fn count(self, text: &str) -> usize {
        match self {
            LengthUnit::Characters => text.chars().count(),
            LengthUnit::Utf8Bytes => text.len(),
            LengthUnit::GbkBytes => {
                let mut buffer = [0u8; 4];
                text.chars()
                    .map(|c| {
                        let (bytes, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut buffer));
                        if unmappable { 2 } else { bytes.len() }
                    })
                    .sum()
            }
        }
    }

    /// How a length in this unit reads: `17 characters`, `51 bytes of UTF-8`, `34 bytes of GBK`.
    pub fn describe(self, n: usize) -> String {
        match self {
            LengthUnit::Characters => format!("{n} characters"),
            LengthUnit::Utf8Bytes => format!("{n} bytes of UTF-8"),
            LengthUnit::GbkBytes => format!("{n} bytes of GBK"),
        }
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
