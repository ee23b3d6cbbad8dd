//! The inbound pipeline, in the order the protocol declares it: read the body within its limit, parse the
//! envelope, check its fields, find the interface, check freshness, verify and decrypt, validate and dispatch,
//! then seal the reply. Every failure answers with the platform's own code, in a reply signed like any other.

use super::freshness::{Admission, AdmitError, Ticket};
use super::{Context, Dispatch, Failure, ReplayGuard, ServerConfig};
use crate::codec::{CodecError, escape, xml};
use crate::envelope::{Envelope, EnvelopeError, OpenedPayload, Payload};
use crate::schema::{
    Direction, EnvelopeField, EnvelopeRole, EnvelopeSchema, FailureCodes, HttpMethod, InterfaceSchema, MessageKind,
    Place, PlatformSchema, ProtocolSchema, Side, WireFormat,
};
use crate::secret::Inputs;
use crate::transport::{self, Binding, HttpReply, TransportError};
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
}

/// One HTTP request, as the router hands it over.
pub(super) struct Request<'a> {
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

/// A refusal: the return code it answers with, and why.
struct Refusal {
    code: String,
    detail: String,
}

impl Refusal {
    fn new(code: &str, detail: impl Into<String>) -> Refusal {
        Refusal { code: code.to_owned(), detail: detail.into() }
    }
}

/// Where the pipeline stopped.
enum Stop {
    Refused(Refusal),
    /// Not even a SOAP call: a SOAP fault, not an envelope.
    Fault(HttpReply),
    /// A byte-identical retry of an answered request: the first reply again.
    Repeat(HttpReply),
}

impl From<Refusal> for Stop {
    fn from(r: Refusal) -> Stop {
        Stop::Refused(r)
    }
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
    let Some(protocol) = shared.platform.protocol.as_ref() else {
        return (plain(500, "this platform declares no protocol"), Outcome::default());
    };
    let candidates: Vec<Binding> =
        request.bindings.iter().map(|i| Binding::new(protocol, &protocol.bindings[*i])).collect();
    let text = std::str::from_utf8(request.body).map(without_bom);
    let Some(binding) = transport::pick(&candidates, request.content_type, text.unwrap_or_default()) else {
        return (plain(500, "no binding serves this route"), Outcome::default());
    };
    let mut service = request.interface.map(str::to_owned);
    // The service name as the counterpart spelled it, when that is one of the interface's aliases.
    let mut alias = None;
    // The request's claim on its signature, where the protocol guards against replays: settled with the reply.
    let mut ticket = None;
    let mut keys = Vec::new();
    let outcome = match text {
        Ok(text) => {
            let found = (&mut service, &mut alias, &mut ticket, &mut keys);
            pipeline(shared, protocol, &binding, &request, text, found).await
        }
        Err(e) => Err(Refusal::new(&protocol.failures.charset, not_utf8(request.body, e)).into()),
    };
    let interface = service.as_deref().and_then(|s| find(shared, Some(s), None));
    let reply_service = alias
        .or_else(|| interface.map(|i| i.service.to_string()))
        .unwrap_or_else(|| service.clone().unwrap_or_default());
    let mut summary = Outcome { interface: interface.map(|i| i.name.to_string()), keys, ..Outcome::default() };
    let reply = match outcome {
        Ok(value) => {
            // Keys only the reply carries (an id the provider assigns).
            if let Some(i) = interface.filter(|i| summary.keys.len() < i.keys.len()) {
                for (key, shown) in crate::business_keys::business_keys(&shared.platform, i, &Value::Null, Some(&value))
                {
                    if !summary.keys.iter().any(|(k, _)| *k == key) {
                        summary.keys.push((key, shown));
                    }
                }
            }
            summary.code =
                shared.platform.return_codes.iter().find(|c| c.success).map(|c| c.code.to_string()).unwrap_or_default();
            seal_reply(shared, protocol, &binding, interface, &reply_service, Ok(value))
        }
        Err(Stop::Repeat(reply)) => {
            summary.code = "REPEAT".to_owned();
            reply
        }
        Err(Stop::Fault(reply)) => {
            summary.code = "SOAP_FAULT".to_owned();
            summary.refused = Some("not a SOAP call".to_owned());
            reply
        }
        Err(Stop::Refused(refusal)) => {
            summary.code = refusal.code.clone();
            summary.refused = Some(refusal.detail.clone());
            seal_reply(shared, protocol, &binding, interface, &reply_service, Err(refusal))
        }
    };
    if let Some(ticket) = ticket {
        ticket.answered(&reply).await;
    }
    (reply, summary)
}

/// Why a body is not UTF-8: a charset the sender did not say, or named in its XML declaration (`encoding="gbk"`).
fn not_utf8(body: &[u8], error: std::str::Utf8Error) -> String {
    let at = error.valid_up_to();
    let declared = body.get(..body.len().min(100)).and_then(|head| {
        let head = String::from_utf8_lossy(head);
        let rest = &head[head.find("encoding=")? + "encoding=".len()..];
        let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
        Some(rest[1..].split(quote).next()?.to_owned())
    });
    let found = body.get(at).map_or(String::new(), |b| format!(" (byte 0x{b:02X} at offset {at})"));
    match declared {
        Some(charset) => format!("the body is in `{}`, not UTF-8{found}", crate::codec::escape(&charset)),
        None => format!("the body is not UTF-8{found}"),
    }
}

/// The charset a content type names, where it names one other than UTF-8 (`text/xml; charset=gbk`).
fn foreign_charset(content_type: Option<&str>) -> Option<&str> {
    let charset = content_type?.split(';').skip(1).find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"'))
    })?;
    (!charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8")).then_some(charset)
}

/// The code for a body read and refused: a foreign charset has the platform's own.
fn codec_code<'f>(failures: &'f FailureCodes, error: &CodecError, otherwise: &'f str) -> &'f str {
    match error {
        CodecError::Charset { .. } => &failures.charset,
        e if e.is_refused_content() => &failures.malformed,
        _ => otherwise,
    }
}

/// .NET writers start UTF-8 text with a byte-order mark; it is not part of the envelope.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// What the pipeline finds out on the way, for the reply and the log line: the service, the alias it came under,
/// the replay ticket, the business keys.
type Found<'f> =
    (&'f mut Option<String>, &'f mut Option<String>, &'f mut Option<Ticket>, &'f mut Vec<(String, String)>);

async fn pipeline(
    shared: &Shared,
    protocol: &ProtocolSchema,
    binding: &Binding<'_>,
    request: &Request<'_>,
    body: &str,
    (service, alias, ticket, keys): Found<'_>,
) -> Result<Value, Stop> {
    let failures = &protocol.failures;
    let limits = shared.config.limits;
    if let Some(detail) = request.refused {
        return Err(Refusal::new(&failures.malformed, detail).into());
    }
    if let Some(charset) = foreign_charset(request.content_type) {
        let detail = format!("the content type declares the charset `{}`; only UTF-8 is read", escape(charset));
        return Err(Refusal::new(&failures.charset, detail).into());
    }
    if binding.schema.method == HttpMethod::Post && body.trim().is_empty() {
        return Err(Refusal::new(&failures.empty, "the request has no body").into());
    }
    let inbound = match binding.inbound(shared.side, request.path_service, request.query, body, limits) {
        Ok(inbound) => inbound,
        Err(e) => {
            return Err(match binding.fault(&e.to_string()) {
                Some(fault) => Stop::Fault(fault),
                None => match &e {
                    TransportError::Codec(codec) => {
                        Refusal::new(codec_code(failures, codec, &failures.malformed), e.to_string())
                    }
                    _ => Refusal::new(&failures.malformed, e.to_string()),
                }
                .into(),
            });
        }
    };
    let fields = match inbound.fields {
        Some(fields) => fields,
        None => match transport::parse_body(binding.format(), &inbound.body, limits) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => return Err(Refusal::new(&failures.malformed, "the envelope is not an object").into()),
            Err(e) => return Err(Refusal::new(codec_code(failures, &e, &failures.malformed), e.to_string()).into()),
        },
    };
    // XML makes a repeated element a list; no envelope field is one (`<sign>` twice is not two signatures).
    if binding.format() == WireFormat::Xml {
        xml::refuse_repeated_fields(&fields, protocol.request.field_names())
            .map_err(|e| Refusal::new(&failures.malformed, e.to_string()))?;
    }
    // An envelope field sent as two headers (`sign: bad`, `sign: good`) is the same question as a JSON key twice.
    let in_headers = protocol.request.fields.iter().filter(|f| f.place == Place::Header);
    if let Some(twice) = in_headers
        .map(|f| &*f.name)
        .find(|name| request.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).nth(1).is_some())
    {
        let detail = format!("{} (as a header)", CodecError::Duplicate { path: twice.to_owned() });
        return Err(Refusal::new(&failures.malformed, detail).into());
    }
    if fields.is_empty() && request.headers.is_empty() {
        return Err(Refusal::new(&failures.empty, "the envelope has no fields").into());
    }
    check_fields(&protocol.request, &fields, request.headers, &shared.config.credentials, &failures.malformed)?;
    let named = inbound.service.or_else(|| {
        let field = transport::service_field(protocol)?;
        fields.get(&*field.name).and_then(crate::validate::scalar_text)
    });
    if service.is_none() {
        service.clone_from(&named);
    }
    let interface = find(shared, request.interface, named.as_deref()).ok_or_else(|| {
        Refusal::new(&failures.unknown_service, format!("no interface `{}`", named.as_deref().unwrap_or_default()))
    })?;
    *service = Some(interface.name.to_string());
    *alias = named.filter(|n| interface.service_aliases.iter().any(|a| a == n));
    let sent = fresh_time(shared, protocol, &fields, request.headers)?;
    // An envelope under an alias is checked, and answered, under the name it was sent with.
    let spoken = alias.clone().unwrap_or_else(|| interface.service.to_string());
    let mut inputs = shared.config.credentials.clone().with("service", spoken);
    // Headers fill what templates read besides (glorycard's `timestamp`), never a credential or the service: a
    // header `key` must not choose the key the request is verified with. `open_fields` then finds them all set.
    for (name, value) in request.headers {
        if crate::envelope::header_may_join(protocol, &inputs, name) {
            inputs.set(name.clone(), value.clone(), false);
        }
    }
    let envelope = Envelope::new(protocol, Direction::Request);
    // At debug level a refused signature is diagnosed (briefly): the log says which variant the counterpart used.
    let kept = tracing::enabled!(tracing::Level::DEBUG).then(|| fields.clone());
    let opened = envelope.open_fields(fields, request.headers, binding.format(), &inputs, limits).map_err(|e| {
        if let (EnvelopeError::Verify(crate::signature::VerifyError::Mismatch { .. }), Some(fields)) = (&e, &kept) {
            let platform = &shared.platform;
            let format = binding.format();
            crate::signature::diagnose::refused(platform, Direction::Request, fields, request.headers, &inputs, format);
        }
        refusal_for(protocol, e)
    })?;
    if let (Some(guard), Some(sent)) = (&shared.replay, sent) {
        let signature = value_of(&protocol.request, &protocol.signature.field, &opened.fields, request.headers);
        let now = crate::clock::now(shared.config.utc_offset);
        let digest = super::freshness::request_digest(protocol, &interface.name, request);
        match guard.admit(sent, now, signature.as_deref().unwrap_or_default(), &digest).await {
            Ok(Admission::First(first)) => *ticket = Some(first),
            Ok(Admission::Repeat(reply)) => return Err(Stop::Repeat(reply)),
            Err(AdmitError::Stale(e)) => return Err(Refusal::new(&failures.stale, e.to_string()).into()),
            Err(AdmitError::Store(e)) => {
                tracing::error!(error = %e, "the replay guard cannot read its store");
                return Err(Refusal::new(&failures.internal, "").into());
            }
        }
    }
    let payload = match opened.payload {
        OpenedPayload::Value(v) => v,
        OpenedPayload::Text(text) => transport::parse_body(binding.format(), &text, limits).map_err(|e| {
            Refusal::new(codec_code(failures, &e, &failures.decrypt), format!("the decrypted payload: {e}"))
        })?,
    };
    if binding.format() == WireFormat::Xml {
        xml::refuse_repeats(&shared.platform, interface.request, &payload)
            .map_err(|e| Refusal::new(&failures.malformed, format!("the payload: {e}")))?;
    }
    let (payload, warnings) = super::strict::request(&shared.platform, interface, shared.config.strictness, payload)
        .map_err(|refused| Refusal::new(&failures.invalid, refused.to_string()))?;
    *keys = crate::business_keys::business_keys(&shared.platform, interface, &payload, None);
    let context = Context {
        interface: interface.name.to_string(),
        binding: binding.schema.name.to_string(),
        envelope: opened.fields,
        headers: request.headers.to_vec(),
        warnings,
    };
    match shared.dispatch.dispatch(&interface.name, payload, context).await {
        Ok(value) => Ok(value),
        Err(failure) => {
            // A request the server failed on leaves no trace: a retry of it is handled afresh.
            if let Failure::Internal(_) = failure
                && let Some(first) = ticket.take()
            {
                first.release().await;
            }
            Err(failure_refusal(protocol, interface, failure).into())
        }
    }
}

fn find<'s>(shared: &'s Shared, fixed: Option<&str>, service: Option<&str>) -> Option<&'s InterfaceSchema> {
    let on_side = shared.platform.interfaces.iter().filter(|i| i.provider == shared.side);
    match (fixed, service) {
        (Some(name), _) => on_side.clone().find(|i| i.name == name),
        (None, Some(service)) => {
            on_side.clone().find(|i| i.service == service || i.service_aliases.iter().any(|a| a == service))
        }
        (None, None) => None,
    }
}

/// A field's value, from the body or the headers as the envelope places it.
fn value_of(
    schema: &EnvelopeSchema,
    name: &str,
    fields: &Map<String, Value>,
    headers: &[(String, String)],
) -> Option<String> {
    text_of(schema, name, fields, headers).map(Cow::into_owned)
}

/// [`value_of`], borrowed where the value is text already: the field checks read every field of every request.
fn text_of<'v>(
    schema: &EnvelopeSchema,
    name: &str,
    fields: &'v Map<String, Value>,
    headers: &'v [(String, String)],
) -> Option<Cow<'v, str>> {
    match schema.field(name).map(|f| f.place) {
        Some(Place::Header) => {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| Cow::Borrowed(v.as_str()))
        }
        _ => match fields.get(name)? {
            Value::String(s) => Some(Cow::Borrowed(s)),
            other => crate::validate::scalar_text(other).map(Cow::Owned),
        },
    }
}

/// Required fields present, accepted values, and this server's own credentials where the spec checks them.
fn check_fields(
    schema: &EnvelopeSchema,
    fields: &Map<String, Value>,
    headers: &[(String, String)],
    credentials: &Inputs,
    malformed: &str,
) -> Result<(), Refusal> {
    for field in schema.fields.iter().filter(|f| f.role != EnvelopeRole::Signature) {
        let code = field.reject.as_deref().unwrap_or(malformed);
        let Some(value) = text_of(schema, &field.name, fields, headers).filter(|v| !v.is_empty()) else {
            // The payload's own field (onepay's `param`) holds an object, not text: present all the same. Only
            // that one: a credential sent as an object must not slip past its check as "present".
            let structured = schema.payload.field.as_deref() == Some(&*field.name)
                && fields.get(&*field.name).is_some_and(|v| v.is_object() || v.is_array());
            if field.required && !structured {
                return Err(Refusal::new(code, format!("`{}` is missing", field.name)));
            }
            continue;
        };
        if !field.accepts.is_empty() && !field.accepts.iter().any(|a| *a == value) {
            let accepted: Vec<&str> = field.accepts.iter().map(|a| &**a).collect();
            return Err(Refusal::new(
                code,
                format!("`{}` is `{value}`, expected {}", field.name, accepted.join(" or ")),
            ));
        }
        if let Some(credential) = own_credential(field).filter(|_| field.reject.is_some())
            && let Some(expected) = credentials.get(credential)
            && expected != value
        {
            let shown =
                if credentials.is_secret(credential) { "another value".to_owned() } else { format!("`{value}`") };
            return Err(Refusal::new(code, format!("`{}` is {shown}, not this server's", field.name)));
        }
    }
    Ok(())
}

/// The credential a field's template is exactly (`{partner}` → `partner`).
fn own_credential(field: &EnvelopeField) -> Option<&str> {
    let template = field.value.as_deref()?;
    let name = template.strip_prefix('{')?.strip_suffix('}')?;
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then_some(name)
}

/// The request's time, when the protocol declares a freshness window; a request outside it is refused here,
/// before the signature is checked.
fn fresh_time(
    shared: &Shared,
    protocol: &ProtocolSchema,
    fields: &Map<String, Value>,
    headers: &[(String, String)],
) -> Result<Option<chrono::NaiveDateTime>, Refusal> {
    let (Some(freshness), Some(window)) = (&protocol.freshness, shared.config.freshness_window) else {
        return Ok(None);
    };
    let stale = &protocol.failures.stale;
    let field = protocol.request.field(&freshness.field);
    let value = value_of(&protocol.request, &freshness.field, fields, headers)
        .ok_or_else(|| Refusal::new(stale, format!("`{}` is missing", freshness.field)))?;
    let format = field.and_then(|f| f.format.as_ref()).ok_or_else(|| Refusal::new(stale, "no timestamp format"))?;
    let sent = format.read(&value).map_err(|e| Refusal::new(stale, format!("`{}`: {e}", freshness.field)))?;
    let now = crate::clock::now(shared.config.utc_offset);
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    if (now - sent).abs() > window {
        return Err(Refusal::new(stale, super::Stale::OutsideWindow { sent, now }.to_string()));
    }
    Ok(Some(sent))
}

fn refusal_for(protocol: &ProtocolSchema, error: EnvelopeError) -> Refusal {
    let failures = &protocol.failures;
    let code = match &error {
        EnvelopeError::Verify(_) | EnvelopeError::Sign(_) => &failures.signature,
        EnvelopeError::Cipher(_) | EnvelopeError::Payload { .. } | EnvelopeError::UnknownScheme { .. } => {
            &failures.decrypt
        }
        EnvelopeError::Codec(e) => codec_code(failures, e, &failures.malformed),
        EnvelopeError::NotAnObject => &failures.malformed,
        EnvelopeError::Template(_) => &failures.internal,
    };
    Refusal::new(code, error.to_string())
}

fn failure_refusal(protocol: &ProtocolSchema, interface: &InterfaceSchema, failure: Failure) -> Refusal {
    let failures = &protocol.failures;
    match failure {
        // Without a message, the reply gives the code's own from the spec.
        Failure::Business { code, message } => Refusal { code, detail: message.unwrap_or_default() },
        Failure::Invalid(violations) => Refusal::new(&failures.invalid, violations.to_string()),
        Failure::Unsupported => {
            Refusal::new(&failures.unsupported, format!("`{}` is not implemented here", interface.name))
        }
        Failure::Internal(detail) => {
            tracing::error!(interface = %interface.name, %detail, "handler failed");
            Refusal::new(&failures.internal, "")
        }
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

/// Seals the reply: the handler's payload under the success code, or a refusal's code and message, bare.
fn seal_reply(
    shared: &Shared,
    protocol: &ProtocolSchema,
    binding: &Binding,
    interface: Option<&InterfaceSchema>,
    service: &str,
    outcome: Result<Value, Refusal>,
) -> HttpReply {
    let platform = &shared.platform;
    let (code, message) = match &outcome {
        Ok(_) => {
            let success = platform.return_codes.iter().find(|c| c.success);
            (
                success.map(|c| c.code.to_string()).unwrap_or_default(),
                success.map(|c| c.message.to_string()).unwrap_or_default(),
            )
        }
        Err(refusal) => {
            let base = code_message(platform, interface, &refusal.code);
            let message = match (base.is_empty(), refusal.detail.is_empty()) {
                (_, true) => base,
                (true, false) => refusal.detail.clone(),
                (false, false) => format!("{base}：{}", refusal.detail),
            };
            (refusal.code.clone(), fit(protocol, message))
        }
    };
    // `format` too, as sealing would set it: the envelope step then reads these inputs as they are, uncopied.
    let mut inputs =
        shared.config.credentials.clone().with("service", service.to_owned()).with("format", binding.format().as_str());
    if let Some(field) = protocol.response.fields.iter().find(|f| f.value.as_deref() == Some("{timestamp}")) {
        let now = crate::clock::now(shared.config.utc_offset);
        let stamp = field.format.as_ref().map_or_else(|| now.format("%Y%m%d%H%M%S").to_string(), |f| f.render(now));
        inputs.set("timestamp", stamp, false);
    }
    for (role, value) in [(EnvelopeRole::Code, &code), (EnvelopeRole::Message, &message)] {
        if let Some(field) = protocol.response.field_with_role(role) {
            inputs.set(field.name.to_string(), value.clone(), false);
        }
    }
    let envelope = Envelope::new(protocol, Direction::Response);
    let format = binding.format();
    let sealed = match (&outcome, interface) {
        (Ok(value), Some(i)) if platform.message(i.response).kind != MessageKind::Empty => {
            envelope.seal(Payload { value, schema: Some((platform, i.response)), root: None }, format, &inputs)
        }
        _ => envelope.seal_bare(format, &inputs),
    };
    match sealed {
        Ok(sealed) => binding.reply(service, sealed),
        Err(e) => {
            tracing::error!(error = %e, "cannot seal the reply");
            plain(500, "the server cannot seal its reply (see its log)")
        }
    }
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
