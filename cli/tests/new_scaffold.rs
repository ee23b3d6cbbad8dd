//! `hisgate new` as a user runs it: the crate it writes builds and its test passes with no edit, against the
//! workspace's own `hisgate` and `hisgate-build` by path, offline. The crates share the workspace's target folder
//! and its dev profile, so only the new crate itself compiles once the workspace is built.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn hisgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hisgate")).args(args).current_dir(root()).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `hisgate new DIR ARGS… --hisgate-path ROOT`, then `cargo test` in DIR; panics with cargo's output on a failure.
fn scaffold_and_test(dir: &Path, args: &[&str]) -> String {
    let checkout = root();
    let mut all = vec!["new", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--hisgate-path", checkout.to_str().unwrap()]);
    let made = hisgate(&all);
    assert!(made.status.success(), "hisgate new: {}", text(&made.stderr));
    // SQLite's build flags as the workspace's: the same SQLite for the user, and the workspace's build reused.
    let flags = |config: &Path| {
        let text = std::fs::read_to_string(config.join(".cargo/config.toml")).unwrap();
        text.lines().find(|line| line.starts_with("LIBSQLITE3_FLAGS")).map(str::to_owned)
    };
    assert_eq!(flags(dir), flags(&checkout), "the scaffold's .cargo/config.toml");
    assert!(flags(dir).is_some());
    // The workspace's lock file: the same versions as the workspace, so nothing is fetched.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["test", "--offline", "--quiet"])
        // The workspace's dev profile, so the dependencies it compiled are reused.
        .args([
            "--config",
            "profile.dev.debug=\"line-tables-only\"",
            "--config",
            "profile.dev.package.\"*\".debug=false",
        ])
        .env("CARGO_TARGET_DIR", target)
        .env("HISGATE_BIN", env!("CARGO_BIN_EXE_hisgate"))
        .current_dir(dir)
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "cargo test in {}:\n{stdout}\n{stderr}", dir.display());
    assert!(!stderr.contains("warning"), "the scaffold compiles without warnings:\n{stderr}");
    stdout
}

#[test]
fn a_new_crate_builds_and_passes_its_test_with_no_edit() {
    let temp = tempfile::tempdir().unwrap();
    // The commented skeleton: one hospital interface, nothing for the other side to call.
    let skeleton = scaffold_and_test(&temp.path().join("my-his"), &[]);
    assert!(skeleton.contains("1 passed"), "{skeleton}");
    let checked = hisgate(&["check", temp.path().join("my-his/specs").to_str().unwrap()]);
    assert_eq!(
        text(&checked.stdout),
        "hisgate check: 1 platform(s), 0 profile(s), 0 worked example(s) reproduced, no errors\n"
    );
    // A shipped platform's hospital: 16 interfaces answered, and the platform's 5 called through the client.
    let shaanxi = scaffold_and_test(&temp.path().join("shaanxi-his"), &["--platform", "shaanxi"]);
    assert!(shaanxi.contains("2 passed"), "{shaanxi}");
    // A spec folder of the user's own, the platform's side.
    let kiosk = root().join("examples/his-gateway/specs/kiosk");
    let platform = scaffold_and_test(
        &temp.path().join("kiosk_platform"),
        &["--from-spec", kiosk.to_str().unwrap(), "--side", "platform"],
    );
    assert!(platform.contains("2 passed"), "{platform}");
}

#[test]
fn the_handler_names_every_interface_and_the_platforms_code() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("sx");
    let made = hisgate(&["new", dir.to_str().unwrap(), "--platform", "shaanxi"]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert_eq!(main.matches("Err(not_yet(").count(), 16, "one method per hospital interface:\n{main}");
    assert!(main.contains("async fn order_register(&self, request: api::order_register::Request"), "{main}");
    assert!(main.contains("impl shaanxi::hospital::Handler for Handler"), "{main}");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(&format!("hisgate = \"{}\"", env!("CARGO_PKG_VERSION"))),
        "crates.io by default: {manifest}"
    );
    assert!(std::fs::read_to_string(dir.join("specs/shaanxi/interfaces/Pay.yaml")).unwrap().contains("interface: Pay"));
    // Release builds optimized as the workspace's are: a crate's profile is its own, not its dependency's.
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert_eq!(release_profile(&manifest), release_profile(&workspace), "the scaffold's [profile.release]");
    assert!(release_profile(&manifest).iter().any(|line| line.starts_with("lto")), "{manifest}");
}

/// A manifest's `[profile.release]` settings, comments left out.
fn release_profile(manifest: &str) -> Vec<&str> {
    let section = manifest.lines().skip_while(|line| *line != "[profile.release]").skip(1);
    section.take_while(|line| !line.starts_with('[')).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

#[test]
fn what_cannot_be_made_is_refused_saying_why() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("x");
    let onepay = hisgate(&["new", dir.to_str().unwrap(), "--platform", "onepay"]);
    assert_eq!(onepay.status.code(), Some(1));
    assert_eq!(
        text(&onepay.stderr),
        "hisgate new: `onepay` declares no interface its hospital side provides: try --side platform\n"
    );
    assert!(!dir.exists(), "nothing is written");
    let unknown = hisgate(&["new", dir.to_str().unwrap(), "--platform", "nosuch"]);
    assert!(
        text(&unknown.stderr).starts_with(
            "hisgate new: no shipped platform `nosuch` (shipped: glorycard, onepay, shaanxi, wechatpay_v3, yizhangtong)"
        ),
        "{}",
        text(&unknown.stderr)
    );
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let full = hisgate(&["new", dir.to_str().unwrap()]);
    assert!(text(&full.stderr).contains("exists and is not empty"), "{}", text(&full.stderr));
    let broken = temp.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("platform.yaml"), "platform: broken\ntitle: 坏的\n").unwrap();
    let refused = hisgate(&["new", temp.path().join("y").to_str().unwrap(), "--from-spec", broken.to_str().unwrap()]);
    assert!(text(&refused.stderr).contains("specs/broken/platform.yaml:"), "{}", text(&refused.stderr));
    let named = hisgate(&["new", temp.path().join("9lives").to_str().unwrap()]);
    assert!(text(&named.stderr).contains("`9lives` is not a crate name"), "{}", text(&named.stderr));
}
