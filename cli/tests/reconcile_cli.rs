//! `hisgate reconcile` end to end on files: the planted mismatches are found and nothing else, the reports are
//! written, a bad row is named by file:line, exit 1 on an unresolved mismatch, `--strict` stops at a bad row.

use std::process::Command;

const STATEMENT: &str = "'交易时间','平台订单号','医院订单号','平台支付单号','第三方支付流水号','平台退款单号','医院退款单号','交易类型','交易金额(分)','支付类型','支付渠道'\r\n\
'2026-12-01 09:00:00','P1','H1','T1','W1','','','1','1500','1','微信'\r\n\
'2026-12-01 09:30:00','P2','H2','T2','W2','','','1','2000','1','微信'\r\n\
'2026-12-01 10:00:00','P3','H3','T3','W3','','','1','999','1','支付宝'\r\n\
'2026-12-01 23:59:58','P6','H6','T6','W6','','','1','800','1','微信'\r\n\
'2026-12-01 13:00:00','P8','H8','T8','W8','','','1','一百','1','微信'\r\n";

const LEDGER: &str = "time,platform_order_id,hospital_order_id,kind,amount,channel\n\
2026-12-01 09:00:01,P1,H1,pay,15.00,微信\n\
2026-12-01 10:00:00,P3,H3,pay,9.98,支付宝\n";

/// The day's files as written here, then `reconcile` on them.
fn run(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    std::fs::write(dir.join("statement.txt"), STATEMENT).unwrap();
    std::fs::write(dir.join("ledger.csv"), LEDGER).unwrap();
    reconcile(dir, "statement.txt", extra)
}

/// `hisgate reconcile` of `dir/statement` against `dir/ledger.csv`, its runs kept in `dir`.
fn reconcile(dir: &std::path::Path, statement: &str, extra: &[&str]) -> std::process::Output {
    let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
    Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["reconcile", "--specs", specs, "--platform", "shaanxi", "--date", "2026-12-01", "--statement"])
        .arg(dir.join(statement))
        .arg("--his")
        .arg(dir.join("ledger.csv"))
        .arg("--db")
        .arg(format!("sqlite://{}", dir.join("runs.sqlite").display()))
        .args(extra)
        .output()
        .expect("hisgate runs")
}

#[test]
fn reconcile_finds_what_was_planted_and_writes_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run(dir.path(), &["--out", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "unresolved mismatches exit 1\n{stdout}\n{stderr}");
    assert!(stdout.contains("bad rows 1"), "{stdout}");
    assert!(stderr.contains("statement.txt:6: amount `一百` is not a number"), "{stderr}");
    let csv = std::fs::read_to_string(out.join("mismatches.csv")).unwrap();
    let mut keys: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').take(2).last().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["P2", "P3", "P6"], "{csv}");
    assert!(csv.contains("platform_only,P2,") && csv.contains("amount_differs,P3,") && csv.contains("pending,P6,"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("金额不符") && html.contains("<svg"), "{html}");
    assert!(!html.contains("src=") && !html.contains("href="), "the report opens offline");
}

#[test]
fn strict_stops_at_the_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["--strict"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("statement.txt:6"));
}

#[test]
fn pending_row_carries_to_the_next_day_and_a_mismatch_is_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(stdout.contains("pending P6 held"), "{stdout}");
    // The next day: the HIS booked P6 at 00:00:03; the platform's statement has nothing that day.
    std::fs::write(dir.path().join("day2.txt"), STATEMENT.lines().next().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("day2.csv"),
        "time,platform_order_id,hospital_order_id,kind,amount,channel\n2026-12-02 00:00:03,P6,H6,pay,8.00,微信\n",
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("runs.sqlite").display());
    let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
    let second = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["reconcile", "--specs", specs, "--platform", "shaanxi", "--date", "2026-12-02", "--statement"])
        .arg(dir.path().join("day2.txt"))
        .arg("--his")
        .arg(dir.path().join("day2.csv"))
        .args(["--db", &db])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(0), "P6 matched the next day: nothing open\n{stdout}");
    assert!(stdout.contains("matched                       1"), "{stdout}");
    // Resolve day one's platform-only P2 by its id, then a re-run of day one keeps the note.
    let id = String::from_utf8_lossy(&first.stdout)
        .lines()
        .find(|l| l.contains("platform_only P2"))
        .and_then(|l| l.trim().strip_prefix('#'))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .to_owned();
    let resolved = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["reconcile", "resolve", &id, "--note", "退款已线下处理", "--db", &db])
        .output()
        .unwrap();
    assert!(resolved.status.success(), "{}", String::from_utf8_lossy(&resolved.stderr));
    let again = run(dir.path(), &[]);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("platform_only P2 resolved"), "{stdout}");
    assert!(stdout.contains("open (not resolved, not held): 1"), "only P3's amount is open: {stdout}");
}

/// `dir/name` rewritten gzip-compressed under the same name, as a bill downloaded compressed and not renamed.
fn gzip_in_place(path: &std::path::Path) {
    use std::io::Write;
    let text = std::fs::read(path).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&text).unwrap();
    std::fs::write(path, encoder.finish().unwrap()).unwrap();
}

#[test]
fn gzip_files_read_as_their_text() {
    let plain = tempfile::tempdir().unwrap();
    let expected = run(plain.path(), &[]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("statement.txt"), STATEMENT).unwrap();
    std::fs::write(dir.path().join("ledger.csv"), LEDGER).unwrap();
    gzip_in_place(&dir.path().join("statement.txt"));
    gzip_in_place(&dir.path().join("ledger.csv"));
    let output = reconcile(dir.path(), "statement.txt", &[]);
    let summary = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout).lines().filter(|l| !l.starts_with("open ")).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(output.status.code(), expected.status.code());
    assert_eq!(summary(&output), summary(&expected));
    assert!(summary(&output).contains("amount_differs                1"), "{}", summary(&output));
}

#[test]
fn an_empty_statement_is_a_day_without_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    std::fs::write(dir.path().join("ledger.csv"), LEDGER).unwrap();
    let output = reconcile(dir.path(), "empty.txt", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("rows: platform 0, his 2") && stdout.contains("his_only                      2"),
        "{stdout}"
    );
}
