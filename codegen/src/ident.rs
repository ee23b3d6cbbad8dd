//! Rust names for spec names, in one place: lowering checks them for collisions, emission uses them.
//! Names are ASCII (no Chinese identifiers), keywords become raw identifiers.

use crate::diagnostic::Diagnostics;
use heck::{ToSnakeCase, ToUpperCamelCase};
use hisgate_schema::SourcePos;
use proc_macro2::{Ident, Span};
use std::cell::RefCell;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "gen",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct",
    "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];
// These cannot be raw identifiers.
const RESERVED: &[&str] = &["self", "Self", "super", "crate", "_"];

fn is_ascii_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `hospitalOrderId` → `hospital_order_id`, `type` → `r#type`.
pub fn field(wire: &str) -> String {
    let snake = wire.to_snake_case();
    if RESERVED.contains(&snake.as_str()) {
        format!("{snake}_")
    } else if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else {
        snake
    }
}

/// A module name: `portal.wb.queryAccount` → `portal_wb_query_account`.
pub fn module(name: &str) -> String {
    field(name)
}

/// A type name: `schedule` → `Schedule`, `op_query_card_list` → `OpQueryCardList`.
pub fn type_name(name: &str) -> String {
    let camel = name.to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) { format!("C{camel}") } else { camel }
}

/// The variant a code gets when the spec names none: `WX_QR` → `WxQr`, `01` → `C01`, `hop.trade.refund` →
/// `HopTradeRefund`. `None` when the code yields no ASCII identifier (a Chinese code needs `variant:`).
pub fn default_variant(code: &str) -> Option<String> {
    let name = if code.starts_with(|c: char| c.is_ascii_digit()) {
        let cleaned: String = code.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        format!("C{cleaned}")
    } else {
        code.to_upper_camel_case()
    };
    is_ascii_ident(&name).then_some(name)
}

/// Whether a spec-given variant name is usable.
pub fn is_variant(name: &str) -> bool {
    is_ascii_ident(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) && name != "UnknownCode"
}

/// A wire name the languages can carry: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_wire_name(name: &str) -> bool {
    is_ascii_ident(name)
}

/// The identifier for a name made by this module (`r#type` becomes a raw identifier), or why it is none. The
/// emitter builds identifiers only here, so a name lowering let through is reported rather than a panic.
pub fn rust(name: &str) -> Result<Ident, String> {
    let bad = |why: &str| Err(format!("`{name}` is not a Rust identifier ({why})"));
    match name.strip_prefix("r#") {
        Some(raw) if !is_ascii_ident(raw) => bad("expected [A-Za-z_][A-Za-z0-9_]* after `r#`"),
        Some(raw) if RESERVED.contains(&raw) => bad("cannot be a raw identifier"),
        Some(raw) => Ok(Ident::new_raw(raw, Span::call_site())),
        None if !is_ascii_ident(name) => bad("expected [A-Za-z_][A-Za-z0-9_]*"),
        None if KEYWORDS.contains(&name) || RESERVED.contains(&name) => bad("a Rust keyword"),
        None => Ok(Ident::new(name, Span::call_site())),
    }
}

/// The identifiers of one emission: each name that is none becomes a diagnostic at the spec construct it names,
/// and a placeholder keeps the emitter going so every such name is reported together.
#[derive(Default)]
pub struct Idents(RefCell<Diagnostics>);

impl Idents {
    /// `what` says what the identifier names, for the message (`the enum of dictionary `sex``).
    pub fn get(&self, name: Option<&str>, what: &str, at: &SourcePos) -> Ident {
        let made = match name {
            Some(name) => rust(name),
            None => Err("no Rust name can be derived".to_owned()),
        };
        made.unwrap_or_else(|why| {
            self.0.borrow_mut().error(at, format!("cannot name {what} in Rust: {why}"));
            Ident::new("__hisgate_unnamed", Span::call_site())
        })
    }

    /// The names that were none, or `Ok` when every name made an identifier.
    pub fn finish(self) -> Result<(), Diagnostics> {
        let diagnostics = self.0.into_inner();
        if diagnostics.is_empty() { Ok(()) } else { Err(diagnostics) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field("hospitalOrderId"), "hospital_order_id");
        assert_eq!(field("dataID"), "data_id");
        assert_eq!(field("type"), "r#type");
        assert_eq!(field("Url"), "url");
        assert_eq!(module("portal.wb.queryAccount"), "portal_wb_query_account");
        assert_eq!(type_name("op_query_card_list"), "OpQueryCardList");
        assert_eq!(default_variant("WX_QR").as_deref(), Some("WxQr"));
        assert_eq!(default_variant("01").as_deref(), Some("C01"));
        assert_eq!(default_variant("TRANS_ UNIT").as_deref(), Some("TransUnit"));
        assert_eq!(default_variant("hop.trade.recharge").as_deref(), Some("HopTradeRecharge"));
        assert_eq!(default_variant("男"), None);
    }

    #[test]
    fn identifiers_or_why_not() {
        assert_eq!(rust("order_id").unwrap().to_string(), "order_id");
        assert_eq!(rust("r#type").unwrap().to_string(), "r#type");
        assert_eq!(rust("").unwrap_err(), "`` is not a Rust identifier (expected [A-Za-z_][A-Za-z0-9_]*)");
        assert_eq!(rust("性别").unwrap_err(), "`性别` is not a Rust identifier (expected [A-Za-z_][A-Za-z0-9_]*)");
        assert_eq!(rust("type").unwrap_err(), "`type` is not a Rust identifier (a Rust keyword)");
        assert_eq!(rust("r#self").unwrap_err(), "`r#self` is not a Rust identifier (cannot be a raw identifier)");
    }
}
