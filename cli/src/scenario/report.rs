//! What a scenario run measured: per interface, calls, failures and latency percentiles; and the failures' reasons.

use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Report {
    /// By interface: each call's latency, and how many calls failed.
    calls: BTreeMap<String, (Vec<Duration>, usize)>,
    pub runs: u32,
    pub failed_runs: u32,
    /// The first failures' reasons, with where they happened.
    pub failures: Vec<String>,
}

/// How many failure reasons a report keeps: the rest are counted, not shown.
const SHOWN_FAILURES: usize = 10;

impl Report {
    /// The report of one run, failed or not yet.
    pub fn one_run() -> Report {
        Report { runs: 1, ..Report::default() }
    }

    pub fn call(&mut self, interface: &str, latency: Duration, ok: bool) {
        let entry = self.calls.entry(interface.to_owned()).or_default();
        entry.0.push(latency);
        entry.1 += usize::from(!ok);
    }

    pub fn fail(&mut self, reason: String) {
        if self.failures.len() < SHOWN_FAILURES {
            self.failures.push(reason);
        }
    }

    pub fn merge(&mut self, other: Report) {
        for (interface, (mut latencies, failures)) in other.calls {
            let entry = self.calls.entry(interface).or_default();
            entry.0.append(&mut latencies);
            entry.1 += failures;
        }
        self.runs += other.runs;
        self.failed_runs += other.failed_runs;
        for reason in other.failures {
            self.fail(reason);
        }
    }

    /// The table, one row per interface.
    pub fn table(&self) -> String {
        let mut rows = vec![["interface".to_owned(), "calls".into(), "failures".into(), "p50".into(), "p99".into()]];
        for (interface, (latencies, failures)) in &self.calls {
            let mut sorted = latencies.clone();
            sorted.sort();
            rows.push([
                interface.clone(),
                sorted.len().to_string(),
                failures.to_string(),
                shown(percentile(&sorted, 50)),
                shown(percentile(&sorted, 99)),
            ]);
        }
        let widths: Vec<usize> = (0..5).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
        let mut out = String::new();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(c, (cell, width))| if c == 0 { format!("{cell:<width$}") } else { format!("{cell:>width$}") })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: usize) -> Option<Duration> {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn shown(latency: Option<Duration>) -> String {
    latency.map_or_else(|| "-".into(), |d| format!("{:.1} ms", d.as_secs_f64() * 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 99), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&sorted[..1], 99), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50), None);
    }
}
