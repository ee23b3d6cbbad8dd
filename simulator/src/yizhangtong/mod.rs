//! yizhangtong (一帐通 / 三码融合), the HIS side, in both of the document's forms. Over HTTP, [`hospital`] answers
//! from the store: card lists, balance transfers between a patient's cards (once per `traceNoIn`) and their
//! results, card uses a page of rows at a time, certification and fee lists. In the database form, [`gateway`]
//! (the spec-driven [`crate::database`] form, as any platform declaring `database:` has it) answers the same
//! interfaces by calling the HIS's stored procedures and views; [`SAMPLE_HIS`] implements them in PL/pgSQL over the
//! same tables.

mod cards;
mod hospital;
mod seed;
mod track;
mod transfer;

pub use crate::database::paging::MAX_ROWS;
pub use seed::{his_id, patient, visit_card};

use crate::{Options, Simulator, StartError};
use hisgate_generated::yizhangtong;
use hisgate_runtime::store::{Migration, Store, StoreError};
use sqlx::Executor;

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "patients, cards, transfers, card uses, fees",
    sql: include_str!("sql/0001_yizhangtong.sql"),
}];

/// The sample HIS's PL/pgSQL implementation of the procedures and views the spec declares, over the tables above.
pub const SAMPLE_HIS: &str = include_str!("sql/his_sample.sql");

/// The HIS's code for every refusal (99 HIS未知错误), with the reason in `retMsg`.
const REFUSED: &str = "99";

/// What an unknown transfer's result carries in the fields the spec requires but nothing fills (`callSn`,
/// `toCardBalance`, `origTraceTime` of a `notfound`): a required text may not be empty.
const NOT_APPLICABLE: &str = "-";

/// Migrates the store and writes the sample data on first start.
pub async fn prepare(store: &Store) -> Result<(), StoreError> {
    store.migrate("yizhangtong", MIGRATIONS).await?;
    seed::seed(store).await
}

/// Makes `store`'s PostgreSQL schema a sample HIS database: the tables and sample data, then `declarations` (the
/// procedures and views generated from the spec, `hisgate_tools::sql::postgres`), then [`SAMPLE_HIS`], whose
/// replacements PostgreSQL checks against them. For a fresh schema: the declarations create, never replace.
pub async fn install_sample_his(store: &Store, declarations: &str) -> Result<(), StoreError> {
    prepare(store).await?;
    let mut tx = store.begin().await?;
    tx.execute(declarations).await?;
    tx.execute(SAMPLE_HIS).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn hospital(options: Options) -> Result<Simulator, StartError> {
    prepare(&options.store).await?;
    let config = crate::server_config(&yizhangtong::PLATFORM, &options);
    let router = yizhangtong::hospital::router(hospital::His { store: options.store }, config);
    Ok(Simulator { router, background: Vec::new() })
}

/// The HIS's side served from its database ([`crate::database::start`]). Refuses to start on SQLite, or when a
/// declared procedure or view is missing, saying which.
pub async fn gateway(options: Options) -> Result<Simulator, StartError> {
    crate::database::start(yizhangtong::PLATFORM.shared(), hisgate_runtime::schema::Side::Hospital, options).await
}

/// Now, as the HIS writes times: yyyy-MM-dd HH:mm:ss, China Standard Time.
fn now() -> String {
    use hisgate_runtime::clock;
    clock::datetime(clock::now(clock::china_standard_time()))
}
