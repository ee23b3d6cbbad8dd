//! `hisgate check` and `hisgate list` as scripts use them: exit codes, `file:line:column` lines, JSON counts.

mod support;

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
fn check_passes_on_the_shipped_specs() {
    let output = hisgate(&["check"]);
    assert!(output.status.success(), "{}", stdout(&output));
    // The document's printed values that are wrong are expected mismatches: check says so, naming each erratum.
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    let notes: Vec<&str> = lines.iter().filter(|l| l.contains(": note: worked example")).copied().collect();
    assert_eq!(notes.len(), 3, "{out}");
    for (note, erratum) in notes.iter().zip([
        "charge-request-sign-unverifiable",
        "wxapp-response-sign-unverifiable",
        "response-sign-truncated",
    ]) {
        assert!(note.ends_with(&format!("as erratum `{erratum}` says")), "{note}");
    }
    assert!(notes[2].starts_with("specs/shaanxi/examples/worked.yaml:"), "{}", notes[2]);
    assert_eq!(
        lines.last().copied(),
        Some(
            "hisgate check: 5 platform(s), 3 profile(s), 9 worked example(s) reproduced (3 printed wrongly, as \
             their errata say), no errors"
        )
    );
    let several = hisgate(&["check", "specs/shaanxi", "codegen/tests/fixtures/mini"]);
    assert!(several.status.success(), "{}", stdout(&several));
}

#[test]
fn check_dot_from_inside_a_platform_folder() {
    // `.` has no file name: the platform's name is compared with the folder `.` stands for.
    let mini = root().join("codegen/tests/fixtures/mini");
    let output = Command::new(env!("CARGO_BIN_EXE_hisgate")).args(["check", "."]).current_dir(&mini).output().unwrap();
    assert!(output.status.success(), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        "hisgate check: 1 platform(s), 0 profile(s), 0 worked example(s) reproduced, no errors\n"
    );
    let parent = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["check", ".."])
        .current_dir(mini.join("interfaces"))
        .output()
        .unwrap();
    assert!(parent.status.success(), "{}", stdout(&parent));
}

/// A copy of the YAML-only fixture platform `ruikang`, its worked example's manifest passed through `edit`.
fn ruikang_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::copy_tree(&root().join("tests/fixtures/platforms/ruikang"), &dir.path().join("ruikang"));
    let manifest = dir.path().join("ruikang/examples/worked.yaml");
    std::fs::write(&manifest, edit(std::fs::read_to_string(&manifest).unwrap())).unwrap();
    dir
}

const RUIKANG_SIGN: &str = "4D9C5AD6AD257FBFBDBC5417E8507A3F10900CEE2A11CDCD3F83F8EE75AE779D";

#[test]
fn check_reproduces_a_yaml_only_platforms_worked_example() {
    let output = hisgate(&["check", "tests/fixtures/platforms/ruikang"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        "hisgate check: 1 platform(s), 0 profile(s), 1 worked example(s) reproduced, no errors\n"
    );
}

#[test]
fn check_fails_on_a_wrong_printed_signature_with_the_diagnosis() {
    // The document printed the signature in lower case: check names the line, both values and the likely cause.
    let dir = ruikang_with(|text| text.replace(RUIKANG_SIGN, &RUIKANG_SIGN.to_lowercase()));
    let platform = dir.path().join("ruikang");
    let output = hisgate(&["check", platform.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let out = stdout(&output);
    let shown = platform.display();
    assert!(
        out.starts_with(&format!(
            "{shown}/examples/worked.yaml:13:11: error: worked example `查询就诊卡 1001 请求`: the printed sign `{}` is \
             not the computed `{RUIKANG_SIGN}`\n",
            RUIKANG_SIGN.to_lowercase()
        )),
        "{out}"
    );
    assert!(out.contains("    likely cause, cheapest first"), "{out}");
    assert!(out.contains("1. hex-lower instead of hex-upper"), "{out}");

    // Another key: nothing reproduces it, and the diagnosis says the key likely differs, by fingerprint only.
    let other = "0".repeat(63) + "1";
    let dir = ruikang_with(|text| text.replace(RUIKANG_SIGN, &other));
    let output = hisgate(&["check", dir.path().join("ruikang").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains("the key likely differs"), "{out}");
    assert!(!out.contains("RK2026TESTKEY001"), "the key never reaches the output: {out}");
}

#[test]
fn check_fails_when_an_erratum_expects_a_mismatch_that_is_not_there() {
    let dir = ruikang_with(|text| text.replace("  note: |", "  erratum: sign-misprinted\n  note: |"));
    let platform = dir.path().join("ruikang");
    let file = platform.join("platform.yaml");
    let errata = "errata:\n  - { id: sign-misprinted, title: 签名印错, description: 印出的签名有误。 }\n";
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap() + errata).unwrap();
    let output = hisgate(&["check", platform.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains(
            "error: worked example `查询就诊卡 1001 请求` reproduces every printed value, yet erratum `sign-misprinted` \
             says the document prints one wrongly: remove `erratum`"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn check_locates_a_profile_naming_what_the_spec_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("our-his.yaml");
    std::fs::write(
        &profile,
        "profile: our-his\nplatform: shaanxi\ninterfaces:\n  - interface: OrderRegistr\n    request:\n      \
         - { field: patientFlag, required: false }\n  - interface: OrderRegister\n    request:\n      \
         - { field: patientFlg, required: false }\n",
    )
    .unwrap();
    let output = hisgate(&["check", "specs/shaanxi", "--profile", profile.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let shown = profile.display();
    // The worked examples' notes (expected mismatches) come too; the errors are these two.
    let lines: Vec<String> = stdout(&output).lines().filter(|l| l.contains(": error: ")).map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0], format!("{shown}:4:16: error: no interface `OrderRegistr` in `shaanxi`"));
    assert!(lines[1].starts_with(&format!("{shown}:9:18: error: no field `patientFlg` in OrderRegister.request")));
}

#[test]
fn check_fails_with_every_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let platform = dir.path().join("broken");
    std::fs::create_dir_all(platform.join("interfaces")).unwrap();
    std::fs::write(platform.join("platform.yaml"), "platform: broken\ntitle: 坏\ndocument: d\n").unwrap();
    std::fs::write(
        platform.join("interfaces/X.yaml"),
        "interface: X\ntitle: t\nprovider: hopsital\nrequest:\n  fields:\n    - { name: a, title: 甲, type: strng }\nresponse: none\n",
    )
    .unwrap();
    let output = hisgate(&["check", platform.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let shown = platform.display();
    assert_eq!(
        stdout(&output),
        format!(
            "{shown}/interfaces/X.yaml:3:11: error: unknown provider `hopsital` (expected hospital or platform)\n\
             {shown}/interfaces/X.yaml:6:34: error: unknown type `strng` (expected one of: string, string(N), char(N), \
             int, long, decimal(P,S), object, list, map)\n"
        )
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("2 error(s)"));
}

#[test]
fn list_counts_spec_folders_read_at_run_time() {
    let output = hisgate(&["list", "--json", "--spec", "specs/shaanxi", "--spec", "specs/onepay"]);
    assert!(output.status.success(), "{output:?}");
    let listed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let names: Vec<&str> =
        listed["platforms"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["shaanxi", "onepay"]);
    let shaanxi = hisgate_generated::PLATFORMS.iter().find(|p| p.name == "shaanxi").unwrap();
    assert_eq!(listed["platforms"][0]["interfaces"], shaanxi.interfaces.len());
    let broken = hisgate(&["list", "--spec", "specs/nowhere"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("specs/nowhere"), "{broken:?}");
}

#[test]
fn list_counts_the_compiled_in_specs() {
    let output = hisgate(&["list", "--json"]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let platforms = json["platforms"].as_array().unwrap();
    let names: Vec<&str> = platforms.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["glorycard", "onepay", "shaanxi", "wechatpay_v3", "yizhangtong"]);
    let interfaces: Vec<u64> = platforms.iter().map(|p| p["interfaces"].as_u64().unwrap()).collect();
    assert_eq!(interfaces, [4, 9, 21, 8, 6]);
    for (listed, compiled) in platforms.iter().zip(hisgate_generated::PLATFORMS) {
        assert_eq!(listed["fields"], compiled.field_count());
        assert_eq!(listed["dictionaries"], compiled.dictionaries.len());
        assert_eq!(listed["codes"], compiled.dictionary_code_count());
        assert_eq!(listed["return_codes"], compiled.return_code_count());
    }
    let dictionaries: u64 = platforms.iter().map(|p| p["dictionaries"].as_u64().unwrap()).sum();
    assert!(dictionaries >= 48, "{dictionaries} dictionaries");
    let table = stdout(&hisgate(&["list"]));
    assert!(table.lines().next().unwrap().starts_with("platform"), "{table}");
    assert_eq!(table.lines().count(), 6);
}
