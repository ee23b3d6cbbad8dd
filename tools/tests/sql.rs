//! The database form: `database:` is checked with `file:line:column` errors, and the PostgreSQL declarations for
//! yizhangtong are checked in (`EXPECTORATE=overwrite cargo test -p hisgate-tools --test sql` regenerates them).

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
fn a_database_block_names_one_form() {
    let both = interface(ID, ROWS, "database:\n  procedure: p\n  view: v\n");
    assert_eq!(
        errors(&[("X.yaml", &both)]),
        ["specs/bad/interfaces/X.yaml:17:9: error: `database` takes `procedure` or `view`, not both"]
    );
    let neither = interface(ID, ROWS, "database:\n  order: amount\n");
    assert_eq!(
        errors(&[("X.yaml", &neither)]),
        ["specs/bad/interfaces/X.yaml:16:3: error: `database` needs `procedure` (one row) or `view` (many rows)"]
    );
}

#[test]
fn a_view_returns_one_list_of_rows() {
    let scalar = "    - { name: amount, title: 金额, type: int }\n";
    let e = errors(&[("X.yaml", &interface(ID, scalar, "database:\n  view: v\n"))]);
    assert_eq!(
        e,
        ["specs/bad/interfaces/X.yaml:12:9: error: view `v`: the response must be one `list` field, whose fields are \
          the view's columns"]
    );
}

#[test]
fn filters_order_and_page_name_real_fields_and_columns() {
    let database = "database:\n  view: v\n  filter:\n    - { field: idNum }\n    - { field: idNo, op: \"<>\" }\n  \
                    order: amount sideways\n  page: [day]\n";
    let e = errors(&[("X.yaml", &interface(ID, ROWS, database))]);
    assert_eq!(
        e,
        [
            "specs/bad/interfaces/X.yaml:18:16: error: filter field `idNum` is not a request field (fields: idNo, day)",
            "specs/bad/interfaces/X.yaml:19:26: error: unknown filter op `<>` (expected =, >= or <=)",
            "specs/bad/interfaces/X.yaml:20:10: error: bad order `amount sideways` (expected `COLUMN`, `COLUMN asc` or \
             `COLUMN desc`)",
            "specs/bad/interfaces/X.yaml:21:10: error: `page` names two request fields: the first row and the last row",
        ]
    );
}

#[test]
fn procedure_names_are_sql_names_and_unique() {
    let bad = interface(ID, ROWS, "database:\n  procedure: op-x\n");
    assert_eq!(
        errors(&[("X.yaml", &bad)]),
        [
            "specs/bad/interfaces/X.yaml:16:14: error: `op-x` is not an SQL name ([A-Za-z_][A-Za-z0-9_]*, at most 63 bytes)"
        ]
    );
    let y = "interface: Y\ntitle: 测试\nprovider: hospital\nrequest: none\nresponse: none\ndatabase:\n  procedure: p\n";
    let x = interface(ID, ROWS, "database:\n  procedure: p\n");
    assert_eq!(
        errors(&[("X.yaml", &x), ("Y.yaml", y)]),
        ["specs/bad/interfaces/Y.yaml:1:1: error: interface `Y` uses the database name `p` of `X`"]
    );
}

#[test]
fn a_field_both_sent_and_returned_keeps_one_type() {
    let returned = "    - { name: idNo, title: 证件号, type: int }\n";
    let e = errors(&[("X.yaml", &interface(ID, returned, "database:\n  procedure: p\n"))]);
    assert_eq!(
        e,
        ["specs/bad/interfaces/X.yaml:12:14: error: procedure `p`: a field of both request and response is one INOUT \
          parameter, so its types must agree: `idNo` (varchar(32) in, integer out)"]
    );
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
