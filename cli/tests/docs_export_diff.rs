//! `hisgate docs`, `hisgate export` and `hisgate diff` as scripts use them: what they write, their exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn hisgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hisgate")).args(args).current_dir(root()).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn docs_writes_a_site_for_the_chosen_platforms() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = hisgate(&["docs", "--platform", "glorycard", "--out", out]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout(&output).contains("for 1 platform(s)"), "{}", stdout(&output));
    for file in
        ["index.html", "index.md", "glorycard/index.html", "glorycard/interfaces/storeAll.md", "assets/search-index.js"]
    {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    assert!(!dir.path().join("shaanxi").exists());
    let walkthrough = std::fs::read_to_string(dir.path().join("glorycard/index.html")).unwrap();
    assert!(walkthrough.contains("ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c"));

    // A spec folder read at run time, and an unknown platform.
    let output = hisgate(&["docs", "--spec", "codegen/tests/fixtures/mini", "--out", out]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.path().join("mini/index.html").is_file());
    let output = hisgate(&["docs", "--platform", "nosuch", "--out", out]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no platform `nosuch`"));
}

#[test]
fn export_writes_openapi_and_the_soap_wsdl() {
    let output = hisgate(&["export", "openapi", "--platform", "onepay"]);
    assert!(output.status.success());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/onepay-web/oneweb/oneapi"]["post"].is_object());

    let output =
        hisgate(&["export", "wsdl", "--platform", "shaanxi", "--side", "platform", "--url", "https://wd.example"]);
    assert!(output.status.success());
    let wsdl = stdout(&output);
    assert!(wsdl.contains("<wsdl:operation name=\"RefundByHis\">") && !wsdl.contains("name=\"TestNet\""));
    assert!(wsdl.contains("location=\"https://wd.example/ApiService.asmx\""));

    let output = hisgate(&["export", "wsdl", "--platform", "glorycard"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no SOAP binding"));
}

#[test]
fn export_openapi_describes_xml_bindings_and_names_what_it_leaves_out() {
    // mini without its JSON binding: only the XML one is left to describe.
    let mini = root().join("codegen/tests/fixtures/mini");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("mini");
    std::fs::create_dir_all(spec.join("interfaces")).unwrap();
    for file in ["platform.yaml", "dictionaries.yaml", "interfaces/Register.yaml", "interfaces/Notify.yaml"] {
        std::fs::copy(mini.join(file), spec.join(file)).unwrap();
    }
    let protocol = std::fs::read_to_string(mini.join("protocol.yaml")).unwrap();
    let json_binding = "  - { name: json, method: POST, format: json, path: \"/mini/{service}\" }\n";
    assert!(protocol.contains(json_binding), "mini has a JSON binding to remove");
    std::fs::write(spec.join("protocol.yaml"), protocol.replace(json_binding, "")).unwrap();
    let output = hisgate(&["export", "openapi", "--spec", spec.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let post = &document["paths"]["/mini/hospital"]["post"];
    let body = &post["requestBody"]["content"]["application/xml"];
    assert!(post["requestBody"]["content"].get("application/json").is_none(), "{post}");
    assert_eq!(body["schema"]["$ref"], "#/components/schemas/Register.request.envelope");
    // The example is the XML the engine seals, as text.
    let example = body["example"].as_str().unwrap();
    assert!(example.starts_with("<?xml") && example.contains("<root><service><![CDATA[Register]]>"), "{example}");
    assert!(post["responses"]["200"]["content"]["application/xml"]["schema"].is_object());
    assert_eq!(document["components"]["schemas"]["Register.request.envelope"]["xml"]["name"], "root");

    // shaanxi: its XML and JSON bindings share an address; its SOAP binding is the WSDL's, and said so.
    let output = hisgate(&["export", "openapi", "--platform", "shaanxi"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for soap in ["soap11", "soap12"] {
        let line = format!(
            "error: not exported: binding `{soap}` is SOAP, which OpenAPI does not describe: its contract is \
             `hisgate export wsdl --platform shaanxi`\n"
        );
        assert!(stderr.contains(&line), "{stderr}");
    }
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let content = &document["paths"]["/wd/spi"]["post"]["requestBody"]["content"];
    assert!(content["application/json"].is_object() && content["application/xml"].is_object(), "{content}");
}

#[test]
fn export_sql_declares_the_database_form() {
    let output = hisgate(&["export", "sql", "--platform", "yizhangtong"]);
    assert!(output.status.success());
    let sql = stdout(&output);
    assert!(sql.contains("CREATE VIEW \"getCardTrack\"") && sql.contains("CREATE FUNCTION \"getFeeList\"("));
    assert!(sql.contains("获取费用清单"));

    let output = hisgate(&["export", "sql", "--platform", "shaanxi"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("declares no database form"));
}

#[test]
fn diff_prints_text_or_json_and_can_fail_on_breaking_changes() {
    let old = "tests/fixtures/evolution/yizhangtong-v1.0";
    let output = hisgate(&["diff", old, "specs/yizhangtong"]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("+ field request.userName"), "{}", stdout(&output));
    let output = hisgate(&["diff", "--json", old, "specs/yizhangtong"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["breaking"].as_u64().unwrap() >= 8, "{report}");
    assert_eq!(hisgate(&["diff", "--fail-on-breaking", old, "specs/yizhangtong"]).status.code(), Some(1));
    let same = hisgate(&["diff", "--fail-on-breaking", "specs/shaanxi", "specs/shaanxi"]);
    assert!(same.status.success());
    assert_eq!(stdout(&same), "shaanxi: 0 change(s), 0 breaking\n");
}
