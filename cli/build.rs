//! Embeds the shipped spec folders' files, for `hisgate new --platform NAME` to copy into a new crate.

use std::path::{Path, PathBuf};

fn main() {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    println!("cargo::rerun-if-changed={}", specs.display());
    let mut files = Vec::new();
    collect(&specs, &specs, &mut files);
    files.sort();
    let entries: String = files
        .iter()
        .map(|(name, path)| format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()))
        .collect();
    let code = format!(
        "/// Every file of the shipped spec folders, by its path under `specs/`.\n\
                        pub static SHIPPED: &[(&str, &str)] = &[\n{entries}];\n"
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("shipped_specs.rs");
    std::fs::write(&out, code).expect("OUT_DIR is writable");
}

/// The files under `dir` (the YAML and the worked examples' payloads), with their paths relative to `root`;
/// the language reference (`specs/README.md`) is not a spec.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).expect("specs/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if dir != root || path.extension().is_some_and(|e| e == "yaml") {
            let name = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            files.push((name, path.canonicalize().expect("the file exists")));
        }
    }
}
