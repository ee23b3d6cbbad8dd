//! A short soak of `hisgate serve --platform shaanxi --role hospital` started as the README starts it (default
//! logging at info, the default SQLite file in a fresh folder): 50 000 mixed requests over 32 keep-alive
//! connections through the generated client (`hisgate_tests::soak`), every reply verified and its code checked.
//! The class of bug it guards against — a request's tracing span left entered across `.await`, so each suspended
//! request nested the next, log lines grew without bound and the process finally overflowed its stack — shows as
//! a failed request, a log line over 4 KB, RSS that keeps growing, or a last tenth much slower than the first.
//! `SOAK_REQUESTS` scales the count.

use hisgate_tests::soak::{Config, run};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "current_thread")]
async fn serve_survives_a_short_soak_with_bounded_logs_memory_and_throughput() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["serve", "--platform", "shaanxi", "--role", "hospital", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("a log file"))
        .spawn()
        .expect("hisgate runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("its stdout")).read_line(&mut line).expect("the address line");
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("an address").to_owned();
    let requests = std::env::var("SOAK_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(50_000);
    let config =
        Config { url, requests, connections: 32, pid: Some(child.id()), sample_every: Duration::from_millis(250) };
    let report = run(&config).await;
    let alive = child.try_wait().expect("a status").is_none();
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).expect("the log");
    let details = format!("{}\n{}", report.line(), report.details());
    assert!(alive, "hisgate serve died:\n{details}\n{}", &text[text.len().saturating_sub(2000)..]);
    assert_eq!(report.errors, 0, "{details}");
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest <= 4096, "a log line of {longest} bytes: log lines must stay bounded\n{details}");
    assert!(!text.contains("panicked"), "a panic in the log\n{details}");
    let (start, peak, end) = report.rss_kib.expect("RSS sampled");
    assert!(
        peak < start + 64 * 1024 && end < start + 64 * 1024,
        "RSS grew from {start} KiB to {peak}/{end}\n{details}"
    );
    let growth = report.rss_growth_kib().expect("RSS sampled at each tenth");
    assert!(growth < 8 * 1024, "RSS grew by {growth} KiB over the second half of the run\n{details}");
    let (first, last) = (report.tenths[0], report.tenths[report.tenths.len() - 1]);
    assert!(last >= first / 2.0, "the last tenth ran at {last:.0} req/s, the first at {first:.0}\n{details}");
}
