//! `protocol.yaml` into the IR: credentials, envelopes, the signature rule and the encryption rule, each keyword
//! and template checked, every field reference resolved against the envelopes.

use super::{Lowerer, opt, text, texts};
use crate::ident;
use crate::spec::ast::*;
use hisgate_schema::template;
use hisgate_schema::*;
use std::collections::BTreeSet;

/// Inputs every call provides besides the credentials: the interface's service name, the data format of the
/// binding, and the request time.
pub const CALL_INPUTS: &[&str] = &["service", "format", "timestamp"];

/// Inputs of the message being signed, for the lines canonical form: the HTTP method, the path with its query, the
/// body exactly as sent, and a nonce (fresh per message unless given).
pub const MESSAGE_INPUTS: &[&str] = &["method", "path", "body", "nonce"];

/// Inputs generated once per message for any template that reads them: a random RFC 4122 v4 UUID, and the time
/// as RFC 3339 with seconds and the sender's UTC offset.
pub const GENERATED_INPUTS: &[&str] = &["uuid", "now"];

/// What the protocol's templates (and the interfaces' `envelope:` values) may read: the credentials, the call's
/// and the message's inputs, and the envelopes' fields.
pub(super) fn template_inputs<'a>(
    credentials: impl IntoIterator<Item = &'a str>,
    request: &EnvelopeSchema,
    response: &EnvelopeSchema,
) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = credentials.into_iter().map(str::to_owned).collect();
    known.extend(CALL_INPUTS.iter().chain(MESSAGE_INPUTS).chain(GENERATED_INPUTS).map(|s| s.to_string()));
    known.extend(request.fields.iter().chain(response.fields.iter()).map(|f| f.name.to_string()));
    known
}

impl Lowerer<'_> {
    pub(super) fn protocol(
        &mut self,
        ast: &ProtocolAst,
        return_codes: &[ReturnCodeSchema],
        interfaces: &[InterfaceSchema],
        interface_asts: &[InterfaceAst],
    ) -> Option<ProtocolSchema> {
        let credentials = self.credentials(&ast.credentials);
        let request = self.envelope(ast.request.as_ref()?, "request");
        let response = self.envelope(ast.response.as_ref()?, "response");
        let known = template_inputs(credentials.iter().map(|c| &*c.name), &request, &response);
        let envelopes = [(&request, ast.request.as_ref()?), (&response, ast.response.as_ref()?)];
        for (envelope, ast) in envelopes {
            for (field, field_ast) in envelope.fields.iter().zip(&ast.fields) {
                if let (Some(value), Some(value_ast)) = (&field.value, &field_ast.value) {
                    self.template(value, &value_ast.pos, &known);
                }
            }
        }
        let signature =
            self.signature(ast.signature.as_ref()?, &request, &response, &known, ast.encryption.is_some(), false);
        let mut signed_by = Vec::new();
        for (side, rule_ast) in &ast.signed_by {
            let sender = match side.value.as_str() {
                "hospital" => Side::Hospital,
                "platform" => Side::Platform,
                other => {
                    let message = format!("`signed_by` names `{other}` (expected hospital or platform)");
                    self.diags.error(&side.pos, message);
                    continue;
                }
            };
            if signed_by.iter().any(|r: &SenderRule| r.sender == sender) {
                self.diags.error(&side.pos, format!("`signed_by` names `{}` twice", side.value));
            }
            let encrypted = ast.encryption.is_some();
            if let Some(rule) = self.signature(rule_ast, &request, &response, &known, encrypted, true) {
                signed_by.push(SenderRule { sender, rule });
            }
        }
        for interface in interface_asts {
            self.interface_travel(interface, ast, ast.encryption.as_ref());
        }
        let encryption = ast.encryption.as_ref().map(|e| self.encryption(e, &request, &known));
        if response.field_with_role(EnvelopeRole::Code).is_none() {
            let pos = &ast.response.as_ref()?.pos;
            self.diags.error(pos, "the response envelope needs a field with `role: code` (the return code)");
        }
        let codes = Codes(return_codes);
        let envelope_asts = [ast.request.as_ref(), ast.response.as_ref()].into_iter().flatten();
        for reject in envelope_asts.flat_map(|e| &e.fields).filter_map(|f| f.reject.as_ref()) {
            codes.check(self, reject, "`reject`");
        }
        let mut names = BTreeSet::new();
        let mut bindings = Vec::new();
        for binding_ast in &ast.bindings {
            let Some(binding) = self.binding(binding_ast, &request, interfaces) else { continue };
            if !names.insert(binding.name.to_string()) {
                self.diags.error(&binding_ast.pos, format!("duplicate binding `{}`", binding.name));
            }
            bindings.push(binding);
        }
        let failures = self.failures(ast.failures.as_ref()?, &codes);
        let freshness = ast.freshness.as_ref().and_then(|f| self.freshness(f, &request));
        Some(ProtocolSchema {
            description: text(&ast.description),
            credentials: Seq::Owned(credentials),
            request,
            response,
            signature: signature?,
            signed_by: Seq::Owned(signed_by),
            encryption,
            bindings: Seq::Owned(bindings),
            failures,
            freshness,
            origin: ast.pos.clone(),
        })
    }

    fn binding(
        &mut self,
        ast: &BindingAst,
        request: &EnvelopeSchema,
        interfaces: &[InterfaceSchema],
    ) -> Option<BindingSchema> {
        let name = ast.name.as_ref()?;
        if !ident::is_wire_name(&name.value) {
            self.diags.error(&name.pos, format!("binding name `{}` must be [A-Za-z_][A-Za-z0-9_]*", name.value));
        }
        let method = self.keyword(
            &ast.method,
            "method",
            &[("POST", HttpMethod::Post), ("GET", HttpMethod::Get)],
            HttpMethod::Post,
        );
        let format = self.keyword(
            &ast.format,
            "format",
            &[("xml", WireFormat::Xml), ("json", WireFormat::Json)],
            WireFormat::Json,
        );
        let soap = ast.soap.as_ref().map(|_| {
            self.keyword(
                &ast.soap,
                "soap",
                &[("1.1", SoapVersion::Soap11), ("1.2", SoapVersion::Soap12)],
                SoapVersion::Soap11,
            )
        });
        if soap.is_some() && (format != WireFormat::Xml || method != HttpMethod::Post) {
            self.diags.error(&name.pos, format!("binding `{}`: SOAP carries XML over POST", name.value));
        }
        if format == WireFormat::Xml && request.root.is_none() {
            self.diags.error(
                &name.pos,
                format!("binding `{}` carries XML, but the request envelope has no `root`", name.value),
            );
        }
        let routed_by_field = request.fields.iter().any(|f| f.value.as_deref() == Some("{service}"));
        for (side, path) in [(Side::Hospital, &ast.hospital_path), (Side::Platform, &ast.platform_path)] {
            let Some(path) = path else { continue };
            let pieces = template::names(&path.value);
            match pieces {
                Err(e) => self.diags.error(&path.pos, e.to_string()),
                Ok(names) => {
                    if !path.value.starts_with('/') && !path.value.starts_with("{path}") {
                        self.diags.error(&path.pos, format!("path `{}` must start with `/`", path.value));
                    }
                    for unknown in names.iter().filter(|n| !matches!(**n, "service" | "path")) {
                        let message = format!(
                            "path `{}` reads `{unknown}` (a path reads `{{service}}` or `{{path}}`)",
                            path.value
                        );
                        self.diags.error(&path.pos, message);
                    }
                    if names.contains(&"path") {
                        for i in interfaces.iter().filter(|i| i.provider == side && i.path.is_none()) {
                            let message = format!(
                                "path `{}` routes by `{{path}}`, but interface `{}` declares no `path`",
                                path.value, i.name
                            );
                            self.diags.error(&path.pos, message);
                        }
                    } else if !names.contains(&"service") && !routed_by_field && soap.is_none() {
                        let message = format!(
                            "binding `{}` cannot tell interfaces apart: its path reads neither `{{service}}` nor `{{path}}`, and no request field has `value: \"{{service}}\"`",
                            name.value
                        );
                        self.diags.error(&path.pos, message);
                    }
                }
            }
        }
        Some(BindingSchema {
            name: Str::Owned(name.value.clone()),
            method,
            format,
            hospital_path: text(&ast.hospital_path),
            platform_path: text(&ast.platform_path),
            soap,
            description: text(&ast.description),
        })
    }

    /// The lines form's templates, or nothing for the pairs form, whose keys are then required; and the carrier.
    fn lines(
        &mut self,
        ast: &SignatureAst,
        request: &EnvelopeSchema,
        response: &EnvelopeSchema,
        known: &BTreeSet<String>,
    ) -> Seq<Str> {
        let pairs_keys = [
            ("covers", &ast.covers),
            ("empty", &ast.empty),
            ("sort", &ast.sort),
            ("pair", &ast.pair),
            ("join", &ast.join),
            ("nested", &ast.nested),
            ("numbers", &ast.numbers),
            ("suffix", &ast.suffix),
        ];
        if let Some(carrier) = &ast.carrier {
            let mut with_signature = known.clone();
            with_signature.insert("signature".to_owned());
            self.template(&carrier.value, &carrier.pos, &with_signature);
            if !carrier.value.contains("{signature}") {
                self.diags.error(&carrier.pos, "`carrier` must hold `{signature}`: where the signature goes");
            }
        }
        let Some(lines) = &ast.lines else {
            for (key, _) in pairs_keys.iter().filter(|(_, value)| value.is_none()) {
                self.diags.error(&ast.pos, format!("missing required key `{key}`"));
            }
            return Seq::Borrowed(&[]);
        };
        for (key, value) in pairs_keys.iter().filter_map(|(k, v)| Some((k, v.as_ref()?))) {
            let message = format!("`{key}` belongs to the pairs form; with `lines` the canonical string is the lines");
            self.diags.error(&value.pos, message);
        }
        if lines.is_empty() {
            self.diags.error(&ast.pos, "`lines` needs at least one line");
        }
        for line in lines {
            self.template(&line.value, &line.pos, known);
        }
        // The body is signed as sent, so the signature cannot travel inside it.
        for (envelope, which) in [(request, "request"), (response, "response")] {
            if let Some(field) = envelope.field_with_role(EnvelopeRole::Signature)
                && field.place != Place::Header
            {
                let message = format!(
                    "a `lines` signature covers the body as sent, so the {which} envelope's `{}` must travel `in: header`",
                    field.name
                );
                self.diags.error(&ast.pos, message);
            }
        }
        texts(lines)
    }

    fn failures(&mut self, ast: &FailuresAst, codes: &Codes) -> FailureCodes {
        let mut code = |s: &Option<S>, what: &str| {
            if let Some(s) = s {
                codes.check(self, s, &format!("`failures.{what}`"));
            }
            text(s)
        };
        let malformed = code(&ast.malformed, "malformed");
        FailureCodes {
            empty: code(&ast.empty, "empty"),
            // A platform without a charset code answers a foreign charset as any other malformed body.
            charset: if ast.charset.is_some() { code(&ast.charset, "charset") } else { malformed.clone() },
            malformed,
            unknown_service: code(&ast.unknown_service, "unknown_service"),
            signature: code(&ast.signature, "signature"),
            decrypt: code(&ast.decrypt, "decrypt"),
            invalid: code(&ast.invalid, "invalid"),
            stale: code(&ast.stale, "stale"),
            unsupported: code(&ast.unsupported, "unsupported"),
            internal: code(&ast.internal, "internal"),
        }
    }

    fn freshness(&mut self, ast: &FreshnessAst, request: &EnvelopeSchema) -> Option<Freshness> {
        let field = ast.field.as_ref()?;
        if request.field(&field.value).is_none_or(|f| f.format.is_none()) {
            let message = format!("freshness reads `{}`, which is not a request field with a `format`", field.value);
            self.diags.error(&field.pos, message);
        }
        let window = ast.window.as_ref()?;
        let window_seconds = match window.value.parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => {
                self.diags
                    .error(&window.pos, format!("`window` is seconds, a whole number above 0, not `{}`", window.value));
                0
            }
        };
        Some(Freshness { field: Str::Owned(field.value.clone()), window_seconds })
    }

    fn credentials(&mut self, asts: &[CredentialAst]) -> Vec<CredentialSchema> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for c in asts {
            let Some(name) = &c.name else { continue };
            if !ident::is_wire_name(&name.value) {
                self.diags.error(&name.pos, format!("credential `{}` must be [A-Za-z_][A-Za-z0-9_]*", name.value));
            }
            let reserved = CALL_INPUTS.contains(&name.value.as_str()) || MESSAGE_INPUTS.contains(&name.value.as_str());
            if reserved || !seen.insert(name.value.clone()) {
                self.diags
                    .error(&name.pos, format!("credential `{}` is declared twice or is a call input", name.value));
            }
            out.push(CredentialSchema {
                name: Str::Owned(name.value.clone()),
                title: text(&c.title),
                secret: c.secret.as_ref().is_some_and(|s| s.value),
                description: text(&c.description),
                example: opt(&c.example),
            });
        }
        out
    }

    fn envelope(&mut self, ast: &EnvelopeAst, which: &str) -> EnvelopeSchema {
        let mut names = BTreeSet::new();
        let mut fields = Vec::new();
        for f in &ast.fields {
            let Some(name) = &f.name else { continue };
            for spelling in std::iter::once(name).chain(&f.aliases) {
                if !names.insert(spelling.value.clone()) {
                    let message = format!("duplicate field `{}` in the {which} envelope", spelling.value);
                    self.diags.error(&spelling.pos, message);
                }
            }
            let max_chars = match f.ty.as_ref().map(|t| t.value.as_str()) {
                None | Some("string") => None,
                Some(ty) => match ty.strip_prefix("string(").and_then(|t| t.strip_suffix(')')).map(str::parse::<u32>) {
                    Some(Ok(n)) if n > 0 => Some(n),
                    _ => {
                        let pos = &f.ty.as_ref().map_or(&f.pos, |t| &t.pos);
                        self.diags.error(pos, format!("envelope field type `{ty}` must be `string` or `string(N)`"));
                        None
                    }
                },
            };
            fields.push(EnvelopeField {
                name: Str::Owned(name.value.clone()),
                title: text(&f.title),
                description: text(&f.description),
                required: f.required.as_ref().is_some_and(|r| r.value),
                place: self.keyword(
                    &f.place,
                    "in",
                    &[("body", Place::Body), ("header", Place::Header), ("query", Place::Query)],
                    Place::Body,
                ),
                role: self.keyword(
                    &f.role,
                    "role",
                    &[
                        ("signature", EnvelopeRole::Signature),
                        ("code", EnvelopeRole::Code),
                        ("message", EnvelopeRole::Message),
                        ("scheme", EnvelopeRole::Scheme),
                    ],
                    EnvelopeRole::Plain,
                ),
                value: opt(&f.value),
                accepts: texts(&f.accepts),
                reject: opt(&f.reject),
                format: f.format.as_ref().and_then(|fmt| match TimeFormat::parse(&fmt.value) {
                    Ok(parsed) => Some(parsed),
                    Err(e) => {
                        self.diags.error(&fmt.pos, format!("format `{}`: {e}", fmt.value));
                        None
                    }
                }),
                max_chars,
                aliases: texts(&f.aliases),
                errata: self.erratum_refs(&f.erratum),
            });
        }
        for role in [EnvelopeRole::Signature, EnvelopeRole::Code, EnvelopeRole::Message, EnvelopeRole::Scheme] {
            if fields.iter().filter(|f| f.role == role).count() > 1 {
                self.diags.error(&ast.pos, format!("the {which} envelope has more than one field with role {role:?}"));
            }
        }
        let known = |name: &Option<S>, dotted: bool, lowerer: &mut Self| {
            let Some(n) = name else { return };
            if dotted && n.value.contains('.') {
                lowerer.member_path(n, "payload `ciphertext`");
            } else if !fields.iter().any(|f| f.name == n.value) {
                let message = format!("payload field `{}` is not a field of the {which} envelope", n.value);
                lowerer.diags.error(&n.pos, message);
            }
        };
        known(&ast.payload_field, false, self);
        // An AEAD box (WeChat Pay v3's `resource`) carries the ciphertext beside its nonce: a path into an object.
        known(&ast.payload_ciphertext, true, self);
        EnvelopeSchema {
            root: opt(&ast.root),
            fields: Seq::Owned(fields),
            payload: PayloadPlacement { field: opt(&ast.payload_field), ciphertext: opt(&ast.payload_ciphertext) },
        }
    }

    fn signature(
        &mut self,
        ast: &SignatureAst,
        request: &EnvelopeSchema,
        response: &EnvelopeSchema,
        known: &BTreeSet<String>,
        encrypted: bool,
        own: bool,
    ) -> Option<SignatureRule> {
        let field = ast.field.as_ref()?;
        // A sender's own rule writes its signature, and its headers, beside the envelope: a lines rule.
        if own && ast.lines.is_none() {
            let message = "a sender's own rule (`signed_by`) signs the body as sent: it needs `lines`";
            self.diags.error(&ast.pos, message);
        }
        if !ast.headers.is_empty() && ast.lines.is_none() {
            let message = "`headers` belong to a `lines` rule (the pairs form signs the envelope's own fields)";
            self.diags.error(&ast.headers[0].0.pos, message);
        }
        let mut headers = Vec::new();
        for (name, value) in &ast.headers {
            self.template(&value.value, &value.pos, known);
            let valid =
                !name.value.is_empty() && name.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                self.diags.error(&name.pos, format!("header `{}` must be [A-Za-z0-9_-]+", name.value));
            }
            headers.push(RuleHeader { name: Str::Owned(name.value.clone()), value: Str::Owned(value.value.clone()) });
        }
        // The rule's lines and carrier may read its own headers, as a receiver reads them back.
        let mut known = known.clone();
        known.extend(headers.iter().map(|h| h.name.to_string()));
        let known = &known;
        for (envelope, which) in [(request, "request"), (response, "response")].into_iter().filter(|_| !own) {
            let carrier = envelope.field_with_role(EnvelopeRole::Signature).map(|f| &*f.name);
            if carrier != Some(field.value.as_str()) {
                let message = format!(
                    "the signature travels in `{}`, but the {which} envelope's `role: signature` field is {}",
                    field.value,
                    carrier.map_or("missing".to_owned(), |c| format!("`{c}`"))
                );
                self.diags.error(&field.pos, message);
            }
        }
        for name in &ast.exclude {
            if request.field(&name.value).is_none() && response.field(&name.value).is_none() {
                let message = format!("`exclude` names `{}`, which neither envelope declares", name.value);
                self.diags.error(&name.pos, message);
            }
        }
        if encrypted && ast.order.is_none() {
            let message = "with encryption, `order` must say encrypt-then-sign or sign-then-encrypt";
            self.diags.error(&ast.pos, message);
        }
        for t in [&ast.prefix, &ast.suffix].into_iter().flatten() {
            self.template(&t.value, &t.pos, known);
        }
        let lines = self.lines(ast, request, response, known);
        let digest = self.digest(&ast.digest, &ast.pos, known);
        Some(SignatureRule {
            field: Str::Owned(field.value.clone()),
            covers: self.keyword(
                &ast.covers,
                "covers",
                &[("declared", Coverage::Declared), ("all", Coverage::All)],
                Coverage::All,
            ),
            exclude: texts(&ast.exclude),
            drop_empty: self.keyword(&ast.empty, "empty", &[("drop", true), ("keep", false)], true),
            sort: self.keyword(
                &ast.sort,
                "sort",
                &[("bytes", KeyOrder::Bytes), ("ignore-case", KeyOrder::IgnoreCase)],
                KeyOrder::Bytes,
            ),
            pair: text(&ast.pair),
            join: text(&ast.join),
            nested: self.keyword(
                &ast.nested,
                "nested",
                &[("flatten", Nested::Flatten), ("json", Nested::Json), ("xml", Nested::Xml)],
                Nested::Json,
            ),
            numbers: self.keyword(
                &ast.numbers,
                "numbers",
                &[("as-sent", Numbers::AsSent), ("shortest", Numbers::Shortest)],
                Numbers::AsSent,
            ),
            prefix: text(&ast.prefix),
            suffix: text(&ast.suffix),
            digest,
            order: self.keyword(
                &ast.order,
                "order",
                &[("encrypt-then-sign", SignOrder::EncryptThenSign), ("sign-then-encrypt", SignOrder::SignThenEncrypt)],
                SignOrder::EncryptThenSign,
            ),
            compare: self.keyword(
                &ast.compare,
                "compare",
                &[("exact", Compare::Exact), ("ignore-case", Compare::IgnoreCase)],
                Compare::Exact,
            ),
            description: text(&ast.description),
            lines,
            carrier: opt(&ast.carrier),
            headers: Seq::Owned(headers),
        })
    }

    /// An interface's `binding:` names a binding of the protocol, and its `encrypted:` a scheme of the encryption
    /// rule (AEAD, whose box a sender fills at the rule's dotted `select`).
    fn interface_travel(&mut self, interface: &InterfaceAst, ast: &ProtocolAst, encryption: Option<&EncryptionAst>) {
        if let Some(binding) = &interface.binding {
            let names: Vec<&str> = ast.bindings.iter().filter_map(|b| b.name.as_ref()).map(|n| &*n.value).collect();
            if !names.contains(&binding.value.as_str()) {
                let message = format!("unknown binding `{}` (the protocol's: {})", binding.value, names.join(", "));
                self.diags.error(&binding.pos, message);
            }
        }
        if let Some(encrypted) = &interface.encrypted {
            let schemes: Vec<&str> =
                encryption.iter().flat_map(|e| &e.schemes).filter_map(|s| s.name.as_ref()).map(|n| &*n.value).collect();
            let selected = encryption.and_then(|e| e.select.as_ref()).is_some_and(|s| s.value.contains('.'));
            if !schemes.contains(&encrypted.value.as_str()) {
                let message = format!(
                    "`encrypted` names `{}`, which is no scheme of the encryption rule (declared: {})",
                    encrypted.value,
                    if schemes.is_empty() { "none".to_owned() } else { schemes.join(", ") }
                );
                self.diags.error(&encrypted.pos, message);
            } else if !selected {
                let message =
                    "`encrypted` needs the encryption rule's `select` to be a dotted path (the box's `algorithm`)";
                self.diags.error(&encrypted.pos, message);
            }
        }
    }

    fn digest(&mut self, steps: &[S], at: &SourcePos, known: &BTreeSet<String>) -> Seq<DigestStep> {
        const EXPECTED: &str = "md5, sha1, sha256, sm3, hmac-<hash> {template}, hex-upper, hex-lower, base64, \
                                rsa-sha256 {private} {public}, sm2-sm3 {private} {public} [der|raw] [id=USER_ID]";
        let hashes = [
            ("md5", HashAlgorithm::Md5),
            ("sha1", HashAlgorithm::Sha1),
            ("sha256", HashAlgorithm::Sha256),
            ("sm3", HashAlgorithm::Sm3),
        ];
        let mut out = Vec::new();
        for step in steps {
            let (word, argument) = match step.value.split_once(' ') {
                Some((w, a)) => (w, Some(a.trim())),
                None => (step.value.as_str(), None),
            };
            // `Some(None)`: a known step whose error is reported already.
            let parsed = match (word, argument) {
                ("hex-upper", None) => Some(Some(DigestStep::HexUpper)),
                ("hex-lower", None) => Some(Some(DigestStep::HexLower)),
                ("base64", None) => Some(Some(DigestStep::Base64)),
                ("rsa-sha256" | "sm2-sm3", rest) => Some(self.signing_step(word, rest.unwrap_or(""), &step.pos, known)),
                (w, None) => hashes.iter().find(|(n, _)| *n == w).map(|(_, h)| Some(DigestStep::Hash(*h))),
                (w, Some(key)) => {
                    w.strip_prefix("hmac-").and_then(|h| hashes.iter().find(|(n, _)| *n == h)).map(|(_, h)| {
                        self.template(key, &step.pos, known);
                        Some(DigestStep::Hmac { algorithm: *h, key: Str::Owned(key.to_owned()) })
                    })
                }
            };
            match parsed {
                Some(Some(s)) => out.push(s),
                Some(None) => {}
                None => {
                    self.diags.error(&step.pos, format!("unknown digest step `{}` (expected {EXPECTED})", step.value))
                }
            }
        }
        let encoding = |s: &DigestStep| matches!(s, DigestStep::HexUpper | DigestStep::HexLower | DigestStep::Base64);
        if let Some(at) = out.iter().position(|s| matches!(s, DigestStep::Sign { .. })) {
            // A verifier undoes what follows the signing step, so only encodings may follow it, and one signing.
            if let Some(i) = out[at + 1..].iter().position(|s| !encoding(s)) {
                let pos = steps.get(at + 1 + i).map_or(at_pos(steps, at), |s| &s.pos);
                self.diags.error(pos, "after a signing step only hex-upper, hex-lower or base64 may follow");
            }
        }
        let ends_in_text = out.last().is_some_and(encoding);
        if !ends_in_text {
            let pos = steps.last().map_or(at, |s| &s.pos);
            self.diags.error(pos, "`digest` must end with hex-upper, hex-lower or base64: a signature is text");
        }
        Seq::Owned(out)
    }

    /// `rsa-sha256 {private} {public} [key-id={id}]` or `sm2-sm3 {private} {public} [der|raw] [id=USER_ID]
    /// [key-id={id}]`.
    fn signing_step(
        &mut self,
        word: &str,
        rest: &str,
        pos: &SourcePos,
        known: &BTreeSet<String>,
    ) -> Option<DigestStep> {
        let mut words = rest.split_whitespace();
        let (Some(private), Some(public)) = (words.next(), words.next()) else {
            self.diags.error(
                pos,
                format!(
                    "`{word}` takes a private and a public key template: `{word} {{privateKey}} {{peerPublicKey}}`"
                ),
            );
            return None;
        };
        self.template(private, pos, known);
        self.template(public, pos, known);
        let (mut encoding, mut user_id) = (SignatureEncoding::Der, "1234567812345678".to_owned());
        let mut key_id = None;
        for option in words {
            match (word, option) {
                (_, o) if o.starts_with("key-id=") => {
                    let template = &o["key-id=".len()..];
                    self.template(template, pos, known);
                    key_id = Some(Str::Owned(template.to_owned()));
                }
                ("sm2-sm3", "der") => encoding = SignatureEncoding::Der,
                ("sm2-sm3", "raw") => encoding = SignatureEncoding::Raw,
                ("sm2-sm3", "either") => encoding = SignatureEncoding::Either,
                ("sm2-sm3", o) if o.starts_with("id=") => user_id = o["id=".len()..].to_owned(),
                _ => {
                    let expected =
                        if word == "sm2-sm3" { "der, raw, either, id=USER_ID or key-id={id}" } else { "key-id={id}" };
                    self.diags.error(pos, format!("`{option}` is no option of `{word}` (expected {expected})"));
                    return None;
                }
            }
        }
        let algorithm = match word {
            "rsa-sha256" => SignAlgorithm::RsaSha256,
            _ => SignAlgorithm::Sm2Sm3 { user_id: Str::Owned(user_id), encoding },
        };
        Some(DigestStep::Sign {
            algorithm,
            private: Str::Owned(private.to_owned()),
            public: Str::Owned(public.to_owned()),
            key_id,
        })
    }

    /// Checks a template's syntax and that it reads only known inputs.
    pub(super) fn template(&mut self, value: &str, pos: &SourcePos, known: &BTreeSet<String>) {
        match template::names(value) {
            Ok(names) => {
                for name in names.into_iter().filter(|n| !known.contains(*n)) {
                    let known: Vec<&str> = known.iter().map(String::as_str).collect();
                    let message = format!(
                        "template `{value}` reads `{name}`, which is not an input (inputs: {})",
                        known.join(", ")
                    );
                    self.diags.error(pos, message);
                }
            }
            Err(e) => self.diags.error(pos, e.to_string()),
        }
    }

    /// A keyword from a closed set, or `default` when absent; an unknown word is an error naming the set.
    pub(super) fn keyword<T: Copy>(&mut self, value: &Option<S>, key: &str, options: &[(&str, T)], default: T) -> T {
        let Some(v) = value else { return default };
        match options.iter().find(|(word, _)| *word == v.value) {
            Some((_, t)) => *t,
            None => {
                let words: Vec<&str> = options.iter().map(|(w, _)| *w).collect();
                self.diags.error(&v.pos, format!("unknown {key} `{}` (expected {})", v.value, words.join(", ")));
                default
            }
        }
    }
}

/// The platform's return codes, which failure and rejection codes must name.
struct Codes<'c>(&'c [ReturnCodeSchema]);

impl Codes<'_> {
    fn check(&self, lowerer: &mut Lowerer, code: &S, what: &str) {
        let known = self.0.iter().any(|c| c.code == code.value || c.aliases.iter().any(|a| *a == code.value));
        if !known {
            let codes: Vec<&str> = self.0.iter().map(|c| &*c.code).collect();
            let message = format!(
                "{what} names `{}`, which is not a return code of the platform (codes: {})",
                code.value,
                codes.join(", ")
            );
            lowerer.diags.error(&code.pos, message);
        }
    }
}

/// Where step `i` of a digest was written, or the digest's own position.
fn at_pos(steps: &[S], i: usize) -> &SourcePos {
    &steps[i.min(steps.len().saturating_sub(1))].pos
}
