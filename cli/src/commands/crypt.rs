//! `hisgate encrypt` and `hisgate decrypt`: `{"plaintext": …}` ↔ `{"ciphertext": …}` under a spec's scheme.

use super::io::{self, Outcome};
use crate::inputs::{self, Credentials};
use crate::target::{self, Target};
use hisgate_runtime::cipher;
use hisgate_runtime::schema::CipherScheme;
use serde_json::{Map, Value, json};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CryptArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    credentials: Credentials,
    /// The scheme to use, as the encryption rule names them (`schemes:`); by default the first one.
    #[arg(long)]
    scheme: Option<String>,
    /// One JSON object per line, each carrying its own credentials.
    #[arg(long)]
    jsonl: bool,
}

#[derive(Clone, Copy)]
enum Way {
    Encrypt,
    Decrypt,
}

impl Way {
    fn command(self) -> &'static str {
        match self {
            Way::Encrypt => "encrypt",
            Way::Decrypt => "decrypt",
        }
    }
}

pub fn encrypt(args: CryptArgs) -> ExitCode {
    run(args, Way::Encrypt)
}

pub fn decrypt(args: CryptArgs) -> ExitCode {
    run(args, Way::Decrypt)
}

fn scheme<'p>(schemes: &'p [CipherScheme], name: Option<&str>) -> Result<&'p CipherScheme, String> {
    match name {
        None => schemes.first().ok_or_else(|| "the encryption rule has no scheme".to_owned()),
        Some(name) => schemes.iter().find(|s| s.name == name).ok_or_else(|| {
            let known: Vec<&str> = schemes.iter().map(|s| &*s.name).collect();
            format!("no scheme `{name}` (schemes: {})", known.join(", "))
        }),
    }
}

fn run(args: CryptArgs, way: Way) -> ExitCode {
    let platform = match args.target.load() {
        Ok(p) => p,
        Err(e) => return io::run(false, |_| Outcome::error(e.clone())),
    };
    io::run(args.jsonl, |object: Map<String, Value>| {
        let work = || -> Result<Value, String> {
            let protocol = target::protocol(&platform)?;
            let rule = protocol
                .encryption
                .as_ref()
                .ok_or_else(|| format!("platform `{}` declares no encryption", platform.name))?;
            let mut inputs = args.credentials.inputs(protocol);
            if args.jsonl {
                inputs = inputs::with_line(inputs, protocol, &object, &["plaintext", "ciphertext", "scheme"]);
            }
            let inputs = inputs::completed(inputs, protocol, way.command());
            let name = object.get("scheme").and_then(Value::as_str).or(args.scheme.as_deref());
            let scheme = scheme(&rule.schemes, name)?;
            match way {
                Way::Encrypt => {
                    let plaintext = io::member_text(&object, "plaintext")?;
                    let ciphertext =
                        cipher::encrypt(scheme, plaintext.as_bytes(), &inputs).map_err(|e| e.to_string())?;
                    Ok(json!({ "ciphertext": ciphertext }))
                }
                Way::Decrypt => {
                    let ciphertext = io::member_text(&object, "ciphertext")?;
                    let plaintext = cipher::decrypt(scheme, ciphertext, &inputs).map_err(|e| e.to_string())?;
                    Ok(json!({ "plaintext": plaintext }))
                }
            }
        };
        work().map_or_else(Outcome::error, Outcome::ok)
    })
}
