//! Encryption schemes the tests and benchmarks build by hand, beside the specs' own.

use hisgate_runtime::schema::*;

/// WeChat Pay v3's callback box: `resource.ciphertext` under `algorithm` in GCM, its nonce and associated data in
/// `resource.nonce` and `resource.associated_data`, Base64 of ciphertext‖tag, the key from the template `key`.
pub fn gcm_resource(name: &'static str, algorithm: BlockAlgorithm, key: &'static str) -> CipherScheme {
    CipherScheme {
        name: Str::Borrowed(name),
        cipher: SchemeCipher::Symmetric {
            params: CipherParams {
                algorithm,
                mode: BlockMode::Gcm,
                padding: Padding::None,
                iv: None,
                encoding: TextEncoding::Base64,
                nonce: Some(Str::Borrowed("resource.nonce")),
                associated_data: Some(Str::Borrowed("resource.associated_data")),
            },
            key: KeySource { template: Str::Borrowed(key), steps: Seq::Borrowed(&[]) },
        },
    }
}
