//! The document's worked examples (`examples/worked.yaml`): a payload the document sealed, the inputs it was
//! sealed with and the values the document printed. `hisgate check` reproduces each one; `hisgate docs` shows
//! them beside the computed values.

use crate::{Direction, Seq, SourcePos, Str, WireFormat};

/// One worked example as the spec states it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkedExampleSchema {
    pub title: Str,
    /// Where the document prints it.
    pub source: Str,
    /// The interface whose service the envelope carries, if the example belongs to one.
    pub interface: Option<Str>,
    pub direction: Direction,
    pub format: WireFormat,
    /// The payload file as the manifest names it, relative to the platform's `examples/` folder.
    pub payload_file: Str,
    /// Its text, less the file's final newline: sealed byte for byte, as the document sealed it.
    pub payload: Str,
    /// Inputs besides the credentials' examples: a call input, a credential the example used instead, an envelope
    /// field's value.
    pub inputs: Seq<ExampleInput>,
    /// The signature the document printed.
    pub sign: Option<Printed>,
    /// The payload's ciphertext the document printed.
    pub ciphertext: Option<Printed>,
    /// The document prints a value wrongly, as this erratum says: a mismatch is expected, and a match is an error.
    pub erratum: Option<Str>,
    pub note: Str,
    pub origin: SourcePos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExampleInput {
    pub name: Str,
    pub value: Str,
}

/// A value the document printed, with where the manifest gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Printed {
    pub value: Str,
    pub origin: SourcePos,
}

impl WorkedExampleSchema {
    pub fn input(&self, name: &str) -> Option<&str> {
        self.inputs.iter().find(|i| i.name == name).map(|i| &*i.value)
    }
}
