//! Each mismatch class planted in a shaanxi DownloadStatement text (read through specs/shaanxi/statements.yaml)
//! against a HIS ledger is found, and nothing else; bad rows are reported with file:line.

use hisgate_reconcile::read::{self, Read};
use hisgate_reconcile::{Class, Mismatch, Settings, matcher::Spill, reconcile};
use std::path::Path;

const PLATFORM: &str = "'交易时间','平台订单号','医院订单号','平台支付单号','第三方支付流水号','平台退款单号','医院退款单号','交易类型','交易金额(分)','支付类型','支付渠道'\r\n\
'2026-12-01 09:00:00','P1','H1','T1','W1','','','1','1500','1','微信'\r\n\
'2026-12-01 09:10:00','P2','H2','T2','W2','','','1','2000','1','微信'\r\n\
'2026-12-01 10:00:00','P3','H3','T3','W3','','','1','999','1','支付宝'\r\n\
'2026-12-01 11:00:00','P4','H4','T4','W4','','','1','5000','1','微信'\r\n\
'2026-12-01 11:30:00','P4','H4','T4','W4','R4','HR4','2','5000','1','微信'\r\n\
'2026-12-01 12:00:00','P5','H5','T5','W5','','','1','300','1','微信'\r\n\
'2026-12-01 12:00:01','P5','H5','T5','W5','','','1','300','1','微信'\r\n\
'2026-12-01 23:59:58','P6','H6','T6','W6','','','1','800','1','微信'\r\n\
'2026-12-01 13:00:00','P8','H8','T8','W8','','','1','十元','1','微信'\r\n\
'2026-12-01 13:00:00','P9','H9'\r\n\
''";

const HIS: &str = "time,platform_order_id,kind,amount,channel\n\
2026-12-01 09:00:01,P1,pay,15.00,微信\n\
2026-12-01 10:00:00,P3,pay,9.98,支付宝\n\
2026-12-01 11:00:00,P4,pay,50,微信\n\
2026-12-01 12:00:00,P5,pay,3.00,微信\n\
2026-12-01 14:00:00,P7,pay,1.00,现金窗口\n\
2026-12-01 15:00:00,P7,pay,1.00,现金窗口\n\
2026-12-01 15:00:00,P7,pay,1.00,现金窗口\n";

const HIS_MAP: &str = "statements:\n  - name: his\n    title: HIS 流水\n    issuer: hospital\n    source: { file: HIS 导出 }\n    format:\n      delimited: { separator: \",\", header: true }\n    columns:\n      time: { column: time, format: \"YYYY-MM-DD HH24:MI:SS\" }\n      platform_order_id: { column: platform_order_id }\n      kind: { column: kind, pay: pay, refund: refund }\n      amount: { column: amount, unit: yuan }\n      channel: { column: channel }\n    key: platform_order_id\n";

fn run(dir: &Path) -> (Vec<Mismatch>, hisgate_reconcile::Outcome, Vec<String>) {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/shaanxi");
    let statements = hisgate_codegen::load_statements(&specs, "specs/shaanxi").expect("statements");
    let platform = statements.iter().find(|s| s.name == "platform").expect("platform statement");
    std::fs::write(dir.join("his.yaml"), HIS_MAP).unwrap();
    let his = hisgate_codegen::load_ledger_mapping(&dir.join("his.yaml")).expect("mapping").remove(0);
    let mut bad = Vec::new();
    let mut spill = |statement, text: &str, name: &str, side| {
        let mut spill = Spill::new(&dir.join("spill"), side, 4).unwrap();
        read::delimited(statement, text.as_bytes(), name, |r| {
            match r {
                Read::Row(rec) => spill.push(&rec).map_err(|e| e.to_string())?,
                Read::Bad(b) => bad.push(b.to_string()),
                Read::Ignored => {}
            }
            Ok(())
        })
        .unwrap();
        spill.finish().unwrap()
    };
    let p = spill(platform, PLATFORM, "statement.txt", hisgate_reconcile::Side::Platform);
    let h = spill(&his, HIS, "his.csv", hisgate_reconcile::Side::His);
    let settings = Settings {
        day: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        window: chrono::Duration::minutes(5),
        partitions: 4,
        spill_dir: dir.join("spill"),
    };
    let mut found = Vec::new();
    let outcome = reconcile(&settings, p, h, |m| {
        found.push(m);
        Ok(())
    })
    .unwrap();
    (found, outcome, bad)
}

#[test]
fn every_class_is_found_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (found, outcome, bad) = run(dir.path());
    let mut got: Vec<(Class, String)> = found.iter().map(|m| (m.class, m.key.clone())).collect();
    got.sort();
    let mut want = vec![
        (Class::PlatformOnly, "P2".to_owned()),
        (Class::HisOnly, "P7".to_owned()),
        (Class::AmountDiffers, "P3".to_owned()),
        (Class::StatusDiffers, "P4".to_owned()),
        (Class::DuplicatePlatform, "P5".to_owned()),
        (Class::DuplicateHis, "P7".to_owned()),
        (Class::DuplicateHis, "P7".to_owned()),
        (Class::Pending, "P6".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(outcome.counts.get(&Class::Matched), Some(&3), "P1, P4's payment and P5");
    let amount = found.iter().find(|m| m.class == Class::AmountDiffers).unwrap();
    assert_eq!(amount.at_stake().to_string(), "0.01");
    assert_eq!(amount.channel(), "支付宝");
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].starts_with("statement.txt:10: amount `十元` is not a number"), "{bad:?}");
    assert!(bad[1].starts_with("statement.txt:11: 3 values, the header has 11"), "{bad:?}");
    assert_eq!(outcome.unresolved(), 7, "all but the pending one");
}

#[test]
fn report_csv_and_html_carry_both_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (found, outcome, bad) = run(dir.path());
    let line = hisgate_reconcile::report::csv_line(found.iter().find(|m| m.class == Class::AmountDiffers).unwrap());
    assert!(line.starts_with("amount_differs,P3,pay,,9.99,9.98,0.01,支付宝,statement.txt:4,his.csv:3,"), "{line}");
    let mut html = Vec::new();
    hisgate_reconcile::report::html(&mut html, "对账 2026-12-01", &outcome, &bad, &found, 0).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("金额不符") && html.contains("<svg") && html.contains("十元"));
}
