//! How a platform talks, as data: credentials, envelopes and the signature rule (the encryption rule is in
//! `encryption`). The engines in `signature` and `cipher` execute these; nothing about any one platform lives in Rust.

use super::{EncryptionRule, Seq, SourcePos, Str};

#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolSchema {
    pub description: Str,
    pub credentials: Seq<CredentialSchema>,
    pub request: EnvelopeSchema,
    pub response: EnvelopeSchema,
    pub signature: SignatureRule,
    /// A sender's own rule for what it sends — its calls and its answers — in place of `signature`
    /// (`signed_by: { platform: … }`: WeChat Pay signs its answers and notifications otherwise than merchants sign).
    pub signed_by: Seq<SenderRule>,
    pub encryption: Option<EncryptionRule>,
    /// How envelopes travel over HTTP; the first is the default.
    pub bindings: Seq<BindingSchema>,
    /// The return code a server answers each failure of its pipeline with.
    pub failures: FailureCodes,
    /// A window that rejects stale and replayed requests (glorycard).
    pub freshness: Option<Freshness>,
    pub origin: SourcePos,
}

/// The wire form of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireFormat {
    Json,
    Xml,
}

impl WireFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WireFormat::Json => "json",
            WireFormat::Xml => "xml",
        }
    }
}

/// One way the envelope travels over HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingSchema {
    /// What callers choose it by (`--binding xml`).
    pub name: Str,
    pub method: HttpMethod,
    /// The envelope's format; for GET, the fields travel in the query and the payload in this format.
    pub format: WireFormat,
    /// Path templates for each providing side; `{service}` is the interface's service, `{path}` its own path.
    pub hospital_path: Str,
    pub platform_path: Str,
    /// SOAP wraps the XML envelope as the string parameter of an operation named after the service.
    pub soap: Option<SoapVersion>,
    pub description: Str,
}

impl BindingSchema {
    pub fn path(&self, side: super::Side) -> &str {
        match side {
            super::Side::Hospital => &self.hospital_path,
            super::Side::Platform => &self.platform_path,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    Soap11,
    Soap12,
}

/// The return codes of a server's own failures, before or around the business handler.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureCodes {
    /// No body at all.
    pub empty: Str,
    /// A body that is not the envelope: malformed XML or JSON, a DOCTYPE, too deep, too large.
    pub malformed: Str,
    /// A body in another charset than UTF-8: bytes that are not UTF-8, an XML declaration or a content type naming
    /// another (`gbk`). The spec's `malformed` where the platform has no code of its own.
    pub charset: Str,
    /// No interface of this side has the service the request names.
    pub unknown_service: Str,
    pub signature: Str,
    pub decrypt: Str,
    /// The business payload fails validation.
    pub invalid: Str,
    /// A request outside the freshness window, or replayed within it.
    pub stale: Str,
    /// The handler does not implement the interface.
    pub unsupported: Str,
    pub internal: Str,
}

/// Requests must carry a recent timestamp, and a signature is accepted once within the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Freshness {
    /// The envelope field with the request time (its `format` reads it).
    pub field: Str,
    /// The default window either side of the server's clock, in seconds; a server may configure another.
    pub window_seconds: u32,
}

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Request,
    Response,
}

/// The rule of the messages one side sends.
#[derive(Debug, Clone, PartialEq)]
pub struct SenderRule {
    pub sender: super::Side,
    pub rule: SignatureRule,
}

impl ProtocolSchema {
    /// The rule a message is signed under: its sender's own, else `signature`.
    pub fn rule_of(&self, sender: super::Side) -> &SignatureRule {
        self.signed_by.iter().find(|r| r.sender == sender).map_or(&self.signature, |r| &r.rule)
    }

    /// Every rule: `signature`, then the senders' own.
    pub fn rules(&self) -> impl Iterator<Item = &SignatureRule> {
        std::iter::once(&self.signature).chain(self.signed_by.iter().map(|r| &r.rule))
    }

    pub fn envelope(&self, direction: Direction) -> &EnvelopeSchema {
        match direction {
            Direction::Request => &self.request,
            Direction::Response => &self.response,
        }
    }

    pub fn credential(&self, name: &str) -> Option<&CredentialSchema> {
        self.credentials.iter().find(|c| c.name == name)
    }
}

/// Something a party configures: a key, an app id, a partner name.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialSchema {
    /// Referenced as `{name}` in templates; the CLI flag is its kebab-case (`--app-secret`), the environment
    /// variable `HISGATE_` and its SCREAMING_SNAKE_CASE (`HISGATE_APP_SECRET`).
    pub name: Str,
    pub title: Str,
    /// Never printed: errors and explanations show a fingerprint.
    pub secret: bool,
    pub description: Str,
    pub example: Option<Str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeSchema {
    /// XML root element, where the envelope travels as XML.
    pub root: Option<Str>,
    pub fields: Seq<EnvelopeField>,
    pub payload: PayloadPlacement,
}

impl EnvelopeSchema {
    pub fn field(&self, name: &str) -> Option<&EnvelopeField> {
        self.fields.iter().find(|f| f.name == name || f.aliases.iter().any(|a| a == name))
    }

    /// Every name a field of the envelope may arrive under: its own and its aliases.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().flat_map(|f| std::iter::once(&*f.name).chain(f.aliases.iter().map(|a| &**a)))
    }

    pub fn field_with_role(&self, role: EnvelopeRole) -> Option<&EnvelopeField> {
        self.fields.iter().find(|f| f.role == role)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeField {
    pub name: Str,
    pub title: Str,
    pub description: Str,
    pub required: bool,
    pub place: Place,
    pub role: EnvelopeRole,
    /// What a sender writes: a template over credentials and call inputs (`{partner}`, `md5`).
    pub value: Option<Str>,
    /// The values a receiver accepts, when the document restricts them.
    pub accepts: Seq<Str>,
    /// The return code for a value outside `accepts`, or one that differs from the receiver's own credential.
    pub reject: Option<Str>,
    /// The date/time format of a time field (a timestamp).
    pub format: Option<super::TimeFormat>,
    pub max_chars: Option<u32>,
    pub aliases: Seq<Str>,
    pub errata: Seq<Str>,
}

/// Where an envelope field travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Body,
    Header,
    Query,
}

/// What an envelope field is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeRole {
    Plain,
    /// Carries the signature.
    Signature,
    /// Carries the return code of a response.
    Code,
    /// Carries the return message of a response.
    Message,
    /// Names the encryption scheme in use (onepay `encryptType`).
    Scheme,
}

/// Where the business payload sits in the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadPlacement {
    /// The field holding the plaintext payload; `None` when the payload's fields are the body's own (glorycard).
    pub field: Option<Str>,
    /// The field holding the encrypted payload, when encryption applies (shaanxi `requestEncrypted`).
    pub ciphertext: Option<Str>,
}

/// How the canonical string is built and digested.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureRule {
    /// The envelope field that carries the signature (its `place` says body or header).
    pub field: Str,
    pub covers: Coverage,
    /// Fields never signed (`sign`, `signType`, `encryptData`).
    pub exclude: Seq<Str>,
    /// `""` and `null` values are left out.
    pub drop_empty: bool,
    pub sort: KeyOrder,
    /// How one field is written: `{name}={value}`.
    pub pair: Str,
    pub join: Str,
    pub nested: Nested,
    pub numbers: Numbers,
    /// Templates written before and after the pairs: `&key={key}`, `&key={key}&timestamp={timestamp}`.
    pub prefix: Str,
    pub suffix: Str,
    pub digest: Seq<DigestStep>,
    pub order: SignOrder,
    pub compare: Compare,
    pub description: Str,
    /// The lines canonical form, in place of pairs: each template rendered and ended by `\n` (WeChat Pay v3's
    /// `{method}`, `{path}`, `{timestamp}`, `{nonce}`, `{body}`: the body as sent). Empty for the pairs form.
    pub lines: Seq<Str>,
    /// A structured carrier: the signature field's value is this template with `{signature}` in it
    /// (`WECHATPAY2-SHA256-RSA2048 mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",…`); a receiver
    /// reads each `name="{input}"` parameter back into that input.
    pub carrier: Option<Str>,
    /// Headers the rule writes beside its signature (`Wechatpay-Timestamp: "{timestamp}"`), which a receiver reads
    /// back under the same names for its lines; a lines rule only.
    pub headers: Seq<RuleHeader>,
}

/// A header a signature rule writes: its name and the template of its value.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleHeader {
    pub name: Str,
    pub value: Str,
}

impl SignatureRule {
    /// Whether the canonical string is the lines form.
    pub fn is_lines(&self) -> bool {
        !self.lines.is_empty()
    }

    /// Whether a template of the rule (its lines, carrier, headers, prefix) reads input `name`, whole or sliced.
    pub fn reads(&self, name: &str) -> bool {
        self.templates().any(|t| crate::template::reads(t, name))
    }

    /// The rule's templates: its lines, carrier, headers and prefix.
    pub fn templates(&self) -> impl Iterator<Item = &str> {
        let headers = self.headers.iter().map(|h| &*h.value);
        let lines = self.lines.iter().chain(self.carrier.iter()).map(|t| &**t);
        lines.chain(headers).chain([&*self.prefix])
    }
}

/// Which fields of a message are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// The fields the envelope declares (an undeclared `logNo` is not signed).
    Declared,
    /// Every field of the message.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// UTF-8 byte order: case-sensitive, `Z` before `a`.
    Bytes,
    /// Case folded first, byte order to break ties.
    IgnoreCase,
}

/// How an object or array value is written into the canonical string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nested {
    /// Dotted paths with indices: `detail.amount=10`, `list[0].name=x`.
    Flatten,
    /// Compact JSON with keys sorted recursively.
    Json,
    /// Compact XML of the element's children, text escaped.
    Xml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// Digit for digit as received: `10.00`.
    AsSent,
    /// Trailing zeros stripped: `10.00` → `10`, `1.50` → `1.5`.
    Shortest,
}

/// One step of the digest chain; each takes the previous step's bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum DigestStep {
    Hash(HashAlgorithm),
    /// HMAC keyed by a template (`{key}`).
    Hmac {
        algorithm: HashAlgorithm,
        key: Str,
    },
    HexUpper,
    HexLower,
    Base64,
    /// Signs the bytes so far with a private key (a sender's own), or verifies them against a public key (the
    /// counterpart's): both templates over the credentials. What follows only encodes the signature's bytes.
    Sign {
        algorithm: SignAlgorithm,
        private: Str,
        public: Str,
        /// A key ring: the public key template names a directory of `<id>.pem` files, and this template, over what
        /// the message carries (a `Wechatpay-Serial`, a carrier's `serial_no`), gives the id of the one that verifies.
        key_id: Option<Str>,
    },
}

/// A signature scheme that signs instead of hashing.
#[derive(Debug, Clone, PartialEq)]
pub enum SignAlgorithm {
    /// RSASSA-PKCS1-v1_5 over SHA-256 (Alipay's RSA2, WeChat Pay v3's SHA256withRSA).
    RsaSha256,
    /// SM2 over SM3 (GM/T 0003-2012) with the signer's user id in Z_A, the signature as DER or raw `r‖s`.
    Sm2Sm3 { user_id: Str, encoding: SignatureEncoding },
}

/// How an SM2 (or ECDSA-like) signature's two numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// ASN.1 `SEQUENCE { r INTEGER, s INTEGER }` (Java's `Signature`, BouncyCastle, gmssl).
    Der,
    /// `r‖s`, 32 bytes each (sm-crypto in JavaScript, many PHP libraries).
    Raw,
    /// Written as DER, either form accepted on receipt (told apart by length: raw is exactly 64 bytes): a receiver
    /// whose counterparts differ (a Java client, a PHP one).
    Either,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Md5,
    Sha1,
    Sha256,
    Sm3,
}

impl SignAlgorithm {
    pub fn name(&self) -> &'static str {
        match self {
            SignAlgorithm::RsaSha256 => "rsa-sha256",
            SignAlgorithm::Sm2Sm3 { .. } => "sm2-sm3",
        }
    }
}

impl HashAlgorithm {
    pub fn hmac_name(self) -> &'static str {
        match self {
            HashAlgorithm::Md5 => "hmac-md5",
            HashAlgorithm::Sha1 => "hmac-sha1",
            HashAlgorithm::Sha256 => "hmac-sha256",
            HashAlgorithm::Sm3 => "hmac-sm3",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Md5 => "md5",
            HashAlgorithm::Sha1 => "sha1",
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sm3 => "sm3",
        }
    }
}

/// Which is signed: the ciphertext (the receiver verifies, then decrypts) or the plaintext (it decrypts, then
/// verifies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOrder {
    EncryptThenSign,
    SignThenEncrypt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Exact,
    /// Hex digests compared without regard to case.
    IgnoreCase,
}
