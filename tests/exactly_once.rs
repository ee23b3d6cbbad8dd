//! Exactly once from the spec, for a user's own handler behind the generated server: shaanxi's Pay declares
//! `idempotency: { key: [tradeId], reused: REPEAT_TRANSACTION }`, and a server given a store (SQLite, PostgreSQL)
//! claims the trade id before the handler runs. Repeats — sequential, concurrent, over another binding — get the
//! first answer without reaching the handler; the effect written in the claim's transaction commits once; a handler
//! failure frees the key for the retry; the id with another request is refused with the declared code.

use hisgate_generated::shaanxi::{self, interfaces::Pay, interfaces::pay};
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::Store;
use hisgate_tests::databases;
use hisgate_tests::loopback::{Loopback, client_config, full_request, full_response, server_config};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The user's handler: counts its calls, fails the first one if told to, and records each payment it takes.
struct Cashier {
    calls: Arc<AtomicUsize>,
    fail_next: Arc<AtomicBool>,
}

impl shaanxi::hospital::Handler for Cashier {
    async fn pay(&self, request: pay::Request, context: Context) -> Result<pay::Response, Failure> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let mut tx = context.effects.tx().await.ok_or_else(|| Failure::internal("Pay is not claimed"))?;
        sqlx::query("INSERT INTO cashier_payments (trade_id, amount) VALUES ($1, $2)")
            .bind(&request.trade_id)
            .bind(request.real_fee.to_string())
            .execute(&mut **tx)
            .await
            .map_err(Failure::internal)?;
        // Held a moment, so that concurrent repeats really overlap the first.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(Failure::internal("the cash drawer jammed"));
        }
        Ok(pay::Response { hospital_trade_id: format!("H{n}"), ..full_response::<Pay>() })
    }
}

async fn payments(store: &Store, trade_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM cashier_payments WHERE trade_id = $1")
        .bind(trade_id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_users_handler_takes_effect_once_per_declared_key() {
    for db in databases::each("exactly_once").await {
        let store = db.store.clone();
        sqlx::query("CREATE TABLE cashier_payments (trade_id TEXT NOT NULL, amount TEXT NOT NULL)")
            .execute(store.pool())
            .await
            .unwrap();
        let (calls, fail_next) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(true)));
        let mut config = server_config(&shaanxi::PLATFORM);
        config.store = Some(store.clone());
        let handler = Cashier { calls: calls.clone(), fail_next: fail_next.clone() };
        let server = Loopback::start(shaanxi::hospital::router(handler, config)).await;
        let client = |binding| shaanxi::hospital::Client::new(&server.url, client_config(&shaanxi::PLATFORM, binding));
        let xml = client("xml").unwrap();
        let request = pay::Request { trade_id: "交易-0001".into(), ..full_request::<Pay>() };

        // A failure records nothing and rolls the effect back: the retry reaches the handler afresh.
        let failed = xml.pay(&request).await.unwrap();
        assert_eq!(failed.code, "SYSTEM_ERROR", "{}", db.name);
        assert_eq!(payments(&store, "交易-0001").await, 0, "{}", db.name);
        let first = xml.pay(&request).await.unwrap();
        assert!(first.success, "{}: {}", db.name, first.message);
        assert_eq!(first.response.as_ref().unwrap().hospital_trade_id, "H2");
        // Repeats, as XML and as JSON, get the first answer; the handler is not called again.
        let again = xml.pay(&request).await.unwrap();
        let as_json = client("json").unwrap().pay(&request).await.unwrap();
        assert_eq!((&again.response, &as_json.response), (&first.response, &first.response), "{}", db.name);
        assert_eq!(calls.load(Ordering::SeqCst), 2, "{}", db.name);
        assert_eq!(payments(&store, "交易-0001").await, 1, "{}", db.name);

        // Concurrent repeats of a new key: one effect, one answer for all.
        let concurrent = pay::Request { trade_id: "交易-0002".into(), ..full_request::<Pay>() };
        let mut replies = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let (xml, concurrent) = (xml.clone(), concurrent.clone());
            replies.spawn(async move { xml.pay(&concurrent).await.unwrap().response.unwrap().hospital_trade_id });
        }
        let answers: Vec<String> = replies.join_all().await;
        assert!(answers.iter().all(|a| *a == answers[0]), "{}: {answers:?}", db.name);
        assert_eq!(calls.load(Ordering::SeqCst), 3, "{}", db.name);
        assert_eq!(payments(&store, "交易-0002").await, 1, "{}", db.name);

        // The trade id with another request: refused with the declared code, naming the key.
        let other = pay::Request { pay_time: "2026-12-05 10:00:00".into(), ..request.clone() };
        assert_ne!(other, request);
        let reused = xml.pay(&other).await.unwrap();
        assert_eq!(reused.code, "REPEAT_TRANSACTION", "{}", db.name);
        assert!(reused.message.contains("交易-0001"), "{}: {}", db.name, reused.message);
        assert_eq!(calls.load(Ordering::SeqCst), 3, "{}", db.name);
        drop(server);
        db.finish().await;
    }
}
