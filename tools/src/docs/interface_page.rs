//! An interface's page: who provides it and how it is reached, its request and response tables, its business
//! return codes, its errata, and a complete example of each message sealed by the engine.

use super::errata::{self, Place};
use super::model::{AnswerView, CallView, FieldRow, MessageView, ReturnCodeView, SealedView};
use super::paths::{self, Link, Linker};
use super::walk::{self, Part};
use super::{pretty, text, walkthrough};
use hisgate_runtime::envelope::Format;
use hisgate_runtime::schema::{
    Direction, FieldSchema, HttpMethod, InterfaceSchema, MessageKind, PlatformSchema, ReturnCodeSchema,
};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct InterfacePage {
    pub name: String,
    pub title: String,
    pub section: String,
    pub provider: String,
    pub service: String,
    /// Other names accepted for the service (a documented erratum's spelling).
    pub service_aliases: Vec<String>,
    /// The fields that identify the call's business object (`keys:`), request first, then response.
    pub keys: Vec<String>,
    /// What a sender writes into the request envelope (`envelope:`), as `path: template`.
    pub envelope: Vec<String>,
    pub path: String,
    pub retry_safe: bool,
    /// `effect: write`: a call changes the provider's state.
    pub writes: bool,
    pub description: String,
    pub description_html: String,
    pub calls: Vec<CallView>,
    pub request: MessageView,
    pub response: MessageView,
    pub return_codes: Vec<ReturnCodeView>,
    pub unified_codes: Link,
    pub errata: Vec<super::model::ErratumView>,
    pub examples: Vec<SealedView>,
    /// What `hisgate serve` answers from the spec (`answers:`), first match first.
    pub answers: Vec<AnswerView>,
}

pub fn build(
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    places: &BTreeMap<String, Vec<Place>>,
    linker: &Linker,
) -> InterfacePage {
    let request = message(platform, interface, Part::Request, linker);
    let response = message(platform, interface, Part::Response, linker);
    // The errata declared by the interface, then those its fields and codes name.
    let mut ids: Vec<&str> =
        platform.errata.iter().filter(|e| e.interface.as_deref() == Some(&*interface.name)).map(|e| &*e.id).collect();
    for part in Part::BOTH {
        for at in walk::fields(platform, part.message(interface)) {
            ids.extend(at.field.errata.iter().map(|e| &**e));
            ids.extend(at.field.codes.iter().flat_map(|c| c.errata.iter().map(|e| &**e)));
        }
    }
    ids.extend(interface.return_codes.iter().flat_map(|c| c.errata.iter().map(|e| &**e)));
    InterfacePage {
        name: interface.name.to_string(),
        title: interface.title.to_string(),
        section: interface.section.as_deref().unwrap_or_default().to_owned(),
        provider: text::provider(interface.provider).into(),
        service: interface.service.to_string(),
        service_aliases: interface.service_aliases.iter().map(|a| a.to_string()).collect(),
        keys: interface.keys.iter().map(|k| k.to_string()).collect(),
        envelope: interface.envelope.iter().map(|v| format!("{}: {}", v.path, v.value)).collect(),
        path: interface.path.as_deref().unwrap_or_default().to_owned(),
        retry_safe: interface.retry_safe,
        writes: interface.effect == hisgate_schema::Effect::Write,
        description: interface.description.trim_end().to_owned(),
        description_html: text::markdown(&interface.description),
        calls: calls(platform, interface),
        request,
        response,
        return_codes: return_codes(platform, &interface.return_codes, linker),
        unified_codes: linker.to(&paths::return_codes(&platform.name), None),
        errata: errata::views(platform, ids, places, linker),
        examples: sealed_examples(platform, interface),
        answers: answers(platform, interface),
    }
}

fn answers(platform: &PlatformSchema, interface: &InterfaceSchema) -> Vec<AnswerView> {
    let success = platform.return_codes.iter().find(|c| c.success).map(|c| c.code.to_string()).unwrap_or_default();
    let conditions = |rule: &hisgate_runtime::schema::AnswerSchema| {
        let each = rule.when.iter().map(|c| format!("{} = {}", c.field, c.values.join(" 或 ")));
        each.collect::<Vec<_>>().join("；")
    };
    interface
        .answers
        .iter()
        .map(|rule| AnswerView {
            when: conditions(rule),
            code: rule.code.as_deref().map_or_else(|| success.clone(), str::to_owned),
            message: rule.message.as_deref().unwrap_or_default().to_owned(),
            response: rule.response.as_deref().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The return codes of a table, with their errata linked.
pub fn return_codes(platform: &PlatformSchema, codes: &[ReturnCodeSchema], linker: &Linker) -> Vec<ReturnCodeView> {
    codes
        .iter()
        .map(|c| ReturnCodeView {
            code: c.code.to_string(),
            anchor: paths::return_code_anchor(&c.code),
            message: c.message.to_string(),
            success: c.success,
            description: c.description.trim_end().to_owned(),
            description_html: text::markdown(&c.description),
            aliases: c.aliases.iter().map(|a| a.to_string()).collect(),
            errata: errata::refs(platform, &c.errata, linker),
        })
        .collect()
}

/// Each binding's way to this interface: `POST /wd/spi`, `GET /wd/spi/TestNet`, a SOAP operation.
fn calls(platform: &PlatformSchema, interface: &InterfaceSchema) -> Vec<CallView> {
    let Some(protocol) = &platform.protocol else { return Vec::new() };
    protocol
        .bindings
        .iter()
        .filter_map(|binding| {
            let template = binding.path(interface.provider);
            let own = interface.path.as_deref();
            if template.contains("{path}") && own.is_none() {
                return None;
            }
            let path = template.replace("{service}", &interface.service).replace("{path}", own.unwrap_or_default());
            let note = match (binding.soap, binding.method) {
                (Some(version), _) => format!("SOAP {}，操作 {}", soap_version(version), interface.service),
                (None, HttpMethod::Get) => "信封字段写在 URL 查询串中".into(),
                (None, HttpMethod::Post) => String::new(),
            };
            Some(CallView {
                binding: binding.name.to_string(),
                method: text::method(binding.method).into(),
                path,
                format: binding.format.as_str().to_uppercase(),
                note,
            })
        })
        .collect()
}

fn soap_version(version: hisgate_runtime::schema::SoapVersion) -> &'static str {
    match version {
        hisgate_runtime::schema::SoapVersion::Soap11 => "1.1",
        hisgate_runtime::schema::SoapVersion::Soap12 => "1.2",
    }
}

fn message(platform: &PlatformSchema, interface: &InterfaceSchema, part: Part, linker: &Linker) -> MessageView {
    let schema = platform.message(part.message(interface));
    let note = match schema.kind {
        MessageKind::Fields if schema.fields.is_empty() => "无业务字段。".into(),
        MessageKind::Fields => String::new(),
        MessageKind::Open => "文档只给出接口名称，没有字段表：报文按开放的 JSON 对象原样收发，不做字段校验。".into(),
        MessageKind::Empty => "文档说明此报文没有业务内容（“无”）。".into(),
    };
    MessageView {
        id: part.id().into(),
        label: part.label().into(),
        root: schema.xml_name.to_string(),
        note,
        description: schema.description.trim_end().to_owned(),
        description_html: text::markdown(&schema.description),
        rows: walk::fields(platform, part.message(interface))
            .into_iter()
            .map(|at| row(platform, part, &at.path, at.depth, at.field, linker))
            .collect(),
        one_of: schema.require_one_of.iter().map(|group| group.join("、")).collect(),
    }
}

fn row(
    platform: &PlatformSchema,
    part: Part,
    path: &str,
    depth: usize,
    field: &FieldSchema,
    linker: &Linker,
) -> FieldRow {
    let dict = field.dict.map(|r| {
        let dictionary = platform.dictionary(r.dict);
        let table = r.table.and_then(|t| dictionary.tables.get(usize::from(t)));
        let name = match table.and_then(|t| t.name.as_deref()) {
            Some(table) => format!("{}.{table}", dictionary.name),
            None => dictionary.name.to_string(),
        };
        let title = table.and_then(|t| t.title.as_deref()).unwrap_or(&dictionary.title);
        let anchor = r.table.map(|t| format!("t{t}"));
        (
            if title.contains(name.as_str()) { title.to_owned() } else { format!("{title}（{name}）") },
            linker.to(&paths::dictionary(&platform.name, &dictionary.name), anchor.as_deref()),
        )
    });
    let sample = hisgate_runtime::sample::shown(platform, field);
    FieldRow {
        anchor: paths::field_anchor(part.id(), path),
        depth,
        path: path.to_owned(),
        name: field.name.to_string(),
        aliases: field.aliases.iter().map(|a| a.to_string()).collect(),
        ty: field.ty.notation(),
        type_notes: text::type_notes(field),
        required: field.presence == hisgate_runtime::schema::Presence::Required,
        presence: text::presence(&field.presence),
        title: field.title.to_string(),
        description: field.description.trim_end().to_owned(),
        description_html: text::markdown(&field.description),
        dict,
        codes: field.codes.iter().map(|c| (c.code.to_string(), c.label.to_string())).collect(),
        example: sample,
        example_documented: hisgate_runtime::sample::documented(field),
        from_example: field.origin_kind == hisgate_runtime::schema::Origin::Example,
        sensitive: field.sensitive,
        errata: errata::refs(platform, &field.errata, linker),
    }
}

/// The formats the platform's bindings carry, the default first; JSON where it declares none.
pub fn formats(platform: &PlatformSchema) -> Vec<Format> {
    let mut formats = Vec::new();
    for binding in platform.protocol.iter().flat_map(|p| p.bindings.iter()) {
        if !formats.contains(&binding.format) {
            formats.push(binding.format);
        }
    }
    if formats.is_empty() {
        formats.push(Format::Json);
    }
    formats
}

fn sealed_examples(platform: &PlatformSchema, interface: &InterfaceSchema) -> Vec<SealedView> {
    let mut out = Vec::new();
    for format in formats(platform) {
        for (part, direction) in [(Part::Request, Direction::Request), (Part::Response, Direction::Response)] {
            let title = format!(
                "{}（{}）",
                if part == Part::Request { "请求" } else { "响应" },
                format.as_str().to_uppercase()
            );
            let mut view = SealedView {
                title,
                format: format.as_str().into(),
                plaintext: String::new(),
                headers: Vec::new(),
                body: String::new(),
                error: String::new(),
            };
            let sealed = walkthrough::sample_text(platform, part.message(interface), format).and_then(|text| {
                view.plaintext = pretty::indent(&text, format);
                let protocol = platform.protocol.as_ref().ok_or("未声明 protocol.yaml：只有业务报文，没有信封。")?;
                let inputs = walkthrough::inputs(platform, protocol, Some(interface), direction, &[]);
                walkthrough::run(platform, direction, Some(interface.provider), format, &text, &inputs)
            });
            match sealed {
                Ok(run) => {
                    view.headers = run.headers;
                    view.body = pretty::indent(&run.body, format);
                }
                Err(e) => view.error = e,
            }
            out.push(view);
        }
    }
    out
}
