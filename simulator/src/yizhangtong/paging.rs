//! Rows `startRow` to `endRow` of a many-row answer (获取用卡轨迹: “我们分页取这个数据”), counted from 1 with both
//! included, as the OFFSET and LIMIT that both forms, the store and the view, query with.

use super::REFUSED;
use crate::answer::Refused;

/// The most rows one page returns: a wider range is cut to this many.
pub const MAX_ROWS: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    pub offset: i64,
    pub limit: i64,
}

/// The rows asked for; without `first`, from row 1; without `last`, a full page.
pub fn rows(first: Option<&str>, last: Option<&str>) -> Result<Rows, Refused> {
    let number = |text: &str, name: &str| -> Result<i64, Refused> {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Refused::new(REFUSED, format!("{name} 须为从 1 起的行号，收到 `{text}`")))
    };
    let first = first.map(|f| number(f, "startRow")).transpose()?.unwrap_or(1);
    let last = last.map(|l| number(l, "endRow")).transpose()?.unwrap_or(first + MAX_ROWS - 1);
    if last < first {
        return Err(Refused::new(REFUSED, format!("endRow {last} 小于 startRow {first}")));
    }
    Ok(Rows { offset: first - 1, limit: (last - first + 1).min(MAX_ROWS) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_one_both_included() {
        assert_eq!(rows(Some("11"), Some("20")), Ok(Rows { offset: 10, limit: 10 }));
        assert_eq!(rows(None, None), Ok(Rows { offset: 0, limit: MAX_ROWS }));
        assert_eq!(rows(Some("1"), Some("1000")).map(|r| r.limit), Ok(MAX_ROWS));
        assert!(rows(Some("0"), None).is_err());
        assert!(rows(Some("5"), Some("4")).is_err());
        assert!(rows(Some("x"), None).is_err());
    }
}
