//! `hisgate diff` on the seed 003 document's own change log: yizhangtong V1.0 (tests/fixtures/evolution, written
//! by undoing each entry of the log) against specs/yizhangtong (V1.3 and the unversioned entry after it). Each
//! entry must be named, and marked breaking or not.

#[path = "support/tools.rs"]
mod tools;

use hisgate_tools::diff::{self, Change, Kind, Scope};

fn changes() -> Vec<Change> {
    let old = hisgate_codegen::load(&tools::workspace().join("tests/fixtures/evolution/yizhangtong-v1.0")).unwrap();
    let new = hisgate_codegen::load(&tools::workspace().join("specs/yizhangtong")).unwrap();
    let diffs = diff::diff_sets(&old, &new);
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0].platform, "yizhangtong");
    diffs.into_iter().next().unwrap().changes
}

fn find<'c>(changes: &'c [Change], interface: &str, kind: Kind, what: &str, path: &str) -> &'c Change {
    changes
        .iter()
        .find(|c| c.scope == Scope::Interface(interface.into()) && c.kind == kind && c.what == what && c.path == path)
        .unwrap_or_else(|| panic!("no {kind:?} {what} {path} in {interface}: {changes:#?}"))
}

#[test]
fn each_entry_of_the_change_log_is_named_and_judged() {
    let changes = changes();
    // V1.3, 1: 查询卡列表接口增加用户姓名userName入参 — a required input old callers do not send.
    assert!(find(&changes, "op_query_card_list", Kind::Added, "field", "request.userName").breaking);
    // V1.3, 2: 资金归集接口增加用户姓名userName入参,证件类型idType入参.
    assert!(find(&changes, "op_yjj_account_transfer_in", Kind::Added, "field", "request.userName").breaking);
    assert!(find(&changes, "op_yjj_account_transfer_in", Kind::Added, "field", "request.idType").breaking);
    // V1.3, 3: 删除门诊记录、门诊记录清单列表、清单明细.
    for removed in ["op_query_outpatient_record", "op_query_outpatient_record_list", "op_query_list_detail"] {
        assert!(find(&changes, removed, Kind::Removed, "interface", "").breaking, "{removed}");
    }
    // V1.3, 4 and 6: 增加用卡轨迹接口, with paging: a new interface breaks nobody.
    assert!(!find(&changes, "getCardTrack", Kind::Added, "interface", "").breaking);
    // V1.3, 5: 删除预交金转入的金额字段.
    assert!(find(&changes, "op_yjj_account_transfer_in", Kind::Removed, "field", "request.amount").breaking);
    // The unversioned entry: 查询卡列表增加实名等级标识 (a required column old HIS do not return), 新增强实名认证接口,
    // 新增费用清单接口 (用卡轨迹's new fields come with the interface itself).
    assert!(find(&changes, "op_query_card_list", Kind::Added, "field", "response.out_curdata.authlevel").breaking);
    assert!(!find(&changes, "op_certification_level", Kind::Added, "interface", "").breaking);
    assert!(!find(&changes, "getFeeList", Kind::Added, "interface", "").breaking);
}

#[test]
fn nothing_else_changed_in_the_interfaces_or_dictionaries() {
    let changes = changes();
    let named: Vec<(String, Kind, &str, &str)> = changes
        .iter()
        .filter_map(|c| match &c.scope {
            Scope::Interface(name) => Some((name.clone(), c.kind, c.what.as_str(), c.path.as_str())),
            Scope::Dictionary(name) => panic!("unexpected change in dictionary {name}: {c:?}"),
            _ => None,
        })
        .collect();
    assert_eq!(named.len(), 11, "{named:#?}");
    // The document's version is the platform's.
    let document = changes.iter().find(|c| c.scope == Scope::Platform && c.what == "document").unwrap();
    assert!(document.old.as_deref().unwrap().ends_with("V1.0") && document.new.as_deref().unwrap().ends_with("V1.3"));
    assert!(!document.breaking);
}

#[test]
fn text_and_json_name_the_same_changes() {
    let old = hisgate_codegen::load(&tools::workspace().join("tests/fixtures/evolution/yizhangtong-v1.0")).unwrap();
    let new = hisgate_codegen::load(&tools::workspace().join("specs/yizhangtong")).unwrap();
    let diffs = diff::diff_sets(&old, &new);
    let text = diff::text(&diffs);
    assert!(text.contains("interface op_query_card_list\n    + field request.userName: char(32), required"), "{text}");
    assert!(text.contains("- interface: op_query_outpatient_record (门诊记录)  [BREAKING"), "{text}");
    let json = diff::json(&diffs);
    let total = json["changes"].as_u64().unwrap() as usize;
    assert_eq!(total, diffs[0].changes.len());
    assert_eq!(json["breaking"].as_u64().unwrap() as usize, diffs[0].changes.iter().filter(|c| c.breaking).count());
    let first =
        &json["platforms"][0]["changes"].as_array().unwrap().iter().find(|c| c["path"] == "request.amount").unwrap();
    assert_eq!(first["scope"], "interface");
    assert_eq!(first["name"], "op_yjj_account_transfer_in");
    assert_eq!(first["change"], "removed");
    assert_eq!(first["breaking"], true);
}
