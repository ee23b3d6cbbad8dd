//! The digest family: each step of the rule's chain replaced, then every digest the rule language knows, plain and
//! keyed by each secret credential, each chain once under the smallest change that makes it.

use super::variants::{Family, Op, Space, Subject, secrets};
use crate::schema::{DigestStep, HashAlgorithm, SignAlgorithm, SignatureEncoding};

pub fn step_name(step: &DigestStep) -> String {
    match step {
        DigestStep::Hash(a) => a.name().to_owned(),
        DigestStep::Hmac { algorithm, key } => format!("{} {key}", algorithm.hmac_name()),
        DigestStep::HexUpper => "hex-upper".into(),
        DigestStep::HexLower => "hex-lower".into(),
        DigestStep::Base64 => "base64".into(),
        DigestStep::Sign { algorithm, private, public, key_id } => match algorithm {
            SignAlgorithm::RsaSha256 => match key_id {
                None => format!("rsa-sha256 {private} {public}"),
                Some(id) => format!("rsa-sha256 {private} {public} key-id={id}"),
            },
            SignAlgorithm::Sm2Sm3 { user_id, encoding } => {
                let encoding = match encoding {
                    SignatureEncoding::Der => "der",
                    SignatureEncoding::Raw => "raw",
                    SignatureEncoding::Either => "either",
                };
                format!("sm2-sm3 {private} {public} {encoding} id={user_id}")
            }
        },
    }
}

fn chain_name(chain: &[DigestStep]) -> String {
    chain.iter().map(step_name).collect::<Vec<_>>().join(", ")
}

/// GM/T 0009's default signer id, what most libraries use when none is given.
pub const SM2_DEFAULT_USER_ID: &str = "1234567812345678";

const ALGORITHMS: [HashAlgorithm; 4] =
    [HashAlgorithm::Md5, HashAlgorithm::Sha1, HashAlgorithm::Sha256, HashAlgorithm::Sm3];
const ENCODINGS: [DigestStep; 3] = [DigestStep::HexUpper, DigestStep::HexLower, DigestStep::Base64];

/// Each step of the rule's chain replaced, then every digest the rule language knows, plain and keyed by each
/// secret credential.
pub(super) fn variants(subject: &Subject, out: &mut Space) {
    let chain = &subject.rule.digest;
    let rule_name = chain_name(chain);
    // Each chain once, under the name of the smallest change that makes it.
    let mut seen: Vec<Vec<DigestStep>> = vec![chain.to_vec()];
    for (i, step) in chain.iter().enumerate() {
        let others: Vec<(Family, DigestStep)> = match step {
            DigestStep::HexUpper | DigestStep::HexLower | DigestStep::Base64 => {
                ENCODINGS.iter().map(|e| (Family::Encoding, e.clone())).collect()
            }
            DigestStep::Hash(_) => ALGORITHMS.iter().map(|a| (Family::Digest, DigestStep::Hash(*a))).collect(),
            DigestStep::Hmac { algorithm, key } => ALGORITHMS
                .iter()
                .map(|a| (Family::Digest, DigestStep::Hmac { algorithm: *a, key: key.clone() }))
                .chain([(Family::Digest, DigestStep::Hash(*algorithm))])
                .collect(),
            // SM2's usual suspects: the other encoding of (r, s), and the user id left out or left at the default.
            DigestStep::Sign { algorithm: SignAlgorithm::Sm2Sm3 { user_id, encoding }, private, public, key_id } => {
                // Accepting either, the encoding is never the mistake.
                let other = match encoding {
                    SignatureEncoding::Der => Some(SignatureEncoding::Raw),
                    SignatureEncoding::Raw => Some(SignatureEncoding::Der),
                    SignatureEncoding::Either => None,
                };
                let ids = ["", SM2_DEFAULT_USER_ID].into_iter().filter(|id| *id != &**user_id);
                let with = |user_id: &str, encoding| DigestStep::Sign {
                    algorithm: SignAlgorithm::Sm2Sm3 { user_id: user_id.to_owned().into(), encoding },
                    private: private.clone(),
                    public: public.clone(),
                    key_id: key_id.clone(),
                };
                other
                    .map(|other| (Family::Encoding, with(user_id, other)))
                    .into_iter()
                    .chain(ids.map(|id| (Family::Key, with(id, *encoding))))
                    .collect()
            }
            DigestStep::Sign { .. } => Vec::new(),
        };
        for (family, other) in others {
            let mut new = chain.to_vec();
            new[i] = other.clone();
            if seen.contains(&new) {
                continue;
            }
            seen.push(new);
            let label = format!("{} instead of {} (step {} of {rule_name})", step_name(&other), step_name(step), i + 1);
            out.push(family, label, vec![Op::Step(i, other)]);
        }
    }
    let keyed: Vec<Option<&str>> =
        std::iter::once(None).chain(secrets(subject.protocol).into_iter().map(Some)).collect();
    for secret in keyed {
        for algorithm in ALGORITHMS {
            for encoding in &ENCODINGS {
                let first = match secret {
                    None => DigestStep::Hash(algorithm),
                    Some(s) => DigestStep::Hmac { algorithm, key: format!("{{{s}}}").into() },
                };
                let new = vec![first, encoding.clone()];
                if seen.contains(&new) {
                    continue;
                }
                seen.push(new.clone());
                let label = format!("{} instead of {rule_name}", chain_name(&new));
                out.push(Family::Digest, label, vec![Op::Chain(new)]);
            }
        }
    }
}
