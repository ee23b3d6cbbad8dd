//! The askama templates, one HTML and one Markdown rendering per kind of page, over the same page data.

use super::dictionary_page::{DictionaryPage, ReturnCodesPage};
use super::interface_page::InterfacePage;
use super::model::ErratumView;
use super::paths::Link;
use super::platform_page::PlatformPage;
use askama::Template;

/// What every page has around its content: the way back up, and where its other rendering is.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// `../` up to the site root (`./` at the root), for the stylesheet and scripts.
    pub root: String,
    pub title: String,
    pub crumbs: Vec<(String, Link)>,
    /// This page's Markdown file, relative to it.
    pub markdown: String,
}

#[derive(Debug, Clone)]
pub struct IndexPage {
    pub platforms: Vec<PlatformCard>,
}

#[derive(Debug, Clone)]
pub struct PlatformCard {
    pub name: String,
    pub title: String,
    pub document: String,
    pub interfaces: usize,
    pub dictionaries: usize,
    pub errata: usize,
    pub link: Link,
}

#[derive(Debug, Clone)]
pub struct ErrataPage {
    pub errata: Vec<ErratumView>,
}

mod filters {
    /// A value inside a Markdown table cell: one line, pipes escaped.
    pub fn cell<T: std::fmt::Display>(value: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::super::text::md_cell(&value.to_string()))
    }
}

macro_rules! pages {
    ($($data:ty => $html:ident($html_path:literal), $md:ident($md_path:literal);)*) => {$(
        #[derive(Template)]
        #[template(path = $html_path)]
        pub struct $html<'a> {
            pub c: &'a Chrome,
            pub p: &'a $data,
        }

        #[derive(Template)]
        #[template(path = $md_path)]
        pub struct $md<'a> {
            pub c: &'a Chrome,
            pub p: &'a $data,
        }
    )*};
}

pages! {
    IndexPage => IndexHtml("docs/index.html"), IndexMd("docs/index.md");
    PlatformPage => PlatformHtml("docs/platform.html"), PlatformMd("docs/platform.md");
    InterfacePage => InterfaceHtml("docs/interface.html"), InterfaceMd("docs/interface.md");
    DictionaryPage => DictionaryHtml("docs/dictionary.html"), DictionaryMd("docs/dictionary.md");
    ReturnCodesPage => ReturnCodesHtml("docs/return_codes.html"), ReturnCodesMd("docs/return_codes.md");
    ErrataPage => ErrataHtml("docs/errata.html"), ErrataMd("docs/errata.md");
}

/// Renders a page in both forms.
pub fn render<H: Template, M: Template>(html: H, md: M) -> Result<(String, String), askama::Error> {
    Ok((html.render()?, md.render()?))
}
