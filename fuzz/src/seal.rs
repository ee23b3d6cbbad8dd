//! Sealing a request as the runtime's client does (`client::Client::seal`), with the credentials the server
//! expects and a fixed timestamp: a corpus sealed once stays valid, and every run of an input is the same run.

use chrono::NaiveDateTime;
use hisgate_runtime::envelope::{Envelope, EnvelopeError, Sealed};
use hisgate_runtime::schema::{Direction, InterfaceSchema, PlatformSchema, ProtocolSchema};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::transport::{Binding, HttpRequest};

/// The time every sealed request says it was sent; the harness's freshness window reaches it.
pub fn sent_at() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2024-01-01 12:00:00", "%Y-%m-%d %H:%M:%S").expect("a valid date")
}

/// Both parties' credentials: each credential's example from `protocol.yaml`, as the end-to-end tests use them.
pub fn credentials(protocol: &ProtocolSchema) -> Inputs {
    let examples = protocol.credentials.iter().filter_map(|c| Some((&*c.name, c.example.as_deref()?)));
    Inputs::for_protocol(protocol, examples)
}

/// What sealing a request of `interface` reads: the credentials, the service and the timestamp.
pub fn inputs(protocol: &ProtocolSchema, interface: &InterfaceSchema) -> Inputs {
    let mut inputs = credentials(protocol).with("service", interface.service.to_string());
    if let Some(field) = protocol.request.fields.iter().find(|f| f.value.as_deref() == Some("{timestamp}")) {
        let at = sent_at();
        inputs.set("timestamp", hisgate_runtime::schema::render_timestamp(field.format.as_ref(), at), false);
    }
    inputs
}

/// Payload text in the binding's format, sealed into a request envelope of `interface`.
pub fn seal(
    platform: &PlatformSchema,
    binding: Binding<'_>,
    interface: &InterfaceSchema,
    payload: &str,
) -> Result<Sealed, EnvelopeError> {
    let protocol = platform.protocol.as_ref().expect("a platform with a protocol");
    Envelope::new(protocol, Direction::Request).seal_text(payload, binding.format(), &inputs(protocol, interface))
}

/// A request's query as it travels, URL-encoded; `None` when it has none.
pub fn query_string(request: &HttpRequest) -> Option<String> {
    (!request.query.is_empty())
        .then(|| form_urlencoded::Serializer::new(String::new()).extend_pairs(&request.query).finish())
}
