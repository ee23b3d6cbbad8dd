//! Every field of an interface in document order, nested ones after their parent: the one traversal that the
//! field tables, the errata's places, the dictionaries' users and the search index share.

use hisgate_runtime::schema::{FieldSchema, InterfaceSchema, MessageId, PlatformSchema};

/// Which message of an interface a field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Request,
    Response,
}

impl Part {
    pub const BOTH: [Part; 2] = [Part::Request, Part::Response];

    pub fn id(self) -> &'static str {
        match self {
            Part::Request => "request",
            Part::Response => "response",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Part::Request => "请求参数",
            Part::Response => "响应参数",
        }
    }

    pub fn message(self, interface: &InterfaceSchema) -> MessageId {
        match self {
            Part::Request => interface.request,
            Part::Response => interface.response,
        }
    }
}

/// A field with where it sits: `order.serviceFee` at depth 1.
#[derive(Debug, Clone)]
pub struct FieldAt<'p> {
    pub path: String,
    pub depth: usize,
    pub field: &'p FieldSchema,
}

/// The fields of a message, depth first.
pub fn fields(platform: &PlatformSchema, id: MessageId) -> Vec<FieldAt<'_>> {
    let mut out = Vec::new();
    collect(platform, id, "", 0, &mut out);
    out
}

fn collect<'p>(platform: &'p PlatformSchema, id: MessageId, prefix: &str, depth: usize, out: &mut Vec<FieldAt<'p>>) {
    for field in platform.message(id).fields.iter() {
        let path = if prefix.is_empty() { field.name.to_string() } else { format!("{prefix}.{}", field.name) };
        out.push(FieldAt { path: path.clone(), depth, field });
        if let Some(child) = field.ty.child() {
            collect(platform, child, &path, depth + 1, out);
        }
    }
}
