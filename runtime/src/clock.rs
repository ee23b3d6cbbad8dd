//! The platforms' timestamps are wall-clock times without a zone; every seed document is Chinese, so hisgate
//! reads and writes them in China Standard Time unless configured otherwise.

use chrono::{Datelike, FixedOffset, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// UTC+08:00.
pub fn china_standard_time() -> FixedOffset {
    // 8 hours is within the ±24 h a FixedOffset allows.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

/// Now, as a wall-clock time at `offset`.
pub fn now(offset: FixedOffset) -> NaiveDateTime {
    Utc::now().with_timezone(&offset).naive_local()
}

/// A time as most documents write one in a message, `YYYY-MM-DD HH24:MI:SS`; without a pattern parsed on each
/// call, as `format("%Y-%m-%d %H:%M:%S")` would: a simulator's reply carries one for every request.
pub fn datetime(time: NaiveDateTime) -> String {
    use crate::schema::{push_digits, push_year};
    let mut out = String::with_capacity(19);
    push_year(&mut out, time.year());
    for (part, before) in [(time.month(), '-'), (time.day(), '-'), (time.hour(), ' '), (time.minute(), ':')] {
        out.push(before);
        push_digits(&mut out, part, 2);
    }
    out.push(':');
    push_digits(&mut out, time.second(), 2);
    out
}

/// Now (moved by `skew`, a probe's stale clock) as RFC 3339 with seconds at `offset` (`2026-12-06T10:00:00+08:00`):
/// a notification's `create_time`, the `{now}` of a template.
pub fn rfc3339(offset: FixedOffset, skew: chrono::TimeDelta) -> String {
    (Utc::now() + skew).with_timezone(&offset).to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn datetime_is_written_as_chrono_writes_the_pattern() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap().and_hms_milli_opt(3, 4, 5, 678).unwrap();
        assert_eq!(super::datetime(at), at.format("%Y-%m-%d %H:%M:%S").to_string());
        assert_eq!(super::datetime(at), "2026-01-02 03:04:05");
    }

    #[test]
    fn rfc3339_has_seconds_and_an_offset() {
        let now = super::rfc3339(super::china_standard_time(), chrono::TimeDelta::zero());
        let parsed = chrono::DateTime::parse_from_rfc3339(&now).expect(&now);
        assert_eq!(now.len(), "2026-12-06T10:00:00+08:00".len(), "{now}");
        assert!(now.ends_with("+08:00"), "{now}");
        assert!((chrono::Utc::now() - parsed.to_utc()).num_seconds().abs() < 5, "{now}");
    }
}
