use super::{DictId, Seq, SourcePos, Str};

#[derive(Debug, Clone, PartialEq)]
pub struct DictionarySchema {
    pub name: Str,
    pub title: Str,
    pub section: Option<Str>,
    pub description: Str,
    /// An open dictionary keeps codes outside its tables instead of rejecting them.
    pub open: bool,
    /// One unnamed table, or several named ones under one heading.
    pub tables: Seq<DictTable>,
    pub errata: Seq<Str>,
    pub origin: SourcePos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DictTable {
    pub name: Option<Str>,
    pub title: Option<Str>,
    pub codes: Seq<CodeSchema>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CodeSchema {
    pub code: Str,
    pub label: Str,
    pub parent: Option<Str>,
    /// The Rust variant name, when the spec gives one.
    pub variant: Option<Str>,
    pub description: Str,
    pub aliases: Seq<Str>,
    pub errata: Seq<Str>,
}

impl CodeSchema {
    /// Every member at its default: generated statics spell out only what differs from it.
    pub const BLANK: CodeSchema = CodeSchema {
        code: Str::Borrowed(""),
        label: Str::Borrowed(""),
        parent: None,
        variant: None,
        description: Str::Borrowed(""),
        aliases: Seq::Borrowed(&[]),
        errata: Seq::Borrowed(&[]),
    };

    /// Whether `value` is this code or one of its accepted spellings.
    pub fn matches(&self, value: &str) -> bool {
        self.code == value || self.aliases.iter().any(|a| a == value)
    }
}

/// A field's reference to a dictionary, or to one table of a multi-table dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DictRef {
    pub dict: DictId,
    pub table: Option<u16>,
}

impl DictionarySchema {
    /// The codes a reference admits: one table, or every table.
    pub fn codes(&self, table: Option<u16>) -> impl Iterator<Item = &CodeSchema> {
        self.tables
            .iter()
            .enumerate()
            .filter(move |(i, _)| table.is_none_or(|t| usize::from(t) == *i))
            .flat_map(|(_, t)| t.codes.iter())
    }

    pub fn lookup(&self, table: Option<u16>, value: &str) -> Option<&CodeSchema> {
        self.codes(table).find(|c| c.matches(value))
    }
}
