//! `hisgate bench`: what the envelope step costs for a payload a user brings, beside the raw cost of the same
//! digest and cipher work over the same bytes, measured in the same process.

use super::io;
use crate::inputs::Credentials;
use crate::target::{self, Target};
use hisgate_runtime::codec::{Limits, json, xml};
use hisgate_runtime::envelope::{Envelope, Format};
use hisgate_runtime::schema::{Direction, ProtocolSchema};
use hisgate_runtime::secret::Inputs;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    credentials: Credentials,
    /// A business payload: XML (its root names it, e.g. `<response>`) or JSON.
    #[arg(long, value_name = "FILE")]
    payload: PathBuf,
    /// The interface's service name the envelope carries.
    #[arg(long, default_value = "Bench")]
    service: String,
    #[arg(long, default_value_t = 2000)]
    iterations: u32,
    /// Print `{"build_us": …, "parse_us": …, "raw_build_us": …, "raw_parse_us": …, "envelope_bytes": …}`.
    #[arg(long)]
    json: bool,
}

/// Mean microseconds of `f` over `n` runs, after a warm-up of a tenth of them.
fn time(n: u32, mut f: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    for _ in 0..(n / 10).max(1) {
        f()?;
    }
    let start = Instant::now();
    for _ in 0..n {
        f()?;
    }
    Ok(start.elapsed().as_secs_f64() * 1e6 / f64::from(n.max(1)))
}

/// Credentials from the flags, filled in from the spec's examples (a credential with none gets a placeholder: the
/// timing does not depend on its value), with every call input.
fn inputs(args: &BenchArgs, protocol: &ProtocolSchema, direction: Direction) -> Inputs {
    let given = crate::inputs::completed(args.credentials.inputs(protocol), protocol, "bench");
    let mut inputs = given.with("service", args.service.clone()).with("timestamp", "20240101120000");
    for c in protocol.credentials.iter() {
        if inputs.get(&c.name).is_none() {
            inputs.set(c.name.to_string(), c.example.as_deref().unwrap_or("bench-credential"), c.secret);
        }
    }
    for role in [hisgate_runtime::schema::EnvelopeRole::Code, hisgate_runtime::schema::EnvelopeRole::Message] {
        if let (Direction::Response, Some(f)) = (direction, protocol.response.field_with_role(role)) {
            inputs.set(f.name.to_string(), "SUCCESS", false);
        }
    }
    inputs
}

pub fn run(args: BenchArgs) -> ExitCode {
    match measure(&args) {
        Ok(report) if args.json => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Ok(report) => {
            let f = |k: &str| report[k].as_f64().unwrap_or_default();
            println!("envelope        {} bytes", report["envelope_bytes"]);
            println!(
                "build           {:>10.1} µs   raw digest + cipher {:>10.1} µs   ratio {:.2}",
                f("build_us"),
                f("raw_build_us"),
                f("build_us") / f("raw_build_us")
            );
            println!(
                "parse           {:>10.1} µs   raw digest + cipher {:>10.1} µs   ratio {:.2}",
                f("parse_us"),
                f("raw_parse_us"),
                f("parse_us") / f("raw_parse_us")
            );
            ExitCode::SUCCESS
        }
        Err(e) => io::run(false, |_| io::Outcome::error(e.clone())),
    }
}

fn measure(args: &BenchArgs) -> Result<Value, String> {
    let platform = args.target.load()?;
    let protocol = target::protocol(&platform)?;
    let text = std::fs::read_to_string(&args.payload).map_err(|e| format!("{}: {e}", args.payload.display()))?;
    let limits = Limits { max_bytes: 64 << 20, max_depth: 64 };
    // The payload is taken as written: the envelope step starts from the payload's wire text.
    let (format, root) = if text.trim_start().starts_with('<') {
        (Format::Xml, xml::parse(&text, limits).map_err(|e| e.to_string())?.root)
    } else {
        json::parse(&text, limits).map_err(|e| e.to_string())?;
        (Format::Json, "request".to_owned())
    };
    if format == Format::Xml && protocol.request.root.is_none() {
        return Err(format!("platform `{}` carries JSON: give a JSON payload", platform.name));
    }
    let direction = if root == "response" { Direction::Response } else { Direction::Request };
    let inputs = inputs(args, protocol, direction);
    let envelope = Envelope::new(protocol, direction);
    let sealed = envelope.seal_text(&text, format, &inputs).map_err(|e| e.to_string())?;
    let n = args.iterations;

    let build_us = time(n, || envelope.seal_text(&text, format, &inputs).map(drop).map_err(|e| e.to_string()))?;
    let parse_us = time(n, || {
        envelope.open_text(&sealed.body, &sealed.headers, format, &inputs, limits).map(drop).map_err(|e| e.to_string())
    })?;

    // The same digest and cipher work over the same bytes, with nothing around it.
    let raw = envelope.raw_crypto(&sealed, &text, format, &inputs).map_err(|e| e.to_string())?;
    let raw_build_us = time(n, || raw.build().map_err(|e| e.to_string()))?;
    let raw_parse_us = time(n, || raw.parse().map_err(|e| e.to_string()))?;
    Ok(json!({
        "build_us": build_us,
        "parse_us": parse_us,
        "raw_build_us": raw_build_us,
        "raw_parse_us": raw_parse_us,
        "envelope_bytes": sealed.body.len(),
    }))
}
