//! Stale and replayed requests: a timestamp must fall within a window of the server's clock, and a signature is
//! accepted once within that window.

use chrono::{Duration, NaiveDateTime};
use std::collections::HashMap;
use std::sync::Mutex;

/// Signatures seen within the window, forgotten once it has passed.
#[derive(Debug)]
pub struct ReplayGuard {
    window: Duration,
    seen: Mutex<Seen>,
}

#[derive(Debug)]
struct Seen {
    signatures: HashMap<String, NaiveDateTime>,
    /// The size at which expired entries are next swept out: twice what the last sweep kept, so that a busy window
    /// costs a sweep per doubling, not one per request.
    sweep_at: usize,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    OutsideWindow { sent: NaiveDateTime, now: NaiveDateTime },
    Replayed,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::OutsideWindow { sent, now } => write!(f, "timestamp {sent} is outside the window around {now}"),
            Stale::Replayed => f.write_str("this signature was already accepted within the window (a replay)"),
        }
    }
}

/// Entries kept before expired ones are first swept out.
const SWEEP_AT: usize = 4096;

impl ReplayGuard {
    pub fn new(window: std::time::Duration) -> ReplayGuard {
        let window = Duration::from_std(window).unwrap_or(Duration::MAX);
        ReplayGuard { window, seen: Mutex::new(Seen { signatures: HashMap::new(), sweep_at: SWEEP_AT }) }
    }

    /// Accepts a request sent at `sent` carrying `signature`, or says why not.
    pub fn admit(&self, sent: NaiveDateTime, now: NaiveDateTime, signature: &str) -> Result<(), Stale> {
        if (now - sent).abs() > self.window {
            return Err(Stale::OutsideWindow { sent, now });
        }
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.signatures.len() >= seen.sweep_at {
            let window = self.window;
            seen.signatures.retain(|_, at| (now - *at).abs() <= window);
            seen.sweep_at = (2 * seen.signatures.len()).max(SWEEP_AT);
        }
        if seen.signatures.insert(signature.to_owned(), sent).is_some() {
            return Err(Stale::Replayed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").unwrap()
    }

    #[test]
    fn rejects_stale_and_replayed_requests() {
        let guard = ReplayGuard::new(std::time::Duration::from_secs(300));
        let now = at("20210407155606");
        assert_eq!(guard.admit(at("20210407155206"), now, "a"), Ok(()));
        assert_eq!(guard.admit(at("20210407155206"), now, "a"), Err(Stale::Replayed));
        assert_eq!(guard.admit(at("20210407155206"), now, "b"), Ok(()));
        assert!(matches!(guard.admit(at("20210407154000"), now, "c"), Err(Stale::OutsideWindow { .. })));
        assert!(matches!(guard.admit(at("20210407161000"), now, "d"), Err(Stale::OutsideWindow { .. })));
    }

    #[test]
    fn a_busy_window_sweeps_once_per_doubling_and_still_refuses_replays() {
        let guard = ReplayGuard::new(std::time::Duration::from_secs(300));
        let now = at("20210407155606");
        for i in 0..3 * SWEEP_AT {
            assert_eq!(guard.admit(now, now, &i.to_string()), Ok(()));
        }
        // Nothing had expired: the sweep at 4096 kept all and moved the next to 8192, that one to 16384.
        assert_eq!(guard.seen.lock().unwrap().sweep_at, 4 * SWEEP_AT);
        assert_eq!(guard.admit(now, now, "0"), Err(Stale::Replayed));
        // Once the window has passed, the next sweep (at 16384) forgets them.
        let later = now + Duration::seconds(301);
        for i in 0..=SWEEP_AT {
            let _ = guard.admit(later, later, &format!("later-{i}"));
        }
        assert!(guard.seen.lock().unwrap().signatures.len() < 3 * SWEEP_AT);
    }
}
