//! Races and repeats against the shaanxi simulators, on SQLite and PostgreSQL — on PostgreSQL split across two
//! instances sharing the database: the last place goes to one booking; a Pay, Refund, NotifyRefund or RefundByHis
//! delivered many times at once takes effect once and answers every delivery alike.

mod shaanxi_support;

use hisgate_generated::shaanxi::hospital::Client;
use hisgate_generated::shaanxi::interfaces::refund_by_his;
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_tests::databases::{self, TestDb};
use hisgate_tests::loopback::Loopback;
use rust_decimal::Decimal;
use shaanxi_support::*;

/// Runs the calls as tasks, so that they really overlap on the runtime's threads; their results in order.
async fn at_once<T: Send + 'static>(calls: impl Iterator<Item = impl Future<Output = T> + Send + 'static>) -> Vec<T> {
    let tasks: Vec<_> = calls.map(tokio::spawn).collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("the call's task"));
    }
    results
}

/// Hospital instances on `db`: one, and on PostgreSQL a second on its own pool, as another process would be.
async fn hospitals(db: &TestDb) -> (Vec<Loopback>, Vec<Store>) {
    let mut stores = vec![db.store.clone()];
    if db.name == "postgres" {
        stores.push(db.reopen().await.unwrap());
    }
    let mut servers = Vec::new();
    for store in &stores {
        servers.push(start(store, Side::Hospital, None).await.0);
    }
    (servers, stores)
}

/// The clients of `servers`, `n` in all, taking turns.
fn clients(servers: &[Loopback], n: usize) -> Vec<Client> {
    (0..n).map(|i| hospital_client(&servers[i % servers.len()])).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_place_goes_to_one_of_two_bookings() {
    for db in databases::each("shaanxi_last_place").await {
        let (servers, _stores) = hospitals(&db).await;
        let client = hospital_client(&servers[0]);
        let mut nearly_full = None;
        for department in OPEN_DEPARTMENTS {
            nearly_full = open_schedules(&client, department).await.into_iter().find(|s| s.remain == 1);
            if nearly_full.is_some() {
                break;
            }
        }
        let slot = nearly_full.expect("the seed leaves some half-days with one place");
        let calls = clients(&servers, 2).into_iter().enumerate().map(|(i, client)| {
            let request = register_request(&format!("LAST-{i}"), &slot, &person(100 + i as u32));
            async move { client.order_register(&request).await.unwrap() }
        });
        let mut codes: Vec<String> = at_once(calls).await.into_iter().map(|r| r.code).collect();
        codes.sort();
        assert_eq!(codes, ["S05010707", "SUCCESS"], "{}", db.name);
        let left = scalar(
            &db.store,
            "SELECT CAST(SUM(remain_count) AS BIGINT) FROM shaanxi_hospital_slices WHERE schedule_id = $1",
            &slot.schedule_id,
        )
        .await;
        assert_eq!(left, 0, "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_delivered_many_times_at_once_pays_once() {
    for db in databases::each("shaanxi_pay_once").await {
        let (servers, _stores) = hospitals(&db).await;
        let client = hospital_client(&servers[0]);
        let slot = open_schedules(&client, "130").await.remove(0);
        let booked = client.order_register(&register_request("ONCE-1", &slot, &person(200))).await.unwrap();
        assert!(booked.success, "{}: {}", db.name, booked.message);
        let pay = pay_request("ONCE-1", "PAY-ONCE-1", slot.total_fen());
        let calls = clients(&servers, 8).into_iter().map(|client| {
            let pay = pay.clone();
            async move { client.pay(&pay).await.unwrap() }
        });
        let replies = at_once(calls).await;
        assert!(
            replies.iter().all(|r| r.success),
            "{}: {:?}",
            db.name,
            replies.iter().map(|r| &r.code).collect::<Vec<_>>()
        );
        let trades: Vec<_> = replies.iter().map(|r| r.response.as_ref().unwrap().hospital_trade_id.clone()).collect();
        assert!(trades.windows(2).all(|w| w[0] == w[1]), "{}: {trades:?}", db.name);
        let paid = "SELECT paid_fen FROM shaanxi_hospital_orders WHERE order_id = $1";
        assert_eq!(scalar(&db.store, paid, "ONCE-1").await, slot.total_fen(), "{}", db.name);

        // Two different payments of one order at once: one pays it, the other is a duplicate payment.
        let slot = open_schedules(&client, "130").await.remove(0);
        client.order_register(&register_request("ONCE-2", &slot, &person(201))).await.unwrap();
        let calls = clients(&servers, 2).into_iter().enumerate().map(|(i, client)| {
            let pay = pay_request("ONCE-2", &format!("PAY-ONCE-2-{i}"), slot.total_fen());
            async move { client.pay(&pay).await.unwrap() }
        });
        let mut codes: Vec<String> = at_once(calls).await.into_iter().map(|r| r.code).collect();
        codes.sort();
        assert_eq!(codes, ["S02000107", "SUCCESS"], "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_or_its_notification_delivered_many_times_at_once_refunds_once() {
    for db in databases::each("shaanxi_refund_once").await {
        let (servers, _stores) = hospitals(&db).await;
        let client = hospital_client(&servers[0]);
        let slot = open_schedules(&client, "211").await.remove(0);
        let fee = slot.total_fen();
        client.order_register(&register_request("ONCE-3", &slot, &person(300))).await.unwrap();
        let paid = client.pay(&pay_request("ONCE-3", "PAY-ONCE-3", fee)).await.unwrap().response.unwrap();

        let refund = refund_request("ONCE-3", &paid.hospital_trade_id, "RF-ONCE-1", fee, 300);
        let calls = clients(&servers, 8).into_iter().map(|client| {
            let refund = refund.clone();
            async move { client.refund(&refund).await.unwrap() }
        });
        let replies: Vec<_> = at_once(calls).await.into_iter().map(|r| r.response).collect();
        assert!(replies.iter().all(|r| r.is_some() && *r == replies[0]), "{}: {replies:?}", db.name);

        // The platform's own refund of another 200 fen, notified eight times at once.
        let notify = notify_refund_request("ONCE-3", "HR-PLATFORM-1", "RF-ONCE-2", fee, 200);
        let calls = clients(&servers, 8).into_iter().map(|client| {
            let notify = notify.clone();
            async move { client.notify_refund(&notify).await.unwrap() }
        });
        assert!(at_once(calls).await.iter().all(|r| r.success), "{}", db.name);

        let refunded = "SELECT refunded_fen FROM shaanxi_hospital_orders WHERE order_id = $1";
        assert_eq!(scalar(&db.store, refunded, "ONCE-3").await, 500, "{}", db.name);
        let refunds = "SELECT COUNT(*) FROM shaanxi_hospital_refunds r JOIN shaanxi_hospital_orders o \
                       ON o.hospital_order_id = r.hospital_order_id WHERE o.order_id = $1";
        assert_eq!(scalar(&db.store, refunds, "ONCE-3").await, 2, "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_by_the_hospital_delivered_many_times_at_once_refunds_once() {
    let pairs = databases::each("shaanxi_by_his_h").await.into_iter().zip(databases::each("shaanxi_by_his_p").await);
    for (hospital_db, platform_db) in pairs {
        let name = platform_db.name;
        let pair = Pair::start(&hospital_db.store, &platform_db.store).await;
        let hospital = hospital_client(&pair.hospital);
        let slot = open_schedules(&hospital, "500").await.remove(0);
        let (hospital_order_id, fee) = pair.book_and_pay("BYHIS-1", &slot, &person(400)).await;

        // The hospital's window refunds part of it in cash and reports it, again and again, to two instances.
        let second = match name {
            "postgres" => Some(start(&platform_db.reopen().await.unwrap(), Side::Platform, None).await.0),
            _ => None,
        };
        let platforms: Vec<String> =
            [Some(&pair.platform), second.as_ref()].into_iter().flatten().map(|s| s.url.clone()).collect();
        let request = refund_by_his::Request {
            business_type: 1,
            refund_flag: 1,
            callback: 1,
            order_id: "BYHIS-1".into(),
            hospital_order_id: hospital_order_id.clone(),
            hospital_refund_id: "HR-WINDOW-1".into(),
            refund_time: now(),
            total_fee: Decimal::from(fee),
            refund_fee: Decimal::from(fee / 2),
            reason: "患者取消就诊".into(),
        };
        let calls = (0..8).map(|i| {
            let client = platform_client_at(&platforms[i % platforms.len()]);
            let request = request.clone();
            async move { client.refund_by_his(&request).await.unwrap() }
        });
        let replies: Vec<_> = at_once(calls).await;
        let ids: Vec<_> = replies.iter().map(|r| r.response.as_ref().map(|r| r.refund_id.clone())).collect();
        assert!(ids[0].is_some() && ids.iter().all(|id| *id == ids[0]), "{name}: {ids:?}");

        let refunded = "SELECT refunded_fen FROM shaanxi_platform_orders WHERE order_id = $1";
        assert_eq!(scalar(&platform_db.store, refunded, "BYHIS-1").await, fee / 2, "{name}");
        // One NotifyRefund, delivered to the hospital, which books the refund once.
        let mut delivered = false;
        for _ in 0..100 {
            let counts = hisgate_runtime::store::outbox::counts(&platform_db.store, "shaanxi.hospital").await.unwrap();
            if counts.delivered == 1 {
                delivered = counts.pending == 0 && counts.dead == 0;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(delivered, "{name}: the NotifyRefund is delivered once");
        let at_hospital = "SELECT refunded_fen FROM shaanxi_hospital_orders WHERE order_id = $1";
        assert_eq!(scalar(&hospital_db.store, at_hospital, "BYHIS-1").await, fee / 2, "{name}");
        drop(pair);
        hospital_db.finish().await;
        platform_db.finish().await;
    }
}
