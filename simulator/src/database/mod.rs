//! The database form (存储过程-中间表(视图) 方式), for any platform whose spec declares it: the side that provides the
//! interfaces answers each one by calling the HIS's stored procedure or selecting from its view, as `database:`
//! declares them, in PostgreSQL. Request fields become in-parameters and filters; out-parameters, cursors and rows
//! become the response, which is checked against the spec like any other answer; the procedure's own return code
//! decides between an answer and a refusal. It is one [`Dispatch`] on the runtime's router, so requests go through
//! the same inbound pipeline as every other server's. Exactly-once is the HIS's, as such documents assign it.

pub mod paging;
mod sql;

use crate::{Options, Simulator, StartError};
use hisgate_runtime::schema::{DatabaseForm, PlatformSchema, Side, quote_identifier};
use hisgate_runtime::server::{BoxFuture, Context, Dispatch, Failure, Reply};
use hisgate_runtime::store::{Backend, Store, StoreError};
use hisgate_runtime::validate::check;
use serde_json::Value;
use std::sync::Arc;

/// Serves `side` of `platform` from the HIS database in `options.store`. Refuses to start on SQLite, when the side
/// declares no procedure or view, or when a declared one is missing from the database, saying which; an interface
/// of the side without `database:` is answered with the platform's `unsupported` code.
pub async fn start(platform: Arc<PlatformSchema>, side: Side, options: Options) -> Result<Simulator, StartError> {
    let declared = platform.interfaces.iter().filter(|i| i.provider == side && i.database.is_some()).count();
    if declared == 0 {
        return Err(StartError::Unavailable(format!(
            "`{}` declares no procedure or view (`database:`) on an interface its {side} side provides",
            platform.name
        )));
    }
    if options.store.backend() != Backend::Postgres {
        return Err(StartError::Unavailable(format!(
            "the {} database form calls the HIS's stored procedures and views, which need PostgreSQL; this store is \
             SQLite",
            platform.name
        )));
    }
    let missing = missing(&platform, &options.store).await?;
    if !missing.is_empty() {
        return Err(StartError::Unavailable(format!(
            "the HIS database lacks {}: install the declarations (`hisgate export sql`) and the HIS's implementation \
             of them",
            missing.join(", ")
        )));
    }
    let mut config = crate::server_config(&platform, &options);
    // `platform` is what is served, a profile already merged in: nothing to substitute.
    config.schema = None;
    let gateway = Gateway { platform: platform.clone(), store: options.store };
    let router =
        hisgate_runtime::server::router(platform, side, Arc::new(gateway), config).map_err(StartError::Unavailable)?;
    Ok(Simulator { router, background: Vec::new() })
}

/// The declared procedures and views the search path does not resolve.
async fn missing(platform: &PlatformSchema, store: &Store) -> Result<Vec<String>, StoreError> {
    let mut missing = Vec::new();
    for form in platform.interfaces.iter().filter_map(|i| i.database.as_ref()) {
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

#[derive(Clone)]
struct Gateway {
    platform: Arc<PlatformSchema>,
    store: Store,
}

impl Dispatch for Gateway {
    fn dispatch(&self, interface: &str, payload: Value, context: Context) -> BoxFuture<Result<Reply, Failure>> {
        let gateway = self.clone();
        let name = interface.to_owned();
        Box::pin(async move { gateway.answer(&name, payload, &context).await.map(Reply::from) })
    }
}

impl Gateway {
    async fn answer(&self, name: &str, payload: Value, context: &Context) -> Result<Value, Failure> {
        let platform = &*self.platform;
        let Some(interface) = platform.interface(name) else { return Err(Failure::Unsupported) };
        let Some(form) = interface.database.as_ref() else { return Err(Failure::Unsupported) };
        let Value::Object(fields) = payload else {
            return Err(Failure::internal(format!("`{name}`'s request is not an object")));
        };
        // A row number out of range is the caller's mistake: the platform's code for it.
        let code = platform.protocol.as_ref().map_or("", |p| &*p.failures.invalid);
        let answer = match form {
            DatabaseForm::Procedure { name } => {
                // The procedure's effects commit with the exactly-once claim's answer where the interface declares
                // one, else in a transaction of their own; either way its return code decides after they commit.
                let mut answer = match context.effects.tx().await {
                    Some(mut claimed) => sql::procedure(&mut claimed, platform, interface, name, &fields).await?,
                    None => {
                        let mut tx = self.store.begin().await?;
                        let answer = sql::procedure(&mut tx, platform, interface, name, &fields).await?;
                        tx.commit().await?;
                        answer
                    }
                };
                sql::status(platform, name, &mut answer)?;
                answer
            }
            DatabaseForm::View(view) => sql::view(&self.store, code, platform, interface, view, &fields).await?,
        };
        let mut answer = Value::Object(answer);
        let violations = check(platform, interface.response, &mut answer);
        if !violations.is_empty() {
            return Err(Failure::internal(format!("`{}` answered outside the spec: {violations}", form.name())));
        }
        Ok(answer)
    }
}
