//! A server for one side of a platform, built from its protocol: axum routes for every binding, and one pipeline
//! that reads, checks, verifies, decrypts, validates, dispatches to the generated handler and seals the reply.
//! The router is a plain `axum::Router`: wrap it in any tower layer (auth, logging, metrics).

mod checks;
mod freshness;
pub(crate) mod inbound;
pub mod listen;
pub mod metrics;
mod once;
pub mod ops;
mod reply;
mod routes;
mod side;
mod strict;

pub use axum::Router;
pub use freshness::{Admission, AdmitError, ReplayGuard, Stale, Ticket};
pub use listen::ConnectionLimits;
pub use once::{ClaimedTx, Effects, fingerprint};
pub use reply::Reply;
#[cfg_attr(not(feature = "proxy"), allow(unused_imports))]
pub(crate) use routes::read_body;
pub use routes::{ServerConfig, router};
pub use side::{Call, Handles, Handling, Service};
/// How a server tells its background work (outbox couriers) to stop.
pub use tokio_util::sync::CancellationToken;

use crate::Violations;
use crate::schema::FailureCodes;
use crate::{Error, Interface, Message};
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// How a server says no: a handler's refusal, and the pipeline's own (malformed, stale, a bad signature), each
/// answered with the platform's code in a sealed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// A return code of the interface or the platform (`S02000101`); the message defaults to the spec's.
    Business { code: String, message: Option<String> },
    /// The request's payload breaks the spec's rules.
    Invalid(Violations),
    /// The handler does not implement this interface.
    Unsupported,
    /// Something went wrong that the caller cannot fix; the detail is logged, not sent.
    Internal(String),
}

impl Failure {
    pub fn business(code: impl Into<String>) -> Failure {
        Failure::Business { code: code.into(), message: None }
    }

    pub fn with_message(code: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure::Business { code: code.into(), message: Some(message.into()) }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Failure {
        Failure::Internal(detail.to_string())
    }

    /// The server's own refusal of a request (malformed, stale, a bad signature): a code of the protocol's
    /// `failures:` and what was wrong, which the reply gives after the code's message.
    pub(crate) fn refused(code: &str, detail: impl Into<String>) -> Failure {
        Failure::Business { code: code.to_owned(), message: Some(detail.into()) }
    }

    /// The return code this failure answers with (the protocol's `failures:` code where it names none of its
    /// own), and the detail the reply gives after the code's message: none for an internal failure, whose cause
    /// is logged where it happened.
    pub(crate) fn answer(&self, failures: &FailureCodes, interface: &str) -> (String, String) {
        match self {
            Failure::Business { code, message } => (code.clone(), message.clone().unwrap_or_default()),
            Failure::Invalid(violations) => (failures.invalid.to_string(), violations.to_string()),
            Failure::Unsupported => {
                (failures.unsupported.to_string(), format!("`{interface}` is not implemented here"))
            }
            Failure::Internal(_) => (failures.internal.to_string(), String::new()),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        match error {
            Error::Invalid(violations) => Failure::Invalid(violations),
            other => Failure::Internal(other.to_string()),
        }
    }
}

/// The store failed: the server's failure, its cause logged and the platform's internal code answered, so a
/// handler's `?` reaches the store and its refusals alike. A business key reused for another request is the
/// caller's mistake, though: where a handler claims a key itself, it answers [`StoreError::KeyReused`] with the
/// platform's code before `?` (the runtime's own `idempotency:` claim does).
///
/// [`StoreError::KeyReused`]: crate::store::StoreError::KeyReused
impl From<crate::store::StoreError> for Failure {
    fn from(error: crate::store::StoreError) -> Failure {
        Failure::internal(error)
    }
}

/// A database error, counted as every one is ([`crate::store::StoreError`]'s own conversion), then as above.
impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Failure {
        Failure::from(crate::store::StoreError::from(error))
    }
}

/// What a handler knows about the call besides its payload.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub interface: String,
    pub binding: String,
    /// The request envelope's fields (`partner`, `hospitalCode`, `timestamp`, …).
    pub envelope: Map<String, Value>,
    /// The HTTP request's headers.
    pub headers: Vec<(String, String)>,
    /// The rules the request broke that this server's strictness accepts (`warn`), already logged and counted.
    pub warnings: Violations,
    /// Where the interface is claimed exactly once (`idempotency:`), the transaction its effects belong in.
    pub effects: Effects,
}

/// The generated half of a server: one typed handler method per interface, behind a name.
pub trait Dispatch: Send + Sync + 'static {
    fn dispatch(&self, interface: &str, payload: Value, context: Context) -> BoxFuture<Result<Reply, Failure>>;
}

/// What generated `Dispatch` impls call for each interface: reads the typed request, runs the handler, answers the
/// typed response, kept typed ([`Reply`]). The payload arrives validated against the schema the server serves (a
/// profile merged in) under its strictness, so it is converted, not checked again against the compiled-in spec.
pub fn handle<I, F, Fut>(payload: Value, handler: F) -> BoxFuture<Result<Reply, Failure>>
where
    I: Interface,
    I::Response: Send + Sync + 'static,
    F: FnOnce(I::Request) -> Fut + Send + 'static,
    Fut: Future<Output = Result<I::Response, Failure>> + Send + 'static,
{
    Box::pin(async move {
        let request = I::Request::from_checked(payload)?;
        Ok(Reply::typed(handler(request).await?))
    })
}

/// What generated `Dispatch` impls answer for a name they do not know.
pub fn unknown(interface: &str) -> BoxFuture<Result<Reply, Failure>> {
    let detail = format!("no handler for `{interface}`");
    Box::pin(async move { Err(Failure::Internal(detail)) })
}
