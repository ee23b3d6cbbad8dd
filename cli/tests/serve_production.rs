//! `hisgate serve` as an operator leaves it running: slow and hostile clients are cut off at the documented
//! limits, `/healthz`, `/readyz` and `/metrics` answer without touching a handler, SIGTERM lets in-flight requests
//! finish and exits 0, and every request leaves one bounded log line (text or JSON).

use hisgate_generated::shaanxi::{self, PLATFORM};
use hisgate_tests::loopback::client_config;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `hisgate serve --platform shaanxi --role hospital` process on a SQLite file of its own, killed when dropped.
struct Served {
    child: Child,
    address: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(extra: &[&str]) -> Served {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
        let log = dir.path().join("serve.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
            .args(["serve", "--platform", "shaanxi", "--role", "hospital", "--db", &db, "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("hisgate runs");
        let stdout = child.stdout.take().expect("its stdout");
        let (line_tx, line_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let mut served = Served { child, address: String::new(), log, _dir: dir };
        let line = line_rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("{}", served.log()));
        let address = line.split("http://").nth(1).and_then(|rest| rest.split(' ').next());
        served.address = address.unwrap_or_else(|| panic!("`{line}` names no address")).to_owned();
        served
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).expect("a connection");
        stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        stream
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, and the exit status once the process is gone (within `patience`).
    fn terminate(&mut self, patience: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = Instant::now() + patience;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running {patience:?} after SIGTERM:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until the server closes the connection (or the read timeout says it never did): what it sent, and how
/// long it took to close.
fn until_closed(mut stream: TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server kept the connection open ({e}) after {:?}", started.elapsed()),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), started.elapsed())
}

async fn test_net(url: &str) -> hisgate_runtime::client::Reply<shaanxi::interfaces::test_net::Response> {
    let client = shaanxi::hospital::Client::new(url, client_config(&PLATFORM, "xml")).unwrap();
    let request = shaanxi::interfaces::test_net::Request { ip: "127.0.0.1".into() };
    client.test_net(&request).await.expect("TestNet answers")
}

#[test]
fn slow_clients_are_cut_off_at_their_limits() {
    let served = Served::start(&["--header-timeout", "1", "--idle-timeout", "2", "--body-timeout", "1"]);
    // Nothing at all, half a header, half a body, a chunked body that never ends.
    let silent = served.connect();
    let mut half_header = served.connect();
    half_header.write_all(b"POST /wd/spi HTTP/1.1\r\nhost: x\r\ncontent-ty").unwrap();
    let mut half_body = served.connect();
    half_body
        .write_all(b"POST /wd/spi HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml\r\ncontent-length: 500\r\n\r\n<req")
        .unwrap();
    let mut chunked = served.connect();
    chunked.write_all(b"POST /wd/spi HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n").unwrap();
    let drip = std::thread::spawn(move || {
        // One byte every 100 ms, for ever: only the body timeout ends it.
        while chunked.write_all(b"1\r\na\r\n").is_ok() {
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    for (name, stream) in [("silent", silent), ("half header", half_header)] {
        let (_, waited) = until_closed(stream);
        assert!(waited < Duration::from_secs(5), "{name}: closed after {waited:?}");
    }
    // A body that does not arrive in time is refused with the platform's own code, in a signed reply.
    let (reply, waited) = until_closed(half_body);
    assert!(waited < Duration::from_secs(5), "half body: closed after {waited:?}");
    assert!(reply.contains("did not arrive within"), "half body: {reply}");
    drip.join().unwrap();
    // A keep-alive connection idle past its limit is closed; one that answered a request first, too.
    let mut idle = served.connect();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
    let (reply, waited) = until_closed(idle);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(waited >= Duration::from_millis(1500) && waited < Duration::from_secs(6), "idle: closed after {waited:?}");
}

#[test]
fn oversized_heads_and_bodies_are_refused_at_once() {
    let served = Served::start(&["--max-header-bytes", "8192", "--max-body-bytes", "4096"]);
    let mut big_head = served.connect();
    let filler = "x".repeat(1000);
    let mut request = String::from("POST /wd/spi HTTP/1.1\r\nhost: x\r\n");
    for i in 0..20 {
        request.push_str(&format!("x-filler-{i}: {filler}\r\n"));
    }
    let _ = big_head.write_all(request.as_bytes());
    let (reply, _) = until_closed(big_head);
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");

    // Announced over the limit: answered before a byte of the body is sent, with the platform's code.
    let mut announced = served.connect();
    announced
        .write_all(b"POST /wd/spi HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml\r\ncontent-length: 10000000\r\n\r\n")
        .unwrap();
    let mut buffer = [0u8; 4096];
    let n = announced.read(&mut buffer).expect("an answer without the body");
    let reply = String::from_utf8_lossy(&buffer[..n]);
    assert!(reply.contains("ILLEGAL_REQUEST") && reply.contains("over the limit of 4096 bytes"), "{reply}");
}

#[test]
fn connections_past_the_limit_are_answered_503() {
    let served = Served::start(&["--max-connections", "4", "--header-timeout", "30"]);
    let held: Vec<TcpStream> = (0..4).map(|_| served.connect()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let (reply, _) = until_closed(served.connect());
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let mut again = served.connect();
    again.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    let (reply, _) = until_closed(again);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let served = Served::start(&[]);
    let url = served.url();
    // Three: the first of a label set makes its handles, the others find them (each worker thread keeps its own).
    for _ in 0..3 {
        let reply = test_net(&url).await;
        assert!(reply.success, "{}: {}", reply.code, reply.message);
    }
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{url}{path}")).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("hisgate_requests_total{") && l.contains("interface=\"TestNet\""))
        .unwrap_or_else(|| panic!("no TestNet counter in\n{metrics}"));
    assert!(line.contains("code=\"SUCCESS\"") && line.ends_with(" 3"), "{line}");
    for name in
        ["hisgate_request_duration_seconds_bucket", "hisgate_outbox_pending", "hisgate_outbox_oldest_pending_seconds"]
    {
        assert!(metrics.contains(name), "no {name} in\n{metrics}");
    }
}

/// A signed TestNet request's bytes exactly as the generated client sends them, caught by a listener that never
/// answers.
fn captured_test_net() -> Vec<u8> {
    let catcher = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", catcher.local_addr().unwrap());
    let caller = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut config = client_config(&PLATFORM, "xml");
        config.timeout = Duration::from_secs(2);
        config.retries = 0;
        let client = shaanxi::hospital::Client::new(&url, config).unwrap();
        let request = shaanxi::interfaces::test_net::Request { ip: "127.0.0.1".into() };
        let _ = runtime.block_on(client.test_net(&request));
    });
    let (mut stream, _) = catcher.accept().unwrap();
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = stream.read(&mut buffer).unwrap();
        bytes.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        let Some(end) = text.find("\r\n\r\n") else { continue };
        let length = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
        if bytes.len() >= end + 4 + length {
            break;
        }
    }
    drop(stream);
    caller.join().unwrap();
    bytes
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_0() {
    let mut served = Served::start(&["--grace", "10"]);
    // A request whose body is still on its way when the stop is asked for.
    let request = captured_test_net();
    let mut stream = served.connect();
    let (first, rest) = request.split_at(request.len() - 20);
    stream.write_all(first).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = served.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    std::thread::sleep(Duration::from_millis(300));
    // New connections are no longer taken.
    assert!(TcpStream::connect(&served.address).is_err(), "still accepting after SIGTERM");
    stream.write_all(rest).unwrap();
    let (reply, _) = until_closed(stream);
    assert!(reply.starts_with("HTTP/1.1 200") && reply.contains("SUCCESS"), "{reply}");
    let status = served.terminate(Duration::from_secs(10));
    assert!(status.success(), "exit {status:?}:\n{}", served.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bounded_json_line_per_request() {
    let served = Served::start(&["--log-format", "json"]);
    let url = served.url();
    for _ in 0..3 {
        assert!(test_net(&url).await.success);
    }
    // An interface that declares business keys: its line names them.
    let client = shaanxi::hospital::Client::new(&url, client_config(&PLATFORM, "xml")).unwrap();
    let query = serde_json::json!({
        "orderId": "订单-20261204-7", "startDate": "2026-12-04", "endDate": "2026-12-04", "queryType": 0,
        "currentPage": 1, "pageSize": 10
    });
    client.untyped().call_value("QueryRegister", &query).await.expect("QueryRegister answers");
    // A refused request whose detail would be long: a thousand violations' worth of text.
    let http = reqwest::Client::new();
    let junk = format!("<request>{}</request>", "<x>张三</x>".repeat(2000));
    let _ = http.post(format!("{url}/wd/spi")).header("content-type", "text/xml").body(junk).send().await.unwrap();
    // Info lines are buffered and flushed every 100 ms: wait for the five, a while on a busy machine.
    let deadline = Instant::now() + Duration::from_secs(10);
    let is_request = |l: &serde_json::Value| l["message"] == "request" || l["message"] == "request refused";
    let (log, lines) = loop {
        let log = served.log();
        let lines: Vec<serde_json::Value> =
            log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
        if lines.iter().filter(|l| is_request(l)).count() >= 5 || Instant::now() > deadline {
            break (log, lines);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let requests: Vec<&serde_json::Value> = lines.iter().filter(|l| is_request(l)).collect();
    assert_eq!(requests.len(), 5, "{log}");
    let keyed = requests.iter().find(|l| l["interface"] == "QueryRegister").expect("a QueryRegister line");
    assert_eq!(keyed["keys"], "orderId=订单-20261204-7", "{keyed}");
    assert_eq!(requests.iter().filter(|l| l["interface"] == "TestNet" && l["code"] == "SUCCESS").count(), 3, "{log}");
    // Each in the server's one span, never inside another request's.
    for line in &requests {
        assert_eq!(line["span"]["name"], "hisgate.serve", "{line}");
        assert_eq!(
            (&line["span"]["platform"], &line["span"]["side"]),
            (&"shaanxi".into(), &"hospital".into()),
            "{line}"
        );
        assert_eq!(line["spans"].as_array().map(Vec::len), Some(1), "{line}");
    }
    for line in log.lines() {
        assert!(line.len() < 2048, "a log line of {} bytes: {line}", line.len());
    }
}

/// A business key only the reply carries (the hospital's order number, which it assigns) is in its request's log
/// line: the reply's tree is built for it, where a typed reply is otherwise written straight to XML.
#[tokio::test]
async fn a_key_only_the_reply_carries_is_in_the_log_line() {
    let served = Served::start(&["--log-format", "json"]);
    let client = shaanxi::hospital::Client::new(&served.url(), client_config(&PLATFORM, "xml")).unwrap();
    hisgate_tests::load::book(&client).await.expect("the orders are booked");
    let booked = hisgate_tests::load::ORDERS;
    let deadline = Instant::now() + Duration::from_secs(10);
    let (log, lines) = loop {
        let log = served.log();
        let lines: Vec<serde_json::Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .filter(|l: &serde_json::Value| l["message"] == "request" && l["interface"] == "OrderRegister")
            .collect();
        if lines.len() >= booked || Instant::now() > deadline {
            break (log, lines);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(lines.len(), booked, "{log}");
    for line in &lines {
        let keys = line["keys"].as_str().unwrap_or_default();
        assert!(keys.contains("orderId=LOAD") && keys.contains("hospitalOrderId="), "{line}");
    }
}

/// The server's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn five_hundred_oversized_heads_leave_no_memory_behind() {
    let served = Served::start(&[]);
    let before = rss_kib(served.child.id());
    let mut head = b"POST /wd/spi HTTP/1.1\r\nhost: x\r\n".to_vec();
    for i in 0..380 {
        head.extend_from_slice(format!("x-filler-{i}: {}\r\n", "y".repeat(1000)).as_bytes());
    }
    // 500 connections at once, each sending 380 KB of headers (as much as the socket takes) and then nothing.
    let streams: Vec<TcpStream> = (0..500)
        .map(|_| {
            let mut stream = served.connect();
            stream.set_nonblocking(true).unwrap();
            let _ = stream.write(&head);
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let answered = streams
        .into_iter()
        .filter(|stream| {
            stream.set_nonblocking(false).unwrap();
            let mut buffer = [0u8; 32];
            match (&*stream).read(&mut buffer) {
                Ok(n) => n == 0 || buffer.starts_with(b"HTTP/1.1 431"),
                Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
            }
        })
        .count();
    assert_eq!(answered, 500, "connections answered 431 or closed");
    let after = rss_kib(served.child.id());
    // The heads were cut at 64 KiB each and their buffers freed with their connections.
    assert!(after < before + 40 * 1024, "RSS {before} KiB before, {after} KiB after");
}
