//! What a reply must be. A valid request's reply verifies, decrypts and validates against the response's rules,
//! with a return code the document declares, and is not one of the pipeline's refusals; a request that breaks a
//! rule, or an attacked envelope, is refused with the failure code the spec names for it.

use hisgate_runtime::client::Exchange;
use hisgate_runtime::schema::{InterfaceSchema, PlatformSchema, ProtocolSchema};

/// What the reply to one request must be.
#[derive(Debug, Clone)]
pub enum Expect {
    /// A valid request: any answer inside the document.
    Conforming,
    /// Refused with one of these codes.
    Refused(Vec<String>),
}

/// Why an exchange fails its expectation, or `None` when it meets it.
pub fn judge(
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    expect: &Expect,
    exchange: &Exchange,
) -> Option<String> {
    let reply = match (&exchange.reply, &exchange.read) {
        (Err(e), _) => return Some(format!("no reply: {e}")),
        (Ok(_), None) => return Some("no reply was read".into()),
        (Ok(_), Some(Err(e))) => return Some(format!("the reply cannot be read as the spec says: {e}")),
        (Ok(_), Some(Ok(reply))) => reply,
    };
    let protocol = platform.protocol.as_ref()?;
    match expect {
        Expect::Conforming => {
            if !reply.violations.is_empty() {
                return Some(format!("the reply ({}) breaks the response's rules: {}", reply.code, reply.violations));
            }
            if !declared(platform, interface, &reply.code) {
                return Some(format!("the reply's code `{}` is not a return code the document declares", reply.code));
            }
            refusal_name(protocol, &reply.code).map(|name| {
                format!(
                    "a valid request was refused with `{}` (the spec's `{name}` failure): {}",
                    reply.code, reply.message
                )
            })
        }
        Expect::Refused(codes) => {
            let matches = |code: &String| *code == reply.code || aliases(platform, code).any(|a| a == reply.code);
            match (reply.success, codes.iter().any(matches)) {
                (false, true) => None,
                (true, _) => Some(format!("accepted: answered `{}` {}", reply.code, reply.message)),
                (false, false) => Some(format!(
                    "refused with `{}` ({}), where the spec's code for this is `{}`",
                    reply.code,
                    reply.message,
                    codes.join("` or `")
                )),
            }
        }
    }
}

fn declared(platform: &PlatformSchema, interface: &InterfaceSchema, code: &str) -> bool {
    let codes = platform.return_codes.iter().chain(interface.return_codes.iter());
    codes.into_iter().any(|c| c.code == code || c.aliases.iter().any(|a| a == code))
}

fn aliases<'p>(platform: &'p PlatformSchema, code: &'p str) -> impl Iterator<Item = &'p str> {
    let found = platform.return_codes.iter().find(|c| c.code == code);
    found.into_iter().flat_map(|c| c.aliases.iter().map(|a| &**a))
}

/// The pipeline failure a code means, where it tells a refusal from a handler's answer: a platform that answers
/// every failure with one code (glorycard's `0`) cannot say, and its valid requests are judged by the rest.
fn refusal_name(protocol: &ProtocolSchema, code: &str) -> Option<&'static str> {
    let f = &protocol.failures;
    let handler = [&*f.internal, &*f.unsupported];
    if handler.contains(&code) {
        return None;
    }
    let named = [
        ("signature", &f.signature),
        ("decrypt", &f.decrypt),
        ("invalid", &f.invalid),
        ("malformed", &f.malformed),
        ("unknown_service", &f.unknown_service),
        ("stale", &f.stale),
        ("empty", &f.empty),
        ("charset", &f.charset),
    ];
    named.into_iter().find(|(_, c)| ***c == *code).map(|(name, _)| name)
}
