//! `hisgate probe` as a user runs it: against every simulator side and the generic counterpart (`hisgate serve`
//! on loopback) it finds nothing, writes included; against a deliberately lax server (`probe_cli/lax.rs`) it
//! reports each planted flaw, with exit 1, a JSON report and a self-contained HTML page.

use hisgate_runtime::schema::{PlatformSchema, Side};
use hisgate_tests::loopback::{Loopback, credentials};
use serde_json::Value;
use std::path::Path;

#[path = "probe_cli/lax.rs"]
mod lax;
mod support;
use support::{Process, hisgate_with};

/// Every simulated side, as `hisgate serve` runs them.
const SIDES: [(&str, &str); 6] = [
    ("shaanxi", "hospital"),
    ("shaanxi", "platform"),
    ("glorycard", "platform"),
    ("glorycard", "hospital"),
    ("onepay", "platform"),
    ("yizhangtong", "hospital"),
];

fn serve(dir: &Path, platform: &str, role: &str, extra: &[&str]) -> Process {
    let db = format!("sqlite://{}", dir.join(format!("{platform}-{role}.sqlite")).display());
    let mut args = vec!["serve", "--platform", platform, "--role", role, "--listen", "127.0.0.1:0", "--db", &db];
    args.extend(extra);
    Process::start(&args, dir.join(format!("{platform}-{role}.log")))
}

/// `hisgate probe … --json`: the exit code and the report.
fn probe(platform: &str, role: &str, url: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["probe", "--platform", platform, "--role", role, "--url", url, "--json"];
    args.extend(extra);
    let out = hisgate_with(&args, "", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), report)
}

fn findings(report: &Value) -> Vec<String> {
    let interfaces = report["interfaces"].as_array().unwrap();
    interfaces
        .iter()
        .flat_map(|i| {
            i["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |f| format!("{} [{}] {}: {}", i["interface"], f["binding"], f["check"], f["finding"]))
        })
        .collect()
}

#[test]
fn every_simulator_side_and_the_generic_counterpart_conform() {
    let dir = tempfile::tempdir().unwrap();
    for (platform, role) in SIDES {
        for generic in [false, true] {
            let extra: &[&str] = if generic { &["--generic"] } else { &[] };
            let sub = dir.path().join(if generic { "generic" } else { "simulator" });
            std::fs::create_dir_all(&sub).unwrap();
            let server = serve(&sub, platform, role, extra);
            for writes in [&[][..], &["--allow-writes"][..]] {
                let (code, report) = probe(platform, role, &server.url, writes);
                let found = findings(&report);
                assert!(found.is_empty(), "{platform} {role} {extra:?} {writes:?}: {found:#?}\n{}", server.log_text());
                assert_eq!(code, 0, "{platform} {role}");
                let (sent, passed) = (report["sent"].as_u64().unwrap(), report["passed"].as_u64().unwrap());
                assert!(sent > 0 && sent == passed, "{platform} {role}: {sent} sent, {passed} passed");
                let skipped = report["interfaces"].as_array().unwrap().iter().filter(|i| !i["skipped"].is_null());
                let skipped: Vec<&str> = skipped.map(|i| i["interface"].as_str().unwrap()).collect();
                if writes.is_empty() {
                    // Without --allow-writes no write interface is called, and every read one is.
                    for i in report["interfaces"].as_array().unwrap() {
                        let write = i["effect"] == "write";
                        assert_eq!(!i["skipped"].is_null(), write, "{platform} {role} {}", i["interface"]);
                        assert_eq!(i["sent"].as_u64().unwrap() == 0, write, "{platform} {role} {}", i["interface"]);
                    }
                } else {
                    assert!(skipped.is_empty(), "{platform} {role}: {skipped:?}");
                }
            }
        }
    }
}

/// A platform read at run time (`--spec`): SM4-CBC, SM3 in a header, a freshness window; its interfaces declare no
/// effect, so they are writes, called only with `--allow-writes`.
#[test]
fn a_spec_folder_probes_clean_against_its_generic_counterpart() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/platforms/ruikang");
    let spec = spec.to_string_lossy();
    let db = format!("sqlite://{}", dir.path().join("ruikang.sqlite").display());
    let args = ["serve", "--spec", &spec, "--role", "hospital", "--listen", "127.0.0.1:0", "--db", &db];
    let server = Process::start(&args, dir.path().join("ruikang.log"));
    let run = |extra: &[&str]| {
        let mut args = vec!["probe", "--spec", &*spec, "--role", "hospital", "--url", &server.url, "--json"];
        args.extend(extra);
        let out = hisgate_with(&args, "", &[]);
        (out.status.code(), serde_json::from_slice::<Value>(&out.stdout).unwrap())
    };
    let (code, report) = run(&[]);
    assert_eq!((code, report["sent"].as_u64()), (Some(0), Some(0)), "{report:#}");
    let (code, report) = run(&["--allow-writes"]);
    assert_eq!(code, Some(0), "{:#?}", findings(&report));
    let checks: Vec<&str> =
        report["interfaces"][0]["passed_checks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for check in
        ["xml: ciphertext one byte short", "xml: stale timestamp", "xml: replay", "xml: signature in the other case"]
    {
        assert!(checks.contains(&check), "{checks:?}");
    }
}

/// The lax server for `side` of `platform`, on loopback.
async fn lax(platform: &'static PlatformSchema, side: Side) -> Loopback {
    Loopback::start(lax::router(platform, side, credentials(platform))).await
}

fn checks_found(report: &Value, interface: &str) -> Vec<String> {
    let entry = report["interfaces"].as_array().unwrap().iter().find(|i| i["interface"] == interface).unwrap();
    entry["findings"].as_array().unwrap().iter().map(|f| f["check"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lax_server_shows_every_planted_flaw() {
    let platform = &hisgate_generated::shaanxi::PLATFORM;
    let server = lax(platform, Side::Hospital).await;
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let url = server.url.clone();
    let html_arg = html.to_string_lossy().into_owned();
    let (code, report) = tokio::task::spawn_blocking(move || {
        let args = ["--binding", "xml", "--binding", "soap12", "--allow-writes", "--report", &html_arg];
        probe("shaanxi", "hospital", &url, &args)
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{report:#}");
    // Every envelope attack on a read interface is accepted, in each binding.
    for binding in ["xml", "soap12"] {
        for check in [
            "wrong key",
            "signature missing",
            "signature truncated",
            "signature in the other case",
            "ciphertext not its encoding",
            "ciphertext one byte short",
            "unknown service",
        ] {
            let found = report["interfaces"][0]["findings"].as_array().unwrap().iter().any(|f| {
                f["binding"] == binding && f["check"] == check && f["finding"].as_str().unwrap().starts_with("accepted")
            });
            assert!(found, "TestNet [{binding}] {check}: {:#}", report["interfaces"][0]);
        }
    }
    // Each rule of the payload broken somewhere, and accepted.
    let all = findings(&report);
    for rule in ["missing required", "unknown code", "one over its length", "not in its format", "missing while"] {
        assert!(all.iter().any(|f| f.contains(rule) && f.contains("accepted")), "{rule}: {all:#?}");
    }
    // The reply with a code outside the response's dictionary, to a valid request.
    let (planted_in, field) = lax::planted(platform, Side::Hospital).unwrap();
    let found = checks_found(&report, &planted_in);
    assert!(found.iter().any(|c| c == "valid: the examples"), "{planted_in}: {found:?}");
    assert!(all.iter().any(|f| f.contains(&field) && f.contains("breaks the response's rules")), "{all:#?}");
    // The HTML page: the table and each finding with its request and reply, and nothing fetched from elsewhere.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<table>") && page.contains("网络通讯测试"));
    assert!(page.contains("signature truncated") && page.contains("POST /") && page.contains("HTTP 200"));
    for remote in ["<script", "<link", "src=\"http", "href=\"http", "@import"] {
        assert!(!page.contains(remote), "the report loads `{remote}`");
    }
    assert_eq!(page.matches("<details>").count() as u64, report["findings"].as_u64().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lax_server_accepts_stale_and_replayed_requests() {
    let platform = &hisgate_generated::glorycard::PLATFORM;
    let server = lax(platform, Side::Platform).await;
    let url = server.url.clone();
    let (code, report) =
        tokio::task::spawn_blocking(move || probe("glorycard", "platform", &url, &["--allow-writes"])).await.unwrap();
    assert_eq!(code, 1);
    for interface in ["storeAll", "storeDeduct", "storeDeductCancel"] {
        let found = checks_found(&report, interface);
        for check in ["stale timestamp", "replay", "wrong key", "signature missing", "signature in the other case"] {
            assert!(found.iter().any(|f| f == check), "{interface} {check}: {found:?}");
        }
        // Where each interface has its own address, no request can name an unknown service.
        assert!(!found.iter().any(|f| f == "unknown service"), "{interface}: {found:?}");
    }
}

#[test]
fn usage_errors_exit_2_and_a_table_is_printed_by_default() {
    let out = hisgate_with(&["probe", "--platform", "shaanxi", "--url", "http://127.0.0.1:9"], "", &[]);
    assert_eq!(out.status.code(), Some(2), "no --role");
    let args = ["probe", "--platform", "nowhere", "--role", "hospital", "--url", "http://127.0.0.1:9"];
    assert_eq!(hisgate_with(&args, "", &[]).status.code(), Some(2));
    let args = ["probe", "--platform", "onepay", "--role", "hospital", "--url", "http://127.0.0.1:9"];
    let out = hisgate_with(&args, "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to probe"));
    let args =
        ["probe", "--platform", "shaanxi", "--role", "hospital", "--url", "http://127.0.0.1:9", "--binding", "xm"];
    let out = hisgate_with(&args, "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no binding `xm`"));
    // A counterpart that does not answer: each request is a finding (no reply), in the table.
    let args =
        ["probe", "--platform", "glorycard", "--role", "hospital", "--url", "http://127.0.0.1:9", "--timeout", "2"];
    let out = hisgate_with(&args, "", &[]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("deductCheck") && table.contains("no reply"), "{table}");
}
