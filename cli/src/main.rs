//! `hisgate`: the command-line face of the spec toolchain.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "hisgate", version, about = "Typed, signed and encrypted code from hospital platform interface specs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate spec folders: exit 0 when clean, 1 with every `file:line:column` error.
    Check(commands::check::Args),
    /// Per platform, the number of interfaces, fields, dictionaries, dictionary codes and return codes.
    List(commands::list::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(args) => commands::check::run(args),
        Command::List(args) => commands::list::run(args),
    }
}
