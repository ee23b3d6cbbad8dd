//! The load generator of `scripts/load`: a bounded number of requests over keep-alive connections on loopback,
//! each connection sending its next request when the previous reply is in (a closed loop), every one timed.
//! wrk is not used because it runs for a duration: its Lua `thread:stop()` ends a thread early, but the run
//! lasts the whole `-d` all the same, so a bounded count would give no rate.
//!
//! Usage: `load_client PORT TestNet|QueryRegister REQUESTS CONNECTIONS [--hello|--serve] [--spin]`
//!
//! The body is sealed once for the XML binding: TestNet's full request, or a QueryRegister of one patient's ten
//! orders ([`hisgate_tests::load::query`]); `--hello` sends the same bytes to the hello-world server. `--serve`
//! says the server is `hisgate serve`, whose store first gets those ten orders through its own OrderRegister.
//! Before timing, one call through the generated client checks that the server answers with success (and
//! QueryRegister with ten orders). Prints `requests=… seconds=… rps=… p50_us=… p99_us=… client_waits=…`, the last
//! the times per request this client waited for a reply (see [`waits`]). `--spin` keeps it from ever waiting
//! (a diagnostic: what a server costs without the wake-ups its client's waits put on it).
//!
//! `load_client envelope TestNet|QueryRegister ITERATIONS` times the interface's envelope step alone, in this
//! process, as `benches/envelope.rs` defines it: open (verify, decrypt) the request the load sends, and seal
//! (encrypt, sign) the reply's payload text — the bare server's answer. Prints `envelope_us=…`, the mean.
//! `load_client router TestNet|QueryRegister ITERATIONS` times the bare server's router handed the load's request
//! in this process (no HTTP, no sockets), its reply read. Prints `router_us=…`, the mean.

use hisgate_generated::shaanxi::interfaces::{TestNet, query_register};
use hisgate_generated::shaanxi::{PLATFORM, hospital};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, Format};
use hisgate_runtime::schema::{Direction, EnvelopeRole};
use hisgate_tests::load;
use hisgate_tests::loopback::{client_config, credentials, full_request};
use std::io;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// The servers' allocator (cli/Cargo.toml, load_server.rs): the envelope step is timed as a server runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Unmeasured requests per connection first: connections, allocator and caches warm.
const WARM_UP: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, interface, iterations] = &args[..]
        && matches!(mode.as_str(), "envelope" | "router")
    {
        let iterations = iterations.parse().expect("an iteration count");
        match mode.as_str() {
            "envelope" => envelope_step(interface, iterations),
            _ => router_step(interface, iterations),
        }
        return;
    }
    let hello = args.iter().any(|a| a == "--hello");
    let serve = args.iter().any(|a| a == "--serve");
    let positional: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with("--")).collect();
    let [port, interface, requests, connections] = positional[..] else {
        eprintln!("usage: load_client PORT TestNet|QueryRegister REQUESTS CONNECTIONS [--hello|--serve] [--spin]");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("a port");
    let requests: usize = requests.parse().expect("a request count");
    let connections: usize = connections.parse().expect("a connection count");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let request = http_request(port, interface);
    let spin = args.iter().any(|a| a == "--spin");
    runtime.block_on(async {
        if spin {
            // Never waiting in the kernel: with a task always ready, the runtime polls the sockets without
            // sleeping, so no reply's write has to wake this client — the server's figures then leave out the
            // wake-ups a server slower than its client pays (see `waits`), dear on a VM. A diagnostic: a real
            // client does wait.
            tokio::spawn(async {
                loop {
                    tokio::task::yield_now().await;
                }
            });
        }
        if hello {
            let reply = run(port, &request, 1, 1).await.1;
            assert_eq!(reply, b"Hello, World!", "the hello-world server's reply");
        } else {
            check(port, interface, serve).await;
        }
        run(port, &request, connections * WARM_UP, connections).await;
        let waited_before = waits();
        let started = Instant::now();
        let (mut latencies, _) = run(port, &request, requests, connections).await;
        let seconds = started.elapsed().as_secs_f64();
        let waited = waited_before.zip(waits()).map_or(f64::NAN, |(before, after)| after.saturating_sub(before) as f64);
        latencies.sort_unstable();
        let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)].as_micros();
        println!(
            "requests={} seconds={seconds:.3} rps={:.0} p50_us={} p99_us={} client_waits={:.2}",
            latencies.len(),
            latencies.len() as f64 / seconds,
            percentile(50),
            percentile(99),
            waited / latencies.len() as f64
        );
    });
}

/// How many times this client has waited for the kernel so far: its voluntary context switches (the runtime is
/// this one thread). A server slower than its client finds it waiting and wakes it for each reply, on the server's
/// core and in its system time over loopback — cost a faster server does not pay.
fn waits() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("voluntary_ctxt_switches:")).and_then(|v| v.trim().parse().ok())
}

/// The HTTP/1.1 request the generated client would send over the XML binding, as bytes.
fn http_request(port: u16, interface: &str) -> Vec<u8> {
    let http = load::http_request(interface).unwrap_or_else(|e| panic!("{e}"));
    let mut head =
        format!("POST {} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-length: {}\r\n", http.path, http.body.len());
    for (name, value) in &http.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    [head.as_bytes(), b"\r\n", http.body.as_bytes()].concat()
}

/// One call through the generated client: what the load sends must be answered with success, not refused.
/// `hisgate serve` first books the orders QueryRegister answers.
async fn check(port: u16, interface: &str, serve: bool) {
    let client = hospital::Client::new(&format!("http://127.0.0.1:{port}"), client_config(&PLATFORM, "xml")).unwrap();
    if serve && interface == "QueryRegister" {
        load::book(&client).await.unwrap_or_else(|e| panic!("booking the orders QueryRegister answers: {e}"));
    }
    match interface {
        "TestNet" => {
            let reply = client.test_net(&full_request::<TestNet>()).await.expect("TestNet is answered");
            assert!(reply.success, "TestNet: {} {}", reply.code, reply.message);
        }
        _ => {
            let reply = client.query_register(&load::query()).await.expect("QueryRegister is answered");
            assert!(reply.success, "QueryRegister: {} {}", reply.code, reply.message);
            let orders = reply.response.map(|r: query_register::Response| r.order.len());
            assert_eq!(orders, Some(load::ORDERS), "QueryRegister answers {} orders", load::ORDERS);
        }
    }
}

/// Sends `requests` copies of `request` over `connections` connections; returns each one's latency and the
/// last reply's body.
async fn run(port: u16, request: &[u8], requests: usize, connections: usize) -> (Vec<Duration>, Vec<u8>) {
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let share = requests / connections + usize::from(i < requests % connections);
            let request = request.to_vec();
            tokio::spawn(async move { connection(port, &request, share).await.expect("a loopback connection") })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut body = Vec::new();
    for task in tasks {
        let (times, last) = task.await.expect("a load task");
        latencies.extend(times);
        body = last;
    }
    (latencies, body)
}

async fn connection(port: u16, request: &[u8], count: usize) -> io::Result<(Vec<Duration>, Vec<u8>)> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let mut times = Vec::with_capacity(count);
    let mut buffer = Vec::with_capacity(1 << 16);
    let mut body = 0..0;
    for _ in 0..count {
        let sent = Instant::now();
        write_all(&stream, request).await?;
        body = read_reply(&stream, &mut buffer).await?;
        times.push(sent.elapsed());
    }
    Ok((times, buffer[body].to_vec()))
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one `200` reply with a `content-length` (what axum sends for these bodies) into `buffer`; returns where
/// its body is.
async fn read_reply(stream: &TcpStream, buffer: &mut Vec<u8>) -> io::Result<std::ops::Range<usize>> {
    buffer.clear();
    let (head, length) = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).map_err(io::Error::other)?;
            if !head.starts_with("HTTP/1.1 200 ") {
                return Err(io::Error::other(format!("not a 200 reply: {head}")));
            }
            let length = head
                .lines()
                .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .ok_or_else(|| io::Error::other("a reply without content-length"))?;
            break (end + 4, length);
        }
        read_some(stream, buffer).await?;
    };
    while buffer.len() < head + length {
        read_some(stream, buffer).await?;
    }
    Ok(head..head + length)
}

async fn read_some(stream: &TcpStream, buffer: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut chunk) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buffer.extend_from_slice(&chunk[..n]);
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

/// The router step of `interface`'s exchange: the bare server's router (the one `load_server shaanxi` serves)
/// handed the load's request in this process, its reply's body read — all the bare server does but HTTP and the
/// sockets.
fn router_step(interface: &str, iterations: u32) {
    use axum::body::Body;
    use tower::ServiceExt;
    let sent = load::http_request(interface).unwrap_or_else(|e| panic!("{e}"));
    let router = load::bare_router();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let request = || {
        let mut request = axum::http::Request::post(&sent.path);
        for (name, value) in &sent.headers {
            request = request.header(name, value);
        }
        request.body(Body::from(sent.body.clone())).expect("the load's request")
    };
    let step = || async {
        let reply = router.clone().oneshot(request()).await.expect("the router answers");
        assert!(reply.status().is_success(), "the router answered {interface} with {}", reply.status());
        let body = axum::body::to_bytes(reply.into_body(), usize::MAX).await.expect("the reply's body");
        std::hint::black_box(body);
    };
    runtime.block_on(async {
        for _ in 0..iterations / 10 {
            step().await;
        }
        let started = Instant::now();
        for _ in 0..iterations {
            step().await;
        }
        println!("router_us={:.1}", started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations.max(1)));
    });
}

/// The envelope step of `interface`'s exchange: opening its request and sealing its reply's payload text.
fn envelope_step(interface: &str, iterations: u32) {
    let request = load::sealed_request(interface).unwrap_or_else(|e| panic!("{e}"));
    let protocol = PLATFORM.protocol.as_ref().expect("shaanxi has a protocol");
    let reply = load::reply_payload(interface).unwrap_or_else(|e| panic!("{e}"));
    let mut inputs = credentials(&PLATFORM).with("service", interface).with("timestamp", "20240101120000");
    for role in [EnvelopeRole::Code, EnvelopeRole::Message] {
        if let Some(field) = protocol.response.field_with_role(role) {
            inputs.set(field.name.to_string(), "SUCCESS", false);
        }
    }
    let (opener, sealer) = (Envelope::new(protocol, Direction::Request), Envelope::new(protocol, Direction::Response));
    let step = || {
        let opened = opener.open_text(&request.body, &request.headers, Format::Xml, &inputs, Limits::default());
        let sealed = sealer.seal_text(&reply, Format::Xml, &inputs);
        std::hint::black_box((opened.expect("the request opens"), sealed.expect("the reply seals")));
    };
    for _ in 0..iterations / 10 {
        step();
    }
    let started = Instant::now();
    for _ in 0..iterations {
        step();
    }
    println!("envelope_us={:.1}", started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations.max(1)));
}
