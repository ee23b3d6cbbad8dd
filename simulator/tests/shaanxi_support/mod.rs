//! What the shaanxi simulator tests share: the two sides on loopback, clients of them, the way a platform finds an
//! open schedule (GetScheduleInfo, GetScheduleTimeInfo), and requests as the platform writes them.

#![allow(dead_code)] // Each test file uses its own part.

use chrono::{Duration, NaiveDate};
use hisgate_generated::shaanxi::dict::{Channel, Noon, PayMode, PayType, Sex, UserRule};
use hisgate_generated::shaanxi::interfaces::{
    get_schedule_info, get_schedule_time_info, notify_refund, notify_register, order_register, pay, refund,
    stop_register,
};
use hisgate_generated::shaanxi::{self, PLATFORM};
use hisgate_runtime::Dictionary;
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_runtime::store::outbox::RetryPolicy;
use hisgate_simulator::Options;
use hisgate_tests::loopback::{Loopback, client_config, credentials};
use rust_decimal::Decimal;

/// Starts one side on `store`, calling `peer` back.
pub async fn start(store: &Store, side: Side, peer: Option<&str>) -> (Loopback, Vec<tokio::task::JoinHandle<()>>) {
    start_with(store, side, peer, RetryPolicy::default()).await
}

/// Starts one side on `store`, calling `peer` back through an outbox that retries as `outbox` says.
pub async fn start_with(
    store: &Store,
    side: Side,
    peer: Option<&str>,
    outbox: RetryPolicy,
) -> (Loopback, Vec<tokio::task::JoinHandle<()>>) {
    let credentials = credentials(&PLATFORM);
    let options = Options { peer: peer.map(str::to_owned), outbox, ..Options::new(store.clone(), credentials) };
    let simulator = hisgate_simulator::start("shaanxi", side, options).await.expect("the simulator starts");
    let background = simulator.background.into_iter().map(tokio::spawn).collect();
    (Loopback::start(simulator.router).await, background)
}

/// An outbox that retries within a test's patience: a tenth of a second apart at first, never giving up.
pub fn quick_outbox() -> RetryPolicy {
    let ms = std::time::Duration::from_millis;
    RetryPolicy { max_attempts: 1000, first_delay: ms(100), max_delay: ms(400), lease: ms(5000), poll: ms(50) }
}

/// Polls `check` until it holds or `within` has passed; whether it held.
pub async fn eventually<F: Future<Output = bool>>(within: std::time::Duration, mut check: impl FnMut() -> F) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub fn hospital_client(server: &Loopback) -> shaanxi::hospital::Client {
    hospital_client_at(&server.url)
}

pub fn hospital_client_at(url: &str) -> shaanxi::hospital::Client {
    shaanxi::hospital::Client::new(url, client_config(&PLATFORM, "xml")).unwrap()
}

pub fn platform_client(server: &Loopback) -> shaanxi::platform::Client {
    platform_client_at(&server.url)
}

pub fn platform_client_at(url: &str) -> shaanxi::platform::Client {
    shaanxi::platform::Client::new(url, client_config(&PLATFORM, "json")).unwrap()
}

pub fn today() -> NaiveDate {
    hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time()).date()
}

pub fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

pub fn now() -> String {
    hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time()).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A bookable place, as the platform learns it from the hospital.
#[derive(Debug, Clone)]
pub struct Slot {
    pub department_id: String,
    pub doctor_id: String,
    pub schedule_id: String,
    pub time_id: Option<String>,
    pub register_date: String,
    pub noon: Noon,
    pub start: Option<String>,
    pub end: Option<String>,
    pub fees: [Decimal; 4],
    /// Places left in the half-day.
    pub remain: i32,
}

impl Slot {
    pub fn total_fen(&self) -> i64 {
        self.fees.iter().map(|f| i64::try_from(*f).unwrap()).sum()
    }
}

/// Departments without rules on sex or age.
pub const OPEN_DEPARTMENTS: [&str; 7] = ["110", "120", "130", "211", "212", "220", "500"];

/// The open half-days of `department` in the booking window with places left, first day first.
pub async fn open_schedules(client: &shaanxi::hospital::Client, department: &str) -> Vec<Slot> {
    let request = get_schedule_info::Request {
        department_id: department.into(),
        doctor_id: None,
        start_date: date(today()),
        end_date: date(today() + Duration::days(5)),
        current_page: 1,
        page_size: 50,
    };
    let reply = client.get_schedule_info(&request).await.unwrap();
    assert!(reply.success, "{}: {}", reply.code, reply.message);
    let mut slots = Vec::new();
    for doctor in reply.response.unwrap().schedule {
        for day in doctor.date {
            for noon in day.noon.into_iter().filter(|n| n.status == 1 && n.remain_count > 0) {
                slots.push(Slot {
                    department_id: department.into(),
                    doctor_id: doctor.doctor_id.clone(),
                    schedule_id: noon.id,
                    time_id: None,
                    register_date: day.register_date.clone(),
                    noon: noon.noon,
                    start: None,
                    end: None,
                    fees: [noon.register_fee, noon.treat_fee, noon.service_fee, noon.other_fee],
                    remain: noon.remain_count,
                });
            }
        }
    }
    slots.sort_by(|a, b| (&a.register_date, a.noon.code()).cmp(&(&b.register_date, b.noon.code())));
    slots
}

/// The time slices of a half-day with places left (empty for one without slices).
pub async fn open_slices(client: &shaanxi::hospital::Client, slot: &Slot) -> Vec<(Slot, i32)> {
    let request = get_schedule_time_info::Request {
        department_id: slot.department_id.clone(),
        doctor_id: slot.doctor_id.clone(),
        register_date: slot.register_date.clone(),
        noon: slot.noon.code().parse().unwrap(),
        schedule_id: Some(slot.schedule_id.clone()),
    };
    let reply = client.get_schedule_time_info(&request).await.unwrap();
    let Some(response) = reply.response else { return Vec::new() };
    response
        .time
        .into_iter()
        .filter(|t| t.status == 1 && t.remain_count > 0)
        .map(|t| {
            let slice = Slot { time_id: Some(t.id), start: Some(t.start_time), end: Some(t.end_time), ..slot.clone() };
            (slice, t.remain_count)
        })
        .collect()
}

/// A half-day of `department` with `places` places left and no order in the platform's ledger (the seed puts
/// samples on some): a stop of it touches only the orders a test books.
pub async fn quiet_slot(client: &shaanxi::hospital::Client, platform: &Store, department: &str, places: i32) -> Slot {
    let on_it = "SELECT COUNT(*) FROM shaanxi_platform_orders WHERE schedule_id = $1";
    for slot in open_schedules(client, department).await.into_iter().filter(|s| s.remain >= places) {
        if scalar(platform, on_it, &slot.schedule_id).await == 0 {
            return slot;
        }
    }
    panic!("no half-day of {department} with {places} places and no platform orders");
}

/// The places left on a schedule at the hospital, over all its slices.
pub async fn places_left(hospital: &Store, schedule_id: &str) -> i64 {
    let sql = "SELECT CAST(SUM(remain_count) AS BIGINT) FROM shaanxi_hospital_slices WHERE schedule_id = $1";
    scalar(hospital, sql, schedule_id).await
}

/// The hospital stops the whole half-day of `slot` and asks the platform to refund and to call it back.
pub fn stop_request(slot: &Slot, reason: &str) -> stop_register::Request {
    stop_register::Request {
        department_id: slot.department_id.clone(),
        doctor_id: slot.doctor_id.clone(),
        date: slot.register_date.clone(),
        noon: slot.noon,
        start_time: None,
        end_time: None,
        reason: reason.into(),
        callback: 1,
        is_refund: 0,
    }
}

/// Books `slot` for `person` through the platform's front desk and, if `pay`, pays it: the hospital order id.
pub async fn book(
    bookings: &hisgate_simulator::shaanxi::Bookings,
    order_id: &str,
    slot: &Slot,
    person: &Person,
    pay: bool,
) -> String {
    let booked = bookings.register(&register_request(order_id, slot, person)).await.unwrap();
    assert!(booked.success, "{order_id}: {}: {}", booked.code, booked.message);
    if pay {
        let paid = bookings.pay(&pay_request(order_id, &format!("PAY-{order_id}"), slot.total_fen())).await.unwrap();
        assert!(paid.success, "{order_id}: {}: {}", paid.code, paid.message);
    }
    booked.response.unwrap().hospital_order_id
}

/// A person the hospital does not know yet, with a well-formed resident ID number.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub sex: Sex,
    pub birthday: String,
    pub cert_no: String,
    pub mobile: String,
}

pub fn person(i: u32) -> Person {
    let birthday = format!("{}-{:02}-{:02}", 1950 + i % 50, 1 + i % 12, 1 + i % 28);
    let body = format!("610113{}{:03}", birthday.replace('-', ""), (i * 2 + 1) % 1000);
    Person {
        name: format!("测试{}号", i),
        sex: Sex::Male,
        birthday,
        cert_no: format!("{body}{}", check_character(&body)),
        mobile: format!("1390000{:04}", i % 10_000),
    }
}

/// GB 11643's check character.
fn check_character(body: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

impl From<&hisgate_simulator::shaanxi::SamplePatient> for Person {
    fn from(p: &hisgate_simulator::shaanxi::SamplePatient) -> Person {
        Person {
            name: p.name.into(),
            sex: Sex::from_code(p.sex).unwrap(),
            birthday: p.birthday.into(),
            cert_no: p.cert_no.clone(),
            mobile: p.mobile.into(),
        }
    }
}

pub fn register_request(order_id: &str, slot: &Slot, person: &Person) -> order_register::Request {
    order_register::Request {
        order_id: order_id.into(),
        hospital_lock_id: None,
        channel_id: Channel::WechatOfficialAccount,
        schedule_id: slot.schedule_id.clone(),
        time_id: slot.time_id.clone(),
        department_id: slot.department_id.clone(),
        doctor_id: slot.doctor_id.clone(),
        register_date: slot.register_date.clone(),
        noon: slot.noon,
        start_time: slot.start.clone(),
        end_time: slot.end.clone(),
        register_fee: slot.fees[0],
        treat_fee: slot.fees[1],
        service_fee: slot.fees[2],
        other_fee: slot.fees[3],
        clinic_no: None,
        register_type: 3,
        patient_name: person.name.clone(),
        patient_mobile: person.mobile.clone(),
        patient_birthday: person.birthday.clone(),
        patient_sex: person.sex,
        patient_flag: 0,
        agent_id: None,
        order_time: now(),
        group: vec![order_register::RequestGroup {
            flag: 0,
            rule: vec![order_register::RequestGroupRule {
                id: UserRule::Certificate,
                r#type: Some("1".into()),
                value: person.cert_no.clone(),
            }],
        }],
    }
}

/// Pay of `total_fen`, all of it by the patient.
pub fn pay_request(order_id: &str, trade_id: &str, total_fen: i64) -> pay::Request {
    let total = Decimal::from(total_fen);
    pay::Request {
        business_type: 1,
        order_id: order_id.into(),
        hospital_order_id: None,
        trade_id: trade_id.into(),
        receipt_id: None,
        out_trade_id: format!("4200{trade_id}"),
        pay_time: now(),
        pay_mode: PayMode::BankCard,
        pay_channel: Channel::WechatOfficialAccount,
        pay_type: PayType::WechatJsapi,
        is_concessions: 0,
        total_fee: total,
        payable_fee: total,
        activity_fee: Decimal::ZERO,
        medicare_fee: Decimal::ZERO,
        real_fee: total,
        merchant_id: Some("1900000109".into()),
        bank_no: None,
        operator_id: None,
        teaminal_no: None,
        user: Vec::new(),
        business: Vec::new(),
    }
}

pub fn refund_request(
    order_id: &str,
    hospital_trade_id: &str,
    refund_id: &str,
    paid_fen: i64,
    refund_fen: i64,
) -> refund::Request {
    refund::Request {
        business_type: 1,
        order_id: order_id.into(),
        hospital_order_id: None,
        trade_id: format!("PAY-{order_id}"),
        hospital_trade_id: hospital_trade_id.into(),
        refund_id: refund_id.into(),
        refund_channel: Channel::WechatOfficialAccount,
        refund_type: PayType::WechatJsapi,
        total_fee: Decimal::from(paid_fen),
        refund_fee: Decimal::from(refund_fen),
        refund_time: now(),
        reason: "患者申请退款".into(),
        user: vec![refund::RequestUser { id: UserRule::Name, r#type: None, value: "患者".into() }],
    }
}

pub fn notify_register_request(notify_type: i32, order_id: &str, hospital_order_id: &str) -> notify_register::Request {
    notify_register::Request {
        notify_type,
        order_id: order_id.into(),
        hospital_order_id: hospital_order_id.into(),
        hospital_trade_id: None,
        notify_time: now(),
        reason: (notify_type == 1).then(|| "患者主动取消".into()),
        user: Vec::new(),
    }
}

pub fn notify_refund_request(
    order_id: &str,
    hospital_refund_id: &str,
    refund_id: &str,
    paid_fen: i64,
    refund_fen: i64,
) -> notify_refund::Request {
    notify_refund::Request {
        business_type: 1,
        order_id: order_id.into(),
        trade_id: None,
        hospital_refund_id: hospital_refund_id.into(),
        refund_id: refund_id.into(),
        out_refund_id: Some(format!("TK{refund_id}")),
        total_fee: Decimal::from(paid_fen),
        refund_fee: Decimal::from(refund_fen),
        refund_time: now(),
    }
}

/// Both sides on loopback, each on its own store, calling each other; the platform's courier runs.
pub struct Pair {
    pub hospital: Loopback,
    pub platform: Loopback,
    pub couriers: Vec<tokio::task::JoinHandle<()>>,
    pub bookings: hisgate_simulator::shaanxi::Bookings,
}

impl Pair {
    pub async fn start(hospital_store: &Store, platform_store: &Store) -> Pair {
        let (hospital, _) = start(hospital_store, Side::Hospital, None).await;
        let (platform, couriers) = start(platform_store, Side::Platform, Some(&hospital.url)).await;
        let bookings = hisgate_simulator::shaanxi::Bookings::new(platform_store.clone(), hospital_client(&hospital));
        Pair { hospital, platform, couriers, bookings }
    }

    /// Books `slot` for `person` through the platform's front desk and pays it: (hospital order id, fee).
    pub async fn book_and_pay(&self, order_id: &str, slot: &Slot, person: &Person) -> (String, i64) {
        (book(&self.bookings, order_id, slot, person, true).await, slot.total_fen())
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for courier in &self.couriers {
            courier.abort();
        }
    }
}

/// One column of one row, for checking what the store holds.
pub async fn scalar(store: &Store, sql: &str, key: &str) -> i64 {
    sqlx::query_scalar(sql).bind(key).fetch_one(store.pool()).await.unwrap()
}
