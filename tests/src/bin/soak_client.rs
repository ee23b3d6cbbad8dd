//! The load generator of `scripts/soak`: a bounded soak of a running `hisgate serve --platform shaanxi --role
//! hospital` (see `hisgate_tests::soak` for the mix), every request signed and every reply verified by the
//! generated client.
//!
//! Usage: `soak_client URL REQUESTS CONNECTIONS [SERVER_PID]` — with the server's pid, its VmRSS is sampled every
//! second. Prints a table per interface and the throughput of each tenth on stderr, then one line
//! `requests=… errors=… seconds=… rps=… first_tenth_rps=… last_tenth_rps=… rss_start_kib=… rss_peak_kib=…
//! rss_end_kib=…` on stdout. Exits 1 when any request failed.

use hisgate_tests::soak::{Config, run};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, requests, connections, pid) = match &args[..] {
        [url, requests, connections, rest @ ..] if rest.len() <= 1 => (url, requests, connections, rest.first()),
        _ => {
            eprintln!("usage: soak_client URL REQUESTS CONNECTIONS [SERVER_PID]");
            std::process::exit(2);
        }
    };
    let config = Config {
        url: url.clone(),
        requests: requests.parse().expect("a request count"),
        connections: connections.parse().expect("a connection count"),
        pid: pid.map(|p| p.parse().expect("a pid")),
        sample_every: Duration::from_secs(1),
    };
    // One thread: the server under test keeps the other core.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let report = runtime.block_on(run(&config));
    eprint!("{}", report.details());
    println!("{}", report.line());
    if report.errors > 0 {
        std::process::exit(1);
    }
}
