//! The database form of an interface, for documents that let a HIS answer through its own database instead of
//! HTTP (yizhangtong: “单行记录返回时,采用存储过程方式 … 多行记录返回时,采用中间表(视图)方式”). The SQL generator
//! and the gateway that calls the database both derive their parameters and columns from here, so they agree.

use super::{EnvelopeRole, FieldType, InterfaceSchema, MessageKind, PlatformSchema, Presence, Seq, Str};

/// How one interface lives in the HIS database.
#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseForm {
    /// A function that returns one row: the request's fields in; the response envelope's code and message and the
    /// response's fields out, a `list` field as a cursor.
    Procedure { name: Str },
    /// A view the caller selects rows from: the columns are the fields of the response's one `list` field.
    View(ViewSchema),
}

impl DatabaseForm {
    pub fn name(&self) -> &str {
        match self {
            DatabaseForm::Procedure { name } => name,
            DatabaseForm::View(view) => &view.name,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViewSchema {
    pub name: Str,
    /// Conditions the request's fields put on the rows; an absent field puts none.
    pub filters: Seq<ViewFilter>,
    /// The order of the rows; the other columns follow it, ascending, so pages never overlap.
    pub order: Option<ViewOrder>,
    /// The request fields that give the first and last row of a page.
    pub page: Option<ViewPage>,
}

/// `column op value-of-field`.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewFilter {
    pub field: Str,
    pub column: Str,
    pub op: FilterOp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Equal,
    AtLeast,
    AtMost,
}

impl FilterOp {
    pub fn sql(self) -> &'static str {
        match self {
            FilterOp::Equal => "=",
            FilterOp::AtLeast => ">=",
            FilterOp::AtMost => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViewOrder {
    pub column: Str,
    pub descending: bool,
}

/// Rows `first` to `last`, counted from 1, both included.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewPage {
    pub first: Str,
    pub last: Str,
}

/// A parameter of a procedure or a column of a view or cursor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column<'s> {
    pub name: &'s str,
    pub title: &'s str,
    pub ty: FieldType,
    pub required: bool,
}

/// How a procedure parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    In,
    /// A request field the response returns under the same name (`traceNoIn`, `extra`): PostgreSQL admits one
    /// parameter per name, so it is both.
    InOut,
    Out,
}

impl Mode {
    pub fn sql(self) -> &'static str {
        match self {
            Mode::In => "IN",
            Mode::InOut => "INOUT",
            Mode::Out => "OUT",
        }
    }

    pub fn is_input(self) -> bool {
        self != Mode::Out
    }

    pub fn is_output(self) -> bool {
        self != Mode::In
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parameter<'s> {
    pub column: Column<'s>,
    pub mode: Mode,
}

impl PlatformSchema {
    /// The parameters of `interface`'s procedure, in declaration order: the request's fields; the response
    /// envelope's code and message; the response's other fields, a `list` among them being a cursor.
    pub fn procedure_parameters<'s>(&'s self, interface: &'s InterfaceSchema) -> Vec<Parameter<'s>> {
        let envelope = self.protocol.as_ref().map(|p| &p.response);
        let status = [EnvelopeRole::Code, EnvelopeRole::Message]
            .into_iter()
            .filter_map(|role| envelope?.field_with_role(role))
            .map(|f| Column {
                name: &f.name,
                title: &f.title,
                ty: FieldType::String { max_chars: f.max_chars },
                required: f.required,
            });
        let response = self.columns(interface.response);
        let returned = |name: &str| response.iter().any(|c| c.name == name);
        let mut parameters: Vec<Parameter> = self
            .columns(interface.request)
            .into_iter()
            .map(|column| Parameter { mode: if returned(column.name) { Mode::InOut } else { Mode::In }, column })
            .collect();
        let inout = |name: &str| parameters.iter().any(|p| p.column.name == name);
        let outputs: Vec<Column> = status.chain(response.iter().copied()).filter(|c| !inout(c.name)).collect();
        parameters.extend(outputs.into_iter().map(|column| Parameter { column, mode: Mode::Out }));
        parameters
    }

    /// The columns of `view`: the rows' fields, then the columns only its filters name.
    pub fn view_columns<'s>(&'s self, interface: &'s InterfaceSchema, view: &'s ViewSchema) -> Vec<Column<'s>> {
        let mut columns = self.row_columns(interface);
        let request = self.message(interface.request);
        for filter in view.filters.iter() {
            if columns.iter().all(|c| c.name != &*filter.column)
                && let Some(field) = request.field(&filter.field)
            {
                columns.push(Column { name: &filter.column, title: &field.title, ty: field.ty, required: false });
            }
        }
        columns
    }

    /// The fields of the rows a view returns: those of the response's one `list` field.
    pub fn row_columns<'s>(&'s self, interface: &'s InterfaceSchema) -> Vec<Column<'s>> {
        self.rows_field(interface).and_then(|f| f.ty.child()).map(|rows| self.columns(rows)).unwrap_or_default()
    }

    /// The response's `list` field whose elements are a view's rows.
    pub fn rows_field<'s>(&'s self, interface: &'s InterfaceSchema) -> Option<&'s super::FieldSchema> {
        self.message(interface.response).fields.iter().find(|f| matches!(f.ty, FieldType::List(_)))
    }

    /// The fields of a message as columns (none for an open or empty message).
    pub fn columns(&self, message: super::MessageId) -> Vec<Column<'_>> {
        let message = self.message(message);
        if message.kind != MessageKind::Fields {
            return Vec::new();
        }
        message
            .fields
            .iter()
            .map(|f| Column { name: &f.name, title: &f.title, ty: f.ty, required: f.presence == Presence::Required })
            .collect()
    }
}

/// The PostgreSQL type of a field: text widths as `varchar(N)` (PostgreSQL counts characters where `char(N)`
/// counts bytes, so it checks less), nested values as `jsonb`. A procedure's `list` out-parameter is a
/// `refcursor` instead, which the SQL generator and the gateway decide.
pub fn postgres_type(ty: FieldType) -> String {
    match ty {
        FieldType::String { max_chars: Some(n) } => format!("varchar({n})"),
        FieldType::String { max_chars: None } => "text".to_owned(),
        FieldType::Char { max_bytes } => format!("varchar({max_bytes})"),
        FieldType::Int => "integer".to_owned(),
        FieldType::Long => "bigint".to_owned(),
        FieldType::Decimal { precision, scale } => format!("numeric({precision},{scale})"),
        FieldType::Object(_) | FieldType::List(_) | FieldType::Map => "jsonb".to_owned(),
    }
}

/// `"name"`, quoted so that PostgreSQL keeps the document's case (`"idNo"`, `"getCardTrack"`).
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_types_and_quotes_names() {
        assert_eq!(postgres_type(FieldType::Char { max_bytes: 32 }), "varchar(32)");
        assert_eq!(postgres_type(FieldType::Decimal { precision: 10, scale: 2 }), "numeric(10,2)");
        assert_eq!(quote_identifier("getCardTrack"), "\"getCardTrack\"");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
