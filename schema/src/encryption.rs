//! The encryption rule: schemes under a shared key (block ciphers, GCM) or a public key (SM2), with the text form of
//! their ciphertext and the derivation of their keys.

use super::{Seq, Str};

#[derive(Debug, Clone, PartialEq)]
pub struct EncryptionRule {
    /// The envelope field whose value names the scheme (`encryptType`); without one the first scheme applies.
    pub select: Option<Str>,
    pub schemes: Seq<CipherScheme>,
    pub description: Str,
}

impl EncryptionRule {
    /// The scheme a selector value names, or the first one when the rule has no selector.
    pub fn scheme(&self, selector: Option<&str>) -> Option<&CipherScheme> {
        match (&self.select, selector) {
            (None, _) => self.schemes.first(),
            (Some(_), Some(name)) => self.schemes.iter().find(|s| s.name == name),
            (Some(_), None) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CipherScheme {
    pub name: Str,
    pub cipher: SchemeCipher,
}

impl CipherScheme {
    /// The text form of the ciphertext.
    pub fn encoding(&self) -> TextEncoding {
        match &self.cipher {
            SchemeCipher::Symmetric { params, .. } => params.encoding,
            SchemeCipher::Sm2(sm2) => sm2.encoding,
        }
    }

    /// The block cipher's parameters, for a scheme under a shared key.
    pub fn symmetric(&self) -> Option<&CipherParams> {
        match &self.cipher {
            SchemeCipher::Symmetric { params, .. } => Some(params),
            SchemeCipher::Sm2(_) => None,
        }
    }

    /// The GCM parameters (the message fields of the nonce and associated data), for an AEAD scheme.
    pub fn gcm(&self) -> Option<&CipherParams> {
        self.symmetric().filter(|p| p.mode == BlockMode::Gcm)
    }
}

/// How a scheme encrypts: under a key both sides share, or under the receiver's public key.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemeCipher {
    /// A block cipher (ECB, CBC or GCM) under a key the spec derives from the credentials.
    Symmetric { params: CipherParams, key: KeySource },
    /// SM2 public-key encryption (GB/T 32918.4, GM/T 0003-2012 part 4).
    Sm2(Sm2Cipher),
}

/// SM2 encryption: a sender encrypts with the counterpart's public key, a receiver decrypts with its own private
/// key; both templates over the credentials, as a signing step names them.
#[derive(Debug, Clone, PartialEq)]
pub struct Sm2Cipher {
    pub form: Sm2Form,
    pub encoding: TextEncoding,
    /// The counterpart's public key: what a sender encrypts with.
    pub public: Str,
    /// The party's own private key: what a receiver decrypts with.
    pub private: Str,
}

/// How the ciphertext's three parts are laid out in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sm2Form {
    /// The parts concatenated, C1 a point in SEC 1's uncompressed form.
    Raw { order: Sm2Order, point: PointPrefix },
    /// GM/T 0009's ASN.1 `SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING, ciphertext OCTET STRING }`.
    Der,
}

impl Sm2Form {
    /// Every form: what a receiver tries when a ciphertext does not open as the spec says, to name the one it is.
    pub const ALL: [Sm2Form; 5] = [
        Sm2Form::Raw { order: Sm2Order::C1C3C2, point: PointPrefix::With04 },
        Sm2Form::Raw { order: Sm2Order::C1C3C2, point: PointPrefix::Without04 },
        Sm2Form::Raw { order: Sm2Order::C1C2C3, point: PointPrefix::With04 },
        Sm2Form::Raw { order: Sm2Order::C1C2C3, point: PointPrefix::Without04 },
        Sm2Form::Der,
    ];
}

/// The order of C1 (the point), C2 (the ciphertext proper) and C3 (the SM3 hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sm2Order {
    /// GM/T 0003-2012 and GB/T 32918.4-2016: the standard order.
    C1C3C2,
    /// The order of the 2010 draft, which BouncyCastle's `SM2Engine` and sm-crypto's `cipherMode 0` still write.
    C1C2C3,
}

impl Sm2Order {
    pub fn name(self) -> &'static str {
        match self {
            Sm2Order::C1C3C2 => "c1c3c2",
            Sm2Order::C1C2C3 => "c1c2c3",
        }
    }
}

/// Whether the text carries C1's `04` (uncompressed point) prefix: sm-crypto and gmssl leave it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointPrefix {
    With04,
    Without04,
}

impl PointPrefix {
    pub fn name(self) -> &'static str {
        match self {
            PointPrefix::With04 => "with-04",
            PointPrefix::Without04 => "without-04",
        }
    }
}

/// A block cipher with its mode, padding, IV and the text form of its output.
#[derive(Debug, Clone, PartialEq)]
pub struct CipherParams {
    pub algorithm: BlockAlgorithm,
    pub mode: BlockMode,
    pub padding: Padding,
    /// A template whose UTF-8 bytes are the IV (CBC only).
    pub iv: Option<Str>,
    pub encoding: TextEncoding,
    /// GCM only: the message field whose text's UTF-8 bytes are the 12-byte nonce (WeChat Pay v3's
    /// `resource.nonce`). A receiver reads it; a sender writes a fresh one unless given one.
    pub nonce: Option<Str>,
    /// GCM only: the message field whose text's UTF-8 bytes are the associated data, authenticated but not
    /// encrypted; absent or empty means none.
    pub associated_data: Option<Str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockAlgorithm {
    Aes128,
    Aes192,
    Aes256,
    Des,
    Sm4,
}

impl BlockAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            BlockAlgorithm::Aes128 => "AES-128",
            BlockAlgorithm::Aes192 => "AES-192",
            BlockAlgorithm::Aes256 => "AES-256",
            BlockAlgorithm::Des => "DES",
            BlockAlgorithm::Sm4 => "SM4",
        }
    }

    pub fn key_len(self) -> usize {
        match self {
            BlockAlgorithm::Aes128 | BlockAlgorithm::Sm4 => 16,
            BlockAlgorithm::Aes192 => 24,
            BlockAlgorithm::Aes256 => 32,
            BlockAlgorithm::Des => 8,
        }
    }

    pub fn block_len(self) -> usize {
        match self {
            BlockAlgorithm::Des => 8,
            _ => 16,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockMode {
    Ecb,
    Cbc,
    /// Galois/Counter Mode (NIST SP 800-38D): an AEAD whose output is the ciphertext followed by the 16-byte tag.
    Gcm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// PKCS#7, which is PKCS#5 for 8-byte blocks.
    Pkcs7,
    /// No padding: GCM is a stream mode.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Base64,
    HexUpper,
    HexLower,
}

/// A key: a template's text, then derivation steps, then its UTF-8 bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySource {
    pub template: Str,
    pub steps: Seq<KeyStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum KeyStep {
    /// Encrypts the text so far under another key; the result is the cipher's text form.
    Encrypt { cipher: CipherParams, key: Str },
    /// Keeps the first N characters.
    Take(u32),
}
