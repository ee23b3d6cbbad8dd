//! What `hisgate check` and `hisgate reconcile --his-map` are given that is not a spec folder or a ledger mapping:
//! each a diagnostic naming the path (the spec errors themselves are pinned in `tests/ui`).

use std::fs;

#[test]
fn a_folder_that_is_no_specs_root() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nothing-here");
    let diagnostics = hisgate_codegen::load(&missing).unwrap_err().to_string();
    let shown = missing.display();
    assert!(diagnostics.starts_with(&format!("{shown}:1:1: error: cannot read the specs folder: ")), "{diagnostics}");
    assert_eq!(diagnostics.lines().count(), 1, "{diagnostics}");
    let empty = hisgate_codegen::load(root.path()).unwrap_err().to_string();
    let shown = root.path().display();
    assert_eq!(empty, format!("{shown}:1:1: error: no platform folders (folders with a platform.yaml) here\n"));
}

#[test]
fn a_ledger_mapping_is_file_statements_only() {
    let root = tempfile::tempdir().unwrap();
    let path = root.path().join("his.yaml");
    let shown = path.display().to_string();
    fs::write(&path, "statements: []\n").unwrap();
    let diagnostics = hisgate_codegen::load_ledger_mapping(&path).unwrap_err().to_string();
    assert_eq!(
        diagnostics,
        format!("{shown}:1:1: error: no statements here (expected `statements:` with one entry)\n")
    );
    fs::write(
        &path,
        "statements:\n  - name: his\n    title: 医院账\n    issuer: hospital\n    source: { interface: Bill, field: rows }\n    \
         format:\n      delimited: { separator: \",\" }\n    columns:\n      time: { column: 时间, format: YYYYMMDD }\n      \
         amount: { column: 金额, unit: yuan }\n      hospital_order_id: { column: 订单号 }\n    key: hospital_order_id\n",
    )
    .unwrap();
    let diagnostics = hisgate_codegen::load_ledger_mapping(&path).unwrap_err().to_string();
    assert_eq!(diagnostics, format!("{shown}:5:26: error: a HIS ledger mapping takes `source: {{ file: … }}` only\n"));
}

/// `effect:` defaults to `write`, so a shipped interface without it would silently never be probed without
/// `--allow-writes`: each one says what it does, and queries read.
#[test]
fn every_shipped_interface_declares_its_effect() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let mut checked = 0;
    for platform in std::fs::read_dir(&specs).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for file in std::fs::read_dir(platform.path().join("interfaces")).unwrap().flatten() {
            let text = std::fs::read_to_string(file.path()).unwrap();
            let effect = text.lines().find_map(|l| l.strip_prefix("effect: "));
            assert!(matches!(effect, Some("read" | "write")), "{} declares no effect", file.path().display());
            let name = file.file_name().to_string_lossy().to_ascii_lowercase();
            if name.starts_with("query") || name.starts_with("get") || name.contains(".query") {
                assert_eq!(effect, Some("read"), "{} is a query", file.path().display());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 48);
}
