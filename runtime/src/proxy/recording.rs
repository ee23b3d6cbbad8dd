//! The journal writer, and what feeds it: the proxy hands it each exchange it forwarded, and a server given a
//! journal (`hisgate serve --journal`) each exchange it answered, through [`journaled`]. Either way the exchange is
//! queued without waiting (a full queue drops it, logged) and read and written on the writer's side — read on a
//! blocking thread and committed in batches of what has queued meanwhile —, never on the path of the request.

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
use std::time::Instant;
use tokio::sync::mpsc;

/// An exchange on its way to the journal.
pub(crate) struct Pending {
    pub captured: Captured,
    pub reading: Option<RequestReading>,
    pub upstream: Option<Result<Answer, String>>,
    pub status: u16,
    pub latency_us: u64,
}

/// Hands exchanges to the journal writer.
#[derive(Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Pending>,
}

/// A recorder and its writer, which runs until `stop` is cancelled, then writes what is queued and ends.
pub fn recorder(
    config: ProxyConfig,
    journal: Journal,
    stop: CancellationToken,
) -> (Recorder, crate::server::BoxFuture<()>) {
    let (queue, pending) = mpsc::channel(config.queue.max(1));
    (Recorder { queue }, Box::pin(write(config, journal, pending, stop)))
}

impl Recorder {
    /// Queues the exchange without waiting: a full queue drops it, with a warning.
    pub(crate) fn record(
        &self,
        captured: Captured,
        reading: Option<RequestReading>,
        upstream: Option<Result<Answer, String>>,
        status: u16,
        started: Instant,
    ) {
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let pending = Pending { captured, reading, upstream, status, latency_us };
        if self.queue.try_send(pending).is_err() {
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
    recorder.record(captured, None, Some(Ok(answer)), status, started);
    Response::from_parts(parts, Body::from(body))
}

/// The most exchanges read and written together: one blocking hand-off and one transaction for all of them.
const BATCH: usize = 256;

/// The journal writer: takes what is queued, up to [`BATCH`] exchanges at once, reads them on a blocking thread (a
/// diagnosis may take a quarter second) and writes them in one transaction — per exchange, the hand-offs and the
/// commit cost more than the row. On `stop` it writes what is queued and ends.
async fn write(config: ProxyConfig, journal: Journal, mut pending: mpsc::Receiver<Pending>, stop: CancellationToken) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let first = tokio::select! {
            next = pending.recv() => next,
            () = stop.cancelled() => {
                pending.close();
                pending.recv().await
            }
        };
        let Some(first) = first else { break };
        batch.push(first);
        while batch.len() < BATCH {
            match pending.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let config = config.clone();
        let taken = std::mem::take(&mut batch);
        let analysed = tokio::task::spawn_blocking(move || {
            let (platform, server) = (&config.platform, &config.server);
            taken
                .into_iter()
                .map(|Pending { captured, reading, upstream, status, latency_us }| {
                    let reading = reading.unwrap_or_else(|| {
                        analyse::request(platform, server, &captured, config.side, Some(JOURNAL_DIAGNOSIS))
                    });
                    let outcome = analyse::Outcome { captured: &captured, reading, upstream, status, latency_us };
                    analyse::exchange(platform, server, outcome, JOURNAL_DIAGNOSIS)
                })
                .collect::<Vec<_>>()
        })
        .await;
        let exchanges = match analysed {
            Ok(exchanges) => exchanges,
            Err(e) => {
                tracing::error!(error = %e, "reading exchanges failed");
                continue;
            }
        };
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
