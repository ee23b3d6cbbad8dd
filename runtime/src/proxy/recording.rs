//! The journal writer, and what feeds it: the proxy hands it each exchange it forwarded, and a server given a
//! journal (`hisgate serve --journal`) each exchange it answered, through [`journaled`]. Either way the exchange is
//! queued (a full queue makes the request wait for room, a bounded time) and read on a thread of its own at idle
//! priority, then written in batches of what has queued meanwhile — never on the path of the request.

use super::analyse::{self, Answer, Captured, RequestReading};
use super::journal::Journal;
use super::{JOURNAL_DIAGNOSIS, ProxyConfig};
use crate::server::CancellationToken;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::TryStreamExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// An exchange on its way to the journal.
pub(crate) struct Pending {
    pub captured: Captured,
    pub reading: Option<RequestReading>,
    pub upstream: Option<Result<Answer, String>>,
    pub status: u16,
    pub latency_us: u64,
}

/// How long a request waits for room when the queue is full, before its exchange is dropped (logged): the
/// journal keeps everything under any load it can keep up with at all, and a stalled journal never stalls traffic
/// for longer than this.
const FULL_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Hands exchanges to the journal writer.
#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Pending>,
}

/// A recorder and its writer, which runs until `stop` is cancelled, then writes what is queued and ends.
///
/// Reading an exchange (verifying, decrypting, validating, diagnosing) costs about what answering it did, so it
/// runs on a thread of its own at idle priority: on a busy machine the forwarding path's threads come first, and
/// the reader takes the time they leave (where the process may leave idle priority again: see
/// `priority::reversible`). Past half a full queue it runs at normal priority, so that it catches up
/// before anything waits; a full queue makes requests wait for room ([`FULL_QUEUE_WAIT`]).
pub fn recorder(
    config: ProxyConfig,
    journal: Journal,
    stop: CancellationToken,
) -> (Recorder, crate::server::BoxFuture<()>) {
    let capacity = config.queue.max(1);
    let (queue, pending) = mpsc::channel(capacity);
    let (read, written) = mpsc::channel(2);
    let runtime = tokio::runtime::Handle::current();
    let reader = std::thread::Builder::new()
        .name("hisgate-journal-reader".to_owned())
        .spawn(move || read_exchanges(&config, &runtime, pending, &read, &stop, capacity));
    if let Err(e) = reader {
        tracing::error!(error = %e, "the journal reader thread cannot start: nothing will be journaled");
    }
    (Recorder { queue }, Box::pin(write(journal, written)))
}

impl Recorder {
    /// Queues the exchange; a full queue makes the caller wait for room, up to [`FULL_QUEUE_WAIT`], then drops it
    /// with a warning.
    pub(crate) async fn record(
        &self,
        captured: Captured,
        reading: Option<RequestReading>,
        upstream: Option<Result<Answer, String>>,
        status: u16,
        started: Instant,
    ) {
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let pending = Pending { captured, reading, upstream, status, latency_us };
        let pending = match self.queue.try_send(pending) {
            Ok(()) => return,
            Err(mpsc::error::TrySendError::Full(pending)) => pending,
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::warn!("the journal writer has stopped: an exchange was forwarded but not journaled");
                return;
            }
        };
        if self.queue.send_timeout(pending, FULL_QUEUE_WAIT).await.is_err() {
            tracing::warn!("the journal writer is behind: an exchange was forwarded but not journaled");
        }
    }
}

/// `router` (a server's) with every exchange it answers journaled: the request's bytes as the server read them,
/// its reply as it went out. Bodies pass through unchanged; the server reads and limits the request as before.
pub fn journaled(router: Router, recorder: Recorder, max_bytes: usize) -> Router {
    router.layer(axum::middleware::from_fn_with_state(Arc::new((recorder, max_bytes)), tap))
}

async fn tap(State(tap): State<Arc<(Recorder, usize)>>, request: Request, next: Next) -> Response {
    let (recorder, limit) = (&tap.0, tap.1);
    let started = Instant::now();
    let at_ms = crate::store::now_millis();
    let (parts, body) = request.into_parts();
    let mut captured = Captured::of(at_ms, &parts);
    // A copy of what the server reads, up to the limit past which it refuses the request anyway.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let copy = seen.clone();
    let body = Body::from_stream(body.into_data_stream().inspect_ok(move |chunk| {
        let mut copy = copy.lock().unwrap_or_else(|e| e.into_inner());
        if copy.len() + chunk.len() <= limit {
            copy.extend_from_slice(chunk);
        }
    }));
    let response = next.run(Request::from_parts(parts, body)).await;
    let (parts, body) = response.into_parts();
    // The server's replies are whole bodies: read here, they go out the same.
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "journal: the reply could not be read; not journaled");
            return Response::from_parts(parts, Body::empty());
        }
    };
    captured.body = bytes::Bytes::from(std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner())));
    let headers =
        parts.headers.iter().filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned()))).collect();
    let status = parts.status.as_u16();
    let answer = Answer { status, headers, body: body.clone() };
    recorder.record(captured, None, Some(Ok(answer)), status, started).await;
    Response::from_parts(parts, Body::from(body))
}

/// The most exchanges read and written together: one hand-off and one transaction for all of them.
const BATCH: usize = 256;

/// The reader thread: takes what is queued, up to [`BATCH`] exchanges at once, reads them (a diagnosis may take a
/// quarter second) and hands them to [`write`]. On `stop` it reads what is queued and ends, which ends the writer.
fn read_exchanges(
    config: &ProxyConfig,
    runtime: &tokio::runtime::Handle,
    mut pending: mpsc::Receiver<Pending>,
    read: &mpsc::Sender<Vec<super::record::Exchange>>,
    stop: &CancellationToken,
    capacity: usize,
) {
    let mut priority = priority::Priority::Normal;
    // Idle only where the thread may come back: an unprivileged process (RLIMIT_NICE 0, no CAP_SYS_NICE) cannot
    // leave SCHED_IDLE, and a reader stuck there starves on a busy machine while requests wait for its queue.
    let idle = priority::reversible();
    if !idle {
        tracing::info!("the journal reader runs at normal priority: this process may not leave SCHED_IDLE once in it");
    }
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let busy = pending.len() > capacity / 2;
        let wanted = if busy || !idle { priority::Priority::Normal } else { priority::Priority::Idle };
        if wanted != priority {
            priority = wanted;
            priority::set(priority);
        }
        let first = runtime.block_on(async {
            tokio::select! {
                next = pending.recv() => next,
                () = stop.cancelled() => {
                    pending.close();
                    pending.recv().await
                }
            }
        });
        let Some(first) = first else { break };
        batch.push(first);
        while batch.len() < BATCH {
            match pending.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (platform, server) = (&config.platform, &config.server);
        let exchanges = batch
            .drain(..)
            .map(|Pending { captured, reading, upstream, status, latency_us }| {
                let reading = reading.unwrap_or_else(|| {
                    analyse::request(platform, server, &captured, config.side, Some(JOURNAL_DIAGNOSIS))
                });
                let outcome = analyse::Outcome { captured: &captured, reading, upstream, status, latency_us };
                analyse::exchange(platform, server, outcome, JOURNAL_DIAGNOSIS)
            })
            .collect();
        if read.blocking_send(exchanges).is_err() {
            break;
        }
    }
}

/// The journal writer: each batch the reader hands it, in one transaction — per exchange, the commit costs more
/// than the row. It ends when the reader has.
async fn write(journal: Journal, mut read: mpsc::Receiver<Vec<super::record::Exchange>>) {
    while let Some(exchanges) = read.recv().await {
        match journal.insert_all(&exchanges).await {
            Ok(ids) => {
                for (id, exchange) in ids.into_iter().zip(&exchanges) {
                    tracing::info!(
                        id,
                        interface = exchange.interface.as_deref().unwrap_or("-"),
                        verdict = exchange.verdict.as_str(),
                        status = exchange.status,
                        latency_us = exchange.latency_us,
                        "exchange"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, count = exchanges.len(), "the journal cannot be written"),
        }
    }
}

/// The reader thread's scheduling class. Linux only; elsewhere the reader runs at normal priority.
mod priority {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Priority {
        /// `SCHED_IDLE`: runs only on CPU time no other thread wants.
        Idle,
        /// `SCHED_OTHER`, as every other thread.
        Normal,
    }

    /// Sets the calling thread's class; a refusal (a container's seccomp policy, say) is logged once per change and
    /// leaves the class as it was.
    #[cfg(target_os = "linux")]
    pub(super) fn set(priority: Priority) {
        let policy = match priority {
            Priority::Idle => libc::SCHED_IDLE,
            Priority::Normal => libc::SCHED_OTHER,
        };
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` is a valid sched_param for the call's duration; pid 0 is the calling thread.
        let done = unsafe { libc::sched_setscheduler(0, policy, &param) };
        if done != 0 {
            let error = std::io::Error::last_os_error();
            tracing::debug!(?priority, %error, "the journal reader's priority was not changed");
        }
    }

    /// Whether a thread of this process that enters `SCHED_IDLE` may return to `SCHED_OTHER`, tried on a thread of
    /// its own (the class is per thread, so nothing else is touched).
    #[cfg(target_os = "linux")]
    pub(super) fn reversible() -> bool {
        let round_trip = || {
            let param = libc::sched_param { sched_priority: 0 };
            // SAFETY: as in `set`: a valid sched_param, pid 0 the calling (throwaway) thread.
            unsafe {
                libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0
                    && libc::sched_setscheduler(0, libc::SCHED_OTHER, &param) == 0
            }
        };
        std::thread::spawn(round_trip).join().unwrap_or(false)
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn set(_: Priority) {}

    #[cfg(not(target_os = "linux"))]
    pub(super) fn reversible() -> bool {
        false
    }
}
