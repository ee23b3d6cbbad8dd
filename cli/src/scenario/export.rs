//! `hisgate journal export --scenario FILE`: exchanges a proxy recorded, written back as a scenario that replays
//! them — each exchange a step with its request, expecting the code and the reply values that came back — to run
//! as a regression test against a simulator or the real counterpart (`hisgate scenario run`).
//!
//! A recording is not replayable as it stands, so the export rewrites what would not hold a second time, and says
//! so in the file:
//! - A value a later request took from an earlier reply (a `hospitalOrderId` the counterpart generated, then sent
//!   back in Pay) is saved from that reply (`save:`) and filled in (`{s2_hospitalOrderId}`): the replay carries the
//!   counterpart's new values along, as the recorded caller did.
//! - A date in a field with a date format becomes `{today+N|…}`, N days from the day of the recording; a date and
//!   time becomes `{now|…}`; neither is expected in a reply.
//! - The journal keeps sensitive fields redacted (`3****************4`): each such request value is replaced by the
//!   field's example from the spec (`{resident_id}` where the example is a resident ID number, whose check digit an
//!   example often gets wrong), and is not expected in a reply.
//!
//! What remains is literal: business keys the caller chose (an `orderId`) are sent again as recorded, so a
//! counterpart that answers a repeat with its first answer (exactly once) passes, and one that refuses duplicates
//! needs them edited to `{unique}`.

use hisgate_runtime::proxy::record::Exchange;
use hisgate_runtime::schema::{FieldSchema, MessageId, PlatformSchema, TimeFormat, TimeToken};
use hisgate_runtime::validate::scalar_text;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The scenario text, and what the export left out or changed.
#[derive(Debug)]
pub struct Exported {
    pub yaml: String,
    pub steps: usize,
    /// Exchanges not replayable, each with its id and why.
    pub skipped: Vec<String>,
}

/// Values shorter than this are not traced from a reply to a later request: `1`, `220`, `SUCCESS` recur by chance.
const TRACED_LENGTH: usize = 6;

struct Step<'e> {
    exchange: &'e Exchange,
    request: Value,
    /// Saved variables: name → path into `{code, message, response}`.
    save: BTreeMap<String, String>,
    /// Reply values to expect: path (under `response`) → text.
    expect: BTreeMap<String, String>,
    /// What was rewritten in the request, for the step's comment.
    notes: Vec<String>,
}

/// A reply value a later request may have taken: which step, where, and its text.
struct Offered {
    step: usize,
    path: String,
    text: String,
}

/// `exchanges` oldest first, all of `platform`. `source` says where they came from (the journal and filters).
pub fn scenario(platform: &PlatformSchema, exchanges: &[Exchange], title: &str, source: &str) -> Exported {
    let mut skipped = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut offered: Vec<Offered> = Vec::new();
    let mut sent: HashSet<String> = HashSet::new();
    // Values already traced to a reply: text → variable, so every later request that sends one fills it in too.
    let mut known: HashMap<String, String> = HashMap::new();
    for exchange in exchanges {
        let replayable = replayable(platform, exchange);
        let (interface, payload) = match replayable {
            Ok(found) => found,
            Err(why) => {
                skipped.push(format!("exchange {}: {why}", exchange.id));
                continue;
            }
        };
        let day = chrono::DateTime::from_timestamp_millis(exchange.at_ms)
            .map(|t| t.with_timezone(&hisgate_runtime::clock::china_standard_time()).date_naive())
            .unwrap_or_default();
        let mut rewrite = Rewrite {
            platform,
            day,
            offered: &offered,
            sent: &sent,
            known: &known,
            notes: Vec::new(),
            traced: Vec::new(),
        };
        let request = rewrite.value(interface.request, payload, "");
        let Rewrite { notes, traced, .. } = rewrite;
        for (variable, step, path) in &traced {
            let text = offered.iter().find(|o| o.step == *step && o.path == *path).map(|o| o.text.clone());
            known.extend(text.map(|text| (text, variable.clone())));
        }
        let mut reply_leaves = Vec::new();
        if let Some(reply) = &exchange.reply.payload {
            leaves(platform, interface.response, reply, "", &mut reply_leaves);
        }
        let mut recorded = Vec::new();
        leaves(platform, interface.request, payload, "", &mut recorded);
        sent.extend(recorded.iter().filter_map(|(_, _, v)| scalar_text(v)).filter(|t| !known.contains_key(t)));
        for (variable, step, path) in traced {
            steps[step].save.insert(variable, format!("response.{path}"));
        }
        let index = steps.len();
        let mut expect = BTreeMap::new();
        for (path, field, value) in reply_leaves {
            let Some(text) = scalar_text(value) else { continue };
            let shifting = field.is_some_and(|f| f.sensitive || f.format.is_some());
            if !shifting {
                expect.insert(path.clone(), text.clone());
            }
            if text.chars().count() >= TRACED_LENGTH && !field.is_some_and(|f| f.sensitive) && !sent.contains(&text) {
                offered.push(Offered { step: index, path, text });
            }
        }
        steps.push(Step { exchange, request, save: BTreeMap::new(), expect, notes });
    }
    // A value saved for a later request is the counterpart's to choose: the step it comes from does not expect it,
    // later steps expect whatever it was this time (`{s2_hospitalOrderId}`).
    let saved: HashMap<&String, usize> = known.values().filter_map(|v| Some((v, saved_at(v)?))).collect();
    for (index, step) in steps.iter_mut().enumerate() {
        for path in step.save.values() {
            step.expect.remove(path.trim_start_matches("response."));
        }
        for text in step.expect.values_mut() {
            if let Some(variable) = known.get(text).filter(|v| saved.get(v).is_some_and(|at| *at < index)) {
                *text = format!("{{{variable}}}");
            }
        }
    }
    Exported { yaml: write(platform, &steps, title, source, &skipped), steps: steps.len(), skipped }
}

/// The interface and request payload of an exchange that can be replayed, or why it cannot.
fn replayable<'p, 'e>(
    platform: &'p PlatformSchema,
    exchange: &'e Exchange,
) -> Result<(&'p hisgate_runtime::schema::InterfaceSchema, &'e Value), String> {
    let name = exchange.interface.as_deref().ok_or("the request named no interface of the spec")?;
    let interface = platform
        .interfaces
        .iter()
        .find(|i| i.name == name)
        .ok_or_else(|| format!("`{name}` is not an interface of {}", platform.name))?;
    let payload = exchange.request.payload.as_ref().ok_or("the request could not be read (no payload journaled)")?;
    if exchange.code.is_none() {
        let why = exchange.upstream_error.as_deref().or(exchange.reply.refused.as_ref().map(|r| r.detail.as_str()));
        return Err(format!("no readable reply to expect ({})", why.unwrap_or("not forwarded")));
    }
    Ok((interface, payload))
}

/// Every scalar of a payload: its path (`order[0].status`), its field, its value.
fn leaves<'v, 'p>(
    platform: &'p PlatformSchema,
    message: MessageId,
    value: &'v Value,
    prefix: &str,
    out: &mut Vec<(String, Option<&'p FieldSchema>, &'v Value)>,
) {
    let Value::Object(map) = value else { return };
    let schema = platform.message(message);
    for (name, v) in map {
        let field = schema.field(name);
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match (field.and_then(|f| f.ty.child()), v) {
            (Some(child), Value::Object(_)) => leaves(platform, child, v, &path, out),
            (Some(child), Value::Array(items)) => {
                for (n, item) in items.iter().enumerate() {
                    leaves(platform, child, item, &format!("{path}[{n}]"), out);
                }
            }
            (_, Value::Array(items)) => {
                for (n, item) in items.iter().enumerate() {
                    out.push((format!("{path}[{n}]"), field, item));
                }
            }
            _ => out.push((path, field, v)),
        }
    }
}

/// The request payload as the replay sends it.
struct Rewrite<'a, 'p> {
    platform: &'p PlatformSchema,
    /// The day of the recording, China Standard Time (as `{today}` is).
    day: chrono::NaiveDate,
    offered: &'a [Offered],
    sent: &'a HashSet<String>,
    known: &'a HashMap<String, String>,
    notes: Vec<String>,
    /// Variables this request reads from earlier replies: name, step, path under `response`.
    traced: Vec<(String, usize, String)>,
}

impl Rewrite<'_, '_> {
    fn value(&mut self, message: MessageId, value: &Value, prefix: &str) -> Value {
        let Value::Object(map) = value else { return value.clone() };
        let schema = self.platform.message(message);
        let mut out = Map::new();
        for (name, v) in map {
            let field = schema.field(name);
            let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
            let rewritten = match (field.and_then(|f| f.ty.child()), v) {
                (Some(child), Value::Object(_)) => self.value(child, v, &path),
                (Some(child), Value::Array(items)) => Value::Array(
                    items.iter().enumerate().map(|(n, i)| self.value(child, i, &format!("{path}[{n}]"))).collect(),
                ),
                _ => self.scalar(field, v, &path),
            };
            out.insert(name.clone(), rewritten);
        }
        Value::Object(out)
    }

    fn scalar(&mut self, field: Option<&FieldSchema>, value: &Value, path: &str) -> Value {
        let Some(text) = scalar_text(value) else { return value.clone() };
        if let Some(field) = field.filter(|f| f.sensitive) {
            return match &field.example {
                // A resident ID number stands in as `{resident_id}`: well formed (an example's check digit often is
                // not, and a HIS refuses it), and a new person each run.
                Some(example) if resident_id_shaped(example) => {
                    self.notes.push(format!("{path}: redacted in the journal, a fresh resident ID sent"));
                    Value::String("{resident_id}".to_owned())
                }
                Some(example) => {
                    self.notes.push(format!("{path}: redacted in the journal, the spec's example sent"));
                    Value::String(example.to_string())
                }
                None => {
                    self.notes.push(format!("{path}: redacted in the journal and the spec has no example: edit it"));
                    value.clone()
                }
            };
        }
        if let Some(template) = field.and_then(|f| f.format.as_ref()).and_then(|f| self.moved(f, &text)) {
            return Value::String(template);
        }
        if let Some(variable) = self.known.get(&text) {
            return Value::String(format!("{{{variable}}}"));
        }
        if text.chars().count() >= TRACED_LENGTH && !self.sent.contains(&text) {
            // The first reply that held it: the one that made it.
            if let Some(source) = self.offered.iter().find(|o| o.text == text) {
                let leaf = source.path.rsplit(['.', ']']).next().unwrap_or("value");
                let variable = format!("s{}_{}", source.step + 1, sanitize(leaf));
                self.traced.push((variable.clone(), source.step, source.path.clone()));
                return Value::String(format!("{{{variable}}}"));
            }
        }
        value.clone()
    }

    /// A date as `{today+N|…}` from the recording's day, a date and time as `{now|…}`; `None` for a format
    /// without a whole date, or a value not in it.
    fn moved(&self, format: &TimeFormat, text: &str) -> Option<String> {
        let (strftime, timed) = strftime(format)?;
        if timed {
            chrono::NaiveDateTime::parse_from_str(text, &strftime).ok()?;
            return Some(format!("{{now|{strftime}}}"));
        }
        let date = chrono::NaiveDate::parse_from_str(text, &strftime).ok()?;
        let days = (date - self.day).num_days();
        Some(if days == 0 { format!("{{today|{strftime}}}") } else { format!("{{today+{days}|{strftime}}}") })
    }
}

/// A declared format in chrono's notation, and whether it holds a time; `None` without year, month and day, or
/// with a character the scenario's templates reserve.
fn strftime(format: &TimeFormat) -> Option<(String, bool)> {
    let tokens: Vec<TimeToken> = format.tokens.iter().copied().collect();
    let whole = [TimeToken::Year, TimeToken::Month, TimeToken::Day].iter().all(|t| tokens.contains(t));
    if !whole {
        return None;
    }
    let mut out = String::new();
    for token in &tokens {
        out.push_str(match token {
            TimeToken::Year => "%Y",
            TimeToken::Month => "%m",
            TimeToken::Day => "%d",
            TimeToken::Hour => "%H",
            TimeToken::Minute => "%M",
            TimeToken::Second => "%S",
            TimeToken::Millis => "%3f",
            TimeToken::Literal('{' | '}' | '|' | '%') => return None,
            TimeToken::Literal(c) => {
                out.push(*c);
                continue;
            }
        });
    }
    Some((out, tokens.contains(&TimeToken::Hour)))
}

/// 17 digits and a check character: the shape of a resident ID number (GB 11643).
fn resident_id_shaped(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 18 && bytes[..17].iter().all(u8::is_ascii_digit) && (bytes[17].is_ascii_digit() || bytes[17] == b'X')
}

/// The step (from 0) a variable `s3_name` is saved by.
fn saved_at(variable: &str) -> Option<usize> {
    variable.strip_prefix('s')?.split('_').next()?.parse::<usize>().ok()?.checked_sub(1)
}

fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

fn write(platform: &PlatformSchema, steps: &[Step], title: &str, source: &str, skipped: &[String]) -> String {
    let mut out = format!("scenario: {}\nplatform: {}\n", quoted(title), quoted(&platform.name));
    out.push_str("description: |\n");
    out.push_str(&format!(
        "  Exported by `hisgate journal export` from {source}: {} exchange(s) replayed in the\n",
        steps.len()
    ));
    out.push_str("  order they were recorded. Each step expects the recorded return code and reply values, except\n");
    out.push_str("  dates and times, redacted fields, and values later steps take from it (saved, then filled in).\n");
    for line in skipped {
        out.push_str(&format!("  Left out: {line}.\n"));
    }
    out.push_str("steps:\n");
    for step in steps {
        let e = step.exchange;
        let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
            .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "  # exchange {} at {at}: {}, HTTP {}, {} binding\n",
            e.id,
            e.verdict.as_str(),
            e.status,
            e.binding.as_deref().unwrap_or("-")
        ));
        for note in &step.notes {
            out.push_str(&format!("  # {note}\n"));
        }
        out.push_str(&format!("  - call: {}\n", quoted(e.interface.as_deref().unwrap_or_default())));
        out.push_str("    request:");
        block(&mut out, &step.request, 6);
        out.push_str(&format!("    expect:\n      code: {}\n", quoted(e.code.as_deref().unwrap_or_default())));
        if !step.expect.is_empty() {
            out.push_str("      response:\n");
            for (path, text) in &step.expect {
                out.push_str(&format!("        {}: {}\n", quoted(path), quoted(text)));
            }
        }
        if !step.save.is_empty() {
            out.push_str("    save:\n");
            for (name, path) in &step.save {
                out.push_str(&format!("      {name}: {}\n", quoted(path)));
            }
        }
    }
    out
}

/// A value after its key (`key:` already written): a scalar on the line, a mapping or list below at `indent`.
fn block(out: &mut String, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            for (key, v) in map {
                out.push_str(&format!("{pad}{}:", key_text(key)));
                block(out, v, indent + 2);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                let mut inner = String::new();
                block(&mut inner, item, indent + 2);
                // `- ` takes the place of the item's first indentation (a mapping), or precedes a scalar.
                let inner = inner.strip_prefix('\n').map_or_else(
                    || inner.trim_start().to_owned(),
                    |rest| rest.strip_prefix(&" ".repeat(indent + 2)).unwrap_or(rest).to_owned(),
                );
                out.push_str(&format!("{pad}- {inner}"));
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        Value::Null => out.push_str(" ~\n"),
        scalar => out.push_str(&format!(" {}\n", quoted(&scalar_text(scalar).unwrap_or_default()))),
    }
}

/// A double-quoted YAML scalar (JSON's escapes are YAML's).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn key_text(key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain { key.to_owned() } else { quoted(key) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_written_read_back_as_the_same_text() {
        let request = json!({"a": "1", "名字": "张三 \"引号\" : # {x}", "list": [{"k": "v", "n": []}, "two", {}],
            "deep": {"x": {"y": "z"}}, "none": null, "empty": {}});
        let mut yaml = String::from("scenario: t\nplatform: shaanxi\nsteps:\n  - call: TestNet\n    request:");
        block(&mut yaml, &request, 6);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.yaml");
        std::fs::write(&path, &yaml).unwrap();
        let loaded = super::super::file::load(&path).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        assert_eq!(loaded.steps[0].request, request, "{yaml}");
    }

    #[test]
    fn dated_formats_become_templates_and_others_do_not() {
        let format = |p: &str| TimeFormat::parse(p).unwrap();
        assert_eq!(strftime(&format("YYYY-MM-DD")), Some(("%Y-%m-%d".to_owned(), false)));
        assert_eq!(strftime(&format("yyyyMMddHHmmss")), Some(("%Y%m%d%H%M%S".to_owned(), true)));
        assert_eq!(strftime(&format("HH24MI-HH24MI")), None);
        assert!(resident_id_shaped("61011319900101123X") && !resident_id_shaped("6101131990010112"));
        assert_eq!(saved_at("s12_hospitalOrderId"), Some(11));
    }
}
