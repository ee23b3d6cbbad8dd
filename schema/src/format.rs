//! Date/time formats in the documents' own notation (`YYYY-MM-DD HH24:MI:SS`, `yyyyMMddHHmmss`, `HH24MI-HH24MI`).

use super::{Seq, Str};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeToken {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millis,
    Literal(char),
}

/// A declared format, tokenized once.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeFormat {
    pub pattern: Str,
    pub tokens: Seq<TimeToken>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{letters}` at offset {offset} is not a date/time token (expected YYYY/yyyy, MM, DD/dd, HH24/HH, MI/mm, SS/ss, SSS)"
)]
pub struct TimeFormatError {
    pub letters: String,
    pub offset: usize,
}

// Longest first, so `HH24` wins over `HH` and `SSS` over `SS`.
const TOKENS: &[(&str, TimeToken)] = &[
    ("HH24", TimeToken::Hour),
    ("YYYY", TimeToken::Year),
    ("yyyy", TimeToken::Year),
    ("SSS", TimeToken::Millis),
    ("MM", TimeToken::Month),
    ("DD", TimeToken::Day),
    ("dd", TimeToken::Day),
    ("HH", TimeToken::Hour),
    ("MI", TimeToken::Minute),
    ("mm", TimeToken::Minute),
    ("SS", TimeToken::Second),
    ("ss", TimeToken::Second),
];

impl TimeToken {
    fn width(self) -> usize {
        match self {
            TimeToken::Year => 4,
            TimeToken::Millis => 3,
            TimeToken::Literal(_) => 0,
            _ => 2,
        }
    }
}

impl TimeFormat {
    pub fn parse(pattern: &str) -> Result<TimeFormat, TimeFormatError> {
        let mut tokens = Vec::new();
        let mut rest = pattern;
        while let Some(c) = rest.chars().next() {
            if let Some((text, token)) = TOKENS.iter().find(|(t, _)| rest.starts_with(t)) {
                tokens.push(*token);
                rest = &rest[text.len()..];
            } else if c.is_ascii_alphabetic() {
                let letters: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                return Err(TimeFormatError { letters, offset: pattern.len() - rest.len() });
            } else {
                tokens.push(TimeToken::Literal(c));
                rest = &rest[c.len_utf8()..];
            }
        }
        Ok(TimeFormat { pattern: Str::Owned(pattern.to_owned()), tokens: Seq::Owned(tokens) })
    }

    /// Whether `value` is written in this format and names a real date and time.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let mut rest = value;
        // Fields of one date/time; a range (`HH24MI-HH24MI`) starts a new one when a field repeats.
        let mut parts = Parts::default();
        for token in self.tokens.iter() {
            match *token {
                TimeToken::Literal(c) => {
                    rest = rest.strip_prefix(c).ok_or_else(|| format!("expected `{c}`"))?;
                }
                token => {
                    let width = token.width();
                    let digits = rest.get(..width).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
                    let digits = digits.ok_or_else(|| format!("expected {width} digits"))?;
                    rest = &rest[width..];
                    if parts.has(token) {
                        parts.finish()?;
                    }
                    parts.set(token, digits.parse().unwrap_or(0));
                }
            }
        }
        if !rest.is_empty() {
            return Err(format!("unexpected `{rest}` at the end"));
        }
        parts.finish()
    }

    /// Reads a full date and time written in this format (a timestamp); seconds and milliseconds default to 0.
    pub fn read(&self, value: &str) -> Result<NaiveDateTime, String> {
        self.check(value)?;
        let mut parts = Parts::default();
        let mut rest = value;
        for token in self.tokens.iter() {
            match *token {
                TimeToken::Literal(c) => rest = &rest[c.len_utf8()..],
                token => {
                    let width = token.width();
                    parts.set(token, rest[..width].parse().unwrap_or(0));
                    rest = &rest[width..];
                }
            }
        }
        let date =
            NaiveDate::from_ymd_opt(parts.year.unwrap_or(0) as i32, parts.month.unwrap_or(1), parts.day.unwrap_or(1));
        date.and_then(|d| {
            d.and_hms_milli_opt(
                parts.hour.unwrap_or(0),
                parts.minute.unwrap_or(0),
                parts.second.unwrap_or(0),
                parts.millis.unwrap_or(0),
            )
        })
        .filter(|_| parts.year.is_some() && parts.day.is_some() && parts.hour.is_some())
        .ok_or_else(|| format!("`{value}` is not a full date and time"))
    }

    /// Writes a date/time in this format (a range repeats the same instant), into one string: a reply's
    /// timestamp is rendered for every request.
    pub fn render(&self, at: NaiveDateTime) -> String {
        let mut out = String::with_capacity(self.pattern.len() + 4);
        for token in self.tokens.iter() {
            match *token {
                TimeToken::Year => push_year(&mut out, at.year()),
                TimeToken::Month => push_digits(&mut out, at.month(), 2),
                TimeToken::Day => push_digits(&mut out, at.day(), 2),
                TimeToken::Hour => push_digits(&mut out, at.hour(), 2),
                TimeToken::Minute => push_digits(&mut out, at.minute(), 2),
                TimeToken::Second => push_digits(&mut out, at.second(), 2),
                TimeToken::Millis => push_digits(&mut out, at.and_utc().timestamp_subsec_millis(), 3),
                TimeToken::Literal(c) => out.push(c),
            }
        }
        out
    }
}

/// A `{timestamp}` field's value at `at`: in the field's declared format, else `yyyyMMddHHmmss`.
pub fn render_timestamp(format: Option<&TimeFormat>, at: NaiveDateTime) -> String {
    match format {
        Some(format) => format.render(at),
        None => {
            let mut out = String::with_capacity(14);
            push_year(&mut out, at.year());
            for part in [at.month(), at.day(), at.hour(), at.minute(), at.second()] {
                push_digits(&mut out, part, 2);
            }
            out
        }
    }
}

/// `value` in `width` decimal digits, zero-padded (`7` → `07`), or all of them where it has more: the parts of a
/// date and time, written without the formatter, which costs more than the rest of a reply's timestamp.
pub fn push_digits(out: &mut String, value: u32, width: u32) {
    let digits = value.checked_ilog10().map_or(1, |log| log + 1);
    for place in (0..width.max(digits)).rev() {
        out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
    }
}

/// A year as `{:04}` writes it: four digits at least, a sign before a year before 1 BCE's.
pub fn push_year(out: &mut String, year: i32) {
    if year < 0 {
        out.push('-');
        push_digits(out, year.unsigned_abs(), 3);
    } else {
        push_digits(out, year.unsigned_abs(), 4);
    }
}

#[derive(Default)]
struct Parts {
    year: Option<u32>,
    month: Option<u32>,
    day: Option<u32>,
    hour: Option<u32>,
    minute: Option<u32>,
    second: Option<u32>,
    millis: Option<u32>,
}

impl Parts {
    fn slot(&mut self, token: TimeToken) -> &mut Option<u32> {
        match token {
            TimeToken::Year => &mut self.year,
            TimeToken::Month => &mut self.month,
            TimeToken::Day => &mut self.day,
            TimeToken::Hour => &mut self.hour,
            TimeToken::Minute => &mut self.minute,
            TimeToken::Second => &mut self.second,
            TimeToken::Millis | TimeToken::Literal(_) => &mut self.millis,
        }
    }

    fn has(&mut self, token: TimeToken) -> bool {
        self.slot(token).is_some()
    }

    fn set(&mut self, token: TimeToken, value: u32) {
        *self.slot(token) = Some(value);
    }

    /// Checks the fields gathered so far name a real instant, then starts over.
    fn finish(&mut self) -> Result<(), String> {
        let Parts { year, month, day, hour, minute, second, .. } = std::mem::take(self);
        if let Some(m) = month.filter(|m| !(1..=12).contains(m)) {
            return Err(format!("month {m:02} is not 01–12"));
        }
        if let Some(d) = day {
            // Without a year, a leap year admits 29 February.
            let y = year.unwrap_or(2000) as i32;
            if NaiveDate::from_ymd_opt(y, month.unwrap_or(1), d).is_none() {
                return Err(format!("day {d:02} does not exist in that month"));
            }
        }
        let bounded = [(hour, 23, "hour"), (minute, 59, "minute"), (second, 59, "second")];
        for (value, max, what) in bounded {
            if let Some(v) = value.filter(|v| *v > max) {
                return Err(format!("{what} {v:02} is out of range"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_digits_and_years_as_the_formatter_pads_them() {
        for (value, width) in [(0, 2), (7, 2), (42, 2), (5, 3), (999, 3), (123_456, 2), (4_294_967_295, 6), (0, 6)] {
            let mut out = String::new();
            super::push_digits(&mut out, value, width);
            assert_eq!(out, format!("{value:0width$}", width = width as usize));
        }
        for year in [2026, 812, 0, 9999, 10_000, -1, -44, -12_345] {
            let mut out = String::new();
            super::push_year(&mut out, year);
            assert_eq!(out, format!("{year:04}"));
        }
    }

    use super::*;

    fn ok(pattern: &str, value: &str) -> bool {
        TimeFormat::parse(pattern).unwrap().check(value).is_ok()
    }

    #[test]
    fn the_documents_formats() {
        assert!(ok("YYYY-MM-DD HH24:MI:SS", "2017-02-07 10:09:57"));
        assert!(ok("yyyy-MM-dd HH:mm:ss", "2021-04-07 15:52:06"));
        assert!(ok("yyyyMMddHHmmss", "20210407155601"));
        assert!(ok("yyyyMMddHHmmssSSS", "20161226093147927"));
        assert!(ok("YYYYMMDD", "20190422"));
        assert!(ok("HH24:MI", "09:00"));
        assert!(ok("HH24MI-HH24MI", "0800-1130"));
        assert!(ok("HH24:MI-HH24:MI", "08:00-11:30"));
    }

    #[test]
    fn rejects_what_is_not_a_real_instant() {
        assert!(!ok("YYYY-MM-DD", "2017-02-30"));
        assert!(ok("YYYY-MM-DD", "2016-02-29"));
        assert!(!ok("YYYY-MM-DD", "2017-02-29"));
        assert!(!ok("YYYY-MM-DD", "2017-13-01"));
        assert!(!ok("HH24:MI", "24:00"));
        assert!(!ok("HH24MI-HH24MI", "0800-1160"));
        assert!(!ok("YYYY-MM-DD HH24:MI:SS", "2017-02-07"));
        assert!(!ok("YYYY-MM-DD HH24:MI:SS", "2017/02/07 10:09:57"));
        assert!(!ok("YYYYMMDD", "2019042"));
        assert!(!ok("YYYYMMDD", "201904221"));
    }

    #[test]
    fn reads_timestamps() {
        let format = TimeFormat::parse("yyyyMMddHHmmss").unwrap();
        let at = format.read("20210407155206").unwrap();
        assert_eq!(format.render(at), "20210407155206");
        assert!(format.read("20210230155206").is_err());
        assert!(TimeFormat::parse("YYYY-MM-DD").unwrap().read("2021-04-07").is_err());
    }

    #[test]
    fn renders_a_timestamp_in_its_format_or_the_compact_default() {
        let at = NaiveDate::from_ymd_opt(2021, 4, 7).unwrap().and_hms_milli_opt(5, 2, 6, 7).unwrap();
        assert_eq!(render_timestamp(None, at), at.format("%Y%m%d%H%M%S").to_string());
        let format = TimeFormat::parse("YYYY-MM-DD HH24:MI:SS.SSS（北京时间）").unwrap();
        assert_eq!(render_timestamp(Some(&format), at), "2021-04-07 05:02:06.007（北京时间）");
        let range = TimeFormat::parse("HH24MI-HH24MI").unwrap();
        assert_eq!(range.render(at), "0502-0502");
    }

    #[test]
    fn unknown_letters_are_an_error() {
        let err = TimeFormat::parse("yyyy-mm-dd").unwrap().tokens.to_vec();
        // `mm` is a minute: the lowercase month is the documents' mistake, caught by a failing check.
        assert_eq!(err[2], TimeToken::Minute);
        assert_eq!(TimeFormat::parse("YYYY-MO").unwrap_err().letters, "MO");
    }
}
