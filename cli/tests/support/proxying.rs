//! `hisgate serve` and `hisgate proxy` on loopback, `hisgate call` through them, and the journal read back through
//! `hisgate journal`: what the proxy, journal-export and dashboard tests share.

use super::Process;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn hospital(dir: &Path) -> Process {
    side(dir, "shaanxi", "hospital", &[])
}

pub fn platform(dir: &Path) -> Process {
    side(dir, "shaanxi", "platform", &[])
}

/// `hisgate serve` of one side on a free port, its store a fresh SQLite file in `dir` (or the one there already).
pub fn side(dir: &Path, platform: &str, role: &str, extra: &[&str]) -> Process {
    let db = format!("sqlite://{}", dir.join(format!("{platform}-{role}.sqlite")).display());
    let mut args = vec!["serve", "--platform", platform, "--role", role, "--db", &db];
    if !extra.contains(&"--listen") {
        args.extend(["--listen", "127.0.0.1:0"]);
    }
    args.extend(extra);
    Process::start(&args, dir.join(format!("{platform}-{role}.log")))
}

pub fn proxy(dir: &Path, upstream: &str, journal: &str, extra: &[&str]) -> Process {
    proxy_of(dir, "shaanxi", upstream, journal, extra)
}

/// `hisgate proxy` of `platform` in front of `upstream`, recording into `journal`.
pub fn proxy_of(dir: &Path, platform: &str, upstream: &str, journal: &str, extra: &[&str]) -> Process {
    let mut args = vec!["proxy", "--platform", platform, "--listen", "127.0.0.1:0", "--upstream", upstream];
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

/// What the middle saw and does: forwards to `upstream` (or answers `canned`), counting calls, and may corrupt the
/// reply's signature on the way back.
pub struct Middle {
    upstream: Option<String>,
    pub calls: AtomicUsize,
    pub seen: Mutex<Vec<(String, String, HeaderMap, Bytes)>>,
    lower_sign: bool,
    /// Corrupt the next reply's signature only (then forward as it comes).
    pub corrupt_next: AtomicBool,
    /// How long a request whose query says `slow` waits before it goes on.
    delay: Duration,
    http: reqwest::Client,
}

async fn middle(State(m): State<Arc<Middle>>, request: Request) -> Response {
    m.calls.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let target = parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
    m.seen.lock().unwrap().push((parts.method.to_string(), target.clone(), parts.headers.clone(), body.clone()));
    if target.contains("slow") {
        tokio::time::sleep(m.delay).await;
    }
    let Some(upstream) = &m.upstream else {
        let headers = [("x-canned", "yes"), ("content-type", "text/plain")];
        return (StatusCode::IM_A_TEAPOT, headers, "not an envelope \u{1F375}").into_response();
    };
    let mut forward = m.http.request(parts.method.clone(), format!("{upstream}{target}"));
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            forward = forward.header(name, value);
        }
    }
    let reply = forward.body(body).send().await.unwrap();
    let status = reply.status();
    let content_type = reply.headers().get("content-type").cloned();
    let mut text = reply.text().await.unwrap();
    if m.lower_sign || m.corrupt_next.swap(false, Ordering::SeqCst) {
        // `<sign><![CDATA[ABC…]]></sign>`: the same MD5 in lower-case hex, as a careless counterpart writes it.
        let start = text.find("<sign><![CDATA[").expect("a signed reply") + "<sign><![CDATA[".len();
        let end = start + text[start..].find("]]>").unwrap();
        let lower = text[start..end].to_ascii_lowercase();
        text.replace_range(start..end, &lower);
    }
    let mut response = (status, text).into_response();
    if let Some(content_type) = content_type {
        response.headers_mut().insert("content-type", content_type);
    }
    response
}

pub fn start_middle(upstream: Option<String>, lower_sign: bool) -> (Arc<Middle>, String, tokio::runtime::Runtime) {
    start_slow_middle(upstream, lower_sign, Duration::ZERO)
}

pub fn start_slow_middle(
    upstream: Option<String>,
    lower_sign: bool,
    delay: Duration,
) -> (Arc<Middle>, String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let state = Arc::new(Middle {
        upstream,
        calls: AtomicUsize::new(0),
        seen: Mutex::new(Vec::new()),
        lower_sign,
        corrupt_next: AtomicBool::new(false),
        delay,
        http: reqwest::Client::new(),
    });
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(middle).with_state(state.clone());
    runtime.spawn(async move { axum::serve(listener, router).await.unwrap() });
    (state, url, runtime)
}
