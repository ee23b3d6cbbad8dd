//! Runs the generator over `specs/`. A spec error fails the build with every `file:line:column` message.

use std::path::PathBuf;

fn main() {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    println!("cargo::rerun-if-changed={}", specs.display());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    if let Err(diagnostics) = hisgate_codegen::generate(&specs, &out_dir) {
        eprintln!("hisgate: the specs have {} error(s):", diagnostics.len());
        for d in diagnostics.sorted() {
            eprintln!("{d}");
        }
        std::process::exit(1);
    }
}
