//! The platform's calls to the hospital through its outbox, on SQLite and PostgreSQL. A StopRegister cancels the
//! half-day's unpaid orders and refunds its paid ones, calling the hospital back (NotifyRegister, Refund, then
//! NotifyRefund); with the hospital down the calls wait and are retried, and once it is back each arrives once, a
//! Refund before its NotifyRefund.

mod shaanxi_support;

use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_runtime::store::outbox::{self, Counts};
use hisgate_simulator::shaanxi::{Bookings, HOSPITAL_CHANNEL};
use hisgate_tests::databases;
use shaanxi_support::*;
use std::time::Duration;

/// An order a test booked: paid or not.
struct Booked {
    order_id: String,
    paid: bool,
}

/// Books two paid and two unpaid orders on `slot`, for four new patients.
async fn book_four(bookings: &Bookings, slot: &Slot, tag: &str, first_person: u32) -> Vec<Booked> {
    let mut orders = Vec::new();
    for i in 0..4 {
        let order = Booked { order_id: format!("{tag}-{i}"), paid: i % 2 == 0 };
        book(bookings, &order.order_id, slot, &person(first_person + i), order.paid).await;
        orders.push(order);
    }
    orders
}

async fn counts(platform: &Store) -> Counts {
    outbox::counts(platform, HOSPITAL_CHANNEL).await.unwrap()
}

/// One order's messages in the outbox, in the order written: (interface, state, delivered at).
async fn messages(platform: &Store, order_id: &str) -> Vec<(String, String, Option<i64>)> {
    sqlx::query_as("SELECT interface, state, delivered_at FROM outbox WHERE ordering_key = $1 ORDER BY seq")
        .bind(format!("shaanxi:{order_id}"))
        .fetch_all(platform.pool())
        .await
        .unwrap()
}

/// What both sides hold once every call of a stop of `orders` arrived, once each and in order: the unpaid orders
/// cancelled, the paid ones refunded in full by one Refund that its NotifyRefund then confirmed, every place back.
async fn assert_stopped(hospital: &Store, platform: &Store, orders: &[Booked], reason: &str, name: &str) {
    let paid = orders.iter().filter(|o| o.paid).count() as i64;
    let expected = Counts { pending: 0, delivered: 2 * paid + (orders.len() as i64 - paid), dead: 0 };
    assert_eq!(counts(platform).await, expected, "{name}: every call delivered, none twice, none dead");
    for order in orders {
        let id = order.order_id.as_str();
        let (status, paid_fen, refunded_fen): (String, i64, i64) =
            sqlx::query_as("SELECT status, paid_fen, refunded_fen FROM shaanxi_hospital_orders WHERE order_id = $1")
                .bind(id)
                .fetch_one(hospital.pool())
                .await
                .unwrap();
        let sent: Vec<_> = messages(platform, id).await;
        let interfaces: Vec<&str> = sent.iter().map(|(interface, _, _)| interface.as_str()).collect();
        let times: Vec<i64> = sent.iter().filter_map(|(_, _, at)| *at).collect();
        assert!(times.len() == sent.len() && times.is_sorted(), "{name}: {id}: delivered in order: {sent:?}");
        let platform_status = "SELECT status FROM shaanxi_platform_orders WHERE order_id = $1";
        let platform_status: String =
            sqlx::query_scalar(platform_status).bind(id).fetch_one(platform.pool()).await.unwrap();
        if !order.paid {
            assert_eq!(interfaces, ["NotifyRegister"], "{name}: {id}");
            assert_eq!((status.as_str(), platform_status.as_str()), ("cancelled", "cancelled"), "{name}: {id}");
            continue;
        }
        assert_eq!(interfaces, ["Refund", "NotifyRefund"], "{name}: {id}");
        assert_eq!((status.as_str(), platform_status.as_str()), ("refunded", "refunded"), "{name}: {id}");
        assert_eq!(refunded_fen, paid_fen, "{name}: {id}");
        // One refund at the hospital: booked by Refund (which records the reason; a NotifyRefund first would
        // have booked one without) and confirmed by NotifyRefund; the platform's refund names it.
        let (refund_id, hospital_refund_id, booked_for, confirmed): (String, String, Option<String>, Option<String>) =
            sqlx::query_as(
                "SELECT r.refund_id, r.hospital_refund_id, r.reason, r.confirmed_at FROM shaanxi_hospital_refunds r \
                 JOIN shaanxi_hospital_orders o ON o.hospital_order_id = r.hospital_order_id WHERE o.order_id = $1",
            )
            .bind(id)
            .fetch_one(hospital.pool())
            .await
            .unwrap();
        assert_eq!(booked_for.as_deref(), Some(reason), "{name}: {id}: the Refund came first");
        assert!(confirmed.is_some(), "{name}: {id}: the NotifyRefund arrived");
        let (at_platform, status, fen): (Option<String>, i64, i64) = sqlx::query_as(
            "SELECT hospital_refund_id, status, refund_fen FROM shaanxi_platform_refunds WHERE refund_id = $1",
        )
        .bind(&refund_id)
        .fetch_one(platform.pool())
        .await
        .unwrap();
        assert_eq!((at_platform.as_deref(), status, fen), (Some(hospital_refund_id.as_str()), 1, paid_fen), "{name}");
        let refunds = "SELECT COUNT(*) FROM shaanxi_platform_refunds WHERE order_id = $1";
        assert_eq!(scalar(platform, refunds, id).await, 1, "{name}: {id}: refunded once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_cancels_unpaid_orders_and_refunds_paid_ones_calling_the_hospital_back() {
    let dbs = databases::each("shaanxi_stop_h").await.into_iter().zip(databases::each("shaanxi_stop_p").await);
    for (hospital_db, platform_db) in dbs {
        let name = platform_db.name;
        let pair = Pair::start(&hospital_db.store, &platform_db.store).await;
        let hospital = hospital_client(&pair.hospital);
        let slot = quiet_slot(&hospital, &platform_db.store, "211", 5).await;
        let before = places_left(&hospital_db.store, &slot.schedule_id).await;
        let orders = book_four(&pair.bookings, &slot, "STOP", 500).await;
        // A fifth patient came and took the number: a stop leaves it to the window.
        let (hospital_order_id, _) = pair.book_and_pay("STOP-TAKEN", &slot, &person(510)).await;
        let take = notify_register_request(2, "STOP-TAKEN", &hospital_order_id);
        assert!(hospital.notify_register(&take).await.unwrap().success, "{name}");
        let take = hisgate_generated::shaanxi::interfaces::notify_register_by_his::Request {
            notify_type: 3,
            order_id: "STOP-TAKEN".into(),
            hospital_order_id,
            hospital_trade_id: None,
            notify_time: now(),
            reason: None,
            callback: 0,
            is_refund: 1,
            pay_fee: None,
            clinic_no: None,
            extend: None,
        };
        let platform = platform_client(&pair.platform);
        assert!(platform.notify_register_by_his(&take).await.unwrap().success, "{name}");

        let stop = stop_request(&slot, "医生临时停诊");
        let stopped = platform.stop_register(&stop).await.unwrap();
        assert!(stopped.success, "{name}: {}: {}", stopped.code, stopped.message);
        // Told again (the hospital missed the answer), the platform answers alike and calls nobody twice.
        assert!(platform.stop_register(&stop).await.unwrap().success, "{name}");
        let delivered = eventually(Duration::from_secs(10), || async {
            let counts = counts(&platform_db.store).await;
            counts.pending == 0 && counts.delivered == 6
        })
        .await;
        assert!(delivered, "{name}: {:?}", counts(&platform_db.store).await);
        assert_stopped(&hospital_db.store, &platform_db.store, &orders, "医生临时停诊", name).await;
        // Every place is back but the taken number's.
        assert_eq!(places_left(&hospital_db.store, &slot.schedule_id).await, before - 1, "{name}");
        let taken = "SELECT status FROM shaanxi_platform_orders WHERE order_id = $1";
        let taken: String =
            sqlx::query_scalar(taken).bind("STOP-TAKEN").fetch_one(platform_db.store.pool()).await.unwrap();
        assert_eq!(taken, "taken", "{name}");
        drop(pair);
        hospital_db.finish().await;
        platform_db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_to_a_hospital_that_is_down_arrive_once_each_and_in_order_when_it_is_back() {
    let dbs = databases::each("shaanxi_down_h").await.into_iter().zip(databases::each("shaanxi_down_p").await);
    for (hospital_db, platform_db) in dbs {
        let name = platform_db.name;
        // The hospital's address, held but not listening: connections to it are refused until it listens.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let address = socket.local_addr().unwrap();
        let peer = format!("http://{address}");
        let (platform, couriers) = start_with(&platform_db.store, Side::Platform, Some(&peer), quick_outbox()).await;

        // The patients booked while the hospital was up (on another address, gone before the stop).
        let (up, _) = start(&hospital_db.store, Side::Hospital, None).await;
        let hospital = hospital_client(&up);
        let slot = quiet_slot(&hospital, &platform_db.store, "220", 4).await;
        let before = places_left(&hospital_db.store, &slot.schedule_id).await;
        let bookings = Bookings::new(platform_db.store.clone(), hospital);
        let orders = book_four(&bookings, &slot, "DOWN", 600).await;
        drop(up);

        let stopped = platform_client(&platform).stop_register(&stop_request(&slot, "设备故障停诊")).await.unwrap();
        assert!(stopped.success, "{name}: {}: {}", stopped.code, stopped.message);
        // Every call fails a few times and waits to be retried.
        let attempts = "SELECT CAST(MIN(attempts) AS BIGINT) FROM outbox WHERE channel = $1 AND state = 'pending'";
        let retried = eventually(Duration::from_secs(10), || async {
            scalar(&platform_db.store, attempts, HOSPITAL_CHANNEL).await >= 3
        })
        .await;
        assert!(retried, "{name}: the calls were tried and failed");
        assert_eq!(counts(&platform_db.store).await, Counts { pending: 4, delivered: 0, dead: 0 }, "{name}");

        // The hospital comes back on its address, with the records it had.
        let credentials = hisgate_tests::loopback::credentials(&hisgate_generated::shaanxi::PLATFORM);
        let options = hisgate_simulator::Options::new(hospital_db.store.clone(), credentials);
        let back = hisgate_simulator::start("shaanxi", Side::Hospital, options).await.unwrap();
        let listener = socket.listen(64).unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, back.router).await.unwrap() });
        let delivered =
            eventually(Duration::from_secs(10), || async { counts(&platform_db.store).await.pending == 0 }).await;
        assert!(delivered, "{name}: {:?}", counts(&platform_db.store).await);
        assert_stopped(&hospital_db.store, &platform_db.store, &orders, "设备故障停诊", name).await;
        assert_eq!(places_left(&hospital_db.store, &slot.schedule_id).await, before, "{name}: every place is back");
        server.abort();
        couriers.iter().for_each(|courier| courier.abort());
        hospital_db.finish().await;
        platform_db.finish().await;
    }
}
