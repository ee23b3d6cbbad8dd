//! The yizhangtong HIS simulator over HTTP on 127.0.0.1, on SQLite and PostgreSQL: card lists behind the name
//! check, balance transfer-in once per `traceNoIn` (under concurrent repeats, on two instances) with its result
//! query, card uses paged by rows, certification and fee lists.

use hisgate_generated::yizhangtong::interfaces::{
    get_card_track, get_fee_list, op_certification_level, op_query_card_list, op_query_transfer_in_result,
    op_yjj_account_transfer_in,
};
use hisgate_generated::yizhangtong::{self, PLATFORM, dict};
use hisgate_runtime::Dictionary;
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_simulator::Options;
use hisgate_simulator::yizhangtong::{his_id, patient, visit_card};
use hisgate_tests::databases;
use hisgate_tests::loopback::{Loopback, client_config, credentials};
use rust_decimal::Decimal;
use std::str::FromStr;

async fn start(store: &Store) -> Loopback {
    let options = Options::new(store.clone(), credentials(&PLATFORM));
    let simulator = hisgate_simulator::start("yizhangtong", Side::Hospital, options).await.unwrap();
    Loopback::start(simulator.router).await
}

fn client(server: &Loopback) -> yizhangtong::hospital::Client {
    yizhangtong::hospital::Client::new(&server.url, client_config(&PLATFORM, "json")).unwrap()
}

fn yuan(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn card_list(i: i64) -> op_query_card_list::Request {
    let (id_no, user_name) = patient(i);
    op_query_card_list::Request { id_no, id_type: dict::IdType::IdCard, user_name, extra: None, notes: None }
}

async fn cards(client: &yizhangtong::hospital::Client, i: i64) -> Vec<op_query_card_list::ResponseOutCurdata> {
    let reply = client.op_query_card_list(&card_list(i)).await.unwrap();
    assert!(reply.success, "{}", reply.message);
    reply.response.unwrap().out_curdata
}

fn balance_of(cards: &[op_query_card_list::ResponseOutCurdata], card_no: &str) -> Decimal {
    yuan(&cards.iter().find(|c| c.card_no == card_no).unwrap().balance)
}

/// Patient `i`'s transfer of everything else into their visit card.
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
        channel_type: dict::ChannelType::WechatOfficialAccount,
        extra: None,
        notes: None,
        org_code: None,
        trace_no_in: trace_no_in.into(),
    }
}

async fn result(client: &yizhangtong::hospital::Client, trace_no_in: &str) -> op_query_transfer_in_result::Response {
    let request = op_query_transfer_in_result::Request {
        extra: None,
        notes: None,
        org_code: None,
        trace_no_in: trace_no_in.into(),
    };
    client.op_query_transfer_in_result(&request).await.unwrap().response.unwrap()
}

async fn journal(store: &Store, trace_no_in: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM yizhangtong_transfers WHERE trace_no_in = $1")
        .bind(trace_no_in)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_lists_check_the_name_and_certification_strengthens_a_card() {
    for db in databases::each("yizhangtong_cards").await {
        let server = start(&db.store).await;
        let client = client(&server);
        // Patient 6 has a visit card, a social insurance card and a temporary card.
        let listed = cards(&client, 6).await;
        let types: Vec<&str> = listed.iter().map(|c| c.card_type.code()).collect();
        assert_eq!(types, ["03", "06", "01"], "{}: in card-number order", db.name);
        assert!(listed.iter().all(|c| c.his_cust_id == his_id(6) && c.user_name.as_deref() == Some(&*patient(6).1)));
        let stranger = op_query_card_list::Request { user_name: "无名氏".into(), ..card_list(6) };
        assert_eq!(client.op_query_card_list(&stranger).await.unwrap().code, "99", "{}", db.name);
        let unknown = op_query_card_list::Request { id_no: "110101199001010011".into(), ..card_list(6) };
        assert_eq!(client.op_query_card_list(&unknown).await.unwrap().code, "99");

        let weak = listed.iter().find(|c| c.authlevel == "2").unwrap().card_no.clone();
        let certify = op_certification_level::Request { card_no: weak.clone() };
        for _ in 0..2 {
            assert!(client.op_certification_level(&certify).await.unwrap().success, "{}", db.name);
        }
        let after = cards(&client, 6).await;
        assert_eq!(after.iter().find(|c| c.card_no == weak).unwrap().authlevel, "1");
        let nobody = op_certification_level::Request { card_no: "JZ00000000".into() };
        assert_eq!(client.op_certification_level(&nobody).await.unwrap().code, "99");
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_in_takes_effect_once_and_its_result_is_kept() {
    for db in databases::each("yizhangtong_transfer").await {
        let server = start(&db.store).await;
        let client = client(&server);
        let before = cards(&client, 6).await;
        let total: Decimal = before.iter().map(|c| yuan(&c.balance)).sum();
        let request = transfer(6, "T20250601000001");
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (client, request) = (client.clone(), request.clone());
                tokio::spawn(async move { client.op_yjj_account_transfer_in(&request).await.unwrap() })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            let reply = call.await.unwrap();
            assert!(reply.success, "{}: {}", db.name, reply.message);
            answers.push(reply.response.unwrap());
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "{}", db.name);
        assert_eq!(yuan(&answers[0].to_card_balance), total, "{}: everything moved onto the visit card", db.name);
        assert_eq!(answers[0].list_format, dict::ListFormat::Json);
        let moved: serde_json::Value = serde_json::from_str(&answers[0].from_card_list).unwrap();
        assert_eq!(moved.as_array().unwrap().len(), 2, "{}", db.name);
        let after = cards(&client, 6).await;
        assert_eq!(balance_of(&after, &visit_card(6)), total);
        assert_eq!(
            after.iter().map(|c| yuan(&c.balance)).sum::<Decimal>(),
            total,
            "{}: no money made or lost",
            db.name
        );
        assert_eq!(journal(&db.store, "T20250601000001").await, 1);

        let kept = result(&client, "T20250601000001").await;
        assert_eq!((kept.result, kept.call_sn.as_str()), (dict::TradeStatus::Success, answers[0].call_sn.as_str()));
        assert_eq!(result(&client, "T-NEVER-SENT").await.result, dict::TradeStatus::NotFound, "{}", db.name);
        // A refused transfer is a failed one, and a query says so rather than `notfound`.
        let nothing_left = client.op_yjj_account_transfer_in(&transfer(6, "T20250601000002")).await.unwrap();
        assert_eq!(nothing_left.code, "99", "{}", db.name);
        let failed = result(&client, "T20250601000002").await;
        assert_eq!(failed.result, dict::TradeStatus::Failed, "{}", db.name);
        assert!(failed.result_desc.contains("没有可转入的余额"), "{}", failed.result_desc);
        // The same traceNoIn for another transfer is refused, not answered with the first one's result.
        let reused = client.op_yjj_account_transfer_in(&transfer(9, "T20250601000001")).await.unwrap();
        assert_eq!((reused.code.as_str(), reused.response.is_none()), ("99", true));
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_amounts_move_exactly_and_an_overdraft_moves_nothing() {
    for db in databases::each("yizhangtong_amounts").await {
        let server = start(&db.store).await;
        let client = client(&server);
        // Patient 30: visit, social insurance, temporary and health card.
        let before = cards(&client, 30).await;
        let social = before.iter().find(|c| c.card_type == dict::CardType::SocialInsuranceCard).unwrap();
        let temporary = before.iter().find(|c| c.card_type == dict::CardType::TemporaryCard).unwrap();
        let request = op_yjj_account_transfer_in::Request {
            from_card_no: Some(format!("{},{}", social.card_no, temporary.card_no)),
            from_number: Some("1.50, 2".into()),
            ..transfer(30, "T30-1")
        };
        let reply = client.op_yjj_account_transfer_in(&request).await.unwrap();
        assert!(reply.success, "{}: {}", db.name, reply.message);
        let after = cards(&client, 30).await;
        assert_eq!(balance_of(&after, &social.card_no), yuan(&social.balance) - yuan("1.50"));
        assert_eq!(balance_of(&after, &temporary.card_no), yuan(&temporary.balance) - yuan("2"));
        assert_eq!(balance_of(&after, &visit_card(30)), balance_of(&before, &visit_card(30)) + yuan("3.50"));
        // The second card cannot give 100 000: the first card's 0.01 goes back too.
        let overdraft = op_yjj_account_transfer_in::Request {
            from_card_no: Some(format!("{},{}", social.card_no, temporary.card_no)),
            from_number: Some("0.01,100000".into()),
            ..transfer(30, "T30-2")
        };
        assert_eq!(client.op_yjj_account_transfer_in(&overdraft).await.unwrap().code, "99");
        assert_eq!(cards(&client, 30).await, after, "{}", db.name);
        // Another patient's card is no source; nor is a frozen one (patient 30's health card).
        let foreign =
            op_yjj_account_transfer_in::Request { from_card_no: Some(visit_card(31)), ..transfer(30, "T30-3") };
        assert_eq!(client.op_yjj_account_transfer_in(&foreign).await.unwrap().code, "99");
        let health = before.iter().find(|c| c.card_type == dict::CardType::HealthCard).unwrap();
        assert_eq!(health.status, dict::AccountStatus::Frozen);
        let frozen =
            op_yjj_account_transfer_in::Request { from_card_no: Some(health.card_no.clone()), ..transfer(30, "T30-4") };
        assert_eq!(client.op_yjj_account_transfer_in(&frozen).await.unwrap().code, "99");
        assert_eq!(cards(&client, 30).await, after, "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sharing_postgresql_transfer_once() {
    let Some(db) = databases::postgres("yizhangtong_instances").await else { return };
    let (first, second) = (start(&db.store).await, start(&db.reopen().await.unwrap()).await);
    let clients = [client(&first), client(&second)];
    let total: Decimal = cards(&clients[0], 12).await.iter().map(|c| yuan(&c.balance)).sum();
    let calls: Vec<_> = (0..10)
        .map(|k| {
            let client = clients[k % 2].clone();
            tokio::spawn(async move { client.op_yjj_account_transfer_in(&transfer(12, "T12-SHARED")).await.unwrap() })
        })
        .collect();
    let mut call_sns = Vec::new();
    for call in calls {
        let reply = call.await.unwrap();
        assert!(reply.success, "{}", reply.message);
        call_sns.push(reply.response.unwrap().call_sn);
    }
    call_sns.dedup();
    assert_eq!(call_sns.len(), 1);
    assert_eq!(journal(&db.store, "T12-SHARED").await, 1);
    assert_eq!(balance_of(&cards(&clients[1], 12).await, &visit_card(12)), total);
    db.finish().await;
}

/// Card-use pages by rows for patient `i`.
fn track(i: i64, rows: Option<(i64, i64)>) -> get_card_track::Request {
    get_card_track::Request {
        id_card_no: Some(patient(i).0),
        id_type: Some(dict::IdType::IdCard),
        start_time: None,
        end_time: None,
        start_row: rows.map(|r| r.0.to_string()),
        end_row: rows.map(|r| r.1.to_string()),
        use_type: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_uses_come_newest_first_a_page_of_rows_at_a_time() {
    for db in databases::each("yizhangtong_track").await {
        let server = start(&db.store).await;
        let client = client(&server);
        let all = client.get_card_track(&track(4, None)).await.unwrap().response.unwrap().out_curdata;
        let stored: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM yizhangtong_card_uses u JOIN yizhangtong_cards c ON c.card_no = u.card_no \
             WHERE c.his_cust_id = $1",
        )
        .bind(his_id(4))
        .fetch_one(db.store.pool())
        .await
        .unwrap();
        assert_eq!(all.len() as i64, stored, "{}", db.name);
        assert!(all.windows(2).all(|w| w[0].record_time > w[1].record_time), "{}: newest first", db.name);
        let mut paged = Vec::new();
        for first in (1..).step_by(7) {
            let page = client.get_card_track(&track(4, Some((first, first + 6)))).await.unwrap();
            let rows = page.response.unwrap().out_curdata;
            if rows.is_empty() {
                break;
            }
            assert!(rows.len() <= 7);
            paged.extend(rows);
        }
        assert_eq!(paged, all, "{}: pages add up to the whole, in order", db.name);
        let backwards = client.get_card_track(&track(4, Some((5, 4)))).await.unwrap();
        assert_eq!(backwards.code, "99");
        // Conditions narrow the rows: a use type, and the days from startTime to endTime.
        let settlements = get_card_track::Request { use_type: Some(dict::CardUseType::Settlement), ..track(4, None) };
        let settled = client.get_card_track(&settlements).await.unwrap().response.unwrap().out_curdata;
        assert!(!settled.is_empty() && settled.iter().all(|u| u.use_type == dict::CardUseType::Settlement));
        let june = get_card_track::Request {
            start_time: Some("20250601".into()),
            end_time: Some("20250630".into()),
            ..track(4, None)
        };
        let in_june = client.get_card_track(&june).await.unwrap().response.unwrap().out_curdata;
        assert_eq!(in_june, all.iter().filter(|u| u.record_time.starts_with("2025-06")).cloned().collect::<Vec<_>>());

        let reg_no = settled[0].reg_no.clone();
        let fees = client.get_fee_list(&get_fee_list::Request { reg_no }).await.unwrap().response.unwrap();
        assert_eq!(yuan(&fees.total_price), yuan(&fees.insurance_amount) + yuan(&fees.self_amount), "{}", db.name);
        assert!(yuan(&fees.insurance_plan_amount) <= yuan(&fees.insurance_amount));
        let unknown = get_fee_list::Request { reg_no: "MZ-NONE".into() };
        assert_eq!(client.get_fee_list(&unknown).await.unwrap().code, "99");
        db.finish().await;
    }
}
