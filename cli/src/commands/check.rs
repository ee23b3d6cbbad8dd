use hisgate_runtime::signature::diagnose::Options;
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
    let worked = reproduce_worked(&platforms);
    errors += worked.failed;
    if errors > 0 {
        eprintln!("hisgate check: {errors} error(s)");
        return ExitCode::FAILURE;
    }
    println!(
        "hisgate check: {} platform(s), {checked} profile(s), {} worked example(s) reproduced{}, no errors",
        platforms.len(),
        worked.reproduced,
        match worked.errata {
            0 => String::new(),
            n => format!(" ({n} printed wrongly, as their errata say)"),
        }
    );
    ExitCode::SUCCESS
}

#[derive(Default)]
struct Tally {
    reproduced: usize,
    errata: usize,
    failed: usize,
}

/// Every worked example of `examples/worked.yaml` sealed again: a printed value the engine does not give is an
/// error, with what `hisgate explain --expect` finds for a signature, unless the example's erratum expects it.
fn reproduce_worked(platforms: &[hisgate_runtime::schema::PlatformSchema]) -> Tally {
    use hisgate_tools::docs::{Verdict, reproduce};
    let mut tally = Tally::default();
    for platform in platforms {
        for example in platform.examples.iter() {
            // An expected mismatch needs no search: the erratum already says what the document got wrong.
            let reproduced = reproduce(platform, example, example.erratum.is_none().then(Options::default));
            let differs: Vec<_> = reproduced.compared.iter().filter(|c| !c.ok()).collect();
            let title = &example.title;
            match reproduced.verdict() {
                Verdict::Reproduced => tally.reproduced += 1,
                Verdict::Erratum(erratum) => {
                    tally.errata += 1;
                    for c in differs {
                        println!(
                            "{}: note: worked example `{title}`: the printed {} `{}` is not the computed `{}`, as \
                             erratum `{erratum}` says",
                            c.origin, c.what, c.printed, c.computed
                        );
                    }
                }
                Verdict::Failed => {
                    tally.failed += 1;
                    match (&reproduced.run, &example.erratum) {
                        (Err(e), _) => {
                            println!("{}: error: worked example `{title}` cannot be sealed: {e}", example.origin)
                        }
                        (Ok(_), Some(erratum)) if differs.is_empty() => println!(
                            "{}: error: worked example `{title}` reproduces every printed value, yet erratum \
                             `{erratum}` says the document prints one wrongly: remove `erratum`",
                            example.origin
                        ),
                        (Ok(_), _) => {
                            for c in differs {
                                println!(
                                    "{}: error: worked example `{title}`: the printed {} `{}` is not the computed `{}`",
                                    c.origin, c.what, c.printed, c.computed
                                );
                                if c.what == "sign"
                                    && let Some(diagnosis) = &reproduced.diagnosis
                                {
                                    print!("{}", indent(&diagnosis_text(diagnosis)));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    tally
}

fn diagnosis_text(diagnosis: &hisgate_runtime::signature::diagnose::Diagnosis) -> String {
    let mut report = serde_json::to_value(diagnosis).unwrap_or_default();
    report["matches"] = serde_json::Value::Bool(diagnosis.matches_rule);
    super::explain::diagnosis_text(&report)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
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
