//! Dictionaries and code lists: unique names, codes and variants, parents that exist.

use super::{Lowerer, opt, text, texts};
use crate::ident;
use crate::spec::ast::*;
use hisgate_schema::*;
use std::collections::{BTreeMap, HashSet};

impl Lowerer<'_> {
    pub(super) fn dictionaries(&mut self, asts: &[DictionaryAst]) {
        let mut enum_names: BTreeMap<String, String> = BTreeMap::new();
        for ast in asts {
            let Some(name) = &ast.name else { continue };
            let valid = name.value.starts_with(|c: char| c.is_ascii_lowercase())
                && name.value.chars().all(|c| c.is_ascii_alphanumeric());
            if !valid {
                self.diags.error(&name.pos, format!("dictionary name `{}` must be [a-z][A-Za-z0-9]*", name.value));
            }
            let id = DictId(self.dictionaries.len() as u32);
            let duplicate = self.dict_index.contains_key(&name.value);
            if duplicate {
                self.diags.error(&name.pos, format!("duplicate dictionary `{}`", name.value));
            } else {
                self.dict_index.insert(name.value.clone(), id);
            }
            let tables = match (&ast.codes, &ast.tables) {
                (Some(codes), None) => {
                    vec![DictTable { name: None, title: None, codes: Seq::Owned(self.table_codes(codes, &name.value)) }]
                }
                (None, Some(tables)) => self.tables(tables, &name.value, &ast.pos),
                (Some(_), Some(_)) => {
                    self.diags.error(&ast.pos, format!("dictionary `{}` has both `codes` and `tables`", name.value));
                    Vec::new()
                }
                (None, None) => {
                    self.diags.error(&ast.pos, format!("dictionary `{}` needs `codes` or `tables`", name.value));
                    Vec::new()
                }
            };
            let mut rust_names: Vec<String> = if ast.tables.is_some() {
                tables
                    .iter()
                    .map(|t| ident::type_name(&format!("{}_{}", name.value, t.name.as_deref().unwrap_or(""))))
                    .collect()
            } else {
                vec![ident::type_name(&name.value)]
            };
            // A table given twice is reported as such, not as the dictionary colliding with itself.
            rust_names.sort();
            rust_names.dedup();
            for rust in rust_names.into_iter().filter(|_| !duplicate) {
                if let Some(first) = enum_names.insert(rust.clone(), name.value.clone()) {
                    let message = format!("dictionary `{}` collides with `{first}` (enum {rust} in Rust)", name.value);
                    self.diags.error(&name.pos, message);
                }
            }
            let dictionary = DictionarySchema {
                name: Str::Owned(name.value.clone()),
                title: text(&ast.title),
                section: opt(&ast.section),
                description: text(&ast.description),
                open: ast.open.as_ref().is_some_and(|o| o.value),
                tables: Seq::Owned(tables),
                errata: self.erratum_refs(&ast.erratum),
                origin: ast.pos.clone(),
            };
            self.dictionaries.push(dictionary);
        }
    }

    fn tables(&mut self, asts: &[TableAst], dictionary: &str, pos: &SourcePos) -> Vec<DictTable> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for table in asts {
            if let Some(name) = &table.name {
                let valid = name.value.starts_with(|c: char| c.is_ascii_lowercase())
                    && name.value.chars().all(|c| c.is_ascii_alphanumeric());
                if !valid {
                    self.diags.error(&name.pos, format!("table name `{}` must be [a-z][A-Za-z0-9]*", name.value));
                }
                if !seen.insert(name.value.clone()) {
                    self.diags.error(&name.pos, format!("duplicate table `{}` in `{dictionary}`", name.value));
                }
            }
            let scope = format!("{dictionary}.{}", table.name.as_ref().map_or("", |n| n.value.as_str()));
            out.push(DictTable {
                name: opt(&table.name),
                title: opt(&table.title),
                codes: Seq::Owned(self.table_codes(&table.codes, &scope)),
            });
        }
        if out.is_empty() {
            self.diags.error(pos, format!("`tables` of `{dictionary}` is empty"));
        }
        out
    }

    /// One table's codes (or a field's inline list): codes, aliases and variants unique, parents present.
    /// A dictionary table's codes: also distinct, valid Rust variants.
    fn table_codes(&mut self, asts: &[CodeAst], scope: &str) -> Vec<CodeSchema> {
        self.variants(asts, scope);
        self.codes(asts, scope)
    }

    /// Codes, aliases and parents; variant names are checked only where an enum is emitted (`table_codes`).
    pub(super) fn codes(&mut self, asts: &[CodeAst], scope: &str) -> Vec<CodeSchema> {
        let mut spellings = HashSet::new();
        let codes: HashSet<&str> = asts.iter().filter_map(|c| c.code.as_ref()).map(|c| c.value.as_str()).collect();
        let mut out = Vec::new();
        for ast in asts {
            let Some(code) = &ast.code else { continue };
            for spelling in std::iter::once(code).chain(&ast.aliases) {
                if !spellings.insert(spelling.value.clone()) {
                    self.diags.error(&spelling.pos, format!("duplicate code `{}` in `{scope}`", spelling.value));
                }
            }
            if let Some(parent) = &ast.parent
                && (!codes.contains(parent.value.as_str()) || parent.value == code.value)
            {
                let message =
                    format!("parent `{}` of code `{}` is not another code of `{scope}`", parent.value, code.value);
                self.diags.error(&parent.pos, message);
            }
            out.push(CodeSchema {
                code: Str::Owned(code.value.clone()),
                label: text(&ast.label),
                parent: opt(&ast.parent),
                variant: opt(&ast.variant),
                description: text(&ast.description),
                aliases: texts(&ast.aliases),
                errata: self.erratum_refs(&ast.erratum),
            });
        }
        out
    }

    fn variants(&mut self, asts: &[CodeAst], scope: &str) {
        let mut variants: BTreeMap<String, String> = BTreeMap::new();
        for ast in asts {
            let Some(code) = &ast.code else { continue };
            let variant = match &ast.variant {
                Some(v) if !ident::is_variant(&v.value) => {
                    let message = format!(
                        "variant `{}` must be an ASCII UpperCamelCase identifier other than UnknownCode",
                        v.value
                    );
                    self.diags.error(&v.pos, message);
                    continue;
                }
                Some(v) => v.value.clone(),
                None => match ident::default_variant(&code.value) {
                    Some(v) => v,
                    None => {
                        let message = format!("code `{}` yields no ASCII Rust name: give it a `variant`", code.value);
                        self.diags.error(&code.pos, message);
                        continue;
                    }
                },
            };
            if let Some(first) = variants.insert(variant.clone(), code.value.clone()) {
                let message = format!(
                    "code `{}` gets the variant `{variant}` that code `{first}` has in `{scope}`: give one a `variant`",
                    code.value
                );
                self.diags.error(&code.pos, message);
            }
        }
    }

    /// Resolves `dict: name` or `dict: name.table`.
    pub(super) fn dict_ref(&mut self, dict: &S) -> Option<DictRef> {
        let (name, table) = match dict.value.split_once('.') {
            Some((name, table)) => (name, Some(table)),
            None => (dict.value.as_str(), None),
        };
        let Some(&id) = self.dict_index.get(name) else {
            let mut known: Vec<&str> = self.dict_index.keys().map(String::as_str).collect();
            known.sort();
            let message = format!("unknown dictionary `{name}` (declared: {})", super::list_or_none(&known));
            self.diags.error(&dict.pos, message);
            return None;
        };
        let Some(table) = table else {
            return Some(DictRef { dict: id, table: None });
        };
        let tables = &self.dictionaries[id.0 as usize].tables;
        match tables.iter().position(|t| t.name.as_deref() == Some(table)) {
            Some(index) => Some(DictRef { dict: id, table: Some(index as u16) }),
            None => {
                let known: Vec<&str> = tables.iter().filter_map(|t| t.name.as_deref()).collect();
                let message =
                    format!("dictionary `{name}` has no table `{table}` (tables: {})", super::list_or_none(&known));
                self.diags.error(&dict.pos, message);
                None
            }
        }
    }
}
