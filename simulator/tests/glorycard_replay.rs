//! glorycard's replay guard on the store, over SQLite and PostgreSQL: a byte-identical retry of an answered request
//! gets the first answer (never a second effect) after a restart and on another instance sharing the database;
//! the same signature on other bytes, and a stale timestamp, are refused; instances racing on one request let
//! exactly one of them reach the handler.

use hisgate_generated::glorycard::interfaces::{store_all, store_deduct};
use hisgate_generated::glorycard::{self, PLATFORM, dict};
use hisgate_runtime::Interface;
use hisgate_runtime::envelope::{Envelope, Format, Payload};
use hisgate_runtime::schema::{Direction, Side};
use hisgate_runtime::server::{Context, Failure, ServerConfig};
use hisgate_runtime::store::{Sighting, Store};
use hisgate_simulator::Options;
use hisgate_tests::databases;
use hisgate_tests::loopback::{Loopback, credentials, full_response};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A request as it went over the wire, to send again byte for byte.
#[derive(Debug, Clone)]
struct Wire {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// A reply as it came back: a first answer given again is equal to it, signature and timestamp included.
#[derive(Debug, Clone, PartialEq)]
struct Back {
    status: u16,
    sign: String,
    timestamp: String,
    body: String,
}

impl Back {
    fn field(&self, name: &str) -> String {
        let value: Value = serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body));
        value[name].as_str().unwrap_or_default().to_owned()
    }

    fn flag(&self) -> String {
        self.field("responseFlag")
    }

    fn message(&self) -> String {
        self.field("responseMessage")
    }
}

fn timestamp(offset_seconds: i64) -> String {
    let now = hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time());
    (now + chrono::Duration::seconds(offset_seconds)).format("%Y%m%d%H%M%S").to_string()
}

/// `request` sealed as a client sends it at `timestamp`.
fn seal<I: Interface>(request: &I::Request, timestamp: &str) -> Wire {
    let (platform, interface) = I::schema();
    let protocol = platform.protocol.as_ref().unwrap();
    let inputs =
        credentials(platform).with("service", interface.service.to_string()).with("timestamp", timestamp.to_owned());
    let value = hisgate_runtime::Message::to_value(request).unwrap();
    let sealed = Envelope::new(protocol, Direction::Request)
        .seal(Payload { value: &value, schema: Some((platform, interface.request)), root: None }, Format::Json, &inputs)
        .unwrap();
    let path = interface.path.as_deref().unwrap_or_default().to_owned();
    Wire { path, headers: sealed.headers, body: sealed.body }
}

async fn send(server: &Loopback, wire: &Wire) -> Back {
    let mut request = reqwest::Client::new()
        .post(format!("{}{}", server.url, wire.path))
        .header("content-type", "application/json; charset=utf-8");
    for (name, value) in &wire.headers {
        request = request.header(name, value);
    }
    let response = request.body(wire.body.clone()).send().await.expect("the server answers");
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (status, sign, timestamp) = (response.status().as_u16(), header("sign"), header("timestamp"));
    Back { status, sign, timestamp, body: response.text().await.expect("a text reply") }
}

fn deduction(id: &str, total: &str, deducted: &str) -> store_deduct::Request {
    let (cert_no, cert_name) = hisgate_simulator::glorycard::sample_holder(7);
    store_deduct::Request {
        org_code: hisgate_simulator::glorycard::SAMPLE_ORG.into(),
        cert_type: dict::CertType::IdCard,
        cert_no,
        cert_name,
        deduction_id: id.into(),
        total_fee: Decimal::from_str(total).unwrap(),
        deduction_fee: Decimal::from_str(deducted).unwrap(),
        deduction_time: "2021-04-07 15:52:06".into(),
        glory_type: dict::GloryType::Honour,
        deduction_type: dict::DeductionType::OutpatientConsultation,
        remarks: Some("门诊诊查费全免".into()),
    }
}

/// The platform simulator on `store`: one instance of `hisgate serve`.
async fn simulator(store: Store) -> Loopback {
    let options = Options::new(store, credentials(&PLATFORM));
    let simulator = hisgate_simulator::start("glorycard", Side::Platform, options).await.unwrap();
    Loopback::start(simulator.router).await
}

async fn deductions(store: &Store, id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM glorycard_deductions WHERE deduction_id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// The same bytes under the same signature, laid out differently: the signature covers values, not layout.
fn relaid(wire: &Wire) -> Wire {
    let value: Value = serde_json::from_str(&wire.body).unwrap();
    let body = serde_json::to_string_pretty(&value).unwrap();
    assert_ne!(body, wire.body);
    Wire { body, ..wire.clone() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_deduction_gets_the_first_answer_even_after_a_restart() {
    for db in databases::each("replay_restart").await {
        let server = simulator(db.store.clone()).await;
        let wire = seal::<glorycard::interfaces::StoreDeduct>(&deduction("JM-R001", "25.50", "25.50"), &timestamp(0));
        let first = send(&server, &wire).await;
        assert_eq!((first.status, first.flag()), (200, "1".to_owned()), "{}: {first:?}", db.name);
        // A second later, a reply sealed anew would carry another timestamp and signature.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(send(&server, &wire).await, first, "{}: a retry gets the first answer", db.name);
        // A refusal is an answer too, and its retry gets it again.
        let over = seal::<glorycard::interfaces::StoreDeduct>(&deduction("JM-R002", "10.00", "10.01"), &timestamp(0));
        let refused = send(&server, &over).await;
        assert_eq!(refused.flag(), "0", "{}", db.name);
        assert!(refused.message().contains("减免金额"), "{}: {}", db.name, refused.message());

        // `hisgate serve` restarted on the same database (a new process, a new pool), a second later again.
        drop(server);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let store = db.reopen().await.unwrap();
        let server = simulator(store.clone()).await;
        assert_eq!(send(&server, &wire).await, first, "{}: the retry after a restart", db.name);
        assert_eq!(send(&server, &over).await, refused, "{}", db.name);
        assert_eq!(deductions(&store, "JM-R001").await, 1, "{}: the deduction was made once", db.name);
        assert_eq!(deductions(&store, "JM-R002").await, 0, "{}", db.name);

        // The same signature on other bytes is a replay, not a retry.
        let other = send(&server, &relaid(&wire)).await;
        assert_eq!(other.flag(), "0", "{}: {other:?}", db.name);
        assert!(other.message().contains("replay"), "{}: {}", db.name, other.message());
        // A stale timestamp is refused before the guard, restarted or not.
        let stale = seal::<glorycard::interfaces::StoreDeduct>(&deduction("JM-R003", "1.00", "1.00"), &timestamp(-400));
        let answer = send(&server, &stale).await;
        assert_eq!(answer.flag(), "0", "{}: {answer:?}", db.name);
        assert!(answer.message().contains("window"), "{}: {}", db.name, answer.message());
        assert_eq!(deductions(&store, "JM-R003").await, 0, "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_make_a_deduction_once() {
    for db in databases::each("replay_instances").await {
        let second_store = db.reopen().await.unwrap();
        let (one, two) = (simulator(db.store.clone()).await, simulator(second_store).await);
        // Accepted by the first, then sent to the second: the first answer, no second deduction.
        let wire = seal::<glorycard::interfaces::StoreDeduct>(&deduction("JM-I001", "8.00", "8.00"), &timestamp(0));
        let first = send(&one, &wire).await;
        assert_eq!(first.flag(), "1", "{}: {first:?}", db.name);
        // A second later, so that an answer sealed anew would differ from the first.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(send(&two, &wire).await, first, "{}", db.name);
        assert_eq!(deductions(&db.store, "JM-I001").await, 1, "{}", db.name);

        // Sent to both at once, eight times each.
        let wire = seal::<glorycard::interfaces::StoreDeduct>(&deduction("JM-I002", "6.00", "3.00"), &timestamp(0));
        let (one, two) = (Arc::new(one), Arc::new(two));
        let calls: Vec<_> = (0..16)
            .map(|i| {
                let (server, wire) = (if i % 2 == 0 { one.clone() } else { two.clone() }, wire.clone());
                tokio::spawn(async move { send(&server, &wire).await })
            })
            .collect();
        let mut answered = Vec::new();
        for call in calls {
            let back = call.await.unwrap();
            // Each gets the one answer, or — had the first taken longer than the wait — is refused as in flight.
            if back.flag() == "1" {
                answered.push(back);
            } else {
                assert!(back.message().contains("still being answered"), "{}: {back:?}", db.name);
            }
        }
        assert!(!answered.is_empty(), "{}", db.name);
        assert!(answered.iter().all(|b| *b == answered[0]), "{}: one answer for all: {answered:?}", db.name);
        assert_eq!(deductions(&db.store, "JM-I002").await, 1, "{}", db.name);
        db.finish().await;
    }
}

/// A handler that counts its calls and takes a while, so that racing requests find the first in flight.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl glorycard::platform::Handler for Counting {
    async fn store_all(&self, _: store_all::Request, _: Context) -> Result<store_all::Response, Failure> {
        self.0.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(full_response::<glorycard::interfaces::StoreAll>())
    }
}

async fn counted(handler: &Counting, store: Store) -> Loopback {
    let config = ServerConfig { store: Some(store), ..ServerConfig::new(&PLATFORM, credentials(&PLATFORM)) };
    Loopback::start(glorycard::platform::router(handler.clone(), config)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_instances_let_one_request_reach_the_handler() {
    for db in databases::each("replay_race").await {
        let handler = Counting::default();
        let second_store = db.reopen().await.unwrap();
        let servers = Arc::new([counted(&handler, db.store.clone()).await, counted(&handler, second_store).await]);
        let request = store_all::Request { data_id: 0, org_code: "ORG0001".into() };
        let wire = seal::<glorycard::interfaces::StoreAll>(&request, &timestamp(0));
        let calls: Vec<_> = (0..12)
            .map(|i| {
                let (servers, wire) = (servers.clone(), wire.clone());
                tokio::spawn(async move { send(&servers[i % 2], &wire).await })
            })
            .collect();
        let mut backs = Vec::new();
        for call in calls {
            backs.push(call.await.unwrap());
        }
        assert_eq!(handler.0.load(Ordering::SeqCst), 1, "{}: exactly one reached the handler", db.name);
        let answered: Vec<&Back> = backs.iter().filter(|b| b.flag() == "1").collect();
        assert!(!answered.is_empty() && answered.iter().all(|b| **b == *answered[0]), "{}: {backs:?}", db.name);
        // After the restart of both, the same bytes still reach no handler.
        drop(servers);
        let handler_after = Counting::default();
        let server = counted(&handler_after, db.reopen().await.unwrap()).await;
        assert_eq!(send(&server, &wire).await, *answered[0], "{}", db.name);
        assert_eq!(handler_after.0.load(Ordering::SeqCst), 0, "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_signatures_are_swept_in_bounded_batches() {
    for db in databases::each("replay_sweep").await {
        let store = &db.store;
        for i in 0..10 {
            assert_eq!(store.replay_see("s", &format!("k{i}"), "d", i).await.unwrap(), Sighting::First, "{}", db.name);
        }
        assert_eq!(store.replay_see("s", "k7", "d", 7).await.unwrap(), Sighting::InFlight, "{}", db.name);
        assert_eq!(store.replay_see("s", "k7", "e", 7).await.unwrap(), Sighting::Different, "{}", db.name);
        store.replay_answer("s", "k7", "第一次的回答").await.unwrap();
        let answered = Sighting::Answered("第一次的回答".into());
        assert_eq!(store.replay_see("s", "k7", "d", 7).await.unwrap(), answered, "{}", db.name);
        assert_eq!(store.replay_sweep(5, 3).await.unwrap(), 3, "{}", db.name);
        assert_eq!(store.replay_sweep(5, 3).await.unwrap(), 2, "{}", db.name);
        assert_eq!(store.replay_sweep(5, 3).await.unwrap(), 0, "{}", db.name);
        assert_eq!(store.replay_see("s", "k7", "d", 7).await.unwrap(), answered, "{}: not expired", db.name);
        assert_eq!(store.replay_see("s", "k0", "d", 20).await.unwrap(), Sighting::First, "{}: swept", db.name);
        db.finish().await;
    }
}
