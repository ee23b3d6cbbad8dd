//! What `scripts/load` sends to `hisgate serve` (tests/src/bin/load_client.rs): its QueryRegister answers ten
//! orders of one patient, booked first through the hospital's own OrderRegister, as a platform would book them.

use crate::loopback::{credentials, full_request};
use crate::soak::{china_now, open_half_days, registration, resident_id, today};
use hisgate_generated::shaanxi::dict::UserRule;
use hisgate_generated::shaanxi::interfaces::{QueryRegister, TestNet, query_register, test_net};
use hisgate_generated::shaanxi::{PLATFORM, hospital};
use hisgate_runtime::envelope::{Envelope, Format, Payload, Sealed};
use hisgate_runtime::schema::{Direction, Side};
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::transport::{Binding, HttpRequest};
use hisgate_runtime::{Interface, Message};

/// The orders the QueryRegister row answers.
pub const ORDERS: usize = 10;

/// The load's patient: a resident ID of its own (the soak's patients have odd sequences up to 255).
fn cert_no() -> String {
    resident_id(901)
}

/// The load's patient's orders booked for the coming week, one page of [`ORDERS`]: the QueryRegister the load
/// sends, to the bare server (whose answer is fixed) and to `hisgate serve` after [`book`].
pub fn query() -> query_register::Request {
    orders_of(&cert_no(), 0, 7)
}

/// The QueryRegister of the orders of the patient holding resident ID `cert_no`, from today to `days` ahead, of
/// `query_type` (0 all, 4 stopped, …), one page of [`ORDERS`].
pub fn orders_of(cert_no: &str, query_type: i32, days: u64) -> query_register::Request {
    query_register::Request {
        order_id: None,
        hospital_order_id: None,
        hospital_trade_id: None,
        hospital_refund_id: None,
        user: vec![query_register::RequestUser {
            id: UserRule::Certificate,
            r#type: Some("1".into()),
            value: cert_no.to_owned(),
        }],
        start_date: today(),
        end_date: (china_now().date() + chrono::Days::new(days)).format("%Y-%m-%d").to_string(),
        query_type,
        current_page: 1,
        page_size: ORDERS as i32,
    }
}

/// Books [`ORDERS`] orders for the load's patient on as many open half-days (one number per patient and
/// schedule), so that [`query`] answers a full page.
pub async fn book(client: &hospital::Client) -> Result<(), String> {
    let open = open_half_days(client).await;
    if open.len() < ORDERS {
        return Err(format!("the hospital has {} open half-days in the week, {ORDERS} are needed", open.len()));
    }
    for (n, half_day) in open.iter().take(ORDERS).enumerate() {
        let order_id = format!("LOAD{n:04}");
        let reply = client
            .order_register(&registration(half_day, &order_id, &cert_no()))
            .await
            .map_err(|e| format!("OrderRegister {order_id}: {e}"))?;
        if !reply.success {
            return Err(format!("OrderRegister {order_id}: {} {}", reply.code, reply.message));
        }
    }
    Ok(())
}

/// The request the load sends for `interface` (TestNet's full request, or [`query`]), sealed for the XML binding
/// as the generated client would.
pub fn sealed_request(interface: &str) -> Result<Sealed, String> {
    match interface {
        "TestNet" => Ok(sealed::<TestNet>(&full_request::<TestNet>())),
        "QueryRegister" => Ok(sealed::<QueryRegister>(&query())),
        other => Err(format!("no load for `{other}`: TestNet or QueryRegister")),
    }
}

/// [`sealed_request`] as the HTTP request the generated client would send over the XML binding.
pub fn http_request(interface: &str) -> Result<HttpRequest, String> {
    let sealed = sealed_request(interface)?;
    let (platform, schema) = match interface {
        "TestNet" => TestNet::schema(),
        _ => QueryRegister::schema(),
    };
    let protocol = platform.protocol.as_ref().ok_or("shaanxi declares no protocol")?;
    let binding = Binding::named(protocol, Some("xml")).ok_or("shaanxi declares no XML binding")?;
    binding.request(Side::Hospital, schema, &sealed).map_err(|e| e.to_string())
}

fn sealed<I: Interface>(request: &I::Request) -> Sealed {
    let (platform, interface) = I::schema();
    let protocol = platform.protocol.as_ref().expect("shaanxi has a protocol");
    let value = request.to_value().expect("a request value");
    let inputs = credentials(platform).with("service", interface.service.to_string());
    let payload = Payload { value: &value, schema: Some((platform, interface.request)), root: None };
    Envelope::new(protocol, Direction::Request).seal(payload, Format::Xml, &inputs).expect("sealed")
}

/// Answers with the documents' own responses; any other interface is left to the generated default.
struct Bench {
    test_net: test_net::Response,
    query_register: query_register::Response,
}

impl hospital::Handler for Bench {
    async fn test_net(&self, _: test_net::Request, _: Context) -> Result<test_net::Response, Failure> {
        Ok(self.test_net.clone())
    }

    async fn query_register(
        &self,
        _: query_register::Request,
        _: Context,
    ) -> Result<query_register::Response, Failure> {
        Ok(self.query_register.clone())
    }
}

/// The bare server `scripts/load` measures (tests/src/bin/load_server.rs): the generated shaanxi hospital router
/// alone, answering TestNet and QueryRegister with [`reply_payload`]'s responses; no store, no log subscriber.
pub fn bare_router() -> axum::Router {
    let read = |interface: &str| reply_payload(interface).unwrap_or_else(|e| panic!("{e}"));
    let bench = Bench {
        test_net: test_net::Response::from_xml(&read("TestNet")).expect("the TestNet response"),
        query_register: query_register::Response::from_xml(&read("QueryRegister")).expect("the QueryRegister response"),
    };
    hospital::router(bench, crate::loopback::server_config(&PLATFORM))
}

/// The payload text the bare server answers `interface` with, as it writes it (compact, text in CDATA), and that
/// the envelope step seals: TestNet's reply as the document prints it (specs/shaanxi/examples), QueryRegister's a
/// fixture of [`ORDERS`] orders. Written by the server, the fixture's 8 628 bytes are 12 120: the envelope step
/// encrypts and digests what is sent.
pub fn reply_payload(interface: &str) -> Result<String, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    type Written = fn(&str) -> Result<String, hisgate_runtime::Error>;
    let (file, written): (_, Written) = match interface {
        "TestNet" => (crate::fixtures::examples_dir("shaanxi").join("TestNet.response.xml"), |text| {
            test_net::Response::from_xml(text)?.to_xml()
        }),
        "QueryRegister" => (root.join("fixtures/bench/QueryRegister.response.10-orders.xml"), |text| {
            query_register::Response::from_xml(text)?.to_xml()
        }),
        other => return Err(format!("no reply payload for `{other}`: TestNet or QueryRegister")),
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    written(&text).map_err(|e| format!("{}: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scripts/load is not run by the test suite: its fixtures are read here, so that moving one fails a test.
    #[test]
    fn the_load_s_reply_payloads_are_where_it_reads_them() {
        let test_net = reply_payload("TestNet").unwrap();
        assert!(test_net.contains("<systemTime><![CDATA["), "{test_net}");
        let query = reply_payload("QueryRegister").unwrap();
        assert_eq!(query.matches("<order>").count(), ORDERS, "{query}");
        assert!(reply_payload("GetPatientInfo").is_err());
    }
}
