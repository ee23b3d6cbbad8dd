//! Stage three: the validated IR into formatted Rust. Emission reads only the IR, never the YAML.

mod data;
mod dictionaries;
mod docs;
mod messages;
mod sides;

use crate::Diagnostics;
use crate::ident;
use crate::ident::Idents;
use data::{Cx, Lit};
use hisgate_schema::{PlatformSchema, Side, SourcePos};
use proc_macro2::TokenStream;
use quote::quote;

/// What is emitted, and how the emitted code names the crates it stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The path generated code names the runtime by: `::hisgate_runtime` (the default, inside this workspace) or a
    /// crate re-exporting it whole, with `serde` and `serde_json` (`::hisgate`, the facade users depend on).
    pub runtime: String,
    /// The sides whose modules (handler, router, client) are emitted; messages and dictionaries always are.
    pub sides: Vec<Side>,
    /// Whether each side module holds its typed `Client`.
    pub client: bool,
    /// Whether each side module holds its `Handler`, `Service` and `router`.
    pub server: bool,
}

impl Default for Options {
    /// Both sides, client and server, naming `::hisgate_runtime`, `::serde` and `::serde_json`.
    fn default() -> Options {
        Options { runtime: DEFAULT_RUNTIME.to_owned(), sides: Side::ALL.to_vec(), client: true, server: true }
    }
}

const DEFAULT_RUNTIME: &str = "::hisgate_runtime";

/// The paths emitted code names: the runtime, serde and serde_json, straight or through the runtime's re-exports.
pub(crate) struct Paths {
    pub rt: TokenStream,
    pub serde: TokenStream,
    pub json: TokenStream,
    /// `#[serde(crate = "…")]` on every derive when serde is reached through the runtime.
    pub serde_attr: TokenStream,
}

impl Paths {
    /// The paths of `options`; a runtime path that is not a Rust path is a diagnostic.
    fn of(options: &Options) -> Result<Paths, Diagnostics> {
        let parsed = syn::parse_str::<syn::Path>(&options.runtime).map_err(|e| {
            let mut diags = Diagnostics::default();
            let at = SourcePos { file: "hisgate build options".into(), line: 1, column: 1 };
            diags.error(&at, format!("the runtime path `{}` is not a Rust path: {e}", options.runtime));
            diags
        })?;
        if options.runtime == DEFAULT_RUNTIME {
            return Ok(Paths {
                rt: quote!(#parsed),
                serde: quote!(::serde),
                json: quote!(::serde_json),
                serde_attr: TokenStream::new(),
            });
        }
        let serde_path = format!("{}::serde", options.runtime);
        Ok(Paths {
            rt: quote!(#parsed),
            serde: quote!(#parsed::serde),
            json: quote!(#parsed::serde_json),
            serde_attr: quote!(#[serde(crate = #serde_path)]),
        })
    }
}

/// The module for one platform, formatted and stamped. `source` names the spec folder (`specs/shaanxi`). A spec
/// name that makes no Rust identifier (a gap in lowering's checks) is a diagnostic.
pub fn platform(platform: &PlatformSchema, source: &str) -> Result<String, Diagnostics> {
    platform_with(platform, source, &Options::default())
}

/// [`platform`] with `options`: which sides, client and server, and the runtime's path.
pub fn platform_with(platform: &PlatformSchema, source: &str, options: &Options) -> Result<String, Diagnostics> {
    let paths = Paths::of(options)?;
    let ids = Idents::default();
    let cx = Cx::new(platform, &ids);
    let prelude = cx.prelude();
    let data = platform.lit(&cx);
    let dictionaries = dictionaries::emit(platform, &ids, &paths);
    let interfaces = messages::emit(platform, &ids, &paths);
    let sides = sides::emit(platform, &ids, &paths, options);
    let rt = &paths.rt;
    let tokens = quote! {
        pub use self::data::PLATFORM;

        mod data {
            use ::std::borrow::Cow;
            use #rt::schema::*;
            use #rt::schema::literal::*;

            #prelude

            /// The spec as data: what the runtime's validator, codecs and tools read.
            pub static PLATFORM: PlatformSchema = #data;
        }

        /// The platform's dictionaries (code tables).
        pub mod dict {
            #dictionaries
        }

        /// The platform's interfaces and their messages.
        pub mod interfaces {
            #interfaces
        }

        #sides
    };
    ids.finish()?;
    Ok(stamp(source, &format_tokens(tokens)))
}

/// What the crate index needs of one platform: its name, its file, and the interfaces each side provides.
pub struct Indexed {
    pub name: String,
    pub file: String,
    /// Every interface (each has a marker type, with or without a protocol).
    interfaces: Vec<(String, SourcePos)>,
    /// The sides emitted (those of a platform with a protocol that provide interfaces), with their interfaces.
    sides: Vec<(Side, Vec<(String, SourcePos)>)>,
}

impl Indexed {
    /// A platform with every side emitted.
    pub fn of(platform: &PlatformSchema) -> Indexed {
        Indexed::with(platform, &Options::default())
    }

    /// A platform with the sides `options` emits.
    pub fn with(platform: &PlatformSchema, options: &Options) -> Indexed {
        let sides = Side::ALL
            .into_iter()
            .filter(|side| platform.protocol.is_some() && options.sides.contains(side))
            .map(|side| {
                let provided = platform.interfaces.iter().filter(|i| i.provider == side);
                (side, provided.map(|i| (i.name.to_string(), i.origin.clone())).collect::<Vec<_>>())
            })
            .filter(|(_, interfaces)| !interfaces.is_empty())
            .collect();
        let interfaces = platform.interfaces.iter().map(|i| (i.name.to_string(), i.origin.clone())).collect();
        Indexed { name: platform.name.to_string(), file: format!("{}.rs", platform.name), interfaces, sides }
    }
}

/// The crate-level index: one module per platform (`specs/<name>`), the list of all of them, and the registry
/// macros that let tests, fuzz harnesses and tools iterate over every side and interface, so a new folder under
/// `specs/` is covered by the next build with no Rust edit. Each module includes its file by a path relative to
/// the index, so the output works from any folder (`OUT_DIR` or a checked-in one).
pub fn index(platforms: &[Indexed]) -> Result<String, Diagnostics> {
    index_with(platforms, &Options::default())
}

/// [`index`] naming the runtime as `options` says.
pub fn index_with(platforms: &[Indexed], options: &Options) -> Result<String, Diagnostics> {
    let paths = Paths::of(options)?;
    let rt = &paths.rt;
    let ids = Idents::default();
    let idents: Vec<_> = platforms
        .iter()
        .map(|p| {
            let at = SourcePos { file: format!("specs/{}/platform.yaml", p.name).into(), line: 1, column: 1 };
            ids.get(Some(&p.name), &format!("platform `{}`", p.name), &at)
        })
        .collect();
    let modules = platforms.iter().zip(&idents).map(|(p, ident)| {
        let doc = format!("Generated from `specs/{}`.", p.name);
        let file = &p.file;
        quote! {
            #[doc = #doc]
            pub mod #ident {
                include!(#file);
            }
        }
    });
    let statics = idents.iter().map(|ident| quote!(&#ident::PLATFORM));
    let mut per_side = Vec::new();
    let mut every_interface = Vec::new();
    let what = |name: &str| format!("interface `{name}`");
    for (platform, ident) in platforms.iter().zip(&idents) {
        for (name, at) in &platform.interfaces {
            let marker = ids.get(Some(&ident::type_name(name)), &what(name), at);
            every_interface.push(quote!(#ident::#marker));
        }
        for (side, interfaces) in &platform.sides {
            let methods: Vec<_> =
                interfaces.iter().map(|(n, at)| ids.get(Some(&ident::field(n)), &what(n), at)).collect();
            let markers: Vec<_> =
                interfaces.iter().map(|(n, at)| ids.get(Some(&ident::type_name(n)), &what(n), at)).collect();
            let at = SourcePos { file: format!("specs/{}/protocol.yaml", platform.name).into(), line: 1, column: 1 };
            let module = ids.get(Some(&format!("{}_{}", platform.name, side.as_str())), "a side module", &at);
            let side = ids.get(Some(side.as_str()), "a side module", &at);
            per_side.push(quote! {
                $callback!(#module = #ident::#side { #(#methods => #markers),* });
            });
        }
    }
    let tokens = quote! {
        #(#modules)*

        /// Every compiled-in platform, in name order.
        pub static PLATFORMS: &[&#rt::schema::PlatformSchema] = &[#(#statics),*];

        /// Calls `$callback!` once per side of every compiled-in platform that provides interfaces, as
        /// `platform_side = platform::side { method => Marker, … }` (paths relative to this crate): a test or a
        /// harness written once covers every side, a new platform's included.
        #[macro_export]
        macro_rules! for_each_side {
            ($callback:ident) => {
                #(#per_side)*
            };
        }

        /// Calls `$callback!` once with every interface of every platform, as `platform::Marker` (paths relative
        /// to this crate).
        #[macro_export]
        macro_rules! for_each_interface {
            ($callback:ident) => {
                $callback!(#(#every_interface),*);
            };
        }
    };
    ids.finish()?;
    Ok(stamp("specs", &format_tokens(tokens)))
}

fn format_tokens(tokens: proc_macro2::TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // Unparseable output is a bug in the emitter: keep it visible rather than hide it.
        Err(e) => format!("compile_error!({:?});\n{tokens}", e.to_string()),
    }
}

fn stamp(source: &str, code: &str) -> String {
    format!("// @generated by hisgate-codegen from {source}; do not edit.\n\n{code}")
}
