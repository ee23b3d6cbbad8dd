//! JSON Schema (2020-12, as OpenAPI 3.1 uses it) for the typed fields: each message a schema, each dictionary an
//! enum whose labels travel beside the codes (`x-enum-varnames`, `x-enum-descriptions`, as generators read them).

use hisgate_codegen::ident;
use hisgate_runtime::schema::{
    CodeSchema, DictionarySchema, FieldSchema, FieldType, JsonNumber, MessageId, MessageKind, PlatformSchema, Presence,
    TimeToken,
};
use serde_json::{Map, Value, json};

/// `#/components/schemas/NAME`.
pub fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The component name of a message: its dotted path (`Pay.request.user`).
pub fn message_name(platform: &PlatformSchema, id: MessageId) -> String {
    platform.message(id).path.to_string()
}

/// The component name of a dictionary, or of one of its tables: `dict.sex`, `dict.accountStatus.outpatient`.
pub fn dictionary_name(dictionary: &DictionarySchema, table: Option<usize>) -> String {
    match table.and_then(|t| dictionary.tables.get(t)).and_then(|t| t.name.as_deref()) {
        Some(table) => format!("dict.{}.{table}", dictionary.name),
        None => format!("dict.{}", dictionary.name),
    }
}

/// Every dictionary, and each table of a multi-table one, as a component.
pub fn dictionaries(platform: &PlatformSchema, out: &mut Map<String, Value>) {
    for dictionary in platform.dictionaries.iter() {
        let all: Vec<&CodeSchema> = dictionary.codes(None).collect();
        let mut schema = codes(&all, false, dictionary.open);
        schema["title"] = json!(dictionary.title);
        if !dictionary.description.is_empty() {
            schema["description"] = json!(dictionary.description.trim_end());
        }
        out.insert(dictionary_name(dictionary, None), schema);
        if dictionary.tables.len() > 1 {
            for (t, table) in dictionary.tables.iter().enumerate() {
                let codes_of_table: Vec<&CodeSchema> = table.codes.iter().collect();
                let mut schema = codes(&codes_of_table, false, dictionary.open);
                schema["title"] = json!(table.title.as_deref().unwrap_or(&dictionary.title));
                out.insert(dictionary_name(dictionary, Some(t)), schema);
            }
        }
    }
}

/// An enum of codes with their labels; an open dictionary lists them without restricting the value.
fn codes(codes: &[&CodeSchema], numeric: bool, open: bool) -> Value {
    let mut seen = Vec::new();
    let mut values = Vec::new();
    let mut names = Vec::new();
    let mut labels = Vec::new();
    for code in codes {
        if seen.contains(&&*code.code) {
            continue;
        }
        seen.push(&*code.code);
        values.push(typed(&code.code, numeric));
        let variant = code.variant.as_deref().map(str::to_owned).or_else(|| ident::default_variant(&code.code));
        names.push(json!(variant.unwrap_or_else(|| format!("C{}", values.len()))));
        labels.push(json!(code.label));
    }
    let described: Vec<String> = codes.iter().map(|c| format!("{} {}", c.code, c.label)).collect();
    let kind = match () {
        _ if !numeric => "string",
        _ if values.iter().all(Value::is_i64) => "integer",
        _ => "number",
    };
    let mut schema = json!({
        "type": kind,
        "x-enum-varnames": names,
        "x-enum-descriptions": labels,
        "description": described.join("；"),
    });
    if open {
        schema["examples"] = Value::Array(values);
        schema["description"] = json!(format!("开放字典，也可能收到表外的代码。{}", described.join("；")));
    } else {
        schema["enum"] = Value::Array(values);
    }
    schema
}

/// A code as a JSON value of the field's type: `1` for a number field, `"01"` for text.
fn typed(code: &str, numeric: bool) -> Value {
    match serde_json::from_str::<Value>(code) {
        Ok(number @ Value::Number(_)) if numeric => number,
        _ => json!(code),
    }
}

/// Every message of every interface (and each nested one) as a component.
pub fn messages(platform: &PlatformSchema, out: &mut Map<String, Value>) {
    for id in (0..platform.messages.len()).map(|i| MessageId(i as u32)) {
        out.insert(message_name(platform, id), message(platform, id));
    }
}

fn message(platform: &PlatformSchema, id: MessageId) -> Value {
    let schema = platform.message(id);
    let mut out = json!({ "type": "object" });
    if !schema.description.is_empty() {
        out["description"] = json!(schema.description.trim_end());
    }
    match schema.kind {
        MessageKind::Open => {
            out["description"] = json!("文档只给出接口名称，没有字段表：报文是开放的 JSON 对象。");
            out["additionalProperties"] = json!(true);
            return out;
        }
        MessageKind::Empty => {
            out["description"] = json!("文档说明此报文没有业务内容（“无”）。");
            return out;
        }
        MessageKind::Fields => {}
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut all_of = Vec::new();
    for field in schema.fields.iter() {
        properties.insert(field.name.to_string(), self::field(platform, field));
        match &field.presence {
            Presence::Required => required.push(json!(field.name)),
            Presence::Optional => {}
            Presence::RequiredWhen(condition) => {
                // The condition's values as text and, where they are numbers, as numbers: input accepts both.
                let values: Vec<Value> = condition
                    .values
                    .iter()
                    .flat_map(|v| std::iter::once(json!(v)).chain(v.parse::<i64>().ok().map(|n| json!(n))))
                    .collect();
                all_of.push(json!({
                    "if": { "properties": { &*condition.field: { "enum": values } }, "required": [&*condition.field] },
                    "then": { "required": [&*field.name] },
                }));
            }
        }
    }
    for group in schema.require_one_of.iter() {
        let any: Vec<Value> = group.iter().map(|name| json!({ "required": [name] })).collect();
        all_of.push(json!({ "anyOf": any }));
    }
    out["properties"] = Value::Object(properties);
    if !required.is_empty() {
        out["required"] = Value::Array(required);
    }
    if !all_of.is_empty() {
        out["allOf"] = Value::Array(all_of);
    }
    out
}

pub fn field(platform: &PlatformSchema, field: &FieldSchema) -> Value {
    let numeric_json = field.ty.is_number() && field.json == JsonNumber::Number;
    let mut schema = match field.ty {
        FieldType::Object(child) => reference(&message_name(platform, child)),
        FieldType::List(child) => json!({ "type": "array", "items": reference(&message_name(platform, child)) }),
        FieldType::Map => json!({ "type": "object", "additionalProperties": true }),
        _ if field.has_codes() => {
            let only_dict = field.dict.filter(|_| field.codes.is_empty() && !numeric_json);
            match only_dict {
                Some(r) => {
                    let dictionary = platform.dictionary(r.dict);
                    reference(&dictionary_name(dictionary, r.table.map(usize::from)))
                }
                None => {
                    let all: Vec<&CodeSchema> = field.accepted_codes(platform).collect();
                    codes(&all, numeric_json, field.codes_open(platform))
                }
            }
        }
        ty => scalar(ty, field.json),
    };
    if let Some(format) = &field.format {
        schema["pattern"] = json!(pattern(&format.tokens));
        schema["x-hisgate-format"] = json!(format.pattern);
    }
    if numeric_json {
        if let Some(min) = field.min.as_deref().and_then(|m| serde_json::from_str::<Value>(m).ok()) {
            schema["minimum"] = min;
        }
        if let Some(max) = field.max.as_deref().and_then(|m| serde_json::from_str::<Value>(m).ok()) {
            schema["maximum"] = max;
        }
    }
    if !field.title.is_empty() {
        schema["title"] = json!(field.title);
    }
    let mut description = field.description.trim_end().to_owned();
    if let Some(unit) = field.unit {
        description = format!("单位：{}。{description}", if unit.as_str() == "fen" { "分" } else { "元" });
    }
    if !description.is_empty() {
        schema["description"] = json!(description);
    }
    if let Some(example) = &field.example {
        let value = match serde_json::from_str::<Value>(example) {
            Ok(number @ Value::Number(_)) if numeric_json => number,
            _ => json!(example),
        };
        schema["examples"] = json!([value]);
    }
    if !field.aliases.is_empty() {
        schema["x-hisgate-aliases"] = json!(field.aliases);
    }
    if field.sensitive {
        schema["x-hisgate-sensitive"] = json!(true);
    }
    if !field.errata.is_empty() {
        schema["x-hisgate-errata"] = json!(field.errata);
    }
    if field.origin_kind == hisgate_runtime::schema::Origin::Example {
        schema["x-hisgate-origin"] = json!("example");
    }
    schema
}

fn scalar(ty: FieldType, json: JsonNumber) -> Value {
    match (ty, json) {
        (FieldType::String { max_chars: Some(n) }, _) => json!({ "type": "string", "maxLength": n }),
        (FieldType::String { max_chars: None }, _) => json!({ "type": "string" }),
        // Bytes of UTF-8 are at least as many as characters: maxLength is a bound, x-hisgate-max-bytes the rule.
        (FieldType::Char { max_bytes }, _) => {
            json!({ "type": "string", "maxLength": max_bytes, "x-hisgate-max-bytes": max_bytes })
        }
        (FieldType::Int, JsonNumber::Number) => json!({ "type": "integer", "format": "int32" }),
        (FieldType::Long, JsonNumber::Number) => json!({ "type": "integer", "format": "int64" }),
        (FieldType::Int | FieldType::Long, JsonNumber::String) => json!({ "type": "string", "pattern": "^-?[0-9]+$" }),
        (FieldType::Decimal { precision, scale }, json) => {
            let notation = format!("decimal({precision},{scale})");
            let integer = precision.saturating_sub(scale).max(1);
            let pattern = if scale == 0 {
                format!("^-?[0-9]{{1,{integer}}}$")
            } else {
                format!("^-?[0-9]{{1,{integer}}}(\\.[0-9]{{1,{scale}}})?$")
            };
            match json {
                JsonNumber::Number => json!({ "type": "number", "x-hisgate-decimal": notation }),
                JsonNumber::String => json!({ "type": "string", "pattern": pattern, "x-hisgate-decimal": notation }),
            }
        }
        (FieldType::Object(_) | FieldType::List(_) | FieldType::Map, _) => json!({ "type": "object" }),
    }
}

/// A regular expression for a date/time format: `YYYY-MM-DD` → `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`.
fn pattern(tokens: &[TimeToken]) -> String {
    let mut out = String::from("^");
    for token in tokens {
        match token {
            TimeToken::Year => out.push_str("[0-9]{4}"),
            TimeToken::Millis => out.push_str("[0-9]{3}"),
            TimeToken::Literal(c) => {
                if c.is_ascii_alphanumeric() || *c == ' ' || !c.is_ascii() {
                    out.push(*c);
                } else {
                    out.push('\\');
                    out.push(*c);
                }
            }
            _ => out.push_str("[0-9]{2}"),
        }
    }
    out.push('$');
    out
}
