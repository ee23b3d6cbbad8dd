//! Names from the spec's aliases and errata: the service under another of its names (shaanxi's `NetTest` for
//! `TestNet`), an envelope field under its other spelling, a return code as a counterpart spells it.

use super::variants::{Edits, Subject};
use crate::schema::EnvelopeRole;
use serde_json::Value;

pub fn variants(subject: &Subject, push: &mut dyn FnMut(String, Edits)) {
    let message = subject.message;
    let envelope = subject.protocol.envelope(subject.direction);
    let erratum = |errata: &[crate::schema::Str]| match errata {
        [] => String::new(),
        ids => format!(", erratum `{}`", ids.iter().map(|e| &**e).collect::<Vec<_>>().join("`, `")),
    };
    if let Some(field) = crate::transport::service_field(subject.protocol)
        && let Some(sent) = message.get(&*field.name).and_then(Value::as_str)
    {
        let interfaces = subject.platform.interfaces.iter();
        for interface in interfaces.filter(|i| i.service == sent || i.service_aliases.iter().any(|a| a == sent)) {
            let names = std::iter::once(&interface.service).chain(interface.service_aliases.iter());
            for name in names.filter(|n| *n != sent) {
                push(
                    format!(
                        "service `{name}` signed where the message says `{sent}` (an alias{})",
                        erratum(&field.errata)
                    ),
                    Edits::default().set(&field.name, Value::String(name.to_string())),
                );
            }
        }
    }
    for field in envelope.fields.iter() {
        for alias in field.aliases.iter() {
            let (from, to) = if message.contains_key(&*field.name) {
                (&field.name, alias)
            } else if message.contains_key(&**alias) {
                (alias, &field.name)
            } else {
                continue;
            };
            push(
                format!(
                    "`{to}` signed where the message says `{from}` (a spelling the spec accepts{})",
                    erratum(&field.errata)
                ),
                Edits::default().rename(from, to),
            );
        }
    }
    let Some(code_field) = envelope.field_with_role(EnvelopeRole::Code) else { return };
    let Some(sent) = message.get(&*code_field.name).and_then(Value::as_str) else { return };
    let platform = subject.platform;
    let codes = platform.return_codes.iter().chain(platform.interfaces.iter().flat_map(|i| i.return_codes.iter()));
    for code in codes.filter(|c| c.code == sent || c.aliases.iter().any(|a| a == sent)) {
        for name in std::iter::once(&code.code).chain(code.aliases.iter()).filter(|n| *n != sent) {
            push(
                format!("return code `{name}` signed where the message says `{sent}`{}", erratum(&code.errata)),
                Edits::default().set(&code_field.name, Value::String(name.to_string())),
            );
        }
    }
}
