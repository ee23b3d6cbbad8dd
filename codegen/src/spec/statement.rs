//! `statements.yaml`: a platform's statements (对账单), read into the AST with positions. Meaning is checked in
//! `lower::statement`.

use super::ast::S;
use super::load;
use super::reader::{FileReader, MapReader};
use crate::diagnostic::Diagnostics;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct StatementAst {
    pub pos: hisgate_schema::SourcePos,
    pub name: Option<S>,
    pub title: Option<S>,
    pub section: Option<S>,
    pub description: Option<S>,
    pub issuer: Option<S>,
    pub source: Option<SourceAst>,
    pub format: Option<FormatAst>,
    pub columns: Vec<ColumnAst>,
    pub key: Option<S>,
    pub refund_key: Option<S>,
}

#[derive(Debug, Clone)]
pub struct SourceAst {
    pub pos: hisgate_schema::SourcePos,
    pub interface: Option<S>,
    pub field: Option<S>,
    pub file: Option<S>,
    /// `request: { statementDate: "{date}" }`: the interface call's request fields, name then value.
    pub request: Vec<(S, S)>,
    /// `no_rows: A02000301`: the return code of a day without transactions.
    pub no_rows: Option<S>,
}

#[derive(Debug, Clone)]
pub struct FormatAst {
    pub pos: hisgate_schema::SourcePos,
    /// `records`, or a `delimited:` mapping.
    pub records: Option<S>,
    pub delimited: Option<DelimitedAst>,
}

#[derive(Debug, Clone, Default)]
pub struct DelimitedAst {
    pub separator: Option<S>,
    pub quote: Option<S>,
    pub header: Option<S>,
    pub comments: Vec<S>,
    pub summary: Vec<S>,
    pub value_prefix: Option<S>,
    pub encoding: Option<S>,
    pub compression: Option<S>,
}

#[derive(Debug, Clone)]
pub struct ColumnAst {
    /// The key under `columns:` (`time`, `amount`, …).
    pub meaning: S,
    pub names: Vec<S>,
    pub format: Option<S>,
    pub unit: Option<S>,
    pub pay: Vec<S>,
    pub refund: Vec<S>,
}

/// Reads `statements.yaml` of a platform folder; a folder without one declares no statements.
pub fn read(dir: &Path, display: &str, diags: &mut Diagnostics) -> Vec<StatementAst> {
    read_file(&dir.join("statements.yaml"), &format!("{display}/statements.yaml"), diags)
}

/// Reads one statements file (a platform's, or a HIS ledger's mapping given on the command line).
pub fn read_file(path: &Path, shown: &str, diags: &mut Diagnostics) -> Vec<StatementAst> {
    let Some((node, mut r)) = load(path, shown, diags) else {
        return Vec::new();
    };
    let Some(mut map) = r.mapping(&node, "a statements file") else {
        return Vec::new();
    };
    let statements = map.list(&mut r, "statements", "a statement", read_statement);
    map.finish(&mut r);
    statements
}

fn read_statement(r: &mut FileReader, mut map: MapReader) -> Option<StatementAst> {
    let pos = r.pos(map.span());
    let source = map.node("source").and_then(|n| r.mapping(n, "`source`")).map(|mut m| {
        let source = SourceAst {
            pos: r.pos(m.span()),
            interface: m.text(r, "interface"),
            field: m.text(r, "field"),
            file: m.text(r, "file"),
            request: read_request(r, &mut m),
            no_rows: m.text(r, "no_rows"),
        };
        m.finish(r);
        source
    });
    let format = read_format(r, &mut map);
    let columns = read_columns(r, &mut map);
    let statement = StatementAst {
        pos,
        name: map.required(r, "name"),
        title: map.required(r, "title"),
        section: map.text(r, "section"),
        description: map.text(r, "description"),
        issuer: map.required(r, "issuer"),
        source,
        format,
        columns,
        key: map.required(r, "key"),
        refund_key: map.text(r, "refund_key"),
    };
    if statement.source.is_none() && statement.name.is_some() {
        r.error(map.span(), "missing required key `source` (a mapping with `interface` and `field`, or `file`)");
    }
    map.finish(r);
    Some(statement)
}

fn read_format(r: &mut FileReader, parent: &mut MapReader) -> Option<FormatAst> {
    let Some(node) = parent.node("format") else {
        r.error(parent.span(), "missing required key `format` (`records`, or a mapping with `delimited`)");
        return None;
    };
    let pos = r.pos(node.span());
    if node.as_scalar().is_some() {
        return Some(FormatAst { pos, records: r.text(node, "`format`"), delimited: None });
    }
    let mut map = r.mapping(node, "`format`")?;
    let delimited = map.node("delimited").and_then(|n| r.mapping(n, "`delimited`")).map(|mut d| {
        let read = DelimitedAst {
            separator: d.text(r, "separator"),
            quote: d.text(r, "quote"),
            header: d.text(r, "header"),
            comments: d.texts(r, "comments"),
            summary: d.texts(r, "summary"),
            value_prefix: d.text(r, "value_prefix"),
            encoding: d.text(r, "encoding"),
            compression: d.text(r, "compression"),
        };
        d.finish(r);
        read
    });
    map.finish(r);
    Some(FormatAst { pos, records: None, delimited })
}

/// `request:` maps request field names to values: text, or `{date}` / `{date+N}` / `{date-N}`.
fn read_request(r: &mut FileReader, parent: &mut MapReader) -> Vec<(S, S)> {
    let Some(node) = parent.node("request") else {
        return Vec::new();
    };
    let Some(map) = node.as_mapping() else {
        r.error(node.span(), "expected `request` (a mapping from request field to value)");
        return Vec::new();
    };
    let mut fields = Vec::new();
    for (key, value) in map.iter() {
        let name = S { value: key.as_str().to_owned(), pos: r.pos(key.span()) };
        if let Some(value) = r.text(value, &format!("the value of `{}`", name.value)) {
            fields.push((name, value));
        }
    }
    fields
}

/// `columns:` is a mapping from meaning to its reading: `amount: { column: 交易金额(分), unit: fen }`.
fn read_columns(r: &mut FileReader, parent: &mut MapReader) -> Vec<ColumnAst> {
    let Some(node) = parent.node("columns") else {
        r.error(parent.span(), "missing required key `columns` (a mapping from meaning to column)");
        return Vec::new();
    };
    let Some(map) = node.as_mapping() else {
        r.error(node.span(), "expected `columns` (a mapping from meaning to column)");
        return Vec::new();
    };
    let mut columns = Vec::new();
    for (key, value) in map.iter() {
        let meaning = S { value: key.as_str().to_owned(), pos: r.pos(key.span()) };
        let Some(mut m) = r.mapping(value, &format!("the reading of `{}`", meaning.value)) else {
            continue;
        };
        let names = m.one_or_many(r, "column");
        if names.is_empty() {
            r.error(
                m.span(),
                format!("`{}` needs `column` (a column name, or a list: the first present)", meaning.value),
            );
        }
        columns.push(ColumnAst {
            names,
            format: m.text(r, "format"),
            unit: m.text(r, "unit"),
            pay: m.one_or_many(r, "pay"),
            refund: m.one_or_many(r, "refund"),
            meaning,
        });
        m.finish(r);
    }
    columns
}
