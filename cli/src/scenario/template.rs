//! Values in scenario requests: `{name}` reads a variable saved by an earlier step (`{holder.certNo}` a path into
//! one, see [`super::path`]) or a built-in: `{run}` (the run's number), `{tick}` (two digits neighbouring runs do
//! not share), `{unique}` (a token no other run or invocation shares), `{resident_id}` (a well-formed resident ID
//! number, GB 11643, that no other run or invocation shares), `{today}`, `{today+N}`, `{now}` (`yyyy-MM-dd
//! HH:mm:ss`) and `{stamp}` (`yyyyMMddHHmmss`), all in China Standard Time; `{today+1|%Y%m%d}` formats a date or
//! time another way (chrono's `strftime` syntax).

use super::path::lookup;
use chrono::{Duration, NaiveDateTime};
use serde_json::Value;
use std::collections::BTreeMap;

/// The variables of one run.
#[derive(Debug, Clone)]
pub struct Vars {
    saved: BTreeMap<String, Value>,
    run: u32,
    unique: String,
    now: NaiveDateTime,
    /// What `{resident_id}` is made from: the session's start in seconds, and the run.
    person: u64,
}

impl Vars {
    /// `session` tells this invocation's runs from any earlier one's (the start time, in milliseconds).
    pub fn new(run: u32, session: &str, now: NaiveDateTime) -> Vars {
        // Runs of one invocation, and invocations a second or more apart, get different people.
        let seconds: u64 = session.parse::<u64>().unwrap_or(0) / 1000;
        let person = seconds.wrapping_mul(7919).wrapping_add(u64::from(run));
        Vars { saved: BTreeMap::new(), run, unique: format!("{session}{run:04}"), now, person }
    }

    pub fn save(&mut self, name: &str, value: Value) {
        self.saved.insert(name.to_owned(), value);
    }

    fn get(&self, name: &str) -> Result<Value, String> {
        if let Some(value) = self.saved.get(name) {
            return Ok(value.clone());
        }
        // `{holder.certNo}`: a path into a saved object.
        if let Some((head, path)) = name.split_once('.')
            && let Some(saved) = self.saved.get(head)
        {
            return lookup(saved, path)
                .cloned()
                .ok_or_else(|| format!("`{{{name}}}`: `{head}` has nothing at `{path}`"));
        }
        let (name, format) = match name.split_once('|') {
            Some((name, format)) => (name, Some(format)),
            None => (name, None),
        };
        let time = |at: NaiveDateTime, default: &str| at.format(format.unwrap_or(default)).to_string();
        let text = match name {
            "run" => self.run.to_string(),
            // Two digits neighbouring runs do not share: for requests that must differ, yet fit a time format.
            "tick" => format!("{:02}", self.run % 60),
            "unique" => self.unique.clone(),
            "resident_id" => resident_id(self.person),
            "now" => time(self.now, "%Y-%m-%d %H:%M:%S"),
            "stamp" => time(self.now, "%Y%m%d%H%M%S"),
            "today" => time(self.now, "%Y-%m-%d"),
            other => match other.strip_prefix("today+").and_then(|n| n.parse::<i64>().ok()) {
                Some(days) => time(self.now + Duration::days(days), "%Y-%m-%d"),
                None => return Err(format!("`{{{name}}}` is neither a saved variable nor a built-in")),
            },
        };
        Ok(Value::String(text))
    }

    /// `value` with every `{name}` filled in. A string that is one placeholder takes the variable's value as it
    /// is (an object saved from a reply stays an object).
    pub fn fill(&self, value: &Value) -> Result<Value, String> {
        match value {
            Value::String(text) => self.fill_text(text),
            Value::Array(items) => items.iter().map(|v| self.fill(v)).collect::<Result<_, _>>().map(Value::Array),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.fill(v)?)))
                .collect::<Result<_, String>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    /// `text` filled in, as text.
    pub fn text(&self, text: &str) -> Result<String, String> {
        let value = self.fill_text(text)?;
        Ok(hisgate_runtime::validate::scalar_text(&value).unwrap_or_else(|| value.to_string()))
    }

    fn fill_text(&self, text: &str) -> Result<Value, String> {
        if let Some(name) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).filter(|n| !n.contains(['{', '}']))
        {
            return self.get(name);
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').ok_or_else(|| format!("`{text}` has a `{{` without its `}}`"))? + open;
            out.push_str(&rest[..open]);
            let value = self.get(&rest[open + 1..close])?;
            out.push_str(&hisgate_runtime::validate::scalar_text(&value).unwrap_or_else(|| value.to_string()));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }
}

/// A resident ID number for person `n`: a Xi'an district, a birthday between 1950 and 2004, a sequence number, and
/// the GB 11643 check character, so that a HIS that checks it files the patient.
fn resident_id(n: u64) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default() + Duration::days((n % 20_000) as i64);
    hisgate_simulator::people::complete(&format!("610113{}{:03}", day.format("%Y%m%d"), (n / 20_000) % 1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let now = NaiveDateTime::parse_from_str("2026-11-22 09:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let mut vars = Vars::new(3, "1732", now);
        vars.save("orderId", json!("GH001"));
        vars.save("order", json!({"amount": "10.00"}));
        vars
    }

    #[test]
    fn fills_saved_values_and_built_ins() {
        let request = json!({"id": "{orderId}", "note": "第{run}次 {today+1}", "order": "{order}", "n": ["{unique}"], "a": "{order.amount}"});
        let filled = vars().fill(&request).unwrap();
        let expected = json!({"id": "GH001", "note": "第3次 2026-11-23", "order": {"amount": "10.00"}, "n": ["17320003"], "a": "10.00"});
        assert_eq!(filled, expected);
        assert!(vars().fill(&json!("{missing}")).unwrap_err().contains("missing"));
        assert!(vars().fill(&json!("a{b")).is_err());
    }

    #[test]
    fn formats_times_and_makes_well_formed_resident_ids() {
        let filled = vars().fill(&json!("{today+1|%Y%m%d}/{now|%H%M}")).unwrap();
        assert_eq!(filled, json!("20261123/0930"));
        let id = vars().fill(&json!("{resident_id}")).unwrap();
        assert!(hisgate_simulator::people::is_valid(id.as_str().unwrap()), "{id}");
        assert!((0..40_000).step_by(997).all(|n| hisgate_simulator::people::is_valid(&resident_id(n))));
        assert_ne!(resident_id(1), resident_id(2));
    }
}
