//! `hisgate serve`: one side of a platform as a running, stateful simulator — the generated server over the
//! store, seeded with sample data on first start, with its outbox couriers beside it.

use crate::inputs::Credentials;
use crate::target::{self, Target};
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_runtime::store::outbox::RetryPolicy;
use hisgate_simulator::Options;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum Role {
    Hospital,
    Platform,
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
}

/// A duration given in seconds, fractions allowed (`0.5`).
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.parse().map_err(|_| format!("`{text}` is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{text}`: {e}"))
}

pub fn run(args: Args) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
    eprintln!("hisgate serve: {reason}");
    ExitCode::FAILURE
}

async fn serve(args: Args) -> Result<(), String> {
    let platform = args.target.load()?;
    let protocol = target::protocol(&platform)?;
    let side = match args.role {
        Role::Hospital => Side::Hospital,
        Role::Platform => Side::Platform,
    };
    let (credentials, completed) = crate::inputs::with_examples(args.credentials.inputs(protocol), protocol);
    for name in completed {
        eprintln!("hisgate serve: no --{} given: using the spec's example value", crate::inputs::flag(&name));
    }
    let url = args.db.unwrap_or_else(|| format!("sqlite://hisgate-{}-{}.sqlite", platform.name, side));
    let store = Store::open(&url).await.map_err(|e| format!("{url}: {e}"))?;
    let defaults = RetryPolicy::default();
    let outbox = RetryPolicy {
        lease: args.outbox_lease.unwrap_or(defaults.lease),
        first_delay: args.outbox_first_delay.unwrap_or(defaults.first_delay),
        ..defaults
    };
    let options = Options { store, credentials, peer: args.peer, outbox };
    let simulator = hisgate_simulator::start(&platform.name, side, options).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("{}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    for work in simulator.background {
        tokio::spawn(work);
    }
    // Scripts wait for this line (and read the port from it when they asked for port 0).
    println!("hisgate serve: {} {side} on http://{address} (store {})", platform.name, redact_url(&url));
    axum::serve(listener, simulator.router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// A database URL without its password.
fn redact_url(url: &str) -> String {
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
