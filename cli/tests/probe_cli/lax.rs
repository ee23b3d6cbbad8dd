//! A deliberately lax counterpart for the probe's tests, built from the runtime's server pieces (bindings,
//! envelope, samples) but skipping every check: it reads which interface a request names and answers it with
//! success, whatever the signature, ciphertext, payload, service or timestamp. One interface also answers a code
//! outside its response's dictionary. Each is a flaw `hisgate probe` must report; nothing here ships.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, Payload};
use hisgate_runtime::schema::{Direction, EnvelopeRole, HttpMethod, InterfaceSchema, PlatformSchema, Side};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::transport::{self, Binding, HttpReply};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The response field answered with a code its dictionary lacks, and the interface it is in: the first of `side`
/// whose response has a top-level field with codes.
pub fn planted(platform: &PlatformSchema, side: Side) -> Option<(String, String)> {
    platform.interfaces.iter().filter(|i| i.provider == side).find_map(|i| {
        let field = platform.message(i.response).fields.iter().find(|f| f.has_codes() && f.ty.child().is_none())?;
        Some((i.name.to_string(), field.name.to_string()))
    })
}

pub fn router(platform: &'static PlatformSchema, side: Side, credentials: Inputs) -> axum::Router {
    let credentials = Arc::new(credentials);
    axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let credentials = credentials.clone();
        async move { answer(platform, side, &credentials, &method, &uri, &headers, &body) }
    })
}

fn answer(
    platform: &PlatformSchema,
    side: Side,
    credentials: &Inputs,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let body = String::from_utf8_lossy(body);
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    let get = *method == Method::GET;
    let candidates: Vec<Binding> = protocol
        .bindings
        .iter()
        .filter(|b| (b.method == HttpMethod::Get) == get)
        .map(|b| Binding::new(protocol, b))
        .collect();
    let binding = transport::pick(&candidates, content_type, &body).expect("a binding");
    let last = uri.path().rsplit('/').next().filter(|_| binding.schema.path(side).contains("{service}"));
    let inbound = binding.inbound(side, last, uri.query(), &body, Limits::default()).expect("an envelope");
    let fields = match inbound.fields {
        Some(fields) => fields,
        None => match transport::parse_body(binding.format(), &inbound.body, Limits::default()) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        },
    };
    let named =
        inbound.service.or_else(|| fields.get(&*transport::service_field(protocol)?.name)?.as_str().map(str::to_owned));
    let interface = platform.interfaces.iter().filter(|i| i.provider == side).find(|i| match &named {
        Some(service) => i.service == *service,
        None => i.path.as_deref() == Some(uri.path()),
    });
    let service = named.clone().or_else(|| interface.map(|i| i.service.to_string())).unwrap_or_default();
    reply(platform, side, credentials, binding, interface, &service).into_response_parts()
}

fn reply(
    platform: &PlatformSchema,
    side: Side,
    credentials: &Inputs,
    binding: Binding<'_>,
    interface: Option<&InterfaceSchema>,
    service: &str,
) -> HttpReply {
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let success = platform.return_codes.iter().find(|c| c.success).expect("a success code");
    let mut inputs = credentials.clone().with("service", service.to_owned());
    if let Some(field) = protocol.response.fields.iter().find(|f| f.value.as_deref() == Some("{timestamp}")) {
        let now = hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time());
        inputs.set("timestamp", field.format.as_ref().map_or_else(String::new, |f| f.render(now)), false);
    }
    for (role, value) in [(EnvelopeRole::Code, &success.code), (EnvelopeRole::Message, &success.message)] {
        if let Some(field) = protocol.response.field_with_role(role) {
            inputs.set(field.name.to_string(), value.to_string(), false);
        }
    }
    let envelope = Envelope::new(protocol, Direction::Response);
    let sealed = match interface {
        Some(i) => {
            let mut value = hisgate_runtime::sample::payload(platform, i.response);
            if let Some((name, field)) = planted(platform, side).filter(|(name, _)| *name == *i.name) {
                assert_eq!(name, *i.name);
                value[field.as_str()] = Value::String("ZZ".into());
            }
            envelope.seal(
                Payload { value: &value, schema: Some((platform, i.response)), root: None },
                binding.format(),
                &inputs,
            )
        }
        None => envelope.seal_bare(binding.format(), &inputs),
    };
    binding.reply(service, sealed.expect("a sealed reply"))
}

trait IntoResponseParts {
    fn into_response_parts(self) -> Response;
}

impl IntoResponseParts for HttpReply {
    fn into_response_parts(self) -> Response {
        let mut response = (axum::http::StatusCode::from_u16(self.status).unwrap(), self.body).into_response();
        for (name, value) in self.headers {
            let name = axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        response
    }
}
