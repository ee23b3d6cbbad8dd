//! `hisgate serve` and `hisgate proxy` on loopback, `hisgate call` through them, and the journal read back through
//! `hisgate journal`: what the proxy, journal-export and dashboard tests share.

use super::Process;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub fn hospital(dir: &Path) -> Process {
    let db = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    let args = ["serve", "--platform", "shaanxi", "--role", "hospital", "--listen", "127.0.0.1:0", "--db", &db];
    Process::start(&args, dir.join("hospital.log"))
}

pub fn platform(dir: &Path) -> Process {
    let db = format!("sqlite://{}", dir.join("platform.sqlite").display());
    let args = ["serve", "--platform", "shaanxi", "--role", "platform", "--listen", "127.0.0.1:0", "--db", &db];
    Process::start(&args, dir.join("platform.log"))
}

pub fn proxy(dir: &Path, upstream: &str, journal: &str, extra: &[&str]) -> Process {
    let mut args = vec!["proxy", "--platform", "shaanxi", "--listen", "127.0.0.1:0", "--upstream", upstream];
    args.extend(["--journal", journal]);
    args.extend(extra);
    static N: AtomicUsize = AtomicUsize::new(0);
    Process::start(&args, dir.join(format!("proxy-{}.log", N.fetch_add(1, Ordering::Relaxed))))
}

pub fn sqlite_journal(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("journal.sqlite").display())
}

/// `hisgate call` through `url`: its exit status and stdout.
pub fn call(url: &str, binding: &str, interface: &str, request: &Value) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["call", "--platform", "shaanxi", "--url", url, "--binding", binding, "--timeout", "10", interface])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hisgate call runs");
    child.stdin.take().unwrap().write_all(request.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

pub fn journal(args: &[&str], journal: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .arg("journal")
        .args(args)
        .args(["--journal", journal])
        .output()
        .expect("hisgate journal runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The journal's exchanges, oldest first, once `count` are written (the writer runs behind the replies).
pub fn exchanges(url: &str, extra: &[&str], count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let mut args = vec!["list", "--json", "--limit", "1000"];
        args.extend(extra);
        let listed: Vec<Value> = serde_json::from_str(&journal(&args, url)).unwrap();
        if listed.len() >= count {
            return listed.into_iter().rev().collect();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the journal never had {count} exchanges: {}", journal(&["list"], url));
}
