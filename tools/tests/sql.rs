//! The database form: a clean `database:` lowers (its errors are pinned in codegen's `tests/ui`), and the
//! PostgreSQL declarations for yizhangtong are checked in (`EXPECTORATE=overwrite cargo test -p hisgate-tools
//! --test sql` regenerates them).

use std::fs;
use std::path::Path;

const PLATFORM: &str = "platform: bad\ntitle: 坏平台\ndocument: 测试\n";

/// Interface `X` whose request and response have `fields`, with `database` appended (YAML lines).
fn interface(request: &str, response: &str, database: &str) -> String {
    format!(
        "interface: X\ntitle: 测试\nprovider: hospital\nrequest:\n  fields:\n{request}response:\n  fields:\n{response}{database}"
    )
}

/// The diagnostics of platform `bad` with interface files `files`, one line each.
fn errors(files: &[(&str, &str)]) -> Vec<String> {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bad");
    fs::create_dir_all(dir.join("interfaces")).unwrap();
    fs::write(dir.join("platform.yaml"), PLATFORM).unwrap();
    for (name, content) in files {
        fs::write(dir.join("interfaces").join(name), content).unwrap();
    }
    match hisgate_codegen::load_platform(&dir, "specs/bad") {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.sorted().iter().map(ToString::to_string).collect(),
    }
}

const ID: &str =
    "    - { name: idNo, title: 证件号, type: char(32) }\n    - { name: day, title: 日期, type: string }\n";
const ROWS: &str = "    - name: rows\n      title: 记录\n      type: list\n      fields:\n        - { name: amount, title: 金额, type: int }\n";

#[test]
fn a_clean_view_and_procedure_lower() {
    let view = "database:\n  view: v_x\n  filter:\n    - { field: idNo }\n    - { field: day, column: dayText, op: \">=\" }\n  order: amount desc\n";
    let procedure =
        "interface: P\ntitle: 测试\nprovider: hospital\nrequest: none\nresponse: none\ndatabase:\n  procedure: p\n";
    assert_eq!(errors(&[("X.yaml", &interface(ID, ROWS, view)), ("P.yaml", procedure)]), Vec::<String>::new());
}

#[test]
fn yizhangtong_declarations() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let platform = hisgate_codegen::load_platform(&workspace.join("specs/yizhangtong"), "specs/yizhangtong").unwrap();
    let sql = hisgate_tools::sql::postgres(&platform);
    expectorate::assert_contents("tests/snapshots/yizhangtong.sql", &sql);
    // Six interfaces: five procedures, one view; `traceNoIn` and `extra` go in and come back as one parameter.
    assert_eq!(sql.matches("CREATE FUNCTION").count(), 5);
    assert_eq!(sql.matches("CREATE VIEW").count(), 1);
    assert!(sql.contains("    INOUT \"traceNoIn\" varchar(32),\n"));
    assert!(sql.contains("    OUT \"out_curdata\" refcursor\n"));
}

#[test]
fn platforms_without_a_database_form_declare_nothing() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let platform = hisgate_codegen::load_platform(&workspace.join("specs/onepay"), "specs/onepay").unwrap();
    assert_eq!(hisgate_tools::sql::postgres(&platform), "");
}
