//! The onepay platform simulator over HTTP on 127.0.0.1, on SQLite and PostgreSQL: charges wait for the payer and
//! go through the trade states; every merchant number takes effect once, under concurrent repeats and across two
//! instances; refunds never exceed what a trade took in and balances never go below zero.

use hisgate_generated::onepay::interfaces::{
    hop_account_info, hop_trade_details, hop_trade_query, hop_trade_recharge, hop_trade_refund,
    mmp_upload_medical_detail, op_trade_charge, portal_wb_get_wristband_code, portal_wb_query_account,
};
use hisgate_generated::onepay::{self, PLATFORM, dict};
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_simulator::Options;
use hisgate_simulator::onepay::{Payer, inpatient_card, visit_card};
use hisgate_tests::databases::{self, TestDb};
use hisgate_tests::loopback::{Loopback, client_config, credentials};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::str::FromStr;
use std::time::Duration;

/// The platform on `store`, without its payer: tests pay with their own, when they choose.
async fn start(store: &Store) -> Loopback {
    let options = Options::new(store.clone(), credentials(&PLATFORM));
    let simulator = hisgate_simulator::start("onepay", Side::Platform, options).await.unwrap();
    Loopback::start(simulator.router).await
}

fn client(server: &Loopback) -> onepay::platform::Client {
    onepay::platform::Client::new(&server.url, client_config(&PLATFORM, "json")).unwrap()
}

fn param(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn yuan(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

/// The outpatient account on sample patient `i`'s visit card.
fn outpatient(i: i64) -> Value {
    json!({ "cardType": "03", "cardNo": visit_card(i), "accountType": "01" })
}

fn charge(number: &str, amount: &str, payee: Option<Value>) -> op_trade_charge::Request {
    op_trade_charge::Request {
        channel: Some("WX_QR".into()),
        charge_amt: Some(yuan(amount)),
        charge_goods_detail: Vec::new(),
        extra: payee.map(param),
        out_charge_no: Some(number.into()),
        out_charge_time: Some("20240601093148".into()),
        return_url: None,
        show_url: None,
        subject: Some("门诊预交金充值".into()),
    }
}

async fn balance(client: &onepay::platform::Client, account: Value) -> Decimal {
    let reply = client.hop_account_info(&hop_account_info::Request(param(account))).await.unwrap();
    assert!(reply.success, "{}", reply.message);
    yuan(reply.response.unwrap().0["balance"].as_str().unwrap())
}

async fn trade(client: &onepay::platform::Client, out_trade_no: &str) -> Map<String, Value> {
    let request = hop_trade_query::Request(param(json!({ "outTradeNo": out_trade_no })));
    let reply = client.hop_trade_query(&request).await.unwrap();
    assert!(reply.success, "{}", reply.message);
    reply.response.unwrap().0
}

async fn recharge(client: &onepay::platform::Client, number: &str, account: Value, amount: &str) -> (bool, String) {
    let mut request = param(account);
    request
        .extend(param(json!({ "outTradeNo": number, "amount": amount, "depositeType": "CASH", "operatorId": "C001" })));
    let reply = client.hop_trade_recharge(&hop_trade_recharge::Request(request)).await.unwrap();
    (reply.success, reply.message)
}

async fn refund(client: &onepay::platform::Client, number: &str, of: &str, amount: &str) -> Option<Map<String, Value>> {
    let request = param(json!({ "outRefundNo": number, "outTradeNo": of, "amount": amount, "withdrawMode": "0" }));
    let reply = client.hop_trade_refund(&hop_trade_refund::Request(request)).await.unwrap();
    reply.response.map(|r| r.0).filter(|_| reply.success)
}

async fn rows(store: &Store, out_trade_no: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM onepay_trades WHERE out_trade_no = $1")
        .bind(out_trade_no)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_charge_waits_for_its_payer_and_takes_effect_once() {
    for db in databases::each("onepay_charge").await {
        let server = start(&db.store).await;
        let client = client(&server);
        let before = balance(&client, outpatient(1)).await;
        let request = charge("OC-0001", "12.34", Some(outpatient(1)));
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (client, request) = (client.clone(), request.clone());
                tokio::spawn(async move { client.op_trade_charge(&request).await.unwrap() })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            let reply = call.await.unwrap();
            assert!(reply.success, "{}: {}", db.name, reply.message);
            answers.push(reply.response.unwrap());
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "{}: every repeat gets the first answer", db.name);
        let first = &answers[0];
        assert_eq!(first.charge_status.as_deref(), Some("ing"));
        assert!(first.qrcode.as_deref().unwrap().starts_with("weixin://wxpay/bizpayurl?pr="));
        assert_eq!(rows(&db.store, "OC-0001").await, 1, "{}", db.name);
        assert_eq!(trade(&client, "OC-0001").await["result"], "ing");

        let payer = Payer::new(db.store.clone(), Duration::ZERO);
        assert_eq!(payer.pay_due().await.unwrap(), 1, "{}", db.name);
        assert_eq!(payer.pay_due().await.unwrap(), 0, "{}: a charge is paid once", db.name);
        let paid = trade(&client, "OC-0001").await;
        assert_eq!((paid["result"].as_str(), paid["tradeType"].as_str()), (Some("succ"), Some("op.trade.charge")));
        assert_eq!(balance(&client, outpatient(1)).await, before + yuan("12.34"), "{}", db.name);
        // A repeat after payment is still a repeat: the first answer, no second charge.
        let again = client.op_trade_charge(&request).await.unwrap().response.unwrap();
        assert_eq!(&again, first);
        // The same number for another charge, or for a recharge, is refused rather than answered.
        let other = client.op_trade_charge(&charge("OC-0001", "99.00", None)).await.unwrap();
        assert_eq!((other.code.as_str(), other.response.is_none()), ("999999", true), "{}", db.name);
        assert!(!recharge(&client, "OC-0001", outpatient(1), "1.00").await.0);
        assert_eq!(trade(&client, "OC-NOPE").await["result"], "notfound");
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_charge_closes_and_a_charge_into_a_frozen_account_fails() {
    for db in databases::each("onepay_states").await {
        let server = start(&db.store).await;
        let client = client(&server);
        let payer = Payer::new(db.store.clone(), Duration::ZERO);
        assert!(client.op_trade_charge(&charge("OC-0002", "30.00", Some(outpatient(2)))).await.unwrap().success);
        assert!(refund(&client, "RF-0002-A", "OC-0002", "10.00").await.is_none(), "only whole cancellations");
        let cancelled = refund(&client, "RF-0002", "OC-0002", "30.00").await.unwrap();
        assert_eq!(cancelled["tradeResult"], "closed", "{}", db.name);
        assert_eq!(payer.pay_due().await.unwrap(), 0, "{}: a closed charge is never paid", db.name);
        assert_eq!(trade(&client, "OC-0002").await["result"], "closed");

        let before = balance(&client, outpatient(3)).await;
        assert!(client.op_trade_charge(&charge("OC-0003", "5.00", Some(outpatient(3)))).await.unwrap().success);
        sqlx::query("UPDATE onepay_accounts SET status = '03' WHERE card_no = $1")
            .bind(visit_card(3))
            .execute(db.store.pool())
            .await
            .unwrap();
        assert_eq!(payer.pay_due().await.unwrap(), 1);
        let failed = trade(&client, "OC-0003").await;
        assert_eq!(failed["result"], "fail", "{}", db.name);
        assert!(failed["resultDesc"].as_str().unwrap().contains("冻结"));
        assert_eq!(balance(&client, outpatient(3)).await, before);
        // A frozen account takes no recharge either; a cash channel is no online charge.
        assert!(!recharge(&client, "RC-0003", outpatient(3), "1.00").await.0);
        let cash = op_trade_charge::Request { channel: Some("CASH".into()), ..charge("OC-0004", "1.00", None) };
        assert_eq!(client.op_trade_charge(&cash).await.unwrap().code, "999999");
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refunds_never_exceed_what_a_trade_took_in() {
    for db in databases::each("onepay_refunds").await {
        let server = start(&db.store).await;
        let client = client(&server);
        let before = balance(&client, outpatient(11)).await;
        assert!(recharge(&client, "RC-0011", outpatient(11), "100.00").await.0);
        // Eight refunds of 20.00 at once against 100.00: exactly five fit.
        let calls: Vec<_> = (0..8)
            .map(|k| {
                let client = client.clone();
                tokio::spawn(async move { refund(&client, &format!("RF-0011-{k}"), "RC-0011", "20.00").await })
            })
            .collect();
        let mut accepted = 0;
        for call in calls {
            accepted += usize::from(call.await.unwrap().is_some());
        }
        assert_eq!(accepted, 5, "{}", db.name);
        let refunded = trade(&client, "RC-0011").await;
        assert_eq!(refunded["refundedAmount"], "100.00", "{}", db.name);
        assert_eq!(balance(&client, outpatient(11)).await, before, "{}", db.name);
        // A refund repeated with its number is the first answer again, not a second refund.
        let first = refund(&client, "RF-0011-0", "RC-0011", "20.00").await;
        assert_eq!(first.is_some(), refund(&client, "RF-0011-0", "RC-0011", "20.00").await.is_some());
        // An account cannot pay back more than it holds: spend it down, then refund the rest of a recharge.
        assert!(recharge(&client, "RC-0012", outpatient(12), "50.00").await.0);
        let held = balance(&client, outpatient(12)).await;
        sqlx::query("UPDATE onepay_accounts SET balance_fen = 1000 WHERE card_no = $1")
            .bind(visit_card(12))
            .execute(db.store.pool())
            .await
            .unwrap();
        assert!(refund(&client, "RF-0012", "RC-0012", "50.00").await.is_none(), "{}: held {held}", db.name);
        assert_eq!(trade(&client, "RC-0012").await["refundedAmount"], "0.00", "{}: the savepoint undid it", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sharing_postgresql_recharge_once() {
    let Some(db) = databases::postgres("onepay_instances").await else { return };
    let (first, second) = (start(&db.store).await, start(&db.reopen().await.unwrap()).await);
    let clients = [client(&first), client(&second)];
    let before = balance(&clients[0], outpatient(21)).await;
    let calls: Vec<_> = (0..10)
        .map(|k| {
            let client = clients[k % 2].clone();
            tokio::spawn(async move { recharge(&client, "RC-0021", outpatient(21), "8.88").await })
        })
        .collect();
    for call in calls {
        let (success, message) = call.await.unwrap();
        assert!(success, "{message}");
    }
    assert_eq!(rows(&db.store, "RC-0021").await, 1);
    assert_eq!(balance(&clients[1], outpatient(21)).await, before + yuan("8.88"));
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_wristband_per_account_reads_the_account() {
    for db in databases::each("onepay_wristband").await {
        let server = start(&db.store).await;
        let client = client(&server);
        // Patient 8's inpatient account (出院证明) has no wristband yet.
        let request = portal_wb_get_wristband_code::Request {
            card_type: Some(dict::CardType::InpatientRecordNo),
            card_no: Some(inpatient_card(8)),
            id_no: None,
            id_type: Some(dict::IdType::IdCard),
            operator_id: Some("N001".into()),
            operator_name: Some("护士站".into()),
            account_type: Some(dict::AccountType::Inpatient),
        };
        let calls: Vec<_> = (0..6)
            .map(|_| {
                let (client, request) = (client.clone(), request.clone());
                tokio::spawn(async move { client.portal_wb_get_wristband_code(&request).await.unwrap() })
            })
            .collect();
        let mut keys = Vec::new();
        for call in calls {
            let reply = call.await.unwrap();
            assert!(reply.success, "{}: {}", db.name, reply.message);
            keys.push(reply.response.unwrap().key.unwrap());
        }
        keys.dedup();
        assert_eq!(keys.len(), 1, "{}", db.name);
        let query = portal_wb_query_account::Request { key: Some(keys[0].clone()) };
        let account = client.portal_wb_query_account(&query).await.unwrap().response.unwrap();
        let info = json!({ "cardType": "05", "cardNo": inpatient_card(8), "accountType": "02" });
        assert_eq!(yuan(account.balance.as_deref().unwrap()), balance(&client, info).await);
        assert!(!account.user_name.is_empty());
        let stranger = portal_wb_query_account::Request { key: Some("WB-NOT-ISSUED".into()) };
        assert_eq!(client.portal_wb_query_account(&stranger).await.unwrap().code, "999999");
        // Patient 12 was discharged (出院): no wristband.
        let discharged = portal_wb_get_wristband_code::Request { card_no: Some(inpatient_card(12)), ..request };
        assert_eq!(client.portal_wb_get_wristband_code(&discharged).await.unwrap().code, "999999");
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_page_newest_first_and_medical_details_upload_once() {
    for db in databases::each("onepay_details").await {
        let server = start(&db.store).await;
        let client = client(&server);
        let asked = |page: u32| {
            let mut query = param(outpatient(3));
            query.extend(param(json!({ "pageNo": page, "pageSize": 2 })));
            hop_trade_details::Request(query)
        };
        let first = client.hop_trade_details(&asked(1)).await.unwrap().response.unwrap().0;
        let second = client.hop_trade_details(&asked(2)).await.unwrap().response.unwrap().0;
        assert_eq!(first["total"], 4, "{}: patient 3 has four recharges", db.name);
        let times: Vec<&str> = [&first, &second]
            .iter()
            .flat_map(|page| page["details"].as_array().unwrap())
            .map(|d| d["tradeTime"].as_str().unwrap())
            .collect();
        assert_eq!(times.len(), 4);
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{}: {times:?}", db.name);
        let misspelt = hop_trade_details::Request(param(json!({ "cardTyp": "03" })));
        assert_eq!(client.hop_trade_details(&misspelt).await.unwrap().code, "999999");

        let upload = mmp_upload_medical_detail::Request {
            yydjh0: Some("YY10150011".into()),
            cardno: Some("DB0748478".into()),
            mxlist: Some(r#"[{"xmbh00":"10703044195932330501","xmmc00":"乐力","xmje00":"2950"}]"#.into()),
            zdlist: Some(r#"[{"zdbh00":"ZZXY10","zdms00":"心阴不足证"}]"#.into()),
            ..Default::default()
        };
        let once = client.mmp_upload_medical_detail(&upload).await.unwrap().response.unwrap().0;
        assert_eq!((once["itemCount"].as_i64(), once["result"].as_str()), (Some(1), Some("succ")));
        let twice = client.mmp_upload_medical_detail(&upload).await.unwrap().response.unwrap().0;
        assert_eq!(once, twice, "{}", db.name);
        let broken =
            mmp_upload_medical_detail::Request { yydjh0: Some("YY2".into()), mxlist: Some("[1,".into()), ..upload };
        assert_eq!(client.mmp_upload_medical_detail(&broken).await.unwrap().code, "999999");
        db.finish().await;
    }
}

/// One step of a random account history.
#[derive(Debug, Clone)]
enum Step {
    Recharge(i64),
    /// A charge into the account, paid by the payer.
    Charge(i64),
    /// A refund of an earlier trade of this history (by index), of some fen.
    Refund(usize, i64),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        (1_i64..50_000).prop_map(Step::Recharge),
        (1_i64..50_000).prop_map(Step::Charge),
        (0_usize..8, 1_i64..60_000).prop_map(|(k, fen)| Step::Refund(k, fen)),
    ];
    proptest::collection::vec(step, 1..10)
}

/// Over random recharges, charges and refunds, the balance is what a model says and never below zero, and no
/// trade gives back more than it took in.
#[test]
fn balances_follow_the_model_and_never_go_negative() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db: TestDb = runtime.block_on(databases::sqlite("onepay_model"));
    let server = runtime.block_on(start(&db.store));
    let client = client(&server);
    let payer = Payer::new(db.store.clone(), Duration::ZERO);
    let config = ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() };
    // Patients whose outpatient accounts take money (正常), one for each case, so histories never meet.
    let open: Vec<i64> = runtime.block_on(async {
        let mut open = Vec::new();
        for i in 101..=200 {
            let request = hop_account_info::Request(param(outpatient(i)));
            let info = client.hop_account_info(&request).await.unwrap().response.unwrap().0;
            if info["status"] == "01" {
                open.push(i);
            }
        }
        open
    });
    let case = std::sync::atomic::AtomicUsize::new(0);
    proptest::test_runner::TestRunner::new(config)
        .run(&steps(), |steps| {
            let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            runtime.block_on(async {
                let account = outpatient(open[case % open.len()]);
                let mut expected = balance(&client, account.clone()).await;
                let mut trades: Vec<(String, i64, i64)> = Vec::new();
                for (k, step) in steps.iter().enumerate() {
                    let number = format!("P{case}-{k}");
                    match *step {
                        Step::Recharge(fen) => {
                            let amount = Decimal::new(fen, 2);
                            assert!(recharge(&client, &number, account.clone(), &amount.to_string()).await.0);
                            expected += amount;
                            trades.push((number, fen, 0));
                        }
                        Step::Charge(fen) => {
                            let amount = Decimal::new(fen, 2).to_string();
                            let reply = client.op_trade_charge(&charge(&number, &amount, Some(account.clone()))).await;
                            assert!(reply.unwrap().success);
                            assert_eq!(payer.pay_due().await.unwrap(), 1);
                            expected += Decimal::new(fen, 2);
                            trades.push((number, fen, 0));
                        }
                        Step::Refund(index, fen) => {
                            let held = trades.len().max(1);
                            let Some((of, paid, refunded)) = trades.get_mut(index % held) else { continue };
                            let amount = Decimal::new(fen, 2);
                            let fits = *refunded + fen <= *paid && amount <= expected;
                            let done = refund(&client, &number, of, &amount.to_string()).await.is_some();
                            assert_eq!(done, fits, "refund {amount} of {of}: paid {paid}, refunded {refunded}");
                            if done {
                                *refunded += fen;
                                expected -= amount;
                            }
                        }
                    }
                    let held = balance(&client, account.clone()).await;
                    assert_eq!(held, expected);
                    assert!(held >= Decimal::ZERO);
                }
            });
            Ok(())
        })
        .unwrap();
    runtime.block_on(db.finish());
}
