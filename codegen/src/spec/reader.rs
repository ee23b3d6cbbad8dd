//! Reads YAML nodes into the AST, reporting every shape error (unknown key, missing key, wrong kind of value)
//! with its position instead of stopping at the first.

use super::ast::{S, Spanned};
use crate::diagnostic::Diagnostics;
use hisgate_schema::{SourcePos, Str};
use marked_yaml::types::{MarkedMappingNode, MarkedSequenceNode};
use marked_yaml::{Node, Span};

/// One file being read.
pub struct FileReader<'d> {
    pub file: Str,
    pub diags: &'d mut Diagnostics,
}

impl FileReader<'_> {
    pub fn pos(&self, span: &Span) -> SourcePos {
        let (line, column) = span.start().map_or((1, 1), |m| (m.line(), m.column()));
        SourcePos { file: self.file.clone(), line: line as u32, column: column as u32 }
    }

    pub fn error(&mut self, span: &Span, message: impl Into<String>) {
        let pos = self.pos(span);
        self.diags.error(&pos, message);
    }

    /// The node as a mapping, or an error naming what was expected.
    pub fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<MapReader<'n>> {
        match node.as_mapping() {
            Some(map) => Some(MapReader { map, asked: Vec::new() }),
            None => {
                self.error(node.span(), format!("expected {what} (a mapping), found {}", describe(node)));
                None
            }
        }
    }

    pub fn sequence<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedSequenceNode> {
        match node.as_sequence() {
            Some(seq) => Some(seq),
            None => {
                self.error(node.span(), format!("expected {what} (a list), found {}", describe(node)));
                None
            }
        }
    }

    pub fn text(&mut self, node: &Node, what: &str) -> Option<S> {
        match node.as_scalar() {
            Some(s) => Some(Spanned { value: s.as_str().to_owned(), pos: self.pos(node.span()) }),
            None => {
                self.error(node.span(), format!("expected {what} (text), found {}", describe(node)));
                None
            }
        }
    }
}

fn describe(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "text",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}

/// A mapping being read key by key; [`MapReader::finish`] reports the keys nobody asked for.
pub struct MapReader<'n> {
    map: &'n MarkedMappingNode,
    asked: Vec<&'static str>,
}

impl<'n> MapReader<'n> {
    /// Where the mapping starts: its first key (a flow mapping's own mark is its first value).
    pub fn span(&self) -> &'n Span {
        self.map.iter().next().map_or(self.map.span(), |(key, _)| key.span())
    }

    pub fn node(&mut self, key: &'static str) -> Option<&'n Node> {
        self.asked.push(key);
        self.map.get_node(key)
    }

    pub fn text(&mut self, r: &mut FileReader, key: &'static str) -> Option<S> {
        let node = self.node(key)?;
        r.text(node, &format!("`{key}`"))
    }

    /// A key that must be present.
    pub fn required(&mut self, r: &mut FileReader, key: &'static str) -> Option<S> {
        if self.map.get_node(key).is_none() {
            self.asked.push(key);
            r.error(self.span(), format!("missing required key `{key}`"));
            return None;
        }
        self.text(r, key)
    }

    pub fn bool(&mut self, r: &mut FileReader, key: &'static str) -> Option<Spanned<bool>> {
        let text = self.text(r, key)?;
        match text.value.as_str() {
            "true" => Some(Spanned { value: true, pos: text.pos }),
            "false" => Some(Spanned { value: false, pos: text.pos }),
            other => {
                r.diags.error(&text.pos, format!("`{key}` must be true or false, found `{other}`"));
                None
            }
        }
    }

    /// A list of texts (`[a, b]` or a block list).
    pub fn texts(&mut self, r: &mut FileReader, key: &'static str) -> Vec<S> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        let Some(seq) = r.sequence(node, &format!("`{key}`")) else {
            return Vec::new();
        };
        seq.iter().filter_map(|item| r.text(item, &format!("an entry of `{key}`"))).collect()
    }

    /// A mapping of names to templates (`headers: { Name: "{template}" }`), in written order.
    pub fn templates(&mut self, r: &mut FileReader, key: &'static str, what: &str) -> Vec<(S, S)> {
        let Some(node) = self.node(key) else { return Vec::new() };
        let Some(map) = node.as_mapping() else {
            r.mapping(node, &format!("`{key}`"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, value) in map.iter() {
            let name = S { value: name.as_str().to_owned(), pos: r.pos(name.span()) };
            if let Some(value) = r.text(value, what) {
                out.push((name, value));
            }
        }
        out
    }

    /// One text or a list of them (`erratum: id` or `erratum: [a, b]`).
    pub fn one_or_many(&mut self, r: &mut FileReader, key: &'static str) -> Vec<S> {
        match self.map.get_node(key) {
            Some(node) if node.as_scalar().is_some() => self.text(r, key).into_iter().collect(),
            _ => self.texts(r, key),
        }
    }

    /// A list of mappings, each read by `read`.
    pub fn list<T>(
        &mut self,
        r: &mut FileReader,
        key: &'static str,
        what: &str,
        mut read: impl FnMut(&mut FileReader, MapReader<'n>) -> Option<T>,
    ) -> Vec<T> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        let Some(seq) = r.sequence(node, &format!("`{key}`")) else {
            return Vec::new();
        };
        seq.iter().filter_map(|item| r.mapping(item, what).and_then(|m| read(r, m))).collect()
    }

    /// Reports keys that were not asked for, naming the ones that are allowed.
    pub fn finish(self, r: &mut FileReader) {
        for (key, _) in self.map.iter() {
            if !self.asked.contains(&key.as_str()) {
                let mut allowed = self.asked.clone();
                allowed.dedup();
                let message = format!("unknown key `{}` (expected one of: {})", key.as_str(), allowed.join(", "));
                r.error(key.span(), message);
            }
        }
    }
}
