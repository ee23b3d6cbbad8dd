//! The schema as a Rust constant expression. Each `Lit` impl destructures its type exhaustively, so a member added
//! to the runtime model and forgotten here is a compile error; members equal to the type's `BLANK` are left to
//! struct-update syntax, which keeps the statics readable, and the commonest shapes (a code and its label, a
//! `string(N)`, a return code and its message) are one call of the schema's `literal` constructors.

use crate::ident::Idents;
use hisgate_schema::*;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;
use std::collections::BTreeMap;

/// What literals share: one constant per source file, named `F0`, `F1`, ….
pub struct Cx {
    files: BTreeMap<String, Ident>,
}

impl Cx {
    pub fn new(platform: &PlatformSchema, ids: &Idents) -> Cx {
        let mut paths = std::collections::BTreeSet::new();
        paths.insert(&platform.origin.file);
        paths.extend(platform.errata.iter().map(|e| &e.origin.file));
        paths.extend(platform.dictionaries.iter().map(|d| &d.origin.file));
        paths.extend(platform.interfaces.iter().map(|i| &i.origin.file));
        paths.extend(platform.messages.iter().flat_map(|m| m.fields.iter()).map(|f| &f.origin.file));
        paths.extend(platform.protocol.iter().map(|p| &p.origin.file));
        for example in platform.examples.iter() {
            paths.insert(&example.origin.file);
            paths.extend(example.sign.iter().chain(&example.ciphertext).map(|p| &p.origin.file));
        }
        let files = paths
            .into_iter()
            .enumerate()
            .map(|(i, path)| (path.to_string(), ids.get(Some(&format!("F{i}")), "a file constant", &platform.origin)))
            .collect();
        Cx { files }
    }

    /// `const F0: &str = "specs/…";`: the literals' positions name their file by these.
    pub fn prelude(&self) -> TokenStream {
        let consts = self.files.iter().map(|(file, ident)| quote!(const #ident: &str = #file;));
        quote!(#(#consts)*)
    }
}

pub trait Lit {
    fn lit(&self, cx: &Cx) -> TokenStream;
}

impl Lit for Str {
    fn lit(&self, _: &Cx) -> TokenStream {
        let s: &str = self;
        quote!(s(#s))
    }
}

impl<T: Lit + Clone> Lit for Seq<T> {
    fn lit(&self, cx: &Cx) -> TokenStream {
        // Not a helper call: only a variant constructor extends the array temporary to 'static.
        let items = self.iter().map(|i| i.lit(cx));
        quote!(Cow::Borrowed(&[#(#items),*]))
    }
}

impl<T: Lit> Lit for Option<T> {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            Some(v) => {
                let v = v.lit(cx);
                quote!(Some(#v))
            }
            None => quote!(None),
        }
    }
}

impl Lit for bool {
    fn lit(&self, _: &Cx) -> TokenStream {
        quote!(#self)
    }
}

impl Lit for char {
    fn lit(&self, _: &Cx) -> TokenStream {
        quote!(#self)
    }
}

macro_rules! unsuffixed {
    ($($ty:ty => $method:ident),*) => {$(
        impl Lit for $ty {
            fn lit(&self, _: &Cx) -> TokenStream {
                let l = Literal::$method(*self);
                quote!(#l)
            }
        }
    )*};
}
unsuffixed!(u8 => u8_unsuffixed, u16 => u16_unsuffixed, u32 => u32_unsuffixed);

/// `Name { a: …, b: …, ..Name::BLANK }` with only the members that differ from `BLANK`.
macro_rules! sparse {
    ($cx:expr, $ty:ident { $($member:ident),* $(,)? } from $value:expr) => {{
        let $ty { $($member),* } = $value;
        let blank = $ty::BLANK;
        let mut members = Vec::new();
        $(
            if *$member != blank.$member {
                let lit = $member.lit($cx);
                members.push(quote!($member: #lit));
            }
        )*
        let total = [$(stringify!($member)),*].len();
        if members.len() == total {
            quote!($ty { #(#members),* })
        } else {
            quote!($ty { #(#members,)* ..$ty::BLANK })
        }
    }};
}

/// `Name { a: …, b: … }` with every member.
macro_rules! full {
    ($cx:expr, $ty:ident { $($member:ident),* $(,)? } from $value:expr) => {{
        let $ty { $($member),* } = $value;
        $(let $member = $member.lit($cx);)*
        quote!($ty { $($member: #$member),* })
    }};
}

impl Lit for SourcePos {
    fn lit(&self, cx: &Cx) -> TokenStream {
        let file = &cx.files[&*self.file];
        let (line, column) = (self.line.lit(cx), self.column.lit(cx));
        quote!(at(#file, #line, #column))
    }
}

impl Lit for MessageId {
    fn lit(&self, cx: &Cx) -> TokenStream {
        let id = self.0.lit(cx);
        quote!(MessageId(#id))
    }
}

impl Lit for DictId {
    fn lit(&self, cx: &Cx) -> TokenStream {
        let id = self.0.lit(cx);
        quote!(DictId(#id))
    }
}

impl Lit for PlatformSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, PlatformSchema {
            name, title, document, seed, description, origin, return_codes, errata, dictionaries, messages,
            interfaces, protocol, examples,
        } from self)
    }
}

impl Lit for WorkedExampleSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, WorkedExampleSchema {
            title, source, interface, direction, format, payload_file, payload, inputs, sign, ciphertext, erratum,
            note, origin,
        } from self)
    }
}

impl Lit for ExampleInput {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, ExampleInput { name, value } from self)
    }
}

impl Lit for Printed {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, Printed { value, origin } from self)
    }
}

impl Lit for InterfaceSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, InterfaceSchema {
            name, title, section, description, provider, service, service_aliases, keys, path, binding, encrypted,
            retry_safe, effect, request, response, return_codes, database, idempotency, answers, envelope, origin,
        } from self)
    }
}

impl Lit for EnvelopeValue {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, EnvelopeValue { path, value } from self)
    }
}

impl Lit for IdempotencySchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, IdempotencySchema { key, scope, reused } from self)
    }
}

impl Lit for AnswerSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, AnswerSchema { when, code, message, response, origin } from self)
    }
}

impl Lit for AnswerCondition {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, AnswerCondition { field, values } from self)
    }
}

impl Lit for DatabaseForm {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            DatabaseForm::Procedure { name } => {
                let name = name.lit(cx);
                quote!(DatabaseForm::Procedure { name: #name })
            }
            DatabaseForm::View(view) => {
                let view = view.lit(cx);
                quote!(DatabaseForm::View(#view))
            }
        }
    }
}

impl Lit for ViewSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, ViewSchema { name, filters, order, page } from self)
    }
}

impl Lit for ViewFilter {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, ViewFilter { field, column, op } from self)
    }
}

impl Lit for ViewOrder {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, ViewOrder { column, descending } from self)
    }
}

impl Lit for ViewPage {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, ViewPage { first, last } from self)
    }
}

impl Lit for MessageSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, MessageSchema { path, xml_name, description, kind, fields, require_one_of } from self)
    }
}

impl Lit for FieldSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        sparse!(cx, FieldSchema {
            name, title, description, ty, presence, dict, codes, format, also_formats, unit, length_unit, first_of,
            min, max, json, sensitive, aliases, errata, origin_kind, example, origin,
        } from self)
    }
}

impl Lit for Condition {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, Condition { field, values } from self)
    }
}

impl Lit for DictRef {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, DictRef { dict, table } from self)
    }
}

impl Lit for TimeFormat {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, TimeFormat { pattern, tokens } from self)
    }
}

impl Lit for DictionarySchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, DictionarySchema { name, title, section, description, open, tables, errata, origin } from self)
    }
}

impl Lit for DictTable {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, DictTable { name, title, codes } from self)
    }
}

impl Lit for CodeSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        // A code with only its label, and its variant's name, is one call (`schema::literal`).
        let blank =
            CodeSchema { code: self.code.clone(), label: self.label.clone(), variant: None, ..CodeSchema::BLANK };
        let (code, label) = (&*self.code, &*self.label);
        match &self.variant {
            None if *self == blank => quote!(code(#code, #label)),
            Some(variant) if *self == (CodeSchema { variant: Some(variant.clone()), ..blank }) => {
                let variant: &str = variant;
                quote!(code_as(#code, #label, #variant))
            }
            _ => sparse!(cx, CodeSchema { code, label, parent, variant, description, aliases, errata } from self),
        }
    }
}

impl Lit for ReturnCodeSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        // A code with only its message is one call (`schema::literal`).
        let (code, message) = (&*self.code, &*self.message);
        if *self
            == (ReturnCodeSchema { code: self.code.clone(), message: self.message.clone(), ..ReturnCodeSchema::BLANK })
        {
            return quote!(return_code(#code, #message));
        }
        sparse!(cx, ReturnCodeSchema { code, message, success, description, aliases, errata, status } from self)
    }
}

impl Lit for ErratumSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, ErratumSchema { id, title, section, description, interface, origin } from self)
    }
}

impl Lit for FieldType {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match *self {
            FieldType::String { max_chars: Some(max) } => {
                let max = max.lit(cx);
                quote!(string(#max))
            }
            FieldType::String { max_chars: None } => quote!(FieldType::String { max_chars: None }),
            FieldType::Char { max_bytes } => {
                let max = max_bytes.lit(cx);
                quote!(FieldType::Char { max_bytes: #max })
            }
            FieldType::Int => quote!(FieldType::Int),
            FieldType::Long => quote!(FieldType::Long),
            FieldType::Decimal { precision, scale } => {
                let (p, s) = (precision.lit(cx), scale.lit(cx));
                quote!(decimal(#p, #s))
            }
            FieldType::Object(id) => {
                let id = id.lit(cx);
                quote!(FieldType::Object(#id))
            }
            FieldType::List(id) => {
                let id = id.lit(cx);
                quote!(FieldType::List(#id))
            }
            FieldType::Map => quote!(FieldType::Map),
        }
    }
}

impl Lit for Presence {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            Presence::Required => quote!(Presence::Required),
            Presence::Optional => quote!(Presence::Optional),
            Presence::RequiredWhen(condition) => {
                let condition = condition.lit(cx);
                quote!(Presence::RequiredWhen(#condition))
            }
        }
    }
}

/// Unit-like enums: written as their path.
macro_rules! variants {
    ($($ty:ident { $($variant:ident),* }),* $(,)?) => {$(
        impl Lit for $ty {
            fn lit(&self, _: &Cx) -> TokenStream {
                match self {
                    $($ty::$variant => quote!($ty::$variant),)*
                }
            }
        }
    )*};
}
variants!(
    Side { Hospital, Platform },
    Effect { Read, Write },
    MessageKind { Fields, Open, Empty },
    MoneyUnit { Yuan, Fen },
    LengthUnit { Characters, Utf8Bytes, GbkBytes },
    JsonNumber { Number, String },
    Origin { Table, Example },
    FilterOp { Equal, AtLeast, AtMost },
);

impl Lit for TimeToken {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            TimeToken::Year => quote!(TimeToken::Year),
            TimeToken::Month => quote!(TimeToken::Month),
            TimeToken::Day => quote!(TimeToken::Day),
            TimeToken::Hour => quote!(TimeToken::Hour),
            TimeToken::Minute => quote!(TimeToken::Minute),
            TimeToken::Second => quote!(TimeToken::Second),
            TimeToken::Millis => quote!(TimeToken::Millis),
            TimeToken::Literal(c) => {
                let c = c.lit(cx);
                quote!(TimeToken::Literal(#c))
            }
        }
    }
}

impl Lit for ProtocolSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, ProtocolSchema {
            description, credentials, request, response, signature, signed_by, encryption, bindings, failures,
            freshness, origin,
        } from self)
    }
}

impl Lit for CredentialSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, CredentialSchema { name, title, secret, description, example } from self)
    }
}

impl Lit for EnvelopeSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, EnvelopeSchema { root, fields, payload } from self)
    }
}

impl Lit for EnvelopeField {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, EnvelopeField {
            name, title, description, required, place, role, value, accepts, reject, format, max_chars, aliases, errata,
        } from self)
    }
}

impl Lit for PayloadPlacement {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, PayloadPlacement { field, ciphertext } from self)
    }
}

impl Lit for SignatureRule {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, SignatureRule {
            field, covers, exclude, drop_empty, sort, pair, join, nested, numbers, prefix, suffix, digest, order,
            compare, description, lines, carrier, headers,
        } from self)
    }
}

impl Lit for SenderRule {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, SenderRule { sender, rule } from self)
    }
}

impl Lit for RuleHeader {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, RuleHeader { name, value } from self)
    }
}

impl Lit for DigestStep {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            DigestStep::Hash(algorithm) => {
                let algorithm = algorithm.lit(cx);
                quote!(DigestStep::Hash(#algorithm))
            }
            DigestStep::Hmac { algorithm, key } => {
                let (algorithm, key) = (algorithm.lit(cx), key.lit(cx));
                quote!(DigestStep::Hmac { algorithm: #algorithm, key: #key })
            }
            DigestStep::HexUpper => quote!(DigestStep::HexUpper),
            DigestStep::HexLower => quote!(DigestStep::HexLower),
            DigestStep::Base64 => quote!(DigestStep::Base64),
            DigestStep::Sign { algorithm, private, public, key_id } => {
                let (algorithm, private, public) = (algorithm.lit(cx), private.lit(cx), public.lit(cx));
                let key_id = key_id.lit(cx);
                quote!(DigestStep::Sign { algorithm: #algorithm, private: #private, public: #public, key_id: #key_id })
            }
        }
    }
}

impl Lit for SignAlgorithm {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            SignAlgorithm::RsaSha256 => quote!(SignAlgorithm::RsaSha256),
            SignAlgorithm::Sm2Sm3 { user_id, encoding } => {
                let user_id = user_id.lit(cx);
                let encoding = match encoding {
                    SignatureEncoding::Der => quote!(SignatureEncoding::Der),
                    SignatureEncoding::Raw => quote!(SignatureEncoding::Raw),
                    SignatureEncoding::Either => quote!(SignatureEncoding::Either),
                };
                quote!(SignAlgorithm::Sm2Sm3 { user_id: #user_id, encoding: #encoding })
            }
        }
    }
}

impl Lit for EncryptionRule {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, EncryptionRule { select, schemes, description } from self)
    }
}

impl Lit for CipherScheme {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, CipherScheme { name, cipher } from self)
    }
}

impl Lit for SchemeCipher {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            SchemeCipher::Symmetric { params, key } => {
                let (params, key) = (params.lit(cx), key.lit(cx));
                quote!(SchemeCipher::Symmetric { params: #params, key: #key })
            }
            SchemeCipher::Sm2(sm2) => {
                let sm2 = sm2.lit(cx);
                quote!(SchemeCipher::Sm2(#sm2))
            }
        }
    }
}

impl Lit for Sm2Cipher {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, Sm2Cipher { form, encoding, public, private } from self)
    }
}

impl Lit for Sm2Form {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            Sm2Form::Raw { order, point } => {
                let (order, point) = (order.lit(cx), point.lit(cx));
                quote!(Sm2Form::Raw { order: #order, point: #point })
            }
            Sm2Form::Der => quote!(Sm2Form::Der),
        }
    }
}

impl Lit for CipherParams {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, CipherParams { algorithm, mode, padding, iv, encoding, nonce, associated_data } from self)
    }
}

impl Lit for KeySource {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, KeySource { template, steps } from self)
    }
}

impl Lit for KeyStep {
    fn lit(&self, cx: &Cx) -> TokenStream {
        match self {
            KeyStep::Encrypt { cipher, key } => {
                let (cipher, key) = (cipher.lit(cx), key.lit(cx));
                quote!(KeyStep::Encrypt { cipher: #cipher, key: #key })
            }
            KeyStep::Take(n) => {
                let n = n.lit(cx);
                quote!(KeyStep::Take(#n))
            }
        }
    }
}

impl Lit for BindingSchema {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, BindingSchema { name, method, format, hospital_path, platform_path, soap, description } from self)
    }
}

impl Lit for FailureCodes {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, FailureCodes {
            empty, malformed, charset, unknown_service, signature, decrypt, invalid, stale, unsupported, internal,
        } from self)
    }
}

impl Lit for Freshness {
    fn lit(&self, cx: &Cx) -> TokenStream {
        full!(cx, Freshness { field, window_seconds } from self)
    }
}

variants!(
    WireFormat { Json, Xml },
    Direction { Request, Response },
    HttpMethod { Get, Post },
    SoapVersion { Soap11, Soap12 },
    Place { Body, Header, Query },
    EnvelopeRole { Plain, Signature, Code, Message, Scheme },
    Coverage { Declared, All },
    KeyOrder { Bytes, IgnoreCase },
    Nested { Flatten, Json, Xml },
    Numbers { AsSent, Shortest },
    HashAlgorithm { Md5, Sha1, Sha256, Sm3 },
    SignOrder { EncryptThenSign, SignThenEncrypt },
    Compare { Exact, IgnoreCase },
    BlockAlgorithm { Aes128, Aes192, Aes256, Des, Sm4 },
    BlockMode { Ecb, Cbc, Gcm },
    Padding { Pkcs7, None },
    TextEncoding { Base64, HexUpper, HexLower },
    Sm2Order { C1C3C2, C1C2C3 },
    PointPrefix { With04, Without04 },
);
