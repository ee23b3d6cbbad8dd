//! `hisgate call`: one interface call over HTTP, as the generated client makes it. The request is JSON on stdin
//! (fields by their wire names); the verified reply is printed as `{"code", "message", "response"}`.

use super::io::{self, Outcome};
use crate::inputs::Credentials;
use crate::target::{self, Target};
use hisgate_runtime::client::{Client, ClientConfig};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    credentials: Credentials,
    #[command(flatten)]
    leniency: target::Leniency,
    /// The server's base address: `http://127.0.0.1:8080`.
    #[arg(long)]
    url: String,
    /// The binding by name, as the spec's protocol.yaml names them (`bindings:`); by default the first.
    #[arg(long)]
    binding: Option<String>,
    /// Seconds to wait for each attempt.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// The interface by name (`QueryRegister`, `op.trade.charge`) or by its service.
    interface: String,
}

pub fn run(args: Args) -> ExitCode {
    io::run(false, |request| call(&args, request))
}

fn call(args: &Args, request: serde_json::Map<String, Value>) -> Outcome {
    match try_call(args, Value::Object(request)) {
        Ok(outcome) => outcome,
        Err(reason) => Outcome::error(reason),
    }
}

fn try_call(args: &Args, request: Value) -> Result<Outcome, String> {
    let platform = args.target.load()?.into_owned();
    let protocol = target::protocol(&platform)?;
    let interface = platform
        .interfaces
        .iter()
        .find(|i| i.name == args.interface)
        .or_else(|| platform.interfaces.iter().find(|i| i.service == args.interface))
        .ok_or_else(|| {
            let known: Vec<&str> = platform.interfaces.iter().map(|i| &*i.name).collect();
            format!("no interface `{}` on {} (known: {})", args.interface, platform.name, known.join(", "))
        })?;
    let (name, side) = (interface.name.to_string(), interface.provider);
    // Like `hisgate serve`, a credential not given is the spec's example, so the two meet with no flags at all.
    let credentials = crate::inputs::completed(args.credentials.inputs(protocol), protocol, "call");
    let mut config = ClientConfig::new(credentials);
    config.binding = args.binding.clone();
    config.timeout = Duration::from_secs(args.timeout);
    config.strictness = args.leniency.value()?;
    let client = Client::new(Arc::new(platform), side, &args.url, config).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let reply = runtime.block_on(client.call_value(&name, &request)).map_err(|e| e.to_string())?;
    let mut printed = json!({
        "code": reply.code,
        "message": reply.message,
        "response": reply.response.unwrap_or(Value::Null),
    });
    if !reply.violations.is_empty() {
        printed["violations"] = json!(reply.violations.iter().map(ToString::to_string).collect::<Vec<_>>());
    }
    if !reply.warnings.is_empty() {
        printed["warnings"] = json!(reply.warnings.iter().map(ToString::to_string).collect::<Vec<_>>());
    }
    Ok(Outcome::ok(printed))
}
