//! How an envelope travels over HTTP under a binding: POST of XML or JSON, GET with the fields in the query, or a
//! SOAP operation. Independent of the HTTP library: the client and the server translate these parts.

pub mod soap;

use crate::codec::{CodecError, Limits, Step, json, xml};
use crate::envelope::Sealed;
use crate::schema::{
    BindingSchema, EnvelopeField, HttpMethod, InterfaceSchema, ProtocolSchema, Side, SoapVersion, WireFormat,
};
use serde_json::{Map, Value};

/// An HTTP request as a binding shapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpRequest {
    /// The request target as sent: the path, and `?` and the query where there is one.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.query).finish();
        format!("{}?{query}", self.path)
    }

    pub fn method_name(&self) -> &'static str {
        match self.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// `{field}` of a path filled with the values given, each percent-encoded as one segment (letters, digits and
/// `-._~` as they are); a placeholder without a value stays as written.
pub fn fill_path(path: &str, values: &[(String, String)]) -> String {
    let mut out = path.to_owned();
    for (name, value) in values {
        let mut encoded = String::with_capacity(value.len());
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                encoded.push(byte as char);
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        out = out.replace(&format!("{{{name}}}"), &encoded);
    }
    out
}

/// An HTTP reply as a binding shapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("malformed SOAP message: {0}")]
    Soap(String),
    #[error("SOAP fault: {0}")]
    Fault(String),
    #[error("malformed query string: {0}")]
    Query(String),
    #[error("the sealed envelope is not a JSON object")]
    NotAnObject,
    /// Read, and refused for what it holds: a query field given twice, a character XML 1.0 forbids.
    #[error("{0}")]
    Codec(#[from] CodecError),
}

/// What a server learns from a request before it opens the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// The service, where the binding says it outside the envelope (path, SOAP operation).
    pub service: Option<String>,
    /// The envelope's fields, read from the query (GET), or `None` for a body to parse.
    pub fields: Option<Map<String, Value>>,
    /// The envelope's text (SOAP unwrapped), when it travels in the body.
    pub body: String,
}

/// One binding of one protocol.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'p> {
    pub protocol: &'p ProtocolSchema,
    pub schema: &'p BindingSchema,
}

/// The request envelope field that names the interface (`value: "{service}"`), if the protocol has one.
pub fn service_field(protocol: &ProtocolSchema) -> Option<&EnvelopeField> {
    protocol.request.fields.iter().find(|f| f.value.as_deref() == Some("{service}"))
}

impl<'p> Binding<'p> {
    pub fn new(protocol: &'p ProtocolSchema, schema: &'p BindingSchema) -> Binding<'p> {
        Binding { protocol, schema }
    }

    /// The binding of a protocol by name, or its first.
    pub fn named(protocol: &'p ProtocolSchema, name: Option<&str>) -> Option<Binding<'p>> {
        let schema = match name {
            Some(name) => protocol.bindings.iter().find(|b| b.name == name)?,
            None => protocol.bindings.first()?,
        };
        Some(Binding::new(protocol, schema))
    }

    pub fn format(&self) -> WireFormat {
        self.schema.format
    }

    /// The request path for an interface: `{service}` and `{path}` filled in.
    pub fn path(&self, side: Side, interface: &InterfaceSchema) -> String {
        self.schema
            .path(side)
            .replace("{service}", &interface.service)
            .replace("{path}", interface.path.as_deref().unwrap_or_default())
    }

    pub fn content_type(&self) -> &'static str {
        match (self.schema.soap, self.schema.format) {
            (Some(SoapVersion::Soap11), _) => "text/xml; charset=utf-8",
            (Some(SoapVersion::Soap12), _) => "application/soap+xml; charset=utf-8",
            (None, WireFormat::Xml) => "text/xml; charset=utf-8",
            (None, WireFormat::Json) => "application/json; charset=utf-8",
        }
    }

    fn routes_by_path(&self, side: Side) -> bool {
        self.schema.path(side).contains("{service}")
    }

    /// Client side: the HTTP request that carries `sealed` to an interface.
    pub fn request(
        &self,
        side: Side,
        interface: &InterfaceSchema,
        sealed: &Sealed,
    ) -> Result<HttpRequest, TransportError> {
        self.request_with(side, interface, sealed, &[])
    }

    /// Client side: the HTTP request that carries `sealed` to an interface, the request fields its path carries
    /// (`{out_trade_no}`) filled in from `path_values`.
    pub fn request_with(
        &self,
        side: Side,
        interface: &InterfaceSchema,
        sealed: &Sealed,
        path_values: &[(String, String)],
    ) -> Result<HttpRequest, TransportError> {
        let mut headers = sealed.headers.clone();
        let path = fill_path(&self.path(side, interface), path_values);
        if self.schema.method == HttpMethod::Get {
            let Value::Object(fields) =
                json::parse(&sealed.body, Limits::default()).map_err(|_| TransportError::NotAnObject)?
            else {
                return Err(TransportError::NotAnObject);
            };
            // The service travels in the path; the other fields in the query, as the document's GET example shows.
            let service = service_field(self.protocol).filter(|_| self.routes_by_path(side)).map(|f| &*f.name);
            let query = fields
                .into_iter()
                .filter(|(k, _)| Some(k.as_str()) != service)
                .map(|(k, v)| (k, crate::validate::scalar_text(&v).unwrap_or_else(|| v.to_string())))
                .collect();
            return Ok(HttpRequest { method: HttpMethod::Get, path, query, headers, body: String::new() });
        }
        let body = match self.schema.soap {
            Some(version) => {
                headers.extend(soap::action_header(version, &interface.service));
                soap::wrap_request(version, &interface.service, &sealed.body)
            }
            None => sealed.body.clone(),
        };
        headers.push(("content-type".into(), self.content_type().into()));
        Ok(HttpRequest { method: HttpMethod::Post, path, query: Vec::new(), headers, body })
    }

    /// Client side: the envelope text inside a reply's body.
    pub fn reply_envelope(&self, body: &str, limits: Limits) -> Result<String, TransportError> {
        match self.schema.soap {
            Some(_) => soap::unwrap_reply(body, limits),
            None => Ok(body.to_owned()),
        }
    }

    /// Server side: the envelope of a request, and the service where the binding carries it outside.
    pub fn inbound(
        &self,
        side: Side,
        path_service: Option<&str>,
        query: Option<&str>,
        body: &str,
        limits: Limits,
    ) -> Result<Inbound, TransportError> {
        if let Some(service) = path_service {
            let name = service_field(self.protocol).map_or("service", |f| &*f.name);
            Step::Key(&Step::Root, name).check_text(service)?;
        }
        if self.schema.method == HttpMethod::Get {
            let mut fields = Map::new();
            for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
                let at = Step::Key(&Step::Root, &name);
                at.check_text(&name)?;
                at.check_text(&value)?;
                // `sign=bad&sign=good`: the last must not silently win, as in a JSON or XML envelope.
                if fields.contains_key(&*name) {
                    return Err(CodecError::Duplicate { path: at.render() }.into());
                }
                fields.insert(name.into_owned(), Value::String(value.into_owned()));
            }
            if let (Some(service), Some(field)) = (path_service, service_field(self.protocol)) {
                if self.routes_by_path(side) && !fields.contains_key(&*field.name) {
                    fields.insert(field.name.to_string(), Value::String(service.to_owned()));
                }
            }
            return Ok(Inbound { service: path_service.map(str::to_owned), fields: Some(fields), body: String::new() });
        }
        match self.schema.soap {
            Some(_) => {
                let (operation, envelope) = soap::unwrap_request(body, limits)?;
                Ok(Inbound { service: Some(operation), fields: None, body: envelope })
            }
            None => Ok(Inbound { service: path_service.map(str::to_owned), fields: None, body: body.to_owned() }),
        }
    }

    /// Server side: the HTTP reply carrying `sealed` (a SOAP binding wraps it in the operation's response).
    pub fn reply(&self, service: &str, sealed: Sealed) -> HttpReply {
        let mut headers = sealed.headers;
        headers.push(("content-type".into(), self.content_type().into()));
        let body = match self.schema.soap {
            Some(version) => soap::wrap_reply(version, service, &sealed.body),
            None => sealed.body,
        };
        HttpReply { status: 200, headers, body }
    }

    /// Server side: a reply for a request that is not even a SOAP message (a fault), for SOAP bindings.
    pub fn fault(&self, reason: &str) -> Option<HttpReply> {
        let version = self.schema.soap?;
        let headers = vec![("content-type".into(), self.content_type().into())];
        Some(HttpReply { status: 500, headers, body: soap::fault(version, reason) })
    }
}

/// Which of the bindings sharing a route a request uses: SOAP by its content type, XML or JSON by the body.
pub fn pick<'b>(candidates: &[Binding<'b>], content_type: Option<&str>, body: &str) -> Option<Binding<'b>> {
    if let [only] = candidates {
        return Some(*only);
    }
    let content_type = content_type.unwrap_or_default().to_ascii_lowercase();
    // SOAP 1.2 says so in its content type; SOAP 1.1 travels as text/xml like plain XML.
    let version =
        if content_type.starts_with("application/soap+xml") { SoapVersion::Soap12 } else { SoapVersion::Soap11 };
    // The body tells XML from JSON; an empty or unread one (over the limit) is taken at its content type's word.
    let trimmed = body.trim_start();
    let looks_like_xml = if trimmed.is_empty() { content_type.contains("xml") } else { trimmed.starts_with('<') };
    let is_soap = version == SoapVersion::Soap12 || (looks_like_xml && body.contains("Envelope"));
    let matching = |b: &&Binding| match (b.schema.soap, is_soap) {
        (Some(v), true) => v == version,
        (None, false) => (b.schema.format == WireFormat::Xml) == looks_like_xml,
        _ => false,
    };
    // Where nothing matches (a route of SOAP bindings sent plain XML), the content type's SOAP version answers.
    let same_version = |b: &&Binding| b.schema.soap == Some(version);
    let chosen = candidates.iter().find(matching).or_else(|| candidates.iter().find(same_version));
    chosen.or(candidates.first()).copied()
}

/// Parses a body as the binding's wire format.
pub fn parse_body(format: WireFormat, body: &str, limits: Limits) -> Result<Value, crate::codec::CodecError> {
    match format {
        WireFormat::Json => json::parse(body, limits),
        WireFormat::Xml => xml::parse(body, limits).map(|d| d.value),
    }
}
