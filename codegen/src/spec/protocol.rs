//! Reads `protocol.yaml` into the AST.

use super::ast::*;
use super::reader::{FileReader, MapReader};
use marked_yaml::Node;

pub fn read(r: &mut FileReader, node: &Node) -> Option<ProtocolAst> {
    let mut map = r.mapping(node, "a protocol")?;
    let protocol = ProtocolAst {
        pos: r.pos(map.span()),
        description: map.text(r, "description"),
        credentials: map.list(r, "credentials", "a credential", read_credential),
        request: read_envelope(r, &mut map, "request"),
        response: read_envelope(r, &mut map, "response"),
        signature: map.node("signature").and_then(|n| r.mapping(n, "`signature`")).map(|m| read_signature(r, m)),
        signed_by: read_signed_by(r, &mut map),
        encryption: map.node("encryption").and_then(|n| r.mapping(n, "`encryption`")).map(|m| read_encryption(r, m)),
        bindings: map.list(r, "bindings", "a binding", read_binding),
        failures: map.node("failures").and_then(|n| r.mapping(n, "`failures`")).map(|m| read_failures(r, m)),
        freshness: map.node("freshness").and_then(|n| r.mapping(n, "`freshness`")).map(|m| read_freshness(r, m)),
    };
    if protocol.signature.is_none() {
        r.error(map.span(), "missing required key `signature`");
    }
    if protocol.failures.is_none() {
        r.error(map.span(), "missing required key `failures` (the return code of each server failure)");
    }
    if protocol.bindings.is_empty() {
        r.error(map.span(), "missing required key `bindings` (at least one way over HTTP)");
    }
    map.finish(r);
    Some(protocol)
}

fn read_credential(r: &mut FileReader, mut map: MapReader) -> Option<CredentialAst> {
    let credential = CredentialAst {
        name: map.required(r, "name"),
        title: map.required(r, "title"),
        secret: map.bool(r, "secret"),
        description: map.text(r, "description"),
        example: map.text(r, "example"),
    };
    map.finish(r);
    Some(credential)
}

fn read_envelope(r: &mut FileReader, parent: &mut MapReader, key: &'static str) -> Option<EnvelopeAst> {
    let Some(node) = parent.node(key) else {
        r.error(parent.span(), format!("missing required key `{key}` (the {key} envelope)"));
        return None;
    };
    let mut map = r.mapping(node, &format!("the `{key}` envelope"))?;
    let pos = r.pos(map.span());
    let root = map.text(r, "root");
    let (payload_field, payload_ciphertext) = match map.node("payload").and_then(|n| r.mapping(n, "`payload`")) {
        Some(mut payload) => {
            let placement = (payload.text(r, "field"), payload.text(r, "ciphertext"));
            payload.finish(r);
            placement
        }
        None => (None, None),
    };
    let fields = map.list(r, "fields", "an envelope field", read_envelope_field);
    map.finish(r);
    Some(EnvelopeAst { root, payload_field, payload_ciphertext, fields, pos })
}

fn read_envelope_field(r: &mut FileReader, mut map: MapReader) -> Option<EnvelopeFieldAst> {
    let field = EnvelopeFieldAst {
        pos: r.pos(map.span()),
        name: map.required(r, "name"),
        title: map.required(r, "title"),
        description: map.text(r, "description"),
        ty: map.text(r, "type"),
        required: map.bool(r, "required"),
        place: map.text(r, "in"),
        role: map.text(r, "role"),
        value: map.text(r, "value"),
        accepts: map.texts(r, "accepts"),
        reject: map.text(r, "reject"),
        format: map.text(r, "format"),
        aliases: map.texts(r, "aliases"),
        erratum: map.one_or_many(r, "erratum"),
    };
    map.finish(r);
    Some(field)
}

fn read_signature(r: &mut FileReader, mut map: MapReader) -> SignatureAst {
    let signature = SignatureAst {
        pos: r.pos(map.span()),
        field: map.required(r, "field"),
        // The pairs form's keys, required without `lines` and refused with it: the lowering knows which.
        covers: map.text(r, "covers"),
        exclude: map.texts(r, "exclude"),
        empty: map.text(r, "empty"),
        sort: map.text(r, "sort"),
        pair: map.text(r, "pair"),
        join: map.text(r, "join"),
        nested: map.text(r, "nested"),
        numbers: map.text(r, "numbers"),
        prefix: map.text(r, "prefix"),
        suffix: map.text(r, "suffix"),
        lines: map.node("lines").is_some().then(|| map.texts(r, "lines")),
        carrier: map.text(r, "carrier"),
        headers: map.templates(r, "headers", "a header's template"),
        digest: map.texts(r, "digest"),
        order: map.text(r, "order"),
        compare: map.text(r, "compare"),
        description: map.text(r, "description"),
    };
    map.finish(r);
    signature
}

/// `signed_by: { platform: {…rule…} }`: each key a side, each value a signature rule.
fn read_signed_by(r: &mut FileReader, parent: &mut MapReader) -> Vec<(S, SignatureAst)> {
    let Some(node) = parent.node("signed_by") else { return Vec::new() };
    let Some(map) = node.as_mapping() else {
        r.mapping(node, "`signed_by`");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.iter() {
        let side = S { value: key.as_str().to_owned(), pos: r.pos(key.span()) };
        if let Some(rule) = r.mapping(value, "a signature rule").map(|m| read_signature(r, m)) {
            out.push((side, rule));
        }
    }
    out
}

fn read_encryption(r: &mut FileReader, mut map: MapReader) -> EncryptionAst {
    let encryption = EncryptionAst {
        pos: r.pos(map.span()),
        select: map.text(r, "select"),
        description: map.text(r, "description"),
        schemes: map.list(r, "schemes", "a cipher scheme", read_scheme),
    };
    map.finish(r);
    encryption
}

fn read_cipher(r: &mut FileReader, map: &mut MapReader) -> CipherAst {
    CipherAst {
        cipher: map.required(r, "cipher"),
        // Required of block modes, refused on GCM: the lowering knows the mode.
        padding: map.text(r, "padding"),
        iv: map.text(r, "iv"),
        encoding: map.required(r, "encoding"),
        nonce: map.text(r, "nonce"),
        associated_data: map.text(r, "associated_data"),
    }
}

fn read_scheme(r: &mut FileReader, mut map: MapReader) -> Option<SchemeAst> {
    let pos = r.pos(map.span());
    let name = map.required(r, "name");
    let cipher = read_cipher(r, &mut map);
    let sm2 = Sm2Ast {
        form: map.text(r, "form"),
        order: map.text(r, "order"),
        point: map.text(r, "point"),
        public: map.text(r, "public"),
        private: map.text(r, "private"),
    };
    let public_key = cipher.cipher.as_ref().is_some_and(|c| c.value == "sm2");
    let (key_template, key_steps) = match map.node("key") {
        // A public-key cipher's keys are `public` and `private`; the lowering refuses a `key` on it.
        None if public_key => (None, Vec::new()),
        None => {
            r.error(map.span(), "missing required key `key` (a template, or `from` and `steps`)");
            (None, Vec::new())
        }
        Some(node) if node.as_scalar().is_some() => (r.text(node, "`key`"), Vec::new()),
        Some(node) => match r.mapping(node, "`key`") {
            Some(mut key) => {
                let from = key.required(r, "from");
                let steps = key.list(r, "steps", "a key step", read_key_step);
                key.finish(r);
                (from, steps)
            }
            None => (None, Vec::new()),
        },
    };
    map.finish(r);
    Some(SchemeAst { name, cipher, key_template, key_steps, sm2, pos })
}

fn read_key_step(r: &mut FileReader, mut map: MapReader) -> Option<KeyStepAst> {
    let pos = r.pos(map.span());
    let step = if let Some(node) = map.node("encrypt") {
        let mut encrypt = r.mapping(node, "`encrypt`")?;
        let cipher = read_cipher(r, &mut encrypt);
        let key = encrypt.required(r, "key");
        encrypt.finish(r);
        Some(KeyStepAst::Encrypt { cipher: Box::new(cipher), key, pos })
    } else if let Some(take) = map.text(r, "take") {
        Some(KeyStepAst::Take(take))
    } else {
        r.error(map.span(), "a key step is `encrypt: {…}` or `take: N`");
        None
    };
    map.finish(r);
    step
}

fn read_binding(r: &mut FileReader, mut map: MapReader) -> Option<BindingAst> {
    let pos = r.pos(map.span());
    let name = map.required(r, "name");
    let method = map.required(r, "method");
    let format = map.required(r, "format");
    // One path for both sides, or `{hospital: …, platform: …}`.
    let (hospital_path, platform_path) = match map.node("path") {
        None => {
            r.error(map.span(), "missing required key `path`");
            (None, None)
        }
        Some(node) if node.as_scalar().is_some() => {
            let path = r.text(node, "`path`");
            (path.clone(), path)
        }
        Some(node) => match r.mapping(node, "`path`") {
            Some(mut paths) => {
                let both = (paths.required(r, "hospital"), paths.required(r, "platform"));
                paths.finish(r);
                both
            }
            None => (None, None),
        },
    };
    let binding = BindingAst {
        name,
        method,
        format,
        hospital_path,
        platform_path,
        soap: map.text(r, "soap"),
        description: map.text(r, "description"),
        pos,
    };
    map.finish(r);
    Some(binding)
}

fn read_failures(r: &mut FileReader, mut map: MapReader) -> FailuresAst {
    let failures = FailuresAst {
        empty: map.required(r, "empty"),
        malformed: map.required(r, "malformed"),
        charset: map.text(r, "charset"),
        unknown_service: map.required(r, "unknown_service"),
        signature: map.required(r, "signature"),
        decrypt: map.required(r, "decrypt"),
        invalid: map.required(r, "invalid"),
        stale: map.required(r, "stale"),
        unsupported: map.required(r, "unsupported"),
        internal: map.required(r, "internal"),
    };
    map.finish(r);
    failures
}

fn read_freshness(r: &mut FileReader, mut map: MapReader) -> FreshnessAst {
    let freshness = FreshnessAst { field: map.required(r, "field"), window: map.required(r, "window") };
    map.finish(r);
    freshness
}
