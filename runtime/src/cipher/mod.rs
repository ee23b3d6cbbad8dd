//! The encryption engine: block ciphers with PKCS#7 padding, and GCM with its nonce and associated data, under keys
//! the spec declares (a credential's bytes, or a derivation chain such as onepay's); and SM2 public-key encryption
//! under the counterpart's public key. Ciphertexts are written as Base64 or hex.

pub mod gcm;
mod sm2;

use crate::keys::KeyError;
use crate::schema::{
    BlockAlgorithm, BlockMode, CipherParams, CipherScheme, KeySource, KeyStep, SchemeCipher, TextEncoding,
};
use crate::secret::Inputs;
use crate::template::{self, TemplateError};
use base64::Engine;
use cipher::block_padding::Pkcs7;
use cipher::{BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    #[error("{0}")]
    Template(#[from] TemplateError),
    #[error("the {algorithm} key must be {expected} bytes, this one is {found}")]
    KeyLength { algorithm: &'static str, expected: usize, found: usize },
    #[error("the IV must be {expected} bytes, this one is {found}")]
    IvLength { expected: usize, found: usize },
    #[error("CBC needs an IV and the scheme declares none")]
    NoIv,
    #[error("the ciphertext is not {0}")]
    Encoding(&'static str),
    #[error("the ciphertext is {found} bytes, not a whole number of {block}-byte blocks")]
    Length { found: usize, block: usize },
    #[error("bad padding: wrong key, or a damaged ciphertext")]
    Padding,
    #[error("the plaintext is not UTF-8: wrong key, or a damaged ciphertext")]
    Utf8,
    #[error("key derivation: `take {take}` needs {take} characters, the text has {found}")]
    TakeTooLong { take: u32, found: usize },
    #[error("GCM needs a nonce from the message field `{0}`, and there is none")]
    NoNonce(String),
    #[error("the nonce in `{field}` is {found} bytes; GCM takes 12")]
    NonceLength { field: String, found: usize },
    #[error("the ciphertext is {found} bytes, shorter than GCM's 16-byte tag")]
    NoTag { found: usize },
    #[error("the GCM tag does not match: wrong key, nonce or associated data, or a damaged ciphertext")]
    Tag,
    #[error("{0} has no GCM mode")]
    NotGcm(&'static str),
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("SM2 encrypts at least one byte; the text is empty")]
    Sm2Empty,
    #[error("SM2 encryption found no random k: the operating system's generator failed")]
    Sm2Random,
    #[error("the SM2 ciphertext ({found} bytes) does not decrypt: wrong private key, or a damaged ciphertext")]
    Sm2 { found: usize },
    #[error(
        "the SM2 ciphertext is {found}; the spec says {declared} (it decrypts as the former: declare what the \
         counterpart writes)"
    )]
    Sm2Form { found: String, declared: String },
}

/// Encrypts `plaintext` and writes the ciphertext as the scheme's text encoding.
pub fn encrypt(scheme: &CipherScheme, plaintext: &[u8], inputs: &Inputs) -> Result<String, CipherError> {
    match &scheme.cipher {
        SchemeCipher::Symmetric { params, key: source } => {
            encrypt_with(params, &key(source, inputs)?, plaintext, inputs)
        }
        SchemeCipher::Sm2(params) => Ok(encode(params.encoding, &sm2::encrypt(params, plaintext, inputs)?)),
    }
}

/// Decodes and decrypts a ciphertext; the plaintext must be UTF-8.
pub fn decrypt(scheme: &CipherScheme, ciphertext: &str, inputs: &Inputs) -> Result<String, CipherError> {
    match &scheme.cipher {
        SchemeCipher::Symmetric { params, key: source } => {
            decrypt_with(params, &key(source, inputs)?, ciphertext, inputs)
        }
        SchemeCipher::Sm2(params) => {
            let raw = decode(params.encoding, ciphertext.trim())?;
            String::from_utf8(sm2::decrypt(params, &raw, inputs)?).map_err(|_| CipherError::Utf8)
        }
    }
}

/// The key's bytes: the template's text, transformed by each derivation step.
pub fn key(source: &KeySource, inputs: &Inputs) -> Result<Vec<u8>, CipherError> {
    derive(source, inputs, |_| {})
}

/// The key's bytes with the text after each stage (the template, then each step) for a debugger or the docs: the
/// derived text is key material, so callers show it only for example credentials.
pub fn key_trace(source: &KeySource, inputs: &Inputs) -> Result<(Vec<u8>, Vec<String>), CipherError> {
    let mut trace = Vec::with_capacity(source.steps.len() + 1);
    let key = derive(source, inputs, |text| trace.push(text.to_owned()))?;
    Ok((key, trace))
}

fn derive(source: &KeySource, inputs: &Inputs, mut observe: impl FnMut(&str)) -> Result<Vec<u8>, CipherError> {
    let mut text = template::render(&source.template, inputs)?;
    observe(&text);
    for step in source.steps.iter() {
        text = match step {
            KeyStep::Encrypt { cipher, key } => {
                let key = template::render(key, inputs)?;
                encrypt_with(cipher, key.as_bytes(), text.as_bytes(), inputs)?
            }
            KeyStep::Take(n) => {
                let found = text.chars().count();
                if found < *n as usize {
                    return Err(CipherError::TakeTooLong { take: *n, found });
                }
                text.chars().take(*n as usize).collect()
            }
        };
        observe(&text);
    }
    Ok(text.into_bytes())
}

pub fn encrypt_with(
    params: &CipherParams,
    key: &[u8],
    plaintext: &[u8],
    inputs: &Inputs,
) -> Result<String, CipherError> {
    check_key(params.algorithm, key)?;
    if params.mode == BlockMode::Gcm {
        let parts = gcm::Parts::read(params, inputs)?;
        return Ok(encode(params.encoding, &gcm::seal(params, key, &parts, plaintext)?));
    }
    let iv = iv(params, inputs)?;
    let raw = match params.algorithm {
        BlockAlgorithm::Aes128 => seal::<aes::Aes128>(params, key, &iv, plaintext),
        BlockAlgorithm::Aes192 => seal::<aes::Aes192>(params, key, &iv, plaintext),
        BlockAlgorithm::Aes256 => seal::<aes::Aes256>(params, key, &iv, plaintext),
        BlockAlgorithm::Des => seal::<des::Des>(params, key, &iv, plaintext),
        BlockAlgorithm::Sm4 => seal::<sm4::Sm4>(params, key, &iv, plaintext),
    }?;
    Ok(encode(params.encoding, &raw))
}

pub fn decrypt_with(
    params: &CipherParams,
    key: &[u8],
    ciphertext: &str,
    inputs: &Inputs,
) -> Result<String, CipherError> {
    check_key(params.algorithm, key)?;
    let raw = decode(params.encoding, ciphertext.trim())?;
    if params.mode == BlockMode::Gcm {
        let parts = gcm::Parts::read(params, inputs)?;
        return String::from_utf8(gcm::open(params, key, &parts, &raw)?).map_err(|_| CipherError::Utf8);
    }
    let iv = iv(params, inputs)?;
    let block = params.algorithm.block_len();
    if raw.is_empty() || raw.len() % block != 0 {
        return Err(CipherError::Length { found: raw.len(), block });
    }
    let plain = match params.algorithm {
        BlockAlgorithm::Aes128 => open::<aes::Aes128>(params, key, &iv, &raw),
        BlockAlgorithm::Aes192 => open::<aes::Aes192>(params, key, &iv, &raw),
        BlockAlgorithm::Aes256 => open::<aes::Aes256>(params, key, &iv, &raw),
        BlockAlgorithm::Des => open::<des::Des>(params, key, &iv, &raw),
        BlockAlgorithm::Sm4 => open::<sm4::Sm4>(params, key, &iv, &raw),
    }?;
    String::from_utf8(plain).map_err(|_| CipherError::Utf8)
}

fn check_key(algorithm: BlockAlgorithm, key: &[u8]) -> Result<(), CipherError> {
    let expected = algorithm.key_len();
    if key.len() != expected {
        return Err(CipherError::KeyLength { algorithm: algorithm.name(), expected, found: key.len() });
    }
    Ok(())
}

fn iv(params: &CipherParams, inputs: &Inputs) -> Result<Vec<u8>, CipherError> {
    match (params.mode, &params.iv) {
        (BlockMode::Ecb | BlockMode::Gcm, _) => Ok(Vec::new()),
        (BlockMode::Cbc, None) => Err(CipherError::NoIv),
        (BlockMode::Cbc, Some(template)) => {
            let iv = template::render(template, inputs)?.into_bytes();
            let expected = params.algorithm.block_len();
            if iv.len() != expected {
                return Err(CipherError::IvLength { expected, found: iv.len() });
            }
            Ok(iv)
        }
    }
}

fn seal<C>(params: &CipherParams, key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CipherError>
where
    C: BlockCipherEncrypt + KeyInit,
{
    let length = |_| CipherError::KeyLength { algorithm: params.algorithm.name(), expected: 0, found: key.len() };
    Ok(match params.mode {
        // GCM returned before; PKCS#7 is the block modes' only padding (lowering gives them no other).
        BlockMode::Ecb | BlockMode::Gcm => {
            ecb::Encryptor::<C>::new_from_slice(key).map_err(length)?.encrypt_padded_vec::<Pkcs7>(plaintext)
        }
        BlockMode::Cbc => {
            let iv_error = |_| CipherError::IvLength { expected: params.algorithm.block_len(), found: iv.len() };
            cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(iv_error)?.encrypt_padded_vec::<Pkcs7>(plaintext)
        }
    })
}

fn open<C>(params: &CipherParams, key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CipherError>
where
    C: BlockCipherDecrypt + KeyInit,
{
    let length = |_| CipherError::KeyLength { algorithm: params.algorithm.name(), expected: 0, found: key.len() };
    let plain = match params.mode {
        BlockMode::Ecb | BlockMode::Gcm => {
            ecb::Decryptor::<C>::new_from_slice(key).map_err(length)?.decrypt_padded_vec::<Pkcs7>(ciphertext)
        }
        BlockMode::Cbc => {
            let iv_error = |_| CipherError::IvLength { expected: params.algorithm.block_len(), found: iv.len() };
            cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(iv_error)?.decrypt_padded_vec::<Pkcs7>(ciphertext)
        }
    };
    plain.map_err(|_| CipherError::Padding)
}

/// Standard Base64 with padding, read strictly (canonical padding and trailing bits), on the SIMD engine the CPU
/// has (AVX2, NEON) and the scalar one otherwise: the same text either way, about three times faster over the
/// 16 KB ciphertext of a ten-order QueryRegister reply, which every such reply writes.
static BASE64: std::sync::LazyLock<base64::engine::Simd> =
    std::sync::LazyLock::new(|| base64::engine::Simd::standard(base64::engine::general_purpose::PAD));

pub fn encode(encoding: TextEncoding, raw: &[u8]) -> String {
    match encoding {
        TextEncoding::Base64 => BASE64.encode(raw),
        TextEncoding::HexUpper => base16ct::upper::encode_string(raw),
        TextEncoding::HexLower => base16ct::lower::encode_string(raw),
    }
}

pub fn decode(encoding: TextEncoding, text: &str) -> Result<Vec<u8>, CipherError> {
    match encoding {
        TextEncoding::Base64 => BASE64.decode(text).map_err(|_| CipherError::Encoding("Base64")),
        // Either case is read: a counterpart may write lowercase where the spec says uppercase.
        TextEncoding::HexUpper | TextEncoding::HexLower => {
            base16ct::mixed::decode_vec(text).map_err(|_| CipherError::Encoding("hex"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Padding, Str};

    /// The SIMD engine writes what the scalar one writes and refuses what it refuses, at every length around its
    /// vector widths: a lenient decode would read a damaged ciphertext as another one.
    #[test]
    fn base64_reads_and_writes_as_the_scalar_engine_does() {
        let scalar = base64::engine::general_purpose::STANDARD;
        let bytes: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for len in 0..bytes.len() {
            let written = encode(TextEncoding::Base64, &bytes[..len]);
            assert_eq!(written, scalar.encode(&bytes[..len]), "{len} bytes");
            assert_eq!(decode(TextEncoding::Base64, &written), Ok(bytes[..len].to_vec()), "{len} bytes");
            // Damaged: a character outside the alphabet, a space, padding cut off, a non-canonical last symbol.
            let mut damaged = vec![written.replacen('A', "*", 1), format!(" {written}"), written.replace('=', "")];
            if written.ends_with("==") {
                let at = written.len() - 3;
                let last = char::from(written.as_bytes()[at]);
                let bumped = if last == 'A' { 'B' } else { 'A' };
                damaged.push(format!("{}{bumped}==", &written[..at]));
            }
            for text in damaged.into_iter().filter(|d| *d != written) {
                let expected = scalar.decode(&text).map_err(|_| CipherError::Encoding("Base64"));
                assert_eq!(decode(TextEncoding::Base64, &text), expected, "{text:?}");
            }
        }
    }

    fn params(algorithm: BlockAlgorithm, mode: BlockMode, iv: Option<&'static str>) -> CipherParams {
        CipherParams {
            algorithm,
            mode,
            padding: Padding::Pkcs7,
            iv: iv.map(Str::Borrowed),
            encoding: TextEncoding::HexLower,
            nonce: None,
            associated_data: None,
        }
    }

    #[test]
    fn sm4_matches_the_standards_vector() {
        // GB/T 32907-2016, appendix A: the first block of the PKCS#7-padded message is the standard's ciphertext.
        let key = base16ct::mixed::decode_vec("0123456789abcdeffedcba9876543210").unwrap();
        let out = encrypt_with(&params(BlockAlgorithm::Sm4, BlockMode::Ecb, None), &key, &key, &Inputs::new()).unwrap();
        assert!(out.starts_with("681edf34d206965e86b3e94f536e4246"), "{out}");
    }

    #[test]
    fn bad_keys_lengths_encodings_and_padding_are_errors() {
        let inputs = Inputs::new();
        let ecb = params(BlockAlgorithm::Aes128, BlockMode::Ecb, None);
        let key = b"2098D32C4D1399EC";
        assert_eq!(
            encrypt_with(&ecb, b"short", b"x", &inputs),
            Err(CipherError::KeyLength { algorithm: "AES-128", expected: 16, found: 5 })
        );
        assert_eq!(decrypt_with(&ecb, key, "zz", &inputs), Err(CipherError::Encoding("hex")));
        assert_eq!(decrypt_with(&ecb, key, "00ff", &inputs), Err(CipherError::Length { found: 2, block: 16 }));
        assert_eq!(decrypt_with(&ecb, key, &"00".repeat(16), &inputs), Err(CipherError::Padding));
        let cbc = params(BlockAlgorithm::Des, BlockMode::Cbc, Some("0102030405060708"));
        assert_eq!(
            encrypt_with(&cbc, b"12345678", b"x", &inputs),
            Err(CipherError::IvLength { expected: 8, found: 16 })
        );
        let no_iv = params(BlockAlgorithm::Sm4, BlockMode::Cbc, None);
        assert_eq!(encrypt_with(&no_iv, key, b"x", &inputs), Err(CipherError::NoIv));
    }
}
