//! Wire formats. Both read into a `serde_json::Value` tree, which the validator checks against the schema, and
//! write from one in schema order.

pub mod json;
pub mod xml;

/// Bounds every decoder enforces before it builds anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of objects, arrays or elements.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 1 << 20, max_depth: 32 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("input of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge { len: usize, limit: usize },
    #[error("nesting deeper than the limit of {limit}")]
    TooDeep { limit: usize },
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("XML with a DOCTYPE or entity declaration is refused")]
    XmlDoctype,
    #[error("XML entity `&{0};` is not one of the five predefined ones and is not expanded")]
    XmlEntity(String),
    #[error("expected the root element <{expected}>, found <{found}>")]
    XmlRoot { expected: String, found: String },
}

impl Limits {
    pub(crate) fn check_len(&self, len: usize) -> Result<(), CodecError> {
        if len > self.max_bytes {
            return Err(CodecError::TooLarge { len, limit: self.max_bytes });
        }
        Ok(())
    }
}
