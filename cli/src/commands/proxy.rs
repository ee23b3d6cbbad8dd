//! `hisgate proxy`: between a caller and its counterpart (HIS → platform, or platform → hospital), forwarding
//! every exchange unchanged while reading both messages against the spec and recording them in the journal.

use super::journal::{DEFAULT_JOURNAL, duration};
use super::serve::{Limits, seconds, stop_requested};
use crate::inputs::Credentials;
use crate::target::{self, Target};
use hisgate_runtime::proxy::journal::Journal;
use hisgate_runtime::proxy::{ProxyConfig, proxy, sweep};
use hisgate_runtime::schema::Side;
use hisgate_runtime::server::{CancellationToken, ServerConfig, listen};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    credentials: Credentials,
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// The counterpart's base address: requests go on to it with their path and query.
    #[arg(long)]
    upstream: String,
    /// The upstream's role, where a path both sides serve (SOAP) leaves it open: `hospital` (the platform calls
    /// the hospital through the proxy) or `platform` (the HIS calls the platform). By default each side is tried.
    #[arg(long, value_enum, value_name = "ROLE")]
    upstream_role: Option<super::serve::Role>,
    /// Where exchanges are recorded: `sqlite://PATH` (created on first start) or `postgres://…` (shared by
    /// several proxies).
    #[arg(long, env = "HISGATE_JOURNAL", default_value = DEFAULT_JOURNAL)]
    journal: String,
    /// PostgreSQL only: the schema the journal's tables are in (created if missing); proxies sharing a journal
    /// give the same one.
    #[arg(long, value_name = "NAME")]
    journal_schema: Option<String>,
    /// Refuse a request the counterpart's server would refuse (bad signature, invalid payload), with the
    /// platform's own code, instead of forwarding it; an upstream that fails gets the platform's system-error reply.
    /// Without it the proxy never alters traffic.
    #[arg(long)]
    enforce: bool,
    /// How long exchanges stay in the journal: `30d`, `12h`, `15m`, `90s`.
    #[arg(long, value_name = "AGE", value_parser = duration, default_value = "30d")]
    keep: Duration,
    /// Seconds the upstream may take to answer, from the connection to the reply's last byte; past it, 504.
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "30")]
    timeout: Duration,
    #[command(flatten)]
    limits: Limits,
    /// Under `--enforce`, which violations refuse a request and which only warn; either way each is journaled,
    /// a warning as such (it does not make the exchange `invalid`).
    #[command(flatten)]
    leniency: crate::target::Leniency,
}

pub fn run(args: Args) -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .fmt_fields(super::log_line::LineFields)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .event_format(super::log_line::LineFormat::default())
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(reason: String) -> ExitCode {
    eprintln!("hisgate proxy: {reason}");
    ExitCode::FAILURE
}

async fn serve(args: Args) -> Result<(), String> {
    let platform = args.target.load()?.into_owned();
    let protocol = target::protocol(&platform)?;
    let (credentials, completed) = crate::inputs::with_examples(args.credentials.inputs(protocol), protocol);
    for name in completed {
        tracing::warn!("{}", crate::inputs::example_warning(&name));
    }
    if !(args.upstream.starts_with("http://") || args.upstream.starts_with("https://")) {
        return Err(format!("--upstream `{}` is not an http:// or https:// address", args.upstream));
    }
    let journal = Journal::open(&args.journal, args.journal_schema.as_deref())
        .await
        .map_err(|e| format!("{}: {e}", args.journal))?;
    let mut server = ServerConfig::new(&platform, credentials);
    server.limits.max_bytes = args.limits.max_body_bytes;
    server.body_read_timeout = args.limits.body_timeout;
    server.strictness = args.leniency.value()?;
    let platform = Arc::new(platform);
    let name = platform.name.to_string();
    let mut config = ProxyConfig::new(platform, &args.upstream, server);
    config.enforce = args.enforce;
    config.journal_shown = super::serve::redact_url(&args.journal);
    config.timeout = args.timeout;
    config.side = args.upstream_role.map(Side::from);
    let stop = CancellationToken::new();
    let running = proxy(config, journal.clone(), stop.clone())?;
    let writer = tokio::spawn(running.writer);
    let sweeper = tokio::spawn(sweep(journal, args.keep, stop.clone()));
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("{}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let journal_shown = super::serve::redact_url(&args.journal);
    let mode = if args.enforce { ", enforcing" } else { "" };
    // Scripts wait for this line (and read the port from it when they asked for port 0).
    println!("hisgate proxy: {name} on http://{address} to {} (journal {journal_shown}{mode})", args.upstream);
    tracing::info!("dashboard: http://{address}/_hisgate/");
    let stopped = listen::serve(listener, running.router, args.limits.connections(), stop_requested()).await;
    // The writer records what is queued, then ends.
    stop.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), writer).await;
    let _ = sweeper.await;
    let stopped = stopped.map_err(|e| e.to_string())?;
    if stopped.cut > 0 {
        tracing::warn!(cut = stopped.cut, "stopped: connections still busy after the grace period were cut");
    }
    Ok(())
}
