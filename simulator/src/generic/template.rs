//! Filling a rule's response template: `{request.PATH}` echoes the request's value (kept as a number or object
//! where the whole string is that one placeholder), `{now|FORMAT}` and `{today|FORMAT}` the time in the platform's
//! zone, `{unique}` a token no other answer of this server shares, `{seq|WIDTH}` the answer's number in its
//! interface's sequence (counted in the store by the caller, zero-padded here).

use chrono::FixedOffset;
use hisgate_runtime::schema::{Part, Placeholder, placeholders};
use hisgate_runtime::validate::scalar_text;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};

pub(super) struct Answering {
    utc_offset: FixedOffset,
    /// This server's start, in milliseconds: `{unique}` tokens of two runs differ.
    session: u128,
    unique: AtomicU64,
}

impl Answering {
    pub fn new(utc_offset: FixedOffset) -> Answering {
        let session = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
        Answering { utc_offset, session, unique: AtomicU64::new(0) }
    }

    /// `template` with its placeholders filled from `request`; `seq` is the answer's number where it uses one.
    pub fn fill(&self, template: &Value, request: &Value, seq: Option<i64>) -> Result<Value, String> {
        match template {
            Value::String(text) => self.text(text, request, seq),
            Value::Array(items) => {
                items.iter().map(|i| self.fill(i, request, seq)).collect::<Result<_, _>>().map(Value::Array)
            }
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.fill(v, request, seq)?)))
                .collect::<Result<_, String>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    fn text(&self, text: &str, request: &Value, seq: Option<i64>) -> Result<Value, String> {
        let parts = placeholders(text)?;
        if let [Part::Value(Placeholder::Request(path))] = parts.as_slice() {
            return Ok(echo(request, path).cloned().unwrap_or(Value::Null));
        }
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value(placeholder) => out.push_str(&self.value(placeholder, request, seq)?),
            }
        }
        Ok(Value::String(out))
    }

    fn value(&self, placeholder: Placeholder, request: &Value, seq: Option<i64>) -> Result<String, String> {
        let now = || hisgate_runtime::clock::now(self.utc_offset);
        Ok(match placeholder {
            Placeholder::Request(path) => echo(request, path).and_then(scalar_text).unwrap_or_default(),
            Placeholder::Now(format) => now().format(format.unwrap_or("%Y-%m-%d %H:%M:%S")).to_string(),
            Placeholder::Today(format) => now().format(format.unwrap_or("%Y-%m-%d")).to_string(),
            Placeholder::Unique => format!("{}{:04}", self.session, self.unique.fetch_add(1, Ordering::Relaxed) + 1),
            Placeholder::Seq(width) => format!("{:0width$}", seq.ok_or("`{seq}` without the answer's number")?),
        })
    }
}

/// Whether a template holds a `{seq}` anywhere (its number is then taken from the store once).
pub(super) fn uses_seq(template: &Value) -> bool {
    match template {
        Value::String(text) => {
            placeholders(text).is_ok_and(|parts| parts.iter().any(|p| matches!(p, Part::Value(Placeholder::Seq(_)))))
        }
        Value::Array(items) => items.iter().any(uses_seq),
        Value::Object(map) => map.values().any(uses_seq),
        _ => false,
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
        assert!(uses_seq(&template) && !uses_seq(&json!({"a": ["{now}"]})));
        let first = answering.fill(&template, &request, Some(1)).unwrap();
        assert_eq!(first["card"], "6217");
        assert_eq!(first["amount"], json!(12.5));
        assert_eq!(first["who"], "患者张三");
        assert_eq!(first["no"], "GH0001");
        assert_eq!(first["day"].as_str().unwrap().len(), 4);
        let second = answering.fill(&template, &request, Some(2)).unwrap();
        assert_eq!(second["no"], "GH0002");
        assert_ne!(first["u"], second["u"]);
        assert!(answering.fill(&template, &request, None).is_err(), "a `{{seq}}` needs its number");
        assert!(answering.fill(&json!("{bad}"), &request, None).is_err());
    }
}
