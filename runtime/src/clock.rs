//! The platforms' timestamps are wall-clock times without a zone; every seed document is Chinese, so hisgate
//! reads and writes them in China Standard Time unless configured otherwise.

use chrono::{FixedOffset, NaiveDateTime, Utc};

/// UTC+08:00.
pub fn china_standard_time() -> FixedOffset {
    // 8 hours is within the ±24 h a FixedOffset allows.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

/// Now, as a wall-clock time at `offset`.
pub fn now(offset: FixedOffset) -> NaiveDateTime {
    Utc::now().with_timezone(&offset).naive_local()
}
