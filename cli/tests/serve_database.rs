//! `hisgate serve --database`: any platform whose spec declares `database:` served through the HIS's own stored
//! procedures and views in PostgreSQL (a schema of its own, dropped afterwards) — a fifth platform written as YAML
//! only, its declarations from `hisgate export sql` and a PL/pgSQL implementation written here, called with
//! `hisgate call`; yizhangtong's sample HIS the same way; and the refusals to start that say what is missing.

use hisgate_runtime::store::Store;
use hisgate_tests::databases::{self, TestDb};
use serde_json::{Value, json};
use sqlx::Executor;
use std::path::{Path, PathBuf};

mod support;
use support::{Process, hisgate_with};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The ruikang fixture with a procedure behind QueryCard and a view behind QueryDept.
fn ruikang_with_database(dir: &Path) -> PathBuf {
    let spec = dir.join("ruikang");
    let fixture = root().join("tests/fixtures/platforms/ruikang");
    assert!(std::process::Command::new("cp").arg("-r").arg(fixture).arg(&spec).status().unwrap().success());
    let edit = |file: &str, from: &str, to: &str| {
        let path = spec.join("interfaces").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit("QueryCard.yaml", "keys: [CARD_NO]\n", "keys: [CARD_NO]\ndatabase:\n  procedure: ruikang_query_card\n");
    edit(
        "QueryDept.yaml",
        "description: 查询医院的科室列表。\n",
        "description: 查询医院的科室列表。\ndatabase:\n  view: ruikang_depts\n  filter:\n    - { field: HOSPITAL_AREA, column: hospital_area }\n  order: DEPT_CODE\n",
    );
    spec
}

/// What this HIS implements, over its own tables: CREATE OR REPLACE of the declared signatures.
const RUIKANG_HIS: &str = r#"
CREATE TABLE his_cards (card_no varchar(20) PRIMARY KEY, patient_name varchar(32) NOT NULL, balance numeric(12,2) NOT NULL);
INSERT INTO his_cards VALUES ('6217000000000001', '张三', 128.50), ('6217000000000009', '欧阳娜娜', 0.07);
CREATE TABLE his_depts (code varchar(10) PRIMARY KEY, name varchar(32) NOT NULL, area varchar(10) NOT NULL);
INSERT INTO his_depts VALUES ('0102', '神经内科', '01'), ('0101', '心血管内科', '01'), ('0201', '儿科', '02');
CREATE OR REPLACE FUNCTION "ruikang_query_card"(
    INOUT "CARD_NO" varchar(20), IN "CARD_TYPE" varchar(2), OUT "RET_CODE" varchar(8), OUT "RET_MSG" varchar(128),
    OUT "PATIENT_NAME" varchar(32), OUT "BALANCE" numeric(12,2), OUT "QUERY_TIME" varchar(19)
) LANGUAGE plpgsql AS $$
BEGIN
    SELECT patient_name, balance INTO "PATIENT_NAME", "BALANCE" FROM his_cards WHERE card_no = "CARD_NO";
    IF NOT FOUND THEN
        "RET_CODE" := '2001'; "RET_MSG" := '未找到该卡，请先办卡'; RETURN;
    END IF;
    "RET_CODE" := '0000'; "RET_MSG" := '成功';
    "QUERY_TIME" := to_char(now(), 'YYYY-MM-DD HH24:MI:SS');
END
$$;
CREATE OR REPLACE VIEW "ruikang_depts" AS
    SELECT code::varchar(10) AS "DEPT_CODE", name::varchar(32) AS "DEPT_NAME", area::varchar(10) AS "hospital_area"
    FROM his_depts;
"#;

/// The test's PostgreSQL schema as a URL `hisgate serve --db` takes: every connection on its search path.
fn schema_url(db: &TestDb) -> String {
    let schema = db.schema().expect("a PostgreSQL schema");
    format!("{}?options=-c%20search_path%3D{schema}", databases::postgres_url())
}

fn serve(dir: &Path, target: &[&str], db: &str) -> Process {
    let mut args = vec!["serve"];
    args.extend(target);
    args.extend(["--role", "hospital", "--database", "--db", db, "--listen", "127.0.0.1:0"]);
    Process::start(&args, dir.join("serve.log"))
}

fn call(target: &[&str], url: &str, interface: &str, request: Value) -> Value {
    let mut args = vec!["call"];
    args.extend(target);
    args.extend(["--url", url, interface]);
    let out = hisgate_with(&args, &request.to_string(), &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn install(store: &Store, sql: &str) {
    let mut tx = store.begin().await.unwrap();
    tx.execute(sql).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_yaml_only_platform_is_served_from_its_procedures_and_views() {
    let Some(db) = databases::postgres("serve_database_ruikang").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let spec = ruikang_with_database(dir.path());
    let target = ["--spec", spec.to_str().unwrap()];
    let url = schema_url(&db);

    // Before the HIS has its procedures, serve says which are missing.
    let lacking =
        hisgate_with(&[&["serve"][..], &target, &["--role", "hospital", "--database", "--db", &url]].concat(), "", &[]);
    let said = String::from_utf8_lossy(&lacking.stderr);
    assert!(!lacking.status.success());
    assert!(said.contains("lacks procedure `ruikang_query_card`, view `ruikang_depts`"), "{said}");

    let exported = hisgate_with(&[&["export", "sql"][..], &target].concat(), "", &[]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    install(&db.store, &String::from_utf8(exported.stdout).unwrap()).await;
    install(&db.store, RUIKANG_HIS).await;
    let served = serve(dir.path(), &target, &url);

    let found = call(&target, &served.url, "QueryCard", json!({"CARD_NO": "6217000000000009"}));
    assert_eq!(found["code"], "0000", "{found}");
    assert_eq!(found["response"]["PATIENT_NAME"], "欧阳娜娜", "{found}");
    // Money as the HIS keeps it: the decimal's text, never through a float.
    assert_eq!(found["response"]["BALANCE"].to_string(), "0.07", "{found}");
    let zhang = call(&target, &served.url, "QueryCard", json!({"CARD_NO": "6217000000000001"}));
    assert_eq!(zhang["response"]["BALANCE"].to_string(), "128.50", "{zhang}");
    assert_eq!(found["response"]["CARD_NO"], "6217000000000009");
    assert_eq!(found["response"]["QUERY_TIME"].as_str().unwrap().len(), 19, "{found}");
    // The procedure's own return code and message refuse.
    let missing = call(&target, &served.url, "QueryCard", json!({"CARD_NO": "6217000000000404"}));
    assert_eq!(missing["code"], "2001", "{missing}");
    assert!(missing["message"].as_str().unwrap().ends_with("未找到该卡，请先办卡"), "{missing}");
    assert_eq!(missing["response"], Value::Null);
    // The view, filtered by the request and in the declared order; an absent filter selects every row.
    let area = call(&target, &served.url, "QueryDept", json!({"HOSPITAL_AREA": "01"}));
    let names: Vec<&str> =
        area["response"]["DEPT"].as_array().unwrap().iter().map(|d| d["DEPT_NAME"].as_str().unwrap()).collect();
    assert_eq!(names, ["心血管内科", "神经内科"], "{area}");
    let all = call(&target, &served.url, "QueryDept", json!({}));
    assert_eq!(all["response"]["DEPT"].as_array().unwrap().len(), 3, "{all}");
    // An interface of the side with no `database:` gets the platform's own code for an unsupported call.
    let heartbeat = call(&target, &served.url, "Heartbeat", json!({"SOURCE": "HIS"}));
    assert_eq!(heartbeat["code"], "9007", "{heartbeat}");
    drop(served);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn yizhangtong_sample_his_is_served_by_the_same_command() {
    let Some(db) = databases::postgres("serve_database_yizhangtong").await else { return };
    let declarations = hisgate_tools::sql::postgres(&hisgate_generated::yizhangtong::PLATFORM);
    hisgate_simulator::yizhangtong::install_sample_his(&db.store, &declarations).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = ["--platform", "yizhangtong"];
    let served = serve(dir.path(), &target, &schema_url(&db));
    let (id_no, user_name) = hisgate_simulator::yizhangtong::patient(6);
    let cards =
        call(&target, &served.url, "op_query_card_list", json!({"idNo": id_no, "idType": "01", "userName": user_name}));
    assert_eq!(cards["code"], "00", "{cards}");
    assert!(!cards["response"]["out_curdata"].as_array().unwrap().is_empty(), "{cards}");
    drop(served);
    db.finish().await;
}

#[test]
fn serve_database_says_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("his.sqlite").display());
    let out = hisgate_with(
        &["serve", "--platform", "yizhangtong", "--role", "hospital", "--database", "--db", &sqlite],
        "",
        &[],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("need PostgreSQL; this store is SQLite"), "{out:?}");
    let out = hisgate_with(&["serve", "--platform", "yizhangtong", "--role", "hospital", "--database"], "", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database needs --db postgres://"), "{out:?}");
    let out =
        hisgate_with(&["serve", "--platform", "shaanxi", "--role", "hospital", "--database", "--db", &sqlite], "", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("declares no procedure or view"), "{out:?}");
}
