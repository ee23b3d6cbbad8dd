//! One exchange as the journal keeps it: what went each way, what hisgate made of it, and its verdict.

use crate::signature::diagnose::Diagnosis;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What became of an exchange, worst first: the journal's first filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The upstream did not answer, timed out, or answered something that is not the platform's reply.
    UpstreamError,
    /// The request's or the reply's signature does not verify.
    SignatureFailed,
    /// The request or the reply breaks the spec (a violation, or a refusal the server pipeline would answer).
    Invalid,
    /// Read and valid both ways, with a return code other than success.
    BusinessError,
    #[default]
    Ok,
}

impl Verdict {
    pub const ALL: [Verdict; 5] =
        [Verdict::UpstreamError, Verdict::SignatureFailed, Verdict::Invalid, Verdict::BusinessError, Verdict::Ok];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::UpstreamError => "upstream_error",
            Verdict::SignatureFailed => "signature_failed",
            Verdict::Invalid => "invalid",
            Verdict::BusinessError => "business_error",
            Verdict::Ok => "ok",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == text.replace('-', "_"))
    }
}

/// A message's signature, as hisgate found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Signature {
    Verified,
    Failed,
    /// Not reached: the message was refused or unreadable before its signature, or never arrived.
    #[default]
    Unchecked,
}

impl Signature {
    pub fn as_str(self) -> &'static str {
        match self {
            Signature::Verified => "verified",
            Signature::Failed => "failed",
            Signature::Unchecked => "unchecked",
        }
    }
}

/// A rule the payload breaks: field (wire names from the root), rule, and what is wrong, sensitive values redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broken {
    pub field: String,
    pub rule: String,
    pub detail: String,
}

impl From<&crate::Violation> for Broken {
    fn from(v: &crate::Violation) -> Broken {
        Broken { field: v.path.clone(), rule: v.rule.to_string(), detail: v.detail.clone() }
    }
}

/// One direction of an exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Side {
    pub signature: Signature,
    /// On a signature that does not verify: which variant of the rule reproduces it (`hisgate explain`'s search).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// The rules broken that the strictness refuses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Broken>,
    /// The rules broken that the strictness only warns about (`--warn`, `--strictness warn`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Broken>,
    /// Request: the code and reason the server pipeline refuses it with. Reply: why it cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refused>,
    /// The envelope's fields, the payload taken out.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub envelope: Map<String, Value>,
    /// The decrypted payload, every sensitive field redacted as the spec declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The platform's return code; empty where the platform has none for it.
    pub code: String,
    pub detail: String,
}

/// A business key's value, as `keys:` declares it (redacted where the field is sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub name: String,
    pub value: String,
}

/// One request and its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Exchange {
    /// The journal's id; 0 before it is written.
    pub id: i64,
    /// When the request arrived, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub platform: String,
    /// The interface, where the request named one the spec has.
    pub interface: Option<String>,
    /// The side providing it (the upstream's role).
    pub provider: Option<String>,
    pub binding: Option<String>,
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The HTTP status the caller got.
    pub status: u16,
    /// From the request's arrival to the reply's last byte from the upstream (or the refusal).
    pub latency_us: u64,
    pub verdict: Verdict,
    /// Whether the request reached the upstream (`--enforce` refuses some).
    pub forwarded: bool,
    /// The reply's business return code and message.
    pub code: Option<String>,
    pub message: Option<String>,
    pub keys: Vec<Key>,
    /// What went wrong between the proxy and the upstream: refused connection, timeout, an unreadable answer.
    pub upstream_error: Option<String>,
    pub request: Side,
    pub reply: Side,
}
