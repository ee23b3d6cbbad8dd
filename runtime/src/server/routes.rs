//! The axum routes of one side: one route per (method, path) of the protocol's bindings — several bindings may
//! share one (XML and JSON POSTed to `/wd/spi`), each interface its own where a path reads `{path}` — and the WSDL
//! at `?wsdl` on a SOAP path.

use super::inbound::{self, Request, Shared};
use super::{Dispatch, ReplayGuard};
use crate::codec::Limits;
use crate::schema::{HttpMethod, PlatformSchema, Side};
use crate::secret::Inputs;
use crate::store::Store;
use crate::transport::{HttpReply, soap};
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, RawQuery};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::FixedOffset;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What a server is configured with besides its handler.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// This side's credentials: the key that verifies and signs, the partner or app id it expects.
    pub credentials: Inputs,
    /// The largest body and the deepest nesting accepted.
    pub limits: Limits,
    /// The freshness window, where the protocol declares one; `None` turns the check off.
    pub freshness_window: Option<Duration>,
    /// The address the WSDL gives for the service; by default the request's `Host`.
    pub base_url: Option<String>,
    /// The zone of the platform's timestamps.
    pub utc_offset: FixedOffset,
    /// Where the replay guard keeps the signatures it has seen (across restarts, shared by the instances on one
    /// database); without a store, in this process's memory.
    pub store: Option<Store>,
    /// How long a client may take to send a request's body, from the end of its headers.
    pub body_read_timeout: Duration,
    /// Which rule classes of the payload's validation only warn (accept, log, count); strict by default.
    pub strictness: crate::strictness::Strictness,
    /// The schema to serve instead of the one the router is given: the same platform with a counterpart profile
    /// merged in (`hisgate serve --profile`). Ignored for another platform.
    pub schema: Option<Arc<PlatformSchema>>,
}

impl ServerConfig {
    /// Defaults: 1 MiB bodies read within 30 s, 32 levels, the spec's freshness window, China Standard Time.
    pub fn new(platform: &PlatformSchema, credentials: Inputs) -> ServerConfig {
        let window = platform.protocol.as_ref().and_then(|p| p.freshness.as_ref());
        ServerConfig {
            credentials,
            limits: Limits::default(),
            freshness_window: window.map(|f| Duration::from_secs(u64::from(f.window_seconds))),
            base_url: None,
            utc_offset: crate::clock::china_standard_time(),
            store: None,
            body_read_timeout: Duration::from_secs(30),
            strictness: crate::strictness::Strictness::STRICT,
            schema: None,
        }
    }
}

struct Route {
    shared: Arc<Shared>,
    bindings: Vec<usize>,
    interface: Option<String>,
}

/// The routes of `side`, dispatching to `dispatch` (a generated `Service` around the user's handler).
pub fn router(
    platform: Arc<PlatformSchema>,
    side: Side,
    dispatch: Arc<dyn Dispatch>,
    mut config: ServerConfig,
) -> Result<Router, String> {
    let platform = match &config.schema {
        Some(profiled) if profiled.name == platform.name => profiled.clone(),
        _ => platform,
    };
    let protocol =
        platform.protocol.as_ref().ok_or_else(|| format!("platform `{}` declares no protocol", platform.name))?;
    let replay = match (&protocol.freshness, config.freshness_window) {
        (Some(_), Some(window)) => {
            Some(ReplayGuard::new(window, config.store.clone(), format!("{}.{side}", platform.name)))
        }
        _ => None,
    };
    // Routes are grouped by method and path: (method, path) → (bindings, interface of a `{path}` route).
    let mut groups: BTreeMap<(bool, String), (Vec<usize>, Option<String>)> = BTreeMap::new();
    let mut soap_paths = Vec::new();
    for (index, binding) in protocol.bindings.iter().enumerate() {
        let template = binding.path(side);
        let is_get = binding.method == HttpMethod::Get;
        if binding.soap.is_some() && !soap_paths.iter().any(|p| p == template) {
            soap_paths.push(template.to_owned());
        }
        if template.contains("{path}") {
            let travels = platform.interfaces.iter().filter(|i| i.provider == side && i.travels_under(&binding.name));
            for interface in travels {
                let path = template.replace("{path}", interface.path.as_deref().unwrap_or_default());
                let entry = groups.entry((is_get, path)).or_default();
                entry.0.push(index);
                entry.1 = Some(interface.name.to_string());
            }
        } else {
            groups.entry((is_get, template.to_owned())).or_default().0.push(index);
        }
    }
    // Every request's inputs start from the credentials: cloned then, not copied.
    let config = ServerConfig { credentials: std::mem::take(&mut config.credentials).shared(), ..config };
    let shared =
        Arc::new(Shared { platform: platform.clone(), side, dispatch, config, replay, span: Default::default() });
    let mut router = Router::new();
    let mut methods: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for ((is_get, path), (bindings, interface)) in groups {
        let route = Arc::new(Route { shared: shared.clone(), bindings, interface });
        // The path parameters as a `Result`: a segment that is not UTF-8 once percent-decoded (`/wd/spi/%FF`) is
        // refused with the platform's code in a signed reply, not with axum's bare 400.
        let handler = move |method: Method,
                            uri: Uri,
                            params: Result<RawPathParams, RawPathParamsRejection>,
                            query: RawQuery,
                            headers: HeaderMap,
                            body: Body| {
            let route = route.clone();
            let line = (
                method.as_str().to_owned(),
                uri.path_and_query().map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
            );
            async move { serve(route, line, params, query, headers, body).await }
        };
        let method = methods.remove(&path).unwrap_or_default();
        let method = if is_get { method.get(handler) } else { method.post(handler) };
        methods.insert(path, method);
    }
    for path in soap_paths {
        let state = shared.clone();
        let wsdl = move |query: RawQuery, headers: HeaderMap| {
            let state = state.clone();
            async move { wsdl(&state, query, &headers) }
        };
        let method = methods.remove(&path).unwrap_or_else(|| post(|| async { StatusCode::METHOD_NOT_ALLOWED }));
        methods.insert(path, method.merge(get(wsdl)));
    }
    for (path, method) in methods {
        router = router.route(&path, method);
    }
    Ok(router.with_state(()))
}

fn serve(
    route: Arc<Route>,
    line: (String, String),
    params: Result<RawPathParams, RawPathParamsRejection>,
    query: RawQuery,
    headers: HeaderMap,
    body: Body,
) -> impl std::future::Future<Output = Response> {
    // The span is attached to this request's future, never entered across an `.await`: an entered guard held
    // over a suspension stays current on the worker thread, so the next request polled there became its child —
    // chains of thousands of nested spans, log lines of 100 KB and a stack overflow when such a chain closed.
    // One span for every request (its fields are the server's): made per request, it cost about 2 % of `hisgate
    // serve`'s TestNet, to be opened, its fields written and closed again.
    let shared = &route.shared;
    let span = shared
        .span
        .get_or_init(|| tracing::info_span!("hisgate.serve", platform = %shared.platform.name, side = %shared.side))
        .clone();
    tracing::Instrument::instrument(serve_in_span(route, line, params, query, headers, body), span)
}

async fn serve_in_span(
    route: Arc<Route>,
    (method, target): (String, String),
    params: Result<RawPathParams, RawPathParamsRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = std::time::Instant::now();
    let shared = &route.shared;
    let (service, unreadable_path) = match &params {
        Ok(params) => (params.iter().find(|(name, _)| *name == "service").map(|(_, v)| v.to_owned()), None),
        Err(rejection) => (None, Some(format!("the path cannot be read: {}", rejection.body_text()))),
    };
    // The request fields a `{field}` path carries.
    let path_params: Vec<(String, String)> = match &params {
        Ok(params) if route.interface.is_some() => {
            params.iter().filter(|(name, _)| *name != "service").map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
        }
        _ => Vec::new(),
    };
    let header_pairs: Vec<(String, String)> =
        headers.iter().filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned()))).collect();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = match read_body(&shared.config, &headers, body).await {
        Ok(bytes) => bytes,
        Err(detail) => {
            // Refused without reading the rest: an announced or actual body over the limit, or one too slow.
            let request = Request {
                method: &method,
                target: &target,
                path_params: &path_params,
                bindings: &route.bindings,
                interface: route.interface.as_deref(),
                path_service: service.as_deref(),
                query: None,
                headers: &[],
                content_type: content_type.as_deref(),
                body: &[],
                refused: Some(&detail),
            };
            let (reply, outcome) = inbound::serve(shared, request).await;
            return finish(shared, started, reply, outcome);
        }
    };
    let request = Request {
        method: &method,
        target: &target,
        path_params: &path_params,
        bindings: &route.bindings,
        interface: route.interface.as_deref(),
        path_service: service.as_deref(),
        query: query.as_deref(),
        headers: &header_pairs,
        content_type: content_type.as_deref(),
        body: &bytes,
        refused: unreadable_path.as_deref(),
    };
    let (reply, outcome) = inbound::serve(shared, request).await;
    finish(shared, started, reply, outcome)
}

/// The body within its size and its time; a `Content-Length` over the limit is refused before a byte is read.
pub(crate) async fn read_body(config: &ServerConfig, headers: &HeaderMap, body: Body) -> Result<bytes::Bytes, String> {
    let limit = config.limits.max_bytes;
    let announced = headers.get("content-length").and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(format!("the body is over the limit of {limit} bytes"));
    }
    match tokio::time::timeout(config.body_read_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(format!("the body is over the limit of {limit} bytes, or was cut off")),
        Err(_) => Err(format!("the body did not arrive within {} s", config.body_read_timeout.as_secs_f32())),
    }
}

/// The request's one log line and its metrics; then the reply.
fn finish(shared: &Shared, started: std::time::Instant, reply: HttpReply, outcome: inbound::Outcome) -> Response {
    let elapsed = started.elapsed();
    let interface = outcome.interface.as_deref().unwrap_or("-");
    super::metrics::record(&shared.platform.name, interface, &outcome.code, reply.status, elapsed);
    let latency_us = elapsed.as_micros() as u64;
    let keys = show_keys(&outcome.keys);
    match &outcome.refused {
        None => tracing::info!(interface, code = %outcome.code, status = reply.status, latency_us, keys, "request"),
        Some(detail) => tracing::info!(
            interface, code = %outcome.code, status = reply.status, latency_us, keys,
            detail = %crate::redact::bounded(&crate::codec::escape(detail), LOGGED_DETAIL), "request refused"
        ),
    }
    to_response(reply)
}

/// `orderId=2021…,cardNo=6****2`: each value shown as the spec's `keys:` helper shows it (redacted, bounded).
fn show_keys(keys: &[(String, String)]) -> String {
    let shown: Vec<String> = keys.iter().map(|(key, value)| format!("{key}={value}")).collect();
    shown.join(",")
}

/// The most of a refusal's detail one log line carries (a list of violations can be long).
const LOGGED_DETAIL: usize = 512;

fn wsdl(shared: &Shared, RawQuery(query): RawQuery, headers: &HeaderMap) -> Response {
    if !query.as_deref().is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        return (StatusCode::NOT_FOUND, "append ?wsdl for the service description").into_response();
    }
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let base = shared.config.base_url.clone().unwrap_or_else(|| format!("http://{host}"));
    match soap::wsdl(&shared.platform, shared.side, &base) {
        Some(wsdl) => ([("content-type", "text/xml; charset=utf-8")], wsdl).into_response(),
        None => (StatusCode::NOT_FOUND, "this platform has no SOAP binding").into_response(),
    }
}

fn to_response(reply: HttpReply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
