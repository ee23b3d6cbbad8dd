//! Fixtures shared by the CLI tests.
#![allow(dead_code)] // Each test file uses its own part.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// `hisgate ARGS` from the workspace root with `stdin` piped in, `HISGATE_KEY` cleared and `env` set.
pub fn hisgate_with(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .args(args)
        .env_remove("HISGATE_KEY")
        .envs(env.iter().copied())
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// specs/shaanxi with its key renamed `md5Key` and given no example: a credential no shipped platform has.
pub fn renamed_key_spec() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("shaanxi");
    let copy = std::process::Command::new("cp")
        .arg("-r")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/shaanxi"))
        .arg(&spec)
        .status()
        .unwrap();
    assert!(copy.success());
    let protocol = spec.join("protocol.yaml");
    let text = std::fs::read_to_string(&protocol).unwrap();
    let text = text
        .replace("  - name: key\n", "  - name: md5Key\n")
        .replace("    example: 2098D32C4D1399EC\n", "")
        .replace("{key}", "{md5Key}");
    std::fs::write(&protocol, text).unwrap();
    dir
}
