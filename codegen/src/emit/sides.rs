//! One module per side that provides interfaces (`hospital`, `platform`): a `Handler` trait with one async method
//! per interface, the `Service` that dispatches verified requests to it, its `router`, and a typed `Client`. All of
//! the protocol work happens in the runtime's server and client; these are typed names over them.

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
    let client = options.client.then(|| client(side, interfaces, ids, paths));
    let rt = &paths.rt;
    // The imports first, in the order a full module has always had them.
    let client_use = options.client.then(|| quote!(use #rt::client::{CallError, ClientConfig, Hook, Reply};));
    let server_use =
        options.server.then(|| quote!(use #rt::server::{BoxFuture, Context, Dispatch, Failure, Router, ServerConfig};));
    let arc_use = options.server.then(|| {
        quote!(
            use ::std::sync::Arc;
        )
    });
    quote! {
        #module_doc
        pub mod #module {
            use super::interfaces as api;
            #client_use
            use #rt::schema::Side;
            #server_use
            use ::core::result::Result;
            #arc_use

            #server
            #client
        }
    }
}

fn side_variant(side: Side) -> TokenStream {
    match side {
        Side::Hospital => quote!(Hospital),
        Side::Platform => quote!(Platform),
    }
}

/// The handler trait, the service dispatching to it, and the router serving it.
fn server(side: Side, interfaces: &[&InterfaceSchema], ids: &Idents, paths: &Paths) -> TokenStream {
    let Paths { rt, json, .. } = paths;
    let who = match side {
        Side::Hospital => "the hospital",
        Side::Platform => "the platform",
    };
    let handler_doc = doc(&[&format!(
        "One async method per interface {who} provides. Each receives a verified, decrypted and validated request; \
         it answers with a response or a [`Failure`] (a business return code). A method left out answers the \
         platform's `unsupported` code."
    )]);
    let side_variant = side_variant(side);
    let methods = interfaces.iter().map(|i| handler_method(i, ids));
    let arms = interfaces.iter().map(|i| dispatch_arm(i, ids, rt));
    quote! {
        #handler_doc
        pub trait Handler: Send + Sync + 'static {
            #(#methods)*
        }

        /// Dispatches each verified request to its [`Handler`] method.
        #[derive(Debug)]
        pub struct Service<H>(Arc<H>);

        impl<H: Handler> Service<H> {
            pub fn new(handler: H) -> Self {
                Service(Arc::new(handler))
            }
        }

        impl<H: Handler> Dispatch for Service<H> {
            fn dispatch(
                &self,
                interface: &str,
                payload: #json::Value,
                context: Context,
            ) -> BoxFuture<Result<#json::Value, Failure>> {
                let handler = Arc::clone(&self.0);
                match interface {
                    #(#arms)*
                    other => #rt::server::unknown(other),
                }
            }
        }

        /// The axum router serving `handler` on every binding of the protocol: it reads, checks, verifies,
        /// decrypts and validates each request in the spec's order, and signs every reply. Add tower layers
        /// (auth, logging, metrics) with `Router::layer`.
        pub fn router<H: Handler>(handler: H, config: ServerConfig) -> Router {
            #rt::server::router(
                super::PLATFORM.shared(),
                Side::#side_variant,
                Arc::new(Service::new(handler)),
                config,
            )
            .expect("codegen emits a server only for a platform with a protocol")
        }
    }
}

/// The typed client of the side's interfaces.
fn client(side: Side, interfaces: &[&InterfaceSchema], ids: &Idents, paths: &Paths) -> TokenStream {
    let rt = &paths.rt;
    let side_variant = side_variant(side);
    let calls = interfaces.iter().map(|i| client_method(i, ids));
    quote! {
        /// Calls these interfaces: seals each request, and verifies each reply before reading it.
        #[derive(Debug, Clone)]
        pub struct Client(#rt::client::Client);

        impl Client {
            /// A client of the server at `base_url` (`http://127.0.0.1:8080`).
            pub fn new(base_url: &str, config: ClientConfig) -> Result<Client, CallError> {
                #rt::client::Client::new(super::PLATFORM.shared(), Side::#side_variant, base_url, config)
                    .map(Client)
            }

            /// Adds a hook that sees every attempt (auth headers, logging, metrics).
            pub fn with_hook(self, hook: impl Hook) -> Client {
                Client(self.0.with_hook(hook))
            }

            /// The untyped client underneath, for calls by interface name.
            pub fn untyped(&self) -> &#rt::client::Client {
                &self.0
            }

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

fn dispatch_arm(interface: &InterfaceSchema, ids: &Idents, rt: &TokenStream) -> TokenStream {
    let (method, _, marker) = names(interface, ids);
    let name = &*interface.name;
    quote! {
        #name => #rt::server::handle::<api::#marker, _, _>(payload, move |request| async move {
            handler.#method(request, context).await
        }),
    }
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
