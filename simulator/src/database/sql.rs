//! The SQL of the database form: a procedure called with the request's fields as in-parameters (its out-parameters,
//! cursors and return code read back), a view selected with the request's filters and page.

use super::paging::{self, MAX_ROWS, PageFields};
use hisgate_runtime::schema::{
    Column, EnvelopeRole, FieldType, InterfaceSchema, PlatformSchema, ViewSchema, postgres_type, quote_identifier,
};
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Page, Store, Tx};
use serde_json::{Map, Value};
use sqlx::Row;
use std::str::FromStr;

/// Calls the procedure in `tx` (a cursor it opens lives until the transaction ends); the answer still holds the
/// procedure's return code and message, for [`status`].
pub(super) async fn procedure(
    tx: &mut Tx,
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    name: &str,
    fields: &Map<String, Value>,
) -> Result<Map<String, Value>, Failure> {
    let parameters = platform.procedure_parameters(interface);
    let inputs: Vec<&Column> = parameters.iter().filter(|p| p.mode.is_input()).map(|p| &p.column).collect();
    let outputs: Vec<&Column> = parameters.iter().filter(|p| p.mode.is_output()).map(|p| &p.column).collect();
    let arguments: Vec<String> =
        inputs.iter().enumerate().map(|(k, c)| format!("${}::{}", k + 1, postgres_type(c.ty))).collect();
    let selected: Vec<String> = outputs.iter().map(|c| format!("{}::text", quote_identifier(c.name))).collect();
    let sql = format!("SELECT {} FROM {}({})", selected.join(", "), quote_identifier(name), arguments.join(", "));
    let mut query = sqlx::query(&sql);
    for column in &inputs {
        query = query.bind(text(fields.get(column.name)));
    }
    let row = query.fetch_one(&mut **tx).await?;
    let mut answer = Map::new();
    for (k, column) in outputs.iter().enumerate() {
        let Some(cell) = row.try_get::<Option<String>, _>(k)? else {
            continue;
        };
        let value = match column.ty {
            FieldType::List(rows) => Value::Array(fetch(tx, &cell, &platform.columns(rows)).await?),
            ty => json(ty, cell),
        };
        answer.insert(column.name.to_owned(), value);
    }
    Ok(answer)
}

pub(super) async fn view(
    store: &Store,
    code: &str,
    platform: &PlatformSchema,
    interface: &InterfaceSchema,
    view: &ViewSchema,
    fields: &Map<String, Value>,
) -> Result<Map<String, Value>, Failure> {
    let columns = platform.view_columns(interface, view);
    let rows = platform.row_columns(interface);
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    for filter in view.filters.iter() {
        let Some(value) = text(fields.get(&*filter.field)) else { continue };
        let ty =
            columns.iter().find(|c| c.name == &*filter.column).map_or(FieldType::String { max_chars: None }, |c| c.ty);
        values.push(value);
        let column = quote_identifier(&filter.column);
        conditions.push(format!("{column} {} ${}::{}", filter.op.sql(), values.len(), postgres_type(ty)));
    }
    let page = match &view.page {
        Some(page) => {
            let names = PageFields { first: &page.first, last: &page.last };
            let (first, last) = (text(fields.get(&*page.first)), text(fields.get(&*page.last)));
            paging::rows(first.as_deref(), last.as_deref(), names, code)?
        }
        None => Page::rows(1, MAX_ROWS),
    };
    // The declared order first, then every row column, so that pages never overlap.
    let order = view
        .order
        .iter()
        .map(|o| format!("{} {}", quote_identifier(&o.column), if o.descending { "DESC" } else { "ASC" }));
    let order: Vec<String> = order.chain(rows.iter().map(|c| quote_identifier(c.name))).collect();
    let selected: Vec<String> = rows.iter().map(|c| format!("{}::text", quote_identifier(c.name))).collect();
    let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    let sql = format!(
        "SELECT {} FROM {}{filter} ORDER BY {} {}",
        selected.join(", "),
        quote_identifier(&view.name),
        order.join(", "),
        page.clause(values.len()),
    );
    let mut query = sqlx::query(&sql);
    for value in values {
        query = query.bind(value);
    }
    let found = page.bind(query).fetch_all(store.pool()).await?;
    let list = found.iter().map(|row| object(row, &rows)).collect::<Result<Vec<_>, _>>()?;
    let field = platform.rows_field(interface).map_or("", |f| &*f.name);
    Ok(Map::from_iter([(field.to_owned(), Value::Array(list))]))
}

/// Every row of a cursor the procedure opened, its columns in the order of the cursor's declared row type.
async fn fetch(tx: &mut Tx, cursor: &str, columns: &[Column<'_>]) -> Result<Vec<Value>, Failure> {
    let sql = format!("FETCH ALL FROM {}", quote_identifier(cursor));
    // Cursor names are per call: nothing to gain from preparing the statement once.
    let rows = sqlx::query(&sql).persistent(false).fetch_all(&mut **tx).await?;
    rows.iter().map(|row| object(row, columns)).collect()
}

/// A row as the JSON object of its columns; NULLs are left out, as absent fields.
fn object(row: &sqlx::any::AnyRow, columns: &[Column<'_>]) -> Result<Value, Failure> {
    if row.len() != columns.len() {
        let detail = format!("a row of {} columns where the declaration has {}", row.len(), columns.len());
        return Err(Failure::internal(detail));
    }
    let mut object = Map::new();
    for (k, column) in columns.iter().enumerate() {
        if let Some(cell) = cell(row, k)? {
            object.insert(column.name.to_owned(), json(column.ty, cell));
        }
    }
    Ok(Value::Object(object))
}

/// A cell as text, whichever of the types the Any driver reads it has.
fn cell(row: &sqlx::any::AnyRow, k: usize) -> Result<Option<String>, Failure> {
    if let Ok(text) = row.try_get::<Option<String>, _>(k) {
        return Ok(text);
    }
    if let Ok(number) = row.try_get::<Option<i64>, _>(k) {
        return Ok(number.map(|n| n.to_string()));
    }
    if let Ok(number) = row.try_get::<Option<f64>, _>(k) {
        return Ok(number.map(|n| n.to_string()));
    }
    row.try_get::<Option<bool>, _>(k).map(|b| b.map(|b| b.to_string())).map_err(Failure::from)
}

/// The procedure's return code: the success code lets the answer through, any other refuses with its message.
pub(super) fn status(
    platform: &PlatformSchema,
    procedure: &str,
    answer: &mut Map<String, Value>,
) -> Result<(), Failure> {
    let envelope = platform.protocol.as_ref().map(|p| &p.response);
    let mut take = |role| {
        let field = envelope.and_then(|e| e.field_with_role(role))?;
        match answer.remove(&*field.name)? {
            Value::String(text) => Some(text),
            other => Some(other.to_string()),
        }
    };
    let (code, message) = (take(EnvelopeRole::Code), take(EnvelopeRole::Message));
    let success = platform.return_codes.iter().find(|c| c.success).map(|c| &*c.code);
    match (code, success) {
        (Some(code), Some(success)) if code != success => Err(Failure::with_message(code, message.unwrap_or_default())),
        (None, Some(_)) => Err(Failure::internal(format!("`{procedure}` returned no return code"))),
        _ => Ok(()),
    }
}

/// A request value as the text bound to a parameter: strings as they are, numbers and objects as JSON.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// Text read back from the database as the JSON value its field takes.
fn json(ty: FieldType, text: String) -> Value {
    match ty {
        FieldType::Int | FieldType::Long | FieldType::Decimal { .. } => {
            serde_json::Number::from_str(&text).map_or(Value::String(text), Value::Number)
        }
        FieldType::Map | FieldType::Object(_) | FieldType::List(_) => {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
        FieldType::String { .. } | FieldType::Char { .. } => Value::String(text),
    }
}
