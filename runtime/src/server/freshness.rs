//! Stale and replayed requests: a timestamp must fall within a window of the server's clock, and a signature is
//! accepted once within that window. A byte-identical retry of a request that was answered (a client that timed
//! out and sent the same bytes again) gets the first answer again, without reaching the handler: the replay guard
//! then agrees with a handler's exactly-once effects instead of refusing what the handler would have answered.
//!
//! The signatures seen are kept in the server's [`Store`] when it has one (across restarts, and shared by the
//! instances on one database), otherwise in this process's memory.

use super::inbound::Request;
use crate::schema::{Place, ProtocolSchema};
use crate::store::{Sighting, Store, StoreError, now_millis};
use crate::transport::HttpReply;
use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Signatures seen within the window, forgotten once it has passed.
#[derive(Debug)]
pub struct ReplayGuard {
    window: Duration,
    kept: Arc<Kept>,
}

/// Where the signatures are kept.
#[derive(Debug)]
enum Kept {
    Memory(Mutex<Memory>),
    Store { store: Store, scope: String, admitted: AtomicU64 },
}

#[derive(Debug)]
struct Memory {
    entries: HashMap<String, Entry>,
    /// The size at which expired entries are next swept out: twice what the last sweep kept, so that a busy window
    /// costs a sweep per doubling, not one per request.
    sweep_at: usize,
    /// The bytes of the replies kept, within `budget` ([`MEMORY_REPLY_BYTES`]).
    reply_bytes: usize,
    budget: usize,
}

#[derive(Debug)]
struct Entry {
    until: NaiveDateTime,
    digest: String,
    reply: Reply,
}

#[derive(Debug)]
enum Reply {
    InFlight,
    Kept(HttpReply),
    /// Answered when the replies kept had reached their budget: a retry is refused as a replay.
    NotKept,
}

/// What the guard found for a signature (the store's [`Sighting`], with the reply read).
enum Seen {
    First,
    Answered(HttpReply),
    InFlight,
    Different,
}

/// What a request's signature came to.
#[derive(Debug)]
pub enum Admission {
    /// Not seen: handle the request, then settle the ticket with its reply.
    First(Ticket),
    /// A byte-identical retry of an answered request: its first reply, to send again.
    Repeat(HttpReply),
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    OutsideWindow {
        sent: NaiveDateTime,
        now: NaiveDateTime,
    },
    /// The signature was accepted within the window for other bytes, or its first answer is not kept.
    Replayed,
    /// The first request with this signature is still being answered.
    InFlight,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::OutsideWindow { sent, now } => write!(f, "timestamp {sent} is outside the window around {now}"),
            Stale::Replayed => f.write_str("this signature was already accepted within the window (a replay)"),
            Stale::InFlight => {
                f.write_str("the first request with this signature is still being answered (a replay); repeat it later")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdmitError {
    #[error("{0}")]
    Stale(Stale),
    #[error("the replay guard's store: {0}")]
    Store(#[from] StoreError),
}

impl From<Stale> for AdmitError {
    fn from(stale: Stale) -> AdmitError {
        AdmitError::Stale(stale)
    }
}

/// Entries kept in memory before expired ones are first swept out.
const SWEEP_AT: usize = 4096;
/// The replies an in-memory guard keeps for retries, in bytes: past it, a retry is refused as a replay.
const MEMORY_REPLY_BYTES: usize = 64 << 20;
/// A store sweeps expired rows at every this many admissions, at most [`SWEEP_ROWS`] of them: bounded work per
/// request, and twice the rate rows are added at, so the table never holds much more than a window's worth.
const SWEEP_EVERY: u64 = 16;
const SWEEP_ROWS: i64 = 32;
/// Rows outlive their window by this much, so that instances whose clocks differ by less agree on them.
const CLOCK_MARGIN_MILLIS: i64 = 60_000;
/// How long a retry waits for the first request with its signature to be answered before it is refused.
const IN_FLIGHT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl ReplayGuard {
    /// A guard in this process's memory: for servers without a store (tests, the bare generated router).
    pub fn in_memory(window: std::time::Duration) -> ReplayGuard {
        let memory = Memory { entries: HashMap::new(), sweep_at: SWEEP_AT, reply_bytes: 0, budget: MEMORY_REPLY_BYTES };
        ReplayGuard { window: to_duration(window), kept: Arc::new(Kept::Memory(Mutex::new(memory))) }
    }

    /// A guard in `store`, under `scope` (one per server: a platform's side).
    pub fn in_store(window: std::time::Duration, store: Store, scope: String) -> ReplayGuard {
        let kept = Kept::Store { store, scope, admitted: AtomicU64::new(0) };
        ReplayGuard { window: to_duration(window), kept: Arc::new(kept) }
    }

    /// In `store` where there is one, else in memory.
    pub fn new(window: std::time::Duration, store: Option<Store>, scope: String) -> ReplayGuard {
        match store {
            Some(store) => ReplayGuard::in_store(window, store, scope),
            None => ReplayGuard::in_memory(window),
        }
    }

    /// Admits a request sent at `sent` carrying `signature`, whose bytes hash to `digest` ([`request_digest`]):
    /// the first time, a ticket; a byte-identical retry of an answered request, its reply; otherwise why not.
    /// While the first request is in flight, a retry waits for it a little.
    pub async fn admit(
        &self,
        sent: NaiveDateTime,
        now: NaiveDateTime,
        signature: &str,
        digest: &str,
    ) -> Result<Admission, AdmitError> {
        if (now - sent).abs() > self.window {
            return Err(Stale::OutsideWindow { sent, now }.into());
        }
        let key = hex_sha256(signature.as_bytes());
        // Kept until a request sent at `sent` falls out of the window, so no replay of it passes the time check.
        let until = sent + self.window;
        let waited = tokio::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(5);
        loop {
            let seen = match &*self.kept {
                Kept::Memory(memory) => see_in_memory(memory, &key, digest, until, now),
                Kept::Store { store, scope, admitted } => {
                    let expires_at = now_millis() + (until - now).num_milliseconds().max(0) + CLOCK_MARGIN_MILLIS;
                    let seen = store.replay_see(scope, &key, digest, expires_at).await?;
                    if admitted.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == 0 {
                        sweep(store).await;
                    }
                    match seen {
                        Sighting::First => Seen::First,
                        Sighting::Answered(text) => Seen::Answered(decode(&text)?),
                        Sighting::InFlight => Seen::InFlight,
                        Sighting::Different => Seen::Different,
                    }
                }
            };
            match seen {
                Seen::First => {
                    return Ok(Admission::First(Ticket { kept: self.kept.clone(), key, settled: false }));
                }
                Seen::Answered(reply) => return Ok(Admission::Repeat(reply)),
                Seen::Different => return Err(Stale::Replayed.into()),
                Seen::InFlight if waited.elapsed() + pause > IN_FLIGHT_WAIT => {
                    return Err(Stale::InFlight.into());
                }
                Seen::InFlight => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_millis(100));
                }
            }
        }
    }
}

/// A first request's claim on its signature. Settled with the reply it was answered with; dropped unsettled (the
/// server failed, or the caller went away and the request was cancelled), the signature is released, so that a
/// retry is handled afresh — the handler's own exactly-once effects then answer it.
#[derive(Debug)]
pub struct Ticket {
    kept: Arc<Kept>,
    key: String,
    settled: bool,
}

impl Ticket {
    /// Keeps `reply` for byte-identical retries; a reply that is not a sealed answer (an HTTP error) releases the
    /// signature instead.
    pub async fn answered(mut self, reply: &HttpReply) {
        if reply.status != 200 {
            return self.release().await;
        }
        match &*self.kept {
            Kept::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let size = size_of(reply);
                let fits = memory.reply_bytes + size <= memory.budget;
                if fits {
                    memory.reply_bytes += size;
                }
                if let Some(entry) = memory.entries.get_mut(&self.key) {
                    entry.reply = if fits { Reply::Kept(reply.clone()) } else { Reply::NotKept };
                }
            }
            Kept::Store { store, scope, .. } => {
                if let Err(e) = store.replay_answer(scope, &self.key, &encode(reply)).await {
                    tracing::error!(error = %e, "cannot keep a reply for retries; they are refused as in flight");
                }
            }
        }
        self.settled = true;
    }

    /// Forgets the signature: the request was not answered.
    pub async fn release(mut self) {
        if let Kept::Store { store, scope, .. } = &*self.kept {
            release_in_store(store, scope, &self.key).await;
            self.settled = true;
        }
        // In memory, `drop` releases.
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        match &*self.kept {
            Kept::Memory(memory) => {
                let mut memory = memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if memory.entries.get(&self.key).is_some_and(|e| matches!(e.reply, Reply::InFlight)) {
                    memory.entries.remove(&self.key);
                }
            }
            Kept::Store { store, scope, .. } => {
                let (store, scope, key) = (store.clone(), scope.clone(), std::mem::take(&mut self.key));
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move { release_in_store(&store, &scope, &key).await });
                }
            }
        }
    }
}

async fn release_in_store(store: &Store, scope: &str, key: &str) {
    if let Err(e) = store.replay_release(scope, key).await {
        tracing::error!(error = %e, "cannot release a signature; its retries are refused until it expires");
    }
}

fn see_in_memory(memory: &Mutex<Memory>, key: &str, digest: &str, until: NaiveDateTime, now: NaiveDateTime) -> Seen {
    let mut memory = memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if memory.entries.len() >= memory.sweep_at {
        let mut freed = 0;
        memory.entries.retain(|_, entry| {
            let keep = entry.until >= now;
            if let (false, Reply::Kept(reply)) = (keep, &entry.reply) {
                freed += size_of(reply);
            }
            keep
        });
        memory.reply_bytes -= freed;
        memory.sweep_at = (2 * memory.entries.len()).max(SWEEP_AT);
    }
    match memory.entries.get(key) {
        None => {
            memory.entries.insert(key.to_owned(), Entry { until, digest: digest.to_owned(), reply: Reply::InFlight });
            Seen::First
        }
        Some(entry) if entry.digest != digest => Seen::Different,
        Some(entry) => match &entry.reply {
            Reply::InFlight => Seen::InFlight,
            Reply::Kept(reply) => Seen::Answered(reply.clone()),
            Reply::NotKept => Seen::Different,
        },
    }
}

/// Sweeps a bounded batch of expired rows; a failure is logged, never the request's.
async fn sweep(store: &Store) {
    if let Err(e) = store.replay_sweep(now_millis(), SWEEP_ROWS).await {
        tracing::warn!(error = %e, "cannot sweep expired signatures");
    }
}

/// What identifies a request's bytes: its interface, query, envelope headers and body. Two requests under one
/// signature with different digests are different requests (a replay), not a retry.
pub(super) fn request_digest(protocol: &ProtocolSchema, interface: &str, request: &Request<'_>) -> String {
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    };
    part(interface.as_bytes());
    part(request.query.unwrap_or_default().as_bytes());
    for field in protocol.request.fields.iter().filter(|f| f.place == Place::Header) {
        let value = request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(&field.name)).map(|(_, v)| v);
        part(value.map_or(&[][..], |v| v.as_bytes()));
    }
    part(request.body);
    base16ct::lower::encode_string(&hash.finalize())
}

fn size_of(reply: &HttpReply) -> usize {
    reply.body.len() + reply.headers.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
}

fn hex_sha256(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(&Sha256::digest(bytes))
}

/// A reply as the store keeps it.
fn encode(reply: &HttpReply) -> String {
    serde_json::json!({ "status": reply.status, "headers": reply.headers, "body": reply.body }).to_string()
}

fn decode(text: &str) -> Result<HttpReply, StoreError> {
    #[derive(serde::Deserialize)]
    struct Stored {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    }
    let stored: Stored = serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("a kept reply: {e}")))?;
    Ok(HttpReply { status: stored.status, headers: stored.headers, body: stored.body })
}

fn to_duration(window: std::time::Duration) -> Duration {
    Duration::from_std(window).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").unwrap()
    }

    fn reply(body: &str) -> HttpReply {
        HttpReply { status: 200, headers: vec![("sign".into(), "abc".into())], body: body.into() }
    }

    async fn first(guard: &ReplayGuard, sent: NaiveDateTime, now: NaiveDateTime, signature: &str) -> Ticket {
        match guard.admit(sent, now, signature, "digest").await {
            Ok(Admission::First(ticket)) => ticket,
            other => panic!("{signature}: {other:?}"),
        }
    }

    fn refusal(result: Result<Admission, AdmitError>) -> Stale {
        match result {
            Err(AdmitError::Stale(stale)) => stale,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn refuses_stale_requests_and_answers_retries_with_the_first_reply() {
        let guard = ReplayGuard::in_memory(std::time::Duration::from_secs(300));
        let (sent, now) = (at("20210407155206"), at("20210407155606"));
        first(&guard, sent, now, "a").await.answered(&reply("{\"responseFlag\":\"1\"}")).await;
        match guard.admit(sent, now, "a", "digest").await {
            Ok(Admission::Repeat(again)) => assert_eq!(again, reply("{\"responseFlag\":\"1\"}")),
            other => panic!("{other:?}"),
        }
        assert_eq!(refusal(guard.admit(sent, now, "a", "other bytes").await), Stale::Replayed);
        first(&guard, sent, now, "b").await.answered(&reply("{}")).await;
        assert!(matches!(refusal(guard.admit(at("20210407154000"), now, "c", "d").await), Stale::OutsideWindow { .. }));
        assert!(matches!(refusal(guard.admit(at("20210407161000"), now, "d", "d").await), Stale::OutsideWindow { .. }));
    }

    #[tokio::test]
    async fn a_retry_waits_for_the_first_then_is_refused_as_in_flight() {
        let guard = ReplayGuard::in_memory(std::time::Duration::from_secs(300));
        let now = at("20210407155606");
        let ticket = first(&guard, now, now, "a").await;
        let started = std::time::Instant::now();
        assert_eq!(refusal(guard.admit(now, now, "a", "digest").await), Stale::InFlight);
        assert!(started.elapsed() >= IN_FLIGHT_WAIT - std::time::Duration::from_millis(200));
        // Unsettled, the signature is released: a failed or cancelled request leaves no trace.
        drop(ticket);
        let ticket = first(&guard, now, now, "a").await;
        // A 500 is not an answer to keep.
        ticket.answered(&HttpReply { status: 500, headers: Vec::new(), body: "down".into() }).await;
        first(&guard, now, now, "a").await.answered(&reply("第二次")).await;
        assert!(matches!(guard.admit(now, now, "a", "digest").await, Ok(Admission::Repeat(r)) if r.body == "第二次"));
    }

    #[tokio::test]
    async fn in_a_store_a_cancelled_request_releases_its_signature_and_an_answered_one_keeps_its_reply() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let guard =
            ReplayGuard::in_store(std::time::Duration::from_secs(300), store.clone(), "glorycard.platform".into());
        let now = crate::clock::now(crate::clock::china_standard_time());
        // Dropped unsettled (the caller went away): released in the background.
        drop(first(&guard, now, now, "a").await);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let ticket = loop {
            match guard.admit(now, now, "a", "digest").await {
                Ok(Admission::First(ticket)) => break ticket,
                other if std::time::Instant::now() > deadline => panic!("never released: {other:?}"),
                _ => {}
            }
        };
        ticket.answered(&reply("第一次")).await;
        // Another guard on the store (a restart, another instance) answers the retry with it.
        let again = ReplayGuard::in_store(std::time::Duration::from_secs(300), store, "glorycard.platform".into());
        assert!(matches!(again.admit(now, now, "a", "digest").await, Ok(Admission::Repeat(r)) if r == reply("第一次")));
        assert_eq!(refusal(again.admit(now, now, "a", "other").await), Stale::Replayed);
    }

    #[tokio::test]
    async fn a_busy_window_sweeps_once_per_doubling_and_still_refuses_replays() {
        let guard = ReplayGuard::in_memory(std::time::Duration::from_secs(300));
        let Kept::Memory(memory) = &*guard.kept else { unreachable!() };
        let now = at("20210407155606");
        for i in 0..3 * SWEEP_AT {
            first(&guard, now, now, &i.to_string()).await.answered(&reply("")).await;
        }
        // Nothing had expired: the sweep at 4096 kept all and moved the next to 8192, that one to 16384.
        assert_eq!(memory.lock().unwrap().sweep_at, 4 * SWEEP_AT);
        assert_eq!(refusal(guard.admit(now, now, "0", "another request").await), Stale::Replayed);
        // Once the window has passed, the next sweep (at 16384) forgets them.
        let later = now + Duration::seconds(301);
        for i in 0..=SWEEP_AT {
            first(&guard, later, later, &format!("later-{i}")).await.answered(&reply("")).await;
        }
        assert!(memory.lock().unwrap().entries.len() < 3 * SWEEP_AT);
    }

    #[tokio::test]
    async fn replies_past_the_memory_budget_are_not_kept_and_retries_are_refused() {
        let guard = ReplayGuard::in_memory(std::time::Duration::from_secs(300));
        let Kept::Memory(memory) = &*guard.kept else { unreachable!() };
        memory.lock().unwrap().budget = 64;
        let now = at("20210407155606");
        let big = "x".repeat(65);
        first(&guard, now, now, "big").await.answered(&reply(&big)).await;
        assert_eq!(refusal(guard.admit(now, now, "big", "digest").await), Stale::Replayed);
        first(&guard, now, now, "small").await.answered(&reply("ok")).await;
        assert!(matches!(guard.admit(now, now, "small", "digest").await, Ok(Admission::Repeat(_))));
    }
}
