//! The JSON log line (`hisgate serve --log-format json`): tracing-subscriber's JSON format with the event's fields
//! at the top level (`json().flatten_event(true)`), byte for byte, each value still written by serde_json, but the
//! spans' fields copied as they were stored. tracing-subscriber keeps a span's fields as JSON text and parses it
//! back into a `serde_json::Value` for every line, twice (the current span, then the list of spans): 35k
//! instructions a line, a quarter of what `hisgate serve` does for a whole request. A span's fields are stored as
//! its `JsonFields` stores them, but without a `serde_json::Value` and a map entry for each (a request's span 6.1k
//! instructions with them, 3.3k without).

use super::log_line::{LineTime, line_time};
use serde::Serialize;
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::span::Record;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{Format, FormatEvent, FormatFields, JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormattedFields};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

/// tracing-subscriber's flattened JSON format with [`LineTime`], written as it writes it where the event is tracing's
/// own (a `log` crate record's target and level are in its fields: the default reads them) and every span's stored
/// fields are the JSON object [`SpanFields`] writes.
#[derive(Debug)]
pub(crate) struct JsonLine {
    default: Format<tracing_subscriber::fmt::format::Json, LineTime>,
}

impl Default for JsonLine {
    fn default() -> Self {
        JsonLine { default: tracing_subscriber::fmt::format().json().flatten_event(true).with_timer(LineTime) }
    }
}

/// The lines written by the default formatter, counted where the tests can see that the others were not.
#[cfg(test)]
static FELL_BACK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl JsonLine {
    fn fall_back<S>(&self, ctx: &FmtContext<'_, S, SpanFields>, writer: Writer<'_>, event: &Event<'_>) -> fmt::Result
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        #[cfg(test)]
        FELL_BACK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.default.format_event(ctx, writer, event)
    }
}

impl<S> FormatEvent<S, SpanFields> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, SpanFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if meta.fields().field("log.target").is_some() {
            return self.fall_back(ctx, writer, event);
        }
        let mut line = Vec::with_capacity(512);
        line.extend_from_slice(br#"{"timestamp":""#);
        line_time(|time| line.extend_from_slice(time.as_bytes()));
        line.extend_from_slice(match *meta.level() {
            Level::TRACE => br#"","level":"TRACE""#,
            Level::DEBUG => br#"","level":"DEBUG""#,
            Level::INFO => br#"","level":"INFO""#,
            Level::WARN => br#"","level":"WARN""#,
            Level::ERROR => br#"","level":"ERROR""#,
        });
        let mut fields = EntryVisitor { line: &mut line, result: Ok(()) };
        event.record(&mut fields);
        fields.result?;
        entry(&mut line, "target", meta.target())?;
        // The default's choices: the event's own parent, else the current span; the list, the current span's scope
        // (none where there is no current span but the event has a parent).
        if let Some(current) = event.parent().and_then(|id| ctx.span(id)).or_else(|| ctx.lookup_current()) {
            line.extend_from_slice(br#","span":"#);
            if !span_object(&mut line, &current)? {
                return self.fall_back(ctx, writer, event);
            }
            line.extend_from_slice(br#","spans":["#);
            for (at, span) in ctx.lookup_current().into_iter().flat_map(|leaf| leaf.scope().from_root()).enumerate() {
                if at > 0 {
                    line.push(b',');
                }
                if !span_object(&mut line, &span)? {
                    return self.fall_back(ctx, writer, event);
                }
            }
            line.push(b']');
        }
        line.extend_from_slice(b"}\n");
        writer.write_str(std::str::from_utf8(&line).map_err(|_| fmt::Error)?)
    }
}

/// `,"name":value`, the value as serde_json writes it.
fn entry(line: &mut Vec<u8>, name: &str, value: &(impl Serialize + ?Sized)) -> fmt::Result {
    line.push(b',');
    json(line, name)?;
    line.push(b':');
    json(line, value)
}

fn json(line: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) -> fmt::Result {
    value.serialize(&mut serde_json::Serializer::new(line)).map_err(|_| fmt::Error)
}

/// A span as the default writes it: the members of its stored fields' object, then its name. False where the
/// span has no such object (the default then writes what it makes of it).
fn span_object<S: for<'a> LookupSpan<'a>>(line: &mut Vec<u8>, span: &SpanRef<'_, S>) -> Result<bool, fmt::Error> {
    let extensions = span.extensions();
    let Some(members) = extensions
        .get::<FormattedFields<SpanFields>>()
        .and_then(|stored| stored.fields.strip_prefix('{')?.strip_suffix('}'))
    else {
        return Ok(false);
    };
    line.push(b'{');
    line.extend_from_slice(members.as_bytes());
    if !members.is_empty() {
        line.push(b',');
    }
    line.extend_from_slice(br#""name":"#);
    json(line, span.metadata().name())?;
    line.push(b'}');
    Ok(true)
}

/// A span's fields as [`JsonFields`] stores them, byte for byte: one JSON object, its keys in order (a key given twice
/// once, with its last value), each value written by serde_json as the `serde_json::Value` it would have made.
#[derive(Debug, Default)]
pub(crate) struct SpanFields;

impl<'w> FormatFields<'w> for SpanFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut members = Members::default();
        fields.record(&mut members);
        members.write(&mut writer)
    }

    /// Fields recorded after the span began: merged as `JsonFields` merges them (the stored object read back, the
    /// new values over it), which is rare enough to be left to it.
    fn add_fields(&self, current: &'w mut FormattedFields<Self>, fields: &Record<'_>) -> fmt::Result {
        if current.is_empty() {
            let mut members = Members::default();
            fields.record(&mut members);
            return members.write(&mut current.as_writer());
        }
        let mut stored = FormattedFields::<JsonFields>::new(std::mem::take(&mut current.fields));
        let merged = JsonFields::new().add_fields(&mut stored, fields);
        current.fields = stored.fields;
        merged
    }
}

/// The members of a span's object, each value already JSON.
#[derive(Default)]
struct Members {
    members: Vec<(&'static str, Vec<u8>)>,
    /// A value's `Debug` failed (`JsonFields`' `format!` would panic): the span's fields are refused, not written.
    failed: bool,
}

impl Members {
    fn insert(&mut self, name: &'static str, value: &(impl Serialize + ?Sized)) {
        let mut json = Vec::new();
        self.failed |= value.serialize(&mut serde_json::Serializer::new(&mut json)).is_err();
        match self.members.iter_mut().find(|(known, _)| *known == name) {
            Some((_, known)) => *known = json,
            None => self.members.push((name, json)),
        }
    }

    fn write(mut self, writer: &mut Writer<'_>) -> fmt::Result {
        if self.failed {
            return Err(fmt::Error);
        }
        self.members.sort_unstable_by_key(|(name, _)| *name);
        let mut object = Vec::with_capacity(64);
        object.push(b'{');
        for (at, (name, value)) in self.members.iter().enumerate() {
            if at > 0 {
                object.push(b',');
            }
            json(&mut object, name)?;
            object.push(b':');
            object.extend_from_slice(value);
        }
        object.push(b'}');
        writer.write_str(std::str::from_utf8(&object).map_err(|_| fmt::Error)?)
    }
}

/// `JsonFields`' visitor's choices: `log` crate metadata and a raw identifier's `r#` only where the value is recorded
/// by its `Debug`.
impl Visit for Members {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field.name(), &value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field.name(), &value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field.name(), &value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field.name(), &value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field.name(), value);
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        self.insert(field.name(), value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            name if name.starts_with("log.") => {}
            name => self.insert(name.strip_prefix("r#").unwrap_or(name), &format_args!("{value:?}")),
        }
    }
}

/// The event's fields as `tracing_serde`'s map visitor writes them, the same methods overridden (the others, as
/// there, recorded by their `Debug`).
struct EntryVisitor<'l> {
    line: &'l mut Vec<u8>,
    result: fmt::Result,
}

impl EntryVisitor<'_> {
    fn entry(&mut self, field: &Field, value: &(impl Serialize + ?Sized)) {
        if self.result.is_ok() {
            self.result = entry(self.line, field.name(), value);
        }
    }
}

impl Visit for EntryVisitor<'_> {
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field, &value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.entry(field, &format_args!("{value:?}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field, &value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field, &value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.entry(field, &value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field, value);
    }
}

#[cfg(test)]
mod tests {
    use super::{JsonLine, SpanFields};
    use crate::commands::log_line::tests::written;
    use tracing::Level;

    fn captured(fast: bool) -> String {
        written(|out| {
            let logs =
                tracing_subscriber::fmt().with_writer(out).with_max_level(Level::TRACE).json().flatten_event(true);
            match fast {
                true => logs.fmt_fields(SpanFields).event_format(JsonLine::default()).finish().into(),
                false => logs.finish().into(),
            }
        })
    }

    #[test]
    fn writes_every_line_as_the_default_json_formatter_does() {
        let (ours, theirs) = (captured(true), captured(false));
        assert_eq!(ours, theirs);
        // Written here but for the `log` crate's record, which only the default reads.
        assert_eq!(super::FELL_BACK.load(std::sync::atomic::Ordering::Relaxed), 1);
        // Not two empty logs alike: every event is there, each line one JSON object, spans and all.
        assert_eq!(ours.lines().count(), 14, "{ours}");
        for line in ours.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert!(value.get("target").is_some(), "{line}");
        }
        assert!(ours.contains(r#""spans":[{"n":3,"platform":"shaanxi","side":"hospital","name":"hisgate.serve"},"#));
        let inner =
            r#"{"id":7,"late":"记录","ok":false,"ratio":0.25,"raw":[97,98],"type":"\"raw\"","name":"hisgate.request"}"#;
        assert!(ours.contains(inner), "{ours}");
    }
}
