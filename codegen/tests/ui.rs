//! Spec-error cases as folders, one per error site: `tests/ui/<case>/` holds a broken platform's files and
//! `expected.txt`, its diagnostics in `file:line:column` order. The runner loads each case as platform `bad`
//! (shown as `specs/bad/…`); a case without its own `platform.yaml` gets `tests/ui/platform.yaml`. As
//! `hisgate check` does, a clean platform's `profiles/*.yaml` are then applied to it, each error pinned the same way.
//! Rewrite every `expected.txt` with `EXPECTORATE=overwrite cargo test -p hisgate-codegen --test ui`.

use std::fs;
use std::path::{Path, PathBuf};

const EXPECTED: &str = "expected.txt";

/// Copies `from` into `to`, leaving out the expected messages.
fn copy_spec(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_spec(&path, &target);
        } else if path.file_name().is_some_and(|n| n != EXPECTED) {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// The case's diagnostics, one a line.
fn diagnostics(case: &Path, default_platform: &Path) -> String {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bad");
    copy_spec(case, &dir);
    if !dir.join("platform.yaml").exists() {
        fs::copy(default_platform, dir.join("platform.yaml")).unwrap();
    }
    let platform = match hisgate_codegen::load_platform(&dir, "specs/bad") {
        Ok(platform) => platform,
        Err(diagnostics) => return diagnostics.to_string(),
    };
    let mut profiles: Vec<PathBuf> = match fs::read_dir(dir.join("profiles")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    profiles.sort();
    let mut out = String::new();
    for profile in profiles {
        let shown = format!("specs/bad/profiles/{}", profile.file_name().unwrap().to_string_lossy());
        if let Err(diagnostics) = hisgate_codegen::profile::apply(&platform, &profile, &shown) {
            out.push_str(&diagnostics.to_string());
        }
    }
    out
}

#[test]
fn ui() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut cases: Vec<PathBuf> =
        fs::read_dir(&ui).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases under {}", ui.display());
    let mut failed = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let actual = diagnostics(case, &ui.join("platform.yaml"));
        if actual.is_empty() {
            failed.push(format!("{name}: the spec loads cleanly; a case must pin at least one error"));
            continue;
        }
        // Every case is compared (or rewritten) before the test fails, so one run shows every difference.
        let compared = std::panic::catch_unwind(|| expectorate::assert_contents(case.join(EXPECTED), &actual));
        if compared.is_err() {
            failed.push(format!("{name}: the diagnostics differ from {EXPECTED} (diff above)"));
        }
    }
    assert!(failed.is_empty(), "{} of {} cases failed:\n{}", failed.len(), cases.len(), failed.join("\n"));
}
