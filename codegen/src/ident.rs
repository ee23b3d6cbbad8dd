//! Rust names for spec names, in one place: lowering checks them for collisions, emission uses them.
//! Names are ASCII (no Chinese identifiers), keywords become raw identifiers.

use heck::{ToSnakeCase, ToUpperCamelCase};

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
}
