//! The signature engine: one data-driven implementation of every platform's rule.

pub mod asymmetric;
pub mod canonical;
pub mod carrier;
pub mod diagnose;
mod digests;
pub mod forms;
mod names;
mod payload;
mod suspects;
pub mod variants;

use crate::schema::{
    Compare, DigestStep, Direction, EnvelopeSchema, HashAlgorithm, ProtocolSchema, SignatureRule, TextEncoding,
};
use crate::secret::Inputs;
use crate::template::{self, TemplateError};
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
    #[error("{0}")]
    Key(#[from] asymmetric::KeyError),
    #[error("after a signing step a chain may only encode (hex-upper, hex-lower, base64)")]
    AfterSigning,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no signature: the message has no `{0}`")]
    Missing(String),
    #[error("signature does not match ({received} characters received, the rule gives {expected})")]
    Mismatch { received: usize, expected: usize },
    #[error("signature does not verify under the public key ({public})")]
    NotVerified { public: String },
    #[error("{0}")]
    Sign(#[from] SignError),
    #[error("`{field}` is not `{scheme} name=\"value\",…` as the rule's carrier says")]
    Carrier { field: String, scheme: String },
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
        // Made at its size: collected from the nested iterator, it was grown twice or three times (a signature
        // made and one verified a request each make one).
        let mut declared = Vec::with_capacity(envelope.fields.iter().map(|f| 1 + f.aliases.len()).sum());
        declared.extend(
            envelope.fields.iter().flat_map(|f| std::iter::once(&*f.name).chain(f.aliases.iter().map(|a| &**a))),
        );
        Signer { rule, declared }
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
        if self.rule.is_lines() {
            // Each line ends with `\n`, the last one too: WeChat Pay's string to sign ends in one.
            for line in self.rule.lines.iter() {
                out.push_str(&template::render(line, inputs)?);
                out.push('\n');
            }
            return Ok(out);
        }
        pairs.join_into(self.rule, &mut out, &template::render(&self.rule.suffix, inputs)?);
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

    /// Checks `received` against the message: recomputed and compared in constant time, or, where the rule signs
    /// with a private key, verified against the counterpart's public key.
    pub fn verify(&self, message: &Map<String, Value>, inputs: &Inputs, received: &str) -> Result<(), VerifyError> {
        let canonical = self.canonical(message, inputs)?;
        if let Some(public) = asymmetric_public(&self.rule.digest, inputs)? {
            return match check_chain(&self.rule.digest, self.rule.compare, canonical.as_bytes(), inputs, received)? {
                true => Ok(()),
                false => Err(VerifyError::NotVerified { public: crate::secret::fingerprint(&public) }),
            };
        }
        let expected = digest_value(&self.rule.digest, canonical.as_bytes(), inputs)?;
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

/// The public key text of a chain that signs with a private key, rendered from the inputs; `None` for a digest.
fn asymmetric_public(steps: &[DigestStep], inputs: &Inputs) -> Result<Option<String>, SignError> {
    match steps.iter().find(|s| matches!(s, DigestStep::Sign { .. })) {
        Some(step) => Ok(Some(public_key(step, inputs)?)),
        None => Ok(None),
    }
}

/// A signing step's verifying key: its public template rendered, or, with a key id, the ring's key of that id.
fn public_key(step: &DigestStep, inputs: &Inputs) -> Result<String, SignError> {
    let DigestStep::Sign { public, key_id, .. } = step else { return Ok(String::new()) };
    let public = template::render(public, inputs)?;
    match key_id {
        None => Ok(public),
        Some(id) => Ok(asymmetric::ring_key(&public, &template::render(id, inputs)?)?),
    }
}

/// Whether `received` is `input`'s signature under the chain: recomputed and compared in constant time for a
/// digest; for a chain that signs, the steps before the signing run over `input`, the encodings after it are
/// undone on `received`, and the result is verified against the public key.
pub fn check_chain(
    steps: &[DigestStep],
    compare: Compare,
    input: &[u8],
    inputs: &Inputs,
    received: &str,
) -> Result<bool, SignError> {
    let Some(at) = steps.iter().position(|s| matches!(s, DigestStep::Sign { .. })) else {
        return Ok(matches(compare, &digest_value(steps, input, inputs)?, received));
    };
    let DigestStep::Sign { algorithm, .. } = &steps[at] else { unreachable!("found above") };
    let (signed, _) = run_steps(&steps[..at], input, inputs, |_, _, _| {})?;
    let mut signature = received.trim().as_bytes().to_vec();
    for step in steps[at + 1..].iter().rev() {
        let text = String::from_utf8_lossy(&signature).into_owned();
        let decoded = match step {
            DigestStep::Base64 => crate::cipher::decode(TextEncoding::Base64, &text).ok(),
            // Either case is read, as a ciphertext's hex is.
            DigestStep::HexUpper | DigestStep::HexLower => crate::cipher::decode(TextEncoding::HexUpper, &text).ok(),
            _ => return Err(SignError::AfterSigning),
        };
        let Some(decoded) = decoded else { return Ok(false) };
        signature = decoded;
    }
    let public = public_key(&steps[at], inputs)?;
    Ok(asymmetric::verify(algorithm, &public, &signed, &signature)?)
}

fn run_chain(
    steps: &[DigestStep],
    input: &[u8],
    inputs: &Inputs,
    observe: impl FnMut(&str, &[u8], bool),
) -> Result<String, SignError> {
    let (bytes, text) = run_steps(steps, input, inputs, observe)?;
    if !text {
        return Err(SignError::Binary);
    }
    String::from_utf8(bytes).map_err(|_| SignError::Binary)
}

/// Runs the steps over `input`: the last output, and whether it is text.
fn run_steps(
    steps: &[DigestStep],
    input: &[u8],
    inputs: &Inputs,
    mut observe: impl FnMut(&str, &[u8], bool),
) -> Result<(Vec<u8>, bool), SignError> {
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
            DigestStep::HexUpper => {
                ("hex-upper", crate::cipher::encode(TextEncoding::HexUpper, &bytes).into_bytes(), true)
            }
            DigestStep::HexLower => {
                ("hex-lower", crate::cipher::encode(TextEncoding::HexLower, &bytes).into_bytes(), true)
            }
            DigestStep::Base64 => ("base64", crate::cipher::encode(TextEncoding::Base64, &bytes).into_bytes(), true),
            DigestStep::Sign { algorithm, private, .. } => {
                let key = template::render(private, inputs)?;
                (algorithm.name(), asymmetric::sign(algorithm, &key, &bytes)?, false)
            }
        };
        observe(name, &out, is_text);
        bytes = std::borrow::Cow::Owned(out);
        text = is_text;
    }
    Ok((bytes.into_owned(), text))
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
