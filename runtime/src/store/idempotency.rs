//! Exactly-once effects. The effect and the record of its result commit in one transaction, keyed by a unique
//! (scope, key); a repeat — sequential, concurrent, or on another instance sharing the database — finds the key
//! taken (the database makes it wait for the first to commit) and gets the first result back.
//!
//! ```text
//! match store.claim::<Answer>("Refund", &refund_id, &fingerprint).await? {
//!     Claim::Repeat(first) => first,
//!     Claim::First(mut pending) => {
//!         let answer = refund(pending.tx(), &request).await?; // the effect, in the claim's transaction
//!         pending.commit(&answer).await?;
//!         answer
//!     }
//! }
//! ```

use super::{Store, StoreError, Tx, now_millis};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim<T> {
    /// The key is this call's: run the effect in [`Pending::tx`], then [`Pending::commit`] its result.
    First(Pending),
    /// The key was taken by an earlier call, whose result this is.
    Repeat(T),
}

/// A claimed key and the transaction its effect runs in. Dropped without `commit`, everything rolls back and the
/// key is free again.
#[derive(Debug)]
pub struct Pending {
    tx: Tx,
    scope: String,
    key: String,
}

impl Pending {
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Records `result` as the answer to every repeat, and commits it with the effect.
    pub async fn commit<T: Serialize>(mut self, result: &T) -> Result<(), StoreError> {
        let text = serde_json::to_string(result).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE idempotency SET result = $3 WHERE scope = $1 AND key = $2")
            .bind(&self.scope)
            .bind(&self.key)
            .bind(text)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Claims (`scope`, `key`) for one effect. `fingerprint` identifies the request's business content: a repeat
    /// with another fingerprint is refused with [`StoreError::KeyReused`] rather than answered with another
    /// request's result. A business refusal belongs in the committed result, so that repeats get it too.
    pub async fn claim<T: DeserializeOwned>(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<Claim<T>, StoreError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency (scope, key, fingerprint, result, created_at) VALUES ($1, $2, $3, '', $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(fingerprint)
        .bind(now_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Claim::First(Pending { tx, scope: scope.to_owned(), key: key.to_owned() }));
        }
        let row = sqlx::query("SELECT fingerprint, result FROM idempotency WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.rollback().await?;
        if row.try_get::<String, _>("fingerprint")? != fingerprint {
            return Err(StoreError::KeyReused { scope: scope.to_owned(), key: key.to_owned() });
        }
        let first: String = row.try_get("result")?;
        let value = serde_json::from_str(&first).map_err(|e| StoreError::Corrupt(format!("{scope} {key}: {e}")))?;
        Ok(Claim::Repeat(value))
    }
}
