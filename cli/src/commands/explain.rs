//! `hisgate explain`: the canonical string field by field (included or skipped, and why), every digest step's
//! output, a fingerprint of each key (never the key), and with `--expect` the likely cause of a mismatch.

use super::io::{self, Outcome};
use super::sign::{Common, envelope};
use crate::target;
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::Format;
use hisgate_runtime::schema::{Coverage, Direction, KeyOrder, Nested, Numbers, SignatureRule};
use hisgate_runtime::secret::fingerprint;
use hisgate_runtime::signature::diagnose::{Diff, Options, diagnose};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    common: Common,
    /// The signature a counterpart computed: search for the variant of the rule that gives it.
    #[arg(long, value_name = "SIGN")]
    expect: Option<String>,
    /// Print the explanation as JSON.
    #[arg(long)]
    json: bool,
    /// How long `--expect` may search pairs of mistakes: `1s`, `250ms`; single mistakes are always tried.
    #[arg(long, value_name = "TIME", default_value = "1s", value_parser = parse_budget)]
    budget: Duration,
}

fn parse_budget(text: &str) -> Result<Duration, String> {
    let (number, scale) = match text.strip_suffix("ms") {
        Some(ms) => (ms, 0.001),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && (0.0..=3600.0).contains(&n) => Ok(Duration::from_secs_f64(n * scale)),
        _ => Err(format!("`{text}` is not a time: write `1s`, `0.5s` or `250ms`")),
    }
}

pub fn run(args: ExplainArgs) -> ExitCode {
    let platform = match args.common.target.load() {
        Ok(p) => p,
        Err(e) => return io::run(false, |_| Outcome::error(e.clone())),
    };
    io::run(args.common.jsonl, |object| {
        let work = || -> Result<Value, String> {
            let protocol = target::protocol(&platform)?;
            let (message, inputs) = super::sign::unit(&args.common, protocol, object, "explain")?;
            let envelope = envelope(&args.common, protocol, &message);
            let direction = envelope.direction();
            let message =
                envelope.signed_view(&message, &inputs, Format::Json, Limits::default()).map_err(|e| e.to_string())?;
            let signer = envelope.signer();
            let signature = signer.sign(&message, &inputs).map_err(|e| e.to_string())?;
            let shown = signer.shown_canonical(&message, &inputs).map_err(|e| e.to_string())?;
            let fields: Vec<Value> = signature
                .pairs
                .entries
                .iter()
                .map(|e| json!({ "name": e.name, "value": e.value, "included": e.skipped.is_none(), "reason": e.skipped.map(|s| s.reason()) }))
                .collect();
            let steps: Vec<Value> =
                signature.steps.iter().map(|(step, output)| json!({ "step": step, "output": output })).collect();
            let keys: Vec<Value> = protocol
                .credentials
                .iter()
                .filter(|c| c.secret)
                .filter_map(|c| inputs.get(&c.name).map(|v| json!({ "name": c.name, "fingerprint": fingerprint(v) })))
                .collect();
            let mut report = json!({
                "platform": platform.name,
                "direction": match direction { Direction::Request => "request", Direction::Response => "response" },
                "rule": rule_summary(envelope.rule()),
                "fields": fields,
                "canonical": shown,
                "steps": steps,
                "sign": signature.value,
                "keys": keys,
            });
            if let Some(expected) = &args.expect {
                let options = Options { budget: args.budget, ..Options::default() };
                let diagnosis = diagnose(&platform, &envelope, &message, &inputs, expected, options);
                report["matches"] = json!(diagnosis.matches_rule);
                // The diagnosis's own fields beside the explanation's, as a journal stores them.
                if let Value::Object(fields) = serde_json::to_value(&diagnosis).map_err(|e| e.to_string())? {
                    for (name, value) in fields {
                        report[name.as_str()] = value;
                    }
                }
            }
            Ok(report)
        };
        match work() {
            Ok(report) => {
                let failed = args.expect.is_some() && report["matches"] != json!(true);
                let text = (!args.json).then(|| text(&report));
                Outcome { json: report, text, failed }
            }
            Err(e) => Outcome::error(e),
        }
    })
}

fn rule_summary(rule: &SignatureRule) -> String {
    if rule.is_lines() {
        let lines: Vec<String> = rule.lines.iter().map(|l| format!("`{l}`")).collect();
        return format!("lines {}, each ended by `\\n`; signature in `{}`", lines.join(", "), rule.field);
    }
    let covers = match rule.covers {
        Coverage::Declared => "declared fields",
        Coverage::All => "all fields",
    };
    let sort = match rule.sort {
        KeyOrder::Bytes => "byte order",
        KeyOrder::IgnoreCase => "ignoring case",
    };
    let nested = match rule.nested {
        Nested::Flatten => "flattened",
        Nested::Json => "sorted JSON",
        Nested::Xml => "XML",
    };
    let numbers = match rule.numbers {
        Numbers::AsSent => "as sent",
        Numbers::Shortest => "shortest",
    };
    let exclude: Vec<&str> = rule.exclude.iter().map(|e| &**e).collect();
    format!(
        "{covers} except {}; empty values {}; keys in {sort}; nested values {nested}; numbers {numbers}; pairs `{}` joined by `{}`; suffix `{}`",
        exclude.join(", "),
        if rule.drop_empty { "dropped" } else { "kept" },
        rule.pair,
        rule.join,
        rule.suffix
    )
}

fn text(report: &Value) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    // One line of the report.
    macro_rules! say {
        ($($arg:tt)*) => {{ let _ = writeln!(out, $($arg)*); }};
    }
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    say!("platform   {} ({})", s(&report["platform"]), s(&report["direction"]));
    say!("rule       {}", s(&report["rule"]));
    say!("fields");
    let width =
        report["fields"].as_array().into_iter().flatten().map(|f| s(&f["name"]).chars().count()).max().unwrap_or(0);
    for field in report["fields"].as_array().into_iter().flatten() {
        let name = s(&field["name"]);
        if field["included"] == json!(true) {
            say!("  + {name:<width$}  = {}", s(&field["value"]));
        } else {
            say!("  - {name:<width$}  skipped: {}", s(&field["reason"]));
        }
    }
    say!("canonical  {}", s(&report["canonical"]));
    say!("digest");
    for step in report["steps"].as_array().into_iter().flatten() {
        say!("  {:<12} {}", s(&step["step"]), s(&step["output"]));
    }
    say!("signature  {}", s(&report["sign"]));
    for key in report["keys"].as_array().into_iter().flatten() {
        say!("key        {}: {}", s(&key["name"]), s(&key["fingerprint"]));
    }
    if report.get("expected").is_some() {
        out.push_str(&diagnosis_text(report));
    }
    out
}

/// The diagnosis part of a report (`expected` … `ruled out`): a JSON object with the fields of
/// [`hisgate_runtime::signature::diagnose::Diagnosis`] and `matches`. `hisgate check` prints it under a worked
/// example whose printed signature differs.
pub(super) fn diagnosis_text(report: &Value) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    macro_rules! say {
        ($($arg:tt)*) => {{ let _ = writeln!(out, $($arg)*); }};
    }
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let expected = &report["expected"];
    if report["matches"] == json!(true) {
        say!("expected   {} — matches the rule", s(expected));
        return out;
    }
    say!("expected   {} — does not match the rule", s(expected));
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let (tried, singles) = (n(&report["tried"]), n(&report["singles"]));
    let whole = if report["complete"] == json!(true) { "the whole space" } else { "stopped at the budget" };
    say!(
        "searched   {tried} variants ({} single mistakes, {} of {} pairs) in {:.1} ms: {whole}",
        tried.min(singles),
        tried.saturating_sub(singles),
        n(&report["pairs"]),
        n(&report["elapsed_us"]) as f64 / 1000.0
    );
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    if findings.is_empty() {
        if let Some(hint) = report["key_differs"].as_object() {
            say!(
                "no variant reproduces it, yet it has the rule's shape ({}): the key likely differs. Compare \
                 fingerprints with the other party:",
                s(&hint["shape"])
            );
            for key in hint["keys"].as_array().into_iter().flatten() {
                say!("  {}: {}", s(&key["name"]), s(&key["fingerprint"]));
            }
        } else {
            say!(
                "no variant reproduces it, and it has another shape than the rule's signature: another digest or \
                 encoding than any tried, or another message"
            );
        }
    } else {
        say!("likely cause, cheapest first (each reproduces the expected signature):");
        for (i, finding) in findings.iter().enumerate() {
            say!("  {}. {}", i + 1, s(&finding["variant"]));
            say!("       canonical  {}", s(&finding["canonical"]));
            match serde_json::from_value::<Diff>(finding["diff"].clone()) {
                Ok(diff) if diff.same_text() => {
                    say!("       diff       the same string; the digest or its bytes differ")
                }
                Ok(diff) => say!("       diff       {}", diff.compact(32)),
                Err(_) => {}
            }
        }
    }
    let ruled: Vec<String> = report["ruled_out"].as_array().into_iter().flatten().map(s).collect();
    if !ruled.is_empty() {
        say!("ruled out  {}", ruled.join(", "));
    }
    out
}
