//! A client of one side of a platform, built from its protocol: seal the request (sign, encrypt), send it over a
//! binding with reqwest, and trust nothing in the reply until its signature verifies; then decrypt, parse and
//! validate. Generated per-side clients are thin typed wrappers over [`Client::call`].

mod error;
mod hook;
mod probe;

pub use error::CallError;
pub use hook::{Attempt, Hook};
pub use probe::{Exchange, SignatureDamage, Tamper, TextDamage};

use crate::Violations;
use crate::codec::Limits;
use crate::envelope::{Envelope, OpenedPayload, Payload};
use crate::schema::{Direction, EnvelopeRole, HttpMethod, InterfaceSchema, PlatformSchema, ProtocolSchema, Side};
use crate::secret::Inputs;
use crate::transport::{self, Binding, HttpReply, HttpRequest};
use crate::validate::check;
use crate::{Interface, Message};
use chrono::FixedOffset;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// What a client is configured with besides its address.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The caller's credentials: the key that signs and verifies, the partner or app id it sends.
    pub credentials: Inputs,
    /// The binding by name (`xml`, `get`, `soap12`); by default the protocol's first.
    pub binding: Option<String>,
    /// The whole of one attempt: connect, send, and read the reply.
    pub timeout: Duration,
    /// Further attempts after a timeout or a failed connection, for interfaces the spec marks `retry: safe`.
    pub retries: u32,
    /// The pause before the first retry; it doubles with each further one.
    pub backoff: Duration,
    /// The largest reply and the deepest nesting read.
    pub limits: Limits,
    /// The zone of the platform's timestamps.
    pub utc_offset: FixedOffset,
    /// Which rule classes of a reply's validation only warn (accept, log, count); strict by default.
    pub strictness: crate::strictness::Strictness,
    /// The schema to call with instead of the one the client is given: the same platform with a counterpart
    /// profile merged in. Ignored for another platform.
    pub schema: Option<Arc<PlatformSchema>>,
}

impl ClientConfig {
    /// Defaults: the first binding, 30 s per attempt, 2 retries from 200 ms, 1 MiB replies, China Standard Time.
    pub fn new(credentials: Inputs) -> ClientConfig {
        ClientConfig {
            credentials,
            binding: None,
            timeout: Duration::from_secs(30),
            retries: 2,
            backoff: Duration::from_millis(200),
            limits: Limits::default(),
            utc_offset: crate::clock::china_standard_time(),
            strictness: crate::strictness::Strictness::STRICT,
            schema: None,
        }
    }
}

/// A verified reply: its return code and message, and the payload read from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<T> {
    pub code: String,
    pub message: String,
    /// Whether `code` is the platform's success code.
    pub success: bool,
    /// The business payload; `None` when the reply carries none (a refusal).
    pub response: Option<T>,
    /// The reply envelope's fields other than the payload.
    pub envelope: Map<String, Value>,
    /// The rules the payload breaks; a typed call fails instead of returning any.
    pub violations: Violations,
    /// The rules it breaks that the client's strictness accepts, already logged and counted.
    pub warnings: Violations,
}

/// Calls the interfaces one side of a platform provides.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    platform: Arc<PlatformSchema>,
    side: Side,
    base_url: String,
    config: ClientConfig,
    http: reqwest::Client,
    hooks: Vec<Arc<dyn Hook>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("platform", &self.inner.platform.name)
            .field("side", &self.inner.side)
            .field("base_url", &self.inner.base_url)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the interfaces `side` provides, at `base_url` (`http://127.0.0.1:8080`).
    pub fn new(
        platform: Arc<PlatformSchema>,
        side: Side,
        base_url: &str,
        config: ClientConfig,
    ) -> Result<Client, CallError> {
        let platform = match &config.schema {
            Some(profiled) if profiled.name == platform.name => profiled.clone(),
            _ => platform,
        };
        let protocol = platform.protocol.as_ref().ok_or_else(|| CallError::NoProtocol(platform.name.to_string()))?;
        if Binding::named(protocol, config.binding.as_deref()).is_none() {
            let known: Vec<&str> = protocol.bindings.iter().map(|b| &*b.name).collect();
            return Err(CallError::UnknownBinding {
                name: config.binding.clone().unwrap_or_default(),
                known: known.join(", "),
            });
        }
        let http =
            reqwest::Client::builder().timeout(config.timeout).build().map_err(|e| CallError::Http(e.to_string()))?;
        let base_url = base_url.trim_end_matches('/').to_owned();
        // Every call's inputs start from the credentials: cloned then, not copied.
        let config = ClientConfig { credentials: config.credentials.shared(), ..config };
        Ok(Client { inner: Arc::new(Inner { platform, side, base_url, config, http, hooks: Vec::new() }) })
    }

    /// Adds a hook that sees every attempt (auth headers, logging, metrics).
    pub fn with_hook(mut self, hook: impl Hook) -> Client {
        Arc::make_mut(&mut self.inner).hooks.push(Arc::new(hook));
        self
    }

    pub fn platform(&self) -> &PlatformSchema {
        &self.inner.platform
    }

    /// Calls interface `I` with a typed request; the reply's payload must satisfy the spec.
    pub async fn call<I: Interface>(&self, request: &I::Request) -> Result<Reply<I::Response>, CallError> {
        let (platform, interface) = I::schema();
        if platform.name != self.inner.platform.name {
            return Err(CallError::UnknownInterface {
                name: interface.name.to_string(),
                platform: self.inner.platform.name.to_string(),
            });
        }
        request.validate().map_err(CallError::Invalid)?;
        let value = request.to_value().map_err(|e| CallError::Seal(e.to_string()))?;
        let reply = self.call_value(&interface.name, &value).await?;
        if !reply.violations.is_empty() {
            return Err(CallError::InvalidReply { code: reply.code, violations: reply.violations });
        }
        let response = match reply.response {
            // Checked in `open` against this client's schema (a profile merged in), under its strictness.
            Some(value) => Some(I::Response::from_checked(value).map_err(|e| CallError::Reply(e.to_string()))?),
            None => None,
        };
        Ok(Reply {
            code: reply.code,
            message: reply.message,
            success: reply.success,
            response,
            envelope: reply.envelope,
            violations: Violations::default(),
            warnings: reply.warnings,
        })
    }

    /// Calls an interface by name with a payload tree (fields by their wire names). The request must satisfy the
    /// spec; the reply's violations are returned beside its payload.
    pub async fn call_value(&self, interface: &str, payload: &Value) -> Result<Reply<Value>, CallError> {
        let platform = &*self.inner.platform;
        let (protocol, binding, schema) = self.parts(interface)?;
        let mut request = payload.clone();
        check(platform, schema.request, &mut request).into_result().map_err(CallError::Invalid)?;
        let span = tracing::info_span!(
            "hisgate.call",
            platform = %platform.name,
            interface = %schema.name,
            binding = %binding.schema.name,
            code = tracing::field::Empty,
        );
        async {
            tracing::debug!(payload = %crate::redact::payload(platform, schema.request, &request), "request");
            let (reply, sent) = self.exchange(protocol, binding, schema, &request).await?;
            let reply = self.open(binding, schema, reply, &sent)?;
            tracing::Span::current().record("code", reply.code.as_str());
            if let Some(payload) = &reply.response {
                tracing::debug!(payload = %crate::redact::payload(platform, schema.response, payload), "response");
            }
            Ok(reply)
        }
        .instrument(span)
        .await
    }

    /// The protocol, the configured binding and the schema of an interface this client's side provides.
    fn parts(&self, interface: &str) -> Result<(&ProtocolSchema, Binding<'_>, &InterfaceSchema), CallError> {
        let inner = &*self.inner;
        let platform = &*inner.platform;
        let protocol = platform.protocol.as_ref().ok_or_else(|| CallError::NoProtocol(platform.name.to_string()))?;
        let schema =
            platform.interfaces.iter().find(|i| i.name == interface && i.provider == inner.side).ok_or_else(|| {
                CallError::UnknownInterface { name: interface.to_owned(), platform: platform.name.to_string() }
            })?;
        // An interface that travels under one binding (`binding:`) always does.
        let name = schema.binding.as_deref().or(inner.config.binding.as_deref());
        let binding = Binding::named(protocol, name).ok_or_else(|| CallError::UnknownBinding {
            name: inner.config.binding.clone().unwrap_or_default(),
            known: String::new(),
        })?;
        Ok((protocol, binding, schema))
    }

    /// Seals and sends, once or, for a retry-safe interface, until an attempt gets an answer.
    async fn exchange(
        &self,
        protocol: &ProtocolSchema,
        binding: Binding<'_>,
        interface: &InterfaceSchema,
        request: &Value,
    ) -> Result<(HttpReply, HttpRequest), CallError> {
        let inner = &*self.inner;
        let attempts = if interface.retry_safe { inner.config.retries + 1 } else { 1 };
        let mut pause = inner.config.backoff;
        let mut attempt = 1;
        loop {
            // Each attempt is sealed afresh: a new timestamp, so a replay window never refuses a retry.
            let mut http = self.seal(protocol, binding, interface, request, &Tamper::default())?;
            let info = Attempt {
                platform: &inner.platform.name,
                interface: &interface.name,
                binding: &binding.schema.name,
                number: attempt,
            };
            for hook in &inner.hooks {
                hook.before_send(&info, &mut http);
            }
            let started = Instant::now();
            let outcome = self.send(&http).await;
            for hook in &inner.hooks {
                hook.after_reply(&info, outcome.as_ref(), started.elapsed());
            }
            match outcome {
                Err(e) if e.is_retryable() && attempt < attempts => {
                    tracing::warn!(attempt, error = %e, "retrying after {pause:?}");
                    tokio::time::sleep(pause).await;
                    pause = pause.saturating_mul(2);
                    attempt += 1;
                }
                other => return other.map(|reply| (reply, http)),
            }
        }
    }

    fn seal(
        &self,
        protocol: &ProtocolSchema,
        binding: Binding<'_>,
        interface: &InterfaceSchema,
        request: &Value,
        tamper: &Tamper,
    ) -> Result<HttpRequest, CallError> {
        let inner = &*self.inner;
        let platform = &*inner.platform;
        let service = tamper.service.as_deref().unwrap_or(&interface.service);
        let mut inputs = inner.config.credentials.clone().with("service", service.to_owned());
        if let Some(field) = protocol.request.fields.iter().find(|f| f.value.as_deref() == Some("{timestamp}")) {
            let now = crate::clock::now(inner.config.utc_offset) + tamper.clock_skew;
            inputs.set("timestamp", crate::schema::render_timestamp(field.format.as_ref(), now), false);
        }
        for (name, value) in &tamper.inputs {
            inputs.set(name.clone(), value.clone(), true);
        }
        let envelope =
            Envelope::of_interface(protocol, Direction::Request, inner.side).with_values(&interface.envelope);
        // An interface sent encrypted (a notification's `resource`) selects its scheme at the rule's dotted select.
        if let (Some(scheme), Some(select)) =
            (&interface.encrypted, protocol.encryption.as_ref().and_then(|e| e.select.as_ref()))
        {
            if inputs.get(select).is_none() {
                inputs.set(select.to_string(), scheme.to_string(), false);
            }
        }
        if envelope.reads("now") && inputs.get("now").is_none() {
            // `{now}` (a notification's create_time) at the configured offset, on the clock the timestamp reads.
            inputs.set("now", crate::clock::rfc3339(inner.config.utc_offset, tamper.clock_skew), false);
        }
        let inputs = envelope.completed_inputs(inputs);
        // The fields the path carries travel there, not in the body or the query.
        let path_fields = interface.path_fields();
        let (request, path_values) = split_path_fields(request, &path_fields);
        let payload = Payload { value: &request, schema: Some((platform, interface.request)), root: None };
        let sealed = envelope
            .seal_deferred(payload, binding.format(), &inputs, tamper.alter())
            .map_err(|e| CallError::Seal(e.to_string()))?;
        let renamed;
        let interface = match &tamper.service {
            Some(service) => {
                renamed = InterfaceSchema { service: service.clone().into(), ..interface.clone() };
                &renamed
            }
            None => interface,
        };
        let mut http = binding
            .request_with(inner.side, interface, &sealed, &path_values)
            .map_err(|e| CallError::Seal(e.to_string()))?;
        // A lines rule signs the request as it goes: its method, its target with the query, its body.
        let inputs = inputs.with("method", http.method_name()).with("path", http.target());
        let body = http.body.clone();
        envelope
            .sign_sent(&mut http.headers, &body, &inputs, tamper.alter())
            .map_err(|e| CallError::Seal(e.to_string()))?;
        Ok(http)
    }

    async fn send(&self, request: &HttpRequest) -> Result<HttpReply, CallError> {
        let inner = &*self.inner;
        let url = format!("{}{}", inner.base_url, request.target());
        let builder = match request.method {
            HttpMethod::Get => inner.http.get(&url),
            HttpMethod::Post => inner.http.post(&url).body(request.body.clone()),
        };
        let builder = request.headers.iter().fold(builder, |b, (name, value)| b.header(name, value));
        let mut response = builder.send().await.map_err(|e| CallError::from_reqwest(e, inner.config.timeout))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let limit = inner.config.limits.max_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(CallError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| CallError::from_reqwest(e, inner.config.timeout))? {
            if body.len() + chunk.len() > limit {
                return Err(CallError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        let body = String::from_utf8(body).map_err(|_| CallError::Reply("the reply is not UTF-8".into()))?;
        Ok(HttpReply { status, headers, body })
    }

    /// Verifies, decrypts and reads a reply. Nothing in it is read before its signature verifies.
    fn open(
        &self,
        binding: Binding<'_>,
        interface: &InterfaceSchema,
        reply: HttpReply,
        sent: &HttpRequest,
    ) -> Result<Reply<Value>, CallError> {
        let target = sent.target();
        let reading = Reading { request_line: Some((sent.method_name(), &target)), ..self.reading() };
        open(&reading, binding, interface, &interface.service, &reply)
    }

    fn reading(&self) -> Reading<'_> {
        let inner = &*self.inner;
        Reading {
            platform: &inner.platform,
            credentials: &inner.config.credentials,
            limits: inner.config.limits,
            strictness: inner.config.strictness,
            request_line: None,
        }
    }
}

/// The payload without the fields its interface's path carries, and those fields' values as text.
pub fn split_path_fields<'v>(
    payload: &'v Value,
    path_fields: &[&str],
) -> (std::borrow::Cow<'v, Value>, Vec<(String, String)>) {
    let Value::Object(map) = payload else { return (std::borrow::Cow::Borrowed(payload), Vec::new()) };
    if path_fields.is_empty() || !path_fields.iter().any(|f| map.contains_key(*f)) {
        return (std::borrow::Cow::Borrowed(payload), Vec::new());
    }
    let mut rest = map.clone();
    let mut values = Vec::new();
    for field in path_fields {
        if let Some(value) = rest.shift_remove(*field) {
            values.push((field.to_string(), crate::validate::scalar_text(&value).unwrap_or_else(|| value.to_string())));
        }
    }
    (std::borrow::Cow::Owned(Value::Object(rest)), values)
}

/// What reading a reply needs: the schema, the caller's credentials, the limits and the strictness.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub platform: &'a PlatformSchema,
    pub credentials: &'a Inputs,
    pub limits: Limits,
    pub strictness: crate::strictness::Strictness,
    /// The method and target (path and query) of the request answered, for a rule whose lines read them.
    pub request_line: Option<(&'a str, &'a str)>,
}

impl Reading<'_> {
    /// What a reply to a request called as `service` is verified with: the caller's credentials, the service, and
    /// the request's line where the reply's rule reads it (the body as sent joins when the envelope is opened).
    pub fn inputs(&self, envelope: &Envelope, service: &str) -> Inputs {
        let mut inputs = self.credentials.clone().with("service", service.to_owned());
        if let Some((method, target)) = self.request_line.filter(|_| envelope.rule().is_lines()) {
            inputs.set("method", method.to_owned(), false);
            inputs.set("path", target.to_owned(), false);
        }
        inputs
    }
}

/// Verifies, decrypts and reads a reply to `interface`, called as `service` (its name or the alias the request
/// used), as a client does: nothing in it is read before its signature verifies. A proxy reads replies with it too.
pub fn open(
    reading: &Reading<'_>,
    binding: Binding<'_>,
    interface: &InterfaceSchema,
    service: &str,
    reply: &HttpReply,
) -> Result<Reply<Value>, CallError> {
    let platform = reading.platform;
    let protocol = platform.protocol.as_ref().ok_or_else(|| CallError::NoProtocol(platform.name.to_string()))?;
    let limits = reading.limits;
    // .NET writers start UTF-8 text with a byte-order mark; it is not part of the envelope.
    let body = reply.body.strip_prefix('\u{feff}').unwrap_or(&reply.body);
    let text = match binding.reply_envelope(body, limits) {
        Ok(text) => text,
        Err(e) => return Err(status_or(reply.status, &reply.body, CallError::Reply(e.to_string()))),
    };
    let envelope = Envelope::of_interface(protocol, Direction::Response, interface.provider);
    let inputs = reading.inputs(&envelope, service);
    let opened = match envelope.open_text(&text, &reply.headers, binding.format(), &inputs, limits) {
        Ok(opened) => opened,
        Err(e) => return Err(status_or(reply.status, &reply.body, CallError::Verify(e.to_string()))),
    };
    let role =
        |role: EnvelopeRole| {
            let field = protocol.response.field_with_role(role)?;
            opened.fields.get(&*field.name).and_then(crate::validate::scalar_text).or_else(|| {
                reply.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(&field.name)).map(|(_, v)| v.clone())
            })
        };
    // Where statuses carry codes, a reply without a code field has the code of its status: a 2xx the success code.
    let by_status = || {
        let declared = platform.return_codes.iter().chain(interface.return_codes.iter());
        let mut declared = declared.filter(|c| c.status.is_some());
        let mut all = declared.clone();
        declared
            .find(|c| c.status == Some(reply.status))
            .or_else(|| (200..300).contains(&reply.status).then(|| all.find(|c| c.success)).flatten())
    };
    let from_status = role(EnvelopeRole::Code).is_none().then(by_status).flatten();
    let code = role(EnvelopeRole::Code).or_else(|| from_status.map(|c| c.code.to_string())).unwrap_or_default();
    let message =
        role(EnvelopeRole::Message).or_else(|| from_status.map(|c| c.message.to_string())).unwrap_or_default();
    let success =
        platform.return_codes.iter().any(|c| c.success && (c.code == code || c.aliases.iter().any(|a| *a == code)));
    let payload = match opened.payload {
        OpenedPayload::Text(text) => Some(
            transport::parse_body(binding.format(), &text, limits)
                .map_err(|e| CallError::Reply(format!("the decrypted payload: {e}")))?,
        ),
        OpenedPayload::Value(Value::Null) => None,
        OpenedPayload::Value(Value::Object(map)) if map.is_empty() && !success => None,
        OpenedPayload::Value(value) => Some(value),
    };
    let (mut violations, mut warnings) = (Violations::default(), Violations::default());
    let response = payload.map(|mut value| {
        (violations, warnings) = reading.strictness.split(check(platform, interface.response, &mut value));
        value
    });
    crate::strictness::record(&platform.name, &interface.name, crate::strictness::Flow::Reply, &warnings);
    Ok(Reply { code, message, success, response, envelope: opened.fields, violations, warnings })
}

/// A reply that cannot be read is reported by its HTTP status when that is not 200: the status says more.
fn status_or(status: u16, body: &str, otherwise: CallError) -> CallError {
    if status == 200 {
        otherwise
    } else {
        let shown: String = body.chars().take(200).collect();
        CallError::Status { status, body: shown }
    }
}
