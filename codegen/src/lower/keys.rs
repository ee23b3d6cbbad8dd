//! `keys:` of an interface: each entry must name a scalar field of its request or response, by wire name or by a
//! dotted path through objects, resolved exactly as the runtime's `business_keys` will resolve it.

use super::Lowerer;
use crate::spec::ast::S;
use hisgate_schema::business_keys::key_field;
use hisgate_schema::{MessageId, Seq, Str};
use std::collections::HashSet;

impl Lowerer<'_> {
    pub(super) fn keys(&mut self, interface: &str, keys: &[S], request: MessageId, response: MessageId) -> Seq<Str> {
        let mut seen = HashSet::new();
        for key in keys {
            if !seen.insert(key.value.as_str()) {
                self.diags.error(&key.pos, format!("key `{}` is declared twice", key.value));
                continue;
            }
            let in_request = key_field(&self.messages, request, &key.value);
            let in_response = key_field(&self.messages, response, &key.value);
            if let (Err(request), Err(response)) = (in_request, in_response) {
                let message = format!(
                    "key `{}` names no scalar field of `{interface}`'s request or response: {request}; {response}",
                    key.value
                );
                self.diags.error(&key.pos, message);
            }
        }
        super::texts(keys)
    }
}
