//! A validating, recording proxy: forwards every request to the upstream and its reply back byte for byte
//! (hop-by-hop headers aside), and beside that — off the forwarding path, through a bounded queue to a
//! background writer — reads both messages with the servers' and clients' own code and records the exchange in
//! the [`journal`]. With `enforce`, a request the server pipeline would refuse is answered with the platform's
//! refusal and not forwarded; without it, the proxy never alters traffic. The [`dashboard`] at `/_hisgate/` reads
//! the journal beside the forwarding path: a request under that prefix is never forwarded.

mod analyse;
pub mod dashboard;
pub mod journal;
pub mod record;
pub mod recording;
pub mod route;

use crate::schema::PlatformSchema;
use crate::server::read_body;
use crate::server::{CancellationToken, Failure, ServerConfig};
use crate::signature::diagnose::Options;
use analyse::{Answer, Captured, RequestReading};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use journal::Journal;
use recording::Recorder;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a proxy is configured with.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub platform: Arc<PlatformSchema>,
    /// The base address requests go on to: `http://10.0.0.5:8080` (the request's path and query follow it).
    pub upstream: String,
    /// Credentials, limits, body time and freshness window, as the server of either side reads with.
    pub server: ServerConfig,
    /// Refuse, with the platform's code, a request the server pipeline would refuse, and do not forward it.
    pub enforce: bool,
    /// The whole of one upstream exchange: connect, send, read the reply; past it the caller gets 504.
    pub timeout: Duration,
    /// The upstream's role, where known: which side's routes and interfaces a request is read against. Without it,
    /// each side that serves the path is tried (see `analyse::request`).
    pub side: Option<crate::schema::Side>,
    /// Exchanges waiting for the journal writer; past it a request waits for room (at most 5 s, then its exchange
    /// is forwarded but not journaled, logged).
    pub queue: usize,
    /// The journal's address as the dashboard shows it (no password).
    pub journal_shown: String,
}

impl ProxyConfig {
    pub fn new(platform: Arc<PlatformSchema>, upstream: &str, server: ServerConfig) -> ProxyConfig {
        ProxyConfig {
            platform,
            upstream: upstream.trim_end_matches('/').to_owned(),
            server,
            enforce: false,
            timeout: Duration::from_secs(30),
            side: None,
            queue: 4096,
            journal_shown: String::new(),
        }
    }
}

/// A proxy ready to serve: its router (for `server::listen::serve`) and its journal writer.
pub struct Proxy {
    pub router: Router,
    /// Runs until `stop` is cancelled, then writes what is queued and ends.
    pub writer: crate::server::BoxFuture<()>,
}

struct Shared {
    config: ProxyConfig,
    http: reqwest::Client,
    recorder: Recorder,
}

/// The diagnosis a journal row gets for a refused signature: the whole search, within a quarter second.
pub(crate) const JOURNAL_DIAGNOSIS: Options =
    Options { budget: Duration::from_millis(250), pairs: true, first_only: false };

pub fn proxy(mut config: ProxyConfig, journal: Journal, stop: CancellationToken) -> Result<Proxy, String> {
    // Every exchange's inputs start from the credentials: cloned then, not copied.
    config.server.credentials = std::mem::take(&mut config.server.credentials).shared();
    let http = reqwest::Client::builder()
        .timeout(config.timeout)
        // A proxy passes redirects on, and never goes through another proxy the environment names.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let about = dashboard::About {
        role: "proxy".to_owned(),
        platform: config.platform.name.to_string(),
        watching: config.upstream.clone(),
        journal: config.journal_shown.clone(),
    };
    let pages = dashboard::router(journal.clone(), about);
    let (recorder, writer) = recording::recorder(config.clone(), journal, stop);
    let shared = Arc::new(Shared { config, http, recorder });
    let router = Router::new().fallback(forward).with_state(shared).merge(pages);
    Ok(Proxy { router, writer })
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let at_ms = crate::store::now_millis();
    let config = &shared.config;
    let (parts, body) = request.into_parts();
    let mut captured = Captured::of(at_ms, &parts);
    match read_body(&config.server, &parts.headers, body).await {
        Ok(bytes) => captured.body = bytes,
        Err(detail) => {
            captured.refused = Some(detail.clone());
            let reply = plain(StatusCode::PAYLOAD_TOO_LARGE, &format!("hisgate proxy: {detail}"));
            shared.record(captured, None, None, 413, started).await;
            return reply;
        }
    }
    // Under --enforce the request is read before it goes on (a quick diagnosis only: the caller waits).
    let reading = config.enforce.then(|| {
        let reading =
            analyse::request(&config.platform, &config.server, &captured, config.side, Some(Options::quick()));
        let refused = analyse::refusal(&reading).and_then(|refusal| {
            let read = reading.read.as_ref()?;
            let side = reading.route.as_ref()?.side;
            let reader = crate::server::inbound::Reader {
                platform: &config.platform,
                side,
                config: &config.server,
                diagnose: None,
            };
            crate::server::inbound::refuse(&reader, read, refusal)
        });
        (reading, refused)
    });
    let (reading, refused) = match reading {
        Some((reading, refused)) => (Some(reading), refused),
        None => (None, None),
    };
    if let Some(reply) = refused {
        let status = reply.status;
        shared.record(captured, reading, None, status, started).await;
        return to_response(reply);
    }
    let sent = shared.send(&parts.headers, &captured).await;
    let (response, status, upstream) = match sent {
        Ok((response, answer)) => (response, answer.status, Ok(answer)),
        Err((status, reason)) => {
            let failure = reading.as_ref().and_then(|r| shared.system_error(r, &reason));
            let response = match failure {
                Some(reply) => to_response(reply),
                None => plain(status, &format!("hisgate proxy: {reason}")),
            };
            let status = response.status().as_u16();
            (response, status, Err(reason))
        }
    };
    shared.record(captured, reading, Some(upstream), status, started).await;
    response
}

impl Shared {
    async fn record(
        &self,
        captured: Captured,
        reading: Option<RequestReading>,
        upstream: Option<Result<Answer, String>>,
        status: u16,
        started: Instant,
    ) {
        self.recorder.record(captured, reading, upstream, status, started).await;
    }

    /// The platform's `SYSTEM_ERROR` reply (`failures: internal`), under `--enforce`, for an upstream that failed.
    fn system_error(&self, reading: &RequestReading, reason: &str) -> Option<crate::transport::HttpReply> {
        let config = &self.config;
        let protocol = config.platform.protocol.as_ref()?;
        if !config.enforce {
            return None;
        }
        let reader = crate::server::inbound::Reader {
            platform: &config.platform,
            side: reading.route.as_ref()?.side,
            config: &config.server,
            diagnose: None,
        };
        let refusal = Failure::refused(&protocol.failures.internal, format!("upstream: {reason}"));
        crate::server::inbound::refuse(&reader, reading.read.as_ref()?, &refusal)
    }

    /// The request as it came, to the upstream; its reply as it came, to the caller. An error is the status the
    /// caller gets (502, 504) and why.
    async fn send(&self, headers: &HeaderMap, captured: &Captured) -> Result<(Response, Answer), (StatusCode, String)> {
        let url = format!("{}{}", self.config.upstream, captured.target());
        let method = reqwest::Method::from_bytes(captured.method.as_bytes())
            .map_err(|_| (StatusCode::BAD_REQUEST, format!("`{}` is not an HTTP method", captured.method)))?;
        let mut request = self.http.request(method, &url);
        let hop = hop_by_hop(headers);
        for (name, value) in headers {
            // The Host is the upstream's, and the length reqwest writes is the same body's.
            if !hop.contains(name) && name != header::HOST && name != header::CONTENT_LENGTH {
                request = request.header(name, value);
            }
        }
        if !captured.body.is_empty() || headers.contains_key(header::CONTENT_LENGTH) {
            request = request.body(captured.body.clone());
        }
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                (StatusCode::GATEWAY_TIMEOUT, format!("{url}: no reply within {} s", self.config.timeout.as_secs_f32()))
            } else {
                (StatusCode::BAD_GATEWAY, format!("{url}: {}", error_chain(&e)))
            }
        };
        let mut reply = request.send().await.map_err(failed)?;
        let limit = self.config.server.limits.max_bytes;
        let mut body = Vec::new();
        while let Some(chunk) = reply.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > limit {
                return Err((StatusCode::BAD_GATEWAY, format!("{url}: the reply is over the limit of {limit} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let body = Bytes::from(body);
        let status = reply.status();
        let hop = hop_by_hop(reply.headers());
        let mut response = Response::new(Body::from(body.clone()));
        *response.status_mut() = status;
        for (name, value) in reply.headers() {
            // hyper writes the length of the same bytes.
            if !hop.contains(name) && name != header::CONTENT_LENGTH {
                response.headers_mut().append(name.clone(), value.clone());
            }
        }
        let headers = reply
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        Ok((response, Answer { status: status.as_u16(), headers, body }))
    }
}

/// The headers that concern one connection only (RFC 9110 §7.6.1), and those `Connection` names.
fn hop_by_hop(headers: &HeaderMap) -> Vec<HeaderName> {
    let mut names: Vec<HeaderName> = [
        header::CONNECTION,
        header::PROXY_AUTHENTICATE,
        header::PROXY_AUTHORIZATION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        HeaderName::from_static("keep-alive"),
        HeaderName::from_static("proxy-connection"),
    ]
    .into();
    for value in headers.get_all(header::CONNECTION) {
        let listed = value.to_str().unwrap_or_default().split(',');
        names.extend(listed.filter_map(|name| HeaderName::try_from(name.trim()).ok()));
    }
    names
}

/// A reqwest error with its causes (“connection refused” sits a few levels down).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn plain(status: StatusCode, text: &str) -> Response {
    let mut response = Response::new(Body::from(text.to_owned()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, "text/plain; charset=utf-8".parse().expect("a header value"));
    response
}

fn to_response(reply: crate::transport::HttpReply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), axum::http::HeaderValue::try_from(value)) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// Sweeps exchanges older than `keep` now and every `keep / 10` (at least a second, at most an hour).
pub async fn sweep(journal: Journal, keep: Duration, stop: CancellationToken) {
    let every = (keep / 10).clamp(Duration::from_secs(1), Duration::from_secs(3600));
    loop {
        let before = crate::store::now_millis() - i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
        match journal.forget_before(before).await {
            Ok(0) => {}
            Ok(gone) => tracing::info!(gone, "journal: exchanges past the retention forgotten"),
            Err(e) => tracing::error!(error = %e, "journal: the retention sweep failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => break,
        }
    }
}
