//! Fixtures shared by the CLI tests.

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
