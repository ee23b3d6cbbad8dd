//! The text log's line — its time, its fields and the line around them — written exactly as tracing-subscriber's
//! default formatter writes them (`name=value`, text quoted as Rust's `Debug` quotes it; RFC 3339 UTC to the
//! microsecond), the common values without the formatting machinery: `hisgate serve` writes a line per request,
//! and through `Debug` its fields cost more than the rest of the line together (a text escaped character by
//! character when there is nothing to escape, a name painted in a style that is none when colours are off), the
//! time a fifth of it.

use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::{DefaultVisitor, Format, FormatEvent, FormatFields, Full, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// `hisgate serve`'s and `hisgate proxy`'s text log line: tracing-subscriber's default (full) format with
/// [`LineTime`], byte for byte, written without the formatting machinery where the writer has no colours and the
/// event is tracing's own (a `log` crate record's target and level are in its fields: the default reads them).
#[derive(Debug)]
pub(crate) struct LineFormat {
    default: Format<Full, LineTime>,
}

impl Default for LineFormat {
    fn default() -> Self {
        LineFormat { default: tracing_subscriber::fmt::format().with_timer(LineTime) }
    }
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let meta = event.metadata();
        if writer.has_ansi_escapes() || meta.fields().field("log.target").is_some() {
            return self.default.format_event(ctx, writer, event);
        }
        LineTime.format_time(&mut writer)?;
        let level = match *meta.level() {
            Level::TRACE => " TRACE ",
            Level::DEBUG => " DEBUG ",
            Level::INFO => "  INFO ",
            Level::WARN => "  WARN ",
            Level::ERROR => " ERROR ",
        };
        writer.write_str(level)?;
        if let Some(scope) = ctx.event_scope() {
            let mut seen = false;
            for span in scope.from_root() {
                writer.write_str(span.metadata().name())?;
                seen = true;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>().filter(|f| !f.is_empty()) {
                    writer.write_char('{')?;
                    writer.write_str(fields)?;
                    writer.write_char('}')?;
                }
                writer.write_char(':')?;
            }
            if seen {
                writer.write_char(' ')?;
            }
        }
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// The time of `hisgate serve`'s and `hisgate proxy`'s text log: [`tracing_subscriber::fmt::time::SystemTime`]'s
/// output (`2026-12-07T06:21:06.452234Z`), byte for byte.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LineTime;

impl FormatTime for LineTime {
    fn format_time(&self, writer: &mut Writer<'_>) -> fmt::Result {
        line_time(|time| writer.write_str(time))
    }
}

/// The time now as [`LineTime`] writes it, handed to `write` as this thread keeps it (no string of its own).
pub(crate) fn line_time<R>(write: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static LAST: std::cell::RefCell<LastTime> = const { std::cell::RefCell::new(LastTime::new()) };
    }
    LAST.with_borrow_mut(|last| write(last.at(chrono::Utc::now().naive_utc())))
}

/// The last time a thread wrote, kept for the next line: within the same second only its microseconds change, so
/// the date and clock are not worked out again (they were two thirds of writing the time).
struct LastTime {
    /// The UTC second `text` is of, counted from the epoch.
    second: i64,
    text: String,
}

impl LastTime {
    const fn new() -> LastTime {
        LastTime { second: i64::MIN, text: String::new() }
    }

    /// `time` as [`rfc3339_micros`] writes it.
    fn at(&mut self, time: chrono::NaiveDateTime) -> &str {
        let second = time.and_utc().timestamp();
        if second != self.second {
            self.second = second;
            self.text = rfc3339_micros(time);
        } else {
            // Both ways of writing end in six digits and `Z`.
            self.text.truncate(self.text.len() - "000000Z".len());
            hisgate_runtime::schema::push_digits(&mut self.text, micros(time), 6);
            self.text.push('Z');
        }
        &self.text
    }
}

/// The microseconds of `time`'s second; a leap second's as the second before's last.
fn micros(time: chrono::NaiveDateTime) -> u32 {
    use chrono::Timelike;
    time.nanosecond().min(999_999_999) / 1_000
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, digit by digit; a year outside 0–9999 as the default formatter writes it.
fn rfc3339_micros(time: chrono::NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    use hisgate_runtime::schema::{push_digits, push_year};
    let year = time.year();
    if !(0..=9999).contains(&year) {
        return time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    }
    let mut out = String::with_capacity(27);
    push_year(&mut out, year);
    let parts = [(time.month(), '-'), (time.day(), '-'), (time.hour(), 'T'), (time.minute(), ':')];
    for (part, before) in parts.into_iter().chain([(time.second(), ':')]) {
        out.push(before);
        push_digits(&mut out, part, 2);
    }
    out.push('.');
    push_digits(&mut out, micros(time), 6);
    out.push('Z');
    out
}

/// The fields of `hisgate serve`'s and `hisgate proxy`'s text log: [`tracing_subscriber::fmt::format::DefaultFields`]'s
/// output, byte for byte.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LineFields;

impl<'a> MakeVisitor<Writer<'a>> for LineFields {
    type Visitor = LineVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> LineVisitor<'a> {
        LineVisitor { writer, empty: true, result: Ok(()) }
    }
}

pub(crate) struct LineVisitor<'a> {
    writer: Writer<'a>,
    /// Nothing written yet: the next field is not preceded by a space.
    empty: bool,
    result: fmt::Result,
}

impl LineVisitor<'_> {
    /// Whether the field is written here: a plain name (not the message, not a raw identifier, not the `log`
    /// crate's metadata) on a writer without colours, which would set names in italics.
    fn plain(&self, field: &Field) -> bool {
        let name = field.name();
        self.result.is_ok()
            && !self.writer.has_ansi_escapes()
            && name != "message"
            && !name.starts_with("r#")
            && !name.starts_with("log.")
    }

    /// `name=` after the separating space.
    fn name(&mut self, field: &Field) -> fmt::Result {
        if !std::mem::replace(&mut self.empty, false) {
            self.writer.write_char(' ')?;
        }
        self.writer.write_str(field.name())?;
        self.writer.write_char('=')
    }

    fn digits(&mut self, field: &Field, value: impl itoa::Integer) {
        self.result = self.name(field).and_then(|()| self.writer.write_str(itoa::Buffer::new().format(value)));
    }

    /// Anything else, as the default formatter writes it.
    fn default(&mut self, field: &Field, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        if self.result.is_err() {
            return;
        }
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.empty);
        record(&mut visitor);
        self.result = visitor.finish();
        // It writes every field but the `log` crate's metadata, which it skips.
        self.empty &= field.name().starts_with("log.");
    }
}

/// Text that `Debug` writes as it is, between quotes: printable ASCII but the quote and the backslash.
fn needs_no_escape(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\')
}

impl Visit for LineVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match self.plain(field) {
            true if needs_no_escape(value) => {
                self.result = self.name(field).and_then(|()| {
                    self.writer.write_char('"')?;
                    self.writer.write_str(value)?;
                    self.writer.write_char('"')
                });
            }
            true => self.record_debug(field, &value),
            false => self.default(field, |v| v.record_str(field, value)),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match self.plain(field) {
            true => self.digits(field, value),
            false => self.default(field, |v| v.record_u64(field, value)),
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        match self.plain(field) {
            true => self.digits(field, value),
            false => self.default(field, |v| v.record_i64(field, value)),
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.default(field, |v| v.record_error(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match self.plain(field) {
            // The default formatter's, without painting the name in a style that is none.
            true => self.result = self.name(field).and_then(|()| write!(self.writer, "{value:?}")),
            false => self.default(field, |v| v.record_debug(field, value)),
        }
    }
}

impl VisitOutput<fmt::Result> for LineVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for LineVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::{LineFields, LineFormat};
    use std::sync::{Arc, Mutex};
    use tracing::Level;
    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::fmt::format::Writer;
    use tracing_subscriber::fmt::time::FormatTime;

    /// What a subscriber wrote.
    #[derive(Clone, Default)]
    pub(in crate::commands) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    /// The events a server logs, and the odd ones: quotes, Chinese, controls, errors, the `log` crate's fields,
    /// numbers of every kind, nested spans, a span's field recorded late, an event with a parent of its own.
    fn log_all() {
        let error = std::io::Error::other("磁盘已满");
        let span = tracing::info_span!("hisgate.serve", platform = %"shaanxi", side = "hospital", n = 3u64);
        let _entered = span.enter();
        let (status, latency_us) = (200u16, 577u64);
        tracing::info!(interface = "TestNet", code = %"SUCCESS", status, latency_us, keys = "", "request");
        tracing::info!(
            interface = "Pay",
            code = %"ILLEGAL_SIGN",
            status = 200u16,
            latency_us = 1_234u64,
            keys = "orderId=2021…,cardNo=6****2",
            detail = %"the sign is \"bad\"\u{1b}[31m",
            "request refused"
        );
        tracing::warn!(r#type = "raw", offset = -5i64, ok = true, ratio = 0.5f64, quoted = "a\\b\"c", "说明 {}", 1);
        tracing::error!(error = &error as &(dyn std::error::Error + 'static), nested = ?vec!["x"], "handler failed");
        tracing::info!(message = "only a message");
        tracing::info!(first = "with no message", second = 2u64);
        tracing::info!("log.target" = "skipped", after = "a", "log crate");
        tracing::debug!(level = "debug");
        tracing::trace!(level = "trace");
        let inner = tracing::info_span!(
            "hisgate.request",
            id = 7i64,
            r#type = ?"raw",
            raw = &b"ab"[..],
            ratio = 0.25f64,
            ok = false,
            late = tracing::field::Empty
        );
        inner.record("late", "记录");
        inner.in_scope(|| {
            tracing::info!(big = 1u128 << 100, neg = -(1i128 << 90), nan = f64::NAN, tiny = 1e-300f64, "nested");
            tracing::info!(bytes = ?b"\x00\xff", text = "tab\there", "inside two spans");
        });
        drop(_entered);
        tracing::info!(outside = "no span");
        tracing::info!(parent: &inner, "a parent of its own, no span entered");
        tracing::info!(parent: None, "no parent at all");
    }

    /// Every line written to `out`, its time (checked first) replaced by `<time>`.
    fn lines(out: &Captured) -> String {
        // The time is the clock's: each line's is made the same, after its shape is checked.
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines = text.lines().map(|line| {
            // `2026-12-07T06:26:14.734945Z`: the 27 characters up to the line's first `Z`, colours or not.
            let end = line.find('Z').unwrap_or_else(|| panic!("{line:?}")) + 1;
            let time = &line[end - 27..end];
            assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{line:?}");
            format!("{}<time>{}", &line[..end - 27], &line[end..])
        });
        lines.collect::<Vec<_>>().join("\n")
    }

    /// The lines [`log_all`] writes through the subscriber `make` builds around a writer.
    pub(in crate::commands) fn written(make: impl FnOnce(Captured) -> tracing::Dispatch) -> String {
        let out = Captured::default();
        tracing::dispatcher::with_default(&make(out.clone()), log_all);
        lines(&out)
    }

    fn captured(fast: bool, ansi: bool) -> String {
        written(|out| {
            let logs = tracing_subscriber::fmt().with_writer(out).with_ansi(ansi).with_max_level(Level::TRACE);
            match fast {
                true => logs.fmt_fields(LineFields).event_format(LineFormat::default()).finish().into(),
                false => logs.finish().into(),
            }
        })
    }

    #[test]
    fn writes_the_time_as_the_default_formatter_does() {
        use chrono::{NaiveDate, NaiveDateTime};
        let at = |y, mo, d, h, mi, s, micro| {
            NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_micro_opt(h, mi, s, micro).unwrap()
        };
        // Each written alone, and kept from line to line: the same second, the next, a new day, years far out.
        let times: [NaiveDateTime; 11] = [
            at(2026, 12, 7, 6, 21, 6, 452_234),
            at(2000, 1, 1, 0, 0, 0, 0),
            at(1999, 12, 31, 23, 59, 59, 999_999),
            at(1999, 12, 31, 23, 59, 59, 7),
            at(2000, 1, 1, 0, 0, 0, 120_000),
            at(2000, 1, 1, 0, 0, 1, 0),
            at(2000, 1, 1, 0, 0, 1, 999_999),
            at(812, 3, 4, 5, 6, 7, 80),
            at(812, 3, 4, 5, 6, 7, 81),
            at(10_000, 1, 1, 0, 0, 0, 1),
            at(10_000, 1, 1, 0, 0, 0, 22),
        ];
        let mut last = super::LastTime::new();
        for time in times {
            let expected = time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
            assert_eq!(super::rfc3339_micros(time), expected);
            assert_eq!(last.at(time), expected);
        }
        // Its shape beside tracing-subscriber's own, whose clock cannot be set.
        let (mut ours, mut theirs) = (String::new(), String::new());
        super::LineTime.format_time(&mut Writer::new(&mut ours)).unwrap();
        tracing_subscriber::fmt::time::SystemTime.format_time(&mut Writer::new(&mut theirs)).unwrap();
        let shape = |t: &str| t.chars().map(|c| if c.is_ascii_digit() { '0' } else { c }).collect::<String>();
        assert_eq!(shape(&ours), shape(&theirs));
    }

    #[test]
    fn writes_every_line_as_the_default_formatter_does() {
        for ansi in [false, true] {
            let (fast, default) = (captured(true, ansi), captured(false, ansi));
            assert_eq!(fast, default, "ansi: {ansi}");
            assert_eq!(fast.lines().count(), 14, "{fast}");
        }
        let plain = captured(true, false);
        assert!(
            plain.contains(
                "hisgate.serve{platform=shaanxi side=\"hospital\" n=3}: hisgate::commands::log_line::tests: request \
             interface=\"TestNet\" code=SUCCESS status=200 latency_us=577 keys=\"\""
            ),
            "{plain}"
        );
    }
}
