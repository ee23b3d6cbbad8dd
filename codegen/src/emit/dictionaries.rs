//! One enum per dictionary table. The enum carries only variants; codes, labels and parents are read from the
//! schema through `hisgate_runtime::Dictionary`.

use super::Paths;
use super::docs::doc;
use crate::ident;
use crate::ident::Idents;
use hisgate_schema::{CodeSchema, DictTable, DictionarySchema, PlatformSchema};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The enum name of a table (`Sex`, `AccountStatusOutpatient`), or `None` for a whole multi-table dictionary.
pub fn enum_name(dictionary: &DictionarySchema, table: Option<u16>) -> Option<String> {
    match (dictionary.tables.len(), table) {
        (1, _) => Some(ident::type_name(&dictionary.name)),
        (_, Some(t)) => {
            let table = dictionary.tables.get(usize::from(t))?;
            Some(ident::type_name(&format!("{}_{}", dictionary.name, table.name.as_deref().unwrap_or_default())))
        }
        (_, None) => None,
    }
}

/// The variant of a code: the spec's `variant`, else one derived from the code; `None` when neither is possible.
pub fn variant_name(code: &CodeSchema) -> Option<String> {
    code.variant.as_deref().map(str::to_owned).or_else(|| ident::default_variant(&code.code))
}

pub fn emit(platform: &PlatformSchema, ids: &Idents, paths: &Paths) -> TokenStream {
    let enums = platform.dictionaries.iter().enumerate().flat_map(|(index, dictionary)| {
        dictionary.tables.iter().enumerate().map(move |(t, table)| {
            let table_ref = (dictionary.tables.len() > 1).then_some(t as u16);
            one(dictionary, index as u32, table_ref, table, ids, paths)
        })
    });
    quote!(#(#enums)*)
}

fn one(
    dictionary: &DictionarySchema,
    index: u32,
    table: Option<u16>,
    codes: &DictTable,
    ids: &Idents,
    paths: &Paths,
) -> TokenStream {
    let rt = &paths.rt;
    let at = &dictionary.origin;
    let name =
        ids.get(enum_name(dictionary, table).as_deref(), &format!("the enum of dictionary `{}`", dictionary.name), at);
    let heading = match (&codes.title, &dictionary.section) {
        (Some(t), _) => format!("{} · {t} (`{}`)", dictionary.title, dictionary.name),
        (None, Some(s)) => format!("{} (`{}`, section {s})", dictionary.title, dictionary.name),
        (None, None) => format!("{} (`{}`)", dictionary.title, dictionary.name),
    };
    let open_note = dictionary.open.then_some("Open: codes outside the table are kept as `UnknownCode`.");
    let docs = doc(&[&heading, &dictionary.description, open_note.unwrap_or_default()]);
    let variants: Vec<Ident> = codes
        .codes
        .iter()
        .map(|c| ids.get(variant_name(c).as_deref(), &format!("code `{}` of `{}`", c.code, dictionary.name), at))
        .collect();
    let variant_docs = codes.codes.iter().map(|c| {
        let parent = c.parent.as_ref().map(|p| format!(" (under `{p}`)")).unwrap_or_default();
        let aliases = if c.aliases.is_empty() {
            String::new()
        } else {
            format!(" · also accepted: {}", c.aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "))
        };
        doc(&[&format!("`{}` {}{parent}{aliases}", c.code, c.label), &c.description])
    });
    let dict = proc_macro2::Literal::u32_unsuffixed(index);
    let table = match table {
        Some(t) => {
            let t = proc_macro2::Literal::u16_unsuffixed(t);
            quote!(Some(#t))
        }
        None => quote!(None),
    };
    let (derives, open, kind) = if dictionary.open {
        let open = quote! {
            /// A code outside the table, kept as sent.
            UnknownCode(::std::string::String),
        };
        (quote!(#[derive(Debug, Clone, PartialEq, Eq, Hash)]), open, quote!(open))
    } else {
        (quote!(#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]), quote!(), quote!(closed))
    };
    quote! {
        #docs
        #derives
        pub enum #name {
            #(#variant_docs #variants,)*
            #open
        }
        #rt::dictionary!(
            #name,
            #kind = [#(#variants),*],
            platform = super::PLATFORM,
            dict = #dict,
            table = #table,
        );
    }
}
