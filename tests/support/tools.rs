//! What the docs, export and evolution tests share: the workspace's paths, the compiled-in site, and the external
//! validators that `scripts/install-test-deps` installs (a test without them says SKIPPED and passes, or fails
//! under CI: see `hisgate_tests::skip`).
#![allow(dead_code)]

use hisgate_tools::docs::{self, Site};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate sits in the workspace").to_owned()
}

/// The site of the four compiled-in platforms with the seeds' worked examples, as `hisgate docs` writes it.
pub fn site() -> Site {
    let platforms: Vec<_> = hisgate_generated::PLATFORMS.to_vec();
    docs::site(&platforms).expect("the site renders")
}

/// The Python of the validators' virtualenv: `$HISGATE_TEST_PYTHON`, else `target/test-deps/venv/bin/python`,
/// provided it imports `module`.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os("HISGATE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/test-deps/venv/bin/python"));
    let ok =
        Command::new(&candidate).args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success());
    ok.then_some(candidate)
}

/// A program on the PATH, if there is one.
pub fn program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// `what` is missing: SKIPPED locally, a failure under CI.
#[track_caller]
pub fn skipped(what: &str) {
    hisgate_tests::skip::skip(&format!("{what} (scripts/install-test-deps installs it)"));
}

/// A fresh folder under the target directory, for files a person may want to look at after the run.
pub fn output_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the target directory is writable");
    dir
}
