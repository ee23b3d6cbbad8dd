//! `hisgate proxy` in front of every simulator side, driven by the shipped scenarios (`hisgate scenario run`)
//! and read back exchange by exchange through `hisgate journal`: every call journaled once, both signatures
//! verified, the code the caller saw; shaanxi's flow in each of its five bindings; an upstream killed in the middle
//! of a run (every call still journaled, as 502 once it is gone; the proxy answers on and recovers with it).

mod support;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::proxying::{proxy_of, side};
use support::{Process, hisgate_with};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The scenario files of `platform`.
fn scenarios(platform: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read_to_string(p).unwrap().contains(&format!("\nplatform: {platform}\n")))
        .collect();
    files.sort();
    files
}

/// Runs scenario files; whether all passed, and the calls per interface its report tables show.
fn run(files: &[PathBuf], urls: &[(&str, String)], extra: &[&str]) -> (bool, BTreeMap<String, u64>, String) {
    let mut args: Vec<String> = vec!["scenario".into(), "run".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    for (flag, url) in urls {
        args.extend([flag.to_string(), url.clone()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = hisgate_with(&args, "", &[]);
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let mut calls = BTreeMap::new();
    // `interface  calls  failures  p50  p99` rows, one table per file.
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 7
            && words[0] != "interface"
            && let Ok(n) = words[1].parse::<u64>()
        {
            *calls.entry(words[0].to_owned()).or_default() += n;
        }
    }
    (out.status.success(), calls, shown)
}

/// Per interface, the journal's rows.
fn per_interface(rows: &[Value]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts.entry(row["interface"].as_str().unwrap_or("-").to_owned()).or_default() += 1;
    }
    counts
}

/// Every row a verified, forwarded exchange of `platform` with a code, whose verdict follows from it.
fn check_rows(rows: &[Value], platform: &str, binding: Option<&str>) {
    for row in rows {
        assert_eq!(row["platform"], platform, "{row}");
        assert_eq!(row["forwarded"], true, "{row}");
        assert_eq!(row["request"]["signature"], "verified", "{row}");
        assert_eq!(row["reply"]["signature"], "verified", "{row}");
        assert!(row["code"].is_string(), "{row}");
        assert!(matches!(row["verdict"].as_str(), Some("ok" | "business_error")), "{row}");
        assert!(row["request"]["payload"].is_object(), "{row}");
        if let Some(binding) = binding {
            assert_eq!(row["binding"], binding, "{row}");
        }
    }
}

#[test]
fn every_simulator_side_through_a_proxy_is_journaled_exchange_by_exchange() {
    for platform in ["glorycard", "onepay", "shaanxi", "yizhangtong"] {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = scenarios(platform)
            .into_iter()
            // The cascade needs the platform's outbox calls to the hospital; run below without it, as it is once.
            .filter(|f| !f.display().to_string().contains("stop-register-cascade"))
            .collect();
        assert!(!files.is_empty(), "no scenario for {platform}");
        let hospital = (platform != "onepay").then(|| side(dir.path(), platform, "hospital", &[]));
        let peer: Vec<&str> = hospital.as_ref().map(|h| vec!["--peer", h.url.as_str()]).unwrap_or_default();
        let platform_side = (platform != "yizhangtong").then(|| side(dir.path(), platform, "platform", &peer));
        // One proxy (and journal) in front of each side.
        let mut proxies: Vec<(&str, Process, String)> = Vec::new();
        for (flag, served) in [("--hospital-url", &hospital), ("--platform-url", &platform_side)] {
            if let Some(served) = served {
                let journal = format!("sqlite://{}", dir.path().join(format!("{flag}.sqlite")).display());
                proxies.push((flag, proxy_of(dir.path(), platform, &served.url, &journal, &[]), journal));
            }
        }
        let urls: Vec<(&str, String)> = proxies.iter().map(|(flag, p, _)| (*flag, p.url.clone())).collect();
        let (calls, shown) = run_each(&files, &urls, &[]);
        let journals: Vec<&str> = proxies.iter().map(|(_, _, j)| j.as_str()).collect();
        let rows = settled(&journals, calls.values().sum());
        check_rows(&rows, platform, None);
        compare(&per_interface(&rows), &calls, &waiting(&files), &shown);
    }
}

/// Each file in an invocation of its own (one invocation's runs share `{unique}` across files); the calls per
/// interface of all, and what they printed. Every file must pass.
fn run_each(files: &[PathBuf], urls: &[(&str, String)], extra: &[&str]) -> (BTreeMap<String, u64>, String) {
    let mut calls = BTreeMap::new();
    let mut printed = String::new();
    for file in files {
        let (ok, each, shown) = run(std::slice::from_ref(file), urls, extra);
        assert!(ok, "{}: {shown}", file.display());
        for (interface, n) in each {
            *calls.entry(interface).or_default() += n;
        }
        printed.push_str(&shown);
    }
    (calls, printed)
}

/// The interfaces of steps that `wait:` — resend until the expectation holds —, whose tries before the last are
/// journaled but not counted in the report.
fn waiting(files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for step in text.split("\n  - call: ").skip(1) {
            let name = step.split_whitespace().next().unwrap_or_default().to_owned();
            if step.split("\n  - ").next().unwrap_or_default().contains("\n    wait:") {
                found.push(name);
            }
        }
    }
    found
}

/// The journal's rows per interface against the scenario's calls: equal, or more where a step waits.
fn compare(journaled: &BTreeMap<String, u64>, calls: &BTreeMap<String, u64>, waiting: &[String], shown: &str) {
    let names: std::collections::BTreeSet<&String> = journaled.keys().chain(calls.keys()).collect();
    for name in names {
        let (j, c) = (journaled.get(name).copied().unwrap_or(0), calls.get(name).copied().unwrap_or(0));
        if waiting.contains(name) {
            assert!(j >= c && c > 0, "{name}: {j} journaled, {c} called\n{shown}");
        } else {
            assert_eq!(j, c, "{name}: journaled against called\n{shown}");
        }
    }
}

/// The rows of every journal once they hold `count` together (the writers run behind the replies).
fn settled(journals: &[&str], count: u64) -> Vec<Value> {
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = journals.iter().flat_map(|j| rows_now(j)).collect();
        if rows.len() as u64 >= count {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    rows
}

#[test]
fn shaanxi_flows_through_a_proxy_in_each_binding() {
    let dir = tempfile::tempdir().unwrap();
    let files = [root().join("scenarios/shaanxi-register-pay-take.yaml")];
    for binding in ["xml", "json", "get", "soap11", "soap12"] {
        // A hospital of its own each time: the scenario's patient is the same within a second.
        let folder = dir.path().join(binding);
        std::fs::create_dir_all(&folder).unwrap();
        let hospital = side(&folder, "shaanxi", "hospital", &[]);
        let journal = format!("sqlite://{}", dir.path().join(format!("{binding}.sqlite")).display());
        let proxied = proxy_of(dir.path(), "shaanxi", &hospital.url, &journal, &[]);
        let (calls, shown) = run_each(&files, &[("--hospital-url", proxied.url.clone())], &["--binding", binding]);
        let rows = settled(&[&journal], calls.values().sum());
        check_rows(&rows, "shaanxi", Some(binding));
        compare(&per_interface(&rows), &calls, &[], &shown);
    }
}

#[test]
fn an_upstream_killed_mid_run_is_journaled_call_by_call_and_the_proxy_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let mut hospital = side(dir.path(), "shaanxi", "hospital", &[]);
    let journal = format!("sqlite://{}", dir.path().join("journal.sqlite").display());
    let proxied = proxy_of(dir.path(), "shaanxi", &hospital.url, &journal, &[]);
    let file = root().join("scenarios/shaanxi-register-pay-take.yaml");
    let url = proxied.url.clone();
    let running =
        std::thread::spawn(move || run(&[file], &[("--hospital-url", url)], &["--runs", "40", "--concurrency", "2"]));
    // Some exchanges go through, then the hospital dies under the run.
    for _ in 0..200 {
        if rows_now(&journal).len() >= 12 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    hospital.kill();
    let (ok, calls, shown) = running.join().unwrap();
    assert!(!ok, "the run passed with its hospital killed: {shown}");
    let rows = settled(&[&journal], calls.values().sum());
    assert_eq!(per_interface(&rows), calls, "every call journaled once: {shown}");
    let (good, gone): (Vec<&Value>, Vec<&Value>) = rows.iter().partition(|r| r["verdict"] != "upstream_error");
    assert!(good.len() >= 12 && !gone.is_empty(), "{} answered, {} after the kill", good.len(), gone.len());
    for row in &gone {
        assert_eq!(row["status"], 502, "{row}");
        assert!(row["upstream_error"].as_str().unwrap().contains(&hospital.url), "{row}");
    }
    // The proxy is still up, and serves again once the hospital is back on its address.
    let port = hospital.url.rsplit(':').next().unwrap().to_owned();
    let listen = format!("127.0.0.1:{port}");
    let _back = side(dir.path(), "shaanxi", "hospital", &["--listen", &listen]);
    let out = hisgate_with(
        &["call", "--platform", "shaanxi", "--url", &proxied.url, "TestNet"],
        r#"{"ip":"127.0.0.1"}"#,
        &[],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The rows a journal holds now.
fn rows_now(journal: &str) -> Vec<Value> {
    let out = hisgate_with(&["journal", "list", "--json", "--limit", "100000", "--journal", journal], "", &[]);
    serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap_or_default()
}

#[test]
fn serve_with_a_journal_records_what_it_answers_and_serves_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let journal = format!("sqlite://{}", dir.path().join("served.sqlite").display());
    let served = side(dir.path(), "shaanxi", "hospital", &["--journal", &journal]);
    let calls = [
        ("TestNet", r#"{"ip":"127.0.0.1"}"#),
        ("GetDepartmentInfo", r#"{"departmentId":"0","currentPage":1,"pageSize":10}"#),
    ];
    for (interface, request) in calls {
        let out = hisgate_with(&["call", "--platform", "shaanxi", "--url", &served.url, interface], request, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let rows = settled(&[&journal], 2);
    assert_eq!(rows.len(), 2, "{rows:?}");
    for row in &rows {
        assert_eq!(row["provider"], "hospital", "{row}");
        assert_eq!(row["request"]["signature"], "verified", "{row}");
        assert_eq!(row["reply"]["signature"], "verified", "{row}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let tally: Value = runtime.block_on(async {
        let reply = reqwest::get(format!("{}/_hisgate/api/tally", served.url)).await.unwrap();
        assert_eq!(reply.status().as_u16(), 200);
        serde_json::from_str(&reply.text().await.unwrap()).unwrap()
    });
    let interfaces: Vec<&str> =
        tally["interfaces"].as_array().unwrap().iter().filter_map(|t| t["interface"].as_str()).collect();
    assert_eq!(interfaces, ["GetDepartmentInfo", "TestNet"], "{tally}");
    // The dashboard's own requests and the operational routes are not exchanges.
    let page = runtime
        .block_on(async { reqwest::get(format!("{}/_hisgate/", served.url)).await.unwrap().text().await.unwrap() });
    assert!(page.contains("hisgate dashboard"), "{page}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(rows_now(&journal).len(), 2);
}
