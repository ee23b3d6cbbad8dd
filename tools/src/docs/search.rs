//! The client-side search index: one entry per platform, interface, field, dictionary, code, return code and
//! erratum, written as a script (`search-index.js`) so that it loads from `file://` as well as over HTTP.

use super::paths;
use super::walk::{self, Part};
use hisgate_runtime::schema::PlatformSchema;
use serde_json::{Value, json};

/// One searchable thing: what it is called, where it sits, and its page from the site root.
struct Entry {
    kind: &'static str,
    title: String,
    context: String,
    page: String,
    anchor: Option<String>,
}

impl Entry {
    fn json(&self) -> Value {
        let fragment = self.anchor.as_ref().map(|a| format!("#{a}")).unwrap_or_default();
        json!({ "k": self.kind, "t": self.title, "s": self.context, "u": format!("{}.html{fragment}", self.page) })
    }
}

/// `window.HISGATE_SEARCH = [...]` for every platform, in the site's order.
pub fn index(platforms: &[&PlatformSchema]) -> String {
    let entries: Vec<Value> = platforms.iter().flat_map(|p| entries(p)).map(|e| e.json()).collect();
    format!("window.HISGATE_SEARCH = {};\n", Value::Array(entries))
}

fn entries(platform: &PlatformSchema) -> Vec<Entry> {
    let name = &*platform.name;
    let mut out = vec![Entry {
        kind: "平台",
        title: format!("{} {}", platform.title, name),
        context: platform.document.to_string(),
        page: paths::platform(name),
        anchor: None,
    }];
    for interface in platform.interfaces.iter() {
        let page = paths::interface(name, &interface.name);
        out.push(Entry {
            kind: "接口",
            title: format!("{} {}", interface.name, interface.title),
            context: format!("{name} · {} · {}", super::text::provider(interface.provider), interface.service),
            page: page.clone(),
            anchor: None,
        });
        for part in Part::BOTH {
            for at in walk::fields(platform, part.message(interface)) {
                let aliases: Vec<&str> = at.field.aliases.iter().map(|a| &**a).collect();
                out.push(Entry {
                    kind: "字段",
                    title: format!("{} {} {}", at.field.name, at.field.title, aliases.join(" ")).trim_end().to_owned(),
                    context: format!("{name} · {} {} · {}", interface.name, interface.title, part.label()),
                    page: page.clone(),
                    anchor: Some(paths::field_anchor(part.id(), &at.path)),
                });
            }
        }
        for code in interface.return_codes.iter() {
            out.push(Entry {
                kind: "返回码",
                title: format!("{} {}", code.code, code.message),
                context: format!("{name} · {} 业务返回码", interface.name),
                page: page.clone(),
                anchor: Some("return-codes".into()),
            });
        }
    }
    for dictionary in platform.dictionaries.iter() {
        let page = paths::dictionary(name, &dictionary.name);
        out.push(Entry {
            kind: "字典",
            title: format!("{} {}", dictionary.title, dictionary.name),
            context: format!("{name} · 字典"),
            page: page.clone(),
            anchor: None,
        });
        for (t, table) in dictionary.tables.iter().enumerate() {
            for (i, code) in table.codes.iter().enumerate() {
                out.push(Entry {
                    kind: "代码",
                    title: format!("{} {}", code.code, code.label),
                    context: format!("{name} · {}（{}）", dictionary.title, dictionary.name),
                    page: page.clone(),
                    anchor: Some(paths::code_anchor(t, i, &code.code)),
                });
            }
        }
    }
    for code in platform.return_codes.iter() {
        out.push(Entry {
            kind: "返回码",
            title: format!("{} {}", code.code, code.message),
            context: format!("{name} · 统一返回码"),
            page: paths::return_codes(name),
            anchor: Some(paths::return_code_anchor(&code.code)),
        });
    }
    for erratum in platform.errata.iter() {
        out.push(Entry {
            kind: "勘误",
            title: erratum.title.replace('`', ""),
            context: format!("{name} · 勘误 {}", erratum.id),
            page: paths::errata(name),
            anchor: Some(paths::erratum_anchor(&erratum.id)),
        });
    }
    out
}
