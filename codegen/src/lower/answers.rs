//! `answers:` of an interface: each `when` names a scalar of the request, each `code` a return code the interface
//! or the platform declares, each `response` key a field of the response (objects and lists followed), each
//! placeholder one the runtime knows, each `{request.…}` a scalar of the request; a failure carries no `response`
//! and a success no `message`. Literal values are checked against their fields once the platform is complete.

use super::Lowerer;
use crate::diagnostic::Diagnostics;
use crate::spec::ast::{AnswerAst, AnswerValue, InterfaceAst, S};
use hisgate_schema::business_keys::key_field;
use hisgate_schema::*;
use serde_json::{Map, Value};

/// A literal scalar of a response template, checked against its field after lowering.
pub(super) struct Literal {
    pos: SourcePos,
    message: MessageId,
    field: String,
    value: String,
}

impl Lowerer<'_> {
    pub(super) fn answers(
        &mut self,
        asts: &[InterfaceAst],
        interfaces: &mut [InterfaceSchema],
        platform_codes: &[ReturnCodeSchema],
    ) -> Vec<Literal> {
        let mut literals = Vec::new();
        for ast in asts.iter().filter(|a| !a.answers.is_empty()) {
            let Some(name) = &ast.interface else { continue };
            let Some(interface) = interfaces.iter_mut().find(|i| i.name == name.value) else { continue };
            let answers: Vec<AnswerSchema> =
                ast.answers.iter().map(|a| self.answer(a, interface, platform_codes, &mut literals)).collect();
            interface.answers = Seq::Owned(answers);
        }
        literals
    }

    fn answer(
        &mut self,
        ast: &AnswerAst,
        interface: &InterfaceSchema,
        platform_codes: &[ReturnCodeSchema],
        literals: &mut Vec<Literal>,
    ) -> AnswerSchema {
        let name = &interface.name;
        let mut when = Vec::new();
        for (field, values) in &ast.when {
            if let Err(e) = key_field(&self.messages, interface.request, &field.value) {
                self.diags.error(&field.pos, format!("`when` names no scalar field of `{name}`'s request: {e}"));
            }
            if values.is_empty() {
                self.diags.error(&field.pos, format!("`when` gives `{}` no value to match", field.value));
            }
            when.push(AnswerCondition { field: Str::Owned(field.value.clone()), values: super::texts(values) });
        }
        let success = platform_codes.iter().find(|c| c.success);
        let is_success = match &ast.code {
            None => true,
            Some(code) => {
                let declared = interface
                    .return_codes
                    .iter()
                    .chain(platform_codes)
                    .find(|c| c.code == code.value || c.aliases.iter().any(|a| *a == code.value));
                if declared.is_none() {
                    let known: Vec<&str> =
                        interface.return_codes.iter().chain(platform_codes).map(|c| &*c.code).collect();
                    let message = format!(
                        "code `{}` is declared neither by `{name}` nor by the platform (declared: {})",
                        code.value,
                        super::list_or_none(&known)
                    );
                    self.diags.error(&code.pos, message);
                }
                declared.is_none_or(|c| c.success)
            }
        };
        if let (Some(message), true) = (&ast.message, is_success) {
            let answered = success.map_or(String::new(), |c| format!(" (`{}`)", c.message));
            let text = format!("`message` goes with a failure `code`: a success answers the spec's own{answered}");
            self.diags.error(&message.pos, text);
        }
        let response = match (&ast.response, is_success) {
            (None, _) => None,
            (Some(value), false) => {
                let text = "a failure is answered without a payload: drop `response`, or give a success `code`";
                self.diags.error(value_pos(value), text);
                None
            }
            (Some(value), true) => {
                let json = self.answer_template(value, interface, interface.response, literals);
                Some(Str::Owned(json.to_string()))
            }
        };
        AnswerSchema {
            when: Seq::Owned(when),
            code: super::opt(&ast.code),
            message: super::opt(&ast.message),
            response,
            origin: ast.pos.clone(),
        }
    }

    /// The template as JSON, reporting keys that are no field and placeholders that are none.
    fn answer_template(
        &mut self,
        value: &AnswerValue,
        interface: &InterfaceSchema,
        message: MessageId,
        literals: &mut Vec<Literal>,
    ) -> Value {
        let AnswerValue::Map(pos, entries) = value else {
            self.diags.error(value_pos(value), "expected the message's fields (a mapping)");
            return Value::Null;
        };
        let schema = &self.messages[message.0 as usize];
        match schema.kind {
            MessageKind::Empty => {
                let text = format!("`{}` carries nothing: an answer gives it no `response`", schema.path);
                self.diags.error(pos, text);
                return Value::Null;
            }
            // No field table: any keys, their values kept as written.
            MessageKind::Open => return open(self, value, interface),
            MessageKind::Fields => {}
        }
        let mut out = Map::new();
        for (key, value) in entries {
            let schema = &self.messages[message.0 as usize];
            let Some(field) = schema.fields.iter().find(|f| f.name == key.value).cloned() else {
                let names: Vec<&str> = schema.fields.iter().map(|f| &*f.name).collect();
                let text = format!(
                    "`{}` is no field of `{}` (fields: {})",
                    key.value,
                    schema.path,
                    super::list_or_none(&names)
                );
                self.diags.error(&key.pos, text);
                continue;
            };
            let json = match (field.ty, value) {
                (FieldType::Object(child), _) => self.answer_template(value, interface, child, literals),
                (FieldType::List(child), AnswerValue::List(_, items)) => Value::Array(
                    items.iter().map(|item| self.answer_template(item, interface, child, literals)).collect(),
                ),
                (FieldType::List(_), _) => {
                    self.diags.error(value_pos(value), format!("`{}` is a list: give its items as a list", key.value));
                    Value::Null
                }
                (FieldType::Map, _) => open(self, value, interface),
                (_, AnswerValue::Text(text)) => {
                    if self.answer_text(text, interface) {
                        literals.push(Literal {
                            pos: text.pos.clone(),
                            message,
                            field: field.name.to_string(),
                            value: text.value.clone(),
                        });
                    }
                    Value::String(text.value.clone())
                }
                _ => {
                    self.diags.error(value_pos(value), format!("`{}` holds one value (text)", key.value));
                    Value::Null
                }
            };
            out.insert(key.value.clone(), json);
        }
        Value::Object(out)
    }

    /// Checks a scalar's placeholders; whether it is a literal (none at all).
    fn answer_text(&mut self, text: &S, interface: &InterfaceSchema) -> bool {
        match placeholders(&text.value) {
            Err(e) => {
                self.diags.error(&text.pos, e);
                false
            }
            Ok(parts) => {
                let mut literal = true;
                for part in parts {
                    let Part::Value(placeholder) = part else { continue };
                    literal = false;
                    if let Placeholder::Request(path) = placeholder
                        && let Err(e) = key_field(&self.messages, interface.request, path)
                    {
                        let message = format!(
                            "`{{request.{path}}}` names no scalar field of `{}`'s request: {e}",
                            interface.name
                        );
                        self.diags.error(&text.pos, message);
                    }
                }
                literal
            }
        }
    }
}

/// A value under an open message or a map field: kept as written, its placeholders checked.
fn open(lowerer: &mut Lowerer, value: &AnswerValue, interface: &InterfaceSchema) -> Value {
    match value {
        AnswerValue::Text(text) => {
            lowerer.answer_text(text, interface);
            Value::String(text.value.clone())
        }
        AnswerValue::List(_, items) => Value::Array(items.iter().map(|i| open(lowerer, i, interface)).collect()),
        AnswerValue::Map(_, entries) => {
            Value::Object(entries.iter().map(|(k, v)| (k.value.clone(), open(lowerer, v, interface))).collect())
        }
    }
}

fn value_pos(value: &AnswerValue) -> &SourcePos {
    match value {
        AnswerValue::Text(text) => &text.pos,
        AnswerValue::Map(pos, _) | AnswerValue::List(pos, _) => pos,
    }
}

/// Every literal of a response template must satisfy its own field's rules (as an `example` must).
pub(super) fn check(platform: &PlatformSchema, literals: &[Literal], diags: &mut Diagnostics) {
    for literal in literals {
        let mut value = Value::Object(Map::from_iter([(literal.field.clone(), Value::String(literal.value.clone()))]));
        let violations = hisgate_schema::validate::check(platform, literal.message, &mut value);
        let own = |rule: hisgate_schema::Rule| {
            !matches!(
                rule,
                hisgate_schema::Rule::Required | hisgate_schema::Rule::RequiredWhen | hisgate_schema::Rule::OneOf
            )
        };
        for v in violations.iter().filter(|v| v.path == literal.field && own(v.rule)) {
            diags.error(&literal.pos, format!("the answer's `{}` breaks its own rule: {v}", literal.field));
        }
    }
}
