use hisgate_runtime::schema::PlatformSchema;
use serde::Serialize;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print `{"platforms":[…]}` instead of a table.
    #[arg(long)]
    json: bool,
    /// Count these spec folders, read at run time, instead of the compiled-in platforms (repeatable).
    #[arg(long, value_name = "DIR")]
    spec: Vec<std::path::PathBuf>,
}

/// Counted from the specs.
#[derive(Serialize)]
struct Counts {
    name: String,
    interfaces: usize,
    fields: usize,
    dictionaries: usize,
    codes: usize,
    return_codes: usize,
}

impl Counts {
    fn of(platform: &PlatformSchema) -> Counts {
        Counts {
            name: platform.name.to_string(),
            interfaces: platform.interfaces.len(),
            fields: platform.field_count(),
            dictionaries: platform.dictionaries.len(),
            codes: platform.dictionary_code_count(),
            return_codes: platform.return_code_count(),
        }
    }
}

pub fn run(args: Args) -> ExitCode {
    let mut counts: Vec<Counts> = Vec::new();
    if args.spec.is_empty() {
        counts.extend(hisgate_generated::PLATFORMS.iter().map(|p| Counts::of(p)));
    }
    for dir in &args.spec {
        let shown = dir.to_string_lossy().trim_end_matches('/').to_owned();
        match hisgate_codegen::load_platform(dir, &shown) {
            Ok(platform) => counts.push(Counts::of(&platform)),
            Err(d) => {
                eprintln!("hisgate list: {shown}: the spec has {} error(s):\n{d}", d.len());
                return ExitCode::FAILURE;
            }
        }
    }
    if args.json {
        println!("{}", serde_json::json!({ "platforms": counts }));
        return ExitCode::SUCCESS;
    }
    println!(
        "{:<12} {:>10} {:>7} {:>12} {:>6} {:>12}",
        "platform", "interfaces", "fields", "dictionaries", "codes", "return codes"
    );
    for c in &counts {
        println!(
            "{:<12} {:>10} {:>7} {:>12} {:>6} {:>12}",
            c.name, c.interfaces, c.fields, c.dictionaries, c.codes, c.return_codes
        );
    }
    ExitCode::SUCCESS
}
