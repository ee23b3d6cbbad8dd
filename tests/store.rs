//! The store's guarantees on SQLite and PostgreSQL: an effect runs once per key however its repeats arrive, and
//! the outbox delivers what committed — in order per key, retried, never what rolled back.

use hisgate_runtime::store::outbox::{self, Counts, Courier, Delivery, Message, Outgoing, RetryPolicy};
use hisgate_runtime::store::{Claim, Store, StoreError, Tx};
use hisgate_tests::databases;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn counter_table(store: &Store) {
    sqlx::query("CREATE TABLE effects (key TEXT PRIMARY KEY, n BIGINT NOT NULL)").execute(store.pool()).await.unwrap();
}

/// The effect under test: bumps a row, so running it twice shows.
async fn bump(tx: &mut Tx, key: &str) -> Result<i64, StoreError> {
    sqlx::query("INSERT INTO effects (key, n) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET n = effects.n + 1")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query_scalar("SELECT n FROM effects WHERE key = $1").bind(key).fetch_one(&mut **tx).await?)
}

/// What a call got: the effect's count, and whether it was a repeat.
type Outcome = (i64, bool);

/// Bumps `key` once per (`scope`, `key`); with `fail`, the effect fails after bumping.
async fn once(store: &Store, key: &str, fingerprint: &str, fail: bool) -> Result<Outcome, StoreError> {
    match store.claim::<i64>("Refund", key, fingerprint).await? {
        Claim::Repeat(first) => Ok((first, true)),
        Claim::First(mut pending) => {
            // Held open a moment, so that concurrent repeats really overlap it.
            tokio::time::sleep(Duration::from_millis(10)).await;
            let n = bump(pending.tx(), key).await?;
            if fail {
                return Err(StoreError::Corrupt("the effect failed".into()));
            }
            pending.commit(&n).await?;
            Ok((n, false))
        }
    }
}

async fn effects(store: &Store, key: &str) -> i64 {
    let n = sqlx::query_scalar("SELECT n FROM effects WHERE key = $1").bind(key).fetch_optional(store.pool()).await;
    n.unwrap().unwrap_or(0)
}

#[tokio::test]
async fn an_effect_runs_once_and_repeats_get_the_first_result() {
    for db in databases::each("once").await {
        let store = &db.store;
        counter_table(store).await;
        let first = once(store, "退款-1", "a", false).await.unwrap();
        let again = once(store, "退款-1", "a", false).await.unwrap();
        assert_eq!((first, again), ((1, false), (1, true)), "{}", db.name);
        let other = once(store, "退款-1", "b", false).await;
        assert!(matches!(other, Err(StoreError::KeyReused { .. })), "{}: {other:?}", db.name);
        // A failed effect leaves nothing behind, and the key free for the retry.
        assert!(once(store, "退款-2", "a", true).await.is_err());
        assert_eq!(effects(store, "退款-2").await, 0, "{}", db.name);
        assert_eq!(once(store, "退款-2", "a", false).await.unwrap(), (1, false), "{}", db.name);
        assert_eq!(effects(store, "退款-1").await, 1, "{}", db.name);
        db.finish().await;
    }
}

/// A connection the pool opens later — it retires each after a while — is set up as the first was: on SQLite its
/// settings (foreign keys enforced among them), on PostgreSQL the schema it works in.
#[tokio::test]
async fn a_connection_opened_later_is_set_up_like_the_first() {
    for db in databases::each("reconnect").await {
        let store = &db.store;
        counter_table(store).await;
        for round in ["first", "after the first was closed"] {
            let mut conn = store.pool().acquire().await.unwrap();
            let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM effects").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(seen, 0, "{}: the table, in the {round} connection", db.name);
            if db.name == "sqlite" {
                let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap();
                let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
                assert_eq!((keys, sync), (1, 1), "{}: foreign_keys, synchronous (NORMAL) in the {round}", db.name);
            }
            // Closed for good, not returned: the next acquire opens a new one.
            sqlx::Connection::close(conn.detach()).await.unwrap();
        }
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_on_two_instances_take_effect_once() {
    for db in databases::each("once_concurrent").await {
        counter_table(&db.store).await;
        let second = db.reopen().await.unwrap();
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let store = if i % 2 == 0 { db.store.clone() } else { second.clone() };
                tokio::spawn(async move { once(&store, "退款-7", "same", false).await.unwrap() })
            })
            .collect();
        let mut firsts = 0;
        for task in tasks {
            let (n, repeat) = task.await.unwrap();
            firsts += usize::from(!repeat);
            assert_eq!(n, 1, "{}: every repeat gets the first result", db.name);
        }
        assert_eq!((firsts, effects(&db.store, "退款-7").await), (1, 1), "{}", db.name);
        db.finish().await;
    }
}

fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        first_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(5),
    }
}

async fn push(store: &Store, key: &str, n: i64, commit: bool) {
    let mut tx = store.begin().await.unwrap();
    let message = Outgoing {
        channel: "hospital".into(),
        interface: "NotifyRefund".into(),
        ordering_key: key.into(),
        payload: json!({"n": n, "note": "退款成功 <&>"}),
    };
    outbox::push(&mut tx, &message).await.unwrap();
    if commit { tx.commit().await.unwrap() } else { tx.rollback().await.unwrap() }
}

#[tokio::test]
async fn the_outbox_delivers_what_committed_in_order_per_key_with_retries() {
    for db in databases::each("outbox").await {
        let store = &db.store;
        for n in 1..=3 {
            push(store, "order-A", n, true).await;
        }
        push(store, "order-A", 99, false).await;
        push(store, "order-B", 1, true).await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let send = |message: Message| {
            let seen = seen.clone();
            async move {
                let n = message.payload["n"].as_i64().unwrap();
                seen.lock().unwrap().push((message.ordering_key.clone(), n, message.attempt));
                // order-A's first message fails twice: the receiver is down.
                if message.ordering_key == "order-A" && n == 1 && message.attempt < 3 {
                    Delivery::Retry("connection refused".into())
                } else {
                    Delivery::Delivered(json!({"code": "SUCCESS"}))
                }
            }
        };
        let courier = Courier::new(store.clone(), "hospital", fast_policy(10));
        while outbox::counts(store, "hospital").await.unwrap().pending > 0 {
            courier.deliver_due(&send).await.unwrap();
        }
        let seen = seen.lock().unwrap().clone();
        let order_a: Vec<(i64, u32)> = seen.iter().filter(|(k, ..)| k == "order-A").map(|(_, n, a)| (*n, *a)).collect();
        assert_eq!(
            order_a,
            [(1, 1), (1, 2), (1, 3), (2, 1), (3, 1)],
            "{}: in order, the rolled-back one never",
            db.name
        );
        assert!(seen.iter().any(|(k, n, _)| k == "order-B" && *n == 1));
        let counts = outbox::counts(store, "hospital").await.unwrap();
        assert_eq!(counts, Counts { pending: 0, delivered: 4, dead: 0 }, "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_message_nobody_accepts_is_set_aside_after_the_last_attempt() {
    for db in databases::each("outbox_dead").await {
        let store = &db.store;
        push(store, "order-C", 1, true).await;
        let courier = Courier::new(store.clone(), "hospital", fast_policy(10));
        let attempts = Arc::new(Mutex::new(0));
        let send = |_: Message| {
            let attempts = attempts.clone();
            async move {
                *attempts.lock().unwrap() += 1;
                Delivery::Retry("timed out".into())
            }
        };
        while outbox::counts(store, "hospital").await.unwrap().pending > 0 {
            courier.deliver_due(&send).await.unwrap();
        }
        assert_eq!(*attempts.lock().unwrap(), 10, "{}: ten attempts, then no more", db.name);
        assert_eq!(outbox::counts(store, "hospital").await.unwrap().dead, 1);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_couriers_on_one_database_deliver_each_message_once() {
    for db in databases::each("outbox_two").await {
        for key in 0..20 {
            push(&db.store, &format!("order-{key}"), 1, true).await;
        }
        let second = db.reopen().await.unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let run = |store: Store| {
            let seen = seen.clone();
            tokio::spawn(async move {
                let courier = Courier::new(store.clone(), "hospital", fast_policy(10));
                let send = |message: Message| {
                    let seen = seen.clone();
                    async move {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        seen.lock().unwrap().push(message.ordering_key);
                        Delivery::Delivered(json!({}))
                    }
                };
                while outbox::counts(&store, "hospital").await.unwrap().pending > 0 {
                    courier.deliver_due(&send).await.unwrap();
                }
            })
        };
        let (a, b) = (run(db.store.clone()), run(second));
        a.await.unwrap();
        b.await.unwrap();
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        let before = seen.len();
        seen.dedup();
        assert_eq!((before, seen.len()), (20, 20), "{}: no message twice", db.name);
        db.finish().await;
    }
}

#[tokio::test]
async fn an_attempt_cut_short_counts_and_the_message_is_sent_again_after_its_lease() {
    for db in databases::each("outbox_cut").await {
        let store = &db.store;
        push(store, "order-D", 1, true).await;
        let policy = RetryPolicy { lease: Duration::from_millis(100), ..fast_policy(2) };
        let seen = Arc::new(Mutex::new(Vec::new()));
        // Every courier dies waiting for the answer: its future is dropped mid-call, as a killed process's is.
        let hangs = |message: Message| {
            seen.lock().unwrap().push(message.attempt);
            std::future::pending::<Delivery>()
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while outbox::counts(store, "hospital").await.unwrap().dead == 0 && tokio::time::Instant::now() < deadline {
            let courier = Courier::new(store.clone(), "hospital", policy);
            let sent_before = seen.lock().unwrap().len();
            // Dropped once its call is in flight, never mid-claim: a busy machine must not change what is counted.
            let in_flight = async {
                while seen.lock().unwrap().len() == sent_before {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            };
            tokio::select! {
                _ = courier.deliver_due(&hangs) => {}
                _ = tokio::time::timeout(Duration::from_secs(2), in_flight) => {}
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Sent again once its lease ran out, as the second attempt; cut short again, it is set aside, not resent.
        assert_eq!(*seen.lock().unwrap(), [1, 2], "{}", db.name);
        assert_eq!(outbox::counts(store, "hospital").await.unwrap(), Counts { pending: 0, delivered: 0, dead: 1 });
        db.finish().await;
    }
}
