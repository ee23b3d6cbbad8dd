//! The database form (存储过程-中间表(视图) 方式): a hospital-side handler that answers every interface by calling
//! the HIS's stored procedure or selecting from its view, as the spec's `database:` declares them, in PostgreSQL.
//! Request fields become in-parameters and filters; out-parameters, cursors and rows become the response, which is
//! validated like any other; the procedure's own return code decides between an answer and a refusal. Exactly-once
//! is the HIS's, as the document assigns it (its journal keeps `traceNoIn` unique).

use super::REFUSED;
use super::paging::{self, MAX_ROWS, Rows};
use crate::answer::store_failure;
use crate::{Options, Simulator, StartError};
use hisgate_generated::yizhangtong::{self, PLATFORM, interfaces as api};
use hisgate_runtime::schema::{
    Column, DatabaseForm, EnvelopeRole, FieldType, InterfaceSchema, PlatformSchema, ViewSchema, postgres_type,
    quote_identifier,
};
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::{Backend, Store, StoreError, Tx};
use hisgate_runtime::{Interface, Message};
use serde_json::{Map, Value};
use sqlx::Row;
use std::str::FromStr;

pub struct Gateway {
    store: Store,
}

/// The HIS's side served from its database. Refuses to start on SQLite, or when a declared procedure or view is
/// missing, saying which.
pub async fn gateway(options: Options) -> Result<Simulator, StartError> {
    if options.store.backend() != Backend::Postgres {
        return Err(StartError::Unavailable(
            "the yizhangtong database form calls the HIS's stored procedures and views, which need PostgreSQL; \
             this store is SQLite"
                .into(),
        ));
    }
    let missing = missing(&options.store).await?;
    if !missing.is_empty() {
        return Err(StartError::Unavailable(format!(
            "the HIS database lacks {}: install the declarations (hisgate_tools::sql::postgres) and the HIS's \
             implementation of them",
            missing.join(", ")
        )));
    }
    let config = crate::server_config(&PLATFORM, &options);
    let router = yizhangtong::hospital::router(Gateway { store: options.store }, config);
    Ok(Simulator { router, background: Vec::new() })
}

/// The declared procedures and views the search path does not resolve.
async fn missing(store: &Store) -> Result<Vec<String>, StoreError> {
    let mut missing = Vec::new();
    for form in PLATFORM.interfaces.iter().filter_map(|i| i.database.as_ref()) {
        let (lookup, what) = match form {
            DatabaseForm::Procedure { .. } => ("SELECT to_regproc($1) IS NOT NULL", "procedure"),
            DatabaseForm::View(_) => ("SELECT to_regclass($1) IS NOT NULL", "view"),
        };
        let found: bool =
            sqlx::query_scalar(lookup).bind(quote_identifier(form.name())).fetch_one(store.pool()).await?;
        if !found {
            missing.push(format!("{what} `{}`", form.name()));
        }
    }
    Ok(missing)
}

fn failed(error: StoreError) -> Failure {
    store_failure(error, REFUSED)
}

impl Gateway {
    /// Answers `I` from its procedure or view.
    async fn call<I: Interface>(&self, request: I::Request) -> Result<I::Response, Failure> {
        let (platform, interface) = I::schema();
        let form = interface
            .database
            .as_ref()
            .ok_or_else(|| Failure::internal(format!("`{}` declares no procedure or view", interface.name)))?;
        let Value::Object(fields) = request.to_value()? else {
            return Err(Failure::internal(format!("`{}`'s request is not an object", interface.name)));
        };
        let answer = match form {
            DatabaseForm::Procedure { name } => self.procedure(platform, interface, name, &fields).await?,
            DatabaseForm::View(view) => self.view(platform, interface, view, &fields).await?,
        };
        I::Response::from_value(Value::Object(answer))
            .map_err(|e| Failure::internal(format!("`{}` answered outside the spec: {e}", form.name())))
    }

    async fn procedure(
        &self,
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
        // One transaction: a cursor lives until it ends, and the procedure's effects commit with it.
        let mut tx = self.store.begin().await.map_err(failed)?;
        let row = query.fetch_one(&mut *tx).await.map_err(|e| failed(e.into()))?;
        let mut answer = Map::new();
        for (k, column) in outputs.iter().enumerate() {
            let Some(cell) = row.try_get::<Option<String>, _>(k).map_err(|e| failed(e.into()))? else { continue };
            let value = match column.ty {
                FieldType::List(rows) => Value::Array(fetch(&mut tx, &cell, &platform.columns(rows)).await?),
                ty => json(ty, cell),
            };
            answer.insert(column.name.to_owned(), value);
        }
        tx.commit().await.map_err(|e| failed(e.into()))?;
        status(platform, name, &mut answer)?;
        Ok(answer)
    }

    async fn view(
        &self,
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
            let ty = columns
                .iter()
                .find(|c| c.name == &*filter.column)
                .map_or(FieldType::String { max_chars: None }, |c| c.ty);
            values.push(value);
            let column = quote_identifier(&filter.column);
            conditions.push(format!("{column} {} ${}::{}", filter.op.sql(), values.len(), postgres_type(ty)));
        }
        let page = match &view.page {
            Some(page) => {
                paging::rows(text(fields.get(&*page.first)).as_deref(), text(fields.get(&*page.last)).as_deref())?
            }
            None => Rows { offset: 0, limit: MAX_ROWS },
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
            "SELECT {} FROM {}{filter} ORDER BY {} LIMIT {} OFFSET {}",
            selected.join(", "),
            quote_identifier(&view.name),
            order.join(", "),
            page.limit,
            page.offset
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = query.bind(value);
        }
        let found = query.fetch_all(self.store.pool()).await.map_err(|e| failed(e.into()))?;
        let list = found.iter().map(|row| object(row, &rows)).collect::<Result<Vec<_>, _>>()?;
        let field = platform.rows_field(interface).map_or("", |f| &*f.name);
        Ok(Map::from_iter([(field.to_owned(), Value::Array(list))]))
    }
}

/// Every row of a cursor the procedure opened, its columns in the order of the cursor's declared row type.
async fn fetch(tx: &mut Tx, cursor: &str, columns: &[Column<'_>]) -> Result<Vec<Value>, Failure> {
    let sql = format!("FETCH ALL FROM {}", quote_identifier(cursor));
    // Cursor names are per call: nothing to gain from preparing the statement once.
    let rows = sqlx::query(&sql).persistent(false).fetch_all(&mut **tx).await.map_err(|e| failed(e.into()))?;
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
    row.try_get::<Option<bool>, _>(k).map(|b| b.map(|b| b.to_string())).map_err(|e| failed(e.into()))
}

/// The procedure's return code: the success code lets the answer through, any other refuses with its message.
fn status(platform: &PlatformSchema, procedure: &str, answer: &mut Map<String, Value>) -> Result<(), Failure> {
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

impl yizhangtong::hospital::Handler for Gateway {
    async fn op_query_card_list(
        &self,
        request: api::op_query_card_list::Request,
        _: Context,
    ) -> Result<api::op_query_card_list::Response, Failure> {
        self.call::<api::OpQueryCardList>(request).await
    }

    async fn op_yjj_account_transfer_in(
        &self,
        request: api::op_yjj_account_transfer_in::Request,
        _: Context,
    ) -> Result<api::op_yjj_account_transfer_in::Response, Failure> {
        self.call::<api::OpYjjAccountTransferIn>(request).await
    }

    async fn op_query_transfer_in_result(
        &self,
        request: api::op_query_transfer_in_result::Request,
        _: Context,
    ) -> Result<api::op_query_transfer_in_result::Response, Failure> {
        self.call::<api::OpQueryTransferInResult>(request).await
    }

    async fn get_card_track(
        &self,
        request: api::get_card_track::Request,
        _: Context,
    ) -> Result<api::get_card_track::Response, Failure> {
        self.call::<api::GetCardTrack>(request).await
    }

    async fn op_certification_level(
        &self,
        request: api::op_certification_level::Request,
        _: Context,
    ) -> Result<api::op_certification_level::Response, Failure> {
        self.call::<api::OpCertificationLevel>(request).await
    }

    async fn get_fee_list(
        &self,
        request: api::get_fee_list::Request,
        _: Context,
    ) -> Result<api::get_fee_list::Response, Failure> {
        self.call::<api::GetFeeList>(request).await
    }
}
