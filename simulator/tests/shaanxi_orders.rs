//! The shaanxi hospital's register orders through their whole life, over HTTP on SQLite and PostgreSQL: a booking
//! takes a place and a cancellation gives it back; a payment is refunded in parts, never beyond what was paid; the
//! queries report what happened.

mod shaanxi_support;

use hisgate_generated::shaanxi::dict::Sex;
use hisgate_generated::shaanxi::hospital::Client;
use hisgate_generated::shaanxi::interfaces::{get_statement, query_register};
use hisgate_runtime::schema::Side;
use hisgate_tests::databases;
use rust_decimal::Decimal;
use shaanxi_support::*;

/// The places left on a half-day, as GetScheduleInfo reports them.
async fn remaining(client: &Client, slot: &Slot) -> i32 {
    let schedules = open_schedules(client, &slot.department_id).await;
    schedules.iter().find(|s| s.schedule_id == slot.schedule_id).map_or(0, |s| s.remain)
}

async fn query(client: &Client, order_id: &str) -> query_register::ResponseOrder {
    let request = query_register::Request {
        order_id: Some(order_id.into()),
        hospital_order_id: None,
        hospital_trade_id: None,
        hospital_refund_id: None,
        user: Vec::new(),
        start_date: date(today()),
        end_date: date(today()),
        query_type: 0,
        current_page: 1,
        page_size: 10,
    };
    let reply = client.query_register(&request).await.unwrap();
    assert!(reply.success, "{}: {}", reply.code, reply.message);
    reply.response.unwrap().order.remove(0)
}

/// What a QueryRegister's order says of its patient, as the person booked: name, certificate, sex, birthday, mobile.
fn holder(order: &query_register::ResponseOrder) -> (&str, Option<&str>, Sex, &str, Option<&str>) {
    let name = order.patient_name.as_str();
    (name, order.certifcate_no.as_deref(), order.patient_sex, &order.patient_birthday, order.patient_mobile.as_deref())
}

fn booked_as(person: &Person) -> (&str, Option<&str>, Sex, &str, Option<&str>) {
    (&person.name, Some(&person.cert_no), person.sex, &person.birthday, Some(&person.mobile))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_booked_paid_taken_or_cancelled() {
    for db in databases::each("shaanxi_life").await {
        let (server, _) = start(&db.store, Side::Hospital, None).await;
        let client = hospital_client(&server);
        let slot = open_schedules(&client, "110").await.into_iter().find(|s| s.remain >= 2).unwrap();
        let before = remaining(&client, &slot).await;
        let patient = person(1);

        // Booked: a place is taken; the platform's repeat gets the same order.
        let booking = register_request("LIFE-1", &slot, &patient);
        let booked = client.order_register(&booking).await.unwrap();
        assert!(booked.success, "{}: {}: {}", db.name, booked.code, booked.message);
        let booked = booked.response.unwrap();
        assert_eq!(client.order_register(&booking).await.unwrap().response.unwrap(), booked, "{}", db.name);
        assert_eq!(remaining(&client, &slot).await, before - 1, "{}", db.name);
        let taken_again = register_request("LIFE-1", &slot, &person(2));
        assert_eq!(client.order_register(&taken_again).await.unwrap().code, "S05010706", "{}", db.name);
        let twice = register_request("LIFE-1b", &slot, &patient);
        assert_eq!(client.order_register(&twice).await.unwrap().code, "S05010701", "{}", db.name);

        // Paid, then taken.
        let fee = slot.total_fen();
        let wrong = client.pay(&pay_request("LIFE-1", "PAY-LIFE-0", fee - 1)).await.unwrap();
        assert_eq!(wrong.code, "S02000105", "{}", db.name);
        let paid = client.pay(&pay_request("LIFE-1", "PAY-LIFE-1", fee)).await.unwrap();
        assert!(paid.success, "{}: {}", db.name, paid.message);
        let again = client.pay(&pay_request("LIFE-1", "PAY-LIFE-2", fee)).await.unwrap();
        assert_eq!(again.code, "S02000107", "{}: a second payment of a paid order", db.name);
        let take = notify_register_request(2, "LIFE-1", &booked.hospital_order_id);
        assert!(client.notify_register(&take).await.unwrap().success, "{}", db.name);
        assert!(client.notify_register(&take).await.unwrap().success, "{}: taking twice", db.name);
        let cancel = notify_register_request(1, "LIFE-1", &booked.hospital_order_id);
        assert_eq!(client.notify_register(&cancel).await.unwrap().code, "S05010804", "{}", db.name);
        let order = query(&client, "LIFE-1").await;
        assert_eq!((order.is_pay, order.is_take, order.is_cancel), (1, 1, 0), "{}", db.name);
        assert_eq!(holder(&order), booked_as(&patient), "{}: found by number, the order's own patient", db.name);
        assert_eq!(order.real_fee, Decimal::from(fee), "{}", db.name);

        // Cancelled: the place comes back, and cancelling again is a success (section 2.1.4.1.6).
        let other = client.order_register(&register_request("LIFE-2", &slot, &person(3))).await.unwrap();
        let hospital_order_id = other.response.unwrap().hospital_order_id;
        assert_eq!(remaining(&client, &slot).await, before - 2, "{}", db.name);
        let cancel = notify_register_request(1, "LIFE-2", &hospital_order_id);
        assert!(client.notify_register(&cancel).await.unwrap().success, "{}", db.name);
        assert!(client.notify_register(&cancel).await.unwrap().success, "{}", db.name);
        assert_eq!(remaining(&client, &slot).await, before - 1, "{}", db.name);
        let late = client.pay(&pay_request("LIFE-2", "PAY-LIFE-3", fee)).await.unwrap();
        assert_eq!(late.code, "S02000103", "{}", db.name);
        let take = notify_register_request(2, "LIFE-2", &hospital_order_id);
        assert_eq!(client.notify_register(&take).await.unwrap().code, "S05010803", "{}", db.name);
        let unknown = notify_register_request(1, "LIFE-X", &hospital_order_id);
        assert_eq!(client.notify_register(&unknown).await.unwrap().code, "S05010801", "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_is_refunded_in_parts_never_beyond_it() {
    for db in databases::each("shaanxi_refunds").await {
        let (server, _) = start(&db.store, Side::Hospital, None).await;
        let client = hospital_client(&server);
        let slot = open_schedules(&client, "120").await.remove(0);
        let before = remaining(&client, &slot).await;
        let fee = slot.total_fen();
        let booked = client.order_register(&register_request("REF-1", &slot, &person(4))).await.unwrap();
        let hospital_order_id = booked.response.unwrap().hospital_order_id;
        let unpaid = client.refund(&refund_request("REF-1", "HT-NONE", "RF-0", fee, 100)).await.unwrap();
        assert_eq!(unpaid.code, "S02000302", "{}: nothing paid, nothing to refund", db.name);
        let paid = client.pay(&pay_request("REF-1", "PAY-REF-1", fee)).await.unwrap().response.unwrap();
        let trade = paid.hospital_trade_id;

        // A part, repeated: one effect, the same answer.
        let part = refund_request("REF-1", &trade, "RF-1", fee, 500);
        let first = client.refund(&part).await.unwrap();
        assert!(first.success, "{}: {}", db.name, first.message);
        assert_eq!(first.response.as_ref().unwrap().refund_flag, 1);
        assert_eq!(client.refund(&part).await.unwrap().response, first.response, "{}", db.name);
        // More than is left, then a wrong total, then the rest.
        let over = client.refund(&refund_request("REF-1", &trade, "RF-2", fee, fee - 499)).await.unwrap();
        assert_eq!(over.code, "S02000305", "{}: {}", db.name, over.message);
        let total = client.refund(&refund_request("REF-1", &trade, "RF-3", fee + 1, 1)).await.unwrap();
        assert_eq!(total.code, "S02000302", "{}", db.name);
        let rest = client.refund(&refund_request("REF-1", &trade, "RF-4", fee, fee - 500)).await.unwrap();
        assert!(rest.success, "{}: {}", db.name, rest.message);
        // Refunded in full: the order is over, its place free again, and a further refund is refused.
        let more = client.refund(&refund_request("REF-1", &trade, "RF-5", fee, 1)).await.unwrap();
        assert_eq!(more.code, "S02000304", "{}", db.name);
        assert_eq!(remaining(&client, &slot).await, before, "{}", db.name);
        let order = query(&client, "REF-1").await;
        assert_eq!((order.is_refund, order.refundl_fee), (1, Decimal::from(fee)), "{}", db.name);
        assert_eq!(order.hospital_order_id, hospital_order_id);

        // The platform's NotifyRefund confirms each refund; a wrong amount is refused, a repeat is a success.
        let first_id = first.response.unwrap().hospital_refund_id;
        let notify = notify_refund_request("REF-1", &first_id, "RF-1", fee, 500);
        assert!(client.notify_refund(&notify).await.unwrap().success, "{}", db.name);
        assert!(client.notify_refund(&notify).await.unwrap().success, "{}", db.name);
        let wrong = notify_refund_request("REF-1", &first_id, "RF-1x", fee, 400);
        assert_eq!(client.notify_refund(&wrong).await.unwrap().code, "S02000402", "{}", db.name);

        // The statement has the payment and both refunds.
        let day = date(today());
        let request = get_statement::Request { start_date: day.clone(), end_date: day };
        let statement = client.get_statement(&request).await.unwrap().response.unwrap();
        let ours: Vec<_> = statement.transaction.iter().filter(|t| t.order_id == "REF-1").collect();
        let kinds: Vec<i32> = ours.iter().map(|t| t.transaction_type).collect();
        assert_eq!(kinds, [1, 2, 2], "{}", db.name);
        let refunded: Decimal = ours.iter().filter_map(|t| t.refund_fee).sum();
        assert_eq!(refunded, Decimal::from(fee), "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_of_the_half_day_or_of_the_orders_own_slice_stops_the_order() {
    for db in databases::each("shaanxi_stops").await {
        let (server, _) = start(&db.store, Side::Hospital, None).await;
        let client = hospital_client(&server);
        let mut slots = open_schedules(&client, "110").await;
        slots.dedup_by(|a, b| a.schedule_id == b.schedule_id);
        assert!(slots.len() >= 3, "{}: three open half-days are needed", db.name);
        let patient = person(7);
        for (n, slot) in slots.iter().take(3).enumerate() {
            let booked = client.order_register(&register_request(&format!("STOP-{n}"), slot, &patient)).await.unwrap();
            assert!(booked.success, "{}: {}: {}", db.name, booked.code, booked.message);
        }
        // Stopped after booking (the hospital's own records): STOP-0's half-day at another slice than its own,
        // STOP-1's whole half-day (slice -1), STOP-2's own slice.
        let slice_of = "SELECT slice_no FROM shaanxi_hospital_orders WHERE order_id = $1";
        let own = [scalar(&db.store, slice_of, "STOP-0").await, scalar(&db.store, slice_of, "STOP-2").await];
        let stops = [(0, own[0] + 1), (1, -1), (2, own[1])];
        for (n, slice_no) in stops {
            sqlx::query(
                "INSERT INTO shaanxi_hospital_stops (schedule_id, slice_no, reason, stopped_at) \
                 VALUES ($1, $2, '医生停诊', $3)",
            )
            .bind(&slots[n].schedule_id)
            .bind(slice_no)
            .bind(now())
            .execute(db.store.pool())
            .await
            .unwrap();
        }
        let listed = |query_type| {
            let request = hisgate_tests::load::orders_of(&patient.cert_no, query_type, 14);
            let (client, patient) = (&client, &patient);
            async move {
                let reply = client.query_register(&request).await.unwrap();
                assert!(reply.success, "{}: {}", reply.code, reply.message);
                let orders = reply.response.unwrap().order;
                for order in &orders {
                    assert_eq!(holder(order), booked_as(patient), "found by the patient's certificate");
                }
                let mut orders: Vec<_> = orders.into_iter().map(|o| (o.order_id, o.is_stop)).collect();
                orders.sort();
                orders
            }
        };
        let all = [("STOP-0".to_owned(), 0), ("STOP-1".to_owned(), 1), ("STOP-2".to_owned(), 1)];
        assert_eq!(listed(0).await, all, "{}: isStop", db.name);
        assert_eq!(listed(4).await, all[1..], "{}: queryType 4 lists the stopped orders", db.name);
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_hospital_answers_its_catalogue_and_patients() {
    use hisgate_generated::shaanxi::dict::UserRule;
    use hisgate_generated::shaanxi::interfaces::{
        check_card, get_department_info, get_doctor_info, get_patient_info, query_stop_register, test_net,
    };
    use hisgate_runtime::Dictionary;
    for db in databases::each("shaanxi_catalogue").await {
        let (server, _) = start(&db.store, Side::Hospital, None).await;
        let client = hospital_client(&server);
        let reply = client.test_net(&test_net::Request { ip: "127.0.0.1".into() }).await.unwrap();
        assert!(reply.success, "{}", db.name);

        let all = get_department_info::Request { department_id: Some("-1".into()), current_page: 1, page_size: 100 };
        let departments = client.get_department_info(&all).await.unwrap().response.unwrap();
        let levels: Vec<i32> = departments.department.iter().map(|d| d.level).collect();
        assert!(levels.contains(&3) && departments.count as usize == levels.len(), "{}: {levels:?}", db.name);
        let doctors = get_doctor_info::Request { department_id: None, doctor_id: None, current_page: 1, page_size: 5 };
        let doctors = client.get_doctor_info(&doctors).await.unwrap().response.unwrap();
        assert_eq!((doctors.count, doctors.doctor.len()), (12, 5), "{}: paged", db.name);

        // A sample patient, found by certificate; the mobile number must agree.
        let patient = &hisgate_simulator::shaanxi::sample_patients()[0];
        let rule =
            |id, value: &str| get_patient_info::RequestUser { id, r#type: Some("1".into()), value: value.into() };
        let by_certificate = get_patient_info::Request { user: vec![rule(UserRule::Certificate, &patient.cert_no)] };
        let info = client.get_patient_info(&by_certificate).await.unwrap().response.unwrap();
        assert_eq!((info.name.as_str(), info.patient.len()), (patient.name, 1), "{}", db.name);
        let mismatch = get_patient_info::Request {
            user: vec![rule(UserRule::Certificate, &patient.cert_no), rule(UserRule::Mobile, "13999999999")],
        };
        assert_eq!(client.get_patient_info(&mismatch).await.unwrap().code, "S03000202", "{}", db.name);

        // CheckCard by the file's 门诊号: the file's own status and date, never used.
        let check = check_card::Request {
            patient_type: patient.patient_type,
            certifcate_type: Dictionary::from_code("1").unwrap(),
            certifcate_no: patient.cert_no.clone(),
            card_type: None,
            card_no: None,
            medical_no: Some(info.patient[0].medical_no.clone()),
            name: patient.name.into(),
            sex: Dictionary::from_code(patient.sex).unwrap(),
            birthday: patient.birthday.into(),
        };
        let checked = client.check_card(&check).await.unwrap().response.unwrap();
        assert_eq!((checked.card_status, checked.last_time), (0, None), "{}", db.name);
        assert_eq!(checked.medical_no.as_deref(), Some(info.patient[0].medical_no.as_str()), "{}", db.name);
        let stranger = check_card::Request { name: "某某".into(), ..check };
        assert_eq!(client.check_card(&stranger).await.unwrap().code, "S03000301", "{}", db.name);

        // The seeded stops: a whole half-day of 关节外科 and an hour of 心血管内科.
        for department in ["212", "110"] {
            let request = query_stop_register::Request {
                department_id: department.into(),
                doctor_id: None,
                start_date: date(today()),
                end_date: date(today() + chrono::Duration::days(6)),
                current_page: 1,
                page_size: 9999,
            };
            let stops = client.query_stop_register(&request).await.unwrap();
            assert!(stops.success, "{}: {department}: {}", db.name, stops.message);
        }
        db.finish().await;
    }
}
