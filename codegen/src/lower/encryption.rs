//! The encryption rule of `protocol.yaml` into the IR: schemes, their ciphers (block modes with padding and IV,
//! GCM with the message fields of its nonce and associated data, SM2 with its ciphertext form) and key derivations.

use super::{Lowerer, opt, text};
use crate::ident;
use crate::spec::ast::*;
use hisgate_schema::template;
use hisgate_schema::*;
use std::collections::BTreeSet;

impl Lowerer<'_> {
    pub(super) fn encryption(
        &mut self,
        ast: &EncryptionAst,
        request: &EnvelopeSchema,
        known: &BTreeSet<String>,
    ) -> EncryptionRule {
        if let Some(select) = &ast.select
            && select.value.contains('.')
        {
            self.member_path(select, "`select`");
        } else if let Some(select) = &ast.select
            && request.field(&select.value).is_none_or(|f| f.role != EnvelopeRole::Scheme)
        {
            let message =
                format!("`select` names `{}`, which is not a request field with `role: scheme`", select.value);
            self.diags.error(&select.pos, message);
        }
        let mut names = BTreeSet::new();
        let mut schemes = Vec::new();
        for scheme in &ast.schemes {
            let Some(name) = &scheme.name else { continue };
            if !names.insert(name.value.clone()) {
                self.diags.error(&name.pos, format!("duplicate scheme `{}`", name.value));
            }
            let cipher = if scheme.cipher.cipher.as_ref().is_some_and(|c| c.value == "sm2") {
                SchemeCipher::Sm2(self.sm2(scheme, known))
            } else {
                self.symmetric(scheme, known)
            };
            schemes.push(CipherScheme { name: Str::Owned(name.value.clone()), cipher });
        }
        if schemes.is_empty() {
            self.diags.error(&ast.pos, "`encryption` needs at least one scheme");
        }
        EncryptionRule { select: opt(&ast.select), schemes: Seq::Owned(schemes), description: text(&ast.description) }
    }

    /// A block cipher under a key derived from the credentials.
    fn symmetric(&mut self, scheme: &SchemeAst, known: &BTreeSet<String>) -> SchemeCipher {
        let params = self.cipher(&scheme.cipher, &scheme.pos, known);
        let sm2 = &scheme.sm2;
        for (key, value) in [
            ("form", &sm2.form),
            ("order", &sm2.order),
            ("point", &sm2.point),
            ("public", &sm2.public),
            ("private", &sm2.private),
        ] {
            if let Some(v) = value {
                let message = format!("`{key}` belongs to an SM2 cipher (`cipher: sm2`), not this one");
                self.diags.error(&v.pos, message);
            }
        }
        if let Some(t) = &scheme.key_template {
            self.template(&t.value, &t.pos, known);
        }
        let steps = scheme.key_steps.iter().filter_map(|s| self.key_step(s, known)).collect::<Vec<_>>();
        if params.mode == BlockMode::Gcm && params.nonce.is_none() {
            self.diags.error(&scheme.pos, "a GCM cipher needs a `nonce`: the message field that carries it");
        }
        SchemeCipher::Symmetric {
            params,
            key: KeySource { template: text(&scheme.key_template), steps: Seq::Owned(steps) },
        }
    }

    /// SM2 public-key encryption: the ciphertext's form, and the two key templates in place of `key`.
    fn sm2(&mut self, scheme: &SchemeAst, known: &BTreeSet<String>) -> Sm2Cipher {
        let ast = &scheme.cipher;
        for (key, value) in [
            ("padding", &ast.padding),
            ("iv", &ast.iv),
            ("nonce", &ast.nonce),
            ("associated_data", &ast.associated_data),
        ] {
            if let Some(v) = value {
                let message =
                    format!("an SM2 cipher takes no `{key}`: it encrypts with a public key, not a block cipher");
                self.diags.error(&v.pos, message);
            }
        }
        if let Some(key) = &scheme.key_template {
            let message = "an SM2 cipher takes `public` and `private` (the counterpart's public key, the party's own \
                           private key), not `key`";
            self.diags.error(&key.pos, message);
        }
        let sm2 = &scheme.sm2;
        for (key, value, what) in [
            ("public", &sm2.public, "the counterpart's public key, which a sender encrypts with"),
            ("private", &sm2.private, "the party's own private key, which a receiver decrypts with"),
        ] {
            match value {
                Some(t) => self.template(&t.value, &t.pos, known),
                None => self.diags.error(&scheme.pos, format!("an SM2 cipher needs `{key}`: a template of {what}")),
            }
        }
        let form = self.keyword(&sm2.form, "form", &[("raw", true), ("der", false)], true);
        let form = if form {
            let order = self.keyword(
                &sm2.order,
                "order",
                &[("c1c3c2", Sm2Order::C1C3C2), ("c1c2c3", Sm2Order::C1C2C3)],
                Sm2Order::C1C3C2,
            );
            let point = self.keyword(
                &sm2.point,
                "point",
                &[("with-04", PointPrefix::With04), ("without-04", PointPrefix::Without04)],
                PointPrefix::With04,
            );
            Sm2Form::Raw { order, point }
        } else {
            for (key, value) in [("order", &sm2.order), ("point", &sm2.point)] {
                if let Some(v) = value {
                    let message = format!(
                        "`{key}` belongs to `form: raw`: DER writes C1 as two INTEGERs and its parts in GM/T 0009's \
                         order (x, y, hash, ciphertext)"
                    );
                    self.diags.error(&v.pos, message);
                }
            }
            Sm2Form::Der
        };
        Sm2Cipher {
            form,
            encoding: self.encoding(&ast.encoding),
            public: text(&sm2.public),
            private: text(&sm2.private),
        }
    }

    fn encoding(&mut self, encoding: &Option<S>) -> TextEncoding {
        self.keyword(
            encoding,
            "encoding",
            &[
                ("base64", TextEncoding::Base64),
                ("hex-upper", TextEncoding::HexUpper),
                ("hex-lower", TextEncoding::HexLower),
            ],
            TextEncoding::Base64,
        )
    }

    fn key_step(&mut self, step: &KeyStepAst, known: &BTreeSet<String>) -> Option<KeyStep> {
        match step {
            KeyStepAst::Encrypt { cipher, key, pos } => {
                let key = key.as_ref()?;
                self.template(&key.value, &key.pos, known);
                let params = self.cipher(cipher, pos, known);
                let sm2 = cipher.cipher.as_ref().is_some_and(|c| c.value == "sm2");
                if params.mode == BlockMode::Gcm && !sm2 {
                    self.diags.error(pos, "a key derivation step takes a block cipher (-ecb or -cbc), not GCM");
                }
                Some(KeyStep::Encrypt { cipher: params, key: Str::Owned(key.value.clone()) })
            }
            KeyStepAst::Take(n) => match n.value.parse::<u32>() {
                Ok(n) if n > 0 => Some(KeyStep::Take(n)),
                _ => {
                    self.diags.error(&n.pos, format!("`take` needs a whole number above 0, found `{}`", n.value));
                    None
                }
            },
        }
    }

    fn cipher(&mut self, ast: &CipherAst, at: &SourcePos, known: &BTreeSet<String>) -> CipherParams {
        let (algorithm, mode) = match ast.cipher.as_ref().map(|c| c.value.as_str()) {
            Some(name) => match parse_cipher(name) {
                Some(pair) => pair,
                // Only a key step gets here with it: a scheme's SM2 lowers apart.
                None if name == "sm2" => {
                    let pos = &ast.cipher.as_ref().map_or(at, |c| &c.pos);
                    self.diags.error(pos, "a key derivation step takes a block cipher (-ecb or -cbc), not SM2");
                    // Read on as a stream mode, so that the step's missing `padding` is not a second error.
                    (BlockAlgorithm::Aes128, BlockMode::Gcm)
                }
                None => {
                    let pos = &ast.cipher.as_ref().map_or(at, |c| &c.pos);
                    let message = format!(
                        "unknown cipher `{name}` (expected aes-128-ecb, aes-128-cbc, aes-128-gcm, aes-192-…, aes-256-…, des-ecb, des-cbc, sm4-ecb, sm4-cbc, sm4-gcm, sm2)"
                    );
                    self.diags.error(pos, message);
                    // Read on as the mode it names, so that an unknown GCM cipher is one error, not three.
                    let mode = if name.ends_with("-gcm") { BlockMode::Gcm } else { BlockMode::Ecb };
                    (BlockAlgorithm::Aes128, mode)
                }
            },
            None => (BlockAlgorithm::Aes128, BlockMode::Ecb),
        };
        let padding = match (mode, &ast.padding) {
            (BlockMode::Gcm, None) => Padding::None,
            (BlockMode::Gcm, Some(p)) => {
                self.diags.error(&p.pos, "a GCM cipher takes no `padding`: it is a stream mode");
                Padding::None
            }
            (_, None) => {
                self.diags.error(at, "missing required key `padding`");
                Padding::Pkcs7
            }
            (_, padding) => self.keyword(
                padding,
                "padding",
                &[("pkcs7", Padding::Pkcs7), ("pkcs5", Padding::Pkcs7)],
                Padding::Pkcs7,
            ),
        };
        let encoding = self.encoding(&ast.encoding);
        match (mode, &ast.iv) {
            (BlockMode::Cbc, None) => self.diags.error(at, "a CBC cipher needs an `iv`"),
            (BlockMode::Ecb, Some(iv)) => self.diags.error(&iv.pos, "an ECB cipher takes no `iv`"),
            (BlockMode::Gcm, Some(iv)) => self
                .diags
                .error(&iv.pos, "a GCM cipher takes no `iv`: its `nonce` names the message field that carries it"),
            (BlockMode::Cbc, Some(iv)) => {
                self.template(&iv.value, &iv.pos, known);
                let literal = template::names(&iv.value).is_ok_and(|n| n.is_empty());
                if literal && iv.value.len() != algorithm.block_len() {
                    let message = format!(
                        "the IV `{}` is {} bytes; {} needs {}",
                        iv.value,
                        iv.value.len(),
                        algorithm.name(),
                        algorithm.block_len()
                    );
                    self.diags.error(&iv.pos, message);
                }
            }
            (BlockMode::Ecb | BlockMode::Gcm, None) => {}
        }
        for (key, value) in [("nonce", &ast.nonce), ("associated_data", &ast.associated_data)] {
            match (mode, value) {
                (BlockMode::Gcm, Some(v)) => self.member_path(v, &format!("`{key}`")),
                (_, Some(v)) => self.diags.error(&v.pos, format!("`{key}` belongs to a GCM cipher, not this one")),
                (_, None) => {}
            }
        }
        let (nonce, associated_data) = (opt(&ast.nonce), opt(&ast.associated_data));
        CipherParams { algorithm, mode, padding, iv: opt(&ast.iv), encoding, nonce, associated_data }
    }

    /// A message field named by a wire name, or a dotted path into the body's objects (`resource.nonce`).
    pub(super) fn member_path(&mut self, path: &S, what: &str) {
        if !path.value.split('.').all(ident::is_wire_name) {
            let message = format!(
                "{what} names `{}`, which is no field: a wire name, or a dotted path of them (`resource.nonce`)",
                path.value
            );
            self.diags.error(&path.pos, message);
        }
    }
}

fn parse_cipher(name: &str) -> Option<(BlockAlgorithm, BlockMode)> {
    let (algorithm, mode) = name.rsplit_once('-')?;
    let algorithm = match algorithm {
        "aes-128" => BlockAlgorithm::Aes128,
        "aes-192" => BlockAlgorithm::Aes192,
        "aes-256" => BlockAlgorithm::Aes256,
        "des" => BlockAlgorithm::Des,
        "sm4" => BlockAlgorithm::Sm4,
        _ => return None,
    };
    let mode = match mode {
        "ecb" => BlockMode::Ecb,
        "cbc" => BlockMode::Cbc,
        // GCM needs a 128-bit block: DES has none, and AES-192-GCM is in no platform's document.
        "gcm" if matches!(algorithm, BlockAlgorithm::Aes128 | BlockAlgorithm::Aes256 | BlockAlgorithm::Sm4) => {
            BlockMode::Gcm
        }
        _ => return None,
    };
    Some((algorithm, mode))
}
