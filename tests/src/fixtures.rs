//! The seed documents' own examples, kept in each spec folder (`specs/<platform>/examples/`), and the expectations
//! recorded beside them (`expected*.yaml`: what validating each payload example reports).

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `specs/<platform>/examples/`.
pub fn examples_dir(platform: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs").join(platform).join("examples")
}

/// One worked example and what validating it must report.
#[derive(Debug, Deserialize)]
pub struct Expectation {
    pub file: String,
    pub interface: String,
    pub message: String,
    #[serde(default)]
    pub errata: Vec<String>,
    #[serde(default)]
    pub violations: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Every expectation of a platform's folder, with the folder.
pub fn expectations(platform: &str) -> (PathBuf, Vec<Expectation>) {
    let dir = examples_dir(platform);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("expected")));
    files.sort();
    let mut all = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let options = marked_yaml::LoaderOptions::default().toplevel_sequence();
        let entries: Vec<Expectation> = marked_yaml::from_yaml_with_options(0, &text, options)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        all.extend(entries);
    }
    (dir, all)
}
