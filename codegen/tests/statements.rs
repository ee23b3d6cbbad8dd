//! Statements (`statements.yaml`): the shipped ones load and mean what the seeds say. A broken one's errors are
//! pinned one site per case in `tests/ui` (`statement-*`, `*-statement-*` and the format, column and key cases).

use hisgate_codegen::load_statements;
use hisgate_schema::{Charset, Meaning, MoneyUnit, RequestText, RequestValue, Side, StatementFormat, StatementSource};
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
        StatementSource::Interface {
            interface: "DownloadStatement".into(),
            field: "statement".into(),
            request: vec![RequestValue { field: "statementDate".into(), value: RequestText::Day(0) }].into(),
            no_rows: Some("A02000301".into()),
        }
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
