//! What an operator watches, in Prometheus's text format: calls per interface and return code, latency per
//! interface, connections refused or timed out, store errors, and the outbox's depth and oldest message. The
//! counters go through the `metrics` facade, so recording costs nothing until a recorder is installed
//! ([`install`], which `hisgate serve` calls) and a server embedded elsewhere can bring its own.

use crate::store::Store;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Latency buckets in seconds: 250 µs to 10 s.
const LATENCY_BUCKETS: &[f64] =
    &[0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Records one answered request.
pub fn record(platform: &str, interface: &str, code: &str, status: u16, elapsed: Duration) {
    HANDLES.with_borrow_mut(|handles| handles.record(platform, interface, code, status, elapsed));
}

thread_local! {
    /// Each worker thread's handles, so that a request's labels are not built and hashed into the recorder's
    /// registry again each time (six `String`s a request, about 4 % of `hisgate serve`'s CPU on TestNet).
    static HANDLES: std::cell::RefCell<Handles> = std::cell::RefCell::default();
}

/// The counter and histogram of each label set seen, keyed by the recorder they came from: a recorder installed
/// later, or a local one, gets handles of its own.
#[derive(Default)]
struct Handles {
    /// The lookup key, rebuilt in place for each request: no allocation once a label set has been seen.
    key: Labels,
    by_labels: std::collections::HashMap<Labels, Recorded>,
}

/// A label set and the recorder it records into: the labels' text joined by NUL, written without formatting.
#[derive(Default, Clone, PartialEq, Eq, Hash)]
struct Labels {
    recorder: usize,
    status: u16,
    text: String,
}

/// What one label set records into.
struct Recorded {
    calls: metrics::Counter,
    latency: metrics::Histogram,
}

/// Label sets are few (interfaces × return codes × statuses, all from the spec); past this many a thread starts
/// its handles over rather than grow.
const MAX_KEPT: usize = 4096;

impl Handles {
    fn record(&mut self, platform: &str, interface: &str, code: &str, status: u16, elapsed: Duration) {
        let key = &mut self.key;
        key.recorder = metrics::with_recorder(|r| std::ptr::from_ref(r).cast::<()>() as usize);
        key.status = status;
        key.text.clear();
        for (at, label) in [platform, interface, code].into_iter().enumerate() {
            if at > 0 {
                key.text.push('\0');
            }
            key.text.push_str(label);
        }
        // One lookup for a label set seen before, nearly every request; a new one is hashed again to be kept.
        if let Some(recorded) = self.by_labels.get(&self.key) {
            return recorded.record(elapsed);
        }
        if self.by_labels.len() >= MAX_KEPT {
            self.by_labels.clear();
        }
        let recorded = Recorded::new(platform, interface, code, status);
        recorded.record(elapsed);
        self.by_labels.insert(self.key.clone(), recorded);
    }
}

impl Recorded {
    fn new(platform: &str, interface: &str, code: &str, status: u16) -> Recorded {
        let labels = [("platform", platform.to_owned()), ("interface", interface.to_owned())];
        let mut with_code = labels.to_vec();
        with_code.push(("code", code.to_owned()));
        with_code.push(("status", status.to_string()));
        Recorded {
            calls: metrics::counter!("hisgate_requests_total", &with_code),
            latency: metrics::histogram!("hisgate_request_duration_seconds", &labels),
        }
    }

    fn record(&self, elapsed: Duration) {
        self.calls.increment(1);
        self.latency.record(elapsed.as_secs_f64());
    }
}

/// Installs the process's Prometheus recorder (once; later calls return the same handle).
pub fn install() -> Result<PrometheusHandle, String> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full("hisgate_request_duration_seconds".into()), LATENCY_BUCKETS)
        .map_err(|e| e.to_string())?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|e| format!("a metrics recorder is installed already: {e}"))?;
    describe();
    spawn_upkeep(handle.clone())?;
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// How often the recorder's histograms are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The recorder keeps each histogram sample until upkeep folds it into the buckets, and only the exporter's own
/// HTTP listener runs upkeep by itself: without this, an instance nobody scraped grew by about 20 bytes a request
/// (RSS 43 → 61 MiB over a million requests). A thread of its own, so that it runs whatever runtime the process
/// has, or none.
fn spawn_upkeep(handle: PrometheusHandle) -> Result<(), String> {
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        })
        .map(drop)
        .map_err(|e| format!("cannot start the metrics upkeep thread: {e}"))
}

fn describe() {
    metrics::describe_counter!(
        "hisgate_requests_total",
        "Requests answered, by interface, return code and HTTP status."
    );
    metrics::describe_histogram!(
        "hisgate_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time from the end of a request's headers to its reply, by interface."
    );
    metrics::describe_counter!(
        "hisgate_connections_refused_total",
        "Connections refused: the connection limit was reached."
    );
    metrics::describe_counter!(
        "hisgate_connections_timed_out_total",
        "Connections closed for a timeout, by phase (headers, idle)."
    );
    metrics::describe_counter!("hisgate_store_errors_total", "Errors the database returned.");
    metrics::describe_gauge!("hisgate_outbox_pending", "Messages waiting in the outbox for delivery.");
    metrics::describe_gauge!(
        "hisgate_outbox_oldest_pending_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest message waiting in the outbox (0 when none)."
    );
}

/// The text a scrape gets: the outbox gauges read from `store` now, then everything recorded.
pub async fn render(handle: &PrometheusHandle, store: Option<&Store>) -> String {
    if let Some(store) = store {
        match crate::store::outbox::pending(store).await {
            Ok(pending) => {
                metrics::gauge!("hisgate_outbox_pending").set(pending.count as f64);
                metrics::gauge!("hisgate_outbox_oldest_pending_seconds").set(pending.oldest_age.as_secs_f64());
            }
            Err(e) => tracing::warn!(error = %e, "metrics: cannot read the outbox"),
        }
    }
    handle.render()
}
