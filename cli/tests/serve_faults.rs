//! `hisgate serve` for the shaanxi platform, killed with SIGKILL while a call to the hospital is in flight and
//! started again on its SQLite file: every call in its outbox arrives — the one cut short again, after its lease —
//! and each takes effect at the hospital once.

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use hisgate_generated::shaanxi::dict::{Channel, Noon, PayMode, PayType, UserRule};
use hisgate_generated::shaanxi::interfaces::{
    get_schedule_info, get_statement, order_register, pay, query_register, stop_register,
};
use hisgate_generated::shaanxi::{self, PLATFORM};
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_runtime::store::outbox::{self, Counts};
use hisgate_runtime::{Decimal, Dictionary};
use hisgate_simulator::Options;
use hisgate_simulator::shaanxi::{Bookings, HOSPITAL_CHANNEL, SamplePatient, sample_patients};
use hisgate_tests::loopback::{Loopback, client_config, credentials};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Calls the gate lets through before it starts holding answers back.
const LET_THROUGH: usize = 1;

/// The hospital as the platform's courier reaches it: each call takes effect, then — from the second call on, while
/// `hold` is set — its answer is held back, so that the platform can be killed waiting for it.
struct Gate {
    calls: AtomicUsize,
    held: AtomicUsize,
    hold: tokio::sync::watch::Sender<bool>,
}

async fn gate(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    let n = gate.calls.fetch_add(1, Ordering::SeqCst);
    let response = next.run(request).await;
    let mut hold = gate.hold.subscribe();
    if n >= LET_THROUGH && *hold.borrow() {
        gate.held.fetch_add(1, Ordering::SeqCst);
        let _ = hold.wait_for(|holding| !*holding).await;
    }
    response
}

/// A `hisgate serve` process, killed when dropped (a failing test leaves none behind).
struct Served {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Served {
    /// Starts the platform on `db`, calling `peer`, and waits (off the async runtime) for its line saying where it
    /// listens.
    async fn start(db: &str, peer: &str, log: PathBuf) -> Served {
        let (db, peer) = (db.to_owned(), peer.to_owned());
        tokio::task::spawn_blocking(move || Served::spawn(&db, &peer, log)).await.expect("the platform starts")
    }

    fn spawn(db: &str, peer: &str, log: PathBuf) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
            .args(["serve", "--platform", "shaanxi", "--role", "platform", "--db", db, "--listen", "127.0.0.1:0"])
            .args(["--peer", peer, "--outbox-lease", "2", "--outbox-first-delay", "0.2"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("hisgate runs");
        let stdout = child.stdout.take().expect("its stdout");
        let (line_tx, line_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let mut served = Served { child, url: String::new(), log };
        let line = line_rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("{}", served.log()));
        let url = line.split(" on ").nth(1).and_then(|rest| rest.split(' ').next());
        served.url = url.unwrap_or_else(|| panic!("`{line}` names no address")).to_owned();
        served
    }

    /// SIGKILL: no shutdown, no last write.
    fn kill(&mut self) {
        self.child.kill().expect("the platform is killed");
        self.child.wait().expect("the platform is gone");
    }

    /// The end of what it logged, for a failure's message.
    fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn options(store: &Store) -> Options {
    Options::new(store.clone(), credentials(&PLATFORM))
}

fn sqlite(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(format!("{name}.sqlite")).display())
}

fn today() -> String {
    hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time()).format("%Y-%m-%d").to_string()
}

fn now() -> String {
    hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time()).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A doctor's half-day of department 211, as GetScheduleInfo shows it.
#[derive(Debug, Clone)]
struct HalfDay {
    schedule_id: String,
    doctor_id: String,
    date: String,
    noon: Noon,
    fees: [Decimal; 4],
    remain: i32,
}

/// The open half-days of 211 in the booking window.
async fn half_days(client: &shaanxi::hospital::Client) -> Vec<HalfDay> {
    let last = hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time()).date() + chrono::Days::new(6);
    let request = get_schedule_info::Request {
        department_id: "211".into(),
        doctor_id: None,
        start_date: today(),
        end_date: last.format("%Y-%m-%d").to_string(),
        current_page: 1,
        page_size: 50,
    };
    let mut open = Vec::new();
    for doctor in client.get_schedule_info(&request).await.unwrap().response.expect("the schedules").schedule {
        for day in doctor.date {
            for noon in day.noon.into_iter().filter(|n| n.status == 1) {
                open.push(HalfDay {
                    schedule_id: noon.id,
                    doctor_id: doctor.doctor_id.clone(),
                    date: day.register_date.clone(),
                    noon: noon.noon,
                    fees: [noon.register_fee, noon.treat_fee, noon.service_fee, noon.other_fee],
                    remain: noon.remain_count,
                });
            }
        }
    }
    open
}

/// The last half-day in the window with `places` places: past the days the seed puts its sample orders on.
async fn late_half_day(client: &shaanxi::hospital::Client, places: i32) -> HalfDay {
    let open = half_days(client).await.into_iter().filter(|h| h.remain >= places);
    open.max_by(|a, b| (&a.date, a.noon.code()).cmp(&(&b.date, b.noon.code()))).expect("an open half-day")
}

async fn places_left(client: &shaanxi::hospital::Client, half_day: &HalfDay) -> i32 {
    let now = half_days(client).await.into_iter().find(|h| h.schedule_id == half_day.schedule_id);
    now.expect("the half-day is still open").remain
}

fn register(order_id: &str, half_day: &HalfDay, patient: &SamplePatient) -> order_register::Request {
    let [register_fee, treat_fee, service_fee, other_fee] = half_day.fees;
    order_register::Request {
        order_id: order_id.into(),
        hospital_lock_id: None,
        channel_id: Channel::WechatOfficialAccount,
        schedule_id: half_day.schedule_id.clone(),
        time_id: None,
        department_id: "211".into(),
        doctor_id: half_day.doctor_id.clone(),
        register_date: half_day.date.clone(),
        noon: half_day.noon,
        start_time: None,
        end_time: None,
        register_fee,
        treat_fee,
        service_fee,
        other_fee,
        clinic_no: None,
        register_type: 3,
        patient_name: patient.name.into(),
        patient_mobile: patient.mobile.into(),
        patient_birthday: patient.birthday.into(),
        patient_sex: Dictionary::from_code(patient.sex).expect("a sex code"),
        patient_flag: 0,
        agent_id: None,
        order_time: now(),
        group: vec![order_register::RequestGroup {
            flag: 0,
            rule: vec![order_register::RequestGroupRule {
                id: UserRule::Certificate,
                r#type: Some("1".into()),
                value: patient.cert_no.clone(),
            }],
        }],
    }
}

fn payment(order_id: &str, fee: Decimal) -> pay::Request {
    pay::Request {
        business_type: 1,
        order_id: order_id.into(),
        hospital_order_id: None,
        trade_id: format!("PAY-{order_id}"),
        receipt_id: None,
        out_trade_id: format!("4200{order_id}"),
        pay_time: now(),
        pay_mode: PayMode::BankCard,
        pay_channel: Channel::WechatOfficialAccount,
        pay_type: PayType::WechatJsapi,
        is_concessions: 0,
        total_fee: fee,
        payable_fee: fee,
        activity_fee: Decimal::ZERO,
        medicare_fee: Decimal::ZERO,
        real_fee: fee,
        merchant_id: Some("1900000109".into()),
        bank_no: None,
        operator_id: None,
        teaminal_no: None,
        user: Vec::new(),
        business: Vec::new(),
    }
}

/// Polls `check` until it holds or `within` has passed; whether it held.
async fn eventually<F: Future<Output = bool>>(within: Duration, mut check: impl FnMut() -> F) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while !check().await {
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_killed_mid_call_delivers_every_call_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // The hospital, in this process: the test books through one door, the platform calls through a gated other.
    let hospital_store = Store::open(&sqlite(dir.path(), "hospital")).await.unwrap();
    let hospital = hisgate_simulator::start("shaanxi", Side::Hospital, options(&hospital_store)).await.unwrap();
    let (hold, _) = tokio::sync::watch::channel(true);
    let gatekeeper = Arc::new(Gate { calls: AtomicUsize::new(0), held: AtomicUsize::new(0), hold });
    let front = Loopback::start(hospital.router.clone()).await;
    let gated = Loopback::start(hospital.router.layer(middleware::from_fn_with_state(gatekeeper.clone(), gate))).await;
    let client = shaanxi::hospital::Client::new(&front.url, client_config(&PLATFORM, "xml")).unwrap();

    // The platform's ledger, made ready on its file before it serves: two paid and two unpaid orders.
    let platform_db = sqlite(dir.path(), "platform");
    let platform_store = Store::open(&platform_db).await.unwrap();
    hisgate_simulator::start("shaanxi", Side::Platform, options(&platform_store)).await.unwrap();
    let bookings = Bookings::new(platform_store.clone(), client.clone());
    let half_day = late_half_day(&client, 4).await;
    let fee: Decimal = half_day.fees.iter().sum();
    let patients: Vec<SamplePatient> = sample_patients().into_iter().filter(|p| p.patient_type == 1).take(4).collect();
    let orders: Vec<String> = (0..4).map(|i| format!("KILL-{i}")).collect();
    for (i, (order_id, patient)) in orders.iter().zip(&patients).enumerate() {
        let booked = bookings.register(&register(order_id, &half_day, patient)).await.unwrap();
        assert!(booked.success, "{order_id}: {}: {}", booked.code, booked.message);
        if i < 2 {
            let paid = bookings.pay(&payment(order_id, fee)).await.unwrap();
            assert!(paid.success, "{order_id}: {}: {}", paid.code, paid.message);
        }
    }

    // The platform serves; the hospital stops the half-day, and the platform calls it back.
    let mut platform = Served::start(&platform_db, &gated.url, dir.path().join("first.log")).await;
    let stop = stop_register::Request {
        department_id: "211".into(),
        doctor_id: half_day.doctor_id.clone(),
        date: half_day.date.clone(),
        noon: half_day.noon,
        start_time: None,
        end_time: None,
        reason: "医生临时停诊".into(),
        callback: 1,
        is_refund: 0,
    };
    let platform_client = shaanxi::platform::Client::new(&platform.url, client_config(&PLATFORM, "json")).unwrap();
    let stopped = platform_client.stop_register(&stop).await.unwrap();
    assert!(stopped.success, "{}: {}", stopped.code, stopped.message);
    let counts = || async { outbox::counts(&platform_store, HOSPITAL_CHANNEL).await.unwrap() };

    // A call has taken effect at the hospital, its answer is on the way: the platform dies waiting for it.
    let in_flight = eventually(Duration::from_secs(10), || async { gatekeeper.held.load(Ordering::SeqCst) >= 1 }).await;
    assert!(in_flight, "no call held: {}", platform.log());
    platform.kill();
    gatekeeper.hold.send_replace(false);
    // The courier sends in the order written: the first Refund went through, the second is the one cut short.
    assert_eq!(counts().await, Counts { pending: 4, delivered: 1, dead: 0 }, "{}", platform.log());

    let platform = Served::start(&platform_db, &gated.url, dir.path().join("second.log")).await;
    // Refund and NotifyRefund for each paid order, NotifyRegister for each unpaid one: no more, no fewer.
    let done = Counts { pending: 0, delivered: 6, dead: 0 };
    let delivered = eventually(Duration::from_secs(15), || async { counts().await == done }).await;
    assert!(delivered, "{:?}: {}", counts().await, platform.log());
    assert_eq!(gatekeeper.calls.load(Ordering::SeqCst), 7, "the call cut short was sent again, and no other");

    // At the hospital: the unpaid orders cancelled, the paid refunded once each in full, every place back.
    let statement = get_statement::Request { start_date: today(), end_date: today() };
    let statement = client.get_statement(&statement).await.unwrap().response.unwrap().transaction;
    for (i, order_id) in orders.iter().enumerate() {
        let kinds: Vec<i32> =
            statement.iter().filter(|t| &t.order_id == order_id).map(|t| t.transaction_type).collect();
        let refunded: Decimal = statement.iter().filter(|t| &t.order_id == order_id).filter_map(|t| t.refund_fee).sum();
        match i < 2 {
            true => assert_eq!((kinds, refunded), (vec![1, 2], fee), "{order_id}: paid, refunded once in full"),
            false => assert!(kinds.is_empty(), "{order_id}: never paid"),
        }
        let order = query_register::Request {
            order_id: Some(order_id.clone()),
            hospital_order_id: None,
            hospital_trade_id: None,
            hospital_refund_id: None,
            user: Vec::new(),
            start_date: today(),
            end_date: today(),
            query_type: 0,
            current_page: 1,
            page_size: 10,
        };
        let order = client.query_register(&order).await.unwrap().response.unwrap().order.remove(0);
        assert_eq!((order.is_cancel, order.is_refund), (i32::from(i >= 2), i32::from(i < 2)), "{order_id}");
    }
    assert_eq!(places_left(&client, &half_day).await, half_day.remain, "every place is back");
    drop(platform);
}
