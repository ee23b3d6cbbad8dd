//! The mistakes integrators make when they implement a signature rule, as a space derived from the spec and its
//! rule rather than a fixed list. A variant is a few edits ([`Op`]) to a [`Setup`], the description a canonical
//! string and its digest are built from; two variants compose by applying both, so a pair costs one canonical
//! string, as a single does.

use super::canonical::{self, Entry, Pairs, Skip};
use super::forms::Form;
use crate::schema::{
    Coverage, DigestStep, Direction, EnvelopeRole, KeyOrder, Nested, Numbers, PlatformSchema, ProtocolSchema,
    SignatureRule,
};
use crate::secret::Inputs;
use crate::template::{self, TemplateError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What a variant changes; the unit the search reports as ruled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Hex case or Base64 for a step of the rule's digest chain.
    Encoding,
    /// Another hash, or an HMAC keyed by a credential.
    Digest,
    /// The key's suffix or prefix spelled otherwise: name case, separator, position.
    Wrap,
    /// A field added empty, left out, or signed though the rule skips it.
    Fields,
    Sort,
    Empty,
    Coverage,
    Nested,
    Numbers,
    /// Values URL-encoded, XML-escaped, in CDATA, trimmed.
    Values,
    /// Signed JSON with `\uXXXX` escapes or pretty-printed.
    Json,
    /// The string hashed as GBK.
    Charset,
    /// The payload signed before instead of after encryption, or the other way round.
    Payload,
    /// Service names and field spellings from the spec's aliases and errata.
    Names,
    /// Another credential as the key, or the key trimmed or re-cased; another key of a key ring.
    Key,
    /// The lines form: the last `\n` left off, the body re-serialized instead of signed as sent.
    Lines,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Encoding => "encoding",
            Family::Digest => "digest",
            Family::Wrap => "wrap",
            Family::Fields => "fields",
            Family::Sort => "sort",
            Family::Empty => "empty",
            Family::Coverage => "coverage",
            Family::Nested => "nested",
            Family::Numbers => "numbers",
            Family::Values => "values",
            Family::Json => "json",
            Family::Charset => "charset",
            Family::Payload => "payload",
            Family::Names => "names",
            Family::Key => "key",
            Family::Lines => "lines",
        }
    }

    /// Families whose variants overwrite one setting: two of them together say nothing one does not.
    fn conflict_group(self) -> Option<u8> {
        match self {
            Family::Encoding | Family::Digest => Some(0),
            Family::Wrap => Some(1),
            Family::Sort => Some(2),
            Family::Empty => Some(3),
            Family::Coverage => Some(4),
            Family::Nested => Some(5),
            Family::Numbers => Some(6),
            Family::Charset => Some(7),
            Family::Payload => Some(8),
            Family::Key => Some(9),
            Family::Fields | Family::Values | Family::Json | Family::Names | Family::Lines => None,
        }
    }

    /// Whether a pair of variants of these families can differ from either alone.
    pub fn compose(self, other: Family) -> bool {
        self.conflict_group().is_none() || self.conflict_group() != other.conflict_group()
    }
}

/// One edit to a [`Setup`].
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    Chain(Vec<DigestStep>),
    Step(usize, DigestStep),
    Wrap {
        prefix: String,
        suffix: String,
    },
    Sort(KeyOrder),
    AsSent,
    DropEmpty(bool),
    Covers(Coverage),
    Nested(Nested),
    Numbers(Numbers),
    AddEmpty(String),
    Remove(String),
    Include(String),
    Form(Form),
    Gbk,
    Set(String, Value),
    Unset(String),
    Rename(String, String),
    Secret(String, String),
    /// A non-secret input set otherwise (the body as re-serialized, a key id).
    Input(String, String),
    /// The lines form's last line without its `\n`.
    NoFinalNewline,
}

/// One mistake: its family, what it says, and the edits that make it.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub family: Family,
    pub label: String,
    ops: Vec<Op>,
}

/// Everything a canonical string and its signature are built from.
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    rule: SignatureRule,
    declared: &'a [&'a str],
    message: Cow<'a, Map<String, Value>>,
    inputs: Cow<'a, Inputs>,
    as_sent: bool,
    forms: Vec<Form>,
    gbk: bool,
    add: Vec<String>,
    remove: Vec<String>,
    include: Vec<String>,
    final_newline: bool,
}

impl<'a> Setup<'a> {
    /// The rule as the spec states it.
    pub fn new(
        rule: &SignatureRule,
        declared: &'a [&'a str],
        message: &'a Map<String, Value>,
        inputs: &'a Inputs,
    ) -> Setup<'a> {
        Setup {
            rule: rule.clone(),
            declared,
            message: Cow::Borrowed(message),
            inputs: Cow::Borrowed(inputs),
            as_sent: false,
            forms: Vec::new(),
            gbk: false,
            add: Vec::new(),
            remove: Vec::new(),
            include: Vec::new(),
            final_newline: true,
        }
    }

    /// This setup with a variant's edits applied; a pair is two calls.
    pub fn with(mut self, variant: &Variant) -> Setup<'a> {
        for op in &variant.ops {
            self.apply(op);
        }
        self
    }

    fn apply(&mut self, op: &Op) {
        let rule = &mut self.rule;
        match op {
            Op::Chain(chain) => rule.digest = chain.clone().into(),
            Op::Step(i, step) => {
                let mut chain = rule.digest.to_vec();
                if let Some(slot) = chain.get_mut(*i) {
                    *slot = step.clone();
                }
                rule.digest = chain.into();
            }
            Op::Wrap { prefix, suffix } => {
                rule.prefix = prefix.clone().into();
                rule.suffix = suffix.clone().into();
            }
            Op::Sort(order) => rule.sort = *order,
            Op::AsSent => self.as_sent = true,
            Op::DropEmpty(drop) => rule.drop_empty = *drop,
            Op::Covers(covers) => rule.covers = *covers,
            Op::Nested(nested) => rule.nested = *nested,
            Op::Numbers(numbers) => rule.numbers = *numbers,
            Op::AddEmpty(name) => self.add.push(name.clone()),
            Op::Remove(name) => self.remove.push(name.clone()),
            Op::Include(name) => self.include.push(name.clone()),
            Op::Form(form) => self.forms.push(*form),
            Op::Gbk => self.gbk = true,
            Op::Set(name, value) => {
                self.message.to_mut().insert(name.clone(), value.clone());
            }
            Op::Unset(name) => {
                self.message.to_mut().shift_remove(name);
            }
            Op::Rename(from, to) => {
                let message = self.message.to_mut();
                if let Some(i) = message.keys().position(|k| k == from)
                    && let Some((_, value)) = message.shift_remove_entry(from)
                {
                    message.shift_insert(i, to.clone(), value);
                }
            }
            Op::Secret(name, value) => self.inputs.to_mut().set(name.clone(), value.clone(), true),
            Op::Input(name, value) => self.inputs.to_mut().set(name.clone(), value.clone(), false),
            Op::NoFinalNewline => self.final_newline = false,
        }
    }

    pub fn rule(&self) -> &SignatureRule {
        &self.rule
    }

    /// The string to digest; `inputs` replaces the setup's own (masked inputs, to show it).
    pub fn canonical(&self, shown: bool) -> Result<String, TemplateError> {
        let masked;
        let inputs = if shown {
            masked = self.inputs.masked();
            &masked
        } else {
            &*self.inputs
        };
        let mut out = template::render(&self.rule.prefix, inputs)?;
        if self.rule.is_lines() {
            for line in self.rule.lines.iter() {
                out.push_str(&template::render(line, inputs)?);
                out.push('\n');
            }
            if !self.final_newline {
                out.pop();
            }
            return Ok(out);
        }
        let pairs = self.pairs();
        pairs.join_into(&self.rule, &mut out, &template::render(&self.rule.suffix, inputs)?);
        Ok(out)
    }

    /// The included pairs in signing order, each value in its written form.
    fn pairs(&self) -> Pairs<'_> {
        let mut pairs = canonical::pairs(&self.rule, self.declared, &self.message);
        let edited = !(self.include.is_empty() && self.remove.is_empty() && self.add.is_empty());
        for entry in &mut pairs.entries {
            let root = root_name(&entry.name);
            if self.include.iter().any(|n| n == root) {
                entry.skipped = None;
            }
            if self.remove.iter().any(|n| n == root) {
                entry.skipped = Some(Skip::Excluded);
            }
        }
        for name in &self.add {
            if !pairs.included().any(|e| e.name == *name) {
                pairs.entries.push(Entry { name: Cow::Owned(name.clone()), value: Cow::Borrowed(""), skipped: None });
            }
        }
        let mut included: Vec<Entry> = pairs.entries.into_iter().filter(|e| e.skipped.is_none()).collect();
        if self.as_sent {
            // Message order; a field added that the message lacks goes last.
            let position = |e: &Entry| self.message.keys().position(|k| k == root_name(&e.name)).unwrap_or(usize::MAX);
            included.sort_by_key(position);
        } else if edited {
            included.sort_by(|a, b| canonical::compare_keys(self.rule.sort, &a.name, &b.name));
        }
        for form in &self.forms {
            for entry in &mut included {
                if let Some(changed) = form.apply(&entry.value) {
                    entry.value = Cow::Owned(changed);
                }
            }
        }
        Pairs { entries: included }
    }

    /// The bytes hashed: the canonical string in UTF-8, or in GBK.
    pub fn bytes(&self, canonical: String) -> Vec<u8> {
        if self.gbk && !canonical.is_ascii() {
            encoding_rs::GBK.encode(&canonical).0.into_owned()
        } else {
            canonical.into_bytes()
        }
    }

    /// Whether the two sign with the same chain: a variant of a chain that signs with a private key changes no
    /// value this side can compute, only the chain.
    pub fn same_chain(&self, other: &Setup) -> bool {
        self.rule.digest == other.rule.digest
    }

    /// The canonical string, the signature this setup gives (empty where the rule signs with a private key, which a
    /// verifier does not hold) and whether `expected` is that signature (verified against the public key there).
    pub fn check(&self, expected: &str) -> Option<(String, String, bool)> {
        let canonical = self.canonical(false).ok()?;
        let bytes = self.bytes(canonical.clone());
        let digest = &self.rule.digest;
        if digest.iter().any(|s| matches!(s, crate::schema::DigestStep::Sign { .. })) {
            let verified = super::check_chain(digest, self.rule.compare, &bytes, &self.inputs, expected).ok()?;
            return Some((canonical, String::new(), verified));
        }
        let value = super::digest_value(digest, &bytes, &self.inputs).ok()?;
        let same = super::matches(self.rule.compare, &value, expected);
        Some((canonical, value, same))
    }
}

/// The message field an entry comes from: `detail` for `detail.amount` or `list[0].name`.
fn root_name(name: &str) -> &str {
    name.split(['.', '[']).next().unwrap_or(name)
}

/// What the space is derived from.
pub struct Subject<'a> {
    pub platform: &'a PlatformSchema,
    pub protocol: &'a ProtocolSchema,
    /// The rule the message was signed under: the protocol's `signature`, or its sender's own (`signed_by`).
    pub rule: &'a SignatureRule,
    pub direction: Direction,
    pub message: &'a Map<String, Value>,
    pub inputs: &'a Inputs,
}

/// Every single variant, cheapest and likeliest families first.
pub fn space(subject: &Subject) -> Vec<Variant> {
    let mut out = Space::default();
    let rule = subject.rule;
    if rule.is_lines() {
        // The lines form's usual suspects (the last `\n`, the body re-serialized, another key of the ring) first:
        // a search within a server's few milliseconds reaches them before the digest's. The pairs' variants change
        // nothing the lines sign.
        super::suspects::variants(subject, &mut out);
        super::digests::variants(subject, &mut out);
        out.push(Family::Charset, "the string hashed as GBK, not UTF-8".into(), vec![Op::Gbk]);
        return out.variants;
    }
    super::digests::variants(subject, &mut out);
    wraps(subject, &mut out);
    fields(subject, &mut out);
    switches(rule, &mut out);
    forms(subject, &mut out);
    out.push(Family::Charset, "the string hashed as GBK, not UTF-8".into(), vec![Op::Gbk]);
    super::payload::variants(subject, &mut |label, edits| out.push(Family::Payload, label, edits.into_ops()));
    super::names::variants(subject, &mut |label, edits| out.push(Family::Names, label, edits.into_ops()));
    keys(subject, &mut out);
    out.variants
}

/// Message edits for the modules that derive variants from the spec's encryption and names.
#[derive(Debug, Default)]
pub struct Edits {
    ops: Vec<Op>,
}

impl Edits {
    pub fn set(mut self, name: &str, value: Value) -> Edits {
        self.ops.push(Op::Set(name.to_owned(), value));
        self
    }

    pub fn unset(mut self, name: &str) -> Edits {
        self.ops.push(Op::Unset(name.to_owned()));
        self
    }

    pub fn rename(mut self, from: &str, to: &str) -> Edits {
        self.ops.push(Op::Rename(from.to_owned(), to.to_owned()));
        self
    }

    pub fn include(mut self, name: &str) -> Edits {
        self.ops.push(Op::Include(name.to_owned()));
        self
    }

    fn into_ops(self) -> Vec<Op> {
        self.ops
    }
}

#[derive(Default)]
pub(super) struct Space {
    variants: Vec<Variant>,
}

impl Space {
    /// Adds a variant unless one with the same edits is there already.
    pub(super) fn push(&mut self, family: Family, label: String, ops: Vec<Op>) {
        if !ops.is_empty() && !self.variants.iter().any(|v| v.ops == ops) {
            self.variants.push(Variant { family, label, ops });
        }
    }
}

pub(super) fn secrets(protocol: &ProtocolSchema) -> Vec<&str> {
    protocol.credentials.iter().filter(|c| c.secret).map(|c| &*c.name).collect()
}

/// The key's place and spelling: the rule's suffix segment by segment (dropped, reordered, re-cased, without its
/// name or separator), then the usual forms for each secret credential, as suffix, prefix or both.
fn wraps(subject: &Subject, out: &mut Space) {
    let rule = subject.rule;
    let (prefix, suffix) = (rule.prefix.to_string(), rule.suffix.to_string());
    let mut wrap = |label: String, p: String, s: String| {
        if (p.as_str(), s.as_str()) != (prefix.as_str(), suffix.as_str()) {
            out.push(Family::Wrap, label, vec![Op::Wrap { prefix: p, suffix: s }]);
        }
    };
    let lead = suffix.starts_with('&');
    let segments: Vec<&str> = suffix.split('&').filter(|s| !s.is_empty()).collect();
    let join = |segs: &[String], lead: bool| {
        let body = segs.join("&");
        if lead && !body.is_empty() { format!("&{body}") } else { body }
    };
    let owned: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
    for i in 0..owned.len() {
        let mut dropped = owned.clone();
        let gone = dropped.remove(i);
        let s = join(&dropped, lead);
        wrap(format!("suffix `{s}` without `{gone}` (the rule's `{suffix}`)"), prefix.clone(), s);
        if let Some((name, value)) = owned[i].split_once('=') {
            for spelled in [name.to_uppercase(), name.to_lowercase(), capitalized(name)] {
                let mut recased = owned.clone();
                recased[i] = format!("{spelled}={value}");
                let s = join(&recased, lead);
                wrap(format!("suffix `{s}` (the rule's `{suffix}`)"), prefix.clone(), s);
            }
            let mut bare = owned.clone();
            bare[i] = value.to_owned();
            let s = join(&bare, lead);
            wrap(format!("suffix `{s}`, the value without its name (the rule's `{suffix}`)"), prefix.clone(), s);
        }
    }
    if owned.len() > 1 {
        let reversed: Vec<String> = owned.iter().rev().cloned().collect();
        let s = join(&reversed, lead);
        wrap(format!("suffix `{s}`, its parts in the other order (the rule's `{suffix}`)"), prefix.clone(), s);
    }
    if lead {
        let s = join(&owned, false);
        wrap(format!("suffix `{s}` without its leading `&` (the rule's `{suffix}`)"), prefix.clone(), s);
    }
    for secret in secrets(subject.protocol) {
        let v = format!("{{{secret}}}");
        let names = ["key".to_owned(), "KEY".to_owned(), "Key".to_owned(), secret.to_owned()];
        for name in &names {
            wrap(format!("suffix `&{name}={v}`"), String::new(), format!("&{name}={v}"));
            wrap(format!("suffix `{name}={v}` with no `&`"), String::new(), format!("{name}={v}"));
            wrap(format!("prefix `{name}={v}&`, not a suffix"), format!("{name}={v}&"), String::new());
        }
        wrap(format!("suffix `&{v}`"), String::new(), format!("&{v}"));
        wrap(format!("the key appended bare (`{v}`)"), String::new(), v.clone());
        wrap(format!("the key before the pairs (`{v}`), not after"), v.clone(), String::new());
        wrap(format!("the key before the pairs (`{v}&`), not after"), format!("{v}&"), String::new());
        wrap(format!("the key on both sides (`{v}…{v}`)"), v.clone(), v.clone());
    }
    wrap("no key at all: the pairs alone".into(), String::new(), String::new());
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()).unwrap_or_default()
}

/// Each signed field left out, each skipped one signed, each declared field the message lacks signed empty.
fn fields(subject: &Subject, out: &mut Space) {
    let rule = subject.rule;
    let envelope = subject.protocol.envelope(subject.direction);
    let declared: Vec<&str> = envelope.field_names().collect();
    let pairs = canonical::pairs(rule, &declared, subject.message);
    let mut seen: Vec<&str> = Vec::new();
    for entry in &pairs.entries {
        let root = root_name(&entry.name);
        if seen.contains(&root) {
            continue;
        }
        seen.push(root);
        match entry.skipped {
            None => out.push(Family::Fields, format!("`{root}` left out"), vec![Op::Remove(root.to_owned())]),
            Some(Skip::Excluded) if root == &*rule.field => {}
            Some(skip) => {
                let why = match skip {
                    Skip::Excluded => "the rule excludes it",
                    Skip::Empty => "though empty",
                    Skip::Undeclared => "though the envelope does not declare it",
                };
                let label = if skip == Skip::Empty {
                    format!("`{root}` signed {why} (`{root}=`)")
                } else {
                    format!("`{root}` signed too ({why})")
                };
                out.push(Family::Fields, label, vec![Op::Include(root.to_owned())]);
            }
        }
    }
    for field in envelope.fields.iter().filter(|f| f.role != EnvelopeRole::Signature) {
        if !subject.message.contains_key(&*field.name) {
            let label = format!("`{0}` signed as empty (`{0}=`), though the message does not carry it", field.name);
            out.push(Family::Fields, label, vec![Op::AddEmpty(field.name.to_string())]);
        }
    }
}

/// The rule's switches, each set otherwise.
fn switches(rule: &SignatureRule, out: &mut Space) {
    let sorts = [
        (KeyOrder::Bytes, "keys sorted case-sensitively (byte order)"),
        (KeyOrder::IgnoreCase, "keys sorted ignoring case"),
    ];
    for (order, label) in sorts.into_iter().filter(|(o, _)| *o != rule.sort) {
        out.push(Family::Sort, label.into(), vec![Op::Sort(order)]);
    }
    out.push(Family::Sort, "keys in the order sent, not sorted".into(), vec![Op::AsSent]);
    let empty = if rule.drop_empty { "empty values signed (`name=`)" } else { "empty values dropped" };
    out.push(Family::Empty, empty.into(), vec![Op::DropEmpty(!rule.drop_empty)]);
    let (covers, label) = match rule.covers {
        Coverage::Declared => (Coverage::All, "every field signed, declared or not"),
        Coverage::All => (Coverage::Declared, "only the envelope's declared fields signed"),
    };
    out.push(Family::Coverage, label.into(), vec![Op::Covers(covers)]);
    let nested = [
        (Nested::Json, "nested values as sorted JSON"),
        (Nested::Flatten, "nested values flattened (a.b=…)"),
        (Nested::Xml, "nested values as XML"),
    ];
    for (n, label) in nested.into_iter().filter(|(n, _)| *n != rule.nested) {
        out.push(Family::Nested, label.into(), vec![Op::Nested(n)]);
    }
    let numbers = match rule.numbers {
        Numbers::AsSent => (Numbers::Shortest, "numbers in shortest form (10.00 → 10)"),
        Numbers::Shortest => (Numbers::AsSent, "numbers signed as sent (10.00)"),
    };
    out.push(Family::Numbers, numbers.1.into(), vec![Op::Numbers(numbers.0)]);
}

/// Value forms; CDATA only where a binding carries XML, JSON forms only where a value is JSON.
fn forms(subject: &Subject, out: &mut Space) {
    let xml = subject.protocol.bindings.iter().any(|b| b.format == crate::schema::WireFormat::Xml);
    for form in Form::ALL {
        let family = if form.is_json() { Family::Json } else { Family::Values };
        if form == Form::Cdata && !xml {
            continue;
        }
        out.push(family, form.label().into(), vec![Op::Form(form)]);
    }
}

/// A wrong key of the usual kinds: another credential's value, the key trimmed or in another case.
fn keys(subject: &Subject, out: &mut Space) {
    for secret in secrets(subject.protocol) {
        let Some(value) = subject.inputs.get(secret) else { continue };
        for other in subject.protocol.credentials.iter().filter(|c| c.name != secret) {
            if let Some(v) = subject.inputs.get(&other.name) {
                let label = format!("`{}` used as `{secret}`", other.name);
                out.push(Family::Key, label, vec![Op::Secret(secret.to_owned(), v.to_owned())]);
            }
        }
        let changed = [
            (format!("`{secret}` trimmed of spaces"), value.trim().to_owned()),
            (format!("`{secret}` upper-cased"), value.to_uppercase()),
            (format!("`{secret}` lower-cased"), value.to_lowercase()),
        ];
        for (label, v) in changed.into_iter().filter(|(_, v)| v != value) {
            out.push(Family::Key, label, vec![Op::Secret(secret.to_owned(), v)]);
        }
    }
}
