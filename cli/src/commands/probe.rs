//! `hisgate probe`: a conformance run against a live counterpart. The logic is `hisgate-probe`'s; this parses the
//! arguments, shows a progress bar on a terminal and prints or writes the report. Exit 0 with no finding, 1 with
//! any, 2 for a usage error (arguments, platform, role, binding, an unwritable report).

use super::serve::Role;
use crate::inputs::Credentials;
use crate::target::{self, Target};
use hisgate_probe::Options;
use hisgate_runtime::schema::Side;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    credentials: Credentials,
    /// The counterpart's base address: `http://127.0.0.1:8080`.
    #[arg(long)]
    url: String,
    /// Which side the counterpart is: the interfaces it provides are probed.
    #[arg(long, value_enum)]
    role: Role,
    /// Probe only this binding (repeatable); by default every binding of the protocol.
    #[arg(long)]
    binding: Vec<String>,
    /// Also call the interfaces marked `effect: write` (register, pay, refund, cancel, notify).
    #[arg(long)]
    allow_writes: bool,
    /// Write the report as a self-contained HTML page.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Print the report as JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for each reply.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

const USAGE: u8 = 2;

pub fn run(args: Args) -> ExitCode {
    let options = match options(&args) {
        Ok(options) => options,
        Err(reason) => return usage(&reason),
    };
    let total = match hisgate_probe::planned(&options) {
        Ok(total) => total,
        Err(reason) => return usage(&reason),
    };
    let bar = indicatif::ProgressBar::with_draw_target(Some(total as u64), indicatif::ProgressDrawTarget::stderr())
        .with_style(
            indicatif::ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} requests {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return usage(&format!("cannot start the async runtime: {e}")),
    };
    let sent = |interface: &str| {
        bar.set_message(interface.to_owned());
        bar.inc(1);
    };
    let report = runtime.block_on(hisgate_probe::run(&options, &sent));
    bar.finish_and_clear();
    let report = match report {
        Ok(report) => report,
        Err(reason) => return usage(&reason),
    };
    if let Some(file) = &args.report
        && let Err(e) = std::fs::write(file, report.html())
    {
        return usage(&format!("cannot write {}: {e}", file.display()));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print!("{}", report.table());
    }
    if report.findings > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn options(args: &Args) -> Result<Options, String> {
    let platform = args.target.load()?.into_owned();
    let protocol = target::protocol(&platform)?;
    let credentials = crate::inputs::completed(args.credentials.inputs(protocol), protocol, "probe");
    let side = Side::from(args.role);
    if !platform.interfaces.iter().any(|i| i.provider == side) {
        return Err(format!(
            "`{}` declares no interface its {side} side provides: there is nothing to probe",
            platform.name
        ));
    }
    Ok(Options {
        platform: Arc::new(platform),
        side,
        url: args.url.trim_end_matches('/').to_owned(),
        credentials,
        bindings: args.binding.clone(),
        allow_writes: args.allow_writes,
        timeout: Duration::from_secs(args.timeout),
    })
}

fn usage(reason: &str) -> ExitCode {
    eprintln!("hisgate probe: {reason}");
    ExitCode::from(USAGE)
}
