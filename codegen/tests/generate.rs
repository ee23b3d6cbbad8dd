//! The build script's side of the generator: whatever goes wrong is a diagnostic naming the file, never a panic
//! or a silently missing module.

use std::fs;
use std::path::Path;

fn mini() -> hisgate_schema::PlatformSchema {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    hisgate_codegen::load_platform(&dir, "specs/mini").unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn a_name_lowering_let_through_is_a_diagnostic_not_a_panic() {
    // A code with neither a `variant` nor an ASCII spelling has no Rust name; lowering refuses it, and should that
    // check ever have a gap, emission says so where the dictionary is declared.
    let mut platform = mini();
    let dictionary = &mut platform.dictionaries.to_mut()[0];
    let name = dictionary.name.to_string();
    let origin = dictionary.origin.to_string();
    let code = &mut dictionary.tables.to_mut()[0].codes.to_mut()[0];
    code.code = "男".into();
    code.variant = None;
    let diagnostics = hisgate_codegen::emit::platform(&platform, "specs/mini").unwrap_err().to_string();
    assert_eq!(
        diagnostics,
        format!("{origin}: error: cannot name code `男` of `{name}` in Rust: no Rust name can be derived\n")
    );
    let mut platform = mini();
    platform.interfaces.to_mut()[0].name = "查询".into();
    let diagnostics = hisgate_codegen::emit::platform(&platform, "specs/mini").unwrap_err().to_string();
    assert!(
        diagnostics.contains("cannot name interface `查询` in Rust: `查询` is not a Rust identifier"),
        "{diagnostics}"
    );
}

#[test]
fn an_unreadable_specs_folder_fails_the_build() {
    let out = tempfile::tempdir().unwrap();
    let missing = out.path().join("no-specs-here");
    let diagnostics = hisgate_codegen::generate(&missing, out.path()).unwrap_err().to_string();
    assert!(diagnostics.starts_with(&format!("{}:1:1: error: cannot read the specs folder: ", missing.display())));
    assert!(!out.path().join("platforms.rs").exists(), "no index of nothing is written");
}

#[test]
fn a_failed_write_fails_the_build() {
    let specs = tempfile::tempdir().unwrap();
    let mini = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let dir = specs.path().join("mini");
    fs::create_dir_all(dir.join("interfaces")).unwrap();
    for file in
        ["platform.yaml", "protocol.yaml", "dictionaries.yaml", "interfaces/Register.yaml", "interfaces/Notify.yaml"]
    {
        fs::copy(mini.join(file), dir.join(file)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    // A folder where the module should go: the write fails whoever runs the test (root included).
    fs::create_dir(out.path().join("mini.rs")).unwrap();
    let diagnostics = hisgate_codegen::generate(specs.path(), out.path()).unwrap_err().to_string();
    let path = out.path().join("mini.rs");
    assert!(
        diagnostics.starts_with(&format!("{}:1:1: error: cannot write the generated code: ", path.display())),
        "{diagnostics}"
    );
    fs::remove_dir(&path).unwrap();
    let written = hisgate_codegen::generate(specs.path(), out.path()).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(written, [path, out.path().join("platforms.rs")]);
}
