//! `idempotency:` of an interface: each key entry must name a scalar field of its request (by wire name or dotted
//! path, resolved as the runtime resolves it), `reused` a return code of the interface or the platform.

use super::Lowerer;
use crate::spec::ast::InterfaceAst;
use hisgate_schema::business_keys::key_field;
use hisgate_schema::{IdempotencySchema, InterfaceSchema, ReturnCodeSchema};
use std::collections::HashSet;

impl Lowerer<'_> {
    pub(super) fn idempotency(
        &mut self,
        asts: &[InterfaceAst],
        interfaces: &mut [InterfaceSchema],
        platform_codes: &[ReturnCodeSchema],
    ) {
        for ast in asts {
            let (Some(name), Some(declared)) = (&ast.interface, &ast.idempotency) else { continue };
            let Some(interface) = interfaces.iter_mut().find(|i| i.name == name.value) else { continue };
            if declared.key.is_empty() {
                self.diags.error(&declared.pos, "`idempotency` names no field: give the request fields of the key");
            }
            let mut seen = HashSet::new();
            for key in &declared.key {
                if !seen.insert(key.value.as_str()) {
                    self.diags.error(&key.pos, format!("idempotency key `{}` is named twice", key.value));
                } else if let Err(why) = key_field(&self.messages, interface.request, &key.value) {
                    let message =
                        format!("idempotency key `{}` names no scalar field of the request: {why}", key.value);
                    self.diags.error(&key.pos, message);
                }
            }
            if let Some(code) = &declared.reused {
                let mut codes = interface.return_codes.iter().chain(platform_codes);
                if !codes.any(|c| c.code == code.value && !c.success) {
                    let declared: Vec<&str> =
                        interface.return_codes.iter().chain(platform_codes).map(|c| &*c.code).collect();
                    let message = format!(
                        "`reused` code `{}` is no failure code of `{name}` or the platform (declared: {})",
                        code.value,
                        declared.join(", "),
                        name = name.value
                    );
                    self.diags.error(&code.pos, message);
                }
            }
            interface.idempotency = Some(IdempotencySchema {
                key: super::texts(&declared.key),
                scope: super::opt(&declared.scope),
                reused: super::opt(&declared.reused),
            });
        }
    }
}
