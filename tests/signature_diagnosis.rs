//! `hisgate explain --expect`'s search, per family and platform: a counterpart's signature made with one
//! realistic mistake, or two, is explained by the variants that make it; a wrong key is reported as such with the
//! fingerprint to compare. Each expected signature is made here by editing the rule's canonical string as the
//! counterpart's code would, not by the search's own variant code.

use hisgate_runtime::cipher;
use hisgate_runtime::envelope::{Envelope, sorted_json};
use hisgate_runtime::schema::{
    Coverage, DigestStep, Direction, HashAlgorithm, PlatformSchema, ProtocolSchema, SignAlgorithm, SignatureEncoding,
};
use hisgate_runtime::secret::{Inputs, fingerprint};
use hisgate_runtime::signature::diagnose::{Diagnosis, Options, diagnose};
use hisgate_runtime::signature::variants::Family;
use hisgate_runtime::signature::{Signer, digest_value};
use serde_json::{Map, Value, json};
use std::time::Duration;

struct Case {
    platform: PlatformSchema,
    direction: Direction,
    message: Map<String, Value>,
    inputs: Inputs,
    /// The secret credential, to sign with a wrong one and to check it is never shown.
    secret: (&'static str, &'static str),
}

impl Case {
    fn protocol(&self) -> &ProtocolSchema {
        self.platform.protocol.as_ref().unwrap()
    }

    /// The rule's string to sign, keys in clear: what the counterpart's code edits.
    fn canonical(&self) -> String {
        self.canonical_of(&self.message)
    }

    fn canonical_of(&self, message: &Map<String, Value>) -> String {
        Signer::for_protocol(self.protocol(), self.direction).canonical(message, &self.inputs).unwrap()
    }

    /// The rule's digest chain over `text`.
    fn sign(&self, text: &str) -> String {
        self.sign_bytes(text.as_bytes())
    }

    fn sign_bytes(&self, bytes: &[u8]) -> String {
        digest_value(&self.protocol().signature.digest, bytes, &self.inputs).unwrap()
    }

    fn envelope(&self) -> Envelope<'_> {
        Envelope::new(self.protocol(), self.direction)
    }

    fn explain(&self, expected: &str) -> Diagnosis {
        let options = Options { budget: Duration::from_secs(120), ..Options::default() };
        diagnose(&self.platform, &self.envelope(), &self.message, &self.inputs, expected, options)
    }

    /// The search names a finding made of exactly these families, cheapest findings first, keys never shown.
    fn explained(&self, what: &str, expected: &str, families: &[Family]) -> Diagnosis {
        let d = self.explain(expected);
        let shown: Vec<&str> = d.findings.iter().map(|f| f.variant.as_str()).collect();
        assert!(!d.matches_rule, "{what}: the rule's own signature");
        let mut want = families.to_vec();
        want.sort();
        let found = d.findings.iter().any(|f| {
            let mut got: Vec<Family> = f.parts.iter().map(|p| p.family).collect();
            got.sort();
            got == want
        });
        assert!(found, "{what}: {families:?} not among {shown:#?}");
        assert!(d.findings.windows(2).all(|w| w[0].parts.len() <= w[1].parts.len()), "{what}: {shown:#?}");
        assert!(d.complete, "{what}: the search stopped at its budget");
        assert!(!d.ruled_out.iter().any(|f| families.contains(f)), "{what}: {:?}", d.ruled_out);
        let json = serde_json::to_string(&d).unwrap();
        assert!(!json.contains(self.secret.1), "{what}: the key is shown: {json}");
        d
    }

    /// Signed by a counterpart with another key: reported as a likely wrong key, with this side's fingerprint.
    fn wrong_key(&self) {
        let other = self.inputs.clone().with_secret(self.secret.0, format!("{}X", self.secret.1));
        let text = Signer::for_protocol(self.protocol(), self.direction).canonical(&self.message, &other).unwrap();
        let expected = digest_value(&self.protocol().signature.digest, text.as_bytes(), &other).unwrap();
        let d = self.explain(&expected);
        assert!(d.findings.is_empty(), "{:#?}", d.findings);
        let hint = d.key_differs.expect("a wrong key is reported");
        let print = hint.keys.iter().find(|k| k.name == self.secret.0).unwrap();
        assert_eq!(print.fingerprint, fingerprint(self.secret.1));
        assert!(!serde_json::to_string(&hint).unwrap().contains(self.secret.1));
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

fn with(message: &Map<String, Value>, name: &str, value: Value) -> Map<String, Value> {
    let mut out = message.clone();
    out.insert(name.to_owned(), value);
    out
}

/// GBK bytes of a string whose only non-ASCII characters are these (from GB 2312's table).
fn gbk(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in text.chars() {
        match c {
            '张' => out.extend([0xD5, 0xC5]),
            '三' => out.extend([0xC8, 0xFD]),
            '成' => out.extend([0xB3, 0xC9]),
            '功' => out.extend([0xB9, 0xA6]),
            c if c.is_ascii() => out.push(c as u8),
            c => panic!("no GBK code for {c} here"),
        }
    }
    out
}

fn hash(case: &Case, text: &str, algorithm: HashAlgorithm, encoding: DigestStep) -> String {
    digest_value(&[DigestStep::Hash(algorithm), encoding], text.as_bytes(), &case.inputs).unwrap()
}

const SHAANXI_KEY: &str = "2098D32C4D1399EC";
const PLAINTEXT: &str = "<request><patientName>张三</patientName><cardNo>6101</cardNo></request>";

fn shaanxi() -> Case {
    let platform = hisgate_generated::shaanxi::PLATFORM.clone();
    let inputs = Inputs::new().with_secret("key", SHAANXI_KEY).with("partner", "TEST_WX").with("hospitalCode", "0");
    let scheme = platform.protocol.as_ref().unwrap().encryption.as_ref().unwrap().scheme(None).unwrap();
    let ciphertext = cipher::encrypt(scheme, PLAINTEXT.as_bytes(), &inputs).unwrap();
    let message = object(json!({
        "service": "TestNet", "partner": "TEST_WX", "hospitalCode": "0", "dataFormat": "xml",
        "inputCharset": "utf-8", "signType": "md5", "requestEncrypted": ciphertext
    }));
    Case { platform, direction: Direction::Request, message, inputs, secret: ("key", SHAANXI_KEY) }
}

#[test]
fn shaanxi_single_mistakes() {
    let case = shaanxi();
    let canonical = case.canonical();
    assert!(canonical.ends_with(&format!("&service=TestNet&key={SHAANXI_KEY}")), "{canonical}");
    let plaintext = case.canonical_of(&with(&case.message, "requestEncrypted", json!(PLAINTEXT)));
    let cases: Vec<(&str, String, Family)> = vec![
        ("`&KEY=`", case.sign(&canonical.replace("&key=", "&KEY=")), Family::Wrap),
        ("`logNo=` signed", case.sign(&canonical.replace("&partner=", "&logNo=&partner=")), Family::Fields),
        ("`signType` signed", case.sign(&canonical.replace("&key=", "&signType=md5&key=")), Family::Fields),
        ("the plaintext signed", case.sign(&plaintext), Family::Payload),
        ("`NetTest`", case.sign(&canonical.replace("service=TestNet", "service=NetTest")), Family::Names),
        ("SHA-256", hash(&case, &canonical, HashAlgorithm::Sha256, DigestStep::HexUpper), Family::Digest),
        ("lower-case hex", case.sign(&canonical).to_lowercase(), Family::Encoding),
        ("`key=` with no `&`", case.sign(&canonical.replace("&key=", "key=")), Family::Wrap),
    ];
    for (what, expected, family) in cases {
        let d = case.explained(what, &expected, &[family]);
        assert_eq!(d.findings[0].parts.len(), 1, "{what}");
    }
    let d = case.explained("`&KEY=`", &case.sign(&canonical.replace("&key=", "&KEY=")), &[Family::Wrap]);
    assert_eq!(d.findings[0].diff.rule, "key");
    assert_eq!(d.findings[0].diff.variant, "KEY");
    assert!(d.findings[0].diff.marked.ends_with("&service=TestNet&[-key-]{+KEY+}={key}"), "{:?}", d.findings[0].diff);
}

#[test]
fn shaanxi_two_mistakes_and_a_wrong_key() {
    let case = shaanxi();
    let canonical = case.canonical();
    let both = case.sign(&canonical.replace("&key=", "&signType=md5&key=")).to_lowercase();
    let d = case.explained("`signType` signed and lower-case hex", &both, &[Family::Fields, Family::Encoding]);
    assert!(d.findings[0].variant.contains("`signType` signed too"), "{}", d.findings[0].variant);
    assert!(d.findings[0].variant.contains("hex-lower"), "{}", d.findings[0].variant);
    let renamed = canonical.replace("service=TestNet", "service=NetTest").replace("&key=", "&KEY=");
    case.explained("`NetTest` and `&KEY=`", &case.sign(&renamed), &[Family::Names, Family::Wrap]);
    case.wrong_key();
}

const GLORYCARD_KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";

fn glorycard() -> Case {
    let platform = hisgate_generated::glorycard::PLATFORM.clone();
    let inputs = Inputs::new()
        .with_secret("key", GLORYCARD_KEY)
        .with("sid", "47258258201708031835123456")
        .with("timestamp", "20210407155206");
    let message: Map<String, Value> = serde_json::from_str(
        r#"{"cardNum":"B123456","name":"张三","mailAddress":"","totalAmount":10.00,"detail":{"amount":10.00,"code":"A1"}}"#,
    )
    .unwrap();
    Case { platform, direction: Direction::Request, message, inputs, secret: ("key", GLORYCARD_KEY) }
}

#[test]
fn glorycard_single_and_two_mistakes() {
    let case = glorycard();
    let canonical = case.canonical();
    assert_eq!(
        canonical,
        format!(
            "cardNum=B123456&detail.amount=10&detail.code=A1&name=张三&totalAmount=10&key={GLORYCARD_KEY}&timestamp=20210407155206"
        )
    );
    let as_sent = canonical.replace("=10&", "=10.00&");
    let cases: Vec<(&str, String, Family)> = vec![
        ("numbers as sent", case.sign(&as_sent), Family::Numbers),
        ("`mailAddress=` signed", case.sign(&canonical.replace("&name=", "&mailAddress=&name=")), Family::Empty),
        ("no timestamp", case.sign(&canonical.replace("&timestamp=20210407155206", "")), Family::Wrap),
        ("upper-case hex", case.sign(&canonical).to_uppercase(), Family::Encoding),
        ("GBK", case.sign_bytes(&gbk(&canonical)), Family::Charset),
    ];
    for (what, expected, family) in cases {
        case.explained(what, &expected, &[family]);
    }
    case.explained(
        "numbers as sent, hashed as GBK",
        &case.sign_bytes(&gbk(&as_sent)),
        &[Family::Numbers, Family::Charset],
    );
    case.wrong_key();
}

const ONEPAY_SECRET: &str = "1A3VL0KVE0010B010A0A0000277BDC91";

fn onepay() -> Case {
    let platform = hisgate_generated::onepay::PLATFORM.clone();
    let inputs =
        Inputs::new().with_secret("appSecret", ONEPAY_SECRET).with("appId", "1A3VL0KVK0000B020A0A0000CC3F48AD");
    let param = json!({"patientName": "张三", "amount": "10.00"});
    let scheme = platform.protocol.as_ref().unwrap().encryption.as_ref().unwrap().scheme(Some("AES")).unwrap();
    let ciphertext = cipher::encrypt(scheme, sorted_json(&param).as_bytes(), &inputs).unwrap();
    // The signed view of a request: the plaintext `param` back beside its ciphertext.
    let message = object(json!({
        "appId": "1A3VL0KVK0000B020A0A0000CC3F48AD", "encryptType": "AES", "param": param, "encryptData": ciphertext,
        "signType": "MD5", "timestamp": "20240102030405", "transType": "op.trade.charge", "version": "H.F.0.1"
    }));
    Case { platform, direction: Direction::Request, message, inputs, secret: ("appSecret", ONEPAY_SECRET) }
}

#[test]
fn onepay_single_and_two_mistakes() {
    let case = onepay();
    let canonical = case.canonical();
    assert!(canonical.contains(r#"&param={"amount":"10.00","patientName":"张三"}&signType=MD5&"#), "{canonical}");
    // Encrypt-then-sign where the rule signs the plaintext: `encryptData` signed, `param` not.
    let mut rule = case.protocol().signature.clone();
    rule.exclude = vec!["sign".into()].into();
    let mut ciphertext_only = case.message.clone();
    ciphertext_only.shift_remove("param");
    let envelope = case.protocol().envelope(Direction::Request);
    let encrypted = Signer::new(&rule, envelope).canonical(&ciphertext_only, &case.inputs).unwrap();
    let escaped = canonical.replace("张三", r"\u5F20\u4E09");
    let cases: Vec<(&str, String, Family)> = vec![
        ("\\u escapes", case.sign(&escaped), Family::Json),
        ("`signType` left out", case.sign(&canonical.replace("&signType=MD5", "")), Family::Fields),
        ("the ciphertext signed", case.sign(&encrypted), Family::Payload),
        ("`&KEY=`", case.sign(&canonical.replace("&key=", "&KEY=")), Family::Wrap),
        ("SM3", hash(&case, &canonical, HashAlgorithm::Sm3, DigestStep::HexUpper), Family::Digest),
    ];
    for (what, expected, family) in cases {
        case.explained(what, &expected, &[family]);
    }
    let both = case.sign(&escaped).to_lowercase();
    case.explained("\\u escapes and lower-case hex", &both, &[Family::Json, Family::Encoding]);
    case.wrong_key();
}

const YIZHANGTONG_KEY: &str = "HIS-SHARED-KEY";

fn yizhangtong() -> Case {
    let platform = hisgate_generated::yizhangtong::PLATFORM.clone();
    let inputs = Inputs::new().with_secret("key", YIZHANGTONG_KEY);
    let message = object(json!({"retCode": "0", "retMsg": "成功", "cardNo": "123", "CardType": "1"}));
    Case { platform, direction: Direction::Response, message, inputs, secret: ("key", YIZHANGTONG_KEY) }
}

#[test]
fn yizhangtong_single_and_two_mistakes() {
    let case = yizhangtong();
    let canonical = case.canonical();
    assert_eq!(canonical, format!("CardType=1&cardNo=123&retCode=0&retMsg=成功&key={YIZHANGTONG_KEY}"));
    let mut renamed = case.message.clone();
    renamed.shift_remove("retMsg");
    renamed.insert("out_retMsg".into(), json!("成功"));
    let alias = case.canonical_of(&renamed);
    let ignore_case = format!("cardNo=123&CardType=1&retCode=0&retMsg=成功&key={YIZHANGTONG_KEY}");
    let cases: Vec<(&str, String, Family)> = vec![
        ("`out_retMsg`", case.sign(&alias), Family::Names),
        ("sorted ignoring case", case.sign(&ignore_case), Family::Sort),
        ("GBK", case.sign_bytes(&gbk(&canonical)), Family::Charset),
        ("`retCode` left out", case.sign(&canonical.replace("&retCode=0", "")), Family::Fields),
    ];
    for (what, expected, family) in cases {
        case.explained(what, &expected, &[family]);
    }
    case.explained("`out_retMsg` as GBK", &case.sign_bytes(&gbk(&alias)), &[Family::Names, Family::Charset]);
    case.wrong_key();
}

/// The rule a new user writes for a 12320-style platform: upper-case fields, `&KEY=` appended.
fn twelve_three_twenty() -> Case {
    let mut platform = hisgate_generated::shaanxi::PLATFORM.clone();
    let protocol = platform.protocol.as_mut().unwrap();
    protocol.signature.field = "SIGN".into();
    protocol.signature.covers = Coverage::All;
    protocol.signature.exclude = vec!["SIGN".into()].into();
    protocol.signature.suffix = "&KEY={key}".into();
    protocol.encryption = None;
    let inputs = Inputs::new().with_secret("key", SHAANXI_KEY);
    let message = object(json!({"HOSPITAL_ID": "H001", "PATIENT_NAME": "张三", "CARD_NO": "6101 "}));
    Case { platform, direction: Direction::Request, message, inputs, secret: ("key", SHAANXI_KEY) }
}

#[test]
fn a_12320_style_rule_single_and_two_mistakes() {
    let case = twelve_three_twenty();
    let canonical = case.canonical();
    assert_eq!(canonical, format!("CARD_NO=6101 &HOSPITAL_ID=H001&PATIENT_NAME=张三&KEY={SHAANXI_KEY}"));
    let encoded = canonical.replace("张三", "%E5%BC%A0%E4%B8%89").replace("6101 ", "6101%20");
    let cases: Vec<(&str, String, Family)> = vec![
        ("`&key=`", case.sign(&canonical.replace("&KEY=", "&key=")), Family::Wrap),
        ("lower-case hex", case.sign(&canonical).to_lowercase(), Family::Encoding),
        ("URL-encoded", case.sign(&encoded), Family::Values),
        ("trimmed", case.sign(&canonical.replace("6101 ", "6101")), Family::Values),
        (
            "the key first",
            case.sign(&format!("{SHAANXI_KEY}{}", canonical.replace(&format!("&KEY={SHAANXI_KEY}"), ""))),
            Family::Wrap,
        ),
    ];
    for (what, expected, family) in cases {
        case.explained(what, &expected, &[family]);
    }
    let both = case.sign(&canonical.replace("&KEY=", "&key=")).to_lowercase();
    case.explained("`&key=` and lower-case hex", &both, &[Family::Wrap, Family::Encoding]);
    case.wrong_key();
}

const SM2_PRIVATE: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const SM2_PUBLIC: &str = "0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";

fn sm2_step(user_id: &str, encoding: SignatureEncoding) -> DigestStep {
    DigestStep::Sign {
        algorithm: SignAlgorithm::Sm2Sm3 { user_id: user_id.to_owned().into(), encoding },
        private: "{privateKey}".into(),
        public: "{peerPublicKey}".into(),
        key_id: None,
    }
}

/// An SM2 rule: the counterpart signs with its private key, this side holds only its public key.
fn sm2_rule() -> Case {
    let mut platform = hisgate_generated::shaanxi::PLATFORM.clone();
    let protocol = platform.protocol.as_mut().unwrap();
    protocol.signature.suffix = "".into();
    protocol.signature.digest = vec![sm2_step("1234567812345678", SignatureEncoding::Der), DigestStep::Base64].into();
    protocol.encryption = None;
    let inputs = Inputs::new().with("peerPublicKey", SM2_PUBLIC).with("partner", "陕西测试").with("hospitalCode", "0");
    let message = object(json!({
        "service": "TestNet", "partner": "陕西测试", "hospitalCode": "0", "dataFormat": "json", "signType": "sm2",
        "requestEncrypted": "WXzV3/6APXYdqsoZlVuANePKKHbc47QODNPniynaD9s="
    }));
    Case { platform, direction: Direction::Request, message, inputs, secret: ("peerPublicKey", SM2_PUBLIC) }
}

/// The counterpart's signature over `text` under its own chain (its private key, which this side never holds).
fn counterpart_sm2(text: &str, user_id: &str, encoding: SignatureEncoding) -> String {
    let chain = [sm2_step(user_id, encoding), DigestStep::Base64];
    digest_value(&chain, text.as_bytes(), &Inputs::new().with_secret("privateKey", SM2_PRIVATE)).unwrap()
}

#[test]
fn an_sm2_rule_names_the_encoding_the_user_id_and_a_field_from_the_public_key_alone() {
    let case = sm2_rule();
    let canonical = case.canonical();
    let good = counterpart_sm2(&canonical, "1234567812345678", SignatureEncoding::Der);
    assert!(case.explain(&good).matches_rule, "a good signature verifies");
    let raw = counterpart_sm2(&canonical, "1234567812345678", SignatureEncoding::Raw);
    case.explained("raw r‖s where the rule says DER", &raw, &[Family::Encoding]);
    let no_id = counterpart_sm2(&canonical, "", SignatureEncoding::Der);
    case.explained("no user id", &no_id, &[Family::Key]);
    // Two at once: `signType` signed too (it sorts last), written raw.
    let both = counterpart_sm2(&format!("{canonical}&signType=sm2"), "1234567812345678", SignatureEncoding::Raw);
    case.explained("`signType` signed and raw r‖s", &both, &[Family::Fields, Family::Encoding]);
    let signed = Signer::for_protocol(case.protocol(), case.direction);
    let fields = with(&case.message, "sign", json!(raw));
    let refused = signed.verify_embedded(&fields, &case.inputs).unwrap_err().to_string();
    assert!(refused.starts_with("signature does not verify under the public key (130 chars, sha256 "), "{refused}");
}

#[test]
fn a_server_diagnoses_a_refused_signature() {
    let case = shaanxi();
    let expected = case.sign(&case.canonical().replace("&key=", "&KEY="));
    let fields = with(&case.message, "sign", json!(expected));
    let inputs = case.inputs.clone().with("service", "TestNet");
    let d = hisgate_runtime::signature::diagnose::refused(
        &case.platform,
        &Envelope::new(case.protocol(), Direction::Request),
        &fields,
        &[],
        &inputs,
        hisgate_runtime::envelope::Format::Xml,
        hisgate_runtime::signature::diagnose::Options::quick(),
    )
    .expect("a diagnosis");
    assert_eq!(d.findings.len(), 1, "it stops at the first");
    assert_eq!(d.findings[0].parts[0].family, Family::Wrap);
    assert!(d.findings[0].variant.contains("&KEY={key}"), "{}", d.findings[0].variant);
}

mod property {
    use super::*;
    use hisgate_runtime::signature::variants::{Setup, Subject, space};
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => "[a-zA-Z0-9 张三医院<>&=]{0,10}".prop_map(Value::String),
            1 => (0i64..100000, 0u32..3).prop_map(|(n, scale)| {
                let text = if scale == 0 { n.to_string() } else { format!("{}.{:0w$}", n / 100, n % 100, w = scale as usize) };
                Value::Number(text.parse().unwrap())
            }),
        ]
    }

    fn cases() -> [Case; 5] {
        [shaanxi(), glorycard(), onepay(), yizhangtong(), twelve_three_twenty()]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// For a random message and a random single variant of the space, the search names that variant.
        #[test]
        fn explain_finds_any_single_variant(
            which in 0usize..5,
            extra in prop::collection::btree_map("[a-zA-Z][a-zA-Z_]{0,6}", value(), 0..5),
            partner in "[A-Z_张]{1,8}",
            pick in any::<prop::sample::Index>(),
        ) {
            let mut case = cases().into_iter().nth(which).unwrap();
            case.message.extend(extra);
            if case.message.contains_key("partner") {
                case.message.insert("partner".into(), json!(partner));
            }
            let protocol = case.protocol();
            let subject = Subject {
                platform: &case.platform,
                protocol,
                rule: &protocol.signature,
                direction: case.direction,
                message: &case.message,
                inputs: &case.inputs,
            };
            let variants = space(&subject);
            let variant = pick.get(&variants);
            let declared: Vec<&str> = protocol.envelope(case.direction).field_names().collect();
            let setup = Setup::new(&protocol.signature, &declared, &case.message, &case.inputs).with(variant);
            let (_, expected, _) = setup.check("").expect("every variant of the space signs");
            let options = Options { budget: Duration::from_secs(60), pairs: false, first_only: false };
            let d = diagnose(&case.platform, &case.envelope(), &case.message, &case.inputs, &expected, options);
            let named = d.findings.iter().any(|f| f.parts.len() == 1 && f.parts[0].label == variant.label);
            prop_assert!(d.matches_rule || named, "{} not among {:?}", variant.label, d.findings.iter().map(|f| &f.variant).collect::<Vec<_>>());
        }
    }
}
