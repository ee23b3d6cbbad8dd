//! Reconciliation end to end on material the simulators make: patients book and pay through the shaanxi
//! platform's front desk at the hospital simulator, then `hisgate reconcile --fetch` downloads the platform's
//! DownloadStatement over HTTP and reads the HIS ledger from the hospital simulator's own database
//! (`--his-db … --his-query …`). Everything matches; then two mismatches are planted in the HIS's books and
//! exactly those two are found.

#[path = "../../simulator/tests/shaanxi_support/mod.rs"]
mod shaanxi_support;

use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_simulator::shaanxi::Bookings;
use shaanxi_support::{book, hospital_client, person, quiet_slot, start};
use std::path::{Path, PathBuf};
use std::process::Output;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The HIS's registrations of `{date}` paid through the platform, as a finance export would select them (amounts in
/// yuan); one refunded since in cash at the window was paid all the same.
const LEDGER: &str = "SELECT pay_time AS time, order_id AS platform_order_id, hospital_order_id, \
     trade_id, 'pay' AS kind, printf('%d.%02d', paid_fen / 100, paid_fen % 100) AS amount, pay_channel AS channel \
     FROM shaanxi_hospital_orders WHERE pay_source = 1 AND substr(pay_time, 1, 10) = '{date}'";

fn reconcile(dir: &Path, day: &str, platform_url: &str, hospital_db: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["reconcile", "--platform", "shaanxi", "--date", day, "--fetch", platform_url])
        .args(["--his-db", hospital_db, "--his-query", LEDGER])
        .arg("--specs")
        .arg(root().join("specs"))
        .arg("--db")
        .arg(format!("sqlite://{}", dir.join("reconcile.sqlite").display()))
        .arg("--out")
        .arg(dir.join("report"))
        .output()
        .unwrap()
}

fn count(summary: &str, class: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| {
            l.strip_prefix(class).and_then(|rest| rest.split_whitespace().next()).and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetched_statement_against_the_his_database_finds_what_was_planted_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let hospital_db = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let hospital_store = Store::open(&hospital_db).await.unwrap();
    let platform_store =
        Store::open(&format!("sqlite://{}", dir.path().join("platform.sqlite").display())).await.unwrap();
    let (hospital, _) = start(&hospital_store, Side::Hospital, None).await;
    let (platform, _) = start(&platform_store, Side::Platform, Some(&hospital.url)).await;

    let client = hospital_client(&hospital);
    let slot = quiet_slot(&client, &platform_store, "220", 3).await;
    let bookings = Bookings::new(platform_store.clone(), client);
    let mut orders = Vec::new();
    for i in 0..3 {
        let order_id = format!("RECON{i}{}", hisgate_runtime::store::now_millis());
        book(&bookings, &order_id, &slot, &person(700 + i), true).await;
        orders.push(order_id);
    }
    // The day the platform booked the payments on (China time, as both sides write it).
    let day: String =
        sqlx::query_scalar("SELECT substr(pay_time, 1, 10) FROM shaanxi_platform_orders WHERE order_id = $1")
            .bind(&orders[0])
            .fetch_one(platform_store.pool())
            .await
            .unwrap();

    let clean = reconcile(dir.path(), &day, &platform.url, &hospital_db);
    let summary = String::from_utf8_lossy(&clean.stdout).into_owned();
    let errors = String::from_utf8_lossy(&clean.stderr).into_owned();
    assert_eq!(clean.status.code(), Some(0), "{summary}\n{errors}");
    assert!(count(&summary, "matched") >= 3, "{summary}");
    assert!(errors.contains("fetched the statement into"), "{errors}");
    let kept = std::fs::read_to_string(dir.path().join(format!("report/statement-platform-{day}.txt"))).unwrap();
    assert!(kept.starts_with("'交易时间'") && orders.iter().all(|o| kept.contains(o.as_str())), "{kept}");

    // Planted in the HIS's books: one payment booked a fen higher, one booked as never paid.
    let sql = "UPDATE shaanxi_hospital_orders SET paid_fen = paid_fen + 1 WHERE order_id = $1";
    sqlx::query(sql).bind(&orders[0]).execute(hospital_store.pool()).await.unwrap();
    let sql =
        "UPDATE shaanxi_hospital_orders SET status = 'cancelled', pay_source = 0, paid_fen = 0 WHERE order_id = $1";
    sqlx::query(sql).bind(&orders[1]).execute(hospital_store.pool()).await.unwrap();

    let planted = reconcile(dir.path(), &day, &platform.url, &hospital_db);
    let summary = String::from_utf8_lossy(&planted.stdout).into_owned();
    assert_eq!(planted.status.code(), Some(1), "{summary}");
    assert_eq!(count(&summary, "amount_differs"), 1, "{summary}");
    assert_eq!(count(&summary, "platform_only"), 1, "{summary}");
    assert_eq!(count(&summary, "his_only"), 0, "{summary}");
    let mismatches = std::fs::read_to_string(dir.path().join("report/mismatches.csv")).unwrap();
    assert!(mismatches.contains(orders[0].as_str()) && mismatches.contains(orders[1].as_str()), "{mismatches}");
    assert!(!mismatches.contains(orders[2].as_str()), "{mismatches}");
}

#[test]
fn a_ledger_query_selecting_money_as_a_float_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("his.sqlite");
    let statement = dir.path().join("statement.txt");
    std::fs::write(&statement, "'交易时间','平台订单号','交易类型','交易金额(分)'\r\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["reconcile", "--platform", "shaanxi", "--date", "2026-12-01"])
        .arg("--statement")
        .arg(&statement)
        .args(["--his-db", &format!("sqlite://{}?mode=rwc", db.display())])
        .args([
            "--his-query",
            "SELECT '2026-12-01 10:00:00' AS time, 'P1' AS platform_order_id, 'pay' AS kind, 12.5 AS amount",
        ])
        .arg("--specs")
        .arg(root().join("specs"))
        .arg("--db")
        .arg(format!("sqlite://{}", dir.path().join("reconcile.sqlite").display()))
        .output()
        .unwrap();
    let errors = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{errors}");
    assert!(errors.contains("column `amount` is a floating-point number"), "{errors}");
}
