//! Named reads of a store row beyond sqlx's `try_get("column")`: a dictionary code and an Int, which every
//! simulator read again with a helper of its own.

use super::StoreError;
use crate::Dictionary;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A row's columns read by name as the wire's types.
pub trait Columns {
    /// A dictionary code the store kept; one the dictionary does not know means the data was changed behind the
    /// program's back.
    fn code<D: Dictionary>(&self, column: &str) -> Result<D, StoreError>;

    /// An integer column as the wire's Int.
    fn int(&self, column: &str) -> Result<i32, StoreError>;
}

impl Columns for AnyRow {
    fn code<D: Dictionary>(&self, column: &str) -> Result<D, StoreError> {
        code_of(&self.try_get::<String, _>(column)?, column)
    }

    fn int(&self, column: &str) -> Result<i32, StoreError> {
        int_of(self.try_get(column)?)
    }
}

/// A dictionary code read from `column` (a value already taken from its row); one the dictionary does not know
/// means the data was changed behind the program's back.
pub fn code_of<D: Dictionary>(value: &str, column: &str) -> Result<D, StoreError> {
    D::from_code(value).ok_or_else(|| StoreError::Corrupt(format!("an unknown code `{value}` in column {column}")))
}

/// A stored integer as the wire's Int.
pub fn int_of(value: i64) -> Result<i32, StoreError> {
    i32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} does not fit an Int")))
}
