//! Bad input against generated servers on 127.0.0.1: each answers with the platform's own code, in a reply that
//! is itself signed and verifies, and nothing reaches the handler. Requests are built by hand (and re-signed where
//! a test needs a well-signed bad value), as a careless or hostile counterpart would send them.

use hisgate_generated::{glorycard, onepay, shaanxi};
use hisgate_runtime::Interface;
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, Format, Payload};
use hisgate_runtime::schema::{Direction, EnvelopeRole, PlatformSchema};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::server::{Context, Failure, ServerConfig};
use hisgate_runtime::signature::Signer;
use hisgate_tests::loopback::{Loopback, credentials, full_request, full_response, server_config};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the requests that reach the business code: a refused request must never be one of them.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl Counting {
    fn answer<I: Interface>(&self) -> Result<I::Response, Failure> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(full_response::<I>())
    }

    fn calls(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl shaanxi::hospital::Handler for Counting {
    async fn test_net(
        &self,
        _: shaanxi::interfaces::test_net::Request,
        _: Context,
    ) -> Result<shaanxi::interfaces::test_net::Response, Failure> {
        self.answer::<shaanxi::interfaces::TestNet>()
    }

    async fn query_register(
        &self,
        _: shaanxi::interfaces::query_register::Request,
        _: Context,
    ) -> Result<shaanxi::interfaces::query_register::Response, Failure> {
        self.answer::<shaanxi::interfaces::QueryRegister>()
    }

    async fn get_doctor_info(
        &self,
        request: shaanxi::interfaces::get_doctor_info::Request,
        _: Context,
    ) -> Result<shaanxi::interfaces::get_doctor_info::Response, Failure> {
        assert_eq!((request.current_page, request.page_size), (1, 9), "the numbers as they read");
        self.answer::<shaanxi::interfaces::GetDoctorInfo>()
    }
}

impl glorycard::platform::Handler for Counting {
    async fn store_all(
        &self,
        _: glorycard::interfaces::store_all::Request,
        _: Context,
    ) -> Result<glorycard::interfaces::store_all::Response, Failure> {
        self.answer::<glorycard::interfaces::StoreAll>()
    }
}

impl onepay::platform::Handler for Counting {
    async fn op_trade_charge(
        &self,
        _: onepay::interfaces::op_trade_charge::Request,
        _: Context,
    ) -> Result<onepay::interfaces::op_trade_charge::Response, Failure> {
        self.answer::<onepay::interfaces::OpTradeCharge>()
    }
}

/// What came back: the HTTP status, and the reply's code and message once its signature verified.
#[derive(Debug)]
struct Answer {
    status: u16,
    code: String,
    message: String,
    /// The reply as it came.
    body: String,
}

/// A request as sent on the wire.
struct Raw<'a> {
    path: &'a str,
    content_type: &'a str,
    headers: Vec<(String, String)>,
    /// Bytes: a test may send a body that is not UTF-8.
    body: Vec<u8>,
}

impl<'a> Raw<'a> {
    fn json(path: &'a str, fields: &Map<String, Value>) -> Raw<'a> {
        Raw {
            path,
            content_type: "application/json",
            headers: Vec::new(),
            body: Value::Object(fields.clone()).to_string().into(),
        }
    }

    fn json_text(path: &'a str, body: String) -> Raw<'a> {
        Raw { path, content_type: "application/json", headers: Vec::new(), body: body.into() }
    }

    fn xml(path: &'a str, body: &str) -> Raw<'a> {
        Raw { path, content_type: "text/xml; charset=utf-8", headers: Vec::new(), body: body.into() }
    }
}

/// Sends `raw` and opens the reply as a client would: it must verify under the platform's rule.
async fn send(platform: &PlatformSchema, server: &Loopback, raw: Raw<'_>, format: Format) -> Answer {
    let client = reqwest::Client::new();
    let mut request = client.post(format!("{}{}", server.url, raw.path)).header("content-type", raw.content_type);
    for (name, value) in &raw.headers {
        request = request.header(name, value);
    }
    let response = request.body(raw.body).send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = response.text().await.expect("a text reply");
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let envelope = Envelope::new(protocol, Direction::Response);
    let opened = envelope
        .open_text(&body, &headers, format, &credentials(platform), Limits::default())
        .unwrap_or_else(|e| panic!("the reply must be signed and verify ({e}): {body}"));
    let role = |role| {
        let field = protocol.response.field_with_role(role).expect("a declared role");
        opened.fields.get(&*field.name).and_then(Value::as_str).unwrap_or_default().to_owned()
    };
    Answer { status, code: role(EnvelopeRole::Code), message: role(EnvelopeRole::Message), body }
}

/// A well-signed request envelope of `I` as JSON fields, from its full sample payload.
fn sealed_fields<I: Interface>(inputs: &Inputs) -> Map<String, Value> {
    let (platform, interface) = I::schema();
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let value = hisgate_runtime::sample::payload(platform, interface.request);
    let inputs = inputs.clone().with("service", interface.service.to_string());
    let payload = Payload { value: &value, schema: Some((platform, interface.request)), root: None };
    let sealed = Envelope::new(protocol, Direction::Request).seal(payload, Format::Json, &inputs).expect("sealed");
    match serde_json::from_str(&sealed.body).expect("JSON") {
        Value::Object(fields) => fields,
        other => panic!("not an object: {other}"),
    }
}

/// Signs `fields` again after a test changed them, so only the change is wrong.
fn resign(platform: &PlatformSchema, fields: &mut Map<String, Value>, inputs: &Inputs) {
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let signer = Signer::for_protocol(protocol, Direction::Request);
    let sign = signer.value(fields, inputs).expect("signed");
    fields.insert(protocol.signature.field.to_string(), Value::String(sign));
}

async fn shaanxi_server(config: ServerConfig) -> (Loopback, Counting) {
    let handler = Counting::default();
    (Loopback::start(shaanxi::hospital::router(handler.clone(), config)).await, handler)
}

const SPI: &str = "/wd/spi";

#[tokio::test]
async fn an_empty_body_is_a_null_request() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    for (raw, format) in [(Raw::xml(SPI, ""), Format::Xml), (Raw::xml(SPI, "  \r\n"), Format::Xml)] {
        let answer = send(platform, &server, raw, format).await;
        assert_eq!((answer.status, answer.code.as_str()), (200, "NULL_REQUEST"), "{answer:?}");
    }
    let empty_json = Raw { path: SPI, content_type: "application/json", headers: Vec::new(), body: Vec::new() };
    assert_eq!(send(platform, &server, empty_json, Format::Json).await.code, "NULL_REQUEST");
    assert_eq!(handler.calls(), 0);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_unread() {
    let platform = &shaanxi::PLATFORM;
    let mut config = server_config(platform);
    config.limits.max_bytes = 4096;
    let (server, handler) = shaanxi_server(config).await;
    let body = format!("<root><service>{}</service></root>", "x".repeat(8192));
    let answer = send(platform, &server, Raw::xml(SPI, &body), Format::Xml).await;
    assert_eq!(answer.code, "ILLEGAL_REQUEST");
    assert!(answer.message.contains("4096"), "the message names the limit: {}", answer.message);
    assert_eq!(handler.calls(), 0);
}

#[tokio::test]
async fn malformed_xml_and_json_are_illegal_requests() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    for body in ["<root><service>TestNet</service>", "<root><a></b></root>", "<<<", "<root>&bogus;</root>"] {
        let answer = send(platform, &server, Raw::xml(SPI, body), Format::Xml).await;
        assert_eq!(answer.code, "ILLEGAL_REQUEST", "{body}: {answer:?}");
    }
    for body in [r#"{"service":"TestNet""#, r#"{"service":}"#, "[1,2", "{\"a\":\"\u{1}\"}"] {
        let raw = Raw { path: SPI, content_type: "application/json", headers: Vec::new(), body: body.into() };
        let answer = send(platform, &server, raw, Format::Json).await;
        assert_eq!(answer.code, "ILLEGAL_REQUEST", "{body}: {answer:?}");
    }
    assert_eq!(handler.calls(), 0);
}

#[tokio::test]
async fn a_doctype_or_entity_declaration_is_refused_never_expanded() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><root><service>&lol3;</service></root>"#;
    let external = r#"<?xml version="1.0"?><!DOCTYPE root [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><root><service>&xxe;</service></root>"#;
    for body in [laughs, external] {
        let answer = send(platform, &server, Raw::xml(SPI, body), Format::Xml).await;
        assert_eq!(answer.code, "ILLEGAL_REQUEST", "{answer:?}");
        assert!(answer.message.contains("DOCTYPE"), "{}", answer.message);
        assert!(!answer.message.contains("lollol") && !answer.message.contains("root:"), "{}", answer.message);
    }
    assert_eq!(handler.calls(), 0);
}

/// A well-signed TestNet whose envelope a test then changes and signs again.
fn shaanxi_fields() -> (Map<String, Value>, Inputs) {
    let inputs = credentials(&shaanxi::PLATFORM);
    (sealed_fields::<shaanxi::interfaces::TestNet>(&inputs), inputs)
}

#[tokio::test]
async fn envelope_values_outside_the_spec_get_their_own_codes() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let cases = [
        ("inputCharset", "gbk", "ILLEGAL_CHARSET"),
        ("signType", "rsa", "ILLEGAL_SIGN_TYPE"),
        ("service", "NoSuchService", "ILLEGAL_SERVICE"),
        ("partner", "SOMEONE_ELSE", "ILLEGAL_PARTNER"),
        ("dataFormat", "yaml", "ILLEGAL_REQUEST"),
    ];
    for (field, value, code) in cases {
        let (mut fields, inputs) = shaanxi_fields();
        fields.insert(field.into(), json!(value));
        resign(platform, &mut fields, &inputs);
        let answer = send(platform, &server, Raw::json(SPI, &fields), Format::Json).await;
        assert_eq!(answer.code, code, "{field}={value}: {answer:?}");
        assert!(answer.message.contains(field) || code == "ILLEGAL_SERVICE", "{}", answer.message);
    }
    assert_eq!(handler.calls(), 0);
}

/// The server looks for each envelope field after the one before it first (they mostly arrive in declared order):
/// the same fields in the reverse order are accepted, and refused by the same checks, alike.
#[tokio::test]
async fn envelope_fields_in_another_order_are_read_and_checked_alike() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let reversed = |fields: &Map<String, Value>| -> Map<String, Value> {
        fields.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let (fields, _) = shaanxi_fields();
    let answer = send(platform, &server, Raw::json(SPI, &reversed(&fields)), Format::Json).await;
    assert_eq!(answer.code, "SUCCESS", "{answer:?}");
    assert_eq!(handler.calls(), 1);
    for (field, value, code) in
        [("partner", "SOMEONE_ELSE", "ILLEGAL_PARTNER"), ("signType", "rsa", "ILLEGAL_SIGN_TYPE")]
    {
        let (mut fields, inputs) = shaanxi_fields();
        fields.insert(field.into(), json!(value));
        resign(platform, &mut fields, &inputs);
        let answer = send(platform, &server, Raw::json(SPI, &reversed(&fields)), Format::Json).await;
        assert_eq!(answer.code, code, "{field}={value} reversed: {answer:?}");
    }
    let (mut fields, inputs) = shaanxi_fields();
    fields.shift_remove("partner");
    resign(platform, &mut fields, &inputs);
    let answer = send(platform, &server, Raw::json(SPI, &reversed(&fields)), Format::Json).await;
    assert!(answer.message.contains("`partner` is missing"), "{answer:?}");
    assert_eq!(handler.calls(), 1);
}

#[tokio::test]
async fn a_service_alias_the_document_shows_is_accepted() {
    // Every printed shaanxi envelope names TestNet `NetTest` (erratum testnet-nettest); the spec lists it as an alias.
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    for (service, code) in [("NetTest", "SUCCESS"), ("TestNet", "SUCCESS"), ("netTest", "ILLEGAL_SERVICE")] {
        let (mut fields, inputs) = shaanxi_fields();
        fields.insert("service".into(), json!(service));
        resign(platform, &mut fields, &inputs.clone().with("service", service.to_owned()));
        let answer = send(platform, &server, Raw::json(SPI, &fields), Format::Json).await;
        assert_eq!(answer.code, code, "{service}: {answer:?}");
    }
    assert_eq!(handler.calls(), 2);
}

#[tokio::test]
async fn a_missing_wrong_or_truncated_signature_is_illegal_sign() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let (good, _) = shaanxi_fields();
    let sign = good["sign"].as_str().unwrap().to_owned();
    let truncated = &sign[..sign.len() - 1];
    let wrong = "0".repeat(sign.len());
    let lowercase = sign.to_lowercase();
    for changed in [None, Some(truncated), Some(wrong.as_str()), Some(lowercase.as_str())] {
        let mut fields = good.clone();
        match changed {
            None => fields.shift_remove("sign"),
            Some(sign) => fields.insert("sign".into(), json!(sign)),
        };
        let answer = send(platform, &server, Raw::json(SPI, &fields), Format::Json).await;
        assert_eq!(answer.code, "ILLEGAL_SIGN", "sign {changed:?}: {answer:?}");
    }
    // Everything else right, one covered field changed after signing.
    let mut fields = good.clone();
    fields.insert("hospitalCode".into(), json!("1"));
    assert_eq!(send(platform, &server, Raw::json(SPI, &fields), Format::Json).await.code, "ILLEGAL_SIGN");
    assert_eq!(handler.calls(), 0);
    // The untouched request goes through: the refusals above are about what changed.
    let answer = send(platform, &server, Raw::json(SPI, &good), Format::Json).await;
    assert_eq!((answer.code.as_str(), handler.calls()), ("SUCCESS", 1), "{answer:?}");
}

#[tokio::test]
async fn ciphertext_that_cannot_be_decrypted_is_illegal_encrypt() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let (good, _) = shaanxi_fields();
    let ciphertext = good["requestEncrypted"].as_str().unwrap();
    let blocks = base64_decode(ciphertext);
    assert!(blocks.len() >= 32, "TestNet's payload spans at least two blocks");
    // The first block alone ends in plaintext, not padding.
    let bad_padding = base64_encode(&blocks[..16]);
    let bad_length = base64_encode(&blocks[..blocks.len() - 3]);
    for (what, value) in [("not Base64", "not base64!"), ("a wrong length", &bad_length), ("bad padding", &bad_padding)]
    {
        let (mut fields, inputs) = shaanxi_fields();
        fields.insert("requestEncrypted".into(), json!(value));
        resign(platform, &mut fields, &inputs);
        let answer = send(platform, &server, Raw::json(SPI, &fields), Format::Json).await;
        assert_eq!(answer.code, "ILLEGAL_ENCRYPT", "{what}: {answer:?}");
    }
    assert_eq!(handler.calls(), 0);
}

#[tokio::test]
async fn a_payload_breaking_the_spec_is_illegal_argument_naming_field_and_rule() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let protocol = platform.protocol.as_ref().unwrap();
    let (_, interface) = <shaanxi::interfaces::QueryRegister as Interface>::schema();
    let mut payload = hisgate_runtime::sample::payload(platform, interface.request);
    let Value::Object(map) = &mut payload else { panic!("an object payload") };
    let required = platform
        .message(interface.request)
        .fields
        .iter()
        .find(|f| f.presence == hisgate_runtime::schema::Presence::Required)
        .expect("a required field");
    map.shift_remove(&*required.name);
    let inputs = credentials(platform).with("service", interface.service.to_string());
    let sealed = Envelope::new(protocol, Direction::Request)
        .seal(
            Payload { value: &payload, schema: Some((platform, interface.request)), root: None },
            Format::Xml,
            &inputs,
        )
        .unwrap();
    let answer = send(platform, &server, Raw::xml(SPI, &sealed.body), Format::Xml).await;
    assert_eq!(answer.code, "ILLEGAL_ARGUMENT", "{answer:?}");
    assert!(answer.message.contains(&*required.name) && answer.message.contains("required"), "{}", answer.message);
    assert_eq!(handler.calls(), 0);
}

/// A glorycard request sealed at `timestamp`: the body, and the `sid`/`timestamp`/`sign` headers.
fn glorycard_request(timestamp: &str) -> Raw<'static> {
    let platform = &glorycard::PLATFORM;
    let protocol = platform.protocol.as_ref().unwrap();
    let (_, interface) = <glorycard::interfaces::StoreAll as Interface>::schema();
    let inputs =
        credentials(platform).with("service", interface.service.to_string()).with("timestamp", timestamp.to_owned());
    let request = full_request::<glorycard::interfaces::StoreAll>();
    let value = hisgate_runtime::Message::to_value(&request).unwrap();
    let sealed = Envelope::new(protocol, Direction::Request)
        .seal(Payload { value: &value, schema: Some((platform, interface.request)), root: None }, Format::Json, &inputs)
        .unwrap();
    let path = Box::leak(interface.path.as_deref().unwrap_or_default().to_owned().into_boxed_str());
    Raw { path, content_type: "application/json", headers: sealed.headers, body: sealed.body.into() }
}

fn glorycard_now(offset_seconds: i64) -> String {
    let now = hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time());
    (now + chrono::Duration::seconds(offset_seconds)).format("%Y%m%d%H%M%S").to_string()
}

#[tokio::test]
async fn a_stale_or_replayed_glorycard_request_is_refused_and_a_retry_answered() {
    let platform = &glorycard::PLATFORM;
    let handler = Counting::default();
    let server = Loopback::start(glorycard::platform::router(handler.clone(), server_config(platform))).await;
    for offset in [-3600, -310, 310, 86_400] {
        let answer = send(platform, &server, glorycard_request(&glorycard_now(offset)), Format::Json).await;
        assert_eq!(answer.code, "0", "{offset} s: {answer:?}");
        assert!(answer.message.contains("window"), "{}", answer.message);
    }
    assert_eq!(handler.calls(), 0);
    let fresh = glorycard_now(-10);
    let first = send(platform, &server, glorycard_request(&fresh), Format::Json).await;
    assert_eq!((first.code.as_str(), handler.calls()), ("1", 1), "{first:?}");
    // The same bytes again (a client retrying after a timeout): the first answer, without the handler. This
    // server has no store, so its guard is in memory; the simulators' tests cover one on a store.
    let retry = send(platform, &server, glorycard_request(&fresh), Format::Json).await;
    assert_eq!((retry.code.as_str(), &retry.body), ("1", &first.body), "a retry gets the first answer");
    assert_eq!(handler.calls(), 1, "a retry never reaches the handler");
    // The same signature on other bytes (the body laid out anew; the signature covers its values) is a replay.
    let mut relaid = glorycard_request(&fresh);
    relaid.body = serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&relaid.body).unwrap()).unwrap();
    let replay = send(platform, &server, relaid, Format::Json).await;
    assert_eq!(replay.code, "0", "{replay:?}");
    assert!(replay.message.contains("replay"), "{}", replay.message);
    assert_eq!(handler.calls(), 1, "a replay never reaches the handler");
    // A glorycard request without its sid header is refused by the sid's own code.
    let mut anonymous = glorycard_request(&glorycard_now(0));
    anonymous.headers.retain(|(name, _)| name != "sid");
    assert_eq!(send(platform, &server, anonymous, Format::Json).await.code, "0");
    assert_eq!(handler.calls(), 1);
}

#[tokio::test]
async fn onepay_refuses_undecryptable_data_and_a_foreign_app_id_with_its_code() {
    let platform = &onepay::PLATFORM;
    let handler = Counting::default();
    let server = Loopback::start(onepay::platform::router(handler.clone(), server_config(platform))).await;
    let path = "/onepay-web/oneweb/oneapi";
    let inputs = credentials(platform).with("timestamp", glorycard_now(0));
    let good = sealed_fields::<onepay::interfaces::OpTradeCharge>(&inputs);
    assert!(good.contains_key("encryptData") && !good.contains_key("param"), "the request is encrypted: {good:?}");
    let mut garbage = good.clone();
    garbage.insert("encryptData".into(), json!("ZZZZ"));
    let mut foreign = good.clone();
    foreign.insert("appId".into(), json!("SOMEBODY"));
    let mut unknown_scheme = good.clone();
    unknown_scheme.insert("encryptType".into(), json!("RSA"));
    for (what, fields) in [("garbage", &garbage), ("foreign appId", &foreign), ("unknown scheme", &unknown_scheme)] {
        let answer = send(platform, &server, Raw::json(path, fields), Format::Json).await;
        assert_eq!(answer.code, "999999", "{what}: {answer:?}");
    }
    assert_eq!(handler.calls(), 0);
    let answer = send(platform, &server, Raw::json(path, &good), Format::Json).await;
    assert_eq!((answer.code.as_str(), handler.calls()), ("000000", 1), "{answer:?}");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).expect("Base64")
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn the_soap_path_faults_on_what_is_not_soap_and_serves_its_wsdl() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let client = reqwest::Client::new();
    let url = format!("{}/ApiService.asmx", server.url);
    for (content_type, fault) in
        [("text/xml; charset=utf-8", "<faultstring>"), ("application/soap+xml", "<soap:Reason>")]
    {
        let reply =
            client.post(&url).header("content-type", content_type).body("<root>not soap</root>").send().await.unwrap();
        assert_eq!(reply.status().as_u16(), 500, "a SOAP fault travels with status 500");
        let body = reply.text().await.unwrap();
        assert!(body.contains(fault) && body.contains("SOAP Envelope"), "{body}");
    }
    let wsdl = client.get(format!("{url}?wsdl")).send().await.unwrap().text().await.unwrap();
    let hospital_side = platform.interfaces.iter().filter(|i| i.provider.as_str() == "hospital");
    for interface in hospital_side {
        let operation = format!(r#"<wsdl:operation name="{}">"#, interface.service);
        assert_eq!(wsdl.matches(&operation).count(), 3, "{} in the port type and both bindings", interface.service);
    }
    assert!(wsdl.contains(&format!(r#"location="{url}""#)), "the ports point at this server");
    assert_eq!(handler.calls(), 0);
}

#[tokio::test]
async fn a_get_without_its_fields_is_refused_by_the_first_missing_ones_code() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let reply = reqwest::get(format!("{}/wd/spi/TestNet", server.url)).await.unwrap();
    let headers: Vec<(String, String)> =
        reply.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned())).collect();
    let body = reply.text().await.unwrap();
    let protocol = platform.protocol.as_ref().unwrap();
    let opened = Envelope::new(protocol, Direction::Response)
        .open_text(&body, &headers, Format::Json, &credentials(platform), Limits::default())
        .unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(opened.fields["resultCode"], "ILLEGAL_PARTNER", "{body}");
    assert_eq!(handler.calls(), 0);
}

/// Found by `scripts/fuzz` (shaanxi): a path segment that is not UTF-8 once percent-decoded made axum's
/// `RawPathParams` answer a bare `400 Invalid UTF-8 in `service``. It is refused like any malformed request.
#[tokio::test]
async fn a_path_service_that_is_not_utf8_is_refused_in_a_signed_reply() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let reply = reqwest::get(format!("{}/wd/spi/%FF?partner=TEST_WX", server.url)).await.unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    let headers: Vec<(String, String)> =
        reply.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned())).collect();
    let body = reply.text().await.unwrap();
    let protocol = platform.protocol.as_ref().unwrap();
    let opened = Envelope::new(protocol, Direction::Response)
        .open_text(&body, &headers, Format::Json, &credentials(platform), Limits::default())
        .unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(opened.fields["resultCode"], "ILLEGAL_REQUEST", "{body}");
    assert!(opened.fields["resultMessage"].as_str().unwrap().contains("UTF-8"), "{body}");
    assert_eq!(handler.calls(), 0);
}

/// Found by `scripts/fuzz` (shaanxi): `<pageSize>09</pageSize>` passed validation (`09` reads as the 32-bit integer
/// 9) but stayed the string `"09"` (JSON has no leading zeros), so the typed conversion failed and the server
/// answered SYSTEM_ERROR. A zero-padded number is read as the number it is.
#[tokio::test]
async fn a_zero_padded_number_is_read_as_its_number_not_a_system_error() {
    use hisgate_runtime::Message;
    use shaanxi::interfaces::{GetDoctorInfo, get_doctor_info};
    let payload = "<request><currentPage>001</currentPage><pageSize>09</pageSize></request>";
    let request = get_doctor_info::Request::from_xml(payload).expect("a zero-padded int converts");
    assert_eq!((request.current_page, request.page_size), (1, 9));
    let json = get_doctor_info::Request::from_json(r#"{"currentPage":"1","pageSize":"09"}"#).expect("as JSON text");
    assert_eq!(json.page_size, 9);

    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let (_, interface) = GetDoctorInfo::schema();
    let inputs = credentials(platform).with("service", interface.service.to_string());
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let sealed = Envelope::new(protocol, Direction::Request).seal_text(payload, Format::Xml, &inputs).expect("sealed");
    let answer = send(platform, &server, Raw::xml(SPI, &sealed.body), Format::Xml).await;
    assert_eq!(answer.code, "SUCCESS", "{answer:?}");
    assert_eq!(handler.calls(), 1);
}

/// An HTTP header must not stand in for a credential: every header joins the template inputs (glorycard's
/// `timestamp` is read from one), and a header named `key` used to replace the server's own key, so a request
/// signed and encrypted under a key of the sender's choosing, sent with `key: <that key>`, was accepted.
#[tokio::test]
async fn a_header_cannot_replace_the_servers_key() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let forged_key = "AAAAAAAAAAAAAAAA";
    let protocol = platform.protocol.as_ref().expect("a protocol");
    let (_, interface) = shaanxi::interfaces::TestNet::schema();
    let inputs = credentials(platform).with_secret("key", forged_key).with("service", interface.service.to_string());
    let value = hisgate_runtime::sample::payload(platform, interface.request);
    let payload = Payload { value: &value, schema: Some((platform, interface.request)), root: None };
    let sealed = Envelope::new(protocol, Direction::Request).seal(payload, Format::Xml, &inputs).expect("sealed");
    let mut raw = Raw::xml(SPI, &sealed.body);
    raw.headers.push(("key".to_owned(), forged_key.to_owned()));
    let answer = send(platform, &server, raw, Format::Xml).await;
    assert_eq!(answer.code, "ILLEGAL_SIGN", "{answer:?}");
    assert_eq!(handler.calls(), 0);
    // The same holds where a client opens a reply: a header does not choose the key it is verified with.
    let headers = [("key".to_owned(), forged_key.to_owned())];
    let opened = Envelope::new(protocol, Direction::Request).open_text(
        &sealed.body,
        &headers,
        Format::Xml,
        &credentials(platform).with("service", interface.service.to_string()),
        Limits::default(),
    );
    assert!(matches!(opened, Err(hisgate_runtime::envelope::EnvelopeError::Verify(_))), "{opened:?}");
}

/// `body`, a JSON object's text, with `"key":value` written again in front: the first of two values for one key.
fn with_key_first(body: &[u8], key: &str, value: &str) -> Vec<u8> {
    let text = std::str::from_utf8(body).expect("UTF-8");
    let rest = text.strip_prefix('{').expect("a JSON object");
    format!("{{{}:{},{rest}", json!(key), json!(value)).into()
}

/// The reply `answer` carried, checked against the XML 1.0 `Char` production on its own (not the runtime's check):
/// a strict reader would refuse the whole document for one such character.
fn assert_xml_clean(answer: &Answer) {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}');
    assert!(answer.body.chars().all(allowed), "a character XML 1.0 forbids in the reply: {:?}", answer.body);
}

/// Today's fix for: a bad `sign` followed by a good one was accepted (serde_json keeps the last value of a key).
#[tokio::test]
async fn a_json_key_given_twice_is_refused_naming_it() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let (good, _) = shaanxi_fields();
    let bad_sign = "0".repeat(32);
    let mut raw = Raw::json(SPI, &good);
    raw.body = with_key_first(&raw.body, "sign", &bad_sign);
    let answer = send(platform, &server, raw, Format::Json).await;
    assert_eq!(answer.code, "ILLEGAL_REQUEST", "{answer:?}");
    assert!(answer.message.contains("`sign` appears more than once"), "{}", answer.message);
    // Good first, bad last, a payload-sized key, Chinese text: all the same.
    let mut raw = Raw::json(SPI, &good);
    let body = String::from_utf8(raw.body).unwrap();
    raw.body = format!("{},\"partner\":\"测试医院\"}}", body.strip_suffix('}').unwrap()).into();
    let answer = send(platform, &server, raw, Format::Json).await;
    assert_eq!(answer.code, "ILLEGAL_REQUEST", "{answer:?}");
    assert!(answer.message.contains("`partner`"), "{}", answer.message);
    assert_eq!(handler.calls(), 0);
    // The request without the second key goes through.
    let answer = send(platform, &server, Raw::json(SPI, &good), Format::Json).await;
    assert_eq!((answer.code.as_str(), handler.calls()), ("SUCCESS", 1), "{answer:?}");
}

#[tokio::test]
async fn a_key_given_twice_is_refused_by_onepay_and_glorycard_with_their_codes() {
    let platform = &onepay::PLATFORM;
    let handler = Counting::default();
    let server = Loopback::start(onepay::platform::router(handler.clone(), server_config(platform))).await;
    let inputs = credentials(platform).with("timestamp", glorycard_now(0));
    let good = sealed_fields::<onepay::interfaces::OpTradeCharge>(&inputs);
    let mut raw = Raw::json("/onepay-web/oneweb/oneapi", &good);
    raw.body = with_key_first(&raw.body, "sign", "00000000000000000000000000000000");
    let answer = send(platform, &server, raw, Format::Json).await;
    assert_eq!(answer.code, "999999", "{answer:?}");
    assert!(answer.message.contains("`sign` appears more than once"), "{}", answer.message);
    assert_eq!(handler.calls(), 0);

    let platform = &glorycard::PLATFORM;
    let server = Loopback::start(glorycard::platform::router(handler.clone(), server_config(platform))).await;
    let mut raw = glorycard_request(&glorycard_now(0));
    raw.body = with_key_first(&raw.body, "dataID", "999999");
    let answer = send(platform, &server, raw, Format::Json).await;
    assert_eq!(answer.code, "0", "{answer:?}");
    assert!(answer.message.contains("`dataID` appears more than once"), "{}", answer.message);
    // glorycard signs in headers: a bad `sign` header before the good one.
    let mut raw = glorycard_request(&glorycard_now(0));
    raw.headers.insert(0, ("sign".to_owned(), "0".repeat(64)));
    let answer = send(platform, &server, raw, Format::Json).await;
    assert_eq!(answer.code, "0", "{answer:?}");
    assert!(answer.message.contains("`sign` appears more than once (as a header)"), "{}", answer.message);
    assert_eq!(handler.calls(), 0);
}

/// Today's fix for: `<sign>` twice was answered "no sign"; the refusal names the repeated element.
#[tokio::test]
async fn an_xml_envelope_field_given_twice_is_refused_naming_it() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let protocol = platform.protocol.as_ref().unwrap();
    let (_, interface) = <shaanxi::interfaces::TestNet as Interface>::schema();
    let inputs = credentials(platform).with("service", interface.service.to_string());
    let sealed = Envelope::new(protocol, Direction::Request)
        .seal_text("<request><ip>127.0.0.1</ip></request>", Format::Xml, &inputs)
        .unwrap();
    for (what, element) in [
        ("sign", "<sign><![CDATA[00000000000000000000000000000000]]></sign>"),
        ("partner", "<partner>测试医院</partner>"),
    ] {
        let body = sealed.body.replacen("<root>", &format!("<root>{element}"), 1);
        let answer = send(platform, &server, Raw::xml(SPI, &body), Format::Xml).await;
        assert_eq!(answer.code, "ILLEGAL_REQUEST", "{what}: {answer:?}");
        assert!(answer.message.contains(&format!("`{what}` appears more than once")), "{}", answer.message);
    }
    assert_eq!(handler.calls(), 0);
    let answer = send(platform, &server, Raw::xml(SPI, &sealed.body), Format::Xml).await;
    assert_eq!((answer.code.as_str(), handler.calls()), ("SUCCESS", 1), "{answer:?}");
}

/// Inside a decrypted payload: a field the schema holds once, given twice, is refused as malformed, naming its
/// path; a `list` field's repeated elements are its items.
#[tokio::test]
async fn a_payload_field_given_twice_is_refused_where_the_schema_holds_one_value() {
    use shaanxi::interfaces::QueryRegister;
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let protocol = platform.protocol.as_ref().unwrap();
    let seal = |service: &str, payload: &str, format| {
        let inputs = credentials(platform).with("service", service.to_owned());
        Envelope::new(protocol, Direction::Request).seal_text(payload, format, &inputs).unwrap().body
    };
    let json_twice = seal("TestNet", r#"{"ip":"127.0.0.1","ip":"10.0.0.1"}"#, Format::Json);
    let answer = send(platform, &server, Raw::json_text(SPI, json_twice), Format::Json).await;
    assert_eq!(answer.code, "ILLEGAL_REQUEST", "{answer:?}");
    assert!(answer.message.contains("`ip` appears more than once"), "{}", answer.message);

    let (_, interface) = QueryRegister::schema();
    let mut value = hisgate_runtime::sample::payload(platform, interface.request);
    let user = value["user"].as_array().and_then(|u| u.first()).cloned().expect("a sample user");
    value["user"] = json!([user.clone(), {"id": "name", "value": "张三"}]);
    let payload = Payload { value: &value, schema: Some((platform, interface.request)), root: None };
    let two_users = payload.text(Format::Xml).unwrap();
    assert_eq!(two_users.matches("<user>").count(), 2, "{two_users}");
    let answer =
        send(platform, &server, Raw::xml(SPI, &seal("QueryRegister", &two_users, Format::Xml)), Format::Xml).await;
    assert_eq!((answer.code.as_str(), handler.calls()), ("SUCCESS", 1), "two users are a list: {answer:?}");

    let cases = [
        ("startDate", two_users.replacen("<startDate>", "<startDate><![CDATA[2026-01-01]]></startDate><startDate>", 1)),
        (
            "user[1].value",
            two_users.replacen("<value>", "<value>甲</value><value>", 2).replacen("<value>甲</value>", "", 1),
        ),
    ];
    for (path, text) in cases {
        let answer =
            send(platform, &server, Raw::xml(SPI, &seal("QueryRegister", &text, Format::Xml)), Format::Xml).await;
        assert_eq!(answer.code, "ILLEGAL_REQUEST", "{path}: {answer:?}");
        assert!(answer.message.contains(&format!("`{path}` appears more than once")), "{text}: {}", answer.message);
    }
    assert_eq!(handler.calls(), 1);
}

/// Today's fix for: a NUL was accepted and echoed raw into the signed XML error reply, which strict parsers refuse.
#[tokio::test]
async fn a_character_xml_forbids_is_refused_naming_field_and_character_and_never_echoed() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    let (good, inputs) = shaanxi_fields();
    // XML: raw in CDATA, as a character reference; in an envelope field checked against `accepts`.
    let xml = [
        ("service", "<service><![CDATA[Test\u{0}Net]]></service>", "U+0000"),
        ("dataFormat", "<dataFormat>x&#x1;</dataFormat>", "U+0001"),
        ("partner", "<partner>测试\u{1b}医院</partner>", "U+001B"),
    ];
    for (field, element, code_point) in xml {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><root>{element}<inputCharset>utf-8</inputCharset></root>"
        );
        let answer = send(platform, &server, Raw::xml(SPI, &body), Format::Xml).await;
        assert_eq!(answer.code, "ILLEGAL_REQUEST", "{field}: {answer:?}");
        assert!(answer.message.contains(&format!("`{field}` holds {code_point}")), "{}", answer.message);
        assert_xml_clean(&answer);
        hisgate_runtime::codec::xml::parse(&answer.body, Limits::default()).expect("the reply reads as XML");
    }
    // JSON, where the reply is JSON too: the refusal is the same, for every binding.
    for (field, value) in [("service", "Test\u{0}Net"), ("hospitalCode", "医院\u{ffff}")] {
        let mut fields = good.clone();
        fields.insert(field.into(), json!(value));
        resign(platform, &mut fields, &inputs);
        let answer = send(platform, &server, Raw::json(SPI, &fields), Format::Json).await;
        assert_eq!(answer.code, "ILLEGAL_REQUEST", "{field}: {answer:?}");
        assert!(answer.message.contains(&format!("`{field}` holds U+")), "{}", answer.message);
        assert!(!answer.body.contains('\u{0}') && !answer.body.contains("\\u0000"), "{}", answer.body);
    }
    // In a decrypted payload: refused as malformed, not as a decryption failure.
    let protocol = platform.protocol.as_ref().unwrap();
    let sealed = Envelope::new(protocol, Direction::Request)
        .seal_text("<request><ip>张三&#0;</ip></request>", Format::Xml, &inputs.clone().with("service", "TestNet"))
        .unwrap();
    let answer = send(platform, &server, Raw::xml(SPI, &sealed.body), Format::Xml).await;
    assert_eq!(answer.code, "ILLEGAL_REQUEST", "{answer:?}");
    assert!(answer.message.contains("`ip` holds U+0000"), "{}", answer.message);
    assert_xml_clean(&answer);
    // In a SOAP call: a fault, whose reason names the character without carrying it.
    let soap = "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><TestNet xmlns=\"http://tempuri.org/\"><request>&lt;root&gt;\u{0}&lt;/root&gt;</request></TestNet></soap:Body></soap:Envelope>";
    let reply = reqwest::Client::new()
        .post(format!("{}/ApiService.asmx", server.url))
        .header("content-type", "text/xml; charset=utf-8")
        .body(soap)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 500, "a SOAP fault");
    let body = reply.text().await.unwrap();
    assert!(body.contains("holds U+0000"), "{body}");
    let fault = Answer { status: 500, code: String::new(), message: String::new(), body };
    assert_xml_clean(&fault);
    // In a GET request's query, and in the service of its path.
    for url in [
        format!("{}/wd/spi/TestNet?partner=TEST%00WX", server.url),
        format!("{}/wd/spi/Test%00Net?partner=TEST_WX", server.url),
    ] {
        let reply = reqwest::get(&url).await.unwrap();
        let headers: Vec<(String, String)> =
            reply.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned())).collect();
        let body = reply.text().await.unwrap();
        let opened = Envelope::new(protocol, Direction::Response)
            .open_text(&body, &headers, Format::Json, &credentials(platform), Limits::default())
            .unwrap_or_else(|e| panic!("{e}: {body}"));
        assert_eq!(opened.fields["resultCode"], "ILLEGAL_REQUEST", "{url}: {body}");
        assert!(opened.fields["resultMessage"].as_str().unwrap().contains("holds U+0000"), "{body}");
    }
    assert_eq!(handler.calls(), 0);
}

/// A body in another charset is answered with the platform's charset code, where it has one (shaanxi's
/// `ILLEGAL_CHARSET`), else as malformed (onepay's single failure code).
#[tokio::test]
async fn a_body_in_another_charset_gets_the_charset_code() {
    let platform = &shaanxi::PLATFORM;
    let (server, handler) = shaanxi_server(server_config(platform)).await;
    // 测试医院 in GBK: not UTF-8.
    let gbk_name: &[u8] = &[0xB2, 0xE2, 0xCA, 0xD4, 0xD2, 0xBD, 0xD4, 0xBA];
    let mut gbk = b"<?xml version=\"1.0\" encoding=\"gbk\"?><root><service>TestNet</service><partner>".to_vec();
    gbk.extend_from_slice(gbk_name);
    gbk.extend_from_slice(b"</partner></root>");
    let raw = Raw { path: SPI, content_type: "text/xml", headers: Vec::new(), body: gbk };
    let answer = send(platform, &server, raw, Format::Xml).await;
    assert_eq!(answer.code, "ILLEGAL_CHARSET", "{answer:?}");
    assert!(answer.message.contains("`gbk`, not UTF-8"), "{}", answer.message);
    // Declared GBK, every byte ASCII (so also valid UTF-8): the declaration is the sender's word.
    let ascii = r#"<?xml version="1.0" encoding="GBK"?><root><service>TestNet</service></root>"#;
    let answer = send(platform, &server, Raw::xml(SPI, ascii), Format::Xml).await;
    assert_eq!(answer.code, "ILLEGAL_CHARSET", "{answer:?}");
    assert!(answer.message.contains("`GBK`"), "{}", answer.message);
    // Said in the content type, of a JSON body.
    let (good, _) = shaanxi_fields();
    let mut raw = Raw::json(SPI, &good);
    raw.content_type = "application/json; charset=GBK";
    let answer = send(platform, &server, raw, Format::Json).await;
    assert_eq!(answer.code, "ILLEGAL_CHARSET", "{answer:?}");
    assert!(answer.message.contains("charset `GBK`"), "{}", answer.message);
    assert_eq!(handler.calls(), 0);

    let platform = &onepay::PLATFORM;
    let server = Loopback::start(onepay::platform::router(handler.clone(), server_config(platform))).await;
    let mut body = br#"{"appId":""#.to_vec();
    body.extend_from_slice(gbk_name);
    body.extend_from_slice(br#""}"#);
    let raw = Raw { path: "/onepay-web/oneweb/oneapi", content_type: "application/json", headers: Vec::new(), body };
    let answer = send(platform, &server, raw, Format::Json).await;
    assert_eq!(answer.code, "999999", "{answer:?}");
    assert!(answer.message.contains("not UTF-8"), "{}", answer.message);
    assert_eq!(handler.calls(), 0);
}
