//! Where each page of the site lives, and links between pages as relative paths, so the site reads the same from
//! disk (`file://`), from a loopback server or from any folder it is copied to.

/// A page's path from the site root, without extension: `shaanxi/interfaces/Pay`.
pub fn platform(platform: &str) -> String {
    format!("{platform}/index")
}

pub fn interface(platform: &str, interface: &str) -> String {
    format!("{platform}/interfaces/{interface}")
}

pub fn dictionary(platform: &str, dictionary: &str) -> String {
    format!("{platform}/dictionaries/{dictionary}")
}

pub fn return_codes(platform: &str) -> String {
    format!("{platform}/return-codes")
}

pub fn errata(platform: &str) -> String {
    format!("{platform}/errata")
}

pub const INDEX: &str = "index";

/// The anchor of an erratum on the errata page and wherever it is shown in full.
pub fn erratum_anchor(id: &str) -> String {
    format!("e-{id}")
}

/// The anchor of a code in its dictionary page: the code itself where it is a safe id (`c-01`, `c-WX_QR`), else its
/// position (`TRANS_ UNIT` has a space; some codes are Chinese).
pub fn code_anchor(table: usize, index: usize, code: &str) -> String {
    let safe = !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    match (table, safe) {
        (0, true) => format!("c-{code}"),
        (t, true) => format!("c{t}-{code}"),
        (t, false) => format!("c{t}-n{index}"),
    }
}

/// The anchor of a return code in its table.
pub fn return_code_anchor(code: &str) -> String {
    format!("rc-{}", code.replace(char::is_whitespace, "_"))
}

/// The anchor of a field row: `request-order.serviceFee`.
pub fn field_anchor(message: &str, path: &str) -> String {
    format!("{message}-{path}")
}

/// A link from one page to another (or to a place in it), in both renderings of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub html: String,
    pub md: String,
}

/// Builds links from the page at `from` (a path from the site root).
#[derive(Debug, Clone)]
pub struct Linker {
    root: String,
}

impl Linker {
    pub fn new(from: &str) -> Linker {
        Linker { root: "../".repeat(from.matches('/').count()) }
    }

    /// `../` repeated up to the site root, or `./` at the root (a bare `""` would not work as a prefix in CSS URLs).
    pub fn root(&self) -> &str {
        if self.root.is_empty() { "./" } else { &self.root }
    }

    pub fn to(&self, page: &str, anchor: Option<&str>) -> Link {
        let fragment = anchor.map(|a| format!("#{a}")).unwrap_or_default();
        Link { html: format!("{}{page}.html{fragment}", self.root), md: format!("{}{page}.md{fragment}", self.root) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_page() {
        let from_interface = Linker::new(&interface("shaanxi", "Pay"));
        assert_eq!(
            from_interface.to(&dictionary("shaanxi", "sex"), Some("c-1")).html,
            "../../shaanxi/dictionaries/sex.html#c-1"
        );
        assert_eq!(Linker::new(INDEX).to(&platform("onepay"), None).md, "onepay/index.md");
        assert_eq!(Linker::new(INDEX).root(), "./");
    }

    #[test]
    fn code_anchors_are_ids_without_spaces() {
        assert_eq!(code_anchor(0, 3, "WX_QR"), "c-WX_QR");
        assert_eq!(code_anchor(1, 0, "01"), "c1-01");
        assert_eq!(code_anchor(0, 7, "TRANS_ UNIT"), "c0-n7");
    }
}
