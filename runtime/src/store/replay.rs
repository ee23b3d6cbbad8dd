//! Signatures seen within a freshness window, kept in the store so that a replay is caught after a restart and
//! across instances sharing one database. The row's primary key (scope, key) decides races: of several instances
//! inserting one signature at once exactly one inserts it, the others find it taken. The first request's sealed
//! reply is stored on its row when it is answered, so that a byte-identical retry gets that answer again.

use super::{Backend, Store, StoreError};
use sqlx::Row;

/// What looking a signature up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sighting {
    /// Not seen before: it is now this request's, to [`Store::replay_answer`] or [`Store::replay_release`].
    First,
    /// Seen and answered: the first request's reply, as it was stored.
    Answered(String),
    /// Seen, and that request is still being answered.
    InFlight,
    /// Seen on a request with other bytes.
    Different,
}

/// Attempts at inserting before a key that keeps vanishing (released, swept) is reported as in flight.
const ATTEMPTS: usize = 3;

impl Store {
    /// Records (`scope`, `key`) for a request whose bytes hash to `digest`, kept until `expires_at` (milliseconds
    /// since the epoch), or says what the key's earlier request came to.
    pub async fn replay_see(
        &self,
        scope: &str,
        key: &str,
        digest: &str,
        expires_at: i64,
    ) -> Result<Sighting, StoreError> {
        for _ in 0..ATTEMPTS {
            let inserted = sqlx::query(
                "INSERT INTO replay (scope, key, digest, reply, expires_at) VALUES ($1, $2, $3, NULL, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(scope)
            .bind(key)
            .bind(digest)
            .bind(expires_at)
            .execute(self.pool())
            .await?
            .rows_affected();
            if inserted == 1 {
                return Ok(Sighting::First);
            }
            let row = sqlx::query("SELECT digest, reply FROM replay WHERE scope = $1 AND key = $2")
                .bind(scope)
                .bind(key)
                .fetch_optional(self.pool())
                .await?;
            // Gone between the two statements (released by a failed first request, or swept): try again.
            let Some(row) = row else { continue };
            if row.try_get::<String, _>("digest")? != digest {
                return Ok(Sighting::Different);
            }
            return Ok(match row.try_get::<Option<String>, _>("reply")? {
                Some(reply) => Sighting::Answered(reply),
                None => Sighting::InFlight,
            });
        }
        Ok(Sighting::InFlight)
    }

    /// Stores the reply a first request was answered with.
    pub async fn replay_answer(&self, scope: &str, key: &str, reply: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE replay SET reply = $3 WHERE scope = $1 AND key = $2 AND reply IS NULL")
            .bind(scope)
            .bind(key)
            .bind(reply)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Forgets a key whose request was not answered (the server failed, or the caller went away): a retry of it is
    /// handled afresh.
    pub async fn replay_release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM replay WHERE scope = $1 AND key = $2 AND reply IS NULL")
            .bind(scope)
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Deletes at most `limit` rows that expired before `now`, oldest first, through the expiry index: bounded
    /// work whatever the table holds. Returns how many went.
    pub async fn replay_sweep(&self, now: i64, limit: i64) -> Result<u64, StoreError> {
        // On PostgreSQL, instances sweeping at once skip each other's rows instead of queueing on them.
        let lock = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let statement = format!(
            "DELETE FROM replay WHERE (scope, key) IN \
             (SELECT scope, key FROM replay WHERE expires_at < $1 ORDER BY expires_at LIMIT $2{lock})"
        );
        Ok(sqlx::query(&statement).bind(now).bind(limit).execute(self.pool()).await?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> Store {
        // One connection keeps the in-memory database for the test's length.
        Store::open("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn a_key_is_first_once_then_in_flight_then_answered() {
        let store = store().await;
        assert_eq!(store.replay_see("s", "k", "d", 10).await.unwrap(), Sighting::First);
        assert_eq!(store.replay_see("s", "k", "d", 10).await.unwrap(), Sighting::InFlight);
        assert_eq!(store.replay_see("s", "k", "other", 10).await.unwrap(), Sighting::Different);
        // Another scope is another server.
        assert_eq!(store.replay_see("t", "k", "d", 10).await.unwrap(), Sighting::First);
        store.replay_answer("s", "k", "受理成功").await.unwrap();
        assert_eq!(store.replay_see("s", "k", "d", 10).await.unwrap(), Sighting::Answered("受理成功".into()));
        // An answered key is not released.
        store.replay_release("s", "k").await.unwrap();
        assert_eq!(store.replay_see("s", "k", "d", 10).await.unwrap(), Sighting::Answered("受理成功".into()));
        store.replay_release("t", "k").await.unwrap();
        assert_eq!(store.replay_see("t", "k", "d", 10).await.unwrap(), Sighting::First);
    }

    #[tokio::test]
    async fn the_sweep_deletes_expired_rows_a_bounded_batch_at_a_time() {
        let store = store().await;
        for i in 0..10 {
            store.replay_see("s", &i.to_string(), "d", i).await.unwrap();
        }
        assert_eq!(store.replay_sweep(5, 3).await.unwrap(), 3);
        assert_eq!(store.replay_sweep(5, 3).await.unwrap(), 2);
        assert_eq!(store.replay_sweep(5, 3).await.unwrap(), 0);
        // The unexpired ones remain, and still count as seen.
        assert_eq!(store.replay_see("s", "7", "d", 7).await.unwrap(), Sighting::InFlight);
        assert_eq!(store.replay_see("s", "4", "d", 20).await.unwrap(), Sighting::First);
    }
}
