//! `envelope:` of an interface: what a sender of its request writes into the envelope besides the protocol's own
//! templates. Each path must be a request envelope field, or a member of the encrypted box the payload's ciphertext
//! sits in (`resource.original_type`) on an interface sent encrypted; never what the envelope writes itself; each
//! template may read what the protocol's templates read.

use super::Lowerer;
use super::protocol::template_inputs;
use crate::ident;
use crate::spec::ast::{InterfaceAst, S};
use hisgate_schema::{EnvelopeRole, EnvelopeValue, InterfaceSchema, ProtocolSchema, Seq, Str};

impl Lowerer<'_> {
    pub(super) fn envelope_values(
        &mut self,
        asts: &[InterfaceAst],
        interfaces: &mut [InterfaceSchema],
        protocol: Option<&ProtocolSchema>,
        protocol_declared: bool,
    ) {
        for ast in asts {
            let (Some(name), false) = (&ast.interface, ast.envelope.is_empty()) else { continue };
            let Some(interface) = interfaces.iter_mut().find(|i| i.name == name.value) else { continue };
            // A protocol that failed to lower has had its errors reported: its fields are unknown, not absent.
            if protocol.is_none() && protocol_declared {
                continue;
            }
            let known =
                protocol.map(|p| template_inputs(p.credentials.iter().map(|c| &*c.name), &p.request, &p.response));
            let mut values = Vec::new();
            for (path, value) in &ast.envelope {
                self.envelope_path(path, protocol, interface.encrypted.is_some());
                if let Some(known) = &known {
                    self.template(&value.value, &value.pos, known);
                }
                values.push(EnvelopeValue {
                    path: Str::Owned(path.value.clone()),
                    value: Str::Owned(value.value.clone()),
                });
            }
            interface.envelope = Seq::Owned(values);
        }
    }

    fn envelope_path(&mut self, path: &S, protocol: Option<&ProtocolSchema>, encrypted: bool) {
        let request = protocol.map(|p| &p.request);
        let fields: Vec<&str> = request.iter().flat_map(|r| r.fields.iter()).map(|f| &*f.name).collect();
        let ciphertext = request.and_then(|r| r.payload.ciphertext.as_deref());
        let the_box = ciphertext.and_then(|c| c.split_once('.')).map(|(parent, _)| parent);
        let (first, rest) = match path.value.split_once('.') {
            Some((first, rest)) => (first, Some(rest)),
            None => (&*path.value, None),
        };
        let is_field = rest.is_none() && fields.contains(&first);
        let in_box = rest.is_some() && the_box == Some(first);
        if !is_field && !in_box {
            let message = format!(
                "`envelope` names `{}`, which is neither a request envelope field nor a member of the encrypted box \
                 (fields: {}; box: {})",
                path.value,
                if fields.is_empty() { "none".to_owned() } else { fields.join(", ") },
                the_box.unwrap_or("none"),
            );
            self.diags.error(&path.pos, message);
            return;
        }
        if let Some(segment) = rest.into_iter().flat_map(|r| r.split('.')).find(|s| !ident::is_wire_name(s)) {
            let message = format!(
                "`envelope` path `{}` has the member `{segment}`, which is not a name ([A-Za-z_][A-Za-z0-9_]*)",
                path.value
            );
            self.diags.error(&path.pos, message);
            return;
        }
        if let Some(what) = protocol.and_then(|p| written_by_envelope(p, &path.value)) {
            let message = format!("`envelope` names `{}`, which the envelope writes itself ({what})", path.value);
            self.diags.error(&path.pos, message);
            return;
        }
        if in_box && !encrypted {
            let message = format!(
                "`envelope` names `{}` in the encrypted box `{first}`, but the interface's requests are not sent \
                 encrypted (it declares no `encrypted:`)",
                path.value
            );
            self.diags.error(&path.pos, message);
        }
    }
}

/// What the envelope writes at `path` itself, if anything: the signature, the payload, its ciphertext, the scheme's
/// name or a GCM scheme's nonce and associated data.
fn written_by_envelope(protocol: &ProtocolSchema, path: &str) -> Option<&'static str> {
    let request = &protocol.request;
    if request.field(path).is_some_and(|f| f.role == EnvelopeRole::Signature) || protocol.signature.field == path {
        return Some("the signature");
    }
    if request.payload.field.as_deref() == Some(path) {
        return Some("the payload");
    }
    if request.payload.ciphertext.as_deref() == Some(path) {
        return Some("the payload's ciphertext");
    }
    let encryption = protocol.encryption.as_ref()?;
    if encryption.select.as_deref() == Some(path) {
        return Some("the encryption scheme's name");
    }
    for cipher in encryption.schemes.iter().filter_map(|s| s.symmetric()) {
        if cipher.nonce.as_deref() == Some(path) {
            return Some("the GCM nonce");
        }
        if cipher.associated_data.as_deref() == Some(path) {
            return Some("the associated data");
        }
    }
    None
}
