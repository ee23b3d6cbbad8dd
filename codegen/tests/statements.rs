//! Statements (`statements.yaml`): the shipped ones load and mean what the seeds say; a broken one is refused with
//! every error at its `file:line:column`.

use hisgate_codegen::load_statements;
use hisgate_schema::{Charset, Meaning, MoneyUnit, Side, StatementFormat, StatementSource};
use std::path::Path;

fn specs(platform: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs").join(platform)
}

#[test]
fn shaanxi_declares_both_statements() {
    let statements = load_statements(&specs("shaanxi"), "specs/shaanxi").expect("shaanxi's statements load");
    let platform = statements.iter().find(|s| s.name == "platform").expect("the platform's statement");
    assert_eq!(platform.issuer, Side::Platform);
    assert_eq!(
        platform.source,
        StatementSource::Interface { interface: "DownloadStatement".into(), field: "statement".into() }
    );
    let StatementFormat::Delimited(d) = &platform.format else { panic!("delimited") };
    assert_eq!((d.separator, d.quote, d.header, d.encoding), (',', Some('\''), true, Charset::Utf8));
    let amount = platform.column(Meaning::Amount).expect("amount");
    assert_eq!((amount.names[0].as_ref(), amount.unit), ("交易金额(分)", Some(MoneyUnit::Fen)));
    assert_eq!(platform.key, Meaning::PlatformOrderId);
    let hospital = statements.iter().find(|s| s.name == "hospital").expect("the hospital's statement");
    assert_eq!(hospital.format, StatementFormat::Records);
    let amount = hospital.column(Meaning::Amount).expect("amount");
    assert_eq!(amount.names.len(), 2, "transactionFee, else refundFee");
}

#[test]
fn onepay_and_yizhangtong_declare_theirs() {
    let onepay = load_statements(&specs("onepay"), "specs/onepay").expect("onepay's statements load");
    assert_eq!(onepay[0].column(Meaning::Amount).and_then(|c| c.unit), Some(MoneyUnit::Yuan));
    let yzt = load_statements(&specs("yizhangtong"), "specs/yizhangtong").expect("yizhangtong's statements load");
    assert_eq!(yzt[0].key, Meaning::TradeId);
    assert_eq!(yzt[0].column(Meaning::Kind).map(|k| k.refund.len()), Some(1));
}

#[test]
fn broken_statement_is_refused_at_its_positions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let platform = dir.path().join("demo");
    std::fs::create_dir_all(platform.join("interfaces")).expect("mkdir");
    std::fs::copy(specs("shaanxi").join("platform.yaml"), platform.join("platform.yaml")).expect("copy");
    std::fs::write(
        platform.join("platform.yaml"),
        std::fs::read_to_string(platform.join("platform.yaml")).unwrap().replace("platform: shaanxi", "platform: demo"),
    )
    .unwrap();
    std::fs::write(
        platform.join("statements.yaml"),
        "statements:\n  - name: 账单\n    title: 平台账单\n    issuer: platform\n    source: { interface: Missing, field: statement }\n    format:\n      delimited: { separator: \"||\", encoding: big5 }\n    columns:\n      time: { column: 交易时间, format: YYYY-QQ }\n      amount: { column: 金额 }\n      colour: { column: 颜色 }\n    key: amount\n",
    )
    .expect("write");
    let errors = load_statements(&platform, "specs/demo").expect_err("refused").sorted();
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let expect = [
        "specs/demo/statements.yaml:5:26: error: unknown interface `Missing`",
        "specs/demo/statements.yaml:7:31: error: `separator` must be one character (not a line break), found `||`",
        "specs/demo/statements.yaml:7:47: error: unknown encoding `big5` (expected utf-8 or gbk)",
        "specs/demo/statements.yaml:9:37: error: time format `YYYY-QQ`: `QQ` at offset 5 is not a date/time token",
        "specs/demo/statements.yaml:10:7: error: `amount` needs `unit` (yuan or fen)",
        "specs/demo/statements.yaml:11:7: error: unknown column meaning `colour`",
        "specs/demo/statements.yaml:12:10: error: `key` must be an id meaning",
    ];
    for e in expect {
        assert!(shown.iter().any(|s| s.starts_with(e)), "missing `{e}` in:\n{}", shown.join("\n"));
    }
}
