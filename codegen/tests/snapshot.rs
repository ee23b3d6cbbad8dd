//! The code generated for `fixtures/mini` is checked in, so any change to the emitter shows up in review.
//! Regenerate with `EXPECTORATE=overwrite cargo test -p hisgate-codegen --test snapshot`. The `hisgate-tests`
//! crate compiles the snapshot and exercises it.

use std::path::Path;

#[test]
fn mini_platform_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let platform = match hisgate_codegen::load_platform(&dir, "codegen/tests/fixtures/mini") {
        Ok(platform) => platform,
        Err(diagnostics) => panic!("the mini spec must be clean:\n{diagnostics}"),
    };
    let code = hisgate_codegen::emit::platform(&platform, "codegen/tests/fixtures/mini")
        .unwrap_or_else(|diagnostics| panic!("every name of the mini spec is a Rust identifier:\n{diagnostics}"));
    expectorate::assert_contents("tests/snapshots/mini.rs", &code);
}
