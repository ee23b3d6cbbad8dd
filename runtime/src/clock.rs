//! The platforms' timestamps are wall-clock times without a zone; every seed document is Chinese, so hisgate
//! reads and writes them in China Standard Time unless configured otherwise.

use chrono::{FixedOffset, NaiveDateTime, SecondsFormat, Utc};

/// UTC+08:00.
pub fn china_standard_time() -> FixedOffset {
    // 8 hours is within the ±24 h a FixedOffset allows.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

/// Now, as a wall-clock time at `offset`.
pub fn now(offset: FixedOffset) -> NaiveDateTime {
    Utc::now().with_timezone(&offset).naive_local()
}

/// Now (moved by `skew`, a probe's stale clock) as RFC 3339 with seconds at `offset` (`2026-12-06T10:00:00+08:00`):
/// a notification's `create_time`, the `{now}` of a template.
pub fn rfc3339(offset: FixedOffset, skew: chrono::TimeDelta) -> String {
    (Utc::now() + skew).with_timezone(&offset).to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_has_seconds_and_an_offset() {
        let now = super::rfc3339(super::china_standard_time(), chrono::TimeDelta::zero());
        let parsed = chrono::DateTime::parse_from_rfc3339(&now).expect(&now);
        assert_eq!(now.len(), "2026-12-06T10:00:00+08:00".len(), "{now}");
        assert!(now.ends_with("+08:00"), "{now}");
        assert!((chrono::Utc::now() - parsed.to_utc()).num_seconds().abs() < 5, "{now}");
    }
}
