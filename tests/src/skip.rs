//! The one way a test gives up for want of a tool or a database. On a laptop it says SKIPPED and the test passes;
//! under CI (`CI=true`, as CI sets it) nothing may be skipped, so the same call fails the test, naming what was
//! missing.

use std::io::Write;

/// Whether this run is CI's: `CI` is `true` or `1` (any case).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Gives up on `what` (e.g. "javac not found"): panics under CI, else prints `SKIPPED: {what}` and returns, for
/// the caller to return or to go on with less.
#[track_caller]
pub fn skip(what: &str) {
    if in_ci() {
        panic!("{what}; under CI=true nothing may be skipped");
    }
    // Straight to stderr, not `eprintln!`: the test harness captures the macros' output, and a skip must show.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what}");
}
