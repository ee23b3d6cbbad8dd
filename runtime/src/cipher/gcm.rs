//! GCM, the AEAD of WeChat Pay v3's callback resources (`AEAD_AES_256_GCM`) and of SM4-GCM: the output is the
//! ciphertext followed by the 16-byte tag, the nonce and the associated data come from the message's own fields.

use super::CipherError;
use crate::schema::{BlockAlgorithm, CipherParams};
use crate::secret::Inputs;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{AesGcm, KeyInit};

/// The nonce's length: 96 bits, the only one every GCM implementation (Java's, OpenSSL's, WeChat's) agrees on.
pub const NONCE_LEN: usize = 12;
/// The tag's length, appended to the ciphertext.
pub const TAG_LEN: usize = 16;

/// The nonce and associated data a GCM scheme reads: the message fields' text, as the envelope put them into the
/// inputs under the fields' names.
pub(super) struct Parts<'i> {
    nonce: &'i [u8],
    associated_data: &'i [u8],
}

impl<'i> Parts<'i> {
    pub(super) fn read(params: &CipherParams, inputs: &'i Inputs) -> Result<Parts<'i>, CipherError> {
        let field = params.nonce.as_deref().unwrap_or("nonce");
        let nonce = inputs.get(field).ok_or_else(|| CipherError::NoNonce(field.to_owned()))?.as_bytes();
        if nonce.len() != NONCE_LEN {
            return Err(CipherError::NonceLength { field: field.to_owned(), found: nonce.len() });
        }
        let associated_data = params.associated_data.as_deref().and_then(|f| inputs.get(f)).unwrap_or("").as_bytes();
        Ok(Parts { nonce, associated_data })
    }
}

pub(super) fn seal(params: &CipherParams, key: &[u8], parts: &Parts, plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
    let payload = Payload { msg: plaintext, aad: parts.associated_data };
    // Encryption fails only for a message past GCM's 64 GiB bound, which no body limit lets through.
    let failed = |_| CipherError::Length { found: plaintext.len(), block: 16 };
    match params.algorithm {
        BlockAlgorithm::Aes128 => aead::<aes::Aes128>(key)?.encrypt(nonce(parts), payload).map_err(failed),
        BlockAlgorithm::Aes256 => aead::<aes::Aes256>(key)?.encrypt(nonce(parts), payload).map_err(failed),
        BlockAlgorithm::Sm4 => aead::<sm4::Sm4>(key)?.encrypt(nonce(parts), payload).map_err(failed),
        other => Err(CipherError::NotGcm(other.name())),
    }
}

pub(super) fn open(params: &CipherParams, key: &[u8], parts: &Parts, sealed: &[u8]) -> Result<Vec<u8>, CipherError> {
    if sealed.len() < TAG_LEN {
        return Err(CipherError::NoTag { found: sealed.len() });
    }
    let payload = Payload { msg: sealed, aad: parts.associated_data };
    let tag = |_| CipherError::Tag;
    match params.algorithm {
        BlockAlgorithm::Aes128 => aead::<aes::Aes128>(key)?.decrypt(nonce(parts), payload).map_err(tag),
        BlockAlgorithm::Aes256 => aead::<aes::Aes256>(key)?.decrypt(nonce(parts), payload).map_err(tag),
        BlockAlgorithm::Sm4 => aead::<sm4::Sm4>(key)?.decrypt(nonce(parts), payload).map_err(tag),
        other => Err(CipherError::NotGcm(other.name())),
    }
}

fn nonce<'a>(parts: &'a Parts) -> &'a aes_gcm::Nonce<U12> {
    // `Parts::read` checked the length.
    parts.nonce.try_into().expect("a 12-byte nonce")
}

/// RustCrypto's GCM over any 128-bit block cipher: SM4 runs through the same code as AES.
fn aead<C>(key: &[u8]) -> Result<AesGcm<C, U12>, CipherError>
where
    AesGcm<C, U12>: KeyInit,
{
    // `check_key` ran first; this is the same length test, so its error names the expected length.
    AesGcm::<C, U12>::new_from_slice(key).map_err(|_| CipherError::KeyLength {
        algorithm: "GCM",
        expected: 0,
        found: key.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{BlockMode, Padding, TextEncoding};

    fn params(algorithm: BlockAlgorithm) -> CipherParams {
        CipherParams {
            algorithm,
            mode: BlockMode::Gcm,
            padding: Padding::None,
            iv: None,
            encoding: TextEncoding::HexLower,
            nonce: None,
            associated_data: None,
        }
    }

    fn hex(text: &str) -> Vec<u8> {
        base16ct::mixed::decode_vec(text).unwrap()
    }

    /// Seals `plaintext`, compares with `expected` (ciphertext‖tag), opens it back, and refuses it under another
    /// associated data.
    fn vector(algorithm: BlockAlgorithm, key: &str, nonce: &str, aad: &str, plaintext: &str, expected: &str) {
        let (nonce, aad) = (hex(nonce), hex(aad));
        let parts = Parts { nonce: &nonce, associated_data: &aad };
        let params = params(algorithm);
        let sealed = seal(&params, &hex(key), &parts, &hex(plaintext)).unwrap();
        assert_eq!(base16ct::lower::encode_string(&sealed), expected.to_lowercase());
        assert_eq!(open(&params, &hex(key), &parts, &sealed).unwrap(), hex(plaintext));
        let other = Parts { nonce: &nonce, associated_data: b"" };
        assert_eq!(open(&params, &hex(key), &other, &sealed), Err(CipherError::Tag));
    }

    #[test]
    fn aes_256_gcm_matches_the_gcm_papers_test_case_16() {
        // McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16 (NIST's GCM submission).
        vector(
            BlockAlgorithm::Aes256,
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            "cafebabefacedbaddecaf888",
            "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662\
             76fc6ece0f4e1768cddf8853bb2d551b",
        );
    }

    #[test]
    fn sm4_gcm_matches_rfc_8998() {
        // RFC 8998 (ShangMi in TLS 1.3), appendix A.1: SM4-GCM.
        vector(
            BlockAlgorithm::Sm4,
            "0123456789ABCDEFFEDCBA9876543210",
            "00001234567800000000ABCD",
            "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2",
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D\
             83DE3541E4C2B58177E065A9BF7B62EC",
        );
    }

    #[test]
    fn a_short_ciphertext_a_missing_or_wrong_sized_nonce_are_errors() {
        let mut params = params(BlockAlgorithm::Aes256);
        params.nonce = Some("resource.nonce".into());
        let inputs = Inputs::new();
        assert_eq!(Parts::read(&params, &inputs).err(), Some(CipherError::NoNonce("resource.nonce".into())));
        let inputs = Inputs::new().with("resource.nonce", "short");
        let found = Parts::read(&params, &inputs).err();
        assert_eq!(found, Some(CipherError::NonceLength { field: "resource.nonce".into(), found: 5 }));
        let parts = Parts { nonce: b"0123456789ab", associated_data: b"" };
        assert_eq!(open(&params, &[7; 32], &parts, &[1; 15]), Err(CipherError::NoTag { found: 15 }));
    }
}
