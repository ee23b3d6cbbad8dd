//! The outbox: a message to another party is written in the transaction of the effect that causes it, and a
//! [`Courier`] delivers it after commit — retried with backoff up to a limit, in order per ordering key, across
//! restarts and instances. Delivery is at least once; the receiver's exactly-once handling makes the effect once.

use super::{Store, StoreError, Tx, now_millis};
use serde_json::Value;
use sqlx::Row;
use std::future::Future;
use std::time::Duration;

/// A message to send later.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Which courier sends it (`shaanxi.hospital`): the party and side it goes to.
    pub channel: String,
    pub interface: String,
    /// Messages with one key are delivered in the order they were written (an order id).
    pub ordering_key: String,
    pub payload: Value,
}

/// A message being delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub channel: String,
    pub interface: String,
    pub ordering_key: String,
    pub seq: i64,
    pub payload: Value,
    /// 1 on the first attempt.
    pub attempt: u32,
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The receiver answered; its reply is kept.
    Delivered(Value),
    /// No answer, or one worth retrying (a timeout, a refused connection, a system error).
    Retry(String),
    /// An answer that no retry will change: the message is set aside as dead.
    Reject(String),
}

/// How hard a courier tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The pause after the first failure; it doubles after each further one, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// How long a claimed message stays claimed: a courier that dies mid-delivery releases it this late.
    pub lease: Duration,
    /// How often the courier looks for due messages.
    pub poll: Duration,
}

impl Default for RetryPolicy {
    /// Ten attempts from one second up to five minutes apart.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(250),
        }
    }
}

impl RetryPolicy {
    /// The pause after `failures` failed attempts.
    pub fn delay(&self, failures: u32) -> Duration {
        let doubled = self.first_delay.saturating_mul(1 << failures.saturating_sub(1).min(20));
        doubled.min(self.max_delay)
    }
}

/// Writes `message` in the transaction `tx`: it is sent only if that transaction commits.
pub async fn push(tx: &mut Tx, message: &Outgoing) -> Result<i64, StoreError> {
    // The caller holds the ordering key's business row, so its sequence cannot race; the unique key guards it anyway.
    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox WHERE ordering_key = $1")
        .bind(&message.ordering_key)
        .fetch_one(&mut **tx)
        .await?;
    let now = now_millis();
    sqlx::query(
        "INSERT INTO outbox (id, channel, interface, ordering_key, seq, payload, state, attempts, due_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
    )
    .bind(format!("{}#{seq}", message.ordering_key))
    .bind(&message.channel)
    .bind(&message.interface)
    .bind(&message.ordering_key)
    .bind(seq)
    .bind(message.payload.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(seq)
}

/// How many messages of a channel are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: i64,
    pub delivered: i64,
    pub dead: i64,
}

pub async fn counts(store: &Store, channel: &str) -> Result<Counts, StoreError> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM outbox WHERE channel = $1 GROUP BY state")
        .bind(channel)
        .fetch_all(store.pool())
        .await?;
    let mut counts = Counts::default();
    for row in rows {
        let n: i64 = row.try_get("n")?;
        match row.try_get::<String, _>("state")?.as_str() {
            "pending" => counts.pending = n,
            "delivered" => counts.delivered = n,
            _ => counts.dead = n,
        }
    }
    Ok(counts)
}

/// The messages still to deliver, over every channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pending {
    pub count: i64,
    /// How long the oldest of them has waited; zero when there is none.
    pub oldest_age: Duration,
}

pub async fn pending(store: &Store) -> Result<Pending, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox WHERE state = 'pending'")
        .fetch_one(store.pool())
        .await?;
    let count: i64 = row.try_get("pending")?;
    let oldest: Option<i64> = row.try_get("oldest")?;
    let age = oldest.map_or(0, |at| (now_millis() - at).max(0));
    Ok(Pending { count, oldest_age: Duration::from_millis(age as u64) })
}

/// Delivers one channel's messages.
#[derive(Debug, Clone)]
pub struct Courier {
    store: Store,
    channel: String,
    policy: RetryPolicy,
    /// Marks this courier's claims, so a late finisher cannot overwrite another's.
    owner: String,
}

impl Courier {
    pub fn new(store: Store, channel: impl Into<String>, policy: RetryPolicy) -> Courier {
        let owner = format!("{}-{}-{}", std::process::id(), now_millis(), rand_suffix());
        Courier { store, channel: channel.into(), policy, owner }
    }

    /// Delivers due messages for ever, polling; run it in its own task.
    pub async fn run<F, Fut>(self, send: F)
    where
        F: Fn(Message) -> Fut,
        Fut: Future<Output = Delivery>,
    {
        self.run_until(send, std::future::pending()).await
    }

    /// Delivers due messages until `stop` resolves. A call in flight then is cut off and its lease released, so
    /// that the next courier (a restart, another instance) sends it again at once instead of a lease later; the
    /// attempt still counts, as the receiver may have seen it.
    pub async fn run_until<F, Fut>(self, send: F, stop: impl Future<Output = ()>)
    where
        F: Fn(Message) -> Fut,
        Fut: Future<Output = Delivery>,
    {
        tokio::pin!(stop);
        loop {
            let pass = tokio::select! {
                () = &mut stop => break,
                pass = self.deliver_due(&send) => pass,
            };
            let pause = match pass {
                Ok(0) => self.policy.poll,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(channel = %self.channel, error = %e, "outbox");
                    self.policy.poll
                }
            };
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
        match self.release().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(channel = %self.channel, released = n, "outbox: leases released on stop"),
            Err(e) => tracing::warn!(channel = %self.channel, error = %e, "outbox: cannot release leases on stop"),
        }
    }

    /// Gives up this courier's leases: their messages are due again now.
    pub async fn release(&self) -> Result<u64, StoreError> {
        let released = sqlx::query(
            "UPDATE outbox SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = $1 AND state = 'pending'",
        )
        .bind(&self.owner)
        .execute(self.store.pool())
        .await?
        .rows_affected();
        Ok(released)
    }

    /// One pass: claims the messages due now (the first pending one of each ordering key) and delivers them.
    /// Returns how many it attempted.
    pub async fn deliver_due<F, Fut>(&self, send: &F) -> Result<usize, StoreError>
    where
        F: Fn(Message) -> Fut,
        Fut: Future<Output = Delivery>,
    {
        let now = now_millis();
        let due = sqlx::query(
            "SELECT ordering_key, seq FROM outbox o \
             WHERE channel = $1 AND state = 'pending' AND due_at <= $2 AND (lease_until IS NULL OR lease_until < $2) \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key AND p.seq < o.seq \
                             AND p.state = 'pending') \
             ORDER BY due_at, seq LIMIT 64",
        )
        .bind(&self.channel)
        .bind(now)
        .fetch_all(self.store.pool())
        .await?;
        let mut attempted = 0;
        for row in due {
            let (key, seq): (String, i64) = (row.try_get("ordering_key")?, row.try_get("seq")?);
            let Some(message) = self.claim(&key, seq).await? else { continue };
            attempted += 1;
            // Past the limit only when the last attempts were cut short (a crash mid-call): not sent again.
            let outcome = match message.attempt > self.policy.max_attempts {
                true => Delivery::Reject(format!("{} attempts, the last cut short", message.attempt - 1)),
                false => send(message.clone()).await,
            };
            self.settle(&message, outcome).await?;
        }
        Ok(attempted)
    }

    /// Takes the lease on one message, unless another courier holds it, and counts the attempt it starts: an
    /// attempt cut short by a crash, which never settles, counts too.
    async fn claim(&self, key: &str, seq: i64) -> Result<Option<Message>, StoreError> {
        let now = now_millis();
        let lease_until = now + self.policy.lease.as_millis() as i64;
        let row = sqlx::query(
            "UPDATE outbox SET lease_until = $3, lease_owner = $4, attempts = attempts + 1 \
             WHERE ordering_key = $1 AND seq = $2 AND state = 'pending' AND (lease_until IS NULL OR lease_until < $5) \
             RETURNING channel, interface, payload, attempts",
        )
        .bind(key)
        .bind(seq)
        .bind(lease_until)
        .bind(&self.owner)
        .bind(now)
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let payload: String = row.try_get("payload")?;
        let attempts: i32 = row.try_get("attempts")?;
        Ok(Some(Message {
            channel: row.try_get("channel")?,
            interface: row.try_get("interface")?,
            ordering_key: key.to_owned(),
            seq,
            payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            attempt: attempts as u32,
        }))
    }

    async fn settle(&self, message: &Message, outcome: Delivery) -> Result<(), StoreError> {
        let now = now_millis();
        let attempts = message.attempt as i32;
        let (state, due, error, reply) = match outcome {
            Delivery::Delivered(reply) => ("delivered", now, None, Some(reply.to_string())),
            Delivery::Reject(reason) => ("dead", now, Some(reason), None),
            Delivery::Retry(reason) if message.attempt >= self.policy.max_attempts => ("dead", now, Some(reason), None),
            Delivery::Retry(reason) => {
                let pause = self.policy.delay(message.attempt).as_millis() as i64;
                ("pending", now + pause, Some(reason), None)
            }
        };
        tracing::info!(
            channel = %message.channel, interface = %message.interface, key = %message.ordering_key,
            attempt = message.attempt, state, error = error.as_deref().unwrap_or(""), "outbox delivery"
        );
        sqlx::query(
            "UPDATE outbox SET state = $3, attempts = $4, due_at = $5, last_error = $6, reply = $7, \
             delivered_at = CASE WHEN $3 = 'delivered' THEN $5 ELSE NULL END, lease_until = NULL, lease_owner = NULL \
             WHERE ordering_key = $1 AND seq = $2 AND lease_owner = $8",
        )
        .bind(&message.ordering_key)
        .bind(message.seq)
        .bind(state)
        .bind(attempts)
        .bind(due)
        .bind(error)
        .bind(reply)
        .bind(&self.owner)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }
}

/// A few bits that tell two couriers started in the same millisecond apart.
fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::thread::current().id())
}
