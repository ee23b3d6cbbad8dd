//! Fixtures shared by the CLI tests.
#![allow(dead_code)] // Each test file uses its own part.

pub mod proxying;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// One HTTP/1.1 exchange written by hand (`request_line` is `POST /path`), so a test can send what no client
/// would: the whole reply as text, status line and headers included.
pub fn raw_exchange(url: &str, request_line: &str, headers: &[(&str, &str)], body: &str) -> String {
    use std::io::Read;
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let mut request = format!("{request_line} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

/// `hisgate ARGS` from the workspace root with `stdin` piped in, `HISGATE_KEY` cleared and `env` set.
pub fn hisgate_with(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(args)
        .env_remove("HISGATE_KEY")
        .envs(env.iter().copied())
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Copies a folder tree.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// specs/shaanxi with its key renamed `md5Key` and given no example: a credential no shipped platform has.
pub fn renamed_key_spec() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("shaanxi");
    let copy = std::process::Command::new("cp")
        .arg("-r")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/shaanxi"))
        .arg(&spec)
        .status()
        .unwrap();
    assert!(copy.success());
    let protocol = spec.join("protocol.yaml");
    let text = std::fs::read_to_string(&protocol).unwrap();
    let text = text
        .replace("  - name: key\n", "  - name: md5Key\n")
        .replace("    example: 2098D32C4D1399EC\n", "")
        .replace("{key}", "{md5Key}");
    std::fs::write(&protocol, text).unwrap();
    dir
}

/// A `hisgate` process that prints the address it serves on; killed when dropped.
pub struct Process {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Process {
    pub fn start(args: &[&str], log: PathBuf) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("hisgate runs");
        let stdout = child.stdout.take().expect("its stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut process = Process { child, url: String::new(), log };
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("{}", process.log_text()));
        let url = line.split(" on ").nth(1).and_then(|rest| rest.split(' ').next());
        process.url = url.unwrap_or_else(|| panic!("`{line}` names no address")).to_owned();
        process
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no last write.
    pub fn kill(&mut self) {
        self.child.kill().expect("killed");
        self.child.wait().expect("gone");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
