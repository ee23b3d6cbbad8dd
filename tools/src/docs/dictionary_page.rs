//! A dictionary's page (every code with its label, tables and hierarchy, the fields that use it), the unified
//! return codes page and the errata page.

use super::errata::{self, Place};
use super::interface_page;
use super::model::{CodeView, ErratumView, ReturnCodeView};
use super::paths::{self, Link, Linker};
use super::text;
use super::walk::{self, Part};
use hisgate_runtime::schema::{CodeSchema, DictionarySchema, PlatformSchema};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct DictionaryPage {
    pub name: String,
    pub title: String,
    pub section: String,
    pub description: String,
    pub description_html: String,
    pub open: bool,
    pub tables: Vec<TableView>,
    pub used_by: Vec<(String, Link)>,
    pub errata: Vec<ErratumView>,
}

#[derive(Debug, Clone)]
pub struct TableView {
    pub anchor: String,
    pub name: String,
    pub title: String,
    pub codes: Vec<CodeView>,
}

pub fn build(
    platform: &PlatformSchema,
    dictionary: &DictionarySchema,
    places: &BTreeMap<String, Vec<Place>>,
    linker: &Linker,
) -> DictionaryPage {
    let tables: Vec<TableView> = dictionary
        .tables
        .iter()
        .enumerate()
        .map(|(t, table)| TableView {
            anchor: format!("t{t}"),
            name: table.name.as_deref().unwrap_or_default().to_owned(),
            title: table.title.as_deref().unwrap_or_default().to_owned(),
            codes: table
                .codes
                .iter()
                .enumerate()
                .map(|(i, code)| self::code(platform, t, i, code, &table.codes, linker))
                .collect(),
        })
        .collect();
    let mut ids: Vec<&str> = dictionary.errata.iter().map(|e| &**e).collect();
    ids.extend(dictionary.tables.iter().flat_map(|t| t.codes.iter()).flat_map(|c| c.errata.iter().map(|e| &**e)));
    DictionaryPage {
        name: dictionary.name.to_string(),
        title: dictionary.title.to_string(),
        section: dictionary.section.as_deref().unwrap_or_default().to_owned(),
        description: dictionary.description.trim_end().to_owned(),
        description_html: text::markdown(&dictionary.description),
        open: dictionary.open,
        tables,
        used_by: used_by(platform, dictionary, linker),
        errata: errata::views(platform, ids, places, linker),
    }
}

fn code(
    platform: &PlatformSchema,
    table: usize,
    index: usize,
    code: &CodeSchema,
    siblings: &[CodeSchema],
    linker: &Linker,
) -> CodeView {
    // Depth in the table's hierarchy (专业技术职称: 23 → 231…235); a cycle cannot pass `hisgate check`, the bound
    // only keeps a bad spec from looping.
    let mut depth = 0;
    let mut parent = code.parent.as_deref();
    while let Some(p) = parent.filter(|_| depth < siblings.len()) {
        depth += 1;
        parent = siblings.iter().find(|c| c.code == p).and_then(|c| c.parent.as_deref());
    }
    CodeView {
        code: code.code.to_string(),
        label: code.label.to_string(),
        anchor: paths::code_anchor(table, index, &code.code),
        depth,
        parent: code.parent.as_deref().unwrap_or_default().to_owned(),
        description: code.description.trim_end().to_owned(),
        aliases: code.aliases.iter().map(|a| a.to_string()).collect(),
        errata: errata::refs(platform, &code.errata, linker),
    }
}

/// The fields whose values come from this dictionary.
fn used_by(platform: &PlatformSchema, dictionary: &DictionarySchema, linker: &Linker) -> Vec<(String, Link)> {
    let mut out = Vec::new();
    for interface in platform.interfaces.iter() {
        for part in Part::BOTH {
            for at in walk::fields(platform, part.message(interface)) {
                let Some(r) = at.field.dict else { continue };
                if platform.dictionary(r.dict).name != dictionary.name {
                    continue;
                }
                let label = format!("{} {} {}（{}）", interface.name, part.label(), at.path, at.field.title);
                let page = paths::interface(&platform.name, &interface.name);
                out.push((label, linker.to(&page, Some(&paths::field_anchor(part.id(), &at.path)))));
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct ReturnCodesPage {
    pub codes: Vec<ReturnCodeView>,
    /// Each interface with business codes of its own: label, link, how many.
    pub interfaces: Vec<(String, Link, usize)>,
    pub errata: Vec<ErratumView>,
}

pub fn return_codes(
    platform: &PlatformSchema,
    places: &BTreeMap<String, Vec<Place>>,
    linker: &Linker,
) -> ReturnCodesPage {
    let ids = platform.return_codes.iter().flat_map(|c| c.errata.iter().map(|e| &**e));
    ReturnCodesPage {
        codes: interface_page::return_codes(platform, &platform.return_codes, linker),
        interfaces: platform
            .interfaces
            .iter()
            .filter(|i| !i.return_codes.is_empty())
            .map(|i| {
                let page = paths::interface(&platform.name, &i.name);
                (format!("{} {}", i.name, i.title), linker.to(&page, Some("return-codes")), i.return_codes.len())
            })
            .collect(),
        errata: errata::views(platform, ids, places, linker),
    }
}

/// Every erratum of the platform, each with the places it applies to.
pub fn errata_page(
    platform: &PlatformSchema,
    places: &BTreeMap<String, Vec<Place>>,
    linker: &Linker,
) -> Vec<ErratumView> {
    errata::views(platform, platform.errata.iter().map(|e| &*e.id), places, linker)
}
