//! `database:` checked against the interface's messages: a procedure passes field tables as parameters; a view's
//! response is one `list` of rows, and its filters, order and page name real fields and columns.

use super::{Lowerer, list_or_none};
use crate::spec::ast::{DatabaseAst, FilterAst, InterfaceAst, S};
use hisgate_schema::*;
use std::collections::BTreeMap;

/// PostgreSQL cuts longer identifiers short.
const MAX_IDENTIFIER: usize = 63;

impl Lowerer<'_> {
    pub(super) fn database(
        &mut self,
        ast: Option<&DatabaseAst>,
        request: MessageId,
        response: MessageId,
    ) -> Option<DatabaseForm> {
        let ast = ast?;
        match (&ast.procedure, &ast.view) {
            (Some(name), None) => {
                self.sql_name(name);
                let view_keys = [
                    ("filter", !ast.filter.is_empty()),
                    ("order", ast.order.is_some()),
                    ("page", !ast.page.is_empty()),
                ];
                for (key, _) in view_keys.iter().filter(|(_, given)| *given) {
                    self.diags
                        .error(&ast.pos, format!("`{key}` belongs to a view; a procedure takes the request's fields"));
                }
                for (message, which) in [(request, "request"), (response, "response")] {
                    if self.messages[message.0 as usize].kind == MessageKind::Open {
                        let text =
                            format!("procedure `{}`: an open {which} has no fields to pass as parameters", name.value);
                        self.diags.error(&name.pos, text);
                    }
                }
                self.inout_types(name, request, response);
                Some(DatabaseForm::Procedure { name: Str::Owned(name.value.clone()) })
            }
            (None, Some(name)) => {
                self.sql_name(name);
                self.view(ast, name, request, response).map(DatabaseForm::View)
            }
            (Some(_), Some(view)) => {
                self.diags.error(&view.pos, "`database` takes `procedure` or `view`, not both");
                None
            }
            (None, None) => {
                self.diags.error(&ast.pos, "`database` needs `procedure` (one row) or `view` (many rows)");
                None
            }
        }
    }

    /// A field in both request and response is one INOUT parameter, so both must have one SQL type.
    fn inout_types(&mut self, name: &S, request: MessageId, response: MessageId) {
        let (request, response) = (&self.messages[request.0 as usize], &self.messages[response.0 as usize]);
        let clashes: Vec<String> = request
            .fields
            .iter()
            .filter_map(|f| {
                let returned = response.fields.iter().find(|r| r.name == f.name)?;
                let (sent, back) = (postgres_type(f.ty), postgres_type(returned.ty));
                (sent != back).then(|| format!("`{}` ({sent} in, {back} out)", f.name))
            })
            .collect();
        if !clashes.is_empty() {
            let text = format!(
                "procedure `{}`: a field of both request and response is one INOUT parameter, so its types must agree: {}",
                name.value,
                clashes.join(", ")
            );
            self.diags.error(&name.pos, text);
        }
    }

    /// A procedure's out-parameters begin with the response envelope's code and message: no request field may
    /// take their names.
    pub(super) fn procedure_status(&mut self, interfaces: &[InterfaceSchema], protocol: Option<&ProtocolSchema>) {
        let Some(envelope) = protocol.map(|p| &p.response) else { return };
        let status: Vec<&str> = [EnvelopeRole::Code, EnvelopeRole::Message]
            .into_iter()
            .filter_map(|role| envelope.field_with_role(role))
            .map(|f| &*f.name)
            .collect();
        for interface in interfaces.iter().filter(|i| matches!(i.database, Some(DatabaseForm::Procedure { .. }))) {
            let request = &self.messages[interface.request.0 as usize];
            for field in request.fields.iter().filter(|f| status.contains(&&*f.name)) {
                let text = format!(
                    "request field `{}` of procedure `{}` has the name of the response envelope's out-parameter",
                    field.name, interface.name
                );
                self.diags.error(&field.origin, text);
            }
        }
    }

    fn view(&mut self, ast: &DatabaseAst, name: &S, request: MessageId, response: MessageId) -> Option<ViewSchema> {
        let rows = {
            let response = &self.messages[response.0 as usize];
            match (response.kind, &*response.fields) {
                (MessageKind::Fields, [field]) => field.ty.child(),
                _ => None,
            }
        };
        let Some(rows) = rows else {
            let text = format!(
                "view `{}`: the response must be one `list` field, whose fields are the view's columns",
                name.value
            );
            self.diags.error(&name.pos, text);
            return None;
        };
        // Column name → the type it has, the rows' first, then those only filters name.
        let mut columns: BTreeMap<String, FieldType> =
            self.messages[rows.0 as usize].fields.iter().map(|f| (f.name.to_string(), f.ty)).collect();
        let filters: Vec<ViewFilter> =
            ast.filter.iter().filter_map(|f| self.filter(f, request, &mut columns)).collect();
        let order = ast.order.as_ref().and_then(|o| self.order(o, &columns));
        let page = self.page(ast, request);
        Some(ViewSchema { name: Str::Owned(name.value.clone()), filters: Seq::Owned(filters), order, page })
    }

    fn filter(
        &mut self,
        ast: &FilterAst,
        request: MessageId,
        columns: &mut BTreeMap<String, FieldType>,
    ) -> Option<ViewFilter> {
        let field = ast.field.as_ref()?;
        let ty = self.request_scalar(field, request, "filter")?;
        let column = ast.column.as_ref().unwrap_or(field);
        self.sql_name(column);
        match columns.get(&column.value) {
            Some(existing) if !(existing.is_text() && ty.is_text() || existing.is_number() && ty.is_number()) => {
                let text = format!(
                    "filter field `{}` ({}) cannot be compared with column `{}` ({})",
                    field.value,
                    ty.notation(),
                    column.value,
                    existing.notation()
                );
                self.diags.error(&column.pos, text);
            }
            Some(_) => {}
            None => {
                columns.insert(column.value.clone(), ty);
            }
        }
        let op = match ast.op.as_ref().map(|o| o.value.as_str()) {
            None | Some("=") => FilterOp::Equal,
            Some(">=") => FilterOp::AtLeast,
            Some("<=") => FilterOp::AtMost,
            Some(other) => {
                let pos = &ast.op.as_ref().map_or(&ast.pos, |o| &o.pos);
                self.diags.error(pos, format!("unknown filter op `{other}` (expected =, >= or <=)"));
                FilterOp::Equal
            }
        };
        Some(ViewFilter { field: Str::Owned(field.value.clone()), column: Str::Owned(column.value.clone()), op })
    }

    fn order(&mut self, ast: &S, columns: &BTreeMap<String, FieldType>) -> Option<ViewOrder> {
        let mut words = ast.value.split_whitespace();
        let column = words.next().unwrap_or_default();
        let descending = match (words.next(), words.next()) {
            (None, _) | (Some("asc"), None) => false,
            (Some("desc"), None) => true,
            _ => {
                self.diags.error(
                    &ast.pos,
                    format!("bad order `{}` (expected `COLUMN`, `COLUMN asc` or `COLUMN desc`)", ast.value),
                );
                return None;
            }
        };
        if !columns.contains_key(column) {
            let known: Vec<&str> = columns.keys().map(String::as_str).collect();
            let text =
                format!("order column `{column}` is not a column of the view (columns: {})", list_or_none(&known));
            self.diags.error(&ast.pos, text);
            return None;
        }
        Some(ViewOrder { column: Str::Owned(column.to_owned()), descending })
    }

    fn page(&mut self, ast: &DatabaseAst, request: MessageId) -> Option<ViewPage> {
        match &*ast.page {
            [] => None,
            [first, last] => {
                for field in [first, last] {
                    if let Some(ty) = self.request_scalar(field, request, "page")
                        && !(ty.is_text() || matches!(ty, FieldType::Int | FieldType::Long))
                    {
                        let text = format!(
                            "page field `{}` is {}: row numbers are text or integers",
                            field.value,
                            ty.notation()
                        );
                        self.diags.error(&field.pos, text);
                    }
                }
                Some(ViewPage { first: Str::Owned(first.value.clone()), last: Str::Owned(last.value.clone()) })
            }
            [first, ..] => {
                self.diags.error(&first.pos, "`page` names two request fields: the first row and the last row");
                None
            }
        }
    }

    /// The type of a scalar request field that `key` names.
    fn request_scalar(&mut self, field: &S, request: MessageId, key: &str) -> Option<FieldType> {
        let message = &self.messages[request.0 as usize];
        let Some(found) = message.field(&field.value) else {
            let names: Vec<&str> = message.fields.iter().map(|f| &*f.name).collect();
            let text =
                format!("{key} field `{}` is not a request field (fields: {})", field.value, list_or_none(&names));
            self.diags.error(&field.pos, text);
            return None;
        };
        let ty = found.ty;
        if !ty.is_text() && !ty.is_number() {
            self.diags.error(&field.pos, format!("{key} field `{}` is {}, not a scalar", field.value, ty.notation()));
            return None;
        }
        Some(ty)
    }

    fn sql_name(&mut self, name: &S) {
        let valid = name.value.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && name.value.len() <= MAX_IDENTIFIER;
        if !valid {
            let text =
                format!("`{}` is not an SQL name ([A-Za-z_][A-Za-z0-9_]*, at most {MAX_IDENTIFIER} bytes)", name.value);
            self.diags.error(&name.pos, text);
        }
    }

    /// Procedures and views share the database: one name, one interface. A repeat is reported at the later
    /// interface's `procedure:` or `view:` value, found in `asts`.
    pub(super) fn database_collisions(&mut self, interfaces: &[InterfaceSchema], asts: &[InterfaceAst]) {
        let mut names: BTreeMap<&str, &InterfaceSchema> = BTreeMap::new();
        for interface in interfaces {
            let Some(form) = &interface.database else { continue };
            if let Some(first) = names.insert(form.name(), interface) {
                let text = format!(
                    "interface `{}` uses the database name `{}` of `{}`",
                    interface.name,
                    form.name(),
                    first.name
                );
                let named = asts
                    .iter()
                    .find(|a| a.interface.as_ref().is_some_and(|n| n.value == *interface.name))
                    .and_then(|a| a.database.as_ref())
                    .and_then(|d| d.procedure.as_ref().or(d.view.as_ref()));
                self.diags.error(named.map_or(&interface.origin, |n| &n.pos), text);
            }
        }
    }
}
