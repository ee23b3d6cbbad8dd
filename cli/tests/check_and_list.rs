//! `hisgate check` and `hisgate list` as scripts use them: exit codes, `file:line:column` lines, JSON counts.

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
    assert_eq!(stdout(&output), "hisgate check: 4 platform(s), 3 profile(s), no errors\n");
    let several = hisgate(&["check", "specs/shaanxi", "codegen/tests/fixtures/mini"]);
    assert!(several.status.success(), "{}", stdout(&several));
}

#[test]
fn check_dot_from_inside_a_platform_folder() {
    // `.` has no file name: the platform's name is compared with the folder `.` stands for.
    let mini = root().join("codegen/tests/fixtures/mini");
    let output = Command::new(env!("CARGO_BIN_EXE_hisgate")).args(["check", "."]).current_dir(&mini).output().unwrap();
    assert!(output.status.success(), "{}", stdout(&output));
    assert_eq!(stdout(&output), "hisgate check: 1 platform(s), 0 profile(s), no errors\n");
    let parent = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(["check", ".."])
        .current_dir(mini.join("interfaces"))
        .output()
        .unwrap();
    assert!(parent.status.success(), "{}", stdout(&parent));
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
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
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
    assert_eq!(names, ["glorycard", "onepay", "shaanxi", "yizhangtong"]);
    let interfaces: Vec<u64> = platforms.iter().map(|p| p["interfaces"].as_u64().unwrap()).collect();
    assert_eq!(interfaces, [4, 9, 21, 6]);
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
    assert_eq!(table.lines().count(), 5);
}
