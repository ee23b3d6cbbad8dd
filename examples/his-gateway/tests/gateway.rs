//! The gateway as it is run: its binary on a free loopback port, called by the kiosk platform's side through the
//! generated client (signed with HMAC-SHA256, each reply verified); and the gateway's own client of the platform,
//! against a platform side served from the same generated code.

use his_gateway::{credentials, kiosk};
use hisgate::Decimal;
use hisgate::client::ClientConfig;
use hisgate::server::{Context, Failure, ServerConfig};
use kiosk::interfaces::{get_patient, notify_refund, pay_fee};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The gateway's binary, killed when dropped.
struct Running(Child, String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_his-gateway"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the gateway binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped")).read_line(&mut line).expect("a first line");
    let url = line.trim().rsplit(' ').next().unwrap_or_default().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "the first line names the address: {line:?}");
    Running(child, url)
}

fn decimal(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

#[tokio::test]
async fn the_gateway_answers_the_kiosk_signed_in_its_own_codes() {
    let gateway = start();
    let kiosk = kiosk::hospital::Client::new(&gateway.1, ClientConfig::new(credentials())).unwrap();

    let found = kiosk.get_patient(&get_patient::Request { card_no: "0001".into() }).await.unwrap();
    assert_eq!((found.code.as_str(), found.success), ("0000", true));
    let patient = found.response.expect("a patient");
    assert_eq!((patient.patient_id.as_str(), patient.name.as_str()), ("P0001", "王五"));
    assert_eq!(patient.balance, decimal("12.50"));

    let missing = kiosk.get_patient(&get_patient::Request { card_no: "0404".into() }).await.unwrap();
    assert_eq!((missing.code.as_str(), missing.message.as_str()), ("2001", "患者不存在"));

    let pay = pay_fee::Request { patient_id: "P0001".into(), trade_no: "K20261205001".into(), amount: decimal("2.50") };
    let paid = kiosk.pay_fee(&pay).await.unwrap().response.expect("a receipt");
    assert_eq!((paid.receipt_no.as_str(), paid.balance), ("R000001", decimal("10.00")));
    // The kiosk timed out and pays again: the first receipt, not a second charge.
    let again = kiosk.pay_fee(&pay).await.unwrap().response.expect("the same receipt");
    assert_eq!(again, paid);
    let reused = pay_fee::Request { amount: decimal("3.00"), ..pay.clone() };
    let refused = kiosk.pay_fee(&reused).await.unwrap();
    assert_eq!(refused.code, "1001");
    assert!(refused.message.contains("K20261205001"), "{}", refused.message);
    let too_much = pay_fee::Request { trade_no: "K20261205002".into(), amount: decimal("10.01"), ..pay };
    let refused = kiosk.pay_fee(&too_much).await.unwrap();
    assert_eq!((refused.code.as_str(), refused.message.as_str()), ("1001", "参数错误：余额不足：10.00 < 10.01"));
}

#[tokio::test]
async fn a_kiosk_holding_another_secret_trusts_nothing_the_gateway_answers() {
    let gateway = start();
    let protocol = kiosk::PLATFORM.protocol.as_ref().unwrap();
    let wrong = hisgate::secret::Inputs::for_protocol(protocol, [("kioskId", "KIOSK-001"), ("secret", "not-the-key")]);
    let kiosk = kiosk::hospital::Client::new(&gateway.1, ClientConfig::new(wrong)).unwrap();
    // The gateway refuses the request (`1002`) in a reply signed with its own secret, which this client does not
    // hold: the call fails on the reply's signature instead of reading anything from it.
    let error = kiosk.get_patient(&get_patient::Request { card_no: "0001".into() }).await.unwrap_err();
    assert!(matches!(&error, hisgate::client::CallError::Verify(why) if why.contains("signature")), "{error}");
}

/// The platform's side, as a test stands it up: it accepts refunds of receipts it knows.
struct Platform;

impl kiosk::platform::Handler for Platform {
    async fn notify_refund(
        &self,
        request: notify_refund::Request,
        _: Context,
    ) -> Result<notify_refund::Response, Failure> {
        match request.receipt_no.starts_with('R') {
            true => Ok(notify_refund::Response { accepted: "Y".into() }),
            false => Err(Failure::business("1001")),
        }
    }
}

#[tokio::test]
async fn the_gateway_calls_the_platform_through_its_client() {
    let router = kiosk::platform::router(Platform, ServerConfig::new(&kiosk::PLATFORM, credentials()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let stop = std::future::pending::<()>();
    tokio::spawn(hisgate::server::listen::serve(listener, router, Default::default(), stop));
    let platform = kiosk::platform::Client::new(&url, ClientConfig::new(credentials())).unwrap();
    let refund = notify_refund::Request { receipt_no: "R000001".into(), amount: decimal("2.50") };
    let reply = platform.notify_refund(&refund).await.unwrap();
    assert_eq!(reply.response.map(|r| r.accepted), Some("Y".to_owned()));
    let unknown = notify_refund::Request { receipt_no: "X1".into(), ..refund };
    assert_eq!(platform.notify_refund(&unknown).await.unwrap().code, "1001");
}
