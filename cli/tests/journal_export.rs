//! `hisgate journal export --scenario`: a flow recorded through `hisgate proxy` in front of one hospital simulator,
//! exported, and replayed with `hisgate scenario run` against another, fresh one: it passes; an expectation
//! tampered with makes it fail, naming the value.

mod support;
use support::hisgate_with;
use support::proxying::{exchanges, hospital, proxy, sqlite_journal};

fn run(args: &[&str]) -> (bool, String) {
    let out = hisgate_with(args, "", &[]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn a_recorded_flow_replays_as_a_scenario_and_a_tampered_expectation_fails() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = fresh_hospital(dir.path(), "a");
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &recorded.url, &url, &[]);
    let (ok, shown) =
        run(&["scenario", "run", "scenarios/shaanxi-register-pay-take.yaml", "--hospital-url", &proxied.url]);
    assert!(ok, "{shown}");
    // GetScheduleInfo, OrderRegister, QueryRegister, Pay ×3, NotifyRegister, QueryRegister.
    let rows = exchanges(&url, &[], 8);
    assert_eq!(rows.len(), 8);

    let file = dir.path().join("recorded.yaml");
    let file_text = file.to_str().unwrap();
    let (ok, shown) = run(&["journal", "export", "--journal", &url, "--scenario", file_text, "--limit", "100"]);
    assert!(ok, "{shown}");
    assert!(shown.contains("8 steps"), "{shown}");
    let yaml = std::fs::read_to_string(&file).unwrap();
    // The counterpart's own values are carried from reply to request, dates move with the day, the redacted
    // resident ID is a fresh one.
    assert!(yaml.contains("hospitalOrderId: \"{s2_hospitalOrderId}\""), "{yaml}");
    assert!(yaml.contains("save:\n      s2_hospitalOrderId: \"response.hospitalOrderId\""), "{yaml}");
    assert!(yaml.contains("startDate: \"{today+1|%Y-%m-%d}\""), "{yaml}");
    assert!(yaml.contains("value: \"{resident_id}\""), "{yaml}");
    assert!(yaml.contains("\"order[0].isTake\": \"1\""), "{yaml}");

    // Against another hospital, fresh: the replay passes.
    let replayed = fresh_hospital(dir.path(), "b");
    let (ok, shown) = run(&["scenario", "run", file_text, "--hospital-url", &replayed.url]);
    assert!(ok, "the export does not replay: {shown}\n{yaml}");
    assert!(shown.contains("1 passed"), "{shown}");

    // One expectation changed: the same replay fails on it, against a third fresh hospital.
    let tampered = dir.path().join("tampered.yaml");
    std::fs::write(&tampered, yaml.replace("\"order[0].isTake\": \"1\"", "\"order[0].isTake\": \"0\"")).unwrap();
    let third = fresh_hospital(dir.path(), "c");
    let (ok, shown) = run(&["scenario", "run", tampered.to_str().unwrap(), "--hospital-url", &third.url]);
    assert!(!ok, "a tampered expectation passed: {shown}");
    assert!(shown.contains("order[0].isTake is 1, not 0"), "{shown}");
}

#[test]
fn the_filters_select_what_is_exported_and_nothing_replayable_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hospital(dir.path());
    let url = sqlite_journal(dir.path());
    let proxied = proxy(dir.path(), &upstream.url, &url, &[]);
    for request in [r#"{"ip":"127.0.0.1"}"#, r#"{"ip":"10.0.0.1"}"#] {
        let out = hisgate_with(&["call", "--platform", "shaanxi", "--url", &proxied.url, "TestNet"], request, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let query = r#"{"orderId":"无此订单-1","startDate":"2026-12-01","endDate":"2026-12-01","queryType":1,"currentPage":1,"pageSize":10}"#;
    hisgate_with(&["call", "--platform", "shaanxi", "--url", &proxied.url, "QueryRegister"], query, &[]);
    exchanges(&url, &[], 3);
    let file = dir.path().join("one.yaml");
    let args = ["journal", "export", "--journal", &url, "--scenario", file.to_str().unwrap()];
    let (ok, shown) = run(&[&args[..], &["--key", "无此订单-1"]].concat());
    assert!(ok, "{shown}");
    let yaml = std::fs::read_to_string(&file).unwrap();
    assert_eq!(yaml.matches("  - call: ").count(), 1, "{yaml}");
    // The business error is expected as it came, with its Chinese text kept as UTF-8.
    assert!(yaml.contains("call: \"QueryRegister\"") && yaml.contains("orderId: \"无此订单-1\""), "{yaml}");
    assert!(yaml.contains("code: \"S05010901\""), "{yaml}");
    let (ok, shown) = run(&["scenario", "run", file.to_str().unwrap(), "--hospital-url", &upstream.url]);
    assert!(ok, "{shown}");
    // Nothing selected: an error, and no file written.
    let none = dir.path().join("none.yaml");
    let (ok, shown) =
        run(&["journal", "export", "--journal", &url, "--scenario", none.to_str().unwrap(), "--interface", "Pay"]);
    assert!(!ok && shown.contains("no exchange"), "{shown}");
    assert!(!none.exists());
}

/// A hospital simulator of its own, in a folder of its own under `dir`.
fn fresh_hospital(dir: &std::path::Path, name: &str) -> support::Process {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    hospital(&folder)
}
