//! Why a call failed. A business return code is not a failure: it arrives in a verified [`Reply`](super::Reply).

use crate::Violations;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    #[error("platform `{0}` declares no protocol")]
    NoProtocol(String),
    #[error("`{name}` is not an interface this client's side of `{platform}` provides")]
    UnknownInterface { name: String, platform: String },
    #[error("no binding `{name}` (the protocol has {known})")]
    UnknownBinding { name: String, known: String },
    #[error("the request breaks the spec: {0}")]
    Invalid(Violations),
    #[error("cannot seal the request: {0}")]
    Seal(String),
    #[error("no reply within {0:?}")]
    Timeout(std::time::Duration),
    #[error("cannot reach the server: {0}")]
    Connect(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("the reply is over the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("HTTP status {status}: {body}")]
    Status { status: u16, body: String },
    /// The reply's signature does not verify, or it cannot be decrypted: nothing in it is trusted.
    #[error("the reply does not verify: {0}")]
    Verify(String),
    #[error("the reply cannot be read: {0}")]
    Reply(String),
    #[error("the reply ({code}) breaks the spec: {violations}")]
    InvalidReply { code: String, violations: Violations },
}

impl CallError {
    /// `timeout` is the client's per-attempt limit, which a timed-out request ran into.
    pub(super) fn from_reqwest(error: reqwest::Error, timeout: std::time::Duration) -> CallError {
        if error.is_timeout() {
            return CallError::Timeout(timeout);
        }
        // The chain says why (connection refused, reset); the top error only that a request failed.
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            detail = format!("{detail}: {cause}");
            source = cause.source();
        }
        if error.is_connect() { CallError::Connect(detail) } else { CallError::Http(detail) }
    }

    /// Whether another attempt may succeed where this one failed: no answer arrived at all.
    pub fn is_retryable(&self) -> bool {
        match self {
            CallError::Timeout(_) | CallError::Connect(_) => true,
            CallError::Status { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }
}
