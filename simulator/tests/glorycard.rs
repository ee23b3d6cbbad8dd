//! The glorycard simulators over HTTP on 127.0.0.1, on SQLite and PostgreSQL: the register pages by `dataID`,
//! deductions take effect once however they are repeated, and the institution answers deductCheck by time range.

use hisgate_generated::glorycard::interfaces::{deduct_check, store_all, store_deduct, store_deduct_cancel};
use hisgate_generated::glorycard::{self, PLATFORM, dict};
use hisgate_runtime::schema::Side;
use hisgate_simulator::Options;
use hisgate_tests::databases::{self, TestDb};
use hisgate_tests::loopback::{Loopback, client_config, credentials};
use rust_decimal::Decimal;
use std::str::FromStr;

async fn start(db: &TestDb, side: Side) -> Loopback {
    let options = Options::new(db.store.clone(), credentials(&PLATFORM));
    let simulator = hisgate_simulator::start("glorycard", side, options).await.unwrap();
    Loopback::start(simulator.router).await
}

fn client(server: &Loopback) -> glorycard::platform::Client {
    glorycard::platform::Client::new(&server.url, client_config(&PLATFORM, "json")).unwrap()
}

fn deduction(id: &str, holder: i64, total: &str, deducted: &str) -> store_deduct::Request {
    store_deduct::Request {
        org_code: "ORG0001".into(),
        cert_type: dict::CertType::IdCard,
        cert_no: sample_id(holder),
        cert_name: sample_name(holder),
        deduction_id: id.into(),
        total_fee: Decimal::from_str(total).unwrap(),
        deduction_fee: Decimal::from_str(deducted).unwrap(),
        deduction_time: "2021-04-07 15:52:06".into(),
        glory_type: dict::GloryType::Honour,
        deduction_type: dict::DeductionType::OutpatientConsultation,
        remarks: Some("门诊诊查费全免".into()),
    }
}

/// The register's holders as the seed wrote them, read back through storeAll.
async fn holder(client: &glorycard::platform::Client, data_id: i32) -> store_all::ResponseData {
    let request = store_all::Request { data_id: data_id - 1, org_code: "ORG0001".into() };
    client.store_all(&request).await.unwrap().response.unwrap().data.remove(0)
}

fn sample_id(i: i64) -> String {
    hisgate_simulator::glorycard::sample_holder(i).0
}

fn sample_name(i: i64) -> String {
    hisgate_simulator::glorycard::sample_holder(i).1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_pages_by_data_id_five_hundred_at_a_time() {
    for db in databases::each("glorycard_pages").await {
        let server = start(&db, Side::Platform).await;
        let client = client(&server);
        let mut cursor = 0;
        let mut pages = Vec::new();
        loop {
            let request = store_all::Request { data_id: cursor, org_code: "ORG0001".into() };
            let reply = client.store_all(&request).await.unwrap();
            assert!(reply.success, "{}: {}", db.name, reply.message);
            let data = reply.response.unwrap().data;
            if data.is_empty() {
                break;
            }
            cursor = data.last().unwrap().data_id.unwrap();
            pages.push(data.len());
        }
        assert_eq!(pages, [500, 500, 234], "{}", db.name);
        let third = holder(&client, 3).await;
        assert_eq!((third.cert_no, third.cert_name), (Some(sample_id(3)), Some(sample_name(3))));
        let unknown = client.store_all(&store_all::Request { data_id: 0, org_code: "NOBODY".into() }).await.unwrap();
        assert_eq!((unknown.code.as_str(), unknown.response), ("0", None), "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deduction_takes_effect_once_however_it_is_repeated() {
    for db in databases::each("glorycard_deduct").await {
        let server = start(&db, Side::Platform).await;
        let client = client(&server);
        let request = deduction("JM-0001", 7, "25.50", "25.50");
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (client, request) = (client.clone(), request.clone());
                tokio::spawn(async move { client.store_deduct(&request).await.unwrap() })
            })
            .collect();
        // Identical requests within one second carry one signature and the same bytes: the replay guard gives the
        // first answer to the others — or, had the first taken longer than they wait, refuses them as in flight.
        let mut accepted = 0;
        for call in calls {
            let reply = call.await.unwrap();
            assert!(reply.success || reply.message.contains("still being answered"), "{}: {}", db.name, reply.message);
            accepted += usize::from(reply.success);
        }
        assert!(accepted >= 1, "{}", db.name);
        // Repeats a second later are new requests to the protocol and repeats to the business: the first answer.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert!(client.store_deduct(&request).await.unwrap().success, "{}", db.name);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM glorycard_deductions WHERE deduction_id = 'JM-0001'")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        assert_eq!(rows, 1, "{}", db.name);
        // The same id for another deduction is refused, not answered with the first one's result.
        let reused = client.store_deduct(&deduction("JM-0001", 8, "9.00", "9.00")).await.unwrap();
        assert_eq!(reused.code, "0", "{}", db.name);
        // Refusals are answers too, and repeats get them again.
        for repeat in 0..2 {
            if repeat > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            }
            let over = client.store_deduct(&deduction("JM-0002", 7, "10.00", "10.01")).await.unwrap();
            assert_eq!(
                (over.code.as_str(), over.message.contains("减免金额")),
                ("0", true),
                "{}: {}",
                db.name,
                over.message
            );
        }
        let stranger = client.store_deduct(&deduction("JM-0003", 99_999, "1.00", "1.00")).await.unwrap();
        assert_eq!(stranger.code, "0");
        let cancel = store_deduct_cancel::Request {
            org_code: "ORG0001".into(),
            deduction_id: "JM-0001".into(),
            deduction_time: "2021-04-07 16:00:00".into(),
        };
        for repeat in 0..2 {
            if repeat > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            }
            let reply = client.store_deduct_cancel(&cancel).await.unwrap();
            assert!(reply.success, "{}: {}", db.name, reply.message);
        }
        let unknown = store_deduct_cancel::Request { deduction_id: "JM-9999".into(), ..cancel.clone() };
        assert_eq!(client.store_deduct_cancel(&unknown).await.unwrap().code, "0");
        let status: String =
            sqlx::query_scalar("SELECT status FROM glorycard_deductions WHERE deduction_id = 'JM-0001'")
                .fetch_one(db.store.pool())
                .await
                .unwrap();
        assert_eq!(status, "0", "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_institution_answers_deduct_check_by_time_range() {
    for db in databases::each("glorycard_check").await {
        let server = start(&db, Side::Hospital).await;
        let client = glorycard::hospital::Client::new(&server.url, client_config(&PLATFORM, "json")).unwrap();
        let request = deduct_check::Request {
            org_code: "ORG0001".into(),
            deduct_time_start: "2021-04-03 00:00:00".into(),
            deduction_time_end: "2021-04-05 23:59:59".into(),
        };
        let reply = client.deduct_check(&request).await.unwrap();
        assert!(reply.success, "{}: {}", db.name, reply.message);
        let data = reply.response.unwrap().data;
        let ids: Vec<&str> = data.iter().map(|d| d.deduction_id.as_str()).collect();
        assert_eq!(ids, ["JM202104003", "JM202104004", "JM202104005"], "{}", db.name);
        let cancelled = &data[1];
        assert_eq!(cancelled.status, dict::DeductionStatus::Cancelled);
        assert!(cancelled.cancel_time.is_some());
        let backwards = deduct_check::Request {
            deduct_time_start: request.deduction_time_end.clone(),
            deduction_time_end: request.deduct_time_start.clone(),
            ..request
        };
        assert_eq!(client.deduct_check(&backwards).await.unwrap().code, "0");
        db.finish().await;
    }
}
