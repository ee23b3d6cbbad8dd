//! Refusals as the simulators answer them — [`Failure`], the runtime's one word for "no" — and the form the store
//! keeps a refusal in where a simulator records its answers itself (onepay's merchant numbers): a business
//! refusal is a result too, so that every repeat of a refused request is refused the same way.

use hisgate_runtime::Message;
use hisgate_runtime::server::{ClaimedTx, Context, Failure};
use hisgate_runtime::store::StoreError;
use serde::{Deserialize, Serialize};

/// A business refusal as the store keeps it: the platform's return code and a message. Only the stored form of
/// an answer ([`Recorded`]); handlers and their helpers refuse with [`Failure`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub code: String,
    pub message: String,
}

impl From<Refused> for Failure {
    fn from(refused: Refused) -> Failure {
        Failure::with_message(refused.code, refused.message)
    }
}

/// An answer as the store records it for its repeats: a response or a business refusal, written as serde writes
/// a `Result<T, Refused>` (`{"Ok":…}`, `{"Err":{"code":…,"message":…}}`), the form existing stores hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Recorded<T>(Result<T, Refused>);

impl<T> Recorded<T> {
    /// The answer to record: a response or a business refusal (a refusal without a message keeps an empty
    /// one, which the reply reads as the code's own). Any other failure is no answer, and is the error.
    pub fn of(answer: Result<T, Failure>) -> Result<Recorded<T>, Failure> {
        match answer {
            Ok(value) => Ok(Recorded(Ok(value))),
            Err(Failure::Business { code, message }) => {
                Ok(Recorded(Err(Refused { code, message: message.unwrap_or_default() })))
            }
            Err(other) => Err(other),
        }
    }

    /// The recorded answer, answered again.
    pub fn answer(self) -> Result<T, Failure> {
        self.0.map_err(Failure::from)
    }
}

/// Whether an answer is one a transaction keeps: a response or a business refusal, not a failure of the server's
/// own (a store that failed half-way).
pub fn decided<T>(answer: &Result<T, Failure>) -> bool {
    matches!(answer, Ok(_) | Err(Failure::Business { .. }))
}

/// A claim's store failure as the caller sees it: a key reused for another request is the caller's mistake,
/// refused with `refusal` (the platform's code for it); anything else is the server's, as `?` makes it.
pub fn claim_failure(error: StoreError, refusal: &str) -> Failure {
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

#[cfg(test)]
mod tests {
    use super::{Recorded, Refused};
    use hisgate_runtime::server::Failure;
    use serde_json::json;

    /// Existing stores hold answers in this form: it must read back, and be written, byte for byte.
    #[test]
    fn a_recorded_answer_keeps_the_stored_form() {
        let refused = Recorded::<serde_json::Value>::of(Err(Failure::with_message("1", "余额不足"))).unwrap();
        assert_eq!(serde_json::to_string(&refused).unwrap(), r#"{"Err":{"code":"1","message":"余额不足"}}"#);
        let bare = Recorded::<()>::of(Err(Failure::business("2"))).unwrap();
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"Err":{"code":"2","message":""}}"#);
        let answered = Recorded::of(Ok(json!({"tradeNo": "T1"}))).unwrap();
        assert_eq!(serde_json::to_string(&answered).unwrap(), r#"{"Ok":{"tradeNo":"T1"}}"#);
        let stored: Result<serde_json::Value, Refused> = Err(Refused { code: "1".into(), message: "m".into() });
        let read: Recorded<serde_json::Value> = serde_json::from_str(&serde_json::to_string(&stored).unwrap()).unwrap();
        assert_eq!(read.answer(), Err(Failure::with_message("1", "m")));
        assert!(Recorded::<()>::of(Err(Failure::internal("down"))).is_err());
    }
}
