//! `hisgate diff OLD NEW`: what changed between two versions of a spec, by interface, each change marked
//! breaking or not; given two profile files, what one profile changes that the other does not.

use super::specs;
use hisgate_tools::diff;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The old version: one platform's spec folder, or a specs root — or a profile file.
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
    /// For two profiles: the spec folder they apply to (by default the compiled-in platform they name).
    #[arg(long, value_name = "DIR")]
    spec: Option<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    if args.old.is_file() && args.new.is_file() {
        return profiles(&args);
    }
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

/// Two profiles of one platform: `- change` only in OLD, `+ change` only in NEW.
fn profiles(args: &Args) -> ExitCode {
    let Some(named) = hisgate_codegen::profile::platform_of(&args.old) else {
        return specs::fail(&format!("{}: not a profile naming its `platform`", args.old.display()));
    };
    let target = crate::target::Target { platform: Some(named), spec: args.spec.clone(), profile: None };
    let platform = match target.load() {
        Ok(p) => p,
        Err(e) => return specs::fail(&e),
    };
    let load = |file: &PathBuf| crate::target::with_profile(&platform, file).map(|(_, profile)| profile);
    let (old, new) = match (load(&args.old), load(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return specs::fail(&e),
    };
    let lines = hisgate_codegen::profile::diff(&old, &new);
    if args.json {
        println!("{}", serde_json::json!({ "platform": platform.name, "changes": lines }));
    } else if lines.is_empty() {
        println!("the profiles change the same things");
    } else {
        for line in &lines {
            println!("{line}");
        }
    }
    ExitCode::SUCCESS
}
