use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The specs root or one platform's folder; several may be given.
    #[arg(default_value = "specs")]
    dirs: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let mut errors = 0;
    let mut platforms = 0;
    for dir in &args.dirs {
        match hisgate_codegen::load(dir) {
            Ok(loaded) => platforms += loaded.len(),
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
    println!("hisgate check: {platforms} platform(s), no errors");
    ExitCode::SUCCESS
}
