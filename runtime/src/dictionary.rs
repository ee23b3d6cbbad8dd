//! The trait generated dictionary enums implement. An enum supplies its variant ↔ table-position mapping; codes,
//! labels, parents and aliases are read from the schema, so the generated code stays a plain `enum`.

use crate::schema::{CodeSchema, DictRef, PlatformSchema};
use std::fmt;
use std::marker::PhantomData;

pub trait Dictionary: Sized + Clone + 'static {
    fn schema() -> (&'static PlatformSchema, DictRef);

    /// The variant's position in its table, or the code an open dictionary kept.
    fn index(&self) -> Result<usize, &str>;

    fn from_index(index: usize) -> Option<Self>;

    /// Wraps a code outside the table: `Some` for open dictionaries, `None` for closed ones.
    fn unknown(code: &str) -> Option<Self>;

    /// The table's entry for this variant (`None` for a kept unknown code).
    fn entry(&self) -> Option<&'static CodeSchema> {
        let index = self.index().ok()?;
        table_codes::<Self>().get(index)
    }

    /// The code as sent on the wire.
    fn code(&self) -> &str {
        match (self.entry(), self.index()) {
            (Some(entry), _) => &entry.code,
            (None, Err(code)) => code,
            (None, Ok(_)) => "",
        }
    }

    /// The Chinese label (empty for a kept unknown code).
    fn label(&self) -> &str {
        self.entry().map_or("", |e| &e.label)
    }

    fn parent(&self) -> Option<Self> {
        Self::from_code(self.entry()?.parent.as_deref()?)
    }

    /// The variant for a code or one of its accepted spellings.
    fn from_code(code: &str) -> Option<Self> {
        match table_codes::<Self>().iter().position(|c| c.matches(code)) {
            Some(index) => Self::from_index(index),
            None => Self::unknown(code),
        }
    }

    /// Every code of the table, in document order.
    fn known() -> Vec<Self> {
        (0..table_codes::<Self>().len()).filter_map(Self::from_index).collect()
    }
}

fn table_codes<D: Dictionary>() -> &'static [CodeSchema] {
    let (platform, reference) = D::schema();
    let dictionary = platform.dictionary(reference.dict);
    let table = usize::from(reference.table.unwrap_or(0));
    dictionary.tables.get(table).map_or(&[], |t| &t.codes)
}

/// A code that a closed dictionary does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?} is not a code of dictionary `{dictionary}`")]
pub struct UnknownCode {
    pub dictionary: String,
    pub code: String,
}

impl UnknownCode {
    pub fn new<D: Dictionary>(code: &str) -> UnknownCode {
        let (platform, reference) = D::schema();
        let dictionary = platform.dictionary(reference.dict).name.to_string();
        UnknownCode { dictionary, code: code.to_owned() }
    }
}

/// Reads a code from text or from an integer (JSON counterparts send `"sex": 1`).
pub struct CodeVisitor<D>(PhantomData<D>);

impl<D> Default for CodeVisitor<D> {
    fn default() -> Self {
        CodeVisitor(PhantomData)
    }
}

impl<D: Dictionary> CodeVisitor<D> {
    fn read<E: serde::de::Error>(code: &str) -> Result<D, E> {
        D::from_code(code).ok_or_else(|| E::custom(UnknownCode::new::<D>(code)))
    }
}

impl<D: Dictionary> serde::de::Visitor<'_> for CodeVisitor<D> {
    type Value = D;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a dictionary code")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<D, E> {
        Self::read(v.trim())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<D, E> {
        Self::read(&v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<D, E> {
        Self::read(&v.to_string())
    }
}
