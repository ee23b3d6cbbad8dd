//! `hisgate diff OLD NEW`: what changed between two versions of a spec, by interface, each change marked
//! breaking or not.

use super::specs;
use hisgate_codegen::diff;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The old version: one platform's spec folder, or a specs root.
    #[arg(value_name = "OLD_DIR")]
    old: PathBuf,
    /// The new version, laid out as OLD_DIR.
    #[arg(value_name = "NEW_DIR")]
    new: PathBuf,
    /// Print `{"platforms":[…],"changes":N,"breaking":M}` instead of text.
    #[arg(long)]
    json: bool,
    /// Exit 1 when any change is breaking (for CI).
    #[arg(long)]
    fail_on_breaking: bool,
}

pub fn run(args: Args) -> ExitCode {
    let load = |dir: &PathBuf| {
        hisgate_codegen::load(dir).map_err(|d| format!("{} has {} error(s):\n{d}", dir.display(), d.len()))
    };
    let (old, new) = match (load(&args.old), load(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return specs::fail(&e),
    };
    let diffs = diff::diff_sets(&old, &new);
    if args.json {
        println!("{}", diff::json(&diffs));
    } else {
        print!("{}", diff::text(&diffs));
    }
    let breaking = diffs.iter().flat_map(|d| &d.changes).any(|c| c.breaking);
    if args.fail_on_breaking && breaking { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
