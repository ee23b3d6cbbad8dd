//! “签名不正确”: given the signature a counterpart computed, search the space of mistakes ([`variants::space`]) —
//! every single variant, then every pair of them, within a time budget — and name each one that reproduces it,
//! cheapest first, with the canonical string it gives and where that differs from the rule's. When nothing does
//! but the signature has the rule's shape, the key likely differs: the fingerprints say which to compare.

use super::variants::{self, Family, Setup, Subject, Variant};
use crate::codec::Limits;
use crate::envelope::{Envelope, Format};
use crate::schema::{PlatformSchema, ProtocolSchema};
use crate::secret::{Inputs, fingerprint};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// How far to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Stop when this much time has passed; singles come first, so a short budget still tries them all.
    pub budget: Duration,
    pub pairs: bool,
    /// Stop at the first variant that reproduces the signature (a server's log line).
    pub first_only: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { budget: Duration::from_secs(1), pairs: true, first_only: false }
    }
}

impl Options {
    /// What a server spends on a refused request: a few milliseconds, the first match.
    pub fn quick() -> Options {
        Options { budget: Duration::from_millis(20), pairs: true, first_only: true }
    }
}

/// The search's result, serializable for `--json` and a journal.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Diagnosis {
    pub expected: String,
    /// The expected signature is the rule's own.
    pub matches_rule: bool,
    pub rule_sign: String,
    /// The rule's canonical string, keys shown as `{key}`.
    pub rule_canonical: String,
    /// The variants that reproduce the expected signature: single mistakes first, then pairs.
    pub findings: Vec<Finding>,
    pub tried: usize,
    /// Single variants in the space.
    pub singles: usize,
    /// Pairs worth trying: of composable variants that each change something.
    pub pairs: usize,
    /// Every single and pair was tried within the budget.
    pub complete: bool,
    pub elapsed_us: u64,
    pub families: Vec<FamilyTally>,
    /// Families none of whose variants, alone or paired, reproduces the signature.
    pub ruled_out: Vec<Family>,
    /// Nothing reproduces it, yet it has the shape of the rule's signature: the key likely differs.
    pub key_differs: Option<KeyHint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The mistakes, joined by ` + `.
    pub variant: String,
    pub parts: Vec<Part>,
    /// The string this variant signs, keys shown as `{key}`.
    pub canonical: String,
    pub diff: Diff,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub family: Family,
    pub label: String,
}

/// Where a variant's canonical string departs from the rule's: one differing stretch between a common start and
/// a common end, marked `[-rule's-]{+variant's+}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// Characters in common at the start.
    pub at: usize,
    pub rule: String,
    pub variant: String,
    /// The variant's string with the stretch marked; the string itself when the two are the same (the digest or
    /// the bytes hashed differ, not the text).
    pub marked: String,
}

impl Diff {
    pub fn new(rule: &str, variant: &str) -> Diff {
        let (a, b): (Vec<char>, Vec<char>) = (rule.chars().collect(), variant.chars().collect());
        let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let end = a[start..].iter().rev().zip(b[start..].iter().rev()).take_while(|(x, y)| x == y).count();
        let (removed, added): (String, String) =
            (a[start..a.len() - end].iter().collect(), b[start..b.len() - end].iter().collect());
        let mut marked: String = b[..start].iter().collect();
        if !removed.is_empty() {
            marked.push_str(&format!("[-{removed}-]"));
        }
        if !added.is_empty() {
            marked.push_str(&format!("{{+{added}+}}"));
        }
        marked.extend(&b[b.len() - end..]);
        Diff { at: start, rule: removed, variant: added, marked }
    }

    pub fn same_text(&self) -> bool {
        self.rule.is_empty() && self.variant.is_empty()
    }

    /// The marked string with long common stretches cut to `context` characters either side.
    pub fn compact(&self, context: usize) -> String {
        let chars: Vec<char> = self.marked.chars().collect();
        if self.same_text() || chars.len() <= 3 * context {
            return self.marked.clone();
        }
        let marks = 4 * usize::from(!self.rule.is_empty()) + 4 * usize::from(!self.variant.is_empty());
        let middle = self.at + self.rule.chars().count() + self.variant.chars().count() + marks;
        let head = if self.at > context {
            format!("…{}", chars[self.at - context..self.at].iter().collect::<String>())
        } else {
            chars[..self.at].iter().collect()
        };
        let tail_len = chars.len() - middle;
        let tail = if tail_len > context {
            format!("{}…", chars[middle..middle + context].iter().collect::<String>())
        } else {
            chars[middle..].iter().collect()
        };
        format!("{head}{}{tail}", chars[self.at..middle].iter().collect::<String>())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyTally {
    pub family: Family,
    /// Single variants tried.
    pub tried: usize,
    /// Findings it takes part in.
    pub matched: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHint {
    /// What the expected signature and the rule's have in common: `32 upper-case hex characters`.
    pub shape: String,
    /// Each secret credential's fingerprint, to compare with the counterpart's; never the key.
    pub keys: Vec<KeyPrint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPrint {
    pub name: String,
    pub fingerprint: String,
}

/// Searches the variants of the rule `envelope` follows (the protocol's, or its sender's own) for those that give
/// `expected` over `message`.
pub fn diagnose(
    platform: &PlatformSchema,
    envelope: &Envelope,
    message: &Map<String, Value>,
    inputs: &Inputs,
    expected: &str,
    options: Options,
) -> Diagnosis {
    let start = Instant::now();
    let expected = expected.trim();
    let mut d = Diagnosis { expected: expected.to_owned(), ..Diagnosis::default() };
    let (protocol, rule, direction) = (envelope.protocol(), envelope.rule(), envelope.direction());
    let declared: Vec<&str> = envelope.schema().field_names().collect();
    let base = Setup::new(rule, &declared, message, inputs);
    let (canonical, own, matches_rule) = base.check(expected).unwrap_or_default();
    d.rule_sign.clone_from(&own);
    d.rule_canonical = base.canonical(true).unwrap_or_default();
    d.matches_rule = matches_rule;
    if d.matches_rule {
        d.complete = true;
        d.elapsed_us = elapsed_us(start);
        return d;
    }
    if expected.len() >= 8 && own.len() > expected.len() && own.starts_with(expected) {
        let label = format!("the rule's signature cut to its first {} characters", expected.chars().count());
        d.findings.push(Finding {
            variant: label.clone(),
            parts: vec![Part { family: Family::Encoding, label }],
            canonical: d.rule_canonical.clone(),
            diff: Diff::new(&d.rule_canonical, &d.rule_canonical),
        });
    }
    let subject = Subject { platform, protocol, rule, direction, message, inputs };
    let space = variants::space(&subject);
    d.singles = space.len();
    let mut tried = vec![0usize; space.len()];
    let mut matched = vec![false; space.len()];
    let mut live = Vec::with_capacity(space.len());
    let mut stopped = false;
    let over = || start.elapsed() >= options.budget;
    for (i, variant) in space.iter().enumerate() {
        if over() {
            stopped = true;
            break;
        }
        d.tried += 1;
        tried[i] += 1;
        let setup = base.clone().with(variant);
        let Some((text, value, same)) = setup.check(expected) else { continue };
        if same {
            matched[i] = true;
            d.findings.push(finding(&d.rule_canonical, &[variant], &setup));
            if options.first_only {
                stopped = true;
                break;
            }
        } else if !(text == canonical && value == own && setup.same_chain(&base)) {
            // A variant that changes nothing here is no half of a pair.
            live.push(i);
        }
    }
    // Pairs of a variant that already explains the signature add nothing.
    live.retain(|i| !matched[*i]);
    let pairs: Vec<(usize, usize)> = live
        .iter()
        .enumerate()
        .flat_map(|(a, &i)| live[a + 1..].iter().map(move |&j| (i, j)))
        .filter(|(i, j)| space[*i].family.compose(space[*j].family))
        .collect();
    d.pairs = pairs.len();
    if options.pairs && !stopped {
        for (n, (i, j)) in pairs.into_iter().enumerate() {
            if n % 16 == 0 && over() {
                stopped = true;
                break;
            }
            d.tried += 1;
            let setup = base.clone().with(&space[i]).with(&space[j]);
            if let Some((_, _, true)) = setup.check(expected) {
                d.findings.push(finding(&d.rule_canonical, &[&space[i], &space[j]], &setup));
                if options.first_only {
                    stopped = true;
                    break;
                }
            }
        }
    }
    d.complete = !stopped && options.pairs;
    d.families = tally(&space, &tried, &d.findings);
    d.ruled_out = d.families.iter().filter(|f| f.tried > 0 && f.matched == 0).map(|f| f.family).collect();
    if d.findings.is_empty() && !own.is_empty() && shape(expected) == shape(&own) {
        d.key_differs = Some(KeyHint { shape: shape(&own).describe(), keys: key_prints(protocol, inputs) });
    }
    d.elapsed_us = elapsed_us(start);
    d
}

fn elapsed_us(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn finding(rule_canonical: &str, variants: &[&Variant], setup: &Setup) -> Finding {
    let canonical = setup.canonical(true).unwrap_or_default();
    Finding {
        variant: variants.iter().map(|v| v.label.as_str()).collect::<Vec<_>>().join(" + "),
        parts: variants.iter().map(|v| Part { family: v.family, label: v.label.clone() }).collect(),
        diff: Diff::new(rule_canonical, &canonical),
        canonical,
    }
}

fn tally(space: &[Variant], tried: &[usize], findings: &[Finding]) -> Vec<FamilyTally> {
    let mut out: Vec<FamilyTally> = Vec::new();
    for (variant, n) in space.iter().zip(tried) {
        match out.iter_mut().find(|t| t.family == variant.family) {
            Some(t) => t.tried += n,
            None => out.push(FamilyTally { family: variant.family, tried: *n, matched: 0 }),
        }
    }
    for t in &mut out {
        t.matched = findings.iter().filter(|f| f.parts.iter().any(|p| p.family == t.family)).count();
    }
    out
}

fn key_prints(protocol: &ProtocolSchema, inputs: &Inputs) -> Vec<KeyPrint> {
    let secrets = protocol.credentials.iter().filter(|c| c.secret);
    secrets
        .filter_map(|c| inputs.get(&c.name).map(|v| KeyPrint { name: c.name.to_string(), fingerprint: fingerprint(v) }))
        .collect()
}

/// A signature's length and alphabet.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    len: usize,
    alphabet: &'static str,
}

impl Shape {
    fn describe(&self) -> String {
        format!("{} {} characters", self.len, self.alphabet)
    }
}

fn shape(value: &str) -> Shape {
    let hex = value.chars().all(|c| c.is_ascii_hexdigit());
    let alphabet = if hex && !value.chars().any(|c| c.is_ascii_lowercase()) {
        "upper-case hex"
    } else if hex && !value.chars().any(|c| c.is_ascii_uppercase()) {
        "lower-case hex"
    } else if value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')) {
        "Base64"
    } else {
        "other"
    };
    Shape { len: value.chars().count(), alphabet }
}

/// A refused signature: which variant the counterpart used, searched within `options` and logged at debug level.
/// A server runs it only when debug logging is on, with [`Options::quick`]; a proxy's journal keeps the diagnosis.
/// `envelope` is the one the message was opened with (its sender's rule); `inputs` what it was opened with.
pub fn refused(
    platform: &PlatformSchema,
    envelope: &Envelope,
    fields: &Map<String, Value>,
    headers: &[(String, String)],
    inputs: &Inputs,
    format: Format,
    options: Options,
) -> Option<Diagnosis> {
    // The signature and the inputs as opening gathered them: a structured carrier's parameters, the rule's headers.
    let (received, inputs) = envelope.received_signature(fields, headers, inputs)?;
    let view = envelope.signed_view(fields, &inputs, format, Limits::default()).ok()?;
    let diagnosis = diagnose(platform, envelope, &view, &inputs, &received, options);
    // The variant's label only: canonical strings hold message values, which may be personal data.
    match (diagnosis.findings.first(), &diagnosis.key_differs) {
        (Some(found), _) => tracing::debug!(
            variant = %found.variant,
            tried = diagnosis.tried,
            elapsed_us = diagnosis.elapsed_us,
            "refused signature: the counterpart signed with this variant of the rule"
        ),
        (None, Some(hint)) => tracing::debug!(
            tried = diagnosis.tried,
            keys = %hint.keys.iter().map(|k| format!("{}: {}", k.name, k.fingerprint)).collect::<Vec<_>>().join("; "),
            "refused signature: no variant reproduces it; the key likely differs"
        ),
        (None, None) => tracing::debug!(
            tried = diagnosis.tried,
            complete = diagnosis.complete,
            "refused signature: no variant of the rule reproduces it"
        ),
    }
    Some(diagnosis)
}
