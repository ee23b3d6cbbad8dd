//! `examples/worked.yaml` into the IR: every name an example uses (interface, direction, format, input, erratum)
//! must mean something in the platform. Whether the printed values reproduce is `hisgate check`'s run of the
//! engines (`hisgate_tools::worked`), not the generator's.

use super::{Lowerer, opt, text};
use crate::spec::ast::S;
use crate::spec::worked::WorkedAst;
use hisgate_schema::*;

/// The inputs every call provides besides the credentials.
const CALL_INPUTS: [&str; 3] = ["service", "format", "timestamp"];

impl Lowerer<'_> {
    pub(super) fn worked(
        &mut self,
        asts: &[WorkedAst],
        protocol: Option<&ProtocolSchema>,
        interfaces: &[InterfaceSchema],
    ) -> Vec<WorkedExampleSchema> {
        let Some(first) = asts.first() else { return Vec::new() };
        let Some(protocol) = protocol else {
            let message = "worked examples need a protocol.yaml: nothing signs or encrypts them here";
            self.diags.error(&first.pos, message);
            return Vec::new();
        };
        asts.iter().filter_map(|ast| self.worked_one(ast, protocol, interfaces)).collect()
    }

    fn worked_one(
        &mut self,
        ast: &WorkedAst,
        protocol: &ProtocolSchema,
        interfaces: &[InterfaceSchema],
    ) -> Option<WorkedExampleSchema> {
        if let Some(name) = &ast.interface
            && !interfaces.iter().any(|i| *i.name == name.value)
        {
            self.diags.error(&name.pos, format!("no interface `{}` in this platform", name.value));
        }
        let direction = match ast.direction.as_ref().map(|d| (d, d.value.as_str())) {
            Some((_, "request")) => Some(Direction::Request),
            Some((_, "response")) => Some(Direction::Response),
            Some((d, other)) => {
                self.diags.error(&d.pos, format!("unknown direction `{other}` (expected request or response)"));
                None
            }
            None => None,
        };
        let format = match ast.format.as_ref().map(|f| (f, f.value.as_str())) {
            Some((_, "json")) => Some(WireFormat::Json),
            Some((_, "xml")) => Some(WireFormat::Xml),
            Some((f, other)) => {
                self.diags.error(&f.pos, format!("unknown format `{other}` (expected json or xml)"));
                None
            }
            None => None,
        };
        let envelope = direction.map(|d| (d, protocol.envelope(d)));
        if let Some((direction, envelope)) = envelope {
            let side = direction_name(direction);
            for (name, _) in &ast.inputs {
                // Besides: a lines rule's message inputs the example fixed (`nonce`, `method`, `path`) and the
                // members of an AEAD box a sender writes (`resource.nonce`, `resource.algorithm`).
                let boxed = protocol.encryption.as_ref().is_some_and(|e| {
                    e.select.as_deref() == Some(name.value.as_str())
                        || e.schemes.iter().filter_map(|s| s.gcm()).any(|p| {
                            p.nonce.as_deref() == Some(name.value.as_str())
                                || p.associated_data.as_deref() == Some(name.value.as_str())
                        })
                });
                let known = protocol.credential(&name.value).is_some()
                    || CALL_INPUTS.contains(&name.value.as_str())
                    || ["method", "path", "nonce"].contains(&name.value.as_str())
                    || boxed
                    || envelope.field(&name.value).is_some();
                if !known {
                    let message = format!(
                        "input `{}` is neither a credential, a call input (service, format, timestamp) nor a field \
                         of the {side} envelope",
                        name.value
                    );
                    self.diags.error(&name.pos, message);
                }
            }
            if let Some(printed) = &ast.ciphertext
                && envelope.payload.ciphertext.is_none()
            {
                let message =
                    format!("`ciphertext` given, but the {side} envelope carries none (`payload.ciphertext`)");
                self.diags.error(&printed.pos, message);
            }
        }
        let erratum = ast.erratum.as_ref().map(|e| self.erratum_ref(e));
        if let Some(e) = &ast.erratum
            && ast.sign.is_none()
            && ast.ciphertext.is_none()
        {
            let message = format!("`erratum: {}` says a printed value is wrong, but `expect` gives none", e.value);
            self.diags.error(&e.pos, message);
        }
        let printed = |value: &Option<S>| {
            value.as_ref().map(|s| Printed { value: Str::Owned(s.value.clone()), origin: s.pos.clone() })
        };
        Some(WorkedExampleSchema {
            title: text(&ast.title),
            source: text(&ast.source),
            interface: opt(&ast.interface),
            direction: direction?,
            format: format?,
            payload_file: text(&ast.payload),
            payload: Str::Owned(ast.payload_text.clone()?),
            inputs: Seq::Owned(
                ast.inputs
                    .iter()
                    .map(|(n, v)| ExampleInput {
                        name: Str::Owned(n.value.clone()),
                        value: Str::Owned(v.value.clone()),
                    })
                    .collect(),
            ),
            sign: printed(&ast.sign),
            ciphertext: printed(&ast.ciphertext),
            erratum,
            note: text(&ast.note),
            origin: ast.pos.clone(),
        })
    }
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Request => "request",
        Direction::Response => "response",
    }
}
