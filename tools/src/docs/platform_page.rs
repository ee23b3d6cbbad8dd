//! A platform's page: what it is, how messages travel (bindings and envelopes), its signature and encryption
//! rules, a walkthrough of the seed's worked examples through the engine, and the index of its interfaces and
//! dictionaries.

use super::errata::Place;
use super::interface_page;
use super::model::{
    CallView, CheckView, DictionaryRow, EncryptionView, EnvelopeFieldView, EnvelopeView, ErratumView, InterfaceRow,
    WalkthroughView,
};
use super::paths::{self, Link, Linker};
use super::walkthrough::{self, Run};
use super::worked;
use super::{errata, pretty, text};
use hisgate_runtime::schema::{
    Compare, Coverage, DigestStep, Direction, EnvelopeRole, EnvelopeSchema, KeyOrder, KeyStep, Nested, Numbers,
    Place as Where, PlatformSchema, ProtocolSchema, SchemeCipher, Side, SignOrder,
};
use hisgate_runtime::secret::Inputs;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct PlatformPage {
    pub name: String,
    pub title: String,
    pub document: String,
    pub seed: String,
    pub description: String,
    pub description_html: String,
    pub counts: Vec<(String, usize)>,
    pub protocol: Option<ProtocolView>,
    pub walkthroughs: Vec<WalkthroughView>,
    pub walkthrough_note: String,
    pub sides: Vec<(String, Vec<InterfaceRow>)>,
    pub dictionaries: Vec<DictionaryRow>,
    pub return_codes: Link,
    pub errata_page: Link,
    pub errata: Vec<ErratumView>,
}

#[derive(Debug, Clone)]
pub struct ProtocolView {
    pub description: String,
    pub description_html: String,
    pub credentials: Vec<(String, String, bool, String, String)>,
    pub bindings: Vec<CallView>,
    pub freshness: String,
    pub envelopes: Vec<EnvelopeView>,
    pub signature: Vec<(String, String)>,
    pub signature_description: String,
    pub signature_description_html: String,
    pub encryption: Vec<(String, String)>,
    pub encryption_description: String,
    pub encryption_description_html: String,
}

pub fn build(platform: &PlatformSchema, places: &BTreeMap<String, Vec<Place>>, linker: &Linker) -> PlatformPage {
    let name = &*platform.name;
    let sides = Side::ALL
        .iter()
        .map(|side| {
            let rows = platform
                .interfaces
                .iter()
                .filter(|i| i.provider == *side)
                .map(|i| InterfaceRow {
                    name: i.name.to_string(),
                    title: i.title.to_string(),
                    section: i.section.as_deref().unwrap_or_default().to_owned(),
                    service: i.service.to_string(),
                    link: linker.to(&paths::interface(name, &i.name), None),
                })
                .collect::<Vec<_>>();
            (format!("{}提供的接口（{}调用）", text::side(*side), text::side(other(*side))), rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    let (walkthroughs, walkthrough_note) = walkthroughs(platform, linker);
    let platform_errata = platform.errata.iter().filter(|e| e.interface.is_none()).map(|e| &*e.id);
    PlatformPage {
        name: name.to_owned(),
        title: platform.title.to_string(),
        document: platform.document.to_string(),
        seed: platform.seed.as_deref().unwrap_or_default().to_owned(),
        description: platform.description.trim_end().to_owned(),
        description_html: text::markdown(&platform.description),
        counts: vec![
            ("接口".into(), platform.interfaces.len()),
            ("字段".into(), platform.field_count()),
            ("字典".into(), platform.dictionaries.len()),
            ("字典代码".into(), platform.dictionary_code_count()),
            ("返回码".into(), platform.return_code_count()),
            ("勘误".into(), platform.errata.len()),
        ],
        protocol: platform.protocol.as_ref().map(|p| protocol(platform, p, linker)),
        walkthroughs,
        walkthrough_note,
        sides,
        dictionaries: platform
            .dictionaries
            .iter()
            .map(|d| DictionaryRow {
                name: d.name.to_string(),
                title: d.title.to_string(),
                codes: d.tables.iter().map(|t| t.codes.len()).sum(),
                link: linker.to(&paths::dictionary(name, &d.name), None),
            })
            .collect(),
        return_codes: linker.to(&paths::return_codes(name), None),
        errata_page: linker.to(&paths::errata(name), None),
        errata: errata::views(platform, platform_errata, places, linker),
    }
}

fn other(side: Side) -> Side {
    match side {
        Side::Hospital => Side::Platform,
        Side::Platform => Side::Hospital,
    }
}

fn protocol(platform: &PlatformSchema, protocol: &ProtocolSchema, linker: &Linker) -> ProtocolView {
    let rule = &protocol.signature;
    let bindings = protocol
        .bindings
        .iter()
        .map(|b| CallView {
            binding: b.name.to_string(),
            method: text::method(b.method).into(),
            path: if b.hospital_path == b.platform_path {
                b.hospital_path.to_string()
            } else {
                format!("医院：{}；平台：{}", b.hospital_path, b.platform_path)
            },
            format: b.format.as_str().to_uppercase(),
            note: b.description.trim_end().to_owned(),
        })
        .collect();
    let sign_place = match protocol.request.field(&rule.field).map(|f| f.place) {
        Some(Where::Header) => "HTTP 头",
        _ => "报文",
    };
    let mut signature = vec![
        ("签名字段".to_owned(), format!("`{}`（{}）", rule.field, sign_place)),
        (
            "覆盖范围".into(),
            match rule.covers {
                Coverage::Declared => "信封声明的字段".into(),
                Coverage::All => "报文的全部字段".into(),
            },
        ),
        ("不参与签名".into(), rule.exclude.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join("、")),
        ("空值".into(), if rule.drop_empty { "丢弃：空字符串与 null 不参与签名".into() } else { "保留".into() }),
        (
            "排序".into(),
            match rule.sort {
                KeyOrder::Bytes => "按字段名的 UTF-8 字节序，区分大小写（`Z` 在 `a` 之前）".into(),
                KeyOrder::IgnoreCase => "按字段名排序，忽略大小写".into(),
            },
        ),
        ("字段写法".into(), format!("`{}`，以 `{}` 连接", rule.pair, rule.join)),
        (
            "嵌套值".into(),
            match rule.nested {
                Nested::Flatten => "展开为带下标的点路径（`detail.amount=10`、`list[0].name=x`）".into(),
                Nested::Json => "写成键排序的紧凑 JSON".into(),
                Nested::Xml => "写成子元素的紧凑 XML（不带 CDATA）".into(),
            },
        ),
        (
            "数字".into(),
            match rule.numbers {
                Numbers::AsSent => "按原文（`10.00` 仍为 `10.00`）".into(),
                Numbers::Shortest => "写成最短形式（`10.00` 写作 `10`）".into(),
            },
        ),
    ];
    if !rule.prefix.is_empty() {
        signature.push(("前缀".into(), format!("`{}`", rule.prefix)));
    }
    if !rule.suffix.is_empty() {
        signature.push(("后缀".into(), format!("`{}`", rule.suffix)));
    }
    signature.push(("摘要".into(), rule.digest.iter().map(digest_step).collect::<Vec<_>>().join(" → ")));
    if protocol.encryption.is_some() {
        signature.push((
            "顺序".into(),
            match rule.order {
                SignOrder::EncryptThenSign => "先加密后签名：签名覆盖密文，接收方先验签再解密".into(),
                SignOrder::SignThenEncrypt => "先签名后加密：签名覆盖明文，接收方先解密、放回明文再验签".into(),
            },
        ));
    }
    signature.push((
        "比较".into(),
        match rule.compare {
            Compare::Exact => "逐字符比较（常量时间）".into(),
            Compare::IgnoreCase => "忽略大小写比较（常量时间）".into(),
        },
    ));
    let masked = Inputs::new();
    let encryption = protocol
        .encryption
        .iter()
        .flat_map(|e| {
            let select = e.select.as_ref().map(|s| ("方案选择".to_owned(), format!("由信封字段 `{s}` 的值指定")));
            select.into_iter().chain(e.schemes.iter().map(|s| {
                let key = match &s.cipher {
                    SchemeCipher::Symmetric { key: source, .. } => {
                        let mut key = format!("密钥：`{}`", source.template);
                        for step in source.steps.iter() {
                            key.push_str(&match step {
                                KeyStep::Encrypt { cipher, key } => {
                                    format!(
                                        " → 以密钥 `{key}` 按 {} 加密",
                                        walkthrough::describe_block(cipher, &masked)
                                    )
                                }
                                KeyStep::Take(n) => format!(" → 取前 {n} 个字符"),
                            });
                        }
                        key
                    }
                    SchemeCipher::Sm2(sm2) => {
                        format!("发送方以对方公钥 `{}` 加密，接收方以己方私钥 `{}` 解密", sm2.public, sm2.private)
                    }
                };
                (format!("方案 {}", s.name), format!("{}；{key}", walkthrough::describe(s, &masked)))
            }))
        })
        .collect();
    let freshness = protocol
        .freshness
        .as_ref()
        .map(|f| {
            format!(
                "请求须带最近的时间 `{}`：与服务器时钟相差不超过 {} 秒，同一签名在时间窗内只接受一次。",
                f.field, f.window_seconds
            )
        })
        .unwrap_or_default();
    let encryption_description =
        protocol.encryption.as_ref().map(|e| e.description.trim_end().to_owned()).unwrap_or_default();
    ProtocolView {
        description: protocol.description.trim_end().to_owned(),
        description_html: text::markdown(&protocol.description),
        credentials: protocol
            .credentials
            .iter()
            .map(|c| {
                let example = c.example.as_deref().unwrap_or_default().to_owned();
                (c.name.to_string(), c.title.to_string(), c.secret, example, c.description.trim_end().to_owned())
            })
            .collect(),
        bindings,
        freshness,
        envelopes: vec![
            envelope(platform, "请求信封", &protocol.request, linker),
            envelope(platform, "响应信封", &protocol.response, linker),
        ],
        signature,
        signature_description: rule.description.trim_end().to_owned(),
        signature_description_html: text::markdown(&rule.description),
        encryption,
        encryption_description_html: text::markdown(&encryption_description),
        encryption_description,
    }
}

fn digest_step(step: &DigestStep) -> String {
    match step {
        DigestStep::Hash(a) => a.name().to_uppercase(),
        DigestStep::Hmac { algorithm, key } => format!("HMAC-{}（密钥 `{key}`）", algorithm.name().to_uppercase()),
        DigestStep::HexUpper => "大写十六进制".into(),
        DigestStep::HexLower => "小写十六进制".into(),
        DigestStep::Base64 => "Base64".into(),
        DigestStep::Sign { algorithm: hisgate_runtime::schema::SignAlgorithm::RsaSha256, private, public, .. } => {
            format!("SHA256withRSA 签名（私钥 `{private}` 签名，公钥 `{public}` 验签）")
        }
        DigestStep::Sign {
            algorithm: hisgate_runtime::schema::SignAlgorithm::Sm2Sm3 { user_id, encoding },
            private,
            public,
            ..
        } => {
            let encoding = match encoding {
                hisgate_runtime::schema::SignatureEncoding::Der => "DER",
                hisgate_runtime::schema::SignatureEncoding::Raw => "r‖s",
                hisgate_runtime::schema::SignatureEncoding::Either => "DER (r‖s accepted too)",
            };
            format!(
                "SM3withSM2 签名（用户 ID `{user_id}`，{encoding} 编码；私钥 `{private}` 签名，公钥 `{public}` 验签）"
            )
        }
    }
}

fn envelope(platform: &PlatformSchema, label: &str, schema: &EnvelopeSchema, linker: &Linker) -> EnvelopeView {
    let payload = match (&schema.payload.field, &schema.payload.ciphertext) {
        (Some(field), Some(cipher)) => format!("业务报文明文在 `{field}`，加密后密文在 `{cipher}`"),
        (None, Some(cipher)) => format!("业务报文加密后写入 `{cipher}`"),
        (Some(field), None) => format!("业务报文在 `{field}`"),
        (None, None) => "业务字段与信封字段并列在报文体中".into(),
    };
    EnvelopeView {
        label: label.into(),
        root: schema.root.as_deref().unwrap_or_default().to_owned(),
        payload,
        fields: schema
            .fields
            .iter()
            .map(|f| EnvelopeFieldView {
                name: f.name.to_string(),
                title: f.title.to_string(),
                place: match f.place {
                    Where::Body => "报文",
                    Where::Header => "HTTP 头",
                    Where::Query => "查询串",
                }
                .into(),
                required: f.required,
                role: match f.role {
                    EnvelopeRole::Plain => "",
                    EnvelopeRole::Signature => "签名",
                    EnvelopeRole::Code => "返回码",
                    EnvelopeRole::Message => "返回信息",
                    EnvelopeRole::Scheme => "加密方案",
                }
                .into(),
                value: f.value.as_deref().unwrap_or_default().to_owned(),
                accepts: f.accepts.join("、"),
                description: f.description.trim_end().to_owned(),
                description_html: text::markdown(&f.description),
                aliases: f.aliases.iter().map(|a| a.to_string()).collect(),
                errata: errata::refs(platform, &f.errata, linker),
            })
            .collect(),
    }
}

/// The document's worked examples (`examples/worked.yaml`) through the engine; for a platform without any, its first interface's example.
fn walkthroughs(platform: &PlatformSchema, linker: &Linker) -> (Vec<WalkthroughView>, String) {
    let Some(protocol) = &platform.protocol else {
        return (Vec::new(), "此平台未声明 protocol.yaml：没有签名与加密规则可演示。".into());
    };
    if !platform.examples.is_empty() {
        let views = platform
            .examples
            .iter()
            .map(|example| {
                let reproduced = worked::reproduce(platform, example, None);
                let checks = reproduced
                    .compared
                    .iter()
                    .map(|c| CheckView {
                        what: if c.what == "sign" { "签名" } else { "密文" }.into(),
                        document: c.printed.clone(),
                        computed: c.computed.clone(),
                        ok: c.ok(),
                        erratum: example.erratum.as_deref().unwrap_or_default().to_owned(),
                    })
                    .collect();
                let interface = example.interface.as_deref().and_then(|n| platform.interface(n));
                let mut view =
                    view(platform, &example.title, &example.source, &example.note, interface, reproduced.run, linker);
                view.checks = checks;
                view
            })
            .collect();
        return (views, String::new());
    }
    let Some(interface) = platform.interfaces.first() else { return (Vec::new(), String::new()) };
    let format = interface_page::formats(platform)[0];
    let run = walkthrough::sample_text(platform, interface.request, format).and_then(|text| {
        let inputs = walkthrough::inputs(platform, protocol, Some(interface), Direction::Request, &[]);
        walkthrough::run(platform, Direction::Request, Some(interface.provider), format, &text, &inputs)
    });
    let title = format!("{} {} 请求", interface.title, interface.name);
    let source = "由规范生成：字段取文档给出的示例值，没有示例的按字段规则生成；凭据取 protocol.yaml 的示例值";
    let note = "文档没有可供复现的签名或加密示例，下面的演示由 hisgate 按规范生成。";
    (vec![view(platform, &title, source, note, Some(interface), run, linker)], note.into())
}

fn view(
    platform: &PlatformSchema,
    title: &str,
    source: &str,
    note: &str,
    interface: Option<&hisgate_runtime::schema::InterfaceSchema>,
    run: Result<Run, String>,
    linker: &Linker,
) -> WalkthroughView {
    let mut view = WalkthroughView {
        title: title.into(),
        source: source.into(),
        note_html: text::markdown(note),
        note: note.trim_end().into(),
        interface: interface
            .map(|i| (format!("{} {}", i.name, i.title), linker.to(&paths::interface(&platform.name, &i.name), None))),
        direction: String::new(),
        format: String::new(),
        inputs: Vec::new(),
        plaintext: String::new(),
        encryption: None,
        pairs: Vec::new(),
        canonical: String::new(),
        digest: Vec::new(),
        sign: String::new(),
        sign_field: String::new(),
        sign_place: String::new(),
        headers: Vec::new(),
        body: String::new(),
        opened: String::new(),
        opened_ok: false,
        checks: Vec::new(),
        error: String::new(),
    };
    let run = match run {
        Ok(run) => run,
        Err(e) => {
            view.error = e;
            return view;
        }
    };
    view.direction = match run.direction {
        Direction::Request => "请求".into(),
        Direction::Response => "响应".into(),
    };
    view.format = run.format.as_str().to_uppercase();
    view.inputs = run.inputs;
    view.plaintext = run.plaintext;
    view.encryption = run.encryption.map(|e| {
        let mut labels = vec!["密钥模板".to_owned()];
        labels.extend((1..e.key_steps.len()).map(|i| format!("派生第 {i} 步")));
        EncryptionView {
            scheme: e.scheme,
            cipher: e.cipher,
            key_steps: labels.into_iter().zip(e.key_steps).collect(),
            field: e.field,
            ciphertext: e.ciphertext,
        }
    });
    view.pairs =
        run.pairs.into_iter().map(|(n, v, skip)| (n, v, skip.is_none(), skip.unwrap_or_default().into())).collect();
    view.canonical = run.canonical;
    view.digest = run.digest;
    view.sign = run.sign;
    view.sign_field = run.sign_field;
    view.sign_place = if run.sign_in_header { "HTTP 头".into() } else { "报文".into() };
    view.headers = run.headers;
    view.body = pretty::indent(&run.body, run.format);
    (view.opened_ok, view.opened) = match run.opened {
        Ok(()) => (true, "接收方按规则验签并解密，得到的业务报文与发送的完全一致。".into()),
        Err(e) => (false, format!("接收方打开失败：{e}")),
    };
    view
}
