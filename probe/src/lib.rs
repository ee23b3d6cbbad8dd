//! Conformance runs against a live counterpart (`hisgate probe`): a real platform's test environment, a HIS
//! vendor's server, a simulator or the generic counterpart, tested the way Schemathesis tests an OpenAPI service
//! but with correct signatures. Per interface the counterpart provides, in each binding: valid requests (the
//! examples, other dictionary codes) whose replies must verify, decrypt and validate; correctly signed requests
//! that each break one rule, which must be refused; and envelope attacks, each of which must get the failure code
//! the spec names. Interfaces marked `effect: write` are only called when writes are allowed.
//!
//! Every message goes through the runtime's client (its signer, cipher, bindings and reply reading); this crate
//! only decides what to send and judges what comes back. It knows no platform: everything comes from the schema.

mod attacks;
mod cases;
mod judge;
mod report;

pub use report::{Finding, InterfaceReport, Report, Shown};

use hisgate_runtime::client::{Client, ClientConfig, Exchange, Tamper};
use hisgate_runtime::schema::{Effect, InterfaceSchema, PlatformSchema, Side};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::transport::HttpRequest;
use judge::Expect;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// What a probe run is given.
#[derive(Debug, Clone)]
pub struct Options {
    pub platform: Arc<PlatformSchema>,
    /// The side the counterpart at `url` is: the provider of the interfaces probed.
    pub side: Side,
    pub url: String,
    /// The caller's credentials, as `hisgate call` takes them.
    pub credentials: Inputs,
    /// The bindings to probe by name; empty: every binding of the protocol.
    pub bindings: Vec<String>,
    /// Whether interfaces marked `effect: write` are called.
    pub allow_writes: bool,
    pub timeout: Duration,
}

/// One request to send and what its reply must be.
struct Case {
    check: String,
    rule: String,
    payload: Value,
    tamper: Tamper,
    expect: Expect,
    replay: bool,
    applied: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// Whether the payload is valid (a valid request, or an attack on the envelope of one).
    valid: bool,
}

/// Digits no other request of this process ends its business keys in: the start time in milliseconds and a
/// counter, the last digits of which a short key keeps.
fn unique() -> String {
    static START: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let start = START.get_or_init(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
    });
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{}{:05}", start % 10_000_000_000, count % 100_000)
}

/// The number of requests a run will send, for a progress bar; the run itself may send fewer (a case that
/// cannot be sealed is noted instead).
pub fn planned(options: &Options) -> Result<usize, String> {
    let bindings = bindings(options)?;
    let per_binding: usize = probed(options)
        .filter_map(|i| cases_for(options, i, &bindings[0]).ok())
        .map(|cases| cases.iter().map(|c| if c.replay { 3 } else { 1 }).sum::<usize>())
        .sum();
    Ok(per_binding * bindings.len())
}

/// Runs every case against the counterpart; `sent` is called after each request (a progress bar).
pub async fn run(options: &Options, sent: &(dyn Fn(&str) + Sync)) -> Result<Report, String> {
    let platform = &*options.platform;
    let bindings = bindings(options)?;
    let mut report = Report::new(options, &bindings);
    for interface in platform.interfaces.iter().filter(|i| i.provider == options.side) {
        let mut entry = InterfaceReport::new(interface);
        if interface.effect == Effect::Write && !options.allow_writes {
            entry.skipped = Some("a write: called with --allow-writes".into());
            report.interfaces.push(entry);
            continue;
        }
        // An interface that travels under one binding (`binding:`) is probed under that one.
        for binding in bindings.iter().filter(|b| interface.travels_under(b)) {
            let mut config = ClientConfig::new(options.credentials.clone());
            config.binding = Some(binding.clone());
            config.timeout = options.timeout;
            let client =
                Client::new(options.platform.clone(), options.side, &options.url, config).map_err(|e| e.to_string())?;
            match cases_for(options, interface, binding) {
                Ok(cases) => {
                    for mut case in cases {
                        if interface.effect == Effect::Write && case.valid {
                            cases::fresh_keys(platform, interface, &mut case.payload, &unique());
                        }
                        probe_one(platform, interface, &client, binding, case, &mut entry, sent).await;
                    }
                }
                Err(reason) => entry.notes.push(reason),
            }
        }
        report.interfaces.push(entry);
    }
    report.total();
    let protocol = platform.protocol.as_ref().ok_or("the platform declares no protocol")?;
    let secrets: Vec<(String, String)> = protocol
        .credentials
        .iter()
        .filter(|c| c.secret)
        .filter_map(|c| Some((c.name.to_string(), options.credentials.get(&c.name)?.to_owned())))
        .collect();
    report.redact(&secrets);
    Ok(report)
}

fn probed(options: &Options) -> impl Iterator<Item = &InterfaceSchema> {
    options
        .platform
        .interfaces
        .iter()
        .filter(|i| i.provider == options.side && (i.effect == Effect::Read || options.allow_writes))
}

fn bindings(options: &Options) -> Result<Vec<String>, String> {
    let protocol = options.platform.protocol.as_ref().ok_or("the platform declares no protocol")?;
    let known: Vec<String> = protocol.bindings.iter().map(|b| b.name.to_string()).collect();
    if let Some(unknown) = options.bindings.iter().find(|b| !known.contains(b)) {
        return Err(format!("no binding `{unknown}` (the protocol has {})", known.join(", ")));
    }
    if known.is_empty() {
        return Err("the protocol declares no binding".into());
    }
    Ok(if options.bindings.is_empty() { known } else { options.bindings.clone() })
}

fn cases_for(options: &Options, interface: &InterfaceSchema, binding: &str) -> Result<Vec<Case>, String> {
    let platform = &*options.platform;
    let protocol = platform.protocol.as_ref().ok_or("the platform declares no protocol")?;
    let sample = cases::sample(platform, interface)?;
    let invalid = vec![protocol.failures.invalid.to_string()];
    let plain = |c: cases::PayloadCase, expect: Expect| Case {
        valid: c.breaks.is_none(),
        check: c.check,
        rule: c.breaks.unwrap_or_else(|| "the reply verifies, decrypts and validates against the spec".into()),
        payload: c.payload,
        tamper: Tamper::default(),
        expect,
        replay: false,
        applied: None,
    };
    let mut list: Vec<Case> = cases::valid(platform, interface, &sample)
        .into_iter()
        .map(|c| plain(c, Expect::Conforming))
        .chain(
            cases::breaks(platform, interface, &sample).into_iter().map(|c| plain(c, Expect::Refused(invalid.clone()))),
        )
        .collect();
    let binding = protocol.bindings.iter().find(|b| b.name == binding).ok_or("no such binding")?;
    for attack in attacks::attacks(protocol, binding, &options.credentials) {
        list.push(Case {
            check: attack.check,
            rule: attack.rule,
            payload: sample.clone(),
            tamper: attack.tamper,
            expect: Expect::Refused(attack.codes),
            replay: attack.replay,
            applied: attack.applied,
            valid: true,
        });
    }
    Ok(list)
}

async fn probe_one(
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    client: &Client,
    binding: &str,
    case: Case,
    entry: &mut InterfaceReport,
    sent: &(dyn Fn(&str) + Sync),
) {
    let request = match client.seal_probe(&interface.name, &case.payload, &case.tamper) {
        Ok(request) => request,
        Err(e) => return entry.notes.push(format!("{binding}: {}: not sent: {e}", case.check)),
    };
    if case.applied.as_ref().is_some_and(|flag| !flag.load(Ordering::Relaxed)) {
        return entry.notes.push(format!("{binding}: {}: not sent: it would not change the request", case.check));
    }
    let service = case.tamper.service.as_deref();
    let exchange = match case.replay {
        false => client.send_probe(&interface.name, service, request).await,
        true => {
            let Some(again) = replayed(&request) else {
                return entry.notes.push(format!("{binding}: {}: not sent: a GET request has no body", case.check));
            };
            let mut count = || {
                entry.sent += 1;
                sent(&interface.name);
            };
            let first = client.send_probe(&interface.name, service, request.clone()).await;
            count();
            let retry = client.send_probe(&interface.name, service, request).await;
            count();
            let first_check = "replay: the first request";
            match judge::judge(platform, interface, &Expect::Conforming, &first) {
                None => entry.pass(binding, first_check),
                Some(why) => entry.findings.push(Finding::new(binding, first_check, &case.rule, &why, &first)),
            }
            // A byte-identical retry (a client that timed out) gets the first answer again, sealed as it was.
            let retry_check = "replay: a byte-identical retry";
            let same =
                |e: &Exchange| e.reply.as_ref().ok().map(|r| (r.status, r.body.clone(), envelope_headers(platform, r)));
            let why = match (&retry.reply, same(&retry) == same(&first)) {
                (Err(e), _) => Some(format!("no reply: {e}")),
                (Ok(_), true) => None,
                (Ok(_), false) => Some("another answer than the first request's".to_owned()),
            };
            let rule = "stale: a byte-identical retry of an answered request gets the first answer again";
            match why {
                None => entry.pass(binding, retry_check),
                Some(why) => entry.findings.push(Finding::new(binding, retry_check, rule, &why, &retry)),
            }
            client.send_probe(&interface.name, service, again).await
        }
    };
    entry.sent += 1;
    sent(&interface.name);
    match judge::judge(platform, interface, &case.expect, &exchange) {
        None => entry.pass(binding, &case.check),
        Some(why) => entry.findings.push(Finding::new(binding, &case.check, &case.rule, &why, &exchange)),
    }
}

/// The reply's headers that are fields of the response envelope (glorycard's `timestamp` and `sign`).
fn envelope_headers(platform: &PlatformSchema, reply: &hisgate_runtime::transport::HttpReply) -> Vec<(String, String)> {
    let Some(protocol) = platform.protocol.as_ref() else { return Vec::new() };
    let declared = |name: &str| protocol.response.fields.iter().any(|f| f.name.eq_ignore_ascii_case(name));
    reply.headers.iter().filter(|(name, _)| declared(name)).cloned().collect()
}

/// The same request with one byte more after the envelope (a newline, which no parser reads as content): the
/// same signature on other bytes, which the spec calls a replay.
fn replayed(request: &HttpRequest) -> Option<HttpRequest> {
    if request.body.is_empty() {
        return None;
    }
    let mut again = request.clone();
    again.body.push('\n');
    Some(again)
}

/// What a finding shows of an exchange.
pub(crate) fn shown(exchange: &Exchange) -> (Shown, Option<Shown>) {
    let request = &exchange.request;
    let mut target = request.path.clone();
    if !request.query.is_empty() {
        let pairs: Vec<String> = request.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        target = format!("{target}?{}", pairs.join("&"));
    }
    let method = match request.method {
        hisgate_runtime::schema::HttpMethod::Get => "GET",
        hisgate_runtime::schema::HttpMethod::Post => "POST",
    };
    let sent =
        Shown { head: format!("{method} {target}"), headers: request.headers.clone(), body: request.body.clone() };
    let reply = exchange.reply.as_ref().ok().map(|r| Shown {
        head: format!("HTTP {}", r.status),
        headers: r.headers.clone(),
        body: r.body.clone(),
    });
    (sent, reply)
}
