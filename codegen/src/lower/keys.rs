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

    /// `{field}` in an interface's `path`: each must be a required scalar field at the top of its request, named
    /// once, with the path's characters only (a path segment carries it).
    pub(super) fn path_fields(&mut self, interface: &str, path: &S, request: MessageId) {
        let names = match hisgate_schema::template::names(&path.value) {
            Ok(names) => names,
            Err(e) => {
                self.diags.error(&path.pos, format!("path `{}`: {e}", path.value));
                return;
            }
        };
        let mut seen = HashSet::new();
        for name in names {
            if !seen.insert(name) {
                self.diags.error(&path.pos, format!("path `{}` carries `{name}` twice", path.value));
                continue;
            }
            let field = self.messages[request.0 as usize].fields.iter().find(|f| f.name == name);
            let message = match field {
                None => {
                    format!("path `{}` carries `{{{name}}}`, which is no field of `{interface}`'s request", path.value)
                }
                Some(f) if f.ty.child().is_some() => {
                    format!("path `{}` carries `{{{name}}}`, an object or list: a path segment is text", path.value)
                }
                Some(f) if f.presence != hisgate_schema::Presence::Required => format!(
                    "path `{}` carries `{{{name}}}`, which the request does not require: a path has every segment",
                    path.value
                ),
                Some(_) => continue,
            };
            self.diags.error(&path.pos, message);
        }
    }
}
