//! Reconciliation end to end on material the simulators make: patients book and pay through the shaanxi
//! platform's front desk at the hospital simulator, then `hisgate reconcile --fetch` downloads the platform's
//! DownloadStatement over HTTP and reads the HIS ledger from the hospital simulator's own database
//! (`--his-db … --his-query …`). Everything matches; then one mismatch of each class is planted in the two sides'
//! books and exactly those are found; the next day's run matches the payment held across midnight.

#[path = "../../simulator/tests/shaanxi_support/mod.rs"]
mod shaanxi_support;
mod support;

use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_simulator::shaanxi::Bookings;
use shaanxi_support::{book, person, quiet_slot, start};
use std::path::{Path, PathBuf};
use std::process::Output;
use support::Process;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The HIS's ledger of `{date}` as a finance export would select it (amounts in yuan): registrations paid through
/// the platform (one refunded since in cash at the window was paid all the same), refunds made through the
/// platform, and the finance office's manual entries.
const LEDGER: &str = "SELECT pay_time AS time, order_id AS platform_order_id, '' AS platform_refund_id, \
     hospital_order_id, 'pay' AS kind, printf('%d.%02d', paid_fen / 100, paid_fen % 100) AS amount, \
     pay_channel AS channel FROM shaanxi_hospital_orders WHERE pay_source = 1 AND substr(pay_time, 1, 10) = '{date}' \
     UNION ALL SELECT r.refund_time, o.order_id, r.refund_id, o.hospital_order_id, 'refund', \
     printf('%d.%02d', r.refund_fen / 100, r.refund_fen % 100), o.pay_channel FROM shaanxi_hospital_refunds r \
     JOIN shaanxi_hospital_orders o ON o.hospital_order_id = r.hospital_order_id \
     WHERE r.origin = 'platform' AND substr(r.refund_time, 1, 10) = '{date}' \
     UNION ALL SELECT time, platform_order_id, '', hospital_order_id, 'pay', amount, channel FROM his_manual_entries \
     WHERE substr(time, 1, 10) = '{date}'";

fn reconcile(dir: &Path, day: &str, platform_url: &str, hospital_db: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["reconcile", "--platform", "shaanxi", "--date", day, "--fetch", platform_url])
        .arg("--journal")
        .arg(journal(dir))
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

/// The journal of the proxy the platform's front desk calls the hospital through: the third source.
fn journal(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("journal.sqlite").display())
}

fn count(summary: &str, class: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| {
            l.strip_prefix(class).and_then(|rest| rest.split_whitespace().next()).and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn execute(store: &Store, sql: &str, binds: &[&str]) {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(*b);
    }
    query.execute(store.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetched_statement_against_the_his_database_finds_each_planted_mismatch_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let hospital_db = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let hospital_store = Store::open(&hospital_db).await.unwrap();
    let platform_store =
        Store::open(&format!("sqlite://{}", dir.path().join("platform.sqlite").display())).await.unwrap();
    let (hospital, _) = start(&hospital_store, Side::Hospital, None).await;
    let (platform, _) = start(&platform_store, Side::Platform, Some(&hospital.url)).await;
    let manual = "CREATE TABLE his_manual_entries (time TEXT, platform_order_id TEXT, hospital_order_id TEXT, \
                  amount TEXT, channel TEXT)";
    execute(&hospital_store, manual, &[]).await;

    // The platform's front desk reaches the hospital through `hisgate proxy`, whose journal reconcile reads.
    let proxy = Process::start(
        &["proxy", "--platform", "shaanxi", "--listen", "127.0.0.1:0", "--upstream", &hospital.url]
            .into_iter()
            .chain(["--journal", &journal(dir.path())])
            .collect::<Vec<_>>(),
        dir.path().join("proxy.log"),
    );
    let client = shaanxi_support::hospital_client_at(&proxy.url);
    let slot = quiet_slot(&client, &platform_store, "220", 6).await;
    let bookings = Bookings::new(platform_store.clone(), client);
    let mut orders = Vec::new();
    for i in 0..6 {
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
    let next = (day.parse::<chrono::NaiveDate>().unwrap() + chrono::Duration::days(1)).to_string();

    let clean = reconcile(dir.path(), &day, &platform.url, &hospital_db);
    let summary = String::from_utf8_lossy(&clean.stdout).into_owned();
    let errors = String::from_utf8_lossy(&clean.stderr).into_owned();
    assert_eq!(clean.status.code(), Some(0), "{summary}\n{errors}");
    assert!(count(&summary, "matched") >= 6, "{summary}");
    assert!(errors.contains("fetched the statement into"), "{errors}");
    let kept = std::fs::read_to_string(dir.path().join(format!("report/statement-platform-{day}.txt"))).unwrap();
    assert!(kept.starts_with("'交易时间'") && orders.iter().all(|o| kept.contains(o.as_str())), "{kept}");

    // Planted, one per class.
    let his_order = |i: usize| orders[i].clone();
    // 0: the HIS booked a fen more.
    execute(
        &hospital_store,
        "UPDATE shaanxi_hospital_orders SET paid_fen = paid_fen + 1 WHERE order_id = $1",
        &[&his_order(0)],
    )
    .await;
    // 1: the HIS never booked the payment.
    let undo =
        "UPDATE shaanxi_hospital_orders SET status = 'cancelled', pay_source = 0, paid_fen = 0 WHERE order_id = $1";
    execute(&hospital_store, undo, &[&his_order(1)]).await;
    // 2: the platform refunded part of it; the HIS never heard.
    let refund = "INSERT INTO shaanxi_platform_refunds (refund_id, order_id, refund_fen, status, through_platform, \
                  out_refund_id, refund_time, reason) VALUES ($1, $2, 100, 1, 1, $3, $4, '患者申请退款')";
    let refund_time = format!("{day} 12:00:00");
    execute(
        &platform_store,
        refund,
        &[&format!("RF{}", orders[2]), &orders[2], &format!("WXRF{}", orders[2]), &refund_time],
    )
    .await;
    // 3: the finance office booked the payment twice; and one the platform never saw.
    let entry = "INSERT INTO his_manual_entries SELECT pay_time, order_id, hospital_order_id, \
                 printf('%d.%02d', paid_fen / 100, paid_fen % 100), pay_channel FROM shaanxi_hospital_orders WHERE order_id = $1";
    execute(&hospital_store, entry, &[&orders[3]]).await;
    let stray = "INSERT INTO his_manual_entries VALUES ($1, 'GHNOSUCHORDER', 'H-NONE', '12.00', '窗口')";
    execute(&hospital_store, stray, &[&format!("{day} 10:00:00")]).await;
    // 4: paid at 23:59:58 by the platform's clock, booked at 00:00:03 the next day by the HIS.
    execute(
        &platform_store,
        "UPDATE shaanxi_platform_orders SET pay_time = $1 WHERE order_id = $2",
        &[&format!("{day} 23:59:58"), &orders[4]],
    )
    .await;
    execute(
        &hospital_store,
        "UPDATE shaanxi_hospital_orders SET pay_time = $1 WHERE order_id = $2",
        &[&format!("{next} 00:00:03"), &orders[4]],
    )
    .await;

    let planted = reconcile(dir.path(), &day, &platform.url, &hospital_db);
    let summary = String::from_utf8_lossy(&planted.stdout).into_owned();
    assert_eq!(planted.status.code(), Some(1), "{summary}");
    for (class, n) in [
        ("amount_differs", 1),
        ("platform_only", 1),
        ("status_differs", 1),
        ("duplicate_his", 1),
        ("his_only", 1),
        ("pending", 1),
        ("duplicate_platform", 0),
    ] {
        assert_eq!(count(&summary, class), n, "{class}\n{summary}");
    }
    let mismatches = std::fs::read_to_string(dir.path().join("report/mismatches.csv")).unwrap();
    for (i, order) in orders.iter().enumerate() {
        assert_eq!(mismatches.contains(order.as_str()), i < 5, "{order}\n{mismatches}");
    }
    // The third source: the payment the HIS never booked passed through the proxy and was answered with success;
    // the HIS's stray entry never did.
    let undone = summary.lines().skip_while(|l| !l.contains(&format!("platform_only {}", orders[1]))).nth(1);
    let undone = undone.unwrap_or_else(|| panic!("{summary}"));
    assert!(undone.contains("journal: OrderRegister SUCCESS ok") && undone.contains("; Pay SUCCESS ok"), "{undone}");
    let stray = summary.lines().skip_while(|l| !l.contains("his_only GHNOSUCHORDER")).nth(1).unwrap_or_default();
    assert!(stray.contains("journal: nothing about it passed through the proxy"), "{summary}");
    let journal_csv = std::fs::read_to_string(dir.path().join("report/journal.csv")).unwrap();
    assert!(
        journal_csv.contains(&format!("{},", orders[1])) && journal_csv.contains(",Pay,SUCCESS,ok,"),
        "{journal_csv}"
    );

    // The next day: the platform has nothing (its no-rows code is an empty statement), the held payment meets the
    // HIS's booking after midnight.
    let after = reconcile(dir.path(), &next, &platform.url, &hospital_db);
    let summary = String::from_utf8_lossy(&after.stdout).into_owned();
    let errors = String::from_utf8_lossy(&after.stderr).into_owned();
    assert_eq!(after.status.code(), Some(0), "{summary}\n{errors}");
    assert_eq!(count(&summary, "matched"), 1, "{summary}");
    assert_eq!(count(&summary, "pending"), 0, "{summary}");
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

/// The ledger from PostgreSQL: a `numeric` amount read as text matches the statement; selected as it is, the
/// query is refused with the cast that reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_ledger_query_matches_and_a_raw_numeric_is_named() {
    let Some(db) = hisgate_tests::databases::postgres("reconcile_his_db").await else { return };
    let schema = db.schema().unwrap().to_owned();
    for sql in [
        format!("CREATE TABLE {schema}.ledger (booked TEXT, order_no TEXT, kind TEXT, yuan NUMERIC(10, 2))"),
        format!(
            "INSERT INTO {schema}.ledger VALUES ('2026-12-01 09:00:01', 'P1', 'pay', 15.00), \
                 ('2026-12-01 10:00:00', 'P3', 'pay', 9.98)"
        ),
    ] {
        sqlx::query(&sql).execute(db.store.pool()).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let statement = dir.path().join("statement.txt");
    std::fs::write(
        &statement,
        "'交易时间','平台订单号','交易类型','交易金额(分)'\r\n'2026-12-01 09:00:00','P1','1','1500'\r\n\
         '2026-12-01 10:00:00','P3','1','999'\r\n",
    )
    .unwrap();
    let run = |amount: &str| {
        let query = format!(
            "SELECT booked AS time, order_no AS platform_order_id, kind, {amount} AS amount FROM {schema}.ledger \
             WHERE booked LIKE '{{date}}%'"
        );
        std::process::Command::new(env!("CARGO_BIN_EXE_hisgate"))
            .args(["reconcile", "--platform", "shaanxi", "--date", "2026-12-01"])
            .arg("--statement")
            .arg(&statement)
            .args(["--his-db", &db.url, "--his-query", &query])
            .arg("--specs")
            .arg(root().join("specs"))
            .arg("--db")
            .arg(format!("sqlite://{}", dir.path().join("reconcile.sqlite").display()))
            .output()
            .unwrap()
    };
    let read = run("yuan::text");
    let summary = String::from_utf8_lossy(&read.stdout).into_owned();
    assert!(String::from_utf8_lossy(&read.stderr).contains("2 ledger rows from postgres://"), "{read:?}");
    assert_eq!((count(&summary, "matched"), count(&summary, "amount_differs")), (1, 1), "{summary}");
    let raw = run("yuan");
    let errors = String::from_utf8_lossy(&raw.stderr).into_owned();
    assert_eq!(raw.status.code(), Some(2), "{errors}");
    assert!(errors.contains("CAST(amount AS TEXT), or amount::text"), "{errors}");
    db.finish().await;
}
