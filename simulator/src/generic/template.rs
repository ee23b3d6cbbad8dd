//! Filling a rule's response template: `{request.PATH}` echoes the request's value (kept as a number or object
//! where the whole string is that one placeholder), `{now|FORMAT}` and `{today|FORMAT}` the time in the platform's
//! zone, `{unique}` a token no other answer of this server shares, `{seq|WIDTH}` 1, 2, 3, … per interface (kept in
//! memory: it starts again at 1 when the server does).

use chrono::FixedOffset;
use hisgate_runtime::schema::{Part, Placeholder, placeholders};
use hisgate_runtime::validate::scalar_text;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub(super) struct Answering {
    utc_offset: FixedOffset,
    /// This server's start, in milliseconds: `{unique}` tokens of two runs differ.
    session: u128,
    unique: AtomicU64,
    sequences: Mutex<HashMap<String, u64>>,
}

impl Answering {
    pub fn new(utc_offset: FixedOffset) -> Answering {
        let session = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        Answering { utc_offset, session, unique: AtomicU64::new(0), sequences: Mutex::new(HashMap::new()) }
    }

    /// `template` with its placeholders filled from `request`.
    pub fn fill(&self, interface: &str, template: &Value, request: &Value) -> Result<Value, String> {
        match template {
            Value::String(text) => self.text(interface, text, request),
            Value::Array(items) => {
                items.iter().map(|i| self.fill(interface, i, request)).collect::<Result<_, _>>().map(Value::Array)
            }
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.fill(interface, v, request)?)))
                .collect::<Result<_, String>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    fn text(&self, interface: &str, text: &str, request: &Value) -> Result<Value, String> {
        let parts = placeholders(text)?;
        if let [Part::Value(Placeholder::Request(path))] = parts.as_slice() {
            return Ok(echo(request, path).cloned().unwrap_or(Value::Null));
        }
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value(placeholder) => out.push_str(&self.value(interface, placeholder, request)),
            }
        }
        Ok(Value::String(out))
    }

    fn value(&self, interface: &str, placeholder: Placeholder, request: &Value) -> String {
        let now = || hisgate_runtime::clock::now(self.utc_offset);
        match placeholder {
            Placeholder::Request(path) => echo(request, path).and_then(scalar_text).unwrap_or_default(),
            Placeholder::Now(format) => now().format(format.unwrap_or("%Y-%m-%d %H:%M:%S")).to_string(),
            Placeholder::Today(format) => now().format(format.unwrap_or("%Y-%m-%d")).to_string(),
            Placeholder::Unique => format!("{}{:04}", self.session, self.unique.fetch_add(1, Ordering::Relaxed) + 1),
            Placeholder::Seq(width) => {
                let mut sequences = self.sequences.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let next = sequences.entry(interface.to_owned()).or_insert(0);
                *next += 1;
                format!("{:0width$}", *next)
            }
        }
    }
}

/// The request's value at a dotted path through objects (a list: its first item).
fn echo<'v>(request: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(request, |value, segment| {
        let value = match value {
            Value::Array(items) => items.first()?,
            other => other,
        };
        value.get(segment)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn echoes_counts_and_formats() {
        let answering = Answering::new(hisgate_runtime::clock::china_standard_time());
        let request = json!({"cardNo": "6217", "amount": 12.5, "p": {"name": "张三"}});
        let template = json!({"card": "{request.cardNo}", "amount": "{request.amount}", "who": "患者{request.p.name}",
                              "no": "GH{seq|4}", "day": "{today|%Y}", "u": "{unique}"});
        let first = answering.fill("Pay", &template, &request).unwrap();
        assert_eq!(first["card"], "6217");
        assert_eq!(first["amount"], json!(12.5));
        assert_eq!(first["who"], "患者张三");
        assert_eq!(first["no"], "GH0001");
        assert_eq!(first["day"].as_str().unwrap().len(), 4);
        let second = answering.fill("Pay", &template, &request).unwrap();
        assert_eq!(second["no"], "GH0002");
        assert_ne!(first["u"], second["u"]);
        assert_eq!(answering.fill("Other", &template, &request).unwrap()["no"], "GH0001");
        assert!(answering.fill("Pay", &json!("{bad}"), &request).is_err());
    }
}
