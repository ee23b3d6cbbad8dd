//! The HTTP/1.1 listener a long-running server sits on: hyper connections with every limit explicit — time to
//! send a request's headers, time to send its body, idle time between keep-alive requests, header bytes,
//! concurrent connections — and a graceful stop. `axum::serve` has none of these, so a client that opens a
//! connection and sends nothing, or half a header, kept it (and its buffers) for ever.
//!
//! Each connection runs under a watchdog that knows which phase it is in: waiting for a request (idle), reading a
//! request's headers (from its first byte), or inside a request (the route reads the body under its own timeout).
//! hyper's own header timeout cannot tell the first two apart: it starts when hyper waits for a head, idle or not.

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The limits of the connection layer. Body size and body time are the route's ([`super::ServerConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From a request's first byte to the end of its headers.
    pub header_read_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// The request line and headers together, in bytes: a larger head is answered 431 and the connection closed.
    pub max_header_bytes: usize,
    /// Connections open at once; one more is answered 503 and closed at once.
    pub max_connections: usize,
    /// After a stop is asked for, how long in-flight requests may take before their connections are cut.
    pub grace: Duration,
}

impl Default for ConnectionLimits {
    /// 10 s for headers, 60 s idle, 64 KiB of headers, 1024 connections, 30 s of grace.
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_header_bytes: 64 * 1024,
            max_connections: 1024,
            grace: Duration::from_secs(30),
        }
    }
}

/// How a stopped listener ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Connections still open when the grace period ran out, cut.
    pub cut: usize,
}

/// Serves `router` on `listener` until `stop` resolves, then stops accepting, lets every connection finish the
/// request it is in (idle ones close at once) for up to `limits.grace`, and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) -> io::Result<Stopped> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let open = Arc::new(AtomicUsize::new(0));
    let (stopping, stop_seen) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    // The watchdog times headers; hyper's own timer would also cut idle keep-alive connections at that mark.
    http.header_read_timeout(None)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(8192) + 8192)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let (stream, _peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: the listener itself is fine, try again shortly.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("hisgate_connections_refused_total").increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        let connection = Connection {
            http: http.clone(),
            router: router.clone(),
            limits,
            stop: stop_seen.clone(),
            open: open.clone(),
        };
        open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            connection.run(stream).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    let deadline = Instant::now() + limits.grace;
    while open.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(Stopped { cut: open.load(Ordering::Relaxed) })
}

/// One connection past the limit: told so, and closed.
async fn refuse(mut stream: TcpStream) {
    let reply = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(reply)).await;
}

struct Connection {
    http: hyper::server::conn::http1::Builder,
    router: Router,
    limits: ConnectionLimits,
    stop: watch::Receiver<bool>,
    open: Arc<AtomicUsize>,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let phase = Arc::new(Phase::new());
        let io = TokioIo::new(Watched { inner: stream, phase: phase.clone() });
        let router = self.router.clone();
        let in_request = phase.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            in_request.set(Phase::REQUEST);
            let in_request = in_request.clone();
            let call = router.clone().oneshot(request);
            async move {
                let response = call.await;
                in_request.set(Phase::IDLE);
                response
            }
        });
        let connection = self.http.serve_connection(io, service);
        tokio::pin!(connection);
        let mut stopping = false;
        loop {
            let deadline = phase.deadline(&self.limits);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = tokio::time::sleep_until(deadline.into()) => {
                    if let Some(why) = phase.expired(&self.limits) {
                        metrics::counter!("hisgate_connections_timed_out_total", "phase" => why).increment(1);
                        tracing::debug!(phase = why, "connection closed: timed out");
                        break;
                    }
                }
                changed = self.stop.changed(), if !stopping => {
                    stopping = true;
                    if changed.is_ok() {
                        // Finishes the request in flight, then closes; an idle connection closes now.
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        }
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Where a connection is, and since when (milliseconds on a process-wide monotonic clock).
struct Phase {
    state: AtomicU8,
    since: AtomicU64,
}

impl Phase {
    const IDLE: u8 = 0;
    const HEADERS: u8 = 1;
    const REQUEST: u8 = 2;

    fn new() -> Phase {
        // A new connection owes its first request's headers at once: the header timeout runs from the accept.
        Phase { state: AtomicU8::new(Phase::HEADERS), since: AtomicU64::new(now_ms()) }
    }

    fn set(&self, state: u8) {
        self.since.store(now_ms(), Ordering::Relaxed);
        self.state.store(state, Ordering::Release);
    }

    /// Bytes arrived: an idle connection starts a request's headers.
    fn bytes_in(&self) {
        if self.state.load(Ordering::Acquire) == Phase::IDLE {
            self.set(Phase::HEADERS);
        }
    }

    fn limit(&self, limits: &ConnectionLimits) -> Option<(Duration, &'static str)> {
        match self.state.load(Ordering::Acquire) {
            Phase::IDLE => Some((limits.idle_timeout, "idle")),
            Phase::HEADERS => Some((limits.header_read_timeout, "headers")),
            // The route bounds the body; the handler is ours.
            _ => None,
        }
    }

    fn deadline(&self, limits: &ConnectionLimits) -> Instant {
        let since = epoch() + Duration::from_millis(self.since.load(Ordering::Relaxed));
        match self.limit(limits) {
            Some((limit, _)) => since + limit,
            // Looked at again when the request is done; this is only how often.
            None => Instant::now() + limits.header_read_timeout.min(limits.idle_timeout),
        }
    }

    fn expired(&self, limits: &ConnectionLimits) -> Option<&'static str> {
        let (limit, why) = self.limit(limits)?;
        let waited = now_ms().saturating_sub(self.since.load(Ordering::Relaxed));
        (Duration::from_millis(waited) >= limit).then_some(why)
    }
}

fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

/// A stream that tells its connection's [`Phase`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    phase: Arc<Phase>,
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.phase.bytes_in();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
