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
}

/// A request as sent on the wire.
struct Raw<'a> {
    path: &'a str,
    content_type: &'a str,
    headers: Vec<(String, String)>,
    body: String,
}

impl<'a> Raw<'a> {
    fn json(path: &'a str, fields: &Map<String, Value>) -> Raw<'a> {
        Raw {
            path,
            content_type: "application/json",
            headers: Vec::new(),
            body: Value::Object(fields.clone()).to_string(),
        }
    }

    fn xml(path: &'a str, body: &str) -> Raw<'a> {
        Raw { path, content_type: "text/xml; charset=utf-8", headers: Vec::new(), body: body.to_owned() }
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
    Answer { status, code: role(EnvelopeRole::Code), message: role(EnvelopeRole::Message) }
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
    let empty_json = Raw { path: SPI, content_type: "application/json", headers: Vec::new(), body: String::new() };
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
        let raw = Raw { path: SPI, content_type: "application/json", headers: Vec::new(), body: body.to_owned() };
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
    Raw { path, content_type: "application/json", headers: sealed.headers, body: sealed.body }
}

fn glorycard_now(offset_seconds: i64) -> String {
    let now = hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time());
    (now + chrono::Duration::seconds(offset_seconds)).format("%Y%m%d%H%M%S").to_string()
}

#[tokio::test]
async fn a_stale_or_replayed_glorycard_request_is_refused() {
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
    let replay = send(platform, &server, glorycard_request(&fresh), Format::Json).await;
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
