//! `hisgate`: the command-line face of the spec toolchain.

mod commands;
mod inputs;
mod scenario;
mod target;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc rather than the system's: see cli/Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Sign a message (JSON on stdin): prints `{"canonical": …, "sign": …}`.
    Sign(commands::sign::SignArgs),
    /// Verify a signed message (JSON on stdin): prints `{"ok": true}`, or `{"ok": false, "reason": …}` and exits 1.
    Verify(commands::sign::VerifyArgs),
    /// Encrypt `{"plaintext": …}` into `{"ciphertext": …}`.
    Encrypt(commands::crypt::CryptArgs),
    /// Decrypt `{"ciphertext": …}` into `{"plaintext": …}`.
    Decrypt(commands::crypt::CryptArgs),
    /// Show how a message is signed, step by step; with `--expect SIGN`, find why a signature differs.
    Explain(commands::explain::ExplainArgs),
    /// Call an interface over HTTP (request JSON on stdin): prints `{"code", "message", "response"}`, exit 0 when
    /// a reply arrived and its signature verified.
    Call(commands::call::Args),
    /// Run one side of a platform as a stateful simulator (SQLite by default), seeded with sample data.
    Serve(commands::serve::Args),
    /// Stand between a caller and its counterpart: forward every exchange unchanged, read both messages against
    /// the spec (signature, decryption, validation) and record them in the journal.
    Proxy(commands::proxy::Args),
    /// Test a running counterpart against the spec: valid requests, rule breaks and envelope attacks, correctly
    /// signed; a conformance table per interface (HTML with --report, JSON with --json); exit 1 on a finding.
    Probe(commands::probe::Args),
    /// What a proxy recorded: list, search by business key, show one exchange with its diagnosis.
    #[command(subcommand)]
    Journal(commands::journal::Command),
    /// Drive whole flows between two running sides: a progress bar, then calls, failures and p50/p99 per interface.
    #[command(subcommand)]
    Scenario(scenario::Command),
    /// Time the envelope step (build and parse) for a payload, beside the raw digest and cipher cost.
    Bench(commands::bench::BenchArgs),
    /// Write the documentation site (HTML and Markdown) for the platforms' specs.
    Docs(commands::docs::Args),
    /// Export a platform's interfaces: OpenAPI 3.1 for the JSON bindings, or the SOAP binding's WSDL.
    #[command(subcommand)]
    Export(commands::export::Export),
    /// Start a crate of your own from a spec: build.rs, a handler answering every interface of one side "not
    /// implemented yet", a test against hisgate's counterpart, a README.
    New(commands::new::Args),
    /// Compare two versions of a spec: every change by interface, each marked breaking or not.
    Diff(commands::diff::Args),
    /// Reconcile a day (对账): the platform's statement against the HIS ledger; exit 1 on an unresolved mismatch.
    Reconcile(commands::reconcile::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(args) => commands::check::run(args),
        Command::List(args) => commands::list::run(args),
        Command::Sign(args) => commands::sign::sign(args),
        Command::Verify(args) => commands::sign::verify(args),
        Command::Encrypt(args) => commands::crypt::encrypt(args),
        Command::Decrypt(args) => commands::crypt::decrypt(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Call(args) => commands::call::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Proxy(args) => commands::proxy::run(args),
        Command::Probe(args) => commands::probe::run(args),
        Command::Journal(command) => commands::journal::run(command),
        Command::Scenario(command) => scenario::run(command),
        Command::Docs(args) => commands::docs::run(args),
        Command::Export(export) => commands::export::run(export),
        Command::New(args) => commands::new::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Reconcile(args) => commands::reconcile::run(args),
    }
}
