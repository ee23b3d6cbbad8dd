//! The generated documentation site, read as files: complete, deterministic, self-contained, every internal link
//! resolving, the walkthroughs reproducing the seed documents' own signatures and ciphertexts, and every erratum
//! shown where it applies. The browser test (docs_browser.rs) reads the same site in Chromium.

#[path = "support/tools.rs"]
mod tools;

use hisgate_tools::docs::Site;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The values of an attribute (`href`, `id`, `src`) in an HTML page.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// `a/b/../c.html` → `a/c.html`, relative to the folder of `from`.
fn resolve(from: &str, target: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn ids(site: &Site) -> BTreeMap<&str, BTreeSet<&str>> {
    site.files
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, html)| (path.as_str(), attributes(html, "id").into_iter().collect()))
        .collect()
}

#[test]
fn the_site_is_complete_and_deterministic() {
    let site = tools::site();
    assert_eq!(site, tools::site(), "the same specs must give the same bytes");
    for platform in hisgate_generated::PLATFORMS {
        let name = &*platform.name;
        let mut pages = vec![format!("{name}/index"), format!("{name}/return-codes"), format!("{name}/errata")];
        pages.extend(platform.interfaces.iter().map(|i| format!("{name}/interfaces/{}", i.name)));
        pages.extend(platform.dictionaries.iter().map(|d| format!("{name}/dictionaries/{}", d.name)));
        for page in pages {
            for ext in ["html", "md"] {
                assert!(site.files.contains_key(&format!("{page}.{ext}")), "{page}.{ext} is missing");
            }
        }
        // Every field and every code is on its page.
        for interface in platform.interfaces.iter() {
            let html = &site.files[&format!("{name}/interfaces/{}.html", interface.name)];
            for id in [interface.request, interface.response] {
                for field in platform.message(id).fields.iter() {
                    assert!(
                        html.contains(&format!(">{}</code>", field.name)),
                        "{name} {} lacks {}",
                        interface.name,
                        field.name
                    );
                }
            }
        }
        for dictionary in platform.dictionaries.iter() {
            let html = &site.files[&format!("{name}/dictionaries/{}.html", dictionary.name)];
            for code in dictionary.tables.iter().flat_map(|t| t.codes.iter()) {
                let label =
                    code.label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
                assert!(html.contains(&label), "{name} {} lacks {} {}", dictionary.name, code.code, code.label);
            }
        }
    }
}

#[test]
fn every_internal_link_resolves_and_nothing_is_fetched_from_elsewhere() {
    let site = tools::site();
    let ids = ids(&site);
    let mut checked = 0;
    for (path, text) in &site.files {
        if path.ends_with(".html") {
            for src in attributes(text, "src") {
                assert!(!src.contains("://"), "{path} loads {src} from elsewhere");
            }
            for href in attributes(text, "href") {
                if href.contains("://") || href.starts_with("mailto:") {
                    continue;
                }
                let (file, fragment) = href.split_once('#').unwrap_or((href, ""));
                let target = if file.is_empty() { path.clone() } else { resolve(path, file) };
                assert!(site.files.contains_key(&target), "{path}: {href} → {target} does not exist");
                if !fragment.is_empty() && target.ends_with(".html") {
                    assert!(ids[target.as_str()].contains(fragment), "{path}: {href}: no id `{fragment}` in {target}");
                }
                checked += 1;
            }
            assert!(!text.contains("<link rel=\"stylesheet\" href=\"http"), "{path} loads a stylesheet from elsewhere");
        } else if path.ends_with(".md") {
            for (i, _) in text.match_indices("](") {
                let rest = &text[i + 2..];
                let Some(end) = rest.find(')') else { continue };
                let href = &rest[..end];
                if href.contains("://") || href.contains(' ') {
                    continue;
                }
                let file = href.split('#').next().unwrap_or_default();
                let target = resolve(path, file);
                assert!(site.files.contains_key(&target), "{path}: {href} → {target} does not exist");
                checked += 1;
            }
        }
    }
    assert!(checked > 3000, "only {checked} links checked");
}

#[test]
fn the_walkthroughs_reproduce_the_documents_signatures_and_ciphertexts() {
    let site = tools::site();
    // As a reader sees it: `&` is written as an entity in the HTML.
    let pages: std::collections::HashMap<String, String> = hisgate_generated::PLATFORMS
        .iter()
        .map(|p| {
            (
                p.name.to_string(),
                site.files[&format!("{}/index.html", p.name)].replace("&#38;", "&").replace("&amp;", "&"),
            )
        })
        .collect();
    let page = |name: &str| pages[name].as_str();
    // Every printed value of every worked example (`examples/worked.yaml`) is on its platform's page, beside the
    // computed one; a mismatch only where the example names the erratum, and the page names it too.
    for platform in hisgate_generated::PLATFORMS {
        let html = page(&platform.name);
        for example in platform.examples.iter() {
            for printed in example.sign.iter().chain(&example.ciphertext) {
                assert!(
                    html.contains(&*printed.value),
                    "{}'s walkthrough does not show {}",
                    platform.name,
                    printed.value
                );
            }
        }
        let errata = platform.examples.iter().filter(|e| e.erratum.is_some()).count();
        assert_eq!(html.matches("不一致 ✗（文档印错，见勘误").count(), errata, "{}", platform.name);
        assert_eq!(
            html.matches("不一致 ✗").count(),
            errata,
            "{}: the engine disagrees with the document",
            platform.name
        );
        assert_eq!(html.contains("一致 ✓"), platform.examples.len() > errata, "{}", platform.name);
    }
    // The onepay derived key, as the walkthrough shows its steps.
    assert!(page("onepay").contains("6D2D754B808E6B94"));
    // The canonical strings, field by field, as the engine built them.
    assert!(
        page("shaanxi").contains("dataFormat=xml&hospitalCode=0&inputCharset=utf-8&partner=TEST_WX&requestEncrypted=")
    );
    assert!(
        page("glorycard").contains("&totalAmount=10&key=4fd6b8105f894d0da964b1e80b07b136&timestamp=20210407155206")
    );
    // yizhangtong prints no example: its walkthrough says so and still runs.
    assert!(page("yizhangtong").contains("文档没有可供复现的签名或加密示例"));
    for platform in hisgate_generated::PLATFORMS {
        let html = page(&platform.name);
        assert!(!html.contains("引擎未能完成"), "{}: a walkthrough failed", platform.name);
        assert!(html.contains("接收方按规则验签并解密，得到的业务报文与发送的完全一致"), "{}", platform.name);
    }
}

#[test]
fn every_interface_shows_a_sealed_example_of_each_message() {
    let site = tools::site();
    for platform in hisgate_generated::PLATFORMS {
        for interface in platform.interfaces.iter() {
            let path = format!("{}/interfaces/{}.html", platform.name, interface.name);
            let html = &site.files[&path];
            let sealed = html.matches("签名并加密后的完整报文").count();
            assert!(sealed >= 2, "{path}: {sealed} sealed examples");
            assert!(!html.contains("does not validate") && !html.contains("sealing:"), "{path}");
        }
    }
}

#[test]
fn every_erratum_is_listed_and_shown_in_full_where_it_applies() {
    let site = tools::site();
    let ids = ids(&site);
    for platform in hisgate_generated::PLATFORMS {
        let errata_page = format!("{}/errata.html", platform.name);
        for erratum in platform.errata.iter() {
            let anchor = format!("e-{}", erratum.id);
            assert!(ids[errata_page.as_str()].contains(anchor.as_str()), "{errata_page} lacks {}", erratum.id);
        }
        // Each place the errata page names shows that erratum in full.
        let html = &site.files[&errata_page];
        for section in html.split("<section class=\"erratum\" id=\"").skip(1) {
            let id = &section[..section.find('"').unwrap()];
            for href in attributes(section.split("</section>").next().unwrap(), "href") {
                let target = resolve(&errata_page, href.split('#').next().unwrap());
                assert!(ids[target.as_str()].contains(id), "{target} names erratum {id} without showing it");
            }
        }
    }
}

#[test]
fn the_search_index_finds_every_interface_dictionary_and_code() {
    let site = tools::site();
    let ids = ids(&site);
    let script = &site.files["assets/search-index.js"];
    let json = script.trim().strip_prefix("window.HISGATE_SEARCH = ").unwrap().strip_suffix(';').unwrap();
    let entries: Vec<Value> = serde_json::from_str(json).unwrap();
    let titles: BTreeSet<&str> = entries.iter().map(|e| e["t"].as_str().unwrap()).collect();
    for platform in hisgate_generated::PLATFORMS {
        for interface in platform.interfaces.iter() {
            assert!(titles.contains(format!("{} {}", interface.name, interface.title).as_str()));
        }
        for dictionary in platform.dictionaries.iter() {
            assert!(titles.contains(format!("{} {}", dictionary.title, dictionary.name).as_str()));
        }
    }
    for entry in &entries {
        let url = entry["u"].as_str().unwrap();
        let (file, fragment) = url.split_once('#').unwrap_or((url, ""));
        assert!(site.files.contains_key(file), "the index points to {url}");
        assert!(fragment.is_empty() || ids[file].contains(fragment), "the index points to {url}");
    }
}
