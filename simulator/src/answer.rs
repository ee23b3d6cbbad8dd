//! Answers as the store records them for exactly-once effects: a business refusal is a result too, so that every
//! repeat of a refused request is refused the same way.

use hisgate_runtime::Message;
use hisgate_runtime::server::{ClaimedTx, Context, Failure};
use hisgate_runtime::store::StoreError;
use serde::{Deserialize, Serialize};

/// A business refusal: the platform's return code and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub code: String,
    pub message: String,
}

impl Refused {
    pub fn new(code: &str, message: impl Into<String>) -> Refused {
        Refused { code: code.to_owned(), message: message.into() }
    }
}

impl From<Refused> for Failure {
    fn from(refused: Refused) -> Failure {
        Failure::with_message(refused.code, refused.message)
    }
}

/// A store failure as the caller sees it: a key reused for another request is the caller's mistake, refused with
/// `refusal` (the platform's code for it); anything else is the server's, logged and answered as internal.
pub fn store_failure(error: StoreError, refusal: &str) -> Failure {
    match error {
        StoreError::KeyReused { scope, key } => {
            Failure::with_message(refusal, format!("`{key}` was already used for a different {scope} request"))
        }
        other => Failure::internal(other),
    }
}

/// What identifies a request's business content: the SHA-256 of its canonical JSON.
pub fn fingerprint<M: Message>(message: &M) -> String {
    hisgate_runtime::server::fingerprint(&message.to_value().unwrap_or_default())
}

/// The transaction the runtime opened for this request's exactly-once claim: the interface's spec declares
/// `idempotency:` and every simulator runs with a store, so its effect goes in here and commits with its answer.
pub async fn claimed(context: &Context) -> Result<ClaimedTx, Failure> {
    context.effects.tx().await.ok_or_else(|| {
        let detail = format!("`{}` is not claimed: its spec declares no `idempotency:` key", context.interface);
        Failure::internal(detail)
    })
}
