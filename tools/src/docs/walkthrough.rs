//! The engine run that the docs show: a payload sealed by `Envelope` exactly as a sender seals it, then taken
//! apart again with the signature and cipher engines to show every intermediate value, then opened as a receiver
//! opens it. Nothing here computes a signature or a ciphertext of its own: every value shown is the engine's.

use hisgate_runtime::codec::{Limits, json, xml};
use hisgate_runtime::envelope::members::member;
use hisgate_runtime::envelope::{Envelope, Format, OpenedPayload, Payload};
use hisgate_runtime::schema::{
    CipherParams, CipherScheme, Direction, EnvelopeRole, InterfaceSchema, MessageId, Place, PlatformSchema,
    PointPrefix, ProtocolSchema, SchemeCipher, Side, Sm2Form, TextEncoding,
};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::signature::Signer;
use hisgate_runtime::signature::canonical::Skip;
use hisgate_runtime::{cipher, schema::BlockMode};
use serde_json::{Map, Value};

/// The timestamp of examples that bring none: the day the yizhangtong document was last versioned.
const EXAMPLE_TIMESTAMP: &str = "20190429103000";
const EXAMPLE_UNIX_TIMESTAMP: &str = "1554208460";
const EXAMPLE_NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";

/// What one message goes through, as the docs show it.
#[derive(Debug, Clone)]
pub struct Run {
    pub direction: Direction,
    pub format: Format,
    /// Every input the templates read: name, what it is, value.
    pub inputs: Vec<(String, String, String)>,
    /// The payload text exactly as it is encrypted or carried.
    pub plaintext: String,
    pub encryption: Option<Encryption>,
    /// The message as the signature rule reads it, field by field: name, value, why it is left out.
    pub pairs: Vec<(String, String, Option<&'static str>)>,
    pub canonical: String,
    /// Each digest step and its output.
    pub digest: Vec<(String, String)>,
    pub sign: String,
    pub sign_field: String,
    pub sign_in_header: bool,
    /// The sealed message as it goes on the wire.
    pub body: String,
    pub headers: Vec<(String, String)>,
    /// Whether opening the sealed message (verify and decrypt, in the rule's order) gave the payload back.
    pub opened: Result<(), String>,
    /// The message as the signature rule reads it, and the inputs it is read with (header values included): what
    /// `hisgate explain --expect` searches when a printed signature differs.
    pub view: Map<String, Value>,
    pub seen: Inputs,
}

#[derive(Debug, Clone)]
pub struct Encryption {
    pub scheme: String,
    pub cipher: String,
    /// The key's text after its template, then after each derivation step.
    pub key_steps: Vec<String>,
    pub field: String,
    pub ciphertext: String,
}

/// The inputs a message of `protocol` is sealed with: the credentials' examples, the call's service and a
/// timestamp, a response's success code and message, then `extra` over all of them.
pub fn inputs(
    platform: &PlatformSchema,
    protocol: &ProtocolSchema,
    interface: Option<&InterfaceSchema>,
    direction: Direction,
    extra: &[(String, String)],
) -> Inputs {
    let service = interface.map(|i| &*i.service);
    let mut inputs = Inputs::new();
    for credential in protocol.credentials.iter() {
        if let Some(example) = &credential.example {
            inputs.set(credential.name.to_string(), example.to_string(), credential.secret);
        }
    }
    if let Some(service) = service {
        inputs.set("service", service, false);
    }
    inputs.set("timestamp", example_timestamp(protocol, direction), false);
    // A lines rule's request line: the interface's method and path, as its binding sends them (only where a rule
    // reads them: an input named like an envelope field would take its place, myhis's `method`).
    let reads_line = protocol.rules().any(|r| r.reads("method") || r.reads("path"));
    if let Some(interface) = interface.filter(|_| reads_line) {
        let binding = protocol.bindings.iter().find(|b| interface.travels_under(&b.name));
        let method = match binding.map(|b| b.method) {
            Some(hisgate_runtime::schema::HttpMethod::Get) => "GET",
            _ => "POST",
        };
        inputs.set("method", method, false);
        if let Some(path) =
            binding.map(|b| b.path(interface.provider).replace("{path}", interface.path.as_deref().unwrap_or_default()))
        {
            inputs.set("path", path, false);
        }
    }
    // A lines rule's nonce, fixed so that the site is the same bytes each time (WeChat Pay's documentation's own).
    if protocol.rules().any(|r| r.reads("nonce")) {
        inputs.set("nonce", EXAMPLE_NONCE, false);
    }
    if let Some(success) = platform.return_codes.iter().find(|c| c.success) {
        let envelope = protocol.envelope(direction);
        for (role, value) in [(EnvelopeRole::Code, &success.code), (EnvelopeRole::Message, &success.message)] {
            if let Some(field) = envelope.field_with_role(role) {
                inputs.set(field.name.to_string(), value.to_string(), false);
            }
        }
    }
    // A scheme field without a template (onepay's response `encryptType`) names the first scheme it accepts.
    for field in protocol.envelope(direction).fields.iter() {
        if field.role == EnvelopeRole::Scheme && field.value.is_none() {
            if let Some(first) = field.accepts.first() {
                inputs.set(field.name.to_string(), first.to_string(), false);
            }
        }
    }
    for (name, value) in extra {
        let secret = protocol.credential(name).is_some_and(|c| c.secret);
        inputs.set(name.clone(), value.clone(), secret);
    }
    inputs
}

/// A timestamp in the format the envelope declares for it, where it declares one.
fn example_timestamp(protocol: &ProtocolSchema, direction: Direction) -> String {
    let field = protocol.envelope(direction).fields.iter().find(|f| f.value.as_deref() == Some("{timestamp}"));
    match field.and_then(|f| f.format.as_ref()) {
        Some(format) => format.tokens.iter().map(hisgate_runtime::sample::sample_token).collect(),
        // No envelope field formats it: a lines rule's Unix seconds (WeChat Pay's documentation's example).
        None if protocol.rules().any(|r| r.reads("timestamp")) => EXAMPLE_UNIX_TIMESTAMP.into(),
        None => EXAMPLE_TIMESTAMP.into(),
    }
}

/// A message's sample payload (`hisgate_runtime::sample`) as wire text: checked and shaped as a sender writes it.
pub fn sample_text(platform: &PlatformSchema, id: MessageId, format: Format) -> Result<String, String> {
    let mut value = hisgate_runtime::sample::payload(platform, id);
    let violations = hisgate_runtime::validate::check(platform, id, &mut value);
    if !violations.0.is_empty() {
        return Err(format!("the sample payload does not validate: {violations}"));
    }
    if format == Format::Json {
        json::shape(platform, id, &mut value);
    }
    let payload = Payload { value: &value, schema: Some((platform, id)), root: None };
    payload.text(format).map_err(|e| e.to_string())
}

/// The envelope of a message in `direction` of an interface `provider` provides: its sender's rule signs it.
pub fn envelope(protocol: &ProtocolSchema, direction: Direction, provider: Option<Side>) -> Envelope<'_> {
    match provider {
        Some(provider) => Envelope::of_interface(protocol, direction, provider),
        None => Envelope::new(protocol, direction),
    }
}

/// Seals `payload` (text in `format`) and records every step.
/// `provider`, the side providing the interface, says who sends the message: its rule signs it (`signed_by`).
pub fn run(
    platform: &PlatformSchema,
    direction: Direction,
    provider: Option<Side>,
    format: Format,
    payload: &str,
    inputs: &Inputs,
) -> Result<Run, String> {
    let protocol = platform.protocol.as_ref().ok_or("the platform declares no protocol")?;
    let envelope = envelope(protocol, direction, provider);
    let rule = envelope.rule();
    // A lines rule's nonce and timestamp, once for the message and its walkthrough.
    let inputs = &*envelope.message_inputs(inputs);
    let sealed = envelope.seal_text(payload, format, inputs).map_err(|e| format!("sealing: {e}"))?;
    let limits = Limits { max_bytes: usize::MAX, ..Limits::default() };
    let parsed = match format {
        Format::Json => json::parse(&sealed.body, limits),
        Format::Xml => xml::parse(&sealed.body, limits).map(|d| d.value),
    };
    let Value::Object(body) = parsed.map_err(|e| format!("reading the sealed message: {e}"))? else {
        return Err("the sealed message is not an object".into());
    };
    // What the signature covers, with the header values the templates read, exactly as the envelope signs.
    let mut seen = sealed
        .headers
        .iter()
        .fold(inputs.clone().with("format", format.as_str()), |acc, (k, v)| acc.with(k.clone(), v.clone()));
    if rule.is_lines() {
        // The lines sign the body as sent.
        seen.set("body", sealed.body.clone(), false);
    }
    let view = envelope.signed_view(&body, &seen, format, limits).map_err(|e| e.to_string())?;
    let signer = Signer::new(rule, envelope.schema());
    let signature = signer.sign(&view, &seen).map_err(|e| e.to_string())?;
    let sign_field = rule.field.to_string();
    let carried = body
        .get(&sign_field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| sealed.headers.iter().find(|(k, _)| *k == sign_field).map(|(_, v)| v.clone()));
    // A structured carrier holds the signature among its parameters.
    let carried = match (&rule.carrier, carried) {
        (Some(carrier), Some(value)) => hisgate_runtime::signature::carrier::read(carrier, &value)
            .and_then(|params| params.into_iter().find(|(k, _)| k == "signature").map(|(_, v)| v)),
        (_, carried) => carried,
    };
    if carried.as_deref() != Some(signature.value.as_str()) {
        return Err(format!("the sealed `{sign_field}` is {carried:?}, the signer gives {}", signature.value));
    }
    let opened = envelope
        .open_text(&sealed.body, &sealed.headers, format, inputs, limits)
        .map_err(|e| e.to_string())
        .and_then(|o| match o.payload {
            OpenedPayload::Text(text) if text == payload => Ok(()),
            OpenedPayload::Text(text) => Err(format!("decrypted to {text:?}")),
            OpenedPayload::Value(_) => Ok(()),
        });
    let sign_in_header = envelope.schema().field(&sign_field).is_some_and(|f| f.place == Place::Header);
    Ok(Run {
        direction,
        format,
        inputs: shown_inputs(protocol, &seen),
        plaintext: payload.to_owned(),
        encryption: encryption(protocol, direction, &body, &seen)?,
        pairs: signature
            .pairs
            .entries
            .iter()
            .map(|e| (e.name.to_string(), e.value.to_string(), e.skipped.map(skip_reason)))
            .collect(),
        canonical: signature.canonical.clone(),
        digest: signature.steps.iter().map(|(step, out)| (step_label(step), out.clone())).collect(),
        sign: signature.value.clone(),
        sign_field,
        sign_in_header,
        body: sealed.body,
        headers: sealed.headers,
        opened,
        view,
        seen,
    })
}

/// The credentials, then the call inputs that one of the protocol's templates reads.
fn shown_inputs(protocol: &ProtocolSchema, inputs: &Inputs) -> Vec<(String, String, String)> {
    let rule = &protocol.signature;
    let mut templates: Vec<&str> = vec![&rule.prefix, &rule.suffix];
    for envelope in [&protocol.request, &protocol.response] {
        templates.extend(envelope.fields.iter().filter_map(|f| f.value.as_deref()));
    }
    let read = |name: &str| templates.iter().any(|t| t.contains(&format!("{{{name}}}")));
    let mut names: Vec<String> = protocol.credentials.iter().map(|c| c.name.to_string()).collect();
    names.extend(["service", "format", "timestamp"].into_iter().filter(|n| read(n)).map(String::from));
    names
        .into_iter()
        .filter_map(|name| {
            let value = inputs.get(&name)?.to_owned();
            let what = match protocol.credential(&name) {
                Some(c) if c.secret => format!("{}（密钥，示例值）", c.title),
                Some(c) => c.title.to_string(),
                None => call_input(&name).into(),
            };
            Some((name, what, value))
        })
        .collect()
}

fn call_input(name: &str) -> &'static str {
    match name {
        "service" => "接口的服务名",
        "format" => "报文格式",
        _ => "时间戳",
    }
}

fn encryption(
    protocol: &ProtocolSchema,
    direction: Direction,
    body: &Map<String, Value>,
    inputs: &Inputs,
) -> Result<Option<Encryption>, String> {
    let Some(rule) = &protocol.encryption else { return Ok(None) };
    let Some(field) = &protocol.envelope(direction).payload.ciphertext else { return Ok(None) };
    let Some(ciphertext) = member(body, field).and_then(Value::as_str) else { return Ok(None) };
    let selector = rule.select.as_ref().and_then(|s| member(body, s)).and_then(Value::as_str);
    let scheme = rule.scheme(selector).ok_or("no encryption scheme applies")?;
    // An SM2 scheme's keys are a key pair, never shown; a derived key's stages are shown for example credentials.
    let key_steps = match &scheme.cipher {
        SchemeCipher::Symmetric { key, .. } => cipher::key_trace(key, inputs).map_err(|e| e.to_string())?.1,
        SchemeCipher::Sm2(_) => Vec::new(),
    };
    Ok(Some(Encryption {
        scheme: scheme.name.to_string(),
        cipher: describe(scheme, inputs),
        key_steps,
        field: field.to_string(),
        ciphertext: ciphertext.to_owned(),
    }))
}

/// `AES-128-CBC，PKCS5Padding，IV 0102030405060708，输出大写十六进制`; `SM2 公钥加密，C1C3C2，…`.
pub fn describe(scheme: &CipherScheme, inputs: &Inputs) -> String {
    match &scheme.cipher {
        SchemeCipher::Symmetric { params, .. } => describe_block(params, inputs),
        SchemeCipher::Sm2(sm2) => {
            let form = match sm2.form {
                Sm2Form::Raw { order, point } => {
                    let point = match point {
                        PointPrefix::With04 => "C1 带 04 前缀",
                        PointPrefix::Without04 => "C1 不带 04 前缀",
                    };
                    format!("{}，{point}", order.name().to_uppercase())
                }
                Sm2Form::Der => "ASN.1 DER（GM/T 0009）".to_owned(),
            };
            format!("SM2 公钥加密，{form}，{}", encoding_text(sm2.encoding))
        }
    }
}

/// A block cipher's parameters, as `describe` writes them.
pub fn describe_block(params: &CipherParams, inputs: &Inputs) -> String {
    let mode = match params.mode {
        BlockMode::Ecb => "ECB",
        BlockMode::Cbc => "CBC",
        BlockMode::Gcm => "GCM",
    };
    let mut parts = vec![format!("{}-{mode}", params.algorithm.name())];
    match (&params.nonce, &params.associated_data) {
        (None, _) => parts.push("PKCS5Padding".to_owned()),
        (Some(nonce), aad) => {
            parts.push(format!("nonce 取自 `{nonce}`"));
            parts.extend(aad.as_ref().map(|a| format!("附加数据取自 `{a}`")));
            parts.push("密文后接 16 字节认证标签".to_owned());
        }
    }
    if let Some(iv) = &params.iv {
        let shown = hisgate_runtime::template::render(iv, &inputs.masked()).unwrap_or_else(|_| iv.to_string());
        parts.push(format!("IV {shown}"));
    }
    parts.push(encoding_text(params.encoding).into());
    parts.join("，")
}

fn encoding_text(encoding: TextEncoding) -> &'static str {
    match encoding {
        TextEncoding::Base64 => "输出 Base64",
        TextEncoding::HexUpper => "输出大写十六进制",
        TextEncoding::HexLower => "输出小写十六进制",
    }
}

fn skip_reason(skip: Skip) -> &'static str {
    match skip {
        Skip::Excluded => "规则排除，不参与签名",
        Skip::Empty => "值为空，规则丢弃空值",
        Skip::Undeclared => "信封未声明此字段，规则只签声明的字段",
    }
}

/// A digest step's name with what it does.
fn step_label(step: &str) -> String {
    let gloss = match step {
        "md5" | "sha1" | "sha256" | "sm3" => "摘要（原始字节，以小写十六进制显示）",
        "hex-upper" => "写成大写十六进制",
        "hex-lower" => "写成小写十六进制",
        "base64" => "写成 Base64",
        _ => "以密钥计算 HMAC（原始字节，以小写十六进制显示）",
    };
    format!("{step}：{gloss}")
}
