//! The documentation site: for each platform, HTML pages rendered with askama (and the same content as Markdown),
//! built from the validated IR, with every signature, ciphertext and example message computed by the runtime's own
//! engines. Deterministic: the same specs give the same bytes, and nothing is fetched from anywhere.

mod dictionary_page;
mod errata;
mod interface_page;
mod model;
mod pages;
mod paths;
mod platform_page;
mod pretty;
mod search;
mod text;
mod walk;
pub mod walkthrough;
pub mod worked;

pub use worked::{Compared, Reproduction, Verdict, reproduce};

use hisgate_runtime::schema::PlatformSchema;
use pages::{Chrome, ErrataPage, IndexPage, PlatformCard};
use paths::{Link, Linker};
use std::collections::BTreeMap;
use std::path::Path;

const STYLE: &str = include_str!("../../templates/docs/style.css");
const SEARCH: &str = include_str!("../../templates/docs/search.js");

/// The site's files by path from its root (`shaanxi/interfaces/Pay.html`), in path order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    pub files: BTreeMap<String, String>,
}

impl Site {
    /// Writes every file under `dir`, creating folders as needed.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (path, contents) in &self.files {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(target, contents)?;
        }
        Ok(())
    }

    fn add(&mut self, page: &str, (html, md): (String, String)) {
        self.files.insert(format!("{page}.html"), html);
        self.files.insert(format!("{page}.md"), md);
    }
}

/// The site for `platforms`, each platform's walkthrough running its worked examples (`examples/worked.yaml`, or,
/// for a platform without any, an example made from its spec).
pub fn site(platforms: &[&PlatformSchema]) -> Result<Site, String> {
    let mut site = Site::default();
    let index = IndexPage {
        platforms: platforms
            .iter()
            .map(|p| PlatformCard {
                name: p.name.to_string(),
                title: p.title.to_string(),
                document: p.document.to_string(),
                interfaces: p.interfaces.len(),
                dictionaries: p.dictionaries.len(),
                errata: p.errata.len(),
                link: Linker::new(paths::INDEX).to(&paths::platform(&p.name), None),
            })
            .collect(),
    };
    let chrome = chrome(paths::INDEX, "所有平台", Vec::new());
    let rendered = pages::render(pages::IndexHtml { c: &chrome, p: &index }, pages::IndexMd { c: &chrome, p: &index });
    site.add(paths::INDEX, rendered.map_err(|e| format!("{}: {e}", paths::INDEX))?);
    for platform in platforms {
        render_platform(&mut site, platform)?;
    }
    site.files.insert("assets/style.css".into(), STYLE.into());
    site.files.insert("assets/search.js".into(), SEARCH.into());
    site.files.insert("assets/search-index.js".into(), search::index(platforms));
    Ok(site)
}

fn render_platform(site: &mut Site, platform: &PlatformSchema) -> Result<(), String> {
    let name = &*platform.name;
    let places = errata::places(platform);
    let home = paths::platform(name);
    let up = |from: &str| -> Vec<(String, Link)> {
        let linker = Linker::new(from);
        vec![("所有平台".into(), linker.to(paths::INDEX, None)), (platform.title.to_string(), linker.to(&home, None))]
    };
    let fail = |page: &str, e: askama::Error| format!("{page}: {e}");

    let linker = Linker::new(&home);
    let page = platform_page::build(platform, &places, &linker);
    let index_crumb = vec![("所有平台".to_owned(), linker.to(paths::INDEX, None))];
    let c = chrome(&home, &platform.title, index_crumb);
    let rendered = pages::render(pages::PlatformHtml { c: &c, p: &page }, pages::PlatformMd { c: &c, p: &page });
    site.add(&home, rendered.map_err(|e| fail(&home, e))?);

    for interface in platform.interfaces.iter() {
        let path = paths::interface(name, &interface.name);
        let page = interface_page::build(platform, interface, &places, &Linker::new(&path));
        let c = chrome(&path, &format!("{} {}", interface.name, interface.title), up(&path));
        let rendered = pages::render(pages::InterfaceHtml { c: &c, p: &page }, pages::InterfaceMd { c: &c, p: &page });
        site.add(&path, rendered.map_err(|e| fail(&path, e))?);
    }
    for dictionary in platform.dictionaries.iter() {
        let path = paths::dictionary(name, &dictionary.name);
        let page = dictionary_page::build(platform, dictionary, &places, &Linker::new(&path));
        let c = chrome(&path, &format!("{} {}", dictionary.title, dictionary.name), up(&path));
        let rendered =
            pages::render(pages::DictionaryHtml { c: &c, p: &page }, pages::DictionaryMd { c: &c, p: &page });
        site.add(&path, rendered.map_err(|e| fail(&path, e))?);
    }
    let path = paths::return_codes(name);
    let page = dictionary_page::return_codes(platform, &places, &Linker::new(&path));
    let c = chrome(&path, "统一返回码", up(&path));
    let rendered = pages::render(pages::ReturnCodesHtml { c: &c, p: &page }, pages::ReturnCodesMd { c: &c, p: &page });
    site.add(&path, rendered.map_err(|e| fail(&path, e))?);

    let path = paths::errata(name);
    let page = ErrataPage { errata: dictionary_page::errata_page(platform, &places, &Linker::new(&path)) };
    let c = chrome(&path, "勘误", up(&path));
    let rendered = pages::render(pages::ErrataHtml { c: &c, p: &page }, pages::ErrataMd { c: &c, p: &page });
    site.add(&path, rendered.map_err(|e| fail(&path, e))?);
    Ok(())
}

fn chrome(page: &str, title: &str, crumbs: Vec<(String, Link)>) -> Chrome {
    let file = page.rsplit('/').next().unwrap_or(page);
    Chrome {
        root: Linker::new(page).root().to_owned(),
        title: title.to_owned(),
        crumbs,
        markdown: format!("{file}.md"),
    }
}
