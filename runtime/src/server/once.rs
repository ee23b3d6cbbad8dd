//! Exactly once from the spec: an interface that declares `idempotency:` has its key claimed in the server's store
//! before the handler runs. The handler's effects go into the claim's transaction ([`Effects::tx`]) and commit with
//! the answer it gives, or not at all; a repeat of the key with the same request — sequential, concurrent, or on
//! another instance sharing the database — gets that first answer (a business refusal included) without reaching
//! the handler; the key with another request is refused with the interface's `reused` code.

use super::{Failure, Reply};
use crate::schema::{IdempotencySchema, InterfaceSchema, PlatformSchema, Side, business_keys::key_value};
use crate::store::{Claim, Pending, Store, StoreError, Tx};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

/// The claim's transaction, held by a handler while its effects run in it.
pub type ClaimedTx = OwnedMappedMutexGuard<Option<Pending>, Tx>;

/// The transaction a handler's effects run in, where its interface is claimed exactly once; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct Effects(Option<Arc<Mutex<Option<Pending>>>>);

impl Effects {
    /// The claim's transaction: run the effect in it (a savepoint of it, `tx.begin()`, to undo an effect a refusal
    /// should not keep). `None` where nothing is claimed: the interface declares no `idempotency:`, the request
    /// carries none of its key's fields, or the server has no store.
    pub async fn tx(&self) -> Option<ClaimedTx> {
        let guard = self.0.clone()?.lock_owned().await;
        OwnedMutexGuard::try_map(guard, |pending| pending.as_mut().map(Pending::tx)).ok()
    }
}

/// What the store keeps as the first answer to a key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
enum Recorded {
    Answered { payload: Value },
    Refused { code: String, message: Option<String> },
}

/// What claiming a request's key found.
pub(super) enum Once {
    /// Nothing to claim.
    Unclaimed,
    /// This request holds the key: its handler runs, then [`settle`] records the answer.
    First(Arc<Mutex<Option<Pending>>>),
    /// The key's first answer.
    Repeat(Result<Reply, Failure>),
}

impl Once {
    pub(super) fn effects(&self) -> Effects {
        match self {
            Once::First(pending) => Effects(Some(pending.clone())),
            _ => Effects::default(),
        }
    }
}

/// Why a key could not be claimed: it was used with another request (the caller's mistake), or the store failed.
pub(super) enum NotClaimed {
    Reused(String),
    Store(StoreError),
}

/// Claims the request's key, where the interface declares one and the request carries a field of it.
pub(super) async fn claim(
    store: &Store,
    platform: &PlatformSchema,
    side: Side,
    interface: &InterfaceSchema,
    declared: &IdempotencySchema,
    payload: &Value,
) -> Result<Once, NotClaimed> {
    // An absent field is an empty part (a StopRegister without hours is the whole half-day); a request with no
    // part at all is not claimed.
    let parts: Vec<String> = declared
        .key
        .iter()
        .map(|field| key_value(platform, interface.request, payload, field).unwrap_or_default())
        .collect();
    if parts.iter().all(String::is_empty) {
        return Ok(Once::Unclaimed);
    }
    // Unit separators between the parts: `a`+`bc` and `ab`+`c` stay two keys.
    let key = parts.join("\u{1f}");
    let scope = match &declared.scope {
        Some(scope) => format!("{}.{scope}", platform.name),
        None => format!("{}.{side}.{}", platform.name, interface.name),
    };
    match store.claim::<Recorded>(&scope, &key, &fingerprint(payload)).await {
        Ok(Claim::First(pending)) => Ok(Once::First(Arc::new(Mutex::new(Some(pending))))),
        Ok(Claim::Repeat(Recorded::Answered { payload })) => Ok(Once::Repeat(Ok(Reply::from(payload)))),
        Ok(Claim::Repeat(Recorded::Refused { code, message })) => {
            Ok(Once::Repeat(Err(Failure::Business { code, message })))
        }
        Err(StoreError::KeyReused { key, .. }) => {
            let shown: Vec<&str> = key.split('\u{1f}').collect();
            Err(NotClaimed::Reused(format!(
                "{} `{}` was already used for a different request",
                declared.key.join("+"),
                shown.join("+")
            )))
        }
        Err(e) => Err(NotClaimed::Store(e)),
    }
}

/// Records the handler's answer — or its business refusal — as the key's first, committing the effects with it.
/// Any other failure rolls them back and frees the key; a record that cannot be committed is an internal failure
/// (and nothing took effect).
pub(super) async fn settle(
    first: Arc<Mutex<Option<Pending>>>,
    mut result: Result<Reply, Failure>,
) -> Result<Reply, Failure> {
    let Some(pending) = first.lock().await.take() else {
        return Err(Failure::internal("the exactly-once claim was taken before its answer was recorded"));
    };
    let recorded = match &mut result {
        Ok(payload) => Recorded::Answered { payload: payload.tree()?.clone() },
        Err(Failure::Business { code, message }) => Recorded::Refused { code: code.clone(), message: message.clone() },
        Err(_) => return result,
    };
    match pending.commit(&recorded).await {
        Ok(()) => result,
        Err(e) => Err(Failure::internal(format!("the answer could not be recorded, nothing took effect: {e}"))),
    }
}

/// What identifies a request's business content: the SHA-256 of its JSON with every object's keys sorted
/// ([`crate::envelope::sorted_json`]), so a request sent as XML and the same sent as JSON are one request.
pub fn fingerprint(payload: &Value) -> String {
    base16ct::lower::encode_string(&Sha256::digest(crate::envelope::sorted_json(payload).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::fingerprint;
    use serde_json::json;

    #[test]
    fn a_fingerprint_ignores_key_order_and_sees_every_value() {
        let a = json!({"orderId": "1", "amount": "12.50", "items": [{"b": 1, "a": "挂号"}]});
        let b = json!({"items": [{"a": "挂号", "b": 1}], "amount": "12.50", "orderId": "1"});
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(
            fingerprint(&a),
            fingerprint(&json!({"orderId": "1", "amount": "12.5", "items": [{"b": 1, "a": "挂号"}]}))
        );
    }
}
