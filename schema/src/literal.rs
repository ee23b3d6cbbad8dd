//! What generated statics call to write the spec as data: the text and position every member has, and one short
//! call for each of the commonest shapes — a code with its label, a string type, a return code with its message —
//! in place of a struct literal of five or six lines. Each gives exactly the value of the struct literal it
//! replaces (`..BLANK` for every other member), and codegen writes it only where that is so.

use crate::{CodeSchema, FieldType, ReturnCodeSchema, SourcePos, Str};
use std::borrow::Cow;

pub const fn s(text: &'static str) -> Str {
    Cow::Borrowed(text)
}

pub const fn at(file: &'static str, line: u32, column: u32) -> SourcePos {
    SourcePos { file: Cow::Borrowed(file), line, column }
}

/// A code with its label and nothing else.
pub const fn code(code: &'static str, label: &'static str) -> CodeSchema {
    CodeSchema { code: s(code), label: s(label), ..CodeSchema::BLANK }
}

/// A code with its label and the Rust variant the spec names it.
pub const fn code_as(code: &'static str, label: &'static str, variant: &'static str) -> CodeSchema {
    CodeSchema { code: s(code), label: s(label), variant: Some(s(variant)), ..CodeSchema::BLANK }
}

/// `string(N)`.
pub const fn string(max_chars: u32) -> FieldType {
    FieldType::String { max_chars: Some(max_chars) }
}

/// `decimal(P,S)`.
pub const fn decimal(precision: u8, scale: u8) -> FieldType {
    FieldType::Decimal { precision, scale }
}

/// A return code with its message and nothing else.
pub const fn return_code(code: &'static str, message: &'static str) -> ReturnCodeSchema {
    ReturnCodeSchema { code: s(code), message: s(message), ..ReturnCodeSchema::BLANK }
}
