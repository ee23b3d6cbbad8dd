//! What a proxy makes of an exchange, with the code the servers and clients use: the request read by the server
//! pipeline's own steps (`server::inbound::read`), the reply by the client's (`client::open`), a refused signature
//! diagnosed by `hisgate explain`'s search, payloads redacted as the spec declares, business keys as `keys:` says.

use super::record::{Broken, Exchange, Key, Refused, Signature, Verdict};
use super::route::{self, Route};
use crate::client::{self, CallError};
use crate::envelope::Envelope;
use crate::schema::{Direction, HttpMethod, InterfaceSchema, PlatformSchema};
use crate::server::inbound::{self, Read, Reader, Request};
use crate::server::{Failure, ServerConfig};
use crate::signature::diagnose::{self, Options};
use crate::transport::{self, Binding, HttpReply};
use bytes::Bytes;
use serde_json::Value;

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Captured {
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Why the proxy refused it before reading it whole (a body over the limit, or too slow).
    pub refused: Option<String>,
}

impl Captured {
    /// A request's method, target and headers as it arrived; its body comes later.
    pub fn of(at_ms: i64, parts: &axum::http::request::Parts) -> Captured {
        Captured {
            at_ms,
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: Bytes::new(),
            refused: None,
        }
    }

    /// The request's target as sent: its path, and its query where it has one.
    pub fn target(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }

    fn content_type(&self) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str())
    }
}

/// What the upstream answered, as it answered it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// The request read on the side whose routes it reaches.
pub(crate) struct RequestReading {
    pub route: Option<Route>,
    pub read: Option<Read>,
}

/// Reads a request as the server of the side it reaches would (`side`, where the upstream's role is known). A
/// path both sides serve (SOAP) is read as each side's: the first reading that accepts the request wins, else the
/// first that finds the interface the envelope names (DownloadStatement and the hospital's GetStatement share the
/// service name `GetStatement`).
pub(crate) fn request(
    platform: &PlatformSchema,
    config: &ServerConfig,
    captured: &Captured,
    side: Option<crate::schema::Side>,
    diagnose: Option<Options>,
) -> RequestReading {
    let method = if captured.method.eq_ignore_ascii_case("GET") { HttpMethod::Get } else { HttpMethod::Post };
    let routes = if matches!(captured.method.as_str(), "GET" | "POST") {
        route::routes(platform, method, &captured.path)
    } else {
        Vec::new()
    };
    let mut readings = Vec::new();
    for route in routes.into_iter().filter(|r| side.is_none_or(|side| r.side == side)) {
        let reader = Reader { platform, side: route.side, config, diagnose };
        let target = captured.target();
        let request = Request {
            method: &captured.method,
            target: &target,
            path_params: &route.path_params,
            bindings: &route.bindings,
            interface: route.interface.as_deref(),
            path_service: route.path_service.as_deref(),
            query: captured.query.as_deref(),
            headers: &captured.headers,
            content_type: captured.content_type(),
            body: &captured.body,
            refused: captured.refused.as_deref().or(route.unreadable.as_deref()),
        };
        let read = inbound::read(&reader, &request);
        if read.outcome.is_ok() {
            return RequestReading { route: Some(route), read: Some(read) };
        }
        readings.push((route, read));
    }
    let best = match readings.iter().position(|(route, read)| provided(platform, route, read).is_some()) {
        Some(found) => Some(readings.swap_remove(found)),
        None => readings.into_iter().next(),
    };
    match best {
        Some((route, read)) => RequestReading { route: Some(route), read: Some(read) },
        None => RequestReading { route: None, read: None },
    }
}

/// The interface a read request names, where the route's side provides it.
fn provided<'p>(platform: &'p PlatformSchema, route: &Route, read: &Read) -> Option<&'p InterfaceSchema> {
    let name = read.found.service.as_deref()?;
    platform.interfaces.iter().find(|i| i.name == name && i.provider == route.side)
}

/// The refusal the server pipeline gives a request it read, where it refuses it with one of the platform's codes.
pub(crate) fn refusal(reading: &RequestReading) -> Option<&Failure> {
    reading.read.as_ref()?.outcome.as_ref().err()
}

/// The whole exchange, for the journal.
pub(crate) struct Outcome<'a> {
    pub captured: &'a Captured,
    pub reading: RequestReading,
    /// The upstream's answer, or why there was none; `None` when the request was not forwarded.
    pub upstream: Option<Result<Answer, String>>,
    pub status: u16,
    pub latency_us: u64,
}

pub(crate) fn exchange(
    platform: &PlatformSchema,
    config: &ServerConfig,
    outcome: Outcome<'_>,
    diagnose: Options,
) -> Exchange {
    let Outcome { captured, reading, upstream, status, latency_us } = outcome;
    let mut exchange = Exchange {
        at_ms: captured.at_ms,
        platform: platform.name.to_string(),
        method: captured.method.clone(),
        target: captured.target(),
        status,
        latency_us,
        forwarded: upstream.is_some(),
        ..Exchange::default()
    };
    let protocol = platform.protocol.as_ref();
    let binding =
        reading.read.as_ref().and_then(|r| Some(Binding::new(protocol?, protocol?.bindings.get(r.binding?)?)));
    exchange.binding = binding.map(|b| b.schema.name.to_string());
    let interface = match (&reading.route, &reading.read) {
        (Some(route), Some(read)) => provided(platform, route, read),
        _ => None,
    };
    exchange.interface = interface.map(|i| i.name.to_string());
    exchange.provider = interface.map(|i| i.provider.to_string());
    let mut request_payload = Value::Null;
    // Whether the reply's code is the platform's success code.
    let mut success = false;
    match &reading.read {
        None => {
            let detail = match &captured.refused {
                Some(why) => why.clone(),
                None => format!("no binding of {} serves {} {}", platform.name, captured.method, captured.path),
            };
            exchange.request.refused = Some(Refused { code: String::new(), detail });
        }
        Some(read) => {
            let found = &read.found;
            exchange.request.signature = match found.verified {
                Some(true) => Signature::Verified,
                Some(false) => Signature::Failed,
                None => Signature::Unchecked,
            };
            exchange.request.diagnosis = found.diagnosis.clone();
            // Accepted, the request's violations are the ones its strictness only warns about.
            let broken = found.violations.iter().map(Broken::from).collect();
            match read.outcome {
                Ok(_) => exchange.request.warnings = broken,
                Err(_) => exchange.request.violations = broken,
            }
            exchange.keys =
                found.keys.iter().map(|(name, value)| Key { name: name.clone(), value: value.clone() }).collect();
            match &read.outcome {
                Ok((envelope, payload)) => {
                    exchange.request.envelope = envelope.clone();
                    if let Some(i) = interface {
                        exchange.request.payload = Some(crate::redact::payload(platform, i.request, payload));
                    }
                    request_payload = payload.clone();
                }
                Err(refusal) => {
                    let interface = exchange.interface.as_deref().unwrap_or_default();
                    let (code, detail) = protocol.map(|p| refusal.answer(&p.failures, interface)).unwrap_or_default();
                    exchange.request.refused = Some(Refused { code, detail });
                }
            }
        }
    }
    match upstream {
        None => {}
        Some(Err(reason)) => exchange.upstream_error = Some(reason),
        Some(Ok(answer)) => {
            if let (Some(binding), Some(interface), Some(read)) = (binding, interface, &reading.read) {
                let service = read.found.alias.clone().unwrap_or_else(|| interface.service.to_string());
                let target = captured.target();
                success = reply(
                    platform,
                    config,
                    binding,
                    interface,
                    &service,
                    (&captured.method, &target),
                    &answer,
                    &request_payload,
                    diagnose,
                    &mut exchange,
                );
            } else {
                exchange.reply.refused = Some(Refused {
                    code: String::new(),
                    detail: "not read: the request names no interface of the spec".to_owned(),
                });
            }
        }
    }
    exchange.verdict = verdict(&exchange, success);
    exchange
}

/// Reads the reply as the client does; a signature that does not verify is diagnosed. Whether its code is the
/// platform's success code.
#[allow(clippy::too_many_arguments)]
fn reply(
    platform: &PlatformSchema,
    config: &ServerConfig,
    binding: Binding<'_>,
    interface: &InterfaceSchema,
    service: &str,
    request_line: (&str, &str),
    answer: &Answer,
    request_payload: &Value,
    diagnose: Options,
    exchange: &mut Exchange,
) -> bool {
    let Ok(body) = std::str::from_utf8(&answer.body) else {
        exchange.upstream_error = Some(format!("the reply (HTTP {}) is not UTF-8", answer.status));
        return false;
    };
    let http = HttpReply { status: answer.status, headers: answer.headers.clone(), body: body.to_owned() };
    let reading = client::Reading {
        platform,
        credentials: &config.credentials,
        limits: config.limits,
        strictness: config.strictness,
        // A reply whose rule signs the request's line (WeChat Pay v3's) verifies against the request it answers.
        request_line: Some(request_line),
    };
    match client::open(&reading, binding, interface, service, &http) {
        Ok(reply) => {
            let success = reply.success;
            exchange.reply.signature = Signature::Verified;
            exchange.code = Some(reply.code);
            exchange.message = Some(reply.message);
            exchange.reply.envelope = reply.envelope;
            exchange.reply.violations = reply.violations.iter().map(Broken::from).collect();
            exchange.reply.warnings = reply.warnings.iter().map(Broken::from).collect();
            let keys =
                crate::business_keys::business_keys(platform, interface, request_payload, reply.response.as_ref());
            for (name, value) in keys {
                if !exchange.keys.iter().any(|k| k.name == name) {
                    exchange.keys.push(Key { name, value });
                }
            }
            exchange.reply.payload = reply.response.map(|mut p| {
                crate::redact::mask(platform, interface.response, &mut p);
                p
            });
            return success;
        }
        Err(CallError::Verify(detail)) => {
            // Diagnosed under the rule the reply was checked with (its sender's own, where it has one), with the
            // inputs it was checked with.
            let diagnosis = platform.protocol.as_ref().and_then(|protocol| {
                let envelope = Envelope::of_interface(protocol, Direction::Response, interface.provider);
                let mut inputs = reading.inputs(&envelope, service);
                if envelope.rule().is_lines() {
                    inputs.set("body", body.to_owned(), false);
                }
                let fields = reply_fields(binding, &http, config)?;
                diagnose::refused(platform, &envelope, &fields, &http.headers, &inputs, binding.format(), diagnose)
            });
            // A signature the rule reproduces is fine: it was the decryption that failed.
            let signed_right = diagnosis.as_ref().is_some_and(|d| d.matches_rule);
            exchange.reply.signature = if signed_right { Signature::Verified } else { Signature::Failed };
            exchange.reply.diagnosis = diagnosis.filter(|d| !d.matches_rule);
            exchange.reply.refused = Some(Refused { code: String::new(), detail });
        }
        Err(CallError::Status { status, body }) => {
            exchange.upstream_error = Some(format!("HTTP {status}, not the platform's reply: {body}"));
        }
        Err(e) => {
            exchange.upstream_error = Some(format!("the reply cannot be read: {e}"));
        }
    }
    false
}

/// The reply envelope's fields, as the signature covers them.
fn reply_fields(
    binding: Binding<'_>,
    http: &HttpReply,
    config: &ServerConfig,
) -> Option<serde_json::Map<String, Value>> {
    let body = http.body.strip_prefix('\u{feff}').unwrap_or(&http.body);
    if body.is_empty() {
        // A signed reply without a body (WeChat Pay v3's 204): its signature is in the headers.
        return Some(serde_json::Map::new());
    }
    let text = binding.reply_envelope(body, config.limits).ok()?;
    match transport::parse_body(binding.format(), &text, config.limits).ok()? {
        Value::Object(fields) => Some(fields),
        _ => None,
    }
}

/// The worst that happened, in [`Verdict`]'s order.
fn verdict(exchange: &Exchange, success: bool) -> Verdict {
    let (request, reply) = (&exchange.request, &exchange.reply);
    if exchange.upstream_error.is_some() {
        Verdict::UpstreamError
    } else if request.signature == Signature::Failed || reply.signature == Signature::Failed {
        Verdict::SignatureFailed
    } else if request.refused.is_some()
        || reply.refused.is_some()
        || !request.violations.is_empty()
        || !reply.violations.is_empty()
    {
        Verdict::Invalid
    } else if exchange.forwarded && !success {
        Verdict::BusinessError
    } else {
        Verdict::Ok
    }
}
