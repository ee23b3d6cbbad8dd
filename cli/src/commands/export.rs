//! `hisgate export`: a platform's interfaces in formats other tools read — OpenAPI 3.1 for the JSON and XML bindings, and
//! the WSDL of the SOAP binding (the same document the server answers `?wsdl` with), and the PostgreSQL that
//! declares the procedures and views of the database form.

use super::specs;
use crate::target::Target;
use hisgate_runtime::schema::Side;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Export {
    /// OpenAPI 3.1 (JSON) for the platform's JSON and XML bindings: envelopes and payloads as schemas, dictionaries
    /// as enums with labels, an example of each message sealed by the engine. A binding OpenAPI cannot describe
    /// (SOAP: see `export wsdl`) is named on stderr and the exit status is 1, after the rest is written.
    Openapi {
        #[command(flatten)]
        target: Target,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The WSDL 1.1 of one side's SOAP web service (for a spec with a SOAP binding).
    Wsdl {
        #[command(flatten)]
        target: Target,
        /// Whose web service: the hospital's (the interfaces it provides) or the platform's.
        #[arg(long, value_enum, default_value = "hospital")]
        side: super::serve::Role,
        /// The service's base address; the binding's path is appended.
        #[arg(long, value_name = "BASE", default_value = "http://localhost")]
        url: String,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// PostgreSQL declaring the procedures and views of the platform's database form (`database:`), each a
    /// placeholder the HIS replaces with `CREATE OR REPLACE` of the same signature.
    Sql {
        #[command(flatten)]
        target: Target,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

pub fn run(export: Export) -> ExitCode {
    // What the written document leaves out, said on stderr: the command then fails.
    let mut left_out = Vec::new();
    let (text, out) = match export {
        Export::Openapi { target, out } => match target.load() {
            Ok(platform) => {
                let document = hisgate_tools::openapi::document(&platform);
                left_out = hisgate_tools::openapi::unexported(&platform);
                // Pretty and with a final newline: the file is read by people as well as tools.
                (serde_json::to_string_pretty(&document).unwrap_or_default() + "\n", out)
            }
            Err(e) => return specs::fail(&e),
        },
        Export::Wsdl { target, side, url, out } => {
            let platform = match target.load() {
                Ok(p) => p,
                Err(e) => return specs::fail(&e),
            };
            let side = Side::from(side);
            match hisgate_runtime::transport::soap::wsdl(&platform, side, &url) {
                Some(wsdl) => (wsdl + "\n", out),
                None => return specs::fail(&format!("platform `{}` has no SOAP binding", platform.name)),
            }
        }
        Export::Sql { target, out } => {
            let platform = match target.load() {
                Ok(p) => p,
                Err(e) => return specs::fail(&e),
            };
            if !platform.interfaces.iter().any(|i| i.database.is_some()) {
                return specs::fail(&format!("platform `{}` declares no database form", platform.name));
            }
            (hisgate_tools::sql::postgres(&platform), out)
        }
    };
    match out {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                return specs::fail(&format!("cannot write {}: {e}", path.display()));
            }
        }
        None => print!("{text}"),
    }
    if left_out.is_empty() {
        return ExitCode::SUCCESS;
    }
    for reason in &left_out {
        eprintln!("error: not exported: {reason}");
    }
    ExitCode::FAILURE
}
