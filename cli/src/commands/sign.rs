//! `hisgate sign` and `hisgate verify`: a message in, its canonical string and signature (or a verdict) out.

use super::io::{self, Outcome};
use crate::inputs::{self, Credentials};
use crate::target::{self, Target};
use hisgate_runtime::codec::Limits;
use hisgate_runtime::envelope::{Envelope, Format};
use hisgate_runtime::schema::{Direction, EnvelopeRole, ProtocolSchema};
use hisgate_runtime::secret::Inputs;
use serde_json::{Map, Value, json};
use std::process::ExitCode;

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum DirectionArg {
    Request,
    Response,
}

#[derive(clap::Args, Debug)]
pub struct Common {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub credentials: Credentials,
    /// Whose rule applies. By default a message with the response's return-code field is a response.
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,
    /// The side that sent the message, where the spec gives a sender a rule of its own (`signed_by`: WeChat Pay
    /// signs its answers and notifications otherwise than merchants sign). By default the protocol's `signature`.
    #[arg(long, value_enum)]
    pub sender: Option<super::serve::Role>,
    /// One JSON object per line: `{"message": {…}, "key": "…", "timestamp": "…", "sign": "…"}`.
    #[arg(long)]
    pub jsonl: bool,
}

#[derive(clap::Args, Debug)]
pub struct SignArgs {
    #[command(flatten)]
    common: Common,
    /// Print the canonical string with secrets in clear instead of as `{key}`.
    #[arg(long)]
    show_secrets: bool,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    common: Common,
    /// The signature to check, for rules that carry it outside the message (a header).
    #[arg(long)]
    sign: Option<String>,
}

/// The message of a unit of work and its inputs: the whole object in single mode, `message` in `--jsonl` mode
/// (the line's own credentials first); a credential given nowhere is the spec's example.
pub fn unit(
    common: &Common,
    protocol: &ProtocolSchema,
    object: Map<String, Value>,
    command: &str,
) -> Result<(Map<String, Value>, Inputs), String> {
    let base = common.credentials.inputs(protocol);
    if !common.jsonl {
        return Ok((object, inputs::completed(base, protocol, command)));
    }
    let message = io::member_object(&object, "message")?.clone();
    let line = inputs::with_line(base, protocol, &object, &["message", "sign"]);
    Ok((message, inputs::completed(line, protocol, command)))
}

pub fn direction(common: &Common, protocol: &ProtocolSchema, message: &Map<String, Value>) -> Direction {
    match common.direction {
        Some(DirectionArg::Request) => Direction::Request,
        Some(DirectionArg::Response) => Direction::Response,
        None => {
            let code = protocol.response.field_with_role(EnvelopeRole::Code);
            if code.is_some_and(|f| message.contains_key(&*f.name)) { Direction::Response } else { Direction::Request }
        }
    }
}

/// The envelope of the message: the direction's fields, the sender's rule.
pub fn envelope<'p>(common: &Common, protocol: &'p ProtocolSchema, message: &Map<String, Value>) -> Envelope<'p> {
    let direction = direction(common, protocol, message);
    match common.sender {
        Some(sender) => Envelope::sent_by(protocol, direction, sender.into()),
        None => Envelope::new(protocol, direction),
    }
}

pub fn sign(args: SignArgs) -> ExitCode {
    let platform = match args.common.target.load() {
        Ok(p) => p,
        Err(e) => return io::run(false, |_| Outcome::error(e.clone())),
    };
    io::run(args.common.jsonl, |object| {
        let work = || -> Result<Value, String> {
            let protocol = target::protocol(&platform)?;
            let (message, inputs) = unit(&args.common, protocol, object, "sign")?;
            let signer = envelope(&args.common, protocol, &message).signer();
            let signature = signer.sign(&message, &inputs).map_err(|e| e.to_string())?;
            let canonical = if args.show_secrets {
                signature.canonical
            } else {
                signer.shown_canonical(&message, &inputs).map_err(|e| e.to_string())?
            };
            Ok(json!({ "canonical": canonical, "sign": signature.value }))
        };
        work().map_or_else(Outcome::error, Outcome::ok)
    })
}

pub fn verify(args: VerifyArgs) -> ExitCode {
    let platform = match args.common.target.load() {
        Ok(p) => p,
        Err(e) => return io::run(false, |_| Outcome::error(e.clone())),
    };
    io::run(args.common.jsonl, |object| {
        let line_sign = object.get("sign").and_then(Value::as_str).map(str::to_owned);
        let work = || -> Result<Result<(), String>, String> {
            let protocol = target::protocol(&platform)?;
            let (message, inputs) = unit(&args.common, protocol, object, "verify")?;
            let envelope = envelope(&args.common, protocol, &message);
            // Under sign-then-encrypt the signature covers the plaintext: decrypt first.
            let view =
                envelope.signed_view(&message, &inputs, Format::Json, Limits::default()).map_err(|e| e.to_string())?;
            let field = &envelope.rule().field;
            let received = args.sign.clone().or(if args.common.jsonl { line_sign } else { None });
            let received = received.or_else(|| view.get(&**field).and_then(Value::as_str).map(str::to_owned));
            let Some(received) = received else {
                return Ok(Err(format!("no signature: the message has no `{field}` and none was given with --sign")));
            };
            Ok(envelope.signer().verify(&view, &inputs, &received).map_err(|e| e.to_string()))
        };
        match work() {
            Ok(Ok(())) => Outcome::ok(json!({ "ok": true })),
            Ok(Err(reason)) | Err(reason) => Outcome::failure(json!({ "ok": false, "reason": reason })),
        }
    })
}
