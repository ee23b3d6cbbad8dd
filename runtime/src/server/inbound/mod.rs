//! The inbound pipeline, in the order the protocol declares it: read the body within its limit, parse the
//! envelope, check its fields, find the interface, check freshness, verify and decrypt, validate and dispatch,
//! then seal the reply. Every failure answers with the platform's own code, in a reply signed like any other.
//! One request is an [`Inbound`] whose methods are the stages, each refusing with a [`Failure`] and noting what it
//! finds in the request's [`Found`]. The open and validate stages are in [`open`]; the replay, claim and dispatch
//! stages and the sealing here.

mod open;

use super::checks::{not_utf8, value_of, without_bom};
use super::freshness::{Admission, AdmitError, Ticket};
use super::once::{self, NotClaimed, Once};
use super::{Context, Dispatch, Failure, ReplayGuard, Reply, ServerConfig};
use crate::Violations;
use crate::codec::escape;
use crate::envelope::{Envelope, Payload};
use crate::schema::{Direction, EnvelopeRole, InterfaceSchema, MessageKind, PlatformSchema, ProtocolSchema, Side};
use crate::signature::diagnose::{Diagnosis, Options};
use crate::transport::{self, Binding, HttpReply};
use open::find;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// What every request of one server shares.
pub(super) struct Shared {
    pub platform: Arc<PlatformSchema>,
    pub side: Side,
    pub dispatch: Arc<dyn Dispatch>,
    pub config: ServerConfig,
    pub replay: Option<ReplayGuard>,
    /// The span every request is served in (`hisgate.serve{platform side}`): made at the first request, under the
    /// subscriber then in place, and shared, since its fields are the server's own.
    pub span: std::sync::OnceLock<tracing::Span>,
}

impl Shared {
    fn reader(&self) -> Reader<'_> {
        Reader { platform: &self.platform, side: self.side, config: &self.config, diagnose: None }
    }
}

/// What reading a request needs of a server: its schema, its side and its configuration. A proxy reads with the
/// same steps as the server it stands before, without answering.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub platform: &'a PlatformSchema,
    pub side: Side,
    pub config: &'a ServerConfig,
    /// A refused signature is diagnosed within these options (a proxy's journal); `None`: only when debug
    /// logging is on, briefly.
    pub diagnose: Option<Options>,
}

/// One HTTP request, as the router hands it over.
pub(crate) struct Request<'a> {
    /// The HTTP method and the request target as received (path and query), for a rule whose lines read them.
    pub method: &'a str,
    pub target: &'a str,
    /// The request fields the interface's `{field}` path carried, percent-decoded.
    pub path_params: &'a [(String, String)],
    /// The bindings that share the route (XML and JSON on one path).
    pub bindings: &'a [usize],
    /// The interface, where the route is its own (`{path}`).
    pub interface: Option<&'a str>,
    pub path_service: Option<&'a str>,
    pub query: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    /// Refused before the pipeline could start (a body over the limit), with why.
    pub refused: Option<&'a str>,
}

/// One request on its way through the stages: what it is read with, and what the stages found out so far.
pub(crate) struct Inbound<'r> {
    reader: Reader<'r>,
    protocol: &'r ProtocolSchema,
    binding: Binding<'r>,
    request: &'r Request<'r>,
    found: Found,
}

/// What a request that passed every stage is answered with.
enum Answered {
    /// The handler's payload, to seal under the success code.
    Payload(Reply),
    /// A byte-identical retry of an answered request: the first reply again.
    Repeat(HttpReply),
}

/// What became of one request, for its log line and the metrics.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    /// The interface, once the request named one this side provides.
    pub interface: Option<String>,
    /// The return code answered (the success code, or a refusal's).
    pub code: String,
    /// Why it was refused, where it was.
    pub refused: Option<String>,
    /// The business keys the interface declares (`keys:`), as the request and the reply carry them, shown.
    pub keys: Vec<(String, String)>,
}

pub(super) async fn serve(shared: &Shared, request: Request<'_>) -> (HttpReply, Outcome) {
    let reader = shared.reader();
    let Some(protocol) = shared.platform.protocol.as_ref() else {
        return (plain(500, "this platform declares no protocol"), Outcome::default());
    };
    let text = std::str::from_utf8(request.body).map(without_bom);
    let Some(binding) = pick(protocol, &request, text.unwrap_or_default()) else {
        return (plain(500, "no binding serves this route"), Outcome::default());
    };
    let mut inbound = Inbound::new(reader, protocol, binding, &request);
    let outcome = match text {
        Ok(text) => inbound.pipeline(shared, text).await,
        Err(e) => Err(Failure::refused(&protocol.failures.charset, not_utf8(request.body, e))),
    };
    let Inbound { binding, mut found, .. } = inbound;
    let interface = found.service.as_deref().and_then(|s| find(&reader, Some(s), None));
    let reply_service = reply_service(interface, &found);
    let mut summary =
        Outcome { interface: interface.map(|i| i.name.to_string()), keys: found.keys, ..Outcome::default() };
    let reply = match outcome {
        Ok(Answered::Payload(mut reply)) => {
            // Keys only the reply carries (an id the provider assigns): its tree is built only for those.
            if let Some(i) = interface.filter(|i| reply_may_carry_keys(&shared.platform, i, &summary.keys))
                && let Ok(tree) = reply.tree()
            {
                for (key, shown) in crate::business_keys::business_keys(&shared.platform, i, &Value::Null, Some(tree)) {
                    if !summary.keys.iter().any(|(k, _)| *k == key) {
                        summary.keys.push((key, shown));
                    }
                }
            }
            summary.code =
                shared.platform.return_codes.iter().find(|c| c.success).map(|c| c.code.to_string()).unwrap_or_default();
            seal_reply(&reader, protocol, &binding, interface, &reply_service, line(&request), Ok(reply))
        }
        Ok(Answered::Repeat(reply)) => {
            summary.code = "REPEAT".to_owned();
            reply
        }
        Err(failure) => match found.fault.take() {
            Some(fault) => {
                summary.code = "SOAP_FAULT".to_owned();
                summary.refused = Some("not a SOAP call".to_owned());
                fault
            }
            None => {
                let (code, detail) = failure.answer(&protocol.failures, interface.map_or("", |i| &i.name));
                let reply = seal_reply(
                    &reader,
                    protocol,
                    &binding,
                    interface,
                    &reply_service,
                    line(&request),
                    Err((&code, &detail)),
                );
                (summary.code, summary.refused) = (code, Some(detail));
                reply
            }
        },
    };
    if let Some(ticket) = found.ticket {
        ticket.answered(&reply).await;
    }
    (reply, summary)
}

/// Whether the reply's message has a field for a key the request did not carry (an id the provider assigns).
fn reply_may_carry_keys(platform: &PlatformSchema, interface: &InterfaceSchema, found: &[(String, String)]) -> bool {
    interface.keys.iter().any(|key| {
        !found.iter().any(|(k, _)| k == &**key)
            && crate::business_keys::key_field(&platform.messages, interface.response, key).is_ok()
    })
}

/// The request's method and target, which a reply's lines may read.
fn line<'r>(request: &Request<'r>) -> Option<(&'r str, &'r str)> {
    Some((request.method, request.target))
}

/// The binding of the route's bindings a request uses.
fn pick<'p>(protocol: &'p ProtocolSchema, request: &Request<'_>, text: &str) -> Option<Binding<'p>> {
    let candidates: Vec<Binding> =
        request.bindings.iter().map(|i| Binding::new(protocol, &protocol.bindings[*i])).collect();
    transport::pick(&candidates, request.content_type, text)
}

/// The service a reply names: the alias the request came under, else the interface's own, else as it was sent.
fn reply_service(interface: Option<&InterfaceSchema>, found: &Found) -> String {
    found
        .alias
        .clone()
        .or_else(|| interface.map(|i| i.service.to_string()))
        .unwrap_or_else(|| found.service.clone().unwrap_or_default())
}

/// A request as this side's server reads it, not answered: what the reading found, and the validated payload or
/// the refusal the server would answer (a SOAP fault is a refusal with the malformed code here).
// Read by the proxy's inspection only.
#[cfg_attr(not(feature = "proxy"), allow(dead_code))]
pub(crate) struct Read {
    /// The binding the request used, by its index in the protocol's `bindings:`.
    pub binding: Option<usize>,
    pub found: Found,
    /// The envelope's fields and the validated payload, or the server's refusal.
    pub outcome: Result<(Map<String, Value>, Value), Failure>,
}

/// Reads a request with the server's own steps — parse, check the envelope's fields, find the interface, check
/// freshness, verify, decrypt, validate — without a replay guard, a handler or a reply.
// Read by the proxy's inspection only.
#[cfg_attr(not(feature = "proxy"), allow(dead_code))]
pub(crate) fn read(reader: &Reader<'_>, request: &Request<'_>) -> Read {
    let unread = |detail| {
        let found = Found { service: request.interface.map(str::to_owned), ..Found::default() };
        Read { binding: None, found, outcome: Err(Failure::refused("", detail)) }
    };
    let Some(protocol) = reader.platform.protocol.as_ref() else {
        return unread("this platform declares no protocol");
    };
    let text = std::str::from_utf8(request.body).map(without_bom);
    let Some(binding) = pick(protocol, request, text.unwrap_or_default()) else {
        return unread("no binding serves this route");
    };
    let index = protocol.bindings.iter().position(|b| std::ptr::eq(b, binding.schema));
    let mut inbound = Inbound::new(*reader, protocol, binding, request);
    let outcome = match text {
        Err(e) => Err(Failure::refused(&protocol.failures.charset, not_utf8(request.body, e))),
        Ok(text) => inbound.open(text).and_then(|(interface, opened, _)| {
            let (payload, _) = inbound.validate(interface, opened.payload)?;
            Ok((opened.fields, payload))
        }),
    };
    Read { binding: index, found: inbound.found, outcome }
}

/// The reply this side's server gives a request it refuses: the platform's code, in a sealed envelope.
// Read by the proxy's inspection only.
#[cfg_attr(not(feature = "proxy"), allow(dead_code))]
pub(crate) fn refuse(reader: &Reader<'_>, read: &Read, refusal: &Failure) -> Option<HttpReply> {
    let protocol = reader.platform.protocol.as_ref()?;
    let binding = Binding::new(protocol, protocol.bindings.get(read.binding?)?);
    let interface = read.found.service.as_deref().and_then(|s| find(reader, Some(s), None));
    let (code, detail) = refusal.answer(&protocol.failures, interface.map_or("", |i| &i.name));
    if code.is_empty() {
        return binding.fault(&detail);
    }
    let service = reply_service(interface, &read.found);
    Some(seal_reply(reader, protocol, &binding, interface, &service, None, Err((&code, &detail))))
}

/// What the pipeline finds out on the way, for the reply, the log line and a proxy's journal.
#[derive(Default)]
pub(crate) struct Found {
    /// The interface's name once found, else the service as sent.
    pub service: Option<String>,
    /// The service name as the counterpart spelled it, when that is one of the interface's aliases.
    pub alias: Option<String>,
    /// The request's claim on its signature, where the protocol guards against replays: settled with the reply.
    ticket: Option<Ticket>,
    /// Not even a SOAP call: the SOAP fault it is answered with, in place of an envelope.
    fault: Option<HttpReply>,
    /// The business keys the interface declares, as the request carries them, shown.
    pub keys: Vec<(String, String)>,
    /// Whether the signature verified; `None` when the reading stopped before it was checked.
    pub verified: Option<bool>,
    /// Which variant of the rule the refused signature was made with, where [`Reader::diagnose`] asked.
    pub diagnosis: Option<Diagnosis>,
    /// Every rule the payload breaks, refused or only warned about.
    pub violations: Violations,
}

impl<'r> Inbound<'r> {
    fn new(reader: Reader<'r>, protocol: &'r ProtocolSchema, binding: Binding<'r>, request: &'r Request<'r>) -> Self {
        let found = Found { service: request.interface.map(str::to_owned), ..Found::default() };
        Inbound { reader, protocol, binding, request, found }
    }

    /// The stages after the body is read, in order: open the request (parse it, check the envelope's fields, find
    /// the interface, check freshness, verify, decrypt), admit it past the replay guard, validate its payload,
    /// claim its key, dispatch it; [`serve`] seals what they answer.
    async fn pipeline(&mut self, shared: &Shared, body: &str) -> Result<Answered, Failure> {
        let (interface, opened, sent) = self.open(body)?;
        if let (Some(guard), Some(sent)) = (&shared.replay, sent) {
            match self.admit(guard, interface, &opened.fields, sent).await? {
                Admission::First(ticket) => self.found.ticket = Some(ticket),
                Admission::Repeat(reply) => return Ok(Answered::Repeat(reply)),
            }
        }
        let (payload, warnings) = self.validate(interface, opened.payload)?;
        let once = self.claim(interface, &payload).await?;
        let context = Context {
            interface: interface.name.to_string(),
            binding: self.binding.schema.name.to_string(),
            envelope: opened.fields,
            headers: self.request.headers.to_vec(),
            warnings,
            effects: once.effects(),
        };
        match dispatch(&*shared.dispatch, interface, once, payload, context).await {
            Ok(reply) => Ok(Answered::Payload(reply)),
            Err(failure) => {
                if let Failure::Internal(detail) = &failure {
                    tracing::error!(interface = %interface.name, %detail, "handler failed");
                    // A request the server failed on leaves no trace: a retry of it is handled afresh.
                    if let Some(first) = self.found.ticket.take() {
                        first.release().await;
                    }
                }
                Err(failure)
            }
        }
    }

    /// The replay stage, where the protocol guards against replays: the request's claim on its signature, to
    /// settle with the reply, or the first reply to a byte-identical retry of an answered request.
    async fn admit(
        &self,
        guard: &ReplayGuard,
        interface: &InterfaceSchema,
        fields: &Map<String, Value>,
        sent: chrono::NaiveDateTime,
    ) -> Result<Admission, Failure> {
        let (protocol, request) = (self.protocol, self.request);
        let failures = &protocol.failures;
        let signature = value_of(&protocol.request, &protocol.signature.field, fields, request.headers);
        let now = crate::clock::now(self.reader.config.utc_offset);
        let digest = super::freshness::request_digest(protocol, &interface.name, request);
        guard.admit(sent, now, signature.as_deref().unwrap_or_default(), &digest).await.map_err(|e| match e {
            AdmitError::Stale(e) => Failure::refused(&failures.stale, e.to_string()),
            AdmitError::Store(e) => store_failed("the replay guard cannot read its store", e),
        })
    }

    /// The exactly-once stage, where the interface declares `idempotency:` and the server has a store: the
    /// request's key claimed, or its first answer; the key reused for another request is refused with the
    /// declared code.
    async fn claim(&self, interface: &InterfaceSchema, payload: &Value) -> Result<Once, Failure> {
        let reader = &self.reader;
        let (Some(store), Some(declared)) = (&reader.config.store, &interface.idempotency) else {
            return Ok(Once::Unclaimed);
        };
        match once::claim(store, reader.platform, reader.side, interface, declared, payload).await {
            Ok(once) => Ok(once),
            Err(NotClaimed::Reused(detail)) => {
                let code = declared.reused.as_deref().unwrap_or(&self.protocol.failures.invalid);
                Err(Failure::refused(code, detail))
            }
            Err(NotClaimed::Store(e)) => Err(store_failed("the exactly-once claim cannot reach its store", e)),
        }
    }
}

/// A stage's store failed: logged here, and answered with the platform's internal code.
fn store_failed(what: &str, error: impl std::fmt::Display) -> Failure {
    tracing::error!(error = %error, "{what}");
    Failure::internal(error)
}

/// The handler's stage: a claimed key's first answer again, else the handler's answer, recorded as the key's first
/// where it was claimed.
async fn dispatch(
    handlers: &dyn Dispatch,
    interface: &InterfaceSchema,
    once: Once,
    payload: Value,
    context: Context,
) -> Result<Reply, Failure> {
    match once {
        Once::Repeat(first) => first,
        Once::First(claimed) => once::settle(claimed, handlers.dispatch(&interface.name, payload, context).await).await,
        Once::Unclaimed => handlers.dispatch(&interface.name, payload, context).await,
    }
}

/// The message a return code's table gives it.
fn code_message(platform: &PlatformSchema, interface: Option<&InterfaceSchema>, code: &str) -> String {
    let tables = interface.into_iter().flat_map(|i| i.return_codes.iter()).chain(platform.return_codes.iter());
    tables
        .into_iter()
        .find(|c| c.code == code || c.aliases.iter().any(|a| a == code))
        .map(|c| c.message.to_string())
        .unwrap_or_default()
}

/// Seals the reply: the handler's payload under the success code, or a refusal's code and detail, bare.
fn seal_reply(
    reader: &Reader<'_>,
    protocol: &ProtocolSchema,
    binding: &Binding,
    interface: Option<&InterfaceSchema>,
    service: &str,
    line: Option<(&str, &str)>,
    outcome: Result<Reply, (&str, &str)>,
) -> HttpReply {
    let platform = reader.platform;
    // Where statuses carry codes (`status:`), the reply's status is its code's; the success code with one is not
    // written into the body.
    let code_status = |code: &str| platform.return_code(interface, code).and_then(|c| c.status);
    let (code, message) = match &outcome {
        Ok(_) => {
            let success = platform.return_codes.iter().find(|c| c.success);
            (
                success.map(|c| c.code.to_string()).unwrap_or_default(),
                success.map(|c| c.message.to_string()).unwrap_or_default(),
            )
        }
        Err((code, detail)) => {
            let base = code_message(platform, interface, code);
            let message = match (base.is_empty(), detail.is_empty()) {
                (_, true) => base,
                (true, false) => (*detail).to_owned(),
                (false, false) => format!("{base}：{detail}"),
            };
            ((*code).to_owned(), fit(protocol, message))
        }
    };
    // `format` too, as sealing would set it: the envelope step then reads these inputs as they are, uncopied.
    let mut inputs =
        reader.config.credentials.clone().with("service", service.to_owned()).with("format", binding.format().as_str());
    if let Some(field) = protocol.response.fields.iter().find(|f| f.value.as_deref() == Some("{timestamp}")) {
        let now = crate::clock::now(reader.config.utc_offset);
        inputs.set("timestamp", crate::schema::render_timestamp(field.format.as_ref(), now), false);
    }
    let status = code_status(&code);
    let carried_by_status = outcome.is_ok() && status.is_some();
    for (role, value) in [(EnvelopeRole::Code, &code), (EnvelopeRole::Message, &message)] {
        if let Some(field) = protocol.response.field_with_role(role).filter(|_| !carried_by_status) {
            inputs.set(field.name.to_string(), value.clone(), false);
        }
    }
    let provider = interface.map_or(reader.side, |i| i.provider);
    let envelope = Envelope::of_interface(protocol, Direction::Response, provider);
    // Where the reply's lines read the request's line (an input named so would otherwise fill a field so named).
    if let Some((method, target)) = line.filter(|_| envelope.rule().is_lines()) {
        inputs.set("method", method.to_owned(), false);
        inputs.set("path", target.to_owned(), false);
    }
    let inputs = envelope.completed_inputs(inputs);
    let format = binding.format();
    let sealed = match (outcome, interface) {
        (Ok(reply), Some(i)) if platform.message(i.response).kind != MessageKind::Empty => {
            seal_payload(&envelope, reply, (platform, i.response), format, &inputs)
        }
        _ => envelope.seal_bare_deferred(format, &inputs),
    };
    let signed = sealed.and_then(|mut sealed| {
        // A success with nothing to carry, where statuses carry codes, is `204 No Content`.
        let empty = carried_by_status && sealed.body.trim() == "{}";
        if empty {
            sealed.body.clear();
        }
        envelope.sign_sent(&mut sealed.headers, &sealed.body, &inputs, crate::envelope::Alter::default())?;
        Ok((sealed, empty))
    });
    match signed {
        Ok((sealed, empty)) => {
            let mut reply = binding.reply(service, sealed);
            match (empty, status) {
                (true, _) => {
                    reply.status = 204;
                    reply.headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
                }
                (false, Some(status)) => reply.status = status,
                (false, None) => {}
            }
            reply
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot seal the reply");
            plain(500, "the server cannot seal its reply (see its log)")
        }
    }
}

/// Seals a handler's payload: an XML reply written straight from a typed response (its tree built only if the
/// envelope places it field by field), anything else through its tree.
fn seal_payload(
    envelope: &Envelope,
    mut reply: Reply,
    schema: (&PlatformSchema, crate::schema::MessageId),
    format: crate::envelope::Format,
    inputs: &crate::secret::Inputs,
) -> Result<crate::envelope::Sealed, crate::envelope::EnvelopeError> {
    use crate::codec::CodecError;
    use crate::envelope::{Alter, EnvelopeError, Format};
    // A typed response that does not convert is the generated code's fault, not the caller's: sealing fails.
    let unconverted = |e: crate::Error| EnvelopeError::Codec(CodecError::Json(e.to_string()));
    if format == Format::Xml
        && let Some(text) = reply.typed_xml(schema)
    {
        let text = text?;
        return envelope.seal_written_deferred(
            &text,
            &|| reply.to_tree().map_err(unconverted),
            format,
            inputs,
            Alter::default(),
        );
    }
    let value = reply.tree().map_err(unconverted)?;
    envelope.seal_deferred(Payload { value, schema: Some(schema), root: None }, format, inputs, Alter::default())
}

/// A refusal's message cut to what the envelope's message field holds (`resultMessage` is `string(128)`): a long
/// list of violations must not make the reply itself break the spec.
/// Characters XML 1.0 forbids are written as `\u{0}` text, whatever quoted them: the reply may be XML.
fn fit(protocol: &ProtocolSchema, message: String) -> String {
    let message = match escape(&message) {
        Cow::Borrowed(_) => message,
        Cow::Owned(escaped) => escaped,
    };
    let max = protocol.response.field_with_role(EnvelopeRole::Message).and_then(|f| f.max_chars);
    match max {
        Some(max) if message.chars().count() > max as usize => {
            let mut cut: String = message.chars().take((max as usize).saturating_sub(1)).collect();
            cut.push('…');
            cut
        }
        _ => message,
    }
}

pub(super) fn plain(status: u16, text: &str) -> HttpReply {
    HttpReply {
        status,
        headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
        body: text.to_owned(),
    }
}
