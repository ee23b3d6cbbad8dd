//! What every reply must be, whatever the request: a signed envelope of the platform that a client verifies and
//! reads — status 200, a return code the spec declares, a payload that decrypts — or, on a SOAP route, a SOAP
//! fault for a body that is no SOAP call. Anything else (a bare 500, an unsigned or unreadable reply) panics, and
//! libFuzzer records the input as a crash.

use crate::seal::credentials;
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, OpenedPayload};
use hisgate_runtime::schema::{Direction, EnvelopeRole, PlatformSchema, ProtocolSchema};
use hisgate_runtime::transport::{self, soap, Binding, TransportError};
use hisgate_runtime::validate::scalar_text;

/// A reply that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The platform's success code: the request reached the handler, and its response came back sealed.
    Answered,
    /// One of the protocol's failure codes.
    Refused(String),
    /// A SOAP fault.
    Fault,
}

/// Checks the reply to a request that one of `bindings` (those sharing its route) carried.
pub fn check(
    platform: &PlatformSchema,
    bindings: &[Binding<'_>],
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Outcome {
    let Ok(body) = std::str::from_utf8(body) else { panic!("status {status}: the reply is not UTF-8: {body:?}") };
    let shown: String = body.chars().take(2000).collect();
    if status == 500 && bindings.iter().any(|b| b.schema.soap.is_some()) {
        match soap::unwrap_reply(body, Limits::default()) {
            Err(TransportError::Fault(_)) => return Outcome::Fault,
            other => panic!("status 500 without a SOAP fault ({other:?}): {shown}"),
        }
    }
    assert_eq!(status, 200, "a reply that is not a sealed envelope: {shown}");
    let mut errors = Vec::new();
    for binding in bindings {
        match open(*binding, headers, body) {
            Ok(code) => return classify(platform, binding.protocol, code, &shown),
            Err(e) => errors.push(format!("as `{}`: {e}", binding.schema.name)),
        }
    }
    panic!("a reply no client can read ({}): {shown}", errors.join("; "));
}

/// Reads a reply as `client::Client::open` does — unwrap, verify, decrypt, parse the payload — and returns its code.
fn open(binding: Binding<'_>, headers: &[(String, String)], body: &str) -> Result<String, String> {
    let protocol = binding.protocol;
    let limits = Limits::default();
    let text = binding.reply_envelope(body, limits).map_err(|e| e.to_string())?;
    let envelope = Envelope::new(protocol, Direction::Response);
    let opened =
        envelope.open_text(&text, headers, binding.format(), &credentials(protocol), limits).map_err(|e| e.to_string())?;
    if let OpenedPayload::Text(text) = &opened.payload {
        transport::parse_body(binding.format(), text, limits).map_err(|e| format!("the decrypted payload: {e}"))?;
    }
    let field = protocol.response.field_with_role(EnvelopeRole::Code).ok_or("the protocol has no code field")?;
    let header = || headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(&field.name)).map(|(_, v)| v.clone());
    opened.fields.get(&*field.name).and_then(scalar_text).or_else(header).ok_or_else(|| format!("no `{}`", field.name))
}

fn classify(platform: &PlatformSchema, protocol: &ProtocolSchema, code: String, shown: &str) -> Outcome {
    if platform.return_codes.iter().any(|c| c.success && c.code == code) {
        return Outcome::Answered;
    }
    let failures = &protocol.failures;
    let codes = [
        &failures.empty,
        &failures.malformed,
        &failures.unknown_service,
        &failures.signature,
        &failures.decrypt,
        &failures.invalid,
        &failures.stale,
        &failures.unsupported,
        &failures.internal,
    ];
    let rejects = protocol.request.fields.iter().filter_map(|f| f.reject.as_deref());
    let declared: Vec<&str> = codes.iter().map(|c| &***c).chain(rejects).collect();
    assert!(declared.contains(&&*code), "`{code}` is neither the success code nor a failure code: {shown}");
    // The handler never fails, so `internal` means the pipeline did (a payload that validates but does not convert,
    // a reply that cannot be sealed), where the protocol gives it a code of its own to tell.
    let internal_is_distinct = declared.iter().filter(|c| **c == &*failures.internal).count() == 1;
    assert!(!(code == *failures.internal && internal_is_distinct), "the server failed internally: {shown}");
    Outcome::Refused(code)
}
