//! The signature engine: one data-driven implementation of every platform's rule.

pub mod canonical;
pub mod diagnose;
mod digests;
pub mod forms;
mod names;
mod payload;
pub mod variants;

use crate::schema::{Compare, DigestStep, Direction, EnvelopeSchema, HashAlgorithm, ProtocolSchema, SignatureRule};
use crate::secret::Inputs;
use crate::template::{self, TemplateError};
use base64::Engine;
use canonical::Pairs;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Digest;
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("{0}")]
    Template(#[from] TemplateError),
    #[error("the digest chain ends in raw bytes; it must end with hex-upper, hex-lower or base64")]
    Binary,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no signature: the message has no `{0}`")]
    Missing(String),
    #[error("signature does not match ({received} characters received, the rule gives {expected})")]
    Mismatch { received: usize, expected: usize },
    #[error("{0}")]
    Sign(#[from] SignError),
}

/// What signing produced, with every intermediate value for a debugger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature<'m> {
    pub pairs: Pairs<'m>,
    /// The full string to digest: prefix, pairs, suffix.
    pub canonical: String,
    /// Each digest step's name and output (binary outputs shown as lowercase hex).
    pub steps: Vec<(String, String)>,
    pub value: String,
}

/// Signs and verifies messages of one envelope under one rule.
#[derive(Debug, Clone)]
pub struct Signer<'p> {
    rule: &'p SignatureRule,
    declared: Vec<&'p str>,
}

impl<'p> Signer<'p> {
    /// `envelope` tells which fields are declared, for rules that sign declared fields only.
    pub fn new(rule: &'p SignatureRule, envelope: &'p EnvelopeSchema) -> Signer<'p> {
        let declared =
            envelope.fields.iter().flat_map(|f| std::iter::once(&*f.name).chain(f.aliases.iter().map(|a| &**a)));
        Signer { rule, declared: declared.collect() }
    }

    /// The signer of a protocol's requests or responses.
    pub fn for_protocol(protocol: &'p ProtocolSchema, direction: Direction) -> Signer<'p> {
        Signer::new(&protocol.signature, protocol.envelope(direction))
    }

    pub fn rule(&self) -> &SignatureRule {
        self.rule
    }

    pub fn pairs<'m>(&self, message: &'m Map<String, Value>) -> Pairs<'m> {
        canonical::pairs(self.rule, &self.declared, message)
    }

    /// The string to digest: prefix, pairs, suffix.
    pub fn canonical(&self, message: &Map<String, Value>, inputs: &Inputs) -> Result<String, SignError> {
        let pairs = self.pairs(message);
        Ok(self.wrap(&pairs, inputs)?)
    }

    fn wrap(&self, pairs: &Pairs, inputs: &Inputs) -> Result<String, TemplateError> {
        let mut out = template::render(&self.rule.prefix, inputs)?;
        pairs.join_into(self.rule, &mut out);
        out.push_str(&template::render(&self.rule.suffix, inputs)?);
        Ok(out)
    }

    /// The string to digest as it may be shown: secret inputs appear as their placeholders (`&key={key}`).
    pub fn shown_canonical(&self, message: &Map<String, Value>, inputs: &Inputs) -> Result<String, SignError> {
        Ok(self.wrap(&self.pairs(message), &inputs.masked())?)
    }

    pub fn sign<'m>(&self, message: &'m Map<String, Value>, inputs: &Inputs) -> Result<Signature<'m>, SignError> {
        let pairs = self.pairs(message);
        let canonical = self.wrap(&pairs, inputs)?;
        let (value, steps) = digest(&self.rule.digest, canonical.as_bytes(), inputs)?;
        Ok(Signature { pairs, canonical, steps, value })
    }

    /// The signature alone, without the debugger's record of how it was made.
    pub fn value(&self, message: &Map<String, Value>, inputs: &Inputs) -> Result<String, SignError> {
        let canonical = self.canonical(message, inputs)?;
        digest_value(&self.rule.digest, canonical.as_bytes(), inputs)
    }

    /// Checks `received` against the message in constant time.
    pub fn verify(&self, message: &Map<String, Value>, inputs: &Inputs, received: &str) -> Result<(), VerifyError> {
        let expected = self.value(message, inputs)?;
        if matches(self.rule.compare, &expected, received) {
            Ok(())
        } else {
            Err(VerifyError::Mismatch { received: received.chars().count(), expected: expected.chars().count() })
        }
    }

    /// Checks the signature the message carries in the rule's field.
    pub fn verify_embedded(&self, message: &Map<String, Value>, inputs: &Inputs) -> Result<(), VerifyError> {
        let received = message.get(&*self.rule.field).and_then(Value::as_str);
        let received = received.ok_or_else(|| VerifyError::Missing(self.rule.field.to_string()))?;
        self.verify(message, inputs, received)
    }
}

/// Constant-time comparison; `ignore-case` folds ASCII case first.
fn matches(compare: Compare, expected: &str, received: &str) -> bool {
    match compare {
        Compare::Exact => expected.as_bytes().ct_eq(received.as_bytes()).into(),
        Compare::IgnoreCase => {
            let (a, b) = (expected.to_ascii_lowercase(), received.to_ascii_lowercase());
            a.as_bytes().ct_eq(b.as_bytes()).into()
        }
    }
}

/// Runs the digest chain over `input`; returns the final text and each step's output.
pub fn digest(
    steps: &[DigestStep],
    input: &[u8],
    inputs: &Inputs,
) -> Result<(String, Vec<(String, String)>), SignError> {
    let mut trace = Vec::with_capacity(steps.len());
    let value = run_chain(steps, input, inputs, |name, out, is_text| {
        let shown =
            if is_text { String::from_utf8_lossy(out).into_owned() } else { base16ct::lower::encode_string(out) };
        trace.push((name.to_owned(), shown));
    })?;
    Ok((value, trace))
}

/// The digest chain's final text only.
pub fn digest_value(steps: &[DigestStep], input: &[u8], inputs: &Inputs) -> Result<String, SignError> {
    run_chain(steps, input, inputs, |_, _, _| {})
}

fn run_chain(
    steps: &[DigestStep],
    input: &[u8],
    inputs: &Inputs,
    mut observe: impl FnMut(&str, &[u8], bool),
) -> Result<String, SignError> {
    // The input is read where it lies; only step outputs are owned.
    let mut bytes: std::borrow::Cow<[u8]> = std::borrow::Cow::Borrowed(input);
    let mut text = true;
    for step in steps {
        let (name, out, is_text): (&str, Vec<u8>, bool) = match step {
            DigestStep::Hash(algorithm) => (algorithm.name(), hash(*algorithm, &bytes), false),
            DigestStep::Hmac { algorithm, key } => {
                let key = template::render(key, inputs)?;
                (algorithm.hmac_name(), hmac(*algorithm, key.as_bytes(), &bytes), false)
            }
            DigestStep::HexUpper => ("hex-upper", base16ct::upper::encode_string(&bytes).into_bytes(), true),
            DigestStep::HexLower => ("hex-lower", base16ct::lower::encode_string(&bytes).into_bytes(), true),
            DigestStep::Base64 => {
                ("base64", base64::engine::general_purpose::STANDARD.encode(&*bytes).into_bytes(), true)
            }
        };
        observe(name, &out, is_text);
        bytes = std::borrow::Cow::Owned(out);
        text = is_text;
    }
    if !text {
        return Err(SignError::Binary);
    }
    String::from_utf8(bytes.into_owned()).map_err(|_| SignError::Binary)
}

fn hash(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        HashAlgorithm::Md5 => md5::Md5::digest(data).to_vec(),
        HashAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        HashAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
        HashAlgorithm::Sm3 => sm3::Sm3::digest(data).to_vec(),
    }
}

fn hmac(algorithm: HashAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <M as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    match algorithm {
        HashAlgorithm::Md5 => run::<Hmac<md5::Md5>>(key, data),
        HashAlgorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, data),
        HashAlgorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, data),
        HashAlgorithm::Sm3 => run::<Hmac<sm3::Sm3>>(key, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_matches_the_standards_vector() {
        // GB/T 32905-2016, appendix A.1: SM3("abc").
        let (value, _) =
            digest(&[DigestStep::Hash(HashAlgorithm::Sm3), DigestStep::HexLower], b"abc", &Inputs::new()).unwrap();
        assert_eq!(value, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn a_chain_must_end_in_text() {
        let steps = [DigestStep::Hash(HashAlgorithm::Md5)];
        assert_eq!(digest(&steps, b"x", &Inputs::new()), Err(SignError::Binary));
    }
}
