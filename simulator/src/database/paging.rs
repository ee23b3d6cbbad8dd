//! The rows a view's `page: [first, last]` fields ask for (yizhangtong's 获取用卡轨迹: “我们分页取这个数据”),
//! counted from 1 with both included, as the OFFSET and LIMIT a query takes; yizhangtong's store-backed simulator
//! pages the same way.

use hisgate_runtime::server::Failure;
use hisgate_runtime::store::Page;

/// The most rows one page returns: a wider range is cut to this many.
pub const MAX_ROWS: i64 = 100;

/// The fields that carry a page's first and last row, by their wire names.
#[derive(Debug, Clone, Copy)]
pub struct PageFields<'a> {
    pub first: &'a str,
    pub last: &'a str,
}

/// The rows asked for; without `first`, from row 1; without `last`, a full page. A bad row number is refused with
/// `code`, the platform's code for an invalid request.
pub fn rows(first: Option<&str>, last: Option<&str>, names: PageFields<'_>, code: &str) -> Result<Page, Failure> {
    let number = |text: &str, name: &str| -> Result<i64, Failure> {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Failure::with_message(code, format!("{name} 须为从 1 起的行号，收到 `{text}`")))
    };
    let first = first.map(|f| number(f, names.first)).transpose()?.unwrap_or(1);
    let last = last.map(|l| number(l, names.last)).transpose()?.unwrap_or(first + MAX_ROWS - 1);
    if last < first {
        return Err(Failure::with_message(code, format!("{} {last} 小于 {} {first}", names.last, names.first)));
    }
    Ok(Page::rows(first, last.min(first + MAX_ROWS - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(first: Option<&str>, last: Option<&str>) -> Result<Page, Failure> {
        rows(first, last, PageFields { first: "startRow", last: "endRow" }, "99")
    }

    #[test]
    fn counts_from_one_both_included() {
        assert_eq!(page(Some("11"), Some("20")), Ok(Page { offset: 10, limit: 10 }));
        assert_eq!(page(None, None), Ok(Page { offset: 0, limit: MAX_ROWS }));
        assert_eq!(page(Some("1"), Some("1000")).map(|r| r.limit), Ok(MAX_ROWS));
        assert_eq!(
            page(Some("0"), None).unwrap_err(),
            Failure::with_message("99", "startRow 须为从 1 起的行号，收到 `0`")
        );
        assert_eq!(page(Some("5"), Some("4")).unwrap_err(), Failure::with_message("99", "endRow 4 小于 startRow 5"));
        assert!(page(Some("x"), None).is_err());
    }
}
