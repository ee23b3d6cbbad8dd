//! One module per side that provides interfaces (`hospital`, `platform`): its `Provided` marker, a `Handler` trait
//! with one async method per interface and the match that dispatches to it, its `router`, and a typed `Client`.
//! What every side shares is written once in the runtime (its generic `server::Service`, and the `provider!`,
//! `handles!` and `side_client!` macros); a side emits only what is its own. All of the protocol work happens in the runtime's server and client.

use super::docs::doc;
use super::{Options, Paths};
use crate::ident::{self, Idents};
use hisgate_schema::{InterfaceSchema, PlatformSchema, Side};
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(platform: &PlatformSchema, ids: &Idents, paths: &Paths, options: &Options) -> TokenStream {
    if platform.protocol.is_none() || !(options.client || options.server) {
        return TokenStream::new();
    }
    let sides = options.sides.iter().copied().filter_map(|side| {
        let provided: Vec<&InterfaceSchema> = platform.interfaces.iter().filter(|i| i.provider == side).collect();
        (!provided.is_empty()).then(|| emit_side(side, &provided, ids, paths, options))
    });
    quote!(#(#sides)*)
}

fn emit_side(
    side: Side,
    interfaces: &[&InterfaceSchema],
    ids: &Idents,
    paths: &Paths,
    options: &Options,
) -> TokenStream {
    // `interfaces` is never empty: a side without interfaces gets no module.
    let module = ids.get(Some(side.as_str()), "a side", &interfaces[0].origin);
    let who = match side {
        Side::Hospital => "the hospital",
        Side::Platform => "the platform",
    };
    let count = match interfaces.len() {
        1 => "The one interface".to_owned(),
        n => format!("The {n} interfaces"),
    };
    let how = match (options.server, options.client) {
        (true, true) => "implement [`Handler`] and serve it with [`router`], or call with [`Client`]",
        (true, false) => "implement [`Handler`] and serve it with [`router`]",
        _ => "call them with [`Client`]",
    };
    let module_doc = doc(&[&format!("{count} {who} provides: {how}.")]);
    let server = options.server.then(|| server(side, interfaces, ids, paths));
    let client = options.client.then(|| client(interfaces, ids, paths));
    let rt = &paths.rt;
    let side_variant = match side {
        Side::Hospital => quote!(Hospital),
        Side::Platform => quote!(Platform),
    };
    let client_use = options.client.then(|| quote!(use #rt::client::{CallError, Reply};));
    let server_use = options.server.then(|| quote!(use #rt::server::{Context, Failure, Router, ServerConfig};));
    quote! {
        #module_doc
        pub mod #module {
            use super::interfaces as api;
            #client_use
            #server_use
            use ::core::result::Result;

            #rt::provider!(Provided, #side_variant, platform = super::PLATFORM);

            #server
            #client
        }
    }
}

/// The handler trait, the names dispatching to its methods, and the router serving it; the service between them
/// is the runtime's.
fn server(side: Side, interfaces: &[&InterfaceSchema], ids: &Idents, paths: &Paths) -> TokenStream {
    let rt = &paths.rt;
    let who = match side {
        Side::Hospital => "the hospital",
        Side::Platform => "the platform",
    };
    let handler_doc = doc(&[&format!(
        "One async method per interface {who} provides. Each receives a verified, decrypted and validated request; \
         it answers with a response or a [`Failure`] (a business return code). A method left out answers the \
         platform's `unsupported` code."
    )]);
    let methods = interfaces.iter().map(|i| handler_method(i, ids));
    let arms = interfaces.iter().map(|i| dispatch_arm(i, ids));
    quote! {
        #handler_doc
        pub trait Handler: Send + Sync + 'static {
            #(#methods)*
        }

        /// Serves a [`Handler`]: each verified request to its method, through the tower layer
        /// `Service::layer_on::<api::Name, _>` gave that one interface, if any.
        pub type Service<H> = #rt::server::Service<Provided, H>;

        #rt::handles!(Provided: Handler { #(#arms),* });

        /// The axum router serving `handler` on every binding of the protocol: it reads, checks, verifies,
        /// decrypts and validates each request in the spec's order, and signs every reply. Add tower layers
        /// (auth, logging, metrics) with `Router::layer`; for one interface only, build the router with
        /// [`Service::layer_on`].
        pub fn router<H: Handler>(handler: H, config: ServerConfig) -> Router {
            Service::new(handler).router(config)
        }
    }
}

/// The typed client of the side's interfaces: the runtime's frame, and one method per interface.
fn client(interfaces: &[&InterfaceSchema], ids: &Idents, paths: &Paths) -> TokenStream {
    let rt = &paths.rt;
    let calls = interfaces.iter().map(|i| client_method(i, ids));
    quote! {
        #rt::side_client!(Client, Provided);

        impl Client {
            #(#calls)*
        }
    }
}

fn names(interface: &InterfaceSchema, ids: &Idents) -> (proc_macro2::Ident, proc_macro2::Ident, proc_macro2::Ident) {
    let what = format!("interface `{}`", interface.name);
    let method = ids.get(Some(&ident::field(&interface.name)), &what, &interface.origin);
    let module = ids.get(Some(&ident::module(&interface.name)), &what, &interface.origin);
    let marker = ids.get(Some(&ident::type_name(&interface.name)), &what, &interface.origin);
    (method, module, marker)
}

fn heading(interface: &InterfaceSchema) -> String {
    format!("{} — `{}` (service `{}`).", interface.title, interface.name, interface.service)
}

fn handler_method(interface: &InterfaceSchema, ids: &Idents) -> TokenStream {
    let (method, module, _) = names(interface, ids);
    let docs = doc(&[&heading(interface)]);
    quote! {
        #docs
        fn #method(
            &self,
            request: api::#module::Request,
            context: Context,
        ) -> impl ::core::future::Future<Output = Result<api::#module::Response, Failure>> + Send {
            let _ = (request, context);
            async { Err(Failure::Unsupported) }
        }
    }
}

fn dispatch_arm(interface: &InterfaceSchema, ids: &Idents) -> TokenStream {
    let (method, _, marker) = names(interface, ids);
    let name = &*interface.name;
    quote!(#name => #method(api::#marker))
}

fn client_method(interface: &InterfaceSchema, ids: &Idents) -> TokenStream {
    let (method, module, marker) = names(interface, ids);
    let retry = if interface.retry_safe { "Retried after a timeout (`retry: safe`)." } else { "Never retried." };
    let docs = doc(&[&heading(interface), retry]);
    quote! {
        #docs
        pub async fn #method(&self, request: &api::#module::Request) -> Result<Reply<api::#module::Response>, CallError> {
            self.0.call::<api::#marker>(request).await
        }
    }
}
