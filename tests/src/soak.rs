//! A soak of a running shaanxi hospital (`hisgate serve --platform shaanxi --role hospital`): a bounded number of
//! mixed requests over a fixed number of keep-alive connections, every one built, signed and verified by the
//! generated client, and every reply's code checked. Used by `scripts/soak` (through `soak_client`) and by
//! `cli/tests/serve_soak.rs`.
//!
//! Each connection is one generated client of its own (so one keep-alive connection) running cycles of ten
//! requests: TestNet ×3, GetDepartmentInfo, GetScheduleInfo, then one booking's life — OrderRegister,
//! QueryRegister, Pay, Refund of the whole, QueryRegister again (refunded). A full refund gives the place back,
//! so a connection books the same half-day for ever without running out of places, and the store grows by one
//! order per cycle, as a hospital's does. Each connection books for a patient of its own, filed by its first
//! OrderRegister, so connections never contend for one patient's number.

use crate::loopback::client_config;
use hisgate_generated::shaanxi::dict::{Channel, Noon, PayMode, PayType, UserRule};
use hisgate_generated::shaanxi::interfaces::{
    get_department_info, get_schedule_info, order_register, pay, query_register, refund, test_net,
};
use hisgate_generated::shaanxi::{PLATFORM, hospital};
use hisgate_runtime::client::{CallError, Reply};
use hisgate_runtime::{Decimal, Dictionary};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests in one connection's cycle.
pub const CYCLE: usize = 10;
/// Errors kept verbatim for the report; the rest are only counted.
const KEPT_ERRORS: usize = 20;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The hospital, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests in all (rounded down to whole cycles).
    pub requests: usize,
    pub connections: usize,
    /// The server's process, whose resident memory is sampled.
    pub pid: Option<u32>,
    /// How often RSS is sampled.
    pub sample_every: Duration,
}

/// What a soak measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Requests answered with the expected code.
    pub ok: usize,
    /// Requests that failed: transport errors, unverifiable replies, an unexpected code or payload.
    pub errors: usize,
    /// The first errors, verbatim.
    pub first_errors: Vec<String>,
    pub seconds: f64,
    /// Requests per second in each tenth of the run (by requests completed).
    pub tenths: Vec<f64>,
    /// The server's VmRSS in KiB: before the first request, the highest sampled, after the last.
    pub rss_kib: Option<(u64, u64, u64)>,
    /// The server's VmRSS in KiB as each tenth of the run completed: whether it levels off or keeps growing.
    pub rss_tenths: Vec<u64>,
    /// Per interface: calls, p50 and p99 latency.
    pub interfaces: BTreeMap<&'static str, (usize, Duration, Duration)>,
}

impl Report {
    pub fn rps(&self) -> f64 {
        (self.ok + self.errors) as f64 / self.seconds
    }

    /// One line of `key=value`s, for scripts.
    pub fn line(&self) -> String {
        let (start, peak, end) = self.rss_kib.unwrap_or_default();
        format!(
            "requests={} errors={} seconds={:.1} rps={:.0} first_tenth_rps={:.0} last_tenth_rps={:.0} \
             rss_start_kib={start} rss_peak_kib={peak} rss_end_kib={end} rss_growth_kib={}",
            self.ok + self.errors,
            self.errors,
            self.seconds,
            self.rps(),
            self.tenths.first().copied().unwrap_or_default(),
            self.tenths.last().copied().unwrap_or_default(),
            self.rss_growth_kib().unwrap_or_default(),
        )
    }

    /// How much RSS grew over the second half of the run, from the end of its fifth tenth to the end of its last:
    /// what a leak or an unbounded buffer adds per request, after start-up and after the bounded caches have
    /// filled (SQLite's page cache holds up to 64 MiB of a store that grows with every write).
    pub fn rss_growth_kib(&self) -> Option<i64> {
        let middle = self.rss_tenths.get(self.rss_tenths.len().checked_sub(1)? / 2)?;
        Some(*self.rss_tenths.last()? as i64 - *middle as i64)
    }

    /// A table per interface, then the errors kept.
    pub fn details(&self) -> String {
        let mut out = String::from("interface          calls      p50      p99\n");
        for (name, (calls, p50, p99)) in &self.interfaces {
            out.push_str(&format!("{name:<16} {calls:>7} {:>6} µs {:>6} µs\n", p50.as_micros(), p99.as_micros()));
        }
        let tenths: Vec<String> = self.tenths.iter().map(|r| format!("{r:.0}")).collect();
        out.push_str(&format!("req/s by tenth: {}\n", tenths.join(" ")));
        if !self.rss_tenths.is_empty() {
            let rss: Vec<String> = self.rss_tenths.iter().map(|k| format!("{:.1}", *k as f64 / 1024.0)).collect();
            out.push_str(&format!("RSS MiB at each tenth: {}\n", rss.join(" ")));
        }
        for error in &self.first_errors {
            out.push_str(&format!("error: {error}\n"));
        }
        out
    }
}

/// A half-day a connection books, as GetScheduleInfo shows it.
#[derive(Debug, Clone)]
pub(crate) struct HalfDay {
    department_id: String,
    schedule_id: String,
    doctor_id: String,
    date: String,
    noon: Noon,
    fees: [Decimal; 4],
    remain: i32,
}

/// Shared by the connections: the budget, the completion count and when each tenth was completed, the errors.
struct Shared {
    budget: AtomicUsize,
    total: usize,
    done: AtomicUsize,
    tenth_ends: Mutex<Vec<Instant>>,
    /// The server's pid, whose RSS is read as each tenth completes.
    pid: Option<u32>,
    rss_tenths: Mutex<Vec<u64>>,
    errors: AtomicUsize,
    first_errors: Mutex<Vec<String>>,
}

impl Shared {
    fn completed(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if done % (self.total / 10).max(1) == 0 {
            self.tenth_ends.lock().unwrap().push(Instant::now());
            if let Some(rss) = self.pid.and_then(rss_kib) {
                self.rss_tenths.lock().unwrap().push(rss);
            }
        }
    }

    fn failed(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut kept = self.first_errors.lock().unwrap();
        if kept.len() < KEPT_ERRORS {
            kept.push(what);
        }
    }
}

/// Runs the soak against `config.url` and reports; the hospital must be seeded (a fresh `hisgate serve`).
pub async fn run(config: &Config) -> Report {
    let total = config.requests / CYCLE * CYCLE;
    let connections = config.connections.max(1);
    let clients: Vec<hospital::Client> = (0..connections)
        .map(|_| hospital::Client::new(&config.url, client_config(&PLATFORM, "xml")).expect("a client"))
        .collect();
    let half_days = assign(&clients[0], connections).await;
    // Distinct across runs on one database: a run's orders never collide with an earlier run's.
    let run_id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 100_000_000;
    let shared = Arc::new(Shared {
        budget: AtomicUsize::new(0),
        total,
        done: AtomicUsize::new(0),
        tenth_ends: Mutex::new(Vec::new()),
        pid: config.pid,
        rss_tenths: Mutex::new(Vec::new()),
        errors: AtomicUsize::new(0),
        first_errors: Mutex::new(Vec::new()),
    });
    let rss_start = config.pid.and_then(rss_kib);
    let peak = Arc::new(AtomicU64::new(rss_start.unwrap_or(0)));
    let sampler = config.pid.map(|pid| {
        let (peak, every) = (peak.clone(), config.sample_every);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Some(rss) = rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
            }
        })
    });
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .zip(half_days)
        .enumerate()
        .map(|(worker, (client, half_day))| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut worker = Worker::new(client, half_day, worker, run_id, shared);
                worker.run().await;
                worker.latencies
            })
        })
        .collect();
    let mut latencies: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    for task in tasks {
        for (name, mut times) in task.await.expect("a soak connection") {
            latencies.entry(name).or_default().append(&mut times);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    let rss_kib = config.pid.and_then(|pid| {
        let end = rss_kib(pid)?;
        Some((rss_start?, peak.load(Ordering::Relaxed).max(end), end))
    });
    let mut ends = vec![started];
    ends.extend(shared.tenth_ends.lock().unwrap().iter().copied());
    let tenth = (total / 10).max(1) as f64;
    let tenths = ends.windows(2).map(|w| tenth / (w[1] - w[0]).as_secs_f64()).collect();
    let interfaces = latencies
        .into_iter()
        .map(|(name, mut times)| {
            times.sort_unstable();
            let at = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
            (name, (times.len(), at(50), at(99)))
        })
        .collect();
    let errors = shared.errors.load(Ordering::Relaxed);
    Report {
        ok: shared.done.load(Ordering::Relaxed) - errors,
        errors,
        first_errors: shared.first_errors.lock().unwrap().clone(),
        seconds,
        tenths,
        rss_kib,
        rss_tenths: shared.rss_tenths.lock().unwrap().clone(),
        interfaces,
    }
}

/// The server's resident set, from /proc.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A half-day per connection, each given to no more connections than it has places.
async fn assign(client: &hospital::Client, connections: usize) -> Vec<HalfDay> {
    let open = open_half_days(client).await;
    assert!(!open.is_empty(), "the hospital has no open half-day in the booking window");
    let mut taken = vec![0; open.len()];
    (0..connections)
        .map(|i| {
            let at = (0..open.len()).map(|k| (i + k) % open.len()).find(|&k| taken[k] < open[k].remain);
            let at = at.unwrap_or_else(|| panic!("{connections} connections need more places than the week has"));
            taken[at] += 1;
            open[at].clone()
        })
        .collect()
}

/// The open half-days of every department from tomorrow to the end of the booking window, for a man of 41.
pub(crate) async fn open_half_days(client: &hospital::Client) -> Vec<HalfDay> {
    let request = get_department_info::Request { department_id: None, current_page: 1, page_size: 100 };
    let reply = client.get_department_info(&request).await.expect("GetDepartmentInfo answers");
    let mut open = Vec::new();
    for department in reply.response.expect("the departments").department {
        open.extend(half_days(client, &department.id).await);
    }
    open
}

/// The open half-days of a department from tomorrow to the end of the booking window.
async fn half_days(client: &hospital::Client, department: &str) -> Vec<HalfDay> {
    let reply = client.get_schedule_info(&schedules(department)).await.expect("GetScheduleInfo answers");
    let mut open = Vec::new();
    // A department without doctors of its own (a parent) answers no schedule.
    for doctor in reply.response.map(|r| r.schedule).unwrap_or_default() {
        for day in doctor.date.into_iter().filter(|d| d.register_date > today()) {
            // The soak's patients are men of 41: half-days limited to women or children are not theirs.
            let admits = |n: &get_schedule_info::ResponseScheduleDateNoon| {
                n.sex_limit.is_none_or(|s| s != 2) && n.age_limit_max.is_none_or(|max| max >= 41)
            };
            for noon in day.noon.into_iter().filter(|n| n.status == 1 && n.remain_count > 0 && admits(n)) {
                open.push(HalfDay {
                    department_id: department.into(),
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

fn schedules(department: &str) -> get_schedule_info::Request {
    let last = china_now().date() + chrono::Days::new(6);
    get_schedule_info::Request {
        department_id: department.into(),
        doctor_id: None,
        start_date: today(),
        end_date: last.format("%Y-%m-%d").to_string(),
        current_page: 1,
        page_size: 50,
    }
}

pub(crate) fn china_now() -> chrono::NaiveDateTime {
    hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time())
}

pub(crate) fn today() -> String {
    china_now().format("%Y-%m-%d").to_string()
}

fn now() -> String {
    china_now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A valid resident ID number (GB 11643): region 610113, birthday 1985-06-15, sequence `sequence` (odd: a man),
/// and its check character.
pub fn resident_id(sequence: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("61011319850615{:03}", sequence % 1000);
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// One connection's loop.
struct Worker {
    client: hospital::Client,
    half_day: HalfDay,
    /// This connection's patient's resident ID, and the prefix of its business numbers.
    cert_no: String,
    prefix: String,
    cycle: usize,
    shared: Arc<Shared>,
    latencies: BTreeMap<&'static str, Vec<Duration>>,
}

impl Worker {
    fn new(client: hospital::Client, half_day: HalfDay, worker: usize, run_id: u64, shared: Arc<Shared>) -> Worker {
        Worker {
            client,
            half_day,
            cert_no: resident_id(2 * worker as u32 + 1),
            prefix: format!("{run_id:08}{worker:03}"),
            cycle: 0,
            shared,
            latencies: BTreeMap::new(),
        }
    }

    async fn run(&mut self) {
        while self.shared.budget.fetch_add(CYCLE, Ordering::Relaxed) + CYCLE <= self.shared.total {
            self.cycle += 1;
            if let Err(what) = self.one_cycle().await {
                self.shared.failed(what);
            }
        }
    }

    /// Times one call and counts it done; a transport error or a code other than success is the cycle's error.
    async fn call<T>(
        &mut self,
        name: &'static str,
        call: impl Future<Output = Result<Reply<T>, CallError>>,
    ) -> Result<T, String> {
        let started = Instant::now();
        let reply = call.await;
        self.latencies.entry(name).or_default().push(started.elapsed());
        self.shared.completed();
        match reply {
            Ok(Reply { success: true, response: Some(response), .. }) => Ok(response),
            Ok(reply) => Err(format!("{name}: {} {}", reply.code, reply.message)),
            Err(e) => Err(format!("{name}: {e}")),
        }
    }

    /// Ten requests; on the first failure the rest of the cycle is counted as failed too, unsent.
    async fn one_cycle(&mut self) -> Result<(), String> {
        let mut sent = 0;
        let outcome = self.requests(&mut sent).await;
        if outcome.is_err() {
            // The requests this cycle had budgeted but could not send, so that the counts add up.
            for _ in sent..CYCLE {
                self.shared.completed();
                self.shared.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        outcome
    }

    async fn requests(&mut self, sent: &mut usize) -> Result<(), String> {
        let client = self.client.clone();
        for _ in 0..3 {
            *sent += 1;
            let request = test_net::Request { ip: "127.0.0.1".into() };
            self.call("TestNet", client.test_net(&request)).await?;
        }
        *sent += 1;
        let request = get_department_info::Request { department_id: None, current_page: 1, page_size: 20 };
        let departments = self.call("GetDepartmentInfo", client.get_department_info(&request)).await?;
        if departments.department.is_empty() {
            return Err("GetDepartmentInfo: no department".into());
        }
        *sent += 1;
        let request = schedules(&self.half_day.department_id);
        let schedules = self.call("GetScheduleInfo", client.get_schedule_info(&request)).await?;
        if !schedules.schedule.iter().any(|s| s.doctor_id == self.half_day.doctor_id) {
            return Err(format!("GetScheduleInfo: no schedule of {}", self.half_day.doctor_id));
        }
        let order_id = format!("SK{}{:07}", self.prefix, self.cycle);
        *sent += 1;
        let booked = self.call("OrderRegister", client.order_register(&self.register(&order_id))).await?;
        let query = query_register::Request {
            order_id: Some(order_id.clone()),
            hospital_order_id: None,
            hospital_trade_id: None,
            hospital_refund_id: None,
            user: Vec::new(),
            start_date: today(),
            end_date: (china_now().date() + chrono::Days::new(7)).format("%Y-%m-%d").to_string(),
            query_type: 0,
            current_page: 1,
            page_size: 10,
        };
        *sent += 1;
        let found = self.call("QueryRegister", client.query_register(&query)).await?;
        let order = match &found.order[..] {
            [order] if order.hospital_order_id == booked.hospital_order_id && order.is_pay == 0 => order.clone(),
            other => return Err(format!("QueryRegister after OrderRegister {order_id}: {other:?}")),
        };
        *sent += 1;
        let paid = self.call("Pay", client.pay(&payment(&order_id, order.total_fee))).await?;
        *sent += 1;
        let request = self.refund(&order_id, &paid.hospital_trade_id, order.total_fee);
        let refunded = self.call("Refund", client.refund(&request)).await?;
        if refunded.refund_flag != 1 {
            return Err(format!("Refund {order_id}: refundFlag {}", refunded.refund_flag));
        }
        *sent += 1;
        let found = self.call("QueryRegister", client.query_register(&query)).await?;
        match &found.order[..] {
            [o] if o.is_refund == 1 && o.refundl_fee == order.total_fee => Ok(()),
            other => Err(format!("QueryRegister after Refund {order_id}: {other:?}")),
        }
    }

    fn register(&self, order_id: &str) -> order_register::Request {
        registration(&self.half_day, order_id, &self.cert_no)
    }

    fn refund(&self, order_id: &str, hospital_trade_id: &str, fee: Decimal) -> refund::Request {
        refund::Request {
            business_type: 1,
            order_id: order_id.into(),
            hospital_order_id: None,
            trade_id: format!("PAY{order_id}"),
            hospital_trade_id: hospital_trade_id.into(),
            refund_id: format!("TK{order_id}"),
            refund_channel: Channel::WechatOfficialAccount,
            refund_type: PayType::WechatJsapi,
            total_fee: fee,
            refund_fee: fee,
            refund_time: now(),
            reason: "患者申请退款".into(),
            user: vec![refund::RequestUser {
                id: UserRule::Certificate,
                r#type: Some("1".into()),
                value: self.cert_no.clone(),
            }],
        }
    }
}

/// An OrderRegister of `half_day` for the patient with resident ID `cert_no`, a man born 1985-06-15.
pub(crate) fn registration(half_day: &HalfDay, order_id: &str, cert_no: &str) -> order_register::Request {
    let [register_fee, treat_fee, service_fee, other_fee] = half_day.fees;
    order_register::Request {
        order_id: order_id.into(),
        hospital_lock_id: None,
        channel_id: Channel::WechatOfficialAccount,
        schedule_id: half_day.schedule_id.clone(),
        time_id: None,
        department_id: half_day.department_id.clone(),
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
        patient_name: "压测患者".into(),
        patient_mobile: "13900000000".into(),
        patient_birthday: "1985-06-15".into(),
        patient_sex: Dictionary::from_code("1").expect("a sex code"),
        patient_flag: 0,
        agent_id: None,
        order_time: now(),
        group: vec![order_register::RequestGroup {
            flag: 0,
            rule: vec![order_register::RequestGroupRule {
                id: UserRule::Certificate,
                r#type: Some("1".into()),
                value: cert_no.into(),
            }],
        }],
    }
}

fn payment(order_id: &str, fee: Decimal) -> pay::Request {
    pay::Request {
        business_type: 1,
        order_id: order_id.into(),
        hospital_order_id: None,
        trade_id: format!("PAY{order_id}"),
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
