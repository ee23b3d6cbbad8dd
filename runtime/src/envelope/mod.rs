//! The envelope step, for any protocol: `seal` wraps a payload (serialize, encrypt and sign in the order the rule
//! declares) and `open` unwraps one (parse, verify and decrypt in that order), both driven by `ProtocolSchema`.

use crate::cipher::{self, CipherError};
use crate::codec::{CodecError, Limits, json, xml};
use crate::schema::{
    Direction, EnvelopeRole, EnvelopeSchema, EnvelopeValue, MessageId, Place, PlatformSchema, ProtocolSchema, Side,
    SignOrder, SignatureRule,
};
use crate::secret::Inputs;
use crate::signature::{SignError, Signer, VerifyError};
use crate::template::{self, TemplateError};
use serde_json::{Map, Value};
use std::borrow::Cow;

mod lines;
pub mod members;
use members::{member, set_member};

/// The wire form of a message.
pub use crate::schema::WireFormat as Format;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("{0}")]
    Codec(#[from] CodecError),
    #[error("{0}")]
    Template(#[from] TemplateError),
    #[error("signing: {0}")]
    Sign(#[from] SignError),
    #[error("signature: {0}")]
    Verify(#[from] VerifyError),
    #[error("encryption: {0}")]
    Cipher(#[from] CipherError),
    #[error("the envelope is not an object")]
    NotAnObject,
    #[error("`{field}` names the encryption scheme `{value}`, which the protocol does not define")]
    UnknownScheme { field: String, value: String },
    #[error("the decrypted payload is not valid {format}: {detail}")]
    Payload { format: &'static str, detail: String },
}

/// A sealed message: the body text and the header fields that travel beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub body: String,
    pub headers: Vec<(String, String)>,
}

/// A message being sealed: its body's fields, and the header fields that travel beside it.
type Drafted = (Map<String, Value>, Vec<(String, String)>);

/// Rewrites a ciphertext.
pub type RewriteText<'a> = &'a (dyn Fn(&str) -> String + Sync);
/// Rewrites a signature; `None` leaves it out.
pub type RewriteSignature<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Deliberate damage a conformance probe (`hisgate probe`) does to a message it seals, each at the step it
/// belongs to so that the rest stays correct: a ciphertext of the wrong length under a valid signature, a valid
/// message whose signature is cut short. Clients and servers never alter what they seal.
#[derive(Clone, Copy, Default)]
pub struct Alter<'a> {
    /// Rewrites the payload's ciphertext once encrypted, before a rule that signs it signs it.
    pub ciphertext: Option<RewriteText<'a>>,
    /// Rewrites the signature once computed; `None` from it leaves the signature out.
    pub signature: Option<RewriteSignature<'a>>,
}

/// The payload to seal, with what its wire text needs.
#[derive(Debug, Clone, Copy)]
pub struct Payload<'a> {
    pub value: &'a Value,
    /// Its schema, for the XML element order and root name.
    pub schema: Option<(&'a PlatformSchema, MessageId)>,
    /// The XML root, where there is no schema to name it; by default `request`.
    pub root: Option<&'a str>,
}

impl Payload<'_> {
    /// The payload's wire text: compact JSON with sorted keys, or compact XML with text in CDATA.
    pub fn text(&self, format: Format) -> Result<String, CodecError> {
        match format {
            Format::Json => Ok(sorted_json(self.value)),
            Format::Xml => {
                let root = match (self.schema, self.root) {
                    (Some((p, id)), _) => &*p.message(id).xml_name,
                    (None, root) => root.unwrap_or("request"),
                };
                xml::write(root, self.value, self.schema, xml::WriteOptions::default())
            }
        }
    }
}

fn altered(ciphertext: String, alter: Alter) -> String {
    match alter.ciphertext {
        Some(rewrite) => rewrite(&ciphertext),
        None => ciphertext,
    }
}

/// Compact JSON with object keys sorted recursively (onepay's `jStr`); numbers as they are held.
pub fn sorted_json(value: &Value) -> String {
    fn sort(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sort(v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(value).to_string()
}

/// Wraps and unwraps messages of one protocol in one direction.
#[derive(Debug, Clone)]
pub struct Envelope<'p> {
    protocol: &'p ProtocolSchema,
    schema: &'p EnvelopeSchema,
    /// The signature rule its messages follow: the protocol's `signature`, or its sender's own (`signed_by`).
    rule: &'p SignatureRule,
    direction: Direction,
    /// What an interface's request writes besides the protocol's templates (`envelope:`); none by default.
    values: &'p [EnvelopeValue],
}

/// An opened message: its envelope fields, the header values and the payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub fields: Map<String, Value>,
    pub payload: Value,
    /// The encryption scheme that applied, if any.
    pub scheme: Option<String>,
}

/// An envelope opened without reading a decrypted payload. `fields` holds the envelope's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedText {
    pub fields: Map<String, Value>,
    pub payload: OpenedPayload,
    pub scheme: Option<String>,
}

/// A payload as the envelope step leaves it.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenedPayload {
    /// Decrypted text, in the binding's format.
    Text(String),
    /// Carried as structure in the envelope, or read to verify a plaintext signature.
    Value(Value),
}

impl Opened {
    /// The value of the envelope field with a role (`code`, `message`).
    pub fn role(&self, envelope: &EnvelopeSchema, role: EnvelopeRole) -> Option<String> {
        let field = envelope.field_with_role(role)?;
        self.fields.get(&*field.name).and_then(crate::validate::scalar_text)
    }
}

impl<'p> Envelope<'p> {
    /// The envelope of messages under the protocol's `signature` rule.
    pub fn new(protocol: &'p ProtocolSchema, direction: Direction) -> Envelope<'p> {
        Envelope { protocol, schema: protocol.envelope(direction), rule: &protocol.signature, direction, values: &[] }
    }

    /// The envelope of messages `sender` sends, under its own rule where it has one (`signed_by`).
    pub fn sent_by(protocol: &'p ProtocolSchema, direction: Direction, sender: Side) -> Envelope<'p> {
        let schema = protocol.envelope(direction);
        Envelope { protocol, schema, rule: protocol.rule_of(sender), direction, values: &[] }
    }

    /// The envelope writing an interface's own values (its `envelope:`) besides the protocol's templates: a
    /// top-level field's template in place of the protocol's, a member of the encrypted box once the box is written.
    pub fn with_values(self, values: &'p [EnvelopeValue]) -> Envelope<'p> {
        Envelope { values, ..self }
    }

    /// The envelope of a message of an interface provided by `provider`: a request is sent by the other side, a
    /// response by the provider.
    pub fn of_interface(protocol: &'p ProtocolSchema, direction: Direction, provider: Side) -> Envelope<'p> {
        let sender = match direction {
            Direction::Request => provider.other(),
            Direction::Response => provider,
        };
        Envelope::sent_by(protocol, direction, sender)
    }

    /// The signature rule it follows.
    pub fn rule(&self) -> &'p SignatureRule {
        self.rule
    }

    pub fn schema(&self) -> &'p EnvelopeSchema {
        self.schema
    }

    pub fn protocol(&self) -> &'p ProtocolSchema {
        self.protocol
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The signer of its messages, under its rule.
    pub fn signer(&self) -> Signer<'p> {
        Signer::new(self.rule, self.schema)
    }

    /// Wraps `payload`. `inputs` carries the credentials, `service`, `format`, `timestamp` and values for fields
    /// without a template (a response's code and message); a field whose template reads a missing input is left
    /// out, so optional fields cost nothing.
    pub fn seal(&self, payload: Payload, format: Format, inputs: &Inputs) -> Result<Sealed, EnvelopeError> {
        let text = payload.text(format)?;
        self.seal_parts(&text, Some(payload.value), format, inputs, Alter::default())
    }

    /// Wraps `payload` as [`seal`](Self::seal) does, then damages it as `alter` says (a conformance probe's
    /// attacks). The payload is sealed as given, whether or not it satisfies its schema.
    pub fn seal_altered(
        &self,
        payload: Payload,
        format: Format,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<Sealed, EnvelopeError> {
        let text = payload.text(format)?;
        self.seal_parts(&text, Some(payload.value), format, inputs, alter)
    }

    /// Wraps payload text already written in the binding's format (`<request>…</request>` or JSON): the envelope
    /// step alone. Where the envelope carries the payload as structure (a JSON `param`, an inline body), the text
    /// is read into it.
    pub fn seal_text(&self, payload: &str, format: Format, inputs: &Inputs) -> Result<Sealed, EnvelopeError> {
        self.seal_parts(payload, None, format, inputs, Alter::default())
    }

    /// Wraps no payload at all: an error reply, or a message the document says carries nothing.
    pub fn seal_bare(&self, format: Format, inputs: &Inputs) -> Result<Sealed, EnvelopeError> {
        let sealed = self.seal_bare_deferred(format, inputs)?;
        let inputs = self.message_inputs(inputs);
        self.sign_lines(sealed, &inputs, Alter::default())
    }

    /// Wraps no payload, as [`seal_bare`](Self::seal_bare), leaving a lines rule's signature to
    /// [`sign_sent`](Self::sign_sent) over the body as it is finally sent (none, for a 204).
    pub fn seal_bare_deferred(&self, format: Format, inputs: &Inputs) -> Result<Sealed, EnvelopeError> {
        let inputs = with_format(inputs, format);
        let inputs = self.message_inputs(&inputs);
        let (mut body, mut headers) = self.fields(&inputs)?;
        self.sign_into(&mut body, &mut headers, &inputs, Alter::default())?;
        self.serialize(body, headers, format)
    }

    /// Wraps `payload` as [`seal_altered`](Self::seal_altered) does, leaving a lines rule's signature to
    /// [`sign_sent`](Self::sign_sent): the message is signed as the transport sends it (a GET's body in its query,
    /// a path's fields in its path). `inputs` should come from [`message_inputs`](Self::message_inputs), so that
    /// both steps share one nonce and timestamp.
    pub fn seal_deferred(
        &self,
        payload: Payload,
        format: Format,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<Sealed, EnvelopeError> {
        let text = payload.text(format)?;
        self.seal_unsigned_lines(&text, &|| Ok(Cow::Borrowed(payload.value)), format, inputs, alter)
    }

    /// Wraps a payload already written as `text` in `format`, as [`seal_deferred`](Self::seal_deferred) does;
    /// `tree` builds its tree only where the envelope reads one (a payload signed in place, field by field), so
    /// a reply written straight from its typed value and encrypted whole is never built as a tree.
    pub fn seal_written_deferred(
        &self,
        text: &str,
        tree: &dyn Fn() -> Result<Value, EnvelopeError>,
        format: Format,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<Sealed, EnvelopeError> {
        self.seal_unsigned_lines(text, &|| tree().map(Cow::Owned), format, inputs, alter)
    }

    /// The envelope's fields: from an input named after each, or its template.
    fn fields(&self, inputs: &Inputs) -> Result<Drafted, EnvelopeError> {
        // Room for every field and the signature and ciphertext that follow, made once rather than grown (and the
        // index rehashed) at the 4th and the 8th.
        let mut body = Map::with_capacity(self.schema.fields.len() + 2);
        let mut headers = Vec::new();
        for field in self.schema.fields.iter() {
            if field.role == EnvelopeRole::Signature {
                continue;
            }
            // An input named after the field wins over its template, the interface's over the protocol's; an empty
            // one leaves the field out.
            let own = self.values.iter().find(|v| v.path == field.name).map(|v| &v.value);
            let value = match (inputs.get(&field.name), own.or(field.value.as_ref())) {
                (Some(v), _) => Some(v.to_owned()),
                (None, Some(template)) => match template::render(template, inputs) {
                    Ok(v) => Some(v),
                    Err(TemplateError::Missing(_)) if !field.required => None,
                    Err(e) => return Err(e.into()),
                },
                (None, None) => None,
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                match field.place {
                    Place::Body | Place::Query => {
                        body.insert(field.name.to_string(), Value::String(value));
                    }
                    Place::Header => headers.push((field.name.to_string(), value)),
                }
            }
        }
        Ok((body, headers))
    }

    fn seal_parts(
        &self,
        text: &str,
        value: Option<&Value>,
        format: Format,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<Sealed, EnvelopeError> {
        let inputs = self.message_inputs(inputs);
        let tree = || match value {
            Some(v) => Ok(Cow::Borrowed(v)),
            None => parse_payload(text, format, Limits::default()).map(Cow::Owned),
        };
        let sealed = self.seal_unsigned_lines(text, &tree, format, &inputs, alter)?;
        self.sign_lines(sealed, &inputs, alter)
    }

    /// Sealed, but a lines rule's signature not yet made. `tree` is the payload's tree, asked for only where it
    /// is placed in the envelope (not where the payload travels encrypted whole).
    fn seal_unsigned_lines<'v>(
        &self,
        text: &str,
        tree: &dyn Fn() -> Result<Cow<'v, Value>, EnvelopeError>,
        format: Format,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<Sealed, EnvelopeError> {
        let inputs = with_format(inputs, format);
        let inputs = self.message_inputs(&inputs);
        let inputs = &*inputs;
        let (mut body, mut headers) = self.fields(inputs)?;
        let scheme = self.scheme(&body, Some(inputs))?;
        // A GCM scheme's nonce and associated data travel in the body; the cipher reads them from the inputs.
        if let Some(scheme) = scheme {
            self.name_scheme(&mut body, scheme);
        }
        let aead = scheme.map(|s| members::sent(s, &mut body, inputs));
        if scheme.is_some() {
            members::write_values(self.values, &mut body, inputs)?;
        }
        let inputs = aead.as_deref().unwrap_or(inputs);
        let placement = &self.schema.payload;
        match (scheme, &placement.ciphertext, self.rule.order) {
            (Some(scheme), Some(ciphertext_field), SignOrder::SignThenEncrypt) => {
                // The plaintext is signed where it belongs, then replaced by its ciphertext.
                self.place_payload(&mut body, tree()?);
                self.sign_into(&mut body, &mut headers, inputs, alter)?;
                if let Some(field) = &placement.field {
                    body.shift_remove(&**field);
                }
                let ciphertext = altered(cipher::encrypt(scheme, text.as_bytes(), inputs)?, alter);
                set_member(&mut body, ciphertext_field, Value::String(ciphertext));
            }
            (Some(scheme), Some(ciphertext_field), SignOrder::EncryptThenSign) => {
                let ciphertext = altered(cipher::encrypt(scheme, text.as_bytes(), inputs)?, alter);
                set_member(&mut body, ciphertext_field, Value::String(ciphertext));
                self.sign_into(&mut body, &mut headers, inputs, alter)?;
            }
            _ => {
                self.place_payload(&mut body, tree()?);
                self.sign_into(&mut body, &mut headers, inputs, alter)?;
            }
        }
        self.serialize(body, headers, format)
    }

    fn serialize(
        &self,
        body: Map<String, Value>,
        headers: Vec<(String, String)>,
        format: Format,
    ) -> Result<Sealed, EnvelopeError> {
        let body = self.in_declared_order(body);
        let body = match format {
            Format::Json => Value::Object(body).to_string(),
            Format::Xml => {
                let root = self.schema.root.as_deref().unwrap_or("root");
                let options = xml::WriteOptions { declaration: true, cdata: true };
                xml::write(root, &Value::Object(body), None, options)?
            }
        };
        Ok(Sealed { body, headers })
    }

    /// The envelope's fields in declared order, then the inline payload's. The few envelope fields move to the
    /// front in place, only those out of place (most were drafted in order; the signature and a ciphertext come
    /// last); the payload's fields are not rehashed.
    fn in_declared_order(&self, mut body: Map<String, Value>) -> Map<String, Value> {
        let mut position = 0;
        for field in self.schema.fields.iter() {
            let name = &*field.name;
            if body.keys().nth(position).is_some_and(|key| key == name) {
                position += 1;
            } else if let Some((name, value)) = body.shift_remove_entry(name) {
                body.shift_insert(position, name, value);
                position += 1;
            }
        }
        body
    }

    /// Puts the payload where the envelope carries it, moving it when it is owned.
    fn place_payload(&self, body: &mut Map<String, Value>, payload: std::borrow::Cow<'_, Value>) {
        match (&self.schema.payload.field, payload) {
            (Some(field), value) => {
                body.insert(field.to_string(), value.into_owned());
            }
            // The body is the payload: its fields sit beside the envelope's.
            (None, Cow::Owned(Value::Object(fields))) => body.extend(fields),
            (None, Cow::Borrowed(Value::Object(fields))) => {
                body.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            (None, _) => {}
        }
    }

    fn sign_into(
        &self,
        body: &mut Map<String, Value>,
        headers: &mut Vec<(String, String)>,
        inputs: &Inputs,
        alter: Alter,
    ) -> Result<(), EnvelopeError> {
        if self.rule.is_lines() {
            // Signed once the body is written: `sign_lines`.
            return Ok(());
        }
        // Templates may read header values (glorycard's timestamp); most are inputs already, so copy only when not.
        let value = if headers.iter().all(|(k, _)| inputs.get(k).is_some()) {
            self.signer().value(body, inputs)?
        } else {
            let overlay = headers.iter().fold(inputs.clone(), |acc, (k, v)| acc.with(k.clone(), v.clone()));
            self.signer().value(body, &overlay)?
        };
        let Some(value) = (match alter.signature {
            Some(rewrite) => rewrite(&value),
            None => Some(value),
        }) else {
            return Ok(());
        };
        let value = self.carried(value, inputs)?;
        let field = &self.rule.field;
        match self.schema.field(field).map(|f| f.place) {
            Some(Place::Header) => headers.push((field.to_string(), value)),
            _ => {
                body.insert(field.to_string(), Value::String(value));
            }
        }
        Ok(())
    }

    /// The scheme the envelope selects: by its `role: scheme` field (or the member a dotted `select` names), or the
    /// only one; `None` means no encryption. A sender (`inputs` given) selects by an input named as a dotted
    /// `select` and writes the scheme's name there.
    fn scheme(
        &self,
        body: &Map<String, Value>,
        sending: Option<&Inputs>,
    ) -> Result<Option<&'p crate::schema::CipherScheme>, EnvelopeError> {
        let Some(rule) = &self.protocol.encryption else { return Ok(None) };
        let Some(field) = &rule.select else { return Ok(rule.scheme(None)) };
        let named = member(body, field).and_then(Value::as_str);
        let named = named.or_else(|| sending.filter(|_| field.contains('.')).and_then(|i| i.get(field)));
        match named.filter(|name| !name.is_empty()) {
            None => Ok(None),
            Some(name) => rule
                .scheme(Some(name))
                .map(Some)
                .ok_or_else(|| EnvelopeError::UnknownScheme { field: field.to_string(), value: name.to_owned() }),
        }
    }

    /// Writes a dotted `select`'s scheme name into the body (a block field's was written with the envelope's).
    fn name_scheme(&self, body: &mut Map<String, Value>, scheme: &crate::schema::CipherScheme) {
        if let Some(field) = self.protocol.encryption.as_ref().and_then(|r| r.select.as_ref())
            && field.contains('.')
        {
            set_member(body, field, Value::String(scheme.name.to_string()));
        }
    }

    /// Unwraps a received body (and its headers), verifying and decrypting in the rule's order, and reads the
    /// payload.
    pub fn open(
        &self,
        body: &str,
        headers: &[(String, String)],
        format: Format,
        inputs: &Inputs,
        limits: Limits,
    ) -> Result<Opened, EnvelopeError> {
        let opened = self.open_text(body, headers, format, inputs, limits)?;
        let payload = match opened.payload {
            OpenedPayload::Text(text) => parse_payload(&text, format, limits)?,
            OpenedPayload::Value(value) => value,
        };
        Ok(Opened { fields: opened.fields, payload, scheme: opened.scheme })
    }

    /// The envelope step alone: verifies and decrypts, leaving a decrypted payload as the text it was written in.
    pub fn open_text(
        &self,
        body: &str,
        headers: &[(String, String)],
        format: Format,
        inputs: &Inputs,
        limits: Limits,
    ) -> Result<OpenedText, EnvelopeError> {
        let parsed = match format {
            // A lines rule signs the body as sent, none included (a 204, a GET): no body is no fields.
            _ if self.rule.is_lines() && body.is_empty() => Value::Object(Map::new()),
            Format::Json => json::parse(body, limits)?,
            Format::Xml => xml::parse(body, limits)?.value,
        };
        let Value::Object(fields) = parsed else { return Err(EnvelopeError::NotAnObject) };
        if format == Format::Xml {
            xml::refuse_repeated_fields(&fields, self.schema.field_names())?;
        }
        if self.rule.is_lines() && inputs.get("body").is_none() {
            // The lines form signs the body as it came, byte for byte: never a re-serialization of it.
            return self.open_fields(fields, headers, format, &inputs.clone().with("body", body), limits);
        }
        self.open_fields(fields, headers, format, inputs, limits)
    }

    /// The envelope step over fields already read (a GET request's query): verifies and decrypts.
    pub fn open_fields(
        &self,
        mut fields: Map<String, Value>,
        headers: &[(String, String)],
        format: Format,
        inputs: &Inputs,
        limits: Limits,
    ) -> Result<OpenedText, EnvelopeError> {
        // The headers join the inputs (templates may read them) where they replace nothing; a server has set them
        // already, so copy only when not. Those the rule writes join under the rule's spelling.
        let (signature, inputs) = self.signed_inputs(&fields, headers, inputs)?;
        let inputs = &*inputs;
        let scheme = self.scheme(&fields, None)?;
        let aead = scheme.map(|s| members::received(s, &fields, inputs));
        let inputs = aead.as_deref().unwrap_or(inputs);
        let placement = &self.schema.payload;
        // An empty ciphertext field, or one that decrypts to nothing, is a message without a payload (error replies
        // of several platforms carry one or the other), not a malformed one.
        let ciphertext = placement
            .ciphertext
            .as_ref()
            .and_then(|c| member(&fields, c))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty());
        let payload = match (scheme, ciphertext, self.rule.order) {
            (Some(scheme), Some(ciphertext), SignOrder::SignThenEncrypt) => {
                let text = cipher::decrypt(scheme, ciphertext, inputs)?;
                let payload = if text.trim().is_empty() { Value::Null } else { parse_payload(&text, format, limits)? };
                if let Some(field) = &placement.field {
                    fields.insert(field.to_string(), payload.clone());
                }
                self.verify(&fields, inputs, signature.as_deref())?;
                OpenedPayload::Value(payload)
            }
            (Some(scheme), Some(ciphertext), SignOrder::EncryptThenSign) => {
                self.verify(&fields, inputs, signature.as_deref())?;
                let text = cipher::decrypt(scheme, ciphertext, inputs)?;
                if text.trim().is_empty() { OpenedPayload::Value(Value::Null) } else { OpenedPayload::Text(text) }
            }
            _ => {
                self.verify(&fields, inputs, signature.as_deref())?;
                // Verified: the payload moves out of the envelope's fields.
                OpenedPayload::Value(match &placement.field {
                    Some(field) => fields.shift_remove(&**field).unwrap_or(Value::Null),
                    None => Value::Object(self.take_inline_payload(&mut fields)),
                })
            }
        };
        Ok(OpenedText { fields, payload, scheme: scheme.map(|s| s.name.to_string()) })
    }

    /// The message as its signature covers it. Under sign-then-encrypt, a ciphertext whose plaintext is absent is
    /// decrypted back into the payload field; otherwise the message is returned as it is.
    pub fn signed_view(
        &self,
        fields: &Map<String, Value>,
        inputs: &Inputs,
        format: Format,
        limits: Limits,
    ) -> Result<Map<String, Value>, EnvelopeError> {
        let mut view = fields.clone();
        let placement = &self.schema.payload;
        if self.rule.order != SignOrder::SignThenEncrypt {
            return Ok(view);
        }
        let (Some(field), Some(ciphertext)) = (&placement.field, &placement.ciphertext) else { return Ok(view) };
        if view.contains_key(&**field) {
            return Ok(view);
        }
        if let (Some(scheme), Some(text)) =
            (self.scheme(fields, None)?, member(fields, ciphertext).and_then(Value::as_str))
        {
            let inputs = members::received(scheme, fields, inputs);
            let plaintext = cipher::decrypt(scheme, text, &inputs)?;
            view.insert(field.to_string(), parse_payload(&plaintext, format, limits)?);
        }
        Ok(view)
    }

    /// The signature a received message carries, and the inputs its string to sign reads: the headers (those the
    /// rule writes under its spelling) and a structured carrier's parameters, joined where they replace nothing.
    fn signed_inputs<'i>(
        &self,
        fields: &Map<String, Value>,
        headers: &[(String, String)],
        inputs: &'i Inputs,
    ) -> Result<(Option<String>, Cow<'i, Inputs>), EnvelopeError> {
        let headers = &*self.rule_headers(headers);
        let joined = with_headers(self.protocol, inputs, headers);
        let (signature, carried) = self.uncarried(self.signature_value(fields, headers), &joined)?;
        let inputs = match carried {
            Cow::Owned(inputs) => Cow::Owned(inputs),
            Cow::Borrowed(_) => joined,
        };
        Ok((signature, inputs))
    }

    /// What a diagnosis of a refused signature starts from: the signature the message carries and the inputs it was
    /// checked with, gathered as opening gathers them. `None` where the message carries no signature.
    pub fn received_signature(
        &self,
        fields: &Map<String, Value>,
        headers: &[(String, String)],
        inputs: &Inputs,
    ) -> Option<(String, Inputs)> {
        let (signature, inputs) = self.signed_inputs(fields, headers, inputs).ok()?;
        Some((signature?, inputs.into_owned()))
    }

    fn signature_value(&self, fields: &Map<String, Value>, headers: &[(String, String)]) -> Option<String> {
        let name = &self.rule.field;
        fields
            .get(&**name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()))
    }

    fn verify(
        &self,
        fields: &Map<String, Value>,
        inputs: &Inputs,
        signature: Option<&str>,
    ) -> Result<(), EnvelopeError> {
        let received = signature.ok_or_else(|| VerifyError::Missing(self.rule.field.to_string()))?;
        Ok(self.signer().verify(fields, inputs, received)?)
    }

    /// Moves the body's fields that are not the envelope's own into a payload of their own. The envelope's few
    /// fields are taken out, so the payload's many keep their map.
    fn take_inline_payload(&self, fields: &mut Map<String, Value>) -> Map<String, Value> {
        let mut envelope = Map::new();
        for field in self.schema.fields.iter() {
            for name in std::iter::once(&field.name).chain(field.aliases.iter()) {
                if let Some((k, v)) = fields.shift_remove_entry(&**name) {
                    envelope.insert(k, v);
                }
            }
        }
        std::mem::replace(fields, envelope)
    }
}

/// The digest and cipher work of one sealed message, with nothing around it: the baseline the envelope step is
/// measured against.
#[derive(Debug, Clone)]
pub struct RawCrypto<'p> {
    digest: &'p [crate::schema::DigestStep],
    canonical: String,
    scheme: Option<&'p crate::schema::CipherScheme>,
    plaintext: String,
    ciphertext: String,
    inputs: Inputs,
}

impl RawCrypto<'_> {
    /// What sealing cannot avoid: the digest chain over the canonical string, and the cipher over the payload.
    pub fn build(&self) -> Result<(), EnvelopeError> {
        crate::signature::digest_value(self.digest, self.canonical.as_bytes(), &self.inputs)?;
        if let Some(scheme) = self.scheme {
            cipher::encrypt(scheme, self.plaintext.as_bytes(), &self.inputs)?;
        }
        Ok(())
    }

    /// What opening cannot avoid: the same digest, and decrypting the ciphertext.
    pub fn parse(&self) -> Result<(), EnvelopeError> {
        crate::signature::digest_value(self.digest, self.canonical.as_bytes(), &self.inputs)?;
        if let Some(scheme) = self.scheme {
            cipher::decrypt(scheme, &self.ciphertext, &self.inputs)?;
        }
        Ok(())
    }
}

impl<'p> Envelope<'p> {
    /// The raw crypto of a message this envelope sealed from `payload` text.
    pub fn raw_crypto(
        &self,
        sealed: &Sealed,
        payload: &str,
        format: Format,
        inputs: &Inputs,
    ) -> Result<RawCrypto<'p>, EnvelopeError> {
        let limits = Limits { max_bytes: usize::MAX, ..Limits::default() };
        let opened = self.open_text(&sealed.body, &sealed.headers, format, inputs, limits)?;
        let inputs = sealed.headers.iter().fold(inputs.clone(), |acc, (k, v)| acc.with(k.clone(), v.clone()));
        // The message exactly as signed: the sealed body, with a plaintext payload back in place.
        let body = match format {
            Format::Json => json::parse(&sealed.body, limits)?,
            Format::Xml => xml::parse(&sealed.body, limits)?.value,
        };
        let Value::Object(body) = body else { return Err(EnvelopeError::NotAnObject) };
        let signed = self.signed_view(&body, &inputs, format, limits)?;
        let canonical = self.signer().canonical(&signed, &inputs)?;
        let scheme = opened.scheme.as_deref().and_then(|name| self.protocol.encryption.as_ref()?.scheme(Some(name)));
        let inputs = match scheme {
            Some(s) => members::received(s, &body, &inputs).into_owned(),
            None => inputs,
        };
        let ciphertext = match scheme {
            Some(s) => cipher::encrypt(s, payload.as_bytes(), &inputs)?,
            None => String::new(),
        };
        Ok(RawCrypto {
            digest: &self.rule.digest,
            canonical,
            scheme,
            plaintext: payload.to_owned(),
            ciphertext,
            inputs,
        })
    }
}

/// `inputs` with `format` set to the binding's format, copied only when it is not so already.
fn with_format(inputs: &Inputs, format: Format) -> std::borrow::Cow<'_, Inputs> {
    if inputs.get("format") == Some(format.as_str()) {
        Cow::Borrowed(inputs)
    } else {
        Cow::Owned(inputs.clone().with("format", format.as_str()))
    }
}

/// Whether a received header may join the inputs under its name: only where it replaces nothing and names no
/// credential. A header is the sender's to choose; a credential is not (`key: …` must not set the key that
/// verifies the message, nor a header named `service` the service it is checked under).
pub(crate) fn header_may_join(protocol: &ProtocolSchema, inputs: &Inputs, name: &str) -> bool {
    inputs.get(name).is_none() && protocol.credential(name).is_none()
}

/// `inputs` with the headers that may join them ([`header_may_join`]), copied only when there is one.
fn with_headers<'i>(protocol: &ProtocolSchema, inputs: &'i Inputs, headers: &[(String, String)]) -> Cow<'i, Inputs> {
    if !headers.iter().any(|(name, _)| header_may_join(protocol, inputs, name)) {
        return Cow::Borrowed(inputs);
    }
    let mut joined = inputs.clone();
    for (name, value) in headers {
        if header_may_join(protocol, inputs, name) {
            joined.set(name.clone(), value.clone(), false);
        }
    }
    Cow::Owned(joined)
}

fn parse_payload(text: &str, format: Format, limits: Limits) -> Result<Value, EnvelopeError> {
    let parsed = match format {
        Format::Json => json::parse(text, limits),
        Format::Xml => xml::parse(text, limits).map(|d| d.value),
    };
    parsed.map_err(|e| match e {
        // Decrypted fine: what it holds is refused as any envelope's would be, not as a decryption failure.
        e if e.is_refused_content() => EnvelopeError::Codec(e),
        e => EnvelopeError::Payload { format: format.as_str(), detail: e.to_string() },
    })
}
