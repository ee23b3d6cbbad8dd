//! `hisgate scenario run` against real `hisgate serve` processes on 127.0.0.1: every scenario shipped in
//! `scenarios/` passes against fresh simulators, several runs at once; a scenario whose expectation is not met
//! exits 1 and says where; a malformed file is refused with its line and column.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

mod support;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A `hisgate serve` process, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts one side on a fresh SQLite file in `dir`, on a free port, and waits for its "listening" line.
fn serve(dir: &Path, platform: &str, role: &str, peer: Option<&str>) -> Served {
    let db = format!("sqlite://{}", dir.join(format!("{platform}-{role}.sqlite")).display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_hisgate"));
    command.args(["serve", "--platform", platform, "--role", role, "--db", &db, "--listen", "127.0.0.1:0"]);
    if let Some(peer) = peer {
        command.args(["--peer", peer]);
    }
    let mut child = command.env("RUST_LOG", "warn").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    // `hisgate serve: shaanxi hospital on http://127.0.0.1:PORT (store …)`
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("{line}"));
    Served { url: url.to_owned(), child }
}

fn scenario(files: &[&Path], urls: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hisgate"));
    command.args(["scenario", "run"]).args(files);
    for (flag, url) in urls {
        command.args([*flag, *url]);
    }
    command.args(extra).output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn every_shipped_scenario_passes_against_fresh_simulators() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let platforms = ["glorycard", "onepay", "shaanxi", "yizhangtong"];
    for platform in platforms {
        let mine: Vec<&Path> = files
            .iter()
            .filter(|f| std::fs::read_to_string(f).unwrap().contains(&format!("\nplatform: {platform}\n")))
            .map(PathBuf::as_path)
            .collect();
        assert!(!mine.is_empty(), "no scenario for {platform}");
        let hospital = (platform != "onepay").then(|| serve(dir.path(), platform, "hospital", None));
        let platform_side = (platform != "yizhangtong")
            .then(|| serve(dir.path(), platform, "platform", hospital.as_ref().map(|h| h.url.as_str())));
        let mut urls = Vec::new();
        if let Some(h) = &hospital {
            urls.push(("--hospital-url", h.url.as_str()));
        }
        if let Some(p) = &platform_side {
            urls.push(("--platform-url", p.url.as_str()));
        }
        // The stop-register cascade works on the seeded orders, once; every other flow runs three times, two at once.
        for file in mine {
            let once = std::fs::read_to_string(file).unwrap().contains("succeeds once per pair of fresh databases");
            let runs: &[&str] = if once { &[] } else { &["--runs", "3", "--concurrency", "2"] };
            let output = scenario(&[file], &urls, runs);
            assert!(output.status.success(), "{}: {}", file.display(), text(&output));
            let shown = text(&output);
            assert!(shown.contains("0 failed") && shown.contains("p99"), "{shown}");
        }
    }
}

#[test]
fn a_spec_folder_read_at_run_time_replaces_the_compiled_in_platform() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = serve(dir.path(), "shaanxi", "hospital", None);
    let file = dir.path().join("testnet.yaml");
    std::fs::write(
        &file,
        "scenario: 连通性\nplatform: shaanxi\nsteps:\n  - call: TestNet\n    request: { ip: 127.0.0.1 }\n    expect: { code: SUCCESS }\n",
    )
    .unwrap();
    // The folder's key is `md5Key`, with no example: only the loaded spec knows it.
    let renamed = support::renamed_key_spec();
    let spec = renamed.path().join("shaanxi");
    let spec = spec.to_str().unwrap();
    let url = [("--hospital-url", hospital.url.as_str())];
    let unset = scenario(&[&file], &url, &["--spec", spec]);
    assert_eq!(unset.status.code(), Some(1), "{}", text(&unset));
    assert!(text(&unset).contains("missing input `md5Key`"), "{}", text(&unset));
    let set = scenario(&[&file], &url, &["--spec", spec, "--set", "md5Key=2098D32C4D1399EC"]);
    assert!(set.status.success(), "{}", text(&set));
    assert!(text(&set).contains("1 runs, 1 passed, 0 failed"), "{}", text(&set));
}

#[test]
fn an_unmet_expectation_fails_the_run_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = serve(dir.path(), "shaanxi", "hospital", None);
    let file = dir.path().join("wrong.yaml");
    std::fs::write(
        &file,
        "scenario: 错误的期望\nplatform: shaanxi\nsteps:\n  - call: TestNet\n    request: { ip: 127.0.0.1 }\n    expect: { code: S05010707 }\n",
    )
    .unwrap();
    let output = scenario(&[&file], &[("--hospital-url", &hospital.url)], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let shown = text(&output);
    assert!(shown.contains("wrong.yaml:4 (TestNet)") && shown.contains("where S05010707 was expected"), "{shown}");
    assert!(shown.contains("1 runs, 0 passed, 1 failed"), "{shown}");
}

#[test]
fn a_malformed_scenario_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, "scenario: 坏\nplatform: shaanxi\nsteps:\n  - call: TestNet\n    wait: soon\n").unwrap();
    let output = scenario(&[&file], &[("--hospital-url", "http://127.0.0.1:9")], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).contains("bad.yaml:4:") && text(&output).contains("`wait` must be seconds"),
        "{}",
        text(&output)
    );

    std::fs::write(&file, "scenario: 坏\nplatform: shaanxi\nsteps:\n  - call: NoSuch\n").unwrap();
    let output = scenario(&[&file], &[("--hospital-url", "http://127.0.0.1:9")], &[]);
    assert!(text(&output).contains("`NoSuch` is not an interface of shaanxi"), "{}", text(&output));
}

#[test]
fn a_profile_changes_what_the_scenario_sends_and_names_its_platform() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = serve(dir.path(), "shaanxi", "hospital", None);
    let file = dir.path().join("as-printed.yaml");
    // The document's worked QueryRegister request leaves `queryType` out; the hospital behind is strict.
    std::fs::write(
        &file,
        "scenario: 按示例查询\nplatform: shaanxi\nsteps:\n  - call: QueryRegister\n    request: { orderId: \"1001\", startDate: \"2017-01-19\", endDate: \"2017-01-22\", currentPage: 1, pageSize: 10 }\n    expect: { code: ILLEGAL_ARGUMENT }\n",
    )
    .unwrap();
    let url = [("--hospital-url", hospital.url.as_str())];
    let strict = scenario(&[&file], &url, &[]);
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
    assert!(text(&strict).contains("queryType"), "the client refuses it before sending: {}", text(&strict));
    let profile = root().join("specs/shaanxi/profiles/as-printed.yaml");
    let profiled = scenario(&[&file], &url, &["--profile", profile.to_str().unwrap()]);
    assert!(profiled.status.success(), "sent, and refused by the strict server: {}", text(&profiled));
    assert!(text(&profiled).contains("1 runs, 1 passed, 0 failed"), "{}", text(&profiled));
    let not_a_profile = scenario(&[&file], &url, &["--profile", file.to_str().unwrap()]);
    assert_eq!(not_a_profile.status.code(), Some(1));
    assert!(text(&not_a_profile).contains("missing required key `profile`"), "{}", text(&not_a_profile));
}
