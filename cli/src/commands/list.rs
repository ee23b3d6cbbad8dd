use hisgate_runtime::schema::PlatformSchema;
use serde::Serialize;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print `{"platforms":[…]}` instead of a table.
    #[arg(long)]
    json: bool,
}

/// Counted from the compiled-in specs.
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
    let counts: Vec<Counts> = hisgate_generated::PLATFORMS.iter().map(|p| Counts::of(p)).collect();
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
