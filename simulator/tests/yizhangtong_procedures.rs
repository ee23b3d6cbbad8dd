//! yizhangtong's database form against the PostgreSQL at 127.0.0.1:5432, in a schema of its own dropped afterwards:
//! the declarations generated from the spec and the sample HIS's PL/pgSQL installed over the sample data, and the
//! gateway serving them over loopback HTTP to the generated client. Where they answer the same question, the
//! procedures and views answer what the store-backed simulator answers; transfer-in is once per `traceNoIn` in
//! the HIS's own journal, under concurrent repeats through two gateways.

use hisgate_generated::yizhangtong::interfaces::{
    get_card_track, get_fee_list, op_certification_level, op_query_card_list, op_query_transfer_in_result,
    op_yjj_account_transfer_in,
};
use hisgate_generated::yizhangtong::{self, PLATFORM, dict};
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_simulator::yizhangtong::{gateway, install_sample_his, patient, visit_card};
use hisgate_simulator::{Options, StartError};
use hisgate_tests::databases;
use hisgate_tests::loopback::{Loopback, client_config, credentials};
use rust_decimal::Decimal;
use std::str::FromStr;

fn options(store: &Store) -> Options {
    Options::new(store.clone(), credentials(&PLATFORM))
}

fn client(server: &Loopback) -> yizhangtong::hospital::Client {
    yizhangtong::hospital::Client::new(&server.url, client_config(&PLATFORM, "json")).unwrap()
}

async fn served_by_procedures(store: &Store) -> Loopback {
    Loopback::start(gateway(options(store)).await.unwrap().router).await
}

fn yuan(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn card_list(i: i64) -> op_query_card_list::Request {
    let (id_no, user_name) = patient(i);
    op_query_card_list::Request { id_no, id_type: dict::IdType::IdCard, user_name, extra: None, notes: None }
}

fn transfer(i: i64, trace_no_in: &str) -> op_yjj_account_transfer_in::Request {
    let (id_no, user_name) = patient(i);
    op_yjj_account_transfer_in::Request {
        operator_id: "APP".into(),
        operator_name: "三码融合平台".into(),
        term_no: None,
        from_card_no: None,
        from_number: None,
        to_card_type: Some(dict::CardType::VisitCard),
        to_card_no: visit_card(i),
        account_type: dict::AccountType::Outpatient,
        id_no,
        id_type: dict::IdType::IdCard,
        user_name,
        channel_type: dict::ChannelType::MobileApp,
        extra: Some("渠道扩展".into()),
        notes: None,
        org_code: Some("330106001".into()),
        trace_no_in: trace_no_in.into(),
    }
}

fn result(trace_no_in: &str) -> op_query_transfer_in_result::Request {
    op_query_transfer_in_result::Request { extra: None, notes: None, org_code: None, trace_no_in: trace_no_in.into() }
}

fn track(i: i64, rows: (i64, i64)) -> get_card_track::Request {
    get_card_track::Request {
        id_card_no: Some(patient(i).0),
        id_type: Some(dict::IdType::IdCard),
        start_time: Some("20250101".into()),
        end_time: None,
        start_row: Some(rows.0.to_string()),
        end_row: Some(rows.1.to_string()),
        use_type: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_gateway_answers_from_the_his_procedures_and_views() {
    let Some(db) = databases::postgres("yizhangtong_procedures").await else { return };
    let declarations = hisgate_tools::sql::postgres(&PLATFORM);
    install_sample_his(&db.store, &declarations).await.unwrap();
    let gateway_server = served_by_procedures(&db.store).await;
    let procedures = client(&gateway_server);
    let simulator = hisgate_simulator::start("yizhangtong", Side::Hospital, options(&db.store)).await.unwrap();
    let server = Loopback::start(simulator.router).await;
    let store_backed = client(&server);

    // Card lists (a procedure with a cursor), card uses (a view, paged) and fee lists agree with the store-backed
    // simulator over the same tables.
    for i in [1, 6, 30] {
        let from_procedure = procedures.op_query_card_list(&card_list(i)).await.unwrap();
        assert!(from_procedure.success, "{}", from_procedure.message);
        let from_store = store_backed.op_query_card_list(&card_list(i)).await.unwrap();
        assert_eq!(from_procedure.response, from_store.response, "patient {i}");
        for rows in [(1, 5), (6, 10), (11, 100)] {
            let from_view = procedures.get_card_track(&track(i, rows)).await.unwrap().response.unwrap();
            let from_store = store_backed.get_card_track(&track(i, rows)).await.unwrap().response.unwrap();
            assert_eq!(from_view, from_store, "patient {i}, rows {rows:?}");
        }
    }
    let uses = procedures.get_card_track(&track(4, (1, 100))).await.unwrap().response.unwrap().out_curdata;
    assert!(uses.windows(2).all(|w| w[0].record_time > w[1].record_time), "newest first");
    let settled = uses.iter().find(|u| u.use_type == dict::CardUseType::Settlement).unwrap();
    let fees = get_fee_list::Request { reg_no: settled.reg_no.clone() };
    let from_procedure = procedures.get_fee_list(&fees).await.unwrap().response.unwrap();
    assert_eq!(Some(from_procedure.clone()), store_backed.get_fee_list(&fees).await.unwrap().response);
    assert_eq!(
        yuan(&from_procedure.total_price),
        yuan(&from_procedure.insurance_amount) + yuan(&from_procedure.self_amount)
    );

    // The HIS's own refusals come back as its return code and message.
    let stranger = op_query_card_list::Request { user_name: "无名氏".into(), ..card_list(6) };
    let refused = procedures.op_query_card_list(&stranger).await.unwrap();
    assert_eq!(refused.code, "99");
    assert!(refused.message.ends_with("姓名与证件号不符"), "{}", refused.message);
    let unknown = get_fee_list::Request { reg_no: "MZ-NONE".into() };
    assert_eq!(procedures.get_fee_list(&unknown).await.unwrap().code, "99");
    let weak = op_certification_level::Request { card_no: format!("LS{:08}", 20_190_006) };
    assert!(procedures.op_certification_level(&weak).await.unwrap().success);
    let certified = procedures.op_query_card_list(&card_list(6)).await.unwrap().response.unwrap();
    assert!(certified.out_curdata.iter().all(|c| c.authlevel == "1"));
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_in_through_two_gateways_takes_effect_once() {
    let Some(db) = databases::postgres("yizhangtong_procedure_transfer").await else { return };
    install_sample_his(&db.store, &hisgate_tools::sql::postgres(&PLATFORM)).await.unwrap();
    let servers = [served_by_procedures(&db.store).await, served_by_procedures(&db.reopen().await.unwrap()).await];
    let gateways = [client(&servers[0]), client(&servers[1])];
    let before = gateways[0].op_query_card_list(&card_list(12)).await.unwrap().response.unwrap().out_curdata;
    let total: Decimal = before.iter().map(|c| yuan(&c.balance)).sum();
    let calls: Vec<_> = (0..10)
        .map(|k| {
            let client = gateways[k % 2].clone();
            tokio::spawn(async move { client.op_yjj_account_transfer_in(&transfer(12, "TP12-0001")).await.unwrap() })
        })
        .collect();
    let mut answers = Vec::new();
    for call in calls {
        let reply = call.await.unwrap();
        assert!(reply.success, "{}", reply.message);
        answers.push(reply.response.unwrap());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "every repeat gets the first answer");
    let answer = &answers[0];
    assert_eq!((yuan(&answer.to_card_balance), answer.trace_no_in.as_str()), (total, "TP12-0001"));
    assert_eq!(answer.extra.as_deref(), Some("渠道扩展"), "an INOUT parameter comes back");
    let moved: serde_json::Value = serde_json::from_str(&answer.from_card_list).unwrap();
    assert_eq!(moved[0]["cardNo"], before.iter().find(|c| c.card_no != visit_card(12)).unwrap().card_no);
    let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM yizhangtong_transfers WHERE trace_no_in = 'TP12-0001'")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(lines, 1);
    let after = gateways[1].op_query_card_list(&card_list(12)).await.unwrap().response.unwrap().out_curdata;
    let visit = after.iter().find(|c| c.card_no == visit_card(12)).unwrap();
    assert_eq!(yuan(&visit.balance), total, "moved once");

    let kept = gateways[1].op_query_transfer_in_result(&result("TP12-0001")).await.unwrap().response.unwrap();
    assert_eq!((kept.result, kept.call_sn.as_str()), (dict::TradeStatus::Success, answer.call_sn.as_str()));
    let unknown = gateways[0].op_query_transfer_in_result(&result("TP-NEVER")).await.unwrap().response.unwrap();
    assert_eq!(unknown.result, dict::TradeStatus::NotFound);
    let empty = gateways[0].op_yjj_account_transfer_in(&transfer(12, "TP12-0002")).await.unwrap();
    assert_eq!(empty.code, "99");
    assert!(empty.message.ends_with("没有可转入的余额"), "{}", empty.message);
    let failed = gateways[0].op_query_transfer_in_result(&result("TP12-0002")).await.unwrap().response.unwrap();
    assert_eq!(failed.result, dict::TradeStatus::Failed, "a refusal is a failed transfer, not a missing one");
    db.finish().await;
}

#[tokio::test]
async fn the_gateway_says_what_it_lacks() {
    let sqlite = databases::sqlite("yizhangtong_gateway_sqlite").await;
    match gateway(options(&sqlite.store)).await {
        Err(StartError::Unavailable(message)) => assert!(message.contains("PostgreSQL"), "{message}"),
        other => panic!("a gateway on SQLite: {:?}", other.err()),
    }
    let Some(db) = databases::postgres("yizhangtong_gateway_bare").await else { return };
    hisgate_simulator::yizhangtong::prepare(&db.store).await.unwrap();
    match gateway(options(&db.store)).await {
        Err(StartError::Unavailable(message)) => {
            assert!(message.contains("procedure `op_query_card_list`") && message.contains("view `getCardTrack`"));
        }
        other => panic!("a gateway without procedures: {:?}", other.err()),
    }
    db.finish().await;
}
