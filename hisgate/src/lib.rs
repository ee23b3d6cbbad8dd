//! hisgate for a crate of your own: typed requests and responses, a client and a server per side, generated at
//! build time from your spec folders by [`hisgate-build`](https://docs.rs/hisgate-build), standing on the runtime
//! re-exported here (codecs, envelopes, signatures, ciphers, validation, the client, the server pipeline, the
//! store). It adds nothing of its own but the include macros: everything below is `hisgate-runtime`'s.
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [dependencies]
//! hisgate = "0.1"                 # features: client, server, sqlite (default); postgres, proxy
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//!
//! [build-dependencies]
//! hisgate-build = "0.1"
//! ```
//!
//! `build.rs`: `hisgate_build::configure().specs("specs").compile()?` — then, in the crate,
//! [`include_specs!`] gives one module per platform folder (the examples that need generated code are not doc
//! tests, which have no build script; `examples/his-gateway` in the repository compiles and tests them):
//!
//! ```text
//! hisgate::include_specs!();
//!
//! use hisgate::server::{Context, Failure, ServerConfig};
//! use myhis::interfaces::get_patient;
//!
//! struct MyHis;
//!
//! impl myhis::hospital::Handler for MyHis {
//!     async fn get_patient(&self, request: get_patient::Request, _: Context)
//!         -> Result<get_patient::Response, Failure> {
//!         Err(Failure::business("404"))            // the platform's own return code, signed
//!     }
//!     // an interface left out answers the spec's `unsupported` failure code
//! }
//!
//! let router = myhis::hospital::router(MyHis, ServerConfig::new(&myhis::PLATFORM, credentials));
//! ```
//!
//! A client-only crate takes `default-features = false, features = ["client"]` (neither axum nor sqlx is
//! compiled) and builds with `.server(false)`.
//!
//! What the runtime offers without generated code, for a spec read at run time:
//!
//! ```
//! use hisgate::secret::env_var;
//!
//! assert_eq!(env_var("appSecret"), "HISGATE_APP_SECRET");   // where a credential is read from
//! let decimal: hisgate::Decimal = "10.00".parse().unwrap();  // money is decimal, never float
//! assert_eq!(decimal.to_string(), "10.00");
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub use hisgate_runtime::*;

/// Includes every platform `hisgate-build` generated, one module per platform folder (`myhis`, with `PLATFORM`,
/// `dict`, `interfaces` and a module per side), from `$OUT_DIR/hisgate/platforms.rs`.
///
/// ```text
/// hisgate::include_specs!();
/// let client = myhis::hospital::Client::new("http://127.0.0.1:8080", config)?;
/// ```
#[macro_export]
macro_rules! include_specs {
    () => {
        include!(concat!(env!("OUT_DIR"), "/hisgate/platforms.rs"));
    };
}

/// Includes one generated platform's items into the module it is called in:
///
/// ```text
/// pub mod myhis {
///     hisgate::include_platform!("myhis");
/// }
/// ```
#[macro_export]
macro_rules! include_platform {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/hisgate/", $name, ".rs"));
    };
}
