//! JSON on stdin and stdout: one document, or one object per line with `--jsonl`.

use hisgate_runtime::codec::{Limits, json};
use serde_json::{Map, Value};
use std::io::{BufRead, Read, Write};
use std::process::ExitCode;

/// The largest stdin document read in single mode.
const LIMITS: Limits = Limits { max_bytes: 16 << 20, max_depth: 64 };

pub fn read_object(text: &str) -> Result<Map<String, Value>, String> {
    match json::parse(text, LIMITS).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        other => Err(format!("expected a JSON object, found {}", kind(&other))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        _ => "another value",
    }
}

/// The object a field of `object` holds.
pub fn member_object<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a Map<String, Value>, String> {
    object.get(name).and_then(Value::as_object).ok_or_else(|| format!("expected `{name}` to be a JSON object"))
}

pub fn member_text<'a>(object: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    object.get(name).and_then(Value::as_str).ok_or_else(|| format!("expected `{name}` to be a string"))
}

/// What one unit of work produced: JSON (or, for human-facing commands, text) to print, and whether it counts as
/// a failure for the exit code.
pub struct Outcome {
    pub json: Value,
    pub text: Option<String>,
    pub failed: bool,
}

impl Outcome {
    pub fn ok(json: Value) -> Outcome {
        Outcome { json, text: None, failed: false }
    }

    pub fn failure(json: Value) -> Outcome {
        Outcome { json, text: None, failed: true }
    }

    pub fn error(message: impl Into<String>) -> Outcome {
        Outcome::failure(serde_json::json!({ "error": message.into() }))
    }
}

/// Runs `work` over stdin (the whole document, or each line with `jsonl`), printing one JSON object per unit;
/// exits 1 if any unit failed.
pub fn run(jsonl: bool, work: impl Fn(Map<String, Value>) -> Outcome) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    let mut emit = |outcome: Outcome, out: &mut dyn Write| {
        failed |= outcome.failed;
        let _ = match outcome.text {
            Some(text) => write!(out, "{text}"),
            None => writeln!(out, "{}", outcome.json),
        };
    };
    if jsonl {
        for line in std::io::stdin().lock().lines() {
            let outcome = match line {
                Ok(line) if line.trim().is_empty() => continue,
                Ok(line) => read_object(&line).map_or_else(Outcome::error, &work),
                Err(e) => Outcome::error(format!("cannot read stdin: {e}")),
            };
            emit(outcome, &mut out);
        }
    } else {
        let mut text = String::new();
        let outcome = match std::io::stdin().read_to_string(&mut text) {
            Ok(_) => read_object(&text).map_or_else(Outcome::error, &work),
            Err(e) => Outcome::error(format!("cannot read stdin: {e}")),
        };
        emit(outcome, &mut out);
    }
    let _ = out.flush();
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
