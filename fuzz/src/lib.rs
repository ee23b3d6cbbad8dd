//! The fuzz harness: each input (see [`input`]) becomes an HTTP request to a platform's generated server — its
//! real axum router, called with `tower::ServiceExt::oneshot` — and the reply must pass [`reply::check`].
//!
//! The handler behind the router implements no method, so a request that survives envelope parsing, field checks,
//! verification, decryption and typed parsing reaches the generated default, `Failure::Unsupported`; the harness
//! answers it with the interface's sample response, so that sealed success replies are checked too.

pub mod input;
pub mod platforms;
pub mod reply;
pub mod seal;
pub mod seeds;

use axum::body::Body;
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, EnvelopeError};
use hisgate_runtime::schema::{Direction, HttpMethod, PlatformSchema, ProtocolSchema, Side};
use hisgate_runtime::server::{BoxFuture, Context, Dispatch, Failure, Reply, ServerConfig};
use hisgate_runtime::transport::Binding;
use input::{Input, Raw, Seal};
use reply::Outcome;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// A freshness window that admits the corpus's fixed timestamps (2021 and 2024) for the next decades.
const WINDOW: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// One platform's servers, one per side the target serves.
pub struct Harness {
    platform: &'static PlatformSchema,
    sides: Vec<(Side, Arc<dyn Dispatch>)>,
    routes: Vec<Route>,
    runtime: tokio::runtime::Runtime,
}

/// A (method, path) the router serves, and the bindings that share it.
struct Route {
    side: Side,
    method: HttpMethod,
    /// A path template, `{service}` standing for any one segment as in the axum route.
    path: String,
    bindings: Vec<usize>,
}

impl Harness {
    /// `sides`: each side's generated `Service`, around a handler that implements no method.
    pub fn new(platform: &'static PlatformSchema, sides: Vec<(Side, Arc<dyn Dispatch>)>) -> Harness {
        let protocol = protocol(platform);
        let mut routes: Vec<Route> = Vec::new();
        for &(side, _) in &sides {
            for (index, binding) in protocol.bindings.iter().enumerate() {
                for interface in platform.interfaces.iter().filter(|i| i.provider == side) {
                    // `{path}` expands per interface, as the router does; `{service}` stays a parameter.
                    let path = binding.path(side).replace("{path}", interface.path.as_deref().unwrap_or_default());
                    match routes.iter_mut().find(|r| r.side == side && r.method == binding.method && r.path == path) {
                        Some(route) if !route.bindings.contains(&index) => route.bindings.push(index),
                        Some(_) => {}
                        None => routes.push(Route { side, method: binding.method, path, bindings: vec![index] }),
                    }
                }
            }
        }
        // Timers: the server bounds each request's body read in time.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a tokio runtime");
        let sides = sides.into_iter().map(|(side, service)| (side, answering(platform, service))).collect();
        Harness { platform, sides, routes, runtime }
    }

    pub fn platform(&self) -> &'static PlatformSchema {
        self.platform
    }

    pub fn sides(&self) -> impl Iterator<Item = Side> + '_ {
        self.sides.iter().map(|(side, _)| *side)
    }

    /// Sends one input and checks the reply; `None` when the bytes are no input for this platform (libFuzzer
    /// then leaves them out of the corpus).
    pub fn run(&self, data: &[u8]) -> Option<Outcome> {
        match Input::parse(data)? {
            Input::Raw(raw) => self.raw(&raw),
            Input::Seal(seal) => self.seal(&seal),
        }
    }

    fn raw(&self, raw: &Raw<'_>) -> Option<Outcome> {
        let protocol = protocol(self.platform);
        let request = http_request(raw.method, raw.path, raw.query, &raw.headers, raw.body.to_vec())?;
        // The path as the router sees it: `http` drops a `#fragment` (`/#op_x` is `/`, which `/{service}` does not
        // serve), so the fuzzer's text alone would pick a route the request never reaches.
        let path = request.uri().path();
        let route = self.routes.iter().find(|r| r.side == raw.side && r.method == raw.method && matches(&r.path, path))?;
        let bindings: Vec<Binding> = route.bindings.iter().map(|i| Binding::new(protocol, &protocol.bindings[*i])).collect();
        Some(self.send(raw.side, request, &bindings))
    }

    fn seal(&self, seal: &Seal<'_>) -> Option<Outcome> {
        let protocol = protocol(self.platform);
        self.sides.iter().find(|(side, _)| *side == seal.side)?;
        let binding = Binding::named(protocol, Some(seal.binding))?;
        let interface = self.platform.interfaces.iter().find(|i| i.provider == seal.side && i.name == seal.interface)?;
        let sealed = seal::seal(self.platform, binding, interface, seal.payload).ok()?;
        // What one party seals, the other verifies, whatever the payload.
        let opened = Envelope::new(protocol, Direction::Request).open_text(
            &sealed.body,
            &sealed.headers,
            binding.format(),
            &seal::inputs(protocol, interface),
            Limits::default(),
        );
        if let Err(e @ EnvelopeError::Verify(_)) = opened {
            panic!("a request sealed for `{}` does not verify: {e}\n{}", interface.name, sealed.body);
        }
        let http = binding.request(seal.side, interface, &sealed).ok()?;
        let query = seal::query_string(&http);
        let headers: Vec<(&str, &str)> = http.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let request = http_request(http.method, &http.path, query.as_deref(), &headers, http.body.into_bytes())?;
        Some(self.send(seal.side, request, &[binding]))
    }

    fn send(&self, side: Side, request: axum::http::Request<Body>, bindings: &[Binding<'_>]) -> Outcome {
        let (_, service) = self.sides.iter().find(|(s, _)| *s == side).expect("a route of a served side");
        let mut config = ServerConfig::new(self.platform, seal::credentials(protocol(self.platform)));
        config.freshness_window = config.freshness_window.map(|_| WINDOW);
        // A router per input: its replay guard then remembers no earlier input, and each run is the same.
        let router = hisgate_runtime::server::router(self.platform.shared(), side, service.clone(), config)
            .expect("a platform with a protocol");
        let (status, headers, body) = self.runtime.block_on(async move {
            let response = router.oneshot(request).await.unwrap_or_else(|never| match never {});
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().expect("an ASCII header value").to_owned()))
                .collect();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("an in-memory body");
            (status, headers, body)
        });
        reply::check(self.platform, bindings, status, &headers, &body)
    }
}

fn protocol(platform: &PlatformSchema) -> &ProtocolSchema {
    platform.protocol.as_ref().expect("a platform with a protocol")
}

/// Whether `path` is one the route template serves: `{…}` segments match any non-empty segment.
fn matches(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

/// `None` where the parts make no HTTP request (a header name with a space, a path with a control character).
fn http_request(
    method: HttpMethod,
    path: &str,
    query: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Option<axum::http::Request<Body>> {
    let method = match method {
        HttpMethod::Get => axum::http::Method::GET,
        HttpMethod::Post => axum::http::Method::POST,
    };
    let uri = query.map_or_else(|| path.to_owned(), |q| format!("{path}?{q}"));
    let builder = axum::http::Request::builder().method(method).uri(uri);
    let builder = headers.iter().fold(builder, |b, (name, value)| b.header(*name, *value));
    builder.body(Body::from(body)).ok()
}

/// Wraps a side's service: where the handler declines (it implements no method), answers the sample response.
fn answering(platform: &'static PlatformSchema, service: Arc<dyn Dispatch>) -> Arc<dyn Dispatch> {
    Arc::new(Answering { platform, service })
}

struct Answering {
    platform: &'static PlatformSchema,
    service: Arc<dyn Dispatch>,
}

impl Dispatch for Answering {
    fn dispatch(&self, interface: &str, payload: Value, context: Context) -> BoxFuture<Result<Reply, Failure>> {
        let platform = self.platform;
        let response = platform.interfaces.iter().find(|i| i.name == interface).map(|i| i.response);
        let typed = self.service.dispatch(interface, payload, context);
        Box::pin(async move {
            match (typed.await, response) {
                (Err(Failure::Unsupported), Some(id)) => {
                    Ok(Reply::from(hisgate_runtime::sample::payload(platform, id)))
                }
                (other, _) => other,
            }
        })
    }
}
