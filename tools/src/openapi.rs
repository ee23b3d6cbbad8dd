//! OpenAPI 3.1 for a platform's JSON and XML bindings: one operation per interface (or, where every interface of a
//! side shares one address and the envelope routes by service, one operation whose body is one of each interface's
//! envelope), envelopes and payloads as schemas from the typed fields, dictionaries as enums with their labels, and
//! a request and response example of each interface sealed by the engine. A JSON and an XML binding at one address
//! are one operation with an `application/json` and an `application/xml` body; XML names come from the envelope's
//! `root` and the messages' element names. SOAP bindings are left to the WSDL ([`unexported`] says so).

mod schema;

use crate::docs::walkthrough;
use hisgate_runtime::envelope::Format;
use hisgate_runtime::schema::{
    BindingSchema, Direction, EnvelopeField, EnvelopeRole, HttpMethod, InterfaceSchema, Place, PlatformSchema,
    ProtocolSchema, Side,
};
use serde_json::{Map, Value, json};

/// The OpenAPI document of `platform`.
pub fn document(platform: &PlatformSchema) -> Value {
    let mut components = Map::new();
    schema::dictionaries(platform, &mut components);
    schema::messages(platform, &mut components);
    let mut paths = Map::new();
    if let Some(protocol) = &platform.protocol {
        let xml = protocol.bindings.iter().any(|b| b.format == Format::Xml && b.soap.is_none());
        for interface in platform.interfaces.iter() {
            for direction in [Direction::Request, Direction::Response] {
                let name = envelope_name(interface, direction);
                let mut schema = envelope(platform, protocol, interface, direction, false).0;
                let message = schema::message_name(platform, message_of(interface, direction));
                // XML names where an XML binding uses them: the envelope's root, the payload document's root.
                if xml {
                    if let Some(root) = &protocol.envelope(direction).root {
                        schema["xml"] = json!({ "name": root });
                    }
                    if let Some(message_schema) = components.get_mut(&message) {
                        message_schema["xml"] =
                            json!({ "name": platform.message(message_of(interface, direction)).xml_name });
                    }
                }
                components.insert(name, schema);
            }
        }
        operations(platform, protocol, &mut paths);
    }
    let mut description = platform.description.trim_end().to_owned();
    if let Some(protocol) = &platform.protocol {
        description.push_str("\n\n## 信封、签名与加密\n\n");
        description.push_str(protocol.description.trim_end());
        description.push_str(
            "\n\n每个报文都要按平台规则签名（并在需要时加密）：本文件描述线上的信封与明文业务报文的结构，示例由 hisgate 的引擎\
             用文档的示例凭据生成。`x-hisgate-plaintext` 指向密文字段加密前的业务报文。",
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{}（{}）", platform.title, platform.name),
            "version": platform.document,
            "description": description,
        },
        "tags": [
            { "name": "hospital", "description": "医院提供，平台调用" },
            { "name": "platform", "description": "平台提供，医院调用" },
        ],
        "paths": paths,
        "components": { "schemas": components },
    })
}

fn message_of(interface: &InterfaceSchema, direction: Direction) -> hisgate_runtime::schema::MessageId {
    match direction {
        Direction::Request => interface.request,
        Direction::Response => interface.response,
    }
}

fn envelope_name(interface: &InterfaceSchema, direction: Direction) -> String {
    match direction {
        Direction::Request => format!("{}.request.envelope", interface.name),
        Direction::Response => format!("{}.response.envelope", interface.name),
    }
}

fn side(side: Side) -> &'static str {
    side.as_str()
}

/// Why each binding the document does not describe is left out, one sentence each; empty when every binding is
/// described.
pub fn unexported(platform: &PlatformSchema) -> Vec<String> {
    let Some(protocol) = &platform.protocol else {
        return vec![format!(
            "platform `{}` has no protocol.yaml: no binding to describe, only schemas",
            platform.name
        )];
    };
    let mut reasons: Vec<String> = protocol
        .bindings
        .iter()
        .filter(|b| b.soap.is_some())
        .map(|b| {
            format!(
                "binding `{}` is SOAP, which OpenAPI does not describe: its contract is `hisgate export wsdl --platform {}`",
                b.name, platform.name
            )
        })
        .collect();
    if protocol.bindings.is_empty() {
        reasons.push(format!("platform `{}` declares no binding: the document has no paths", platform.name));
    }
    reasons
}

fn media_type(format: Format) -> &'static str {
    match format {
        Format::Json => "application/json",
        Format::Xml => "application/xml",
    }
}

/// Groups the interfaces of each JSON or XML binding by address and method, and writes one operation per group.
fn operations(platform: &PlatformSchema, protocol: &ProtocolSchema, paths: &mut Map<String, Value>) {
    // JSON first: where both formats share an address, the operation keeps the JSON binding's id.
    let mut bindings: Vec<&BindingSchema> = protocol.bindings.iter().filter(|b| b.soap.is_none()).collect();
    bindings.sort_by_key(|b| b.format != Format::Json);
    for binding in bindings {
        let mut groups: Vec<(String, Vec<&InterfaceSchema>)> = Vec::new();
        // An interface that travels under one binding (`binding:`) is described under that one only.
        for interface in platform.interfaces.iter().filter(|i| i.travels_under(&binding.name)) {
            let template = binding.path(interface.provider);
            let own = interface.path.as_deref();
            if template.contains("{path}") && own.is_none() {
                continue;
            }
            let path = template.replace("{service}", &interface.service).replace("{path}", own.unwrap_or_default());
            match groups.iter_mut().find(|(p, _)| *p == path) {
                Some((_, members)) => members.push(interface),
                None => groups.push((path, vec![interface])),
            }
        }
        let query = binding.method == HttpMethod::Get;
        for (path, members) in groups {
            let operation = match members.as_slice() {
                [one] => single(platform, protocol, one, binding, query),
                many => shared(platform, protocol, many, binding),
            };
            let item = paths.entry(path).or_insert_with(|| json!({}));
            let method = if query { "get" } else { "post" };
            match item.get_mut(method) {
                Some(existing) => same_operation_in_another_format(existing, &operation),
                None => item[method] = operation,
            }
            let mut sides: Vec<Side> = members.iter().map(|i| i.provider).collect();
            sides.dedup();
            item["servers"] = Value::Array(sides.into_iter().map(server).collect());
        }
    }
}

fn server(side: Side) -> Value {
    let (variable, description) = match side {
        Side::Hospital => ("hospital", "医院服务的地址（各医院自行部署）"),
        Side::Platform => ("platform", "平台服务的地址（由平台分配）"),
    };
    json!({
        "url": format!("{{{variable}}}"),
        "description": description,
        "variables": { variable: { "default": format!("https://{variable}.example.invalid") } },
    })
}

/// A second binding at an operation's address and method: its bodies join the operation's as another media type.
fn same_operation_in_another_format(existing: &mut Value, other: &Value) {
    for pointer in ["/requestBody/content", "/responses/200/content"] {
        if let (Some(Value::Object(into)), Some(Value::Object(from))) =
            (existing.pointer_mut(pointer), other.pointer(pointer))
        {
            into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
}

/// One interface at its own address.
fn single(
    platform: &PlatformSchema,
    protocol: &ProtocolSchema,
    interface: &InterfaceSchema,
    binding: &BindingSchema,
    query: bool,
) -> Value {
    let (_, mut parameters) = envelope(platform, protocol, interface, Direction::Request, query);
    parameters.extend(payload_parameters(platform, protocol, interface, query));
    let request_example = sealed(platform, interface, Direction::Request, binding.format);
    for parameter in &mut parameters {
        let name = parameter["name"].as_str().unwrap_or_default().to_owned();
        if let Some(value) = request_example.as_ref().and_then(|e| e.lookup(&name)) {
            parameter["example"] = json!(value);
        }
    }
    let mut operation = json!({
        "operationId": format!("{}.{}", binding.name, interface.name),
        "summary": format!("{} {}", interface.name, interface.title),
        "description": interface.description.trim_end(),
        "tags": [side(interface.provider)],
        "parameters": parameters,
        "responses": responses(platform, &[interface], binding.format),
        "x-hisgate-interface": interface.name,
        "x-hisgate-service": interface.service,
        "x-hisgate-provider": side(interface.provider),
    });
    if !query {
        let mut content = json!({ "schema": schema::reference(&envelope_name(interface, Direction::Request)) });
        if let Some(example) = request_example {
            content["example"] = example.body;
        }
        let content = json!({ media_type(binding.format): content });
        operation["requestBody"] = json!({ "required": true, "content": content });
    }
    operation
}

/// The request fields the interface's path carries (`{out_trade_no}`: `in: path`, required), and, for a GET whose
/// payload is the message itself (no payload field), the payload's other top-level scalar fields as query
/// parameters.
fn payload_parameters(
    platform: &PlatformSchema,
    protocol: &ProtocolSchema,
    interface: &InterfaceSchema,
    query: bool,
) -> Vec<Value> {
    let message = platform.message(interface.request);
    let carried = interface.path_fields();
    let inline = protocol.request.payload.field.is_none();
    let mut out = Vec::new();
    for field in message.fields.iter().filter(|f| f.ty.child().is_none()) {
        let place = if carried.contains(&&*field.name) {
            "path"
        } else if query && inline {
            "query"
        } else {
            continue;
        };
        let required = place == "path" || field.presence == hisgate_runtime::schema::Presence::Required;
        let mut parameter = json!({
            "name": field.name,
            "in": place,
            "required": required,
            "description": field.title,
            "schema": schema::field(platform, field),
        });
        if let Some(example) = &field.example {
            parameter["example"] = json!(example);
        }
        out.push(parameter);
    }
    out
}

/// Several interfaces at one address, told apart by the envelope's routing field (`service`, `transType`).
fn shared(
    platform: &PlatformSchema,
    protocol: &ProtocolSchema,
    members: &[&InterfaceSchema],
    binding: &BindingSchema,
) -> Value {
    let refs: Vec<Value> = members.iter().map(|i| schema::reference(&envelope_name(i, Direction::Request))).collect();
    let mut body = json!({ "oneOf": refs });
    let route =
        protocol.request.fields.iter().find(|f| f.value.as_deref() == Some("{service}") && f.place == Place::Body);
    if let Some(route) = route {
        let mapping: Map<String, Value> = members
            .iter()
            .map(|i| {
                (i.service.to_string(), json!(format!("#/components/schemas/{}", envelope_name(i, Direction::Request))))
            })
            .collect();
        body["discriminator"] = json!({ "propertyName": route.name, "mapping": mapping });
    }
    let mut examples = Map::new();
    for interface in members {
        if let Some(example) = sealed(platform, interface, Direction::Request, binding.format) {
            examples.insert(interface.name.to_string(), json!({ "summary": interface.title, "value": example.body }));
        }
    }
    let routed_by = route.map_or_else(|| "业务报文".to_owned(), |r| format!("`{}`", r.name));
    let list: Vec<String> = members.iter().map(|i| format!("- `{}` {}", i.service, i.title)).collect();
    let (_, parameters) = envelope(platform, protocol, members[0], Direction::Request, false);
    let mut sides: Vec<&str> = members.iter().map(|i| side(i.provider)).collect();
    sides.dedup();
    json!({
        "operationId": format!("{}.{}", binding.name, sides.join("-")),
        "summary": format!("这些接口共用一个地址，按 {routed_by} 区分"),
        "description": list.join("\n"),
        "tags": sides,
        "parameters": parameters,
        "requestBody": {
            "required": true,
            "content": { media_type(binding.format): { "schema": body, "examples": examples } },
        },
        "responses": responses(platform, members, binding.format),
        "x-hisgate-interfaces": members.iter().map(|i| i.name.to_string()).collect::<Vec<_>>(),
    })
}

fn responses(platform: &PlatformSchema, members: &[&InterfaceSchema], format: Format) -> Value {
    let refs: Vec<Value> = members.iter().map(|i| schema::reference(&envelope_name(i, Direction::Response))).collect();
    let schema = match refs.as_slice() {
        [one] => one.clone(),
        _ => json!({ "oneOf": refs }),
    };
    let mut content = json!({ "schema": schema });
    let mut examples = Map::new();
    for interface in members {
        if let Some(example) = sealed(platform, interface, Direction::Response, format) {
            examples.insert(interface.name.to_string(), json!({ "summary": interface.title, "value": example.body }));
        }
    }
    if !examples.is_empty() {
        content["examples"] = Value::Object(examples);
    }
    json!({ "200": { "description": "签名（并按规则加密）的响应信封", "content": { media_type(format): content } } })
}

/// A sample message sealed by the engine with the credentials' examples: a JSON body as its value, an XML body as
/// its text.
struct Sealed {
    body: Value,
    headers: Vec<(String, String)>,
}

impl Sealed {
    fn lookup(&self, name: &str) -> Option<String> {
        let header = self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        header.or_else(|| self.body.get(name).and_then(Value::as_str).map(str::to_owned))
    }
}

fn sealed(
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    direction: Direction,
    format: Format,
) -> Option<Sealed> {
    let protocol = platform.protocol.as_ref()?;
    let id = message_of(interface, direction);
    let text = walkthrough::sample_text(platform, id, format).ok()?;
    let inputs = walkthrough::inputs(platform, protocol, Some(interface), direction, &[]);
    let run = walkthrough::run(platform, direction, Some(interface.provider), format, &text, &inputs).ok()?;
    let body = match format {
        Format::Json => serde_json::from_str(&run.body).ok()?,
        Format::Xml => Value::String(run.body),
    };
    Some(Sealed { body, headers: run.headers })
}

/// The envelope of one interface in one direction: its body schema, and the fields that travel as header (or,
/// for GET, query) parameters.
fn envelope(
    platform: &PlatformSchema,
    protocol: &ProtocolSchema,
    interface: &InterfaceSchema,
    direction: Direction,
    query: bool,
) -> (Value, Vec<Value>) {
    let envelope = protocol.envelope(direction);
    let payload = schema::reference(&schema::message_name(platform, message_of(interface, direction)));
    let placement = &envelope.payload;
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut parameters = Vec::new();
    for field in envelope.fields.iter() {
        let mut schema = envelope_field(field, &interface.service);
        if placement.field.as_deref() == Some(&*field.name) {
            schema =
                json!({ "allOf": [payload.clone()], "description": "业务报文（明文）；加密时移除，改由密文字段携带" });
        } else if placement.ciphertext.as_deref() == Some(&*field.name) {
            schema["description"] = json!("业务报文按平台规则加密后的密文；明文结构见 x-hisgate-plaintext");
            schema["x-hisgate-plaintext"] = payload.clone();
        }
        // A GET carries in its query what a sender writes: an optional body field without a template (a
        // notification's `event_type` beside the merchant's queries) never is.
        if query
            && field.place == Place::Body
            && field.value.is_none()
            && !field.required
            && field.role == EnvelopeRole::Plain
        {
            continue;
        }
        let place = match (field.place, query) {
            (Place::Header, _) => Some("header"),
            (Place::Query, _) | (Place::Body, true) => Some("query"),
            (Place::Body, false) => None,
        };
        match place {
            Some(place) => parameters.push(json!({
                "name": field.name,
                "in": place,
                "required": field.required && direction == Direction::Request,
                "description": field.title,
                "schema": schema,
            })),
            None => {
                if field.required {
                    required.push(json!(field.name));
                }
                properties.insert(field.name.to_string(), schema);
            }
        }
    }
    let mut body = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        body["required"] = Value::Array(required);
    }
    if placement.field.is_none() && placement.ciphertext.is_none() {
        // The payload's fields sit beside the envelope's in one body.
        body = json!({ "allOf": [payload, body] });
    }
    (body, parameters)
}

fn envelope_field(field: &EnvelopeField, service: &str) -> Value {
    let mut schema = json!({ "type": "string", "title": field.title });
    if !field.description.is_empty() {
        schema["description"] = json!(field.description.trim_end());
    }
    if let Some(max) = field.max_chars {
        schema["maxLength"] = json!(max);
    }
    if !field.accepts.is_empty() {
        schema["enum"] = json!(field.accepts);
    }
    match field.value.as_deref() {
        Some("{service}") => schema["const"] = json!(service),
        Some(value) if !value.contains('{') => schema["default"] = json!(value),
        Some(template) => schema["x-hisgate-template"] = json!(template),
        None => {}
    }
    let role = match field.role {
        EnvelopeRole::Signature => Some("signature"),
        EnvelopeRole::Code => Some("code"),
        EnvelopeRole::Message => Some("message"),
        EnvelopeRole::Scheme => Some("scheme"),
        EnvelopeRole::Plain => None,
    };
    if let Some(role) = role {
        schema["x-hisgate-role"] = json!(role);
    }
    if !field.aliases.is_empty() {
        schema["x-hisgate-aliases"] = json!(field.aliases);
    }
    schema
}
