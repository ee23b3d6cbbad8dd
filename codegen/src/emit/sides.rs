//! One module per side that provides interfaces (`hospital`, `platform`): a `Handler` trait with one async method
//! per interface, the `Service` that dispatches verified requests to it, its `router`, and a typed `Client`. All of
//! the protocol work happens in the runtime's server and client; these are typed names over them.

use super::docs::doc;
use crate::ident::{self, Idents};
use hisgate_schema::{InterfaceSchema, PlatformSchema, Side};
use proc_macro2::TokenStream;
use quote::quote;

pub fn emit(platform: &PlatformSchema, ids: &Idents) -> TokenStream {
    if platform.protocol.is_none() {
        return TokenStream::new();
    }
    let sides = Side::ALL.into_iter().filter_map(|side| {
        let provided: Vec<&InterfaceSchema> = platform.interfaces.iter().filter(|i| i.provider == side).collect();
        (!provided.is_empty()).then(|| emit_side(side, &provided, ids))
    });
    quote!(#(#sides)*)
}

fn emit_side(side: Side, interfaces: &[&InterfaceSchema], ids: &Idents) -> TokenStream {
    // `interfaces` is never empty: a side without interfaces gets no module.
    let module = ids.get(Some(side.as_str()), "a side", &interfaces[0].origin);
    let side_variant = match side {
        Side::Hospital => quote!(Hospital),
        Side::Platform => quote!(Platform),
    };
    let who = match side {
        Side::Hospital => "the hospital",
        Side::Platform => "the platform",
    };
    let count = match interfaces.len() {
        1 => "The one interface".to_owned(),
        n => format!("The {n} interfaces"),
    };
    let module_doc = doc(&[&format!(
        "{count} {who} provides: implement [`Handler`] and serve it with [`router`], or call with [`Client`]."
    )]);
    let handler_doc = doc(&[&format!(
        "One async method per interface {who} provides. Each receives a verified, decrypted and validated request; \
         it answers with a response or a [`Failure`] (a business return code). A method left out answers the \
         platform's `unsupported` code."
    )]);
    let methods = interfaces.iter().map(|i| handler_method(i, ids));
    let arms = interfaces.iter().map(|i| dispatch_arm(i, ids));
    let calls = interfaces.iter().map(|i| client_method(i, ids));
    quote! {
        #module_doc
        pub mod #module {
            use super::interfaces as api;
            use ::hisgate_runtime::client::{CallError, ClientConfig, Hook, Reply};
            use ::hisgate_runtime::schema::Side;
            use ::hisgate_runtime::server::{BoxFuture, Context, Dispatch, Failure, Router, ServerConfig};
            use ::core::result::Result;
            use ::std::sync::Arc;

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
                    payload: ::serde_json::Value,
                    context: Context,
                ) -> BoxFuture<Result<::serde_json::Value, Failure>> {
                    let handler = Arc::clone(&self.0);
                    match interface {
                        #(#arms)*
                        other => ::hisgate_runtime::server::unknown(other),
                    }
                }
            }

            /// The axum router serving `handler` on every binding of the protocol: it reads, checks, verifies,
            /// decrypts and validates each request in the spec's order, and signs every reply. Add tower layers
            /// (auth, logging, metrics) with `Router::layer`.
            pub fn router<H: Handler>(handler: H, config: ServerConfig) -> Router {
                ::hisgate_runtime::server::router(
                    super::PLATFORM.shared(),
                    Side::#side_variant,
                    Arc::new(Service::new(handler)),
                    config,
                )
                .expect("codegen emits a server only for a platform with a protocol")
            }

            /// Calls these interfaces: seals each request, and verifies each reply before reading it.
            #[derive(Debug, Clone)]
            pub struct Client(::hisgate_runtime::client::Client);

            impl Client {
                /// A client of the server at `base_url` (`http://127.0.0.1:8080`).
                pub fn new(base_url: &str, config: ClientConfig) -> Result<Client, CallError> {
                    ::hisgate_runtime::client::Client::new(super::PLATFORM.shared(), Side::#side_variant, base_url, config)
                        .map(Client)
                }

                /// Adds a hook that sees every attempt (auth headers, logging, metrics).
                pub fn with_hook(self, hook: impl Hook) -> Client {
                    Client(self.0.with_hook(hook))
                }

                /// The untyped client underneath, for calls by interface name.
                pub fn untyped(&self) -> &::hisgate_runtime::client::Client {
                    &self.0
                }

                #(#calls)*
            }
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
    quote! {
        #name => ::hisgate_runtime::server::handle::<api::#marker, _, _>(payload, move |request| async move {
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
