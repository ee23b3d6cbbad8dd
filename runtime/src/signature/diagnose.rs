//! “签名不正确”: given the signature a counterpart computed, try the usual suspects — a wrong or swapped key, empty
//! fields included, case-insensitive sorting, `10.00` vs `10`, a field such as `signType` signed or not, another
//! suffix — and name every variant of the rule that reproduces it.

use super::Signer;
use crate::schema::{Coverage, KeyOrder, Nested, Numbers, ProtocolSchema, SignatureRule};
use crate::secret::Inputs;
use serde_json::{Map, Value};

/// A variant of the rule or of the inputs that reproduces the expected signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub variant: String,
    pub canonical: String,
}

/// What the search found: the variants that match, and whether the expected value is only a cut or a re-cased
/// form of the rule's own signature.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnosis {
    pub matches_rule: bool,
    pub findings: Vec<Finding>,
    pub tried: usize,
}

struct Candidate {
    variant: String,
    rule: SignatureRule,
    message: Map<String, Value>,
    inputs: Inputs,
}

/// Searches single changes to the rule, the message and the key, and pairs of the rule's switches.
pub fn diagnose(
    protocol: &ProtocolSchema,
    signer: &Signer,
    message: &Map<String, Value>,
    inputs: &Inputs,
    expected: &str,
) -> Diagnosis {
    let expected = expected.trim();
    let own = signer.sign(message, inputs).map(|s| s.value).unwrap_or_default();
    let mut diagnosis = Diagnosis { matches_rule: own == expected, ..Diagnosis::default() };
    if !own.is_empty() && own != expected {
        if own.eq_ignore_ascii_case(expected) {
            diagnosis.findings.push(note(
                "the signatures differ only in letter case (upper vs lower hex)",
                signer,
                message,
                inputs,
            ));
        } else if own.starts_with(expected) {
            let cut =
                format!("the expected signature is the rule's own cut after {} characters", expected.chars().count());
            diagnosis.findings.push(note(&cut, signer, message, inputs));
        }
    }
    for candidate in candidates(protocol, signer.rule(), message, inputs) {
        diagnosis.tried += 1;
        let variant_signer = Signer { rule: &candidate.rule, declared: signer.declared.clone() };
        if let Ok(signature) = variant_signer.sign(&candidate.message, &candidate.inputs)
            && signature.value == expected
        {
            let canonical = variant_signer.shown_canonical(&candidate.message, &candidate.inputs).unwrap_or_default();
            diagnosis.findings.push(Finding { variant: candidate.variant, canonical });
        }
    }
    diagnosis
}

fn note(variant: &str, signer: &Signer, message: &Map<String, Value>, inputs: &Inputs) -> Finding {
    Finding { variant: variant.to_owned(), canonical: signer.shown_canonical(message, inputs).unwrap_or_default() }
}

/// The rule's switches, each flipped to its other settings.
fn switches(rule: &SignatureRule) -> Vec<(String, SignatureRule)> {
    let mut out = Vec::new();
    let mut push = |label: &str, change: &dyn Fn(&mut SignatureRule)| {
        let mut r = rule.clone();
        change(&mut r);
        if r != *rule {
            out.push((label.to_owned(), r));
        }
    };
    push("empty values signed", &|r| r.drop_empty = false);
    push("empty values dropped", &|r| r.drop_empty = true);
    push("keys sorted ignoring case", &|r| r.sort = KeyOrder::IgnoreCase);
    push("keys sorted case-sensitively", &|r| r.sort = KeyOrder::Bytes);
    push("numbers signed as sent (10.00)", &|r| r.numbers = Numbers::AsSent);
    push("numbers in shortest form (10.00 → 10)", &|r| r.numbers = Numbers::Shortest);
    push("nested values as sorted JSON", &|r| r.nested = Nested::Json);
    push("nested values flattened (a.b=…)", &|r| r.nested = Nested::Flatten);
    push("every field signed, declared or not", &|r| r.covers = Coverage::All);
    push("only the envelope's declared fields signed", &|r| r.covers = Coverage::Declared);
    out
}

fn candidates(
    protocol: &ProtocolSchema,
    rule: &SignatureRule,
    message: &Map<String, Value>,
    inputs: &Inputs,
) -> Vec<Candidate> {
    let same = |variant: String, rule: SignatureRule| Candidate {
        variant,
        rule,
        message: message.clone(),
        inputs: inputs.clone(),
    };
    let mut out = Vec::new();
    let switches = switches(rule);
    for (i, (label, variant)) in switches.iter().enumerate() {
        out.push(same(label.clone(), variant.clone()));
        // Two mistakes at once, among the switches.
        for (other_label, other) in &switches[i + 1..] {
            let mut both = variant.clone();
            both.drop_empty = if other.drop_empty != rule.drop_empty { other.drop_empty } else { both.drop_empty };
            both.sort = if other.sort != rule.sort { other.sort } else { both.sort };
            both.numbers = if other.numbers != rule.numbers { other.numbers } else { both.numbers };
            both.nested = if other.nested != rule.nested { other.nested } else { both.nested };
            both.covers = if other.covers != rule.covers { other.covers } else { both.covers };
            out.push(same(format!("{label}, and {other_label}"), both));
        }
    }
    // A field signed that the rule leaves out, or the other way round.
    for excluded in rule.exclude.iter().filter(|e| **e != rule.field && message.contains_key(&***e)) {
        let mut r = rule.clone();
        r.exclude = r.exclude.iter().filter(|e| *e != excluded).cloned().collect::<Vec<_>>().into();
        out.push(same(format!("`{excluded}` signed too"), r));
    }
    for name in message.keys().filter(|k| !rule.exclude.iter().any(|e| e == *k)) {
        let mut r = rule.clone();
        r.exclude = rule.exclude.iter().cloned().chain([name.clone().into()]).collect::<Vec<_>>().into();
        out.push(same(format!("`{name}` left out"), r));
    }
    // Another suffix or prefix around the same pairs.
    let secrets: Vec<&str> = protocol.credentials.iter().filter(|c| c.secret).map(|c| &*c.name).collect();
    for secret in &secrets {
        let suffixes = [
            format!("&key={{{secret}}}"),
            format!("key={{{secret}}}"),
            format!("&{{{secret}}}"),
            format!("{{{secret}}}"),
            format!("&key={{{secret}}}&timestamp={{timestamp}}"),
            format!("&timestamp={{timestamp}}&key={{{secret}}}"),
            String::new(),
        ];
        for suffix in suffixes.iter().filter(|s| **s != *rule.suffix) {
            let mut r = rule.clone();
            r.suffix = suffix.clone().into();
            let shown = if suffix.is_empty() { "no suffix".to_owned() } else { format!("suffix `{suffix}`") };
            out.push(same(shown, r));
        }
        for prefix in [format!("{{{secret}}}"), format!("{{{secret}}}&")] {
            let mut r = rule.clone();
            r.prefix = prefix.clone().into();
            r.suffix = "".into();
            out.push(same(format!("the key before the pairs (`{prefix}`), not after"), r));
        }
    }
    // A wrong key: another credential's value, or the key with stray spaces or in another case.
    for secret in &secrets {
        let Some(value) = inputs.get(secret) else { continue };
        let mut keyed = |variant: String, replacement: String| {
            let mut changed = inputs.clone();
            changed.set(secret.to_string(), replacement, true);
            out.push(Candidate { variant, rule: rule.clone(), message: message.clone(), inputs: changed });
        };
        for other in protocol.credentials.iter().filter(|c| c.name != *secret) {
            if let Some(v) = inputs.get(&other.name) {
                keyed(format!("`{}` used as `{secret}`", other.name), v.to_owned());
            }
        }
        keyed(format!("`{secret}` trimmed of spaces"), value.trim().to_owned());
        keyed(format!("`{secret}` upper-cased"), value.to_uppercase());
        keyed(format!("`{secret}` lower-cased"), value.to_lowercase());
    }
    // Values URL-encoded before signing (a GET binding's classic).
    let encoded: Map<String, Value> = message
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.clone(), |s| Value::String(percent_encode(s)))))
        .collect();
    out.push(Candidate {
        variant: "values URL-encoded before signing".into(),
        rule: rule.clone(),
        message: encoded,
        inputs: inputs.clone(),
    });
    out
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
