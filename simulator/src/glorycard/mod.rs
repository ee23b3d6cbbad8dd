//! glorycard (荣誉证减免): the platform's certificate register with its `dataID` sync cursor, deductions and
//! their cancellation; and the institution's own record of deductions, which the platform checks by time range.

mod hospital;
mod platform;
mod seed;

use crate::{Options, Simulator, StartError};
use hisgate_generated::glorycard;
use hisgate_runtime::store::{Migration, Store, StoreError};

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "certificates, institutions, deductions",
    sql: include_str!("sql/0001_glorycard.sql"),
}];

/// glorycard's code for every refusal (`responseFlag` 0), with the reason in `responseMessage`.
const REFUSED: &str = "0";

/// The institution sample data and the hospital-side simulator use.
pub const SAMPLE_ORG: &str = "ORG0001";

async fn prepare(store: &Store) -> Result<(), StoreError> {
    store.migrate("glorycard", MIGRATIONS).await?;
    seed::seed(store).await
}

/// The ID number and name of sample holder `i` (1 to 1,234), for tests and walk-throughs.
pub fn sample_holder(i: i64) -> (String, String) {
    (seed::id_number(i), seed::name(i))
}

pub async fn platform(options: Options) -> Result<Simulator, StartError> {
    prepare(&options.store).await?;
    let config = crate::server_config(&glorycard::PLATFORM, &options);
    let router = glorycard::platform::router(platform::Register { store: options.store }, config);
    Ok(Simulator { router, background: Vec::new() })
}

pub async fn hospital(options: Options) -> Result<Simulator, StartError> {
    prepare(&options.store).await?;
    let config = crate::server_config(&glorycard::PLATFORM, &options);
    let router = glorycard::hospital::router(hospital::Institution { store: options.store }, config);
    Ok(Simulator { router, background: Vec::new() })
}
