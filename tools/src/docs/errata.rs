//! Where each erratum applies: the fields, codes, return codes, dictionaries, envelope fields and interfaces that
//! name it, so that the errata page points to each place and each place shows its errata in full.

use super::model::{ErratumRef, ErratumView};
use super::paths::{self, Linker};
use super::text;
use super::walk::{self, Part};
use hisgate_runtime::schema::PlatformSchema;
use std::collections::BTreeMap;

/// A place in the site, as a path from the root and an anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub label: String,
    pub page: String,
    pub anchor: Option<String>,
}

/// Each erratum id with the places that name it, in document order.
pub fn places(platform: &PlatformSchema) -> BTreeMap<String, Vec<Place>> {
    let mut out: BTreeMap<String, Vec<Place>> = BTreeMap::new();
    let mut add = |ids: &[hisgate_runtime::schema::Str], place: Place| {
        for id in ids {
            let list = out.entry(id.to_string()).or_default();
            if !list.contains(&place) {
                list.push(place.clone());
            }
        }
    };
    let name = &*platform.name;
    if let Some(protocol) = &platform.protocol {
        for (label, envelope) in [("请求信封", &protocol.request), ("响应信封", &protocol.response)] {
            for field in envelope.fields.iter() {
                let place = Place {
                    label: format!("{label} {}", field.name),
                    page: paths::platform(name),
                    anchor: Some("envelope".into()),
                };
                add(&field.errata, place);
            }
        }
    }
    for code in platform.return_codes.iter() {
        let place = Place {
            label: format!("统一返回码 {}", code.code),
            page: paths::return_codes(name),
            anchor: Some(paths::return_code_anchor(&code.code)),
        };
        add(&code.errata, place);
    }
    for dictionary in platform.dictionaries.iter() {
        let page = paths::dictionary(name, &dictionary.name);
        let place = Place {
            label: format!("字典 {}（{}）", dictionary.title, dictionary.name),
            page: page.clone(),
            anchor: None,
        };
        add(&dictionary.errata, place);
        for (t, table) in dictionary.tables.iter().enumerate() {
            for (i, code) in table.codes.iter().enumerate() {
                let place = Place {
                    label: format!("字典 {} 代码 {}", dictionary.name, code.code),
                    page: page.clone(),
                    anchor: Some(paths::code_anchor(t, i, &code.code)),
                };
                add(&code.errata, place);
            }
        }
    }
    for interface in platform.interfaces.iter() {
        let page = paths::interface(name, &interface.name);
        for erratum in platform.errata.iter().filter(|e| e.interface.as_deref() == Some(&*interface.name)) {
            let place = Place {
                label: format!("接口 {}（{}）", interface.title, interface.name),
                page: page.clone(),
                anchor: None,
            };
            add(std::slice::from_ref(&erratum.id), place);
        }
        for part in Part::BOTH {
            for at in walk::fields(platform, part.message(interface)) {
                let place = Place {
                    label: format!("{} {} {}", interface.name, part.label(), at.path),
                    page: page.clone(),
                    anchor: Some(paths::field_anchor(part.id(), &at.path)),
                };
                add(&at.field.errata, place.clone());
                for code in at.field.codes.iter() {
                    add(&code.errata, place.clone());
                }
            }
        }
        for code in interface.return_codes.iter() {
            let place = Place {
                label: format!("{} 业务返回码 {}", interface.name, code.code),
                page: page.clone(),
                anchor: Some("return-codes".into()),
            };
            add(&code.errata, place);
        }
    }
    out
}

/// Links to the errata page for each id.
pub fn refs(platform: &PlatformSchema, ids: &[hisgate_runtime::schema::Str], linker: &Linker) -> Vec<ErratumRef> {
    ids.iter()
        .map(|id| {
            let title = platform.erratum(id).map(|e| e.title.to_string()).unwrap_or_default();
            (id, title)
        })
        .map(|(id, title)| ErratumRef {
            id: id.to_string(),
            title_html: text::inline(&title),
            title,
            link: linker.to(&paths::errata(&platform.name), Some(&paths::erratum_anchor(id))),
        })
        .collect()
}

/// Each erratum `ids` names, in full, once, in the platform's order, with its places linked from `linker`'s page.
pub fn views<'i>(
    platform: &PlatformSchema,
    ids: impl IntoIterator<Item = &'i str>,
    places: &BTreeMap<String, Vec<Place>>,
    linker: &Linker,
) -> Vec<ErratumView> {
    let wanted: Vec<&str> = ids.into_iter().collect();
    platform
        .errata
        .iter()
        .filter(|e| wanted.contains(&&*e.id))
        .map(|e| ErratumView {
            id: e.id.to_string(),
            anchor: paths::erratum_anchor(&e.id),
            title: e.title.to_string(),
            title_html: text::inline(&e.title),
            section: e.section.as_deref().unwrap_or_default().to_owned(),
            description: e.description.trim_end().to_owned(),
            description_html: text::markdown(&e.description),
            places: places
                .get(&*e.id)
                .into_iter()
                .flatten()
                .map(|p| (p.label.clone(), linker.to(&p.page, p.anchor.as_deref())))
                .collect(),
        })
        .collect()
}
