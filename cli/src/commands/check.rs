use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The specs root or one platform's folder; several may be given.
    #[arg(default_value = "specs")]
    dirs: Vec<PathBuf>,
    /// A counterpart profile to check against the spec it names (repeatable); a platform folder's own
    /// `profiles/*.yaml` are always checked.
    #[arg(long = "profile", value_name = "FILE")]
    profiles: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let mut errors = 0;
    let mut platforms = Vec::new();
    let mut profiles = args.profiles.clone();
    for dir in &args.dirs {
        match hisgate_codegen::load(dir) {
            Ok(loaded) => {
                platforms.extend(loaded);
                profiles.extend(shipped_profiles(dir));
            }
            Err(diagnostics) => {
                errors += diagnostics.len();
                for d in diagnostics.sorted() {
                    println!("{d}");
                }
            }
        }
    }
    let mut checked = 0;
    for file in &profiles {
        let shown = file.to_string_lossy();
        let Some(named) = hisgate_codegen::profile::platform_of(file) else {
            println!("{shown}:1:1: error: not a profile naming its `platform`");
            errors += 1;
            continue;
        };
        let Some(platform) = platforms.iter().find(|p| p.name == named) else {
            if errors == 0 {
                println!("{shown}:1:1: error: the profile is for `{named}`, which is not among the specs checked");
                errors += 1;
            }
            continue;
        };
        match hisgate_codegen::profile::apply(platform, file, &shown) {
            Ok(_) => checked += 1,
            Err(diagnostics) => {
                errors += diagnostics.len();
                for d in diagnostics.sorted() {
                    println!("{d}");
                }
            }
        }
    }
    if errors > 0 {
        eprintln!("hisgate check: {errors} error(s)");
        return ExitCode::FAILURE;
    }
    println!("hisgate check: {} platform(s), {checked} profile(s), no errors", platforms.len());
    ExitCode::SUCCESS
}

/// `profiles/*.yaml` of each platform folder at or under `dir`.
fn shipped_profiles(dir: &Path) -> Vec<PathBuf> {
    let platform_dirs = if hisgate_codegen::is_platform_dir(dir) {
        vec![dir.to_path_buf()]
    } else {
        hisgate_codegen::platform_dirs(dir).unwrap_or_default()
    };
    let mut files: Vec<PathBuf> = platform_dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d.join("profiles")).ok())
        .flat_map(|entries| entries.filter_map(Result::ok).map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}
