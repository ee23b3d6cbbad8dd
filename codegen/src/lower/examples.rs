//! Every `example:` must satisfy its own field's rules, checked by the same validator that checks messages.

use crate::diagnostic::Diagnostics;
use hisgate_schema::Rule;
use hisgate_schema::validate::check as check_message;
use hisgate_schema::{MessageId, MessageKind, PlatformSchema};
use serde_json::{Map, Value};

pub(super) fn check(platform: &PlatformSchema, diags: &mut Diagnostics) {
    for (index, message) in platform.messages.iter().enumerate() {
        if message.kind != MessageKind::Fields {
            continue;
        }
        for field in message.fields.iter() {
            let Some(example) = &field.example else {
                continue;
            };
            if field.ty.child().is_some() || matches!(field.ty, hisgate_schema::FieldType::Map) {
                diags.error(&field.origin, format!("`example` on `{}`: objects, lists and maps take none", field.name));
                continue;
            }
            let mut value =
                Value::Object(Map::from_iter([(field.name.to_string(), Value::String(example.to_string()))]));
            let violations = check_message(platform, MessageId(index as u32), &mut value);
            let own = |rule: Rule| !matches!(rule, Rule::Required | Rule::RequiredWhen | Rule::OneOf);
            for v in violations.iter().filter(|v| v.path == *field.name && own(v.rule)) {
                diags.error(&field.origin, format!("`example` of `{}` breaks its own rule: {v}", field.name));
            }
        }
    }
}
