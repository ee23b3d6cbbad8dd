//! Runs the generator over `specs/` through `hisgate-build`, as a user's build script would, naming the runtime
//! directly. A spec error fails the build with every `file:line:column` message.

use std::path::PathBuf;

fn main() -> Result<(), hisgate_build::Error> {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    hisgate_build::configure()
        .specs_shown_as(specs, "specs")
        .runtime_path("::hisgate_runtime")
        .out_dir(out_dir)
        .compile()?;
    Ok(())
}
