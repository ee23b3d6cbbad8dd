//! Envelope attacks: a valid payload in a message damaged in one way, each of which the spec says a server must
//! refuse with a given failure code (`failures:` in protocol.yaml). Each is applied by the client's own sealing
//! step ([`Tamper`]), so everything but the one damage is exactly what a correct client sends.

use hisgate_runtime::client::Tamper;
use hisgate_runtime::schema::{BindingSchema, Compare, DigestStep, ProtocolSchema, SignAlgorithm, TextEncoding};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::transport::service_field;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The service name no interface has: `hisgate.probe.unknown`.
pub const UNKNOWN_SERVICE: &str = "hisgate.probe.unknown";

/// One attack and the failure codes that refuse it correctly.
pub struct Attack {
    pub check: String,
    pub rule: String,
    pub tamper: Tamper,
    pub codes: Vec<String>,
    /// Sent three times: as it is (answered), again byte for byte (the same answer), then with a byte more after
    /// the envelope under the same signature: a replay.
    pub replay: bool,
    /// Set when the damage was done: a ciphertext attack on a message that was not encrypted, or a case flip of
    /// a signature without letters, is not sent.
    pub applied: Option<Arc<AtomicBool>>,
}

/// Every attack the protocol and `binding` make sense for, with the credentials the client seals with.
pub fn attacks(protocol: &ProtocolSchema, binding: &BindingSchema, credentials: &Inputs) -> Vec<Attack> {
    let failures = &protocol.failures;
    let signature = || vec![failures.signature.to_string()];
    let mut list = Vec::new();
    let push = |list: &mut Vec<Attack>, check: &str, rule: String, tamper: Tamper, codes: Vec<String>| {
        list.push(Attack { check: check.into(), rule, tamper, codes, replay: false, applied: None });
    };
    let wrong: Vec<(String, String)> = protocol
        .credentials
        .iter()
        .filter(|c| c.secret)
        .filter_map(|c| Some((c.name.to_string(), wrong_key(protocol, &c.name, credentials.get(&c.name)?))))
        .collect();
    if !wrong.is_empty() {
        let names: Vec<&str> = wrong.iter().map(|(n, _)| n.as_str()).collect();
        // A key that also derives the cipher's key may fail decryption before the signature is compared.
        let mut codes = signature();
        if protocol.encryption.is_some() {
            codes.push(failures.decrypt.to_string());
        }
        let rule = format!("signature: signed with another `{}` than the server's", names.join("`, `"));
        push(&mut list, "wrong key", rule, Tamper { inputs: wrong, ..Tamper::default() }, codes);
    }
    let cut = |f: fn(&str) -> Option<String>| Tamper { signature: Some(Box::new(f)), ..Tamper::default() };
    push(&mut list, "signature missing", "signature: a request must be signed".into(), cut(|_| None), signature());
    push(
        &mut list,
        "signature truncated",
        "signature: the whole signature is compared".into(),
        cut(|s| Some(s.chars().take(s.chars().count().saturating_sub(2)).collect())),
        signature(),
    );
    if protocol.signature.compare == Compare::Exact {
        // Applied only where the signature has letters: a flip that changes nothing would send a valid request.
        let applied = Arc::new(AtomicBool::new(false));
        let flag = applied.clone();
        let flip = move |s: &str| {
            let flipped: String = s.chars().map(flip_case).collect();
            flag.store(flipped != s, Ordering::Relaxed);
            Some(flipped)
        };
        list.push(Attack {
            check: "signature in the other case".into(),
            rule: "signature: `compare: exact`, letter case included".into(),
            tamper: Tamper { signature: Some(Box::new(flip)), ..Tamper::default() },
            codes: signature(),
            replay: false,
            applied: Some(applied),
        });
    }
    if let Some(encoding) = cipher_encoding(protocol) {
        let (name, alphabet) = match encoding {
            TextEncoding::Base64 => ("Base64", "*"),
            _ => ("hex", "zz"),
        };
        type Damage = fn(&str, TextEncoding, &str) -> String;
        let damages: [(&str, String, Damage); 2] = [
            ("ciphertext not its encoding", format!("decrypt: the ciphertext is {name}"), |c, _, alphabet| {
                format!("{alphabet}{}", c.get(alphabet.len()..).unwrap_or_default())
            }),
            (
                "ciphertext one byte short",
                "decrypt: the ciphertext is whole blocks with valid padding".into(),
                |c, encoding, _| one_byte_short(c, encoding),
            ),
        ];
        for (check, rule, damage) in damages {
            let applied = Arc::new(AtomicBool::new(false));
            let flag = applied.clone();
            let rewrite = move |c: &str| {
                flag.store(true, Ordering::Relaxed);
                damage(c, encoding, alphabet)
            };
            let tamper = Tamper { ciphertext: Some(Box::new(rewrite)), ..Tamper::default() };
            let codes = vec![failures.decrypt.to_string()];
            list.push(Attack { check: check.into(), rule, tamper, codes, replay: false, applied: Some(applied) });
        }
    }
    // Where each interface has its own address, a service is the path and nothing else names it.
    let routed_by_own_path = binding.hospital_path.contains("{path}") || binding.platform_path.contains("{path}");
    if !routed_by_own_path && (service_field(protocol).is_some() || binding.soap.is_some()) {
        push(
            &mut list,
            "unknown service",
            format!("unknown_service: `{UNKNOWN_SERVICE}` is no interface of this side"),
            Tamper { service: Some(UNKNOWN_SERVICE.into()), ..Tamper::default() },
            vec![failures.unknown_service.to_string()],
        );
    }
    if let Some(freshness) = &protocol.freshness {
        let window = i64::from(freshness.window_seconds);
        let stale = || vec![failures.stale.to_string()];
        push(
            &mut list,
            "stale timestamp",
            format!("stale: `{}` more than {window} s from the server's clock", freshness.field),
            Tamper { clock_skew: chrono::TimeDelta::seconds(-(window + 3600)), ..Tamper::default() },
            stale(),
        );
        list.push(Attack {
            check: "replay".into(),
            rule: "stale: a signature is accepted once within the window; other bytes under it are a replay".into(),
            tamper: Tamper::default(),
            codes: stale(),
            replay: true,
            applied: None,
        });
    }
    list
}

/// Another key of the same length and alphabet: the characters in reverse order, or the first one changed.
/// Another value of the secret credential `name`: a fresh key of the same kind where a rule signs with it as a
/// private key (a damaged PEM would not parse, and nothing would be sent), else the value damaged in place.
fn wrong_key(protocol: &ProtocolSchema, name: &str, key: &str) -> String {
    let placeholder = format!("{{{name}}}");
    let signing = protocol.rules().flat_map(|r| r.digest.iter()).find_map(|step| match step {
        DigestStep::Sign { algorithm, private, .. } if private.trim() == placeholder => Some(algorithm),
        _ => None,
    });
    match signing.and_then(fresh_key) {
        Some(fresh) => fresh,
        None => other_key(key),
    }
}

/// One fresh key per kind and process: an RSA key takes a while to generate, and every interface is attacked.
fn fresh_key(algorithm: &SignAlgorithm) -> Option<String> {
    static KEYS: Mutex<BTreeMap<&'static str, String>> = Mutex::new(BTreeMap::new());
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(key) = keys.get(algorithm.name()) {
        return Some(key.clone());
    }
    let key = hisgate_runtime::signature::asymmetric::fresh_private_key(algorithm).ok()?;
    keys.insert(algorithm.name(), key.clone());
    Some(key)
}

fn other_key(key: &str) -> String {
    let reversed: String = key.chars().rev().collect();
    if reversed != key {
        return reversed;
    }
    let mut chars: Vec<char> = key.chars().collect();
    match chars.first_mut() {
        Some(c) => *c = if *c == 'A' { 'B' } else { 'A' },
        None => chars.push('A'),
    }
    chars.into_iter().collect()
}

fn flip_case(c: char) -> char {
    if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() }
}

/// The text encoding of the protocol's ciphertext, where every scheme uses one.
fn cipher_encoding(protocol: &ProtocolSchema) -> Option<TextEncoding> {
    let mut encodings = protocol.encryption.as_ref()?.schemes.iter().map(|s| s.encoding());
    let first = encodings.next()?;
    encodings.all(|e| e == first).then_some(first)
}

/// The ciphertext less its last byte, written again in its own encoding: no longer whole blocks.
fn one_byte_short(ciphertext: &str, encoding: TextEncoding) -> String {
    let bytes = hisgate_runtime::cipher::decode(encoding, ciphertext).unwrap_or_default();
    hisgate_runtime::cipher::encode(encoding, &bytes[..bytes.len().saturating_sub(1)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use hisgate_generated::PLATFORMS;

    fn checks(platform: &str, binding: &str) -> Vec<(String, Vec<String>)> {
        let platform = PLATFORMS.iter().find(|p| p.name == platform).unwrap();
        let protocol = platform.protocol.as_ref().unwrap();
        let examples = protocol.credentials.iter().filter_map(|c| Some((&*c.name, c.example.as_deref()?)));
        let credentials = Inputs::for_protocol(protocol, examples);
        let binding = protocol.bindings.iter().find(|b| b.name == binding).unwrap();
        attacks(protocol, binding, &credentials).into_iter().map(|a| (a.check, a.codes)).collect()
    }

    #[test]
    fn each_protocol_gets_the_attacks_it_has_rules_for() {
        let shaanxi = checks("shaanxi", "soap12");
        let names: Vec<&str> = shaanxi.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "wrong key",
                "signature missing",
                "signature truncated",
                "signature in the other case",
                "ciphertext not its encoding",
                "ciphertext one byte short",
                "unknown service"
            ]
        );
        assert_eq!(shaanxi[0].1, ["ILLEGAL_SIGN", "ILLEGAL_ENCRYPT"]);
        assert_eq!(shaanxi[4].1, ["ILLEGAL_ENCRYPT"]);
        assert_eq!(shaanxi[6].1, ["ILLEGAL_SERVICE"]);
        // glorycard: no encryption, an address per interface, a freshness window.
        let glorycard = checks("glorycard", "json");
        let names: Vec<&str> = glorycard.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "wrong key",
                "signature missing",
                "signature truncated",
                "signature in the other case",
                "stale timestamp",
                "replay"
            ]
        );
    }

    #[test]
    fn damages_keep_the_shape_and_break_the_value() {
        for key in ["2098D32C4D1399EC", "AAAA", "密钥abc"] {
            let other = other_key(key);
            assert_ne!(other, key);
            assert_eq!(other.chars().count(), key.chars().count());
        }
        use base64::Engine;
        let engine = base64::engine::general_purpose::STANDARD;
        let short = one_byte_short(&engine.encode([7u8; 32]), TextEncoding::Base64);
        assert_eq!(engine.decode(short).unwrap(), [7u8; 31]);
        assert_eq!(one_byte_short("0A0B0C", TextEncoding::HexUpper), "0A0B");
        assert_eq!(one_byte_short("0a0b0c", TextEncoding::HexLower), "0a0b");
        assert_eq!("aB3".chars().map(flip_case).collect::<String>(), "Ab3");
    }
}
