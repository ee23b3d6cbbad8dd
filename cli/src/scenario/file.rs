//! Scenario files: a named flow of calls between the two sides of one platform, as YAML. Values are read as the
//! text written (`10.00` stays `10.00`), and every mistake is reported with its `file:line:column`.
//!
//! ```yaml
//! scenario: 挂号 → 支付 → 取号
//! platform: shaanxi
//! steps:
//!   - call: OrderRegister          # the interface; its provider side is the party called
//!     request: { scheduleId: "{scheduleId}", orderId: "GH{unique}" }
//!     expect: { code: SUCCESS, response: { "order.status": "1" } }
//!     save: { hospitalOrderId: response.hospitalOrderId }
//!     repeat: 3                     # send the same request 3 times (all must answer alike)
//!     concurrent: true              # …at once
//!   - call: QueryRegister
//!     request: { orderId: "{orderId}" }
//!     expect: { response: { "order[0].status": "4" } }
//!     wait: 30                      # resend until the expectations hold, for up to 30 s (effects that arrive
//!                                   # later, through the other side's outbox)
//! ```

use marked_yaml::{Node, Span};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: String,
    pub title: String,
    pub platform: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// `file:line` of the step, for reports.
    pub at: String,
    pub call: String,
    pub request: Value,
    /// Codes any of which passes; empty: the platform's success code.
    pub codes: Vec<String>,
    /// Response paths and the text each must hold.
    pub response: BTreeMap<String, String>,
    /// Variables saved from the reply: name → path (`response.orders[0].orderId`, `code`, `message`).
    pub save: BTreeMap<String, String>,
    pub repeat: u32,
    pub concurrent: bool,
    /// How long to keep resending until the expectations hold; none: one try.
    pub wait: Option<Duration>,
}

pub fn load(path: &Path) -> Result<Scenario, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
    let reader = Reader { file: &file };
    let root = marked_yaml::parse_yaml(0, &text).map_err(|e| format!("{file}: {e}"))?;
    let map = reader.mapping(&root, "a scenario")?;
    // `description` documents the file for its readers; the runner does not need it.
    reader.known_keys(&root, &["scenario", "platform", "description", "steps"])?;
    let steps_node = map.get_node("steps").ok_or_else(|| reader.error(root.span(), "no `steps`"))?;
    let steps = steps_node.as_sequence().ok_or_else(|| reader.error(steps_node.span(), "`steps` must be a list"))?;
    Ok(Scenario {
        title: reader.required(&root, "scenario")?,
        platform: reader.required(&root, "platform")?,
        steps: steps.iter().map(|s| reader.step(s)).collect::<Result<_, _>>()?,
        file,
    })
}

struct Reader<'f> {
    file: &'f str,
}

impl Reader<'_> {
    fn error(&self, span: &Span, message: impl std::fmt::Display) -> String {
        let (line, column) = span.start().map_or((0, 0), |m| (m.line(), m.column()));
        format!("{}:{line}:{column}: {message}", self.file)
    }

    fn mapping<'n>(&self, node: &'n Node, what: &str) -> Result<&'n marked_yaml::types::MarkedMappingNode, String> {
        node.as_mapping().ok_or_else(|| self.error(node.span(), format!("expected {what} (a mapping)")))
    }

    fn known_keys(&self, node: &Node, known: &[&str]) -> Result<(), String> {
        for (key, _) in self.mapping(node, "a mapping")?.iter() {
            if !known.contains(&key.as_str()) {
                return Err(self.error(
                    key.span(),
                    format!("unknown key `{}` (expected one of {})", key.as_str(), known.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn optional(&self, node: &Node, key: &str) -> Result<Option<String>, String> {
        match self.mapping(node, "a mapping")?.get_node(key) {
            None => Ok(None),
            Some(Node::Scalar(s)) => Ok(Some(s.as_str().to_owned())),
            Some(other) => Err(self.error(other.span(), format!("`{key}` must be text"))),
        }
    }

    fn required(&self, node: &Node, key: &str) -> Result<String, String> {
        self.optional(node, key)?.ok_or_else(|| self.error(node.span(), format!("no `{key}`")))
    }

    fn step(&self, node: &Node) -> Result<Step, String> {
        let map = self.mapping(node, "a step")?;
        self.known_keys(node, &["call", "title", "request", "expect", "save", "repeat", "concurrent", "wait"])?;
        let number = |key: &str, default: u32| -> Result<u32, String> {
            match self.optional(node, key)? {
                None => Ok(default),
                Some(text) => {
                    text.parse().map_err(|_| self.error(node.span(), format!("`{key}` must be a count, not `{text}`")))
                }
            }
        };
        let (codes, response) = match map.get_node("expect") {
            None => (Vec::new(), BTreeMap::new()),
            Some(expect) => {
                self.known_keys(expect, &["code", "response"])?;
                let codes = match self.mapping(expect, "`expect`")?.get_node("code") {
                    None => Vec::new(),
                    Some(Node::Scalar(s)) => vec![s.as_str().to_owned()],
                    Some(Node::Sequence(list)) => list.iter().map(|n| self.scalar(n)).collect::<Result<_, _>>()?,
                    Some(other) => return Err(self.error(other.span(), "`code` must be a code or a list of codes")),
                };
                (codes, self.text_map(expect, "response")?)
            }
        };
        let save = self.text_map(node, "save")?;
        for path in save.values().chain(response.keys()) {
            super::path::check(path).map_err(|e| self.error(node.span(), e))?;
        }
        let wait = match self.optional(node, "wait")? {
            None => None,
            Some(text) => Some(Duration::from_secs_f64(
                text.parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                    .ok_or_else(|| self.error(node.span(), format!("`wait` must be seconds (0–3600], not `{text}`")))?,
            )),
        };
        let start = node.span().start().map_or(0, |m| m.line());
        Ok(Step {
            at: format!("{}:{start}", self.file),
            call: self.required(node, "call")?,
            request: map.get_node("request").map_or(Value::Object(Map::new()), tree),
            codes,
            response,
            save,
            repeat: number("repeat", 1)?.max(1),
            concurrent: self.optional(node, "concurrent")?.is_some_and(|t| t == "true"),
            wait,
        })
    }

    fn scalar(&self, node: &Node) -> Result<String, String> {
        node.as_scalar().map(|s| s.as_str().to_owned()).ok_or_else(|| self.error(node.span(), "expected text"))
    }

    fn text_map(&self, node: &Node, key: &str) -> Result<BTreeMap<String, String>, String> {
        let Some(inner) = self.mapping(node, "a mapping")?.get_node(key) else { return Ok(BTreeMap::new()) };
        let map = self.mapping(inner, &format!("`{key}`"))?;
        map.iter().map(|(k, v)| Ok((k.as_str().to_owned(), self.scalar(v)?))).collect()
    }
}

/// A YAML tree as JSON with every scalar kept as the text written; `null` and `~` are absent values.
fn tree(node: &Node) -> Value {
    match node {
        Node::Scalar(s) if s.may_coerce() && matches!(s.as_str(), "null" | "~" | "") => Value::Null,
        Node::Scalar(s) => Value::String(s.as_str().to_owned()),
        Node::Sequence(items) => Value::Array(items.iter().map(tree).collect()),
        Node::Mapping(map) => Value::Object(map.iter().map(|(k, v)| (k.as_str().to_owned(), tree(v))).collect()),
    }
}
