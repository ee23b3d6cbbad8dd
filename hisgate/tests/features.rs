//! What each feature set of the facade compiles, read from `cargo tree`: a client-only user must not build axum or
//! sqlx, and the defaults must still hold a server and SQLite.

use std::process::Command;

/// The normal (non-build, non-dev) dependencies of `hisgate` with `args`, one crate name per line.
fn tree(args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "-p", "hisgate", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let mut names: Vec<String> =
        stdout.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_owned).collect();
    names.sort();
    names.dedup();
    names
}

fn has(tree: &[String], name: &str) -> bool {
    tree.iter().any(|n| n == name)
}

#[test]
fn a_client_only_build_holds_neither_axum_nor_sqlx() {
    let client = tree(&["--no-default-features", "--features", "client"]);
    assert!(has(&client, "reqwest") && has(&client, "hisgate-runtime"), "{client:?}");
    for server_side in ["axum", "axum-core", "sqlx", "sqlx-core", "libsqlite3-sys", "metrics-exporter-prometheus"] {
        assert!(!has(&client, server_side), "a client-only build compiles `{server_side}`: {client:?}");
    }
    let full = tree(&[]);
    assert!(has(&full, "axum") && has(&full, "sqlx") && has(&full, "libsqlite3-sys"), "{full:?}");
    assert!(!has(&full, "sqlx-postgres"), "PostgreSQL is a feature of its own: {full:?}");
    println!("dependencies: client-only {}, default features {}", client.len(), full.len());
}

#[test]
fn the_database_drivers_follow_their_features() {
    let postgres = tree(&["--no-default-features", "--features", "server,postgres"]);
    assert!(has(&postgres, "sqlx-postgres") && !has(&postgres, "libsqlite3-sys"), "{postgres:?}");
    let bare = tree(&["--no-default-features"]);
    for optional in ["reqwest", "axum", "sqlx", "hyper"] {
        assert!(!has(&bare, optional), "no feature still compiles `{optional}`: {bare:?}");
    }
}
