//! The open and validate stages: the envelope parsed and its fields checked, the interface found, freshness,
//! signature and decryption; then the payload parsed, joined by the fields its path carries, and validated under
//! the server's strictness.

use super::{Inbound, Reader};
use crate::Violations;
use crate::codec::{CodecError, escape, xml};
use crate::envelope::{Envelope, EnvelopeError, OpenedPayload, OpenedText};
use crate::schema::{Direction, HttpMethod, InterfaceSchema, Place, WireFormat};
use crate::server::Failure;
use crate::server::checks::{check_fields, codec_code, foreign_charset, fresh_time, refusal_for};
use crate::server::strict;
use crate::signature::VerifyError;
use crate::signature::diagnose::Options;
use crate::transport::{self, TransportError};
use serde_json::{Map, Value};

/// The envelope read, checked, verified and decrypted: the interface, the opened envelope, and the request's time
/// where the protocol declares freshness.
pub(super) type Opened<'s> = (&'s InterfaceSchema, OpenedText, Option<chrono::NaiveDateTime>);

impl<'r> Inbound<'r> {
    /// The open stage: what a request's envelope says, checked down to its signature and decrypted.
    pub(super) fn open(&mut self, body: &str) -> Result<Opened<'r>, Failure> {
        let Inbound { reader, protocol, binding, request, found } = self;
        let (reader, protocol, request) = (&*reader, *protocol, *request);
        let failures = &protocol.failures;
        let limits = reader.config.limits;
        if let Some(detail) = request.refused {
            return Err(Failure::refused(&failures.malformed, detail));
        }
        if let Some(charset) = foreign_charset(request.content_type) {
            let detail = format!("the content type declares the charset `{}`; only UTF-8 is read", escape(charset));
            return Err(Failure::refused(&failures.charset, detail));
        }
        if binding.schema.method == HttpMethod::Post && body.trim().is_empty() {
            return Err(Failure::refused(&failures.empty, "the request has no body"));
        }
        let inbound = match binding.inbound(reader.side, request.path_service, request.query, body, limits) {
            Ok(inbound) => inbound,
            Err(e) => {
                // Not even a SOAP call: answered with a SOAP fault, not an envelope.
                if let Some(fault) = binding.fault(&e.to_string()) {
                    found.fault = Some(fault);
                    return Err(Failure::refused(&failures.malformed, "not a SOAP call"));
                }
                return Err(match &e {
                    TransportError::Codec(codec) => {
                        Failure::refused(codec_code(failures, codec, &failures.malformed), e.to_string())
                    }
                    _ => Failure::refused(&failures.malformed, e.to_string()),
                });
            }
        };
        let fields = match inbound.fields {
            Some(fields) => fields,
            None => match transport::parse_body(binding.format(), &inbound.body, limits) {
                Ok(Value::Object(fields)) => fields,
                Ok(_) => return Err(Failure::refused(&failures.malformed, "the envelope is not an object")),
                Err(e) => return Err(Failure::refused(codec_code(failures, &e, &failures.malformed), e.to_string())),
            },
        };
        // XML makes a repeated element a list; no envelope field is one (`<sign>` twice is not two signatures).
        if binding.format() == WireFormat::Xml {
            xml::refuse_repeated_fields(&fields, protocol.request.field_names())
                .map_err(|e| Failure::refused(&failures.malformed, e.to_string()))?;
        }
        // An envelope field sent as two headers (`sign: bad`, `sign: good`) is the same question as a JSON key twice.
        let in_headers = protocol.request.fields.iter().filter(|f| f.place == Place::Header);
        if let Some(twice) = in_headers
            .map(|f| &*f.name)
            .find(|name| request.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).nth(1).is_some())
        {
            let detail = format!("{} (as a header)", CodecError::Duplicate { path: twice.to_owned() });
            return Err(Failure::refused(&failures.malformed, detail));
        }
        if fields.is_empty() && request.headers.is_empty() {
            return Err(Failure::refused(&failures.empty, "the envelope has no fields"));
        }
        check_fields(&protocol.request, &fields, request.headers, &reader.config.credentials, &failures.malformed)?;
        let named = inbound.service.or_else(|| {
            let field = transport::service_field(protocol)?;
            fields.get(&*field.name).and_then(crate::validate::scalar_text)
        });
        if found.service.is_none() {
            found.service.clone_from(&named);
        }
        let interface = find(reader, request.interface, named.as_deref()).ok_or_else(|| {
            Failure::refused(
                &failures.unknown_service,
                format!("no interface `{}`", named.as_deref().unwrap_or_default()),
            )
        })?;
        found.service = Some(interface.name.to_string());
        found.alias = named.filter(|n| interface.service_aliases.iter().any(|a| a == n));
        if !interface.travels_under(&binding.schema.name) {
            let detail = format!(
                "`{}` travels under the binding `{}` only",
                interface.name,
                interface.binding.as_deref().unwrap_or_default()
            );
            return Err(Failure::refused(&failures.unknown_service, detail));
        }
        let sent = fresh_time(reader, protocol, &fields, request.headers)?;
        // An envelope under an alias is checked, and answered, under the name it was sent with.
        let spoken = found.alias.clone().unwrap_or_else(|| interface.service.to_string());
        let mut inputs = reader.config.credentials.clone().with("service", spoken);
        // Headers fill what templates read besides (glorycard's `timestamp`), never a credential or the service: a
        // header `key` must not choose the key the request is verified with. `open_fields` then finds them all set.
        for (name, value) in request.headers {
            if crate::envelope::header_may_join(protocol, &inputs, name) {
                inputs.set(name.clone(), value.clone(), false);
            }
        }
        let envelope = Envelope::of_interface(protocol, Direction::Request, reader.side);
        if envelope.rule().is_lines() {
            // The lines sign the request as it came: its method, its target with the query, its body (none for a GET).
            inputs.set("method", request.method.to_owned(), false);
            inputs.set("path", request.target.to_owned(), false);
            let sent = if binding.schema.method == HttpMethod::Get { "" } else { body };
            inputs.set("body", sent.to_owned(), false);
        }
        // A refused signature is diagnosed where asked, or (briefly) at debug level: which variant the counterpart used.
        let options = reader.diagnose.or_else(|| tracing::enabled!(tracing::Level::DEBUG).then(Options::quick));
        let kept = options.map(|_| fields.clone());
        let opened = envelope.open_fields(fields, request.headers, binding.format(), &inputs, limits).map_err(|e| {
            if let EnvelopeError::Verify(_) = &e {
                found.verified = Some(false);
            }
            // A signature that does not reproduce (a shared key) or does not verify (a public key); not a missing one.
            let differs =
                matches!(&e, EnvelopeError::Verify(VerifyError::Mismatch { .. } | VerifyError::NotVerified { .. }));
            if let (true, Some(fields), Some(options)) = (differs, &kept, options) {
                let (platform, format) = (reader.platform, binding.format());
                found.diagnosis = crate::signature::diagnose::refused(
                    platform,
                    &envelope,
                    fields,
                    request.headers,
                    &inputs,
                    format,
                    options,
                );
            }
            refusal_for(protocol, e)
        })?;
        found.verified = Some(true);
        if interface.encrypted.is_some() && opened.scheme.is_none() {
            let detail = format!(
                "`{}` must arrive encrypted ({})",
                interface.name,
                interface.encrypted.as_deref().unwrap_or_default()
            );
            return Err(Failure::refused(&failures.decrypt, detail));
        }
        Ok((interface, opened, sent))
    }

    /// The opened payload parsed and validated under the server's strictness: the payload and the violations only
    /// warned about, or the refusal.
    pub(super) fn validate(
        &mut self,
        interface: &InterfaceSchema,
        payload: OpenedPayload,
    ) -> Result<(Value, Violations), Failure> {
        let Inbound { reader, protocol, binding, request, found } = self;
        let (reader, path_params) = (&*reader, request.path_params);
        let failures = &protocol.failures;
        let limits = reader.config.limits;
        let mut payload = match payload {
            OpenedPayload::Value(v) => v,
            OpenedPayload::Text(text) => transport::parse_body(binding.format(), &text, limits).map_err(|e| {
                Failure::refused(codec_code(failures, &e, &failures.decrypt), format!("the decrypted payload: {e}"))
            })?,
        };
        // The fields the path carries join the payload, validated with it; one the body says otherwise is refused.
        let carried = interface.path_fields();
        for (name, value) in path_params.iter().filter(|(name, _)| carried.contains(&name.as_str())) {
            crate::codec::Step::Key(&crate::codec::Step::Root, name)
                .check_text(value)
                .map_err(|e| Failure::refused(&failures.malformed, format!("the path: {e}")))?;
            if payload.is_null() {
                payload = Value::Object(Map::new());
            }
            let Value::Object(map) = &mut payload else {
                return Err(Failure::refused(&failures.malformed, "the payload is not an object"));
            };
            match map.get(name.as_str()).and_then(crate::validate::scalar_text) {
                Some(body) if body != *value => {
                    let detail =
                        format!("`{name}` is `{}` in the path and `{}` in the body", escape(value), escape(&body));
                    return Err(Failure::refused(&failures.invalid, detail));
                }
                _ => {
                    map.insert(name.clone(), Value::String(value.clone()));
                }
            }
        }
        if binding.format() == WireFormat::Xml {
            xml::refuse_repeats(reader.platform, interface.request, &payload)
                .map_err(|e| Failure::refused(&failures.malformed, format!("the payload: {e}")))?;
        }
        // Keys before validation: a refused request's log line and journal row still say which order it was about.
        found.keys = crate::business_keys::business_keys(reader.platform, interface, &payload, None);
        let (payload, warnings) = strict::request(reader.platform, interface, reader.config.strictness, payload)
            .map_err(|refused| {
                found.violations = refused.clone();
                Failure::refused(&failures.invalid, refused.to_string())
            })?;
        found.violations = warnings.clone();
        Ok((payload, warnings))
    }
}

pub(super) fn find<'s>(reader: &Reader<'s>, fixed: Option<&str>, service: Option<&str>) -> Option<&'s InterfaceSchema> {
    let side = reader.side;
    let on_side = reader.platform.interfaces.iter().filter(move |i| i.provider == side);
    match (fixed, service) {
        (Some(name), _) => on_side.clone().find(|i| i.name == name),
        (None, Some(service)) => {
            on_side.clone().find(|i| i.service == service || i.service_aliases.iter().any(|a| a == service))
        }
        (None, None) => None,
    }
}
