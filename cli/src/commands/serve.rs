//! `hisgate serve`: one side of a platform as a running, stateful simulator — the generated server over the
//! store, seeded with sample data on first start, with its outbox couriers beside it.

use crate::inputs::Credentials;
use crate::target::{self, Target};
use hisgate_runtime::schema::Side;
use hisgate_runtime::server::{CancellationToken, ConnectionLimits, listen, ops};
use hisgate_runtime::store::Store;
use hisgate_runtime::store::outbox::RetryPolicy;
use hisgate_simulator::Options;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

/// A side, as the command line names it (`--role`, `--side`, `--sender`, `--upstream-role`).
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum Role {
    Hospital,
    Platform,
}

impl From<Role> for Side {
    fn from(role: Role) -> Side {
        match role {
            Role::Hospital => Side::Hospital,
            Role::Platform => Side::Platform,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// Which side to run: the interfaces it provides are served, the calls it makes go to `--peer`.
    #[arg(long, value_enum)]
    role: Role,
    #[command(flatten)]
    credentials: Credentials,
    /// `sqlite://PATH` (created on first start) or `postgres://…`; by default `sqlite://hisgate-PLATFORM-ROLE.sqlite`.
    #[arg(long, env = "HISGATE_DB")]
    db: Option<String>,
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The other side's base address, for the calls this side makes (notifications, callbacks).
    #[arg(long)]
    peer: Option<String>,
    /// Seconds a call to the peer stays claimed (default 60): a call cut short by a crash is sent again this late,
    /// by a restart or another instance. Keep it above a call's 10 s timeout when instances share a database.
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    outbox_lease: Option<Duration>,
    /// Seconds to wait after a call to the peer first fails (default 1), doubling after each further failure.
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    outbox_first_delay: Option<Duration>,
    /// `text` (human) or `json` (one object per line, for log shippers). The level comes from `RUST_LOG` (default
    /// `info`: one line per request with interface, code, status and latency).
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(flatten)]
    limits: Limits,
    #[command(flatten)]
    leniency: crate::target::Leniency,
    /// Serve the side from its spec alone (answers: the interfaces' `answers:` rules, else examples, else generated
    /// values), even where a hand-written simulator exists. Sides without one are always served this way.
    #[arg(long)]
    generic: bool,
    /// Serve the side through the HIS's own database: each interface by the stored procedure or view its
    /// `database:` declares, in the PostgreSQL `--db` (`hisgate export sql` writes the declarations).
    #[arg(long, conflicts_with = "generic")]
    database: bool,
    /// Record every exchange this side answers in a journal (`sqlite://PATH` or `postgres://…`), as `hisgate proxy`
    /// does, and serve the dashboard at `/_hisgate/`. Each exchange is read again off the request's path (both
    /// signatures, violations, keys): it costs CPU, not latency.
    #[arg(long, value_name = "URL")]
    journal: Option<String>,
    /// PostgreSQL only: the schema the journal's tables are in (as `hisgate proxy --journal-schema`).
    #[arg(long, value_name = "NAME", requires = "journal")]
    journal_schema: Option<String>,
    /// With --journal: how long exchanges stay in it (`30d`, `12h`, `15m`, `90s`).
    #[arg(long, value_name = "AGE", value_parser = super::journal::duration, default_value = "30d", requires = "journal")]
    keep: Duration,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every limit of the HTTP layer; a request or connection past one is answered or closed, never waited on.
#[derive(clap::Args, Debug)]
pub(crate) struct Limits {
    /// Seconds a client may take from a request's first byte (or the connection's opening) to its last header.
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "10")]
    pub(crate) header_timeout: Duration,
    /// Seconds a client may take to send a request's body.
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "30")]
    pub(crate) body_timeout: Duration,
    /// Seconds a keep-alive connection may wait idle for its next request.
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "60")]
    pub(crate) idle_timeout: Duration,
    /// The request line and headers, in bytes; a larger head is answered 431.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
    pub(crate) max_header_bytes: usize,
    /// A request's body, in bytes; a larger one (or a `Content-Length` announcing one) is refused at once.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub(crate) max_body_bytes: usize,
    /// Connections open at once; the next is answered 503 and closed.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub(crate) max_connections: usize,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "30")]
    pub(crate) grace: Duration,
}

/// A duration given in seconds, fractions allowed (`0.5`).
pub(crate) fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.parse().map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{text}`: {e}"))
}

pub fn run(args: Args) -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // Buffered: a request's line costs no write(2) of its own (see `log_writer`).
    let stderr = super::log_writer::Buffered::start(std::io::stderr());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(stderr.clone());
    let _ = match args.log_format {
        LogFormat::Text => logs
            .fmt_fields(super::log_line::LineFields)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .event_format(super::log_line::LineFormat::default())
            .try_init(),
        LogFormat::Json => logs
            .json()
            .flatten_event(true)
            .fmt_fields(super::log_json::SpanFields)
            .event_format(super::log_json::JsonLine::default())
            .try_init(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let served = runtime.block_on(serve(args));
    stderr.flush();
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(reason: String) -> ExitCode {
    eprintln!("hisgate serve: {reason}");
    ExitCode::FAILURE
}

async fn serve(args: Args) -> Result<(), String> {
    let platform = args.target.load()?;
    let protocol = target::protocol(&platform)?;
    let side = Side::from(args.role);
    let generic = args.generic || !(args.database || hisgate_simulator::simulated(&platform.name, side));
    if args.database {
        if args.db.is_none() {
            return Err("--database needs --db postgres://… (the HIS database holding the procedures and views)".into());
        }
    } else if generic {
        hisgate_simulator::generic::servable(&platform, side)?;
    } else if args.target.spec.is_some() {
        // The spec as written, without a profile: the simulators are compiled from it.
        let written = Target { profile: None, ..args.target.clone() }.load()?;
        hisgate_simulator::same_as_compiled(&written, side)?;
    }
    let (credentials, completed) = crate::inputs::with_examples(args.credentials.inputs(protocol), protocol);
    for name in completed {
        tracing::warn!("{}", crate::inputs::example_warning(&name));
    }
    let credentials_kept = credentials.clone();
    let url = args.db.clone().unwrap_or_else(|| format!("sqlite://hisgate-{}-{}.sqlite", platform.name, side));
    let store = Store::open(&url).await.map_err(|e| format!("{url}: {e}"))?;
    let defaults = RetryPolicy::default();
    let outbox = RetryPolicy {
        lease: args.outbox_lease.unwrap_or(defaults.lease),
        first_delay: args.outbox_first_delay.unwrap_or(defaults.first_delay),
        ..defaults
    };
    let stop = CancellationToken::new();
    let limits = &args.limits;
    let options = Options {
        peer: args.peer.clone(),
        outbox,
        stop: stop.clone(),
        limits: hisgate_runtime::codec::Limits { max_bytes: limits.max_body_bytes, ..Default::default() },
        body_read_timeout: limits.body_timeout,
        strictness: args.leniency.value()?,
        schema: args.target.profile.is_some().then(|| std::sync::Arc::new(platform.clone().into_owned())),
        ..Options::new(store.clone(), credentials)
    };
    let simulator = if args.database {
        let schema = std::sync::Arc::new(platform.clone().into_owned());
        hisgate_simulator::database::start(schema, side, options).await
    } else if generic {
        if options.peer.is_some() {
            tracing::warn!("--peer is not used: a side served from its spec makes no calls of its own");
        }
        let schema = std::sync::Arc::new(platform.clone().into_owned());
        hisgate_simulator::generic::start(schema, side, options).await
    } else {
        hisgate_simulator::start(&platform.name, side, options).await
    };
    let simulator = simulator.map_err(|e| e.to_string())?;
    let metrics = hisgate_runtime::server::metrics::install()?;
    let ops = ops::Ops { metrics, store: Some(store), stopping: stop.clone() };
    let mut background: Vec<_> = simulator.background.into_iter().map(tokio::spawn).collect();
    let answering = match &args.journal {
        None => simulator.router,
        Some(url) => {
            let (router, tasks) =
                journaled(&args, url, &platform, side, credentials_kept, simulator.router, &stop).await?;
            background.extend(tasks);
            router
        }
    };
    let router = ops::router(ops).merge(answering);
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("{}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // Scripts wait for this line (and read the port from it when they asked for port 0).
    let how = match (args.database, generic) {
        (true, _) => " (database form: the HIS's procedures and views)",
        (false, true) => " (generic: answered from the spec)",
        (false, false) => "",
    };
    println!("hisgate serve: {} {side}{how} on http://{address} (store {})", platform.name, redact_url(&url));
    let connection_limits = ConnectionLimits {
        header_read_timeout: limits.header_timeout,
        idle_timeout: limits.idle_timeout,
        max_header_bytes: limits.max_header_bytes,
        max_connections: limits.max_connections,
        grace: limits.grace,
    };
    let stopped = listen::serve(listener, router, connection_limits, stop_requested()).await;
    // Background work stops after the last request, so a delivery a request caused is not cut needlessly.
    stop.cancel();
    for task in background {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    let stopped = stopped.map_err(|e| e.to_string())?;
    match stopped.cut {
        0 => tracing::info!("stopped"),
        cut => tracing::warn!(cut, "stopped: connections still busy after the grace period were cut"),
    }
    Ok(())
}

/// The side's router with every exchange journaled (the proxy's writer and retention sweep, as background tasks)
/// and the dashboard at `/_hisgate/` beside it.
async fn journaled(
    args: &Args,
    url: &str,
    platform: &hisgate_runtime::schema::PlatformSchema,
    side: Side,
    credentials: hisgate_runtime::secret::Inputs,
    router: hisgate_runtime::server::Router,
    stop: &CancellationToken,
) -> Result<(hisgate_runtime::server::Router, Vec<tokio::task::JoinHandle<()>>), String> {
    use hisgate_runtime::proxy::{ProxyConfig, dashboard, journal::Journal, recording};
    let journal = Journal::open(url, args.journal_schema.as_deref()).await.map_err(|e| format!("{url}: {e}"))?;
    let mut server = hisgate_runtime::server::ServerConfig::new(platform, credentials);
    server.limits.max_bytes = args.limits.max_body_bytes;
    let watching = format!("{} {side}", platform.name);
    let mut config = ProxyConfig::new(std::sync::Arc::new(platform.clone()), "", server);
    config.side = Some(side);
    config.journal_shown = redact_url(url);
    let about = dashboard::About {
        role: "serve".to_owned(),
        platform: platform.name.to_string(),
        watching,
        journal: config.journal_shown.clone(),
    };
    let (recorder, writer) = recording::recorder(config, journal.clone(), stop.clone());
    let tasks = vec![
        tokio::spawn(writer),
        tokio::spawn(hisgate_runtime::proxy::sweep(journal.clone(), args.keep, stop.clone())),
    ];
    let router =
        recording::journaled(router, recorder, args.limits.max_body_bytes).merge(dashboard::router(journal, about));
    tracing::info!("journal {}: dashboard at /_hisgate/", redact_url(url));
    Ok((router, tasks))
}

/// SIGTERM (a service manager, a container) or Ctrl-C.
pub(crate) async fn stop_requested() {
    #[cfg(unix)]
    {
        let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("stop requested: finishing in-flight requests");
}

/// A database URL without its password.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Limits {
    /// The connection layer's share of these limits.
    pub(crate) fn connections(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            max_header_bytes: self.max_header_bytes,
            max_connections: self.max_connections,
            grace: self.grace,
        }
    }
}
