//! What validation reports: every broken rule, each naming the field, the rule and the (redacted) value.

use std::fmt;

/// The rule a value broke. `Display` gives the names the spec language and the docs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    Required,
    Type,
    Length,
    Precision,
    Format,
    Dictionary,
    RequiredWhen,
    Range,
    OneOf,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::Type => "type",
            Rule::Length => "length",
            Rule::Precision => "precision",
            Rule::Format => "format",
            Rule::Dictionary => "dictionary",
            Rule::RequiredWhen => "required_when",
            Rule::Range => "range",
            Rule::OneOf => "one_of",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Wire names from the payload root: `order[0].serviceFee`.
    pub path: String,
    pub rule: Rule,
    /// What is wrong, with the value already redacted where the field is sensitive.
    pub detail: String,
}

impl Violation {
    /// `path: rule`, the short form tests and scripts compare.
    pub fn key(&self) -> String {
        format!("{}: {}", self.path, self.rule)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "(payload)" } else { &self.path };
        write!(f, "{path}: {}: {}", self.rule, self.detail)
    }
}

/// Every violation of one message, in field order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// The `path: rule` keys, in order.
    pub fn keys(&self) -> Vec<String> {
        self.0.iter().map(Violation::key).collect()
    }

    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
