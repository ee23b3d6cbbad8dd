//! One module per interface: a marker type implementing `hisgate_runtime::Interface`, and a struct per message
//! and nested node. Structs carry serde names and doc comments; every rule lives in the schema.
//! Inside an interface module only `Request…`/`Response…` structs are declared, so the prelude's `String`,
//! `Option` and `Vec` cannot be shadowed there (dictionary enums such as onepay's `Result` live in `dict`).

use super::Paths;
use super::dictionaries::enum_name;
use super::docs::doc;
use crate::ident::{self, Idents};
use hisgate_schema::*;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use std::collections::HashMap;

pub fn emit(platform: &PlatformSchema, ids: &Idents, paths: &Paths) -> TokenStream {
    let mut defaults = HashMap::new();
    let interfaces = platform
        .interfaces
        .iter()
        .enumerate()
        .map(|(i, iface)| interface(platform, i, iface, &mut defaults, ids, paths));
    quote!(#(#interfaces)*)
}

fn interface(
    platform: &PlatformSchema,
    index: usize,
    iface: &InterfaceSchema,
    defaults: &mut HashMap<MessageId, bool>,
    ids: &Idents,
    paths: &Paths,
) -> TokenStream {
    let what = format!("interface `{}`", iface.name);
    let marker = ids.get(Some(&ident::type_name(&iface.name)), &what, &iface.origin);
    let module = ids.get(Some(&ident::module(&iface.name)), &what, &iface.origin);
    let side = match iface.provider {
        Side::Hospital => "the hospital",
        Side::Platform => "the platform",
    };
    let section = iface.section.as_ref().map(|s| format!(", section {s}")).unwrap_or_default();
    let heading =
        format!("{} — `{}` (service `{}`{section}), served by {side}.", iface.title, iface.name, iface.service);
    let docs = doc(&[&heading, &iface.description]);
    let index = Literal::usize_unsuffixed(index);
    let mut structs = Vec::new();
    let mut cx = Tree { platform, at: &iface.origin, out: &mut structs, defaults, ids, paths };
    cx.tree(iface.request, "Request".into());
    cx.tree(iface.response, "Response".into());
    let module_doc = format!(" The messages of [`{}`](super::{}).", iface.name, ident::type_name(&iface.name));
    let rt = &paths.rt;
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct #marker;

        #rt::interface!(
            #marker,
            request = #module::Request,
            response = #module::Response,
            platform = super::PLATFORM,
            index = #index,
        );

        #[doc = #module_doc]
        pub mod #module {
            #(#structs)*
        }
    }
}

/// One interface's message structs, and where the interface is declared (for a name that makes no identifier).
struct Tree<'a> {
    platform: &'a PlatformSchema,
    at: &'a SourcePos,
    out: &'a mut Vec<TokenStream>,
    defaults: &'a mut HashMap<MessageId, bool>,
    ids: &'a Idents,
    paths: &'a Paths,
}

impl Tree<'_> {
    /// The message and its nested nodes, parents first; a node's struct is its parent's name plus the field's.
    fn tree(&mut self, id: MessageId, name: String) {
        let message = message(self.platform, id, &name, self.defaults, self.ids, self.at, self.paths);
        self.out.push(message);
        for field in self.platform.message(id).fields.iter() {
            if let Some(child) = field.ty.child() {
                self.tree(child, format!("{name}{}", ident::type_name(&field.name)));
            }
        }
    }
}

fn message(
    platform: &PlatformSchema,
    id: MessageId,
    name: &str,
    defaults: &mut HashMap<MessageId, bool>,
    ids: &Idents,
    at: &SourcePos,
    paths: &Paths,
) -> TokenStream {
    let Paths { rt, serde, json, serde_attr } = paths;
    let schema = platform.message(id);
    let ident = ids.get(Some(name), &format!("message `{}`", schema.path), at);
    let kind_note = match schema.kind {
        MessageKind::Fields => "",
        MessageKind::Open => "The document gives no field table: the payload is kept as an open JSON object.",
        MessageKind::Empty => "The document says this message carries no business content.",
    };
    let docs = doc(&[&format!("`{}`", schema.path), &schema.description, kind_note]);
    let id_lit = Literal::u32_unsuffixed(id.0);
    if schema.kind == MessageKind::Open {
        let message_impl = quote!(#rt::message!(#ident, platform = super::super::PLATFORM, id = #id_lit););
        return quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, Default, #serde::Serialize, #serde::Deserialize)]
            #serde_attr
            #[serde(transparent)]
            pub struct #ident(pub #json::Map<String, #json::Value>);
            #message_impl
        };
    }
    let members: Vec<Ident> = schema.fields.iter().map(|f| member(f, ids)).collect();
    let fields = schema.fields.iter().zip(&members).map(|(f, member)| field(platform, f, member, name, ids, paths));
    // The members with their wire names in the schema's order, which `message!` writes XML by.
    let wire = schema.fields.iter().map(|f| &*f.name);
    let message_impl = quote! {
        #rt::message!(
            #ident, platform = super::super::PLATFORM, id = #id_lit, fields = [#(#members: #wire),*]
        );
    };
    let sensitive = schema.fields.iter().any(|f| f.sensitive);
    let default = derives_default(platform, id, defaults).then(|| quote!(Default,));
    let debug = (!sensitive).then(|| quote!(Debug,));
    let debug_impl = sensitive.then(|| debug_impl(schema, &members, &ident, rt));
    quote! {
        #docs
        #[derive(#debug Clone, PartialEq, #default #serde::Serialize, #serde::Deserialize)]
        #serde_attr
        pub struct #ident {
            #(#fields)*
        }
        #message_impl
        #debug_impl
    }
}

/// The struct member a field is.
fn member(field: &FieldSchema, ids: &Idents) -> Ident {
    ids.get(Some(&ident::field(&field.name)), &format!("field `{}`", field.name), &field.origin)
}

fn field(
    platform: &PlatformSchema,
    field: &FieldSchema,
    ident: &Ident,
    parent: &str,
    ids: &Idents,
    paths: &Paths,
) -> TokenStream {
    let rust = ident::field(&field.name);
    let inner = rust_type(platform, field, parent, ids, paths);
    let ty = match (field.ty, &field.presence) {
        (FieldType::List(_), _) => quote!(Vec<#inner>),
        (_, Presence::Required) => inner,
        _ => quote!(Option<#inner>),
    };
    let mut serde = Vec::new();
    if rust.trim_start_matches("r#") != &*field.name {
        let wire = &*field.name;
        serde.push(quote!(rename = #wire));
    }
    for alias in field.aliases.iter() {
        let alias = &**alias;
        serde.push(quote!(alias = #alias));
    }
    match (field.ty, &field.presence) {
        (FieldType::List(_), _) => serde.push(quote!(default, skip_serializing_if = "Vec::is_empty")),
        (_, Presence::Required) => {}
        _ => serde.push(quote!(default, skip_serializing_if = "Option::is_none")),
    }
    let serde = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
    let docs = doc(&[&field.title, &field.description, &wire_note(platform, field)]);
    quote! {
        #docs
        #serde
        pub #ident: #ty,
    }
}

/// `` `payTime` · string(32) · required · format `YYYY-MM-DD HH24:MI:SS` ``
fn wire_note(platform: &PlatformSchema, field: &FieldSchema) -> String {
    let mut parts = vec![format!("`{}`", field.name), field.ty.notation()];
    parts.push(match &field.presence {
        Presence::Required => "required".into(),
        Presence::Optional => "optional".into(),
        Presence::RequiredWhen(c) => format!("required when `{c}`"),
    });
    if let Some(unit) = field.unit {
        parts.push(format!("unit {}", unit.as_str()));
    }
    if let Some(format) = &field.format {
        parts.push(format!("format `{}`", format.pattern));
    }
    if let Some(dict) = field.dict {
        let d = platform.dictionary(dict.dict);
        let table = dict.table.and_then(|t| d.tables.get(usize::from(t))?.name.clone());
        let name = table.map_or_else(|| d.name.to_string(), |t| format!("{}.{t}", d.name));
        parts.push(format!("dictionary `{name}`"));
    }
    if !field.codes.is_empty() {
        let codes: Vec<String> = field.codes.iter().map(|c| format!("{}-{}", c.code, c.label)).collect();
        parts.push(format!("codes {}", codes.join(" ")));
    }
    if !field.aliases.is_empty() {
        let aliases: Vec<String> = field.aliases.iter().map(|a| format!("`{a}`")).collect();
        parts.push(format!("also accepted {}", aliases.join(", ")));
    }
    if field.sensitive {
        parts.push("sensitive".into());
    }
    if !field.errata.is_empty() {
        let errata: Vec<String> = field.errata.iter().map(|e| format!("`{e}`")).collect();
        parts.push(format!("erratum {}", errata.join(", ")));
    }
    if field.origin_kind == Origin::Example {
        parts.push("known only from the document's example".into());
    }
    parts.join(" · ")
}

fn rust_type(platform: &PlatformSchema, field: &FieldSchema, parent: &str, ids: &Idents, paths: &Paths) -> TokenStream {
    let Paths { rt, json, .. } = paths;
    let what = format!("the type of field `{}`", field.name);
    // Extra codes beside a dictionary do not fit its enum: such a field keeps its own type.
    if let Some(reference) = field.dict.filter(|_| field.codes.is_empty())
        && let Some(name) = enum_name(platform.dictionary(reference.dict), reference.table)
    {
        let name = ids.get(Some(&name), &what, &field.origin);
        return quote!(super::super::dict::#name);
    }
    match field.ty {
        FieldType::String { .. } | FieldType::Char { .. } => quote!(String),
        FieldType::Int => quote!(i32),
        FieldType::Long => quote!(i64),
        FieldType::Decimal { .. } => quote!(#rt::Decimal),
        FieldType::Object(_) | FieldType::List(_) => {
            let name = ids.get(Some(&format!("{parent}{}", ident::type_name(&field.name))), &what, &field.origin);
            quote!(#name)
        }
        FieldType::Map => quote!(#json::Map<String, #json::Value>),
    }
}

/// Whether every field has a default: optional ones do; required dictionary codes do not.
fn derives_default(platform: &PlatformSchema, id: MessageId, memo: &mut HashMap<MessageId, bool>) -> bool {
    if let Some(&known) = memo.get(&id) {
        return known;
    }
    let derivable = platform.message(id).fields.iter().all(|f| match (f.ty, &f.presence) {
        (FieldType::List(_), _) => true,
        (_, Presence::Optional | Presence::RequiredWhen(_)) => true,
        (FieldType::Object(child), Presence::Required) => derives_default(platform, child, memo),
        (_, Presence::Required) => match f.dict {
            Some(r) if f.codes.is_empty() => enum_name(platform.dictionary(r.dict), r.table).is_none(),
            _ => true,
        },
    });
    memo.insert(id, derivable);
    derivable
}

fn debug_impl(schema: &MessageSchema, members: &[Ident], ident: &Ident, rt: &TokenStream) -> TokenStream {
    let name = ident.to_string();
    let entries = schema.fields.iter().zip(members).map(|(f, member)| {
        let label = ident::field(&f.name).trim_start_matches("r#").to_owned();
        if f.sensitive { quote!(.field(#label, &#rt::redact::Redacted)) } else { quote!(.field(#label, &self.#member)) }
    });
    quote! {
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name) #(#entries)* .finish()
            }
        }
    }
}
