//! `hisgate explain`: the canonical string field by field (included or skipped, and why), every digest step's
//! output, a fingerprint of each key (never the key), and with `--expect` the likely cause of a mismatch.

use super::io::{self, Outcome};
use super::sign::{Common, direction};
use crate::target;
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, Format};
use hisgate_runtime::schema::{Coverage, Direction, KeyOrder, Nested, Numbers, SignatureRule};
use hisgate_runtime::secret::fingerprint;
use hisgate_runtime::signature::Signer;
use hisgate_runtime::signature::diagnose::diagnose;
use serde_json::{Value, json};
use std::process::ExitCode;

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
}

pub fn run(args: ExplainArgs) -> ExitCode {
    let platform = match args.common.target.load() {
        Ok(p) => p,
        Err(e) => return io::run(false, |_| Outcome::error(e.clone())),
    };
    io::run(args.common.jsonl, |object| {
        let work = || -> Result<Value, String> {
            let protocol = target::protocol(&platform)?;
            let (message, inputs) = super::sign::unit(&args.common, protocol, object)?;
            let direction = direction(&args.common, protocol, &message);
            let envelope = Envelope::new(protocol, direction);
            let message =
                envelope.signed_view(&message, &inputs, Format::Json, Limits::default()).map_err(|e| e.to_string())?;
            let signer = Signer::for_protocol(protocol, direction);
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
                "rule": rule_summary(&protocol.signature),
                "fields": fields,
                "canonical": shown,
                "steps": steps,
                "sign": signature.value,
                "keys": keys,
            });
            if let Some(expected) = &args.expect {
                let diagnosis = diagnose(protocol, &signer, &message, &inputs, expected);
                report["expected"] = json!(expected);
                report["matches"] = json!(diagnosis.matches_rule);
                report["tried"] = json!(diagnosis.tried);
                report["findings"] = diagnosis
                    .findings
                    .iter()
                    .map(|f| json!({ "variant": f.variant, "canonical": f.canonical }))
                    .collect();
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
    let Some(expected) = report.get("expected") else { return out };
    if report["matches"] == json!(true) {
        say!("expected   {} — matches the rule", s(expected));
        return out;
    }
    say!("expected   {} — does not match the rule", s(expected));
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    if findings.is_empty() {
        say!(
            "no variant of the {} tried reproduces it: most likely the key differs (compare fingerprints with the \
             other party) or a field's value does",
            report["tried"]
        );
        return out;
    }
    say!("likely cause (each of these reproduces the expected signature):");
    for finding in findings {
        say!("  - {}", s(&finding["variant"]));
        say!("      {}", s(&finding["canonical"]));
    }
    out
}
