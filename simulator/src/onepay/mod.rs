//! onepay (一站式支付平台), the platform side: patient accounts with balances and wristbands; charges that wait in
//! `ing` until a simulated payer pays them; recharges, refunds, trade queries and trade details (the `hop.*` trade
//! types, whose open payloads [`payloads`] models); and uploaded medical details. Every merchant number takes
//! effect once.

mod accounts;
mod charge;
mod medical;
mod payer;
pub mod payloads;
mod platform;
mod seed;
mod trades;
mod wristband;

pub use payer::Payer;
pub use seed::{inpatient_card, visit_card};

use crate::{Options, Simulator, StartError};
use hisgate_generated::onepay;
use hisgate_runtime::store::{Migration, Store, StoreError};
use std::time::Duration;

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "accounts, wristbands, trades, medical details",
    sql: include_str!("sql/0001_onepay.sql"),
}];

/// onepay's code for every refusal: the document lists no code but success (erratum `return-codes-elided`), so the
/// reason travels in `respMsg`.
const REFUSED: &str = "999999";

/// The claim scope of merchant numbers: charges, recharges and refunds share one namespace (section 1.3), so a
/// number used for one cannot be used for another. `op.trade.charge` declares it in its spec (`idempotency:` with
/// `scope: merchant-number`, claimed by the runtime as `onepay.merchant-number`); recharges and refunds carry their
/// numbers inside an opaque payload no spec field names, so their handlers claim the same scope themselves.
const MERCHANT_NUMBERS: &str = "onepay.merchant-number";

/// How long after a charge's QR code or credential is issued the simulated payer pays it.
pub const PAY_AFTER: Duration = Duration::from_secs(1);

async fn prepare(store: &Store) -> Result<(), StoreError> {
    store.migrate("onepay", MIGRATIONS).await?;
    seed::seed(store).await
}

pub async fn platform(options: Options) -> Result<Simulator, StartError> {
    prepare(&options.store).await?;
    let config = crate::server_config(&onepay::PLATFORM, &options);
    let payer = Payer::new(options.store.clone(), PAY_AFTER);
    let router = onepay::platform::router(platform::Platform { store: options.store.clone() }, config);
    // A payment cut off by the stop rolls back whole; the next start pays it.
    let stop = options.stop;
    let background = async move {
        tokio::select! {
            () = payer.run() => {}
            () = stop.cancelled() => {}
        }
    };
    Ok(Simulator { router, background: vec![Box::pin(background)] })
}

/// Now, as the platform writes times: yyyyMMddHHmmss, China Standard Time.
fn stamp() -> String {
    use hisgate_runtime::clock;
    clock::now(clock::china_standard_time()).format("%Y%m%d%H%M%S").to_string()
}

/// The next platform number of `counter`: the time and a sequence, as the document's `chargeNo`
/// (`201612260931476856`). The sequence comes from the database, so instances sharing it never collide.
async fn number(conn: &mut sqlx::AnyConnection, counter: &str, stamp: &str) -> Result<String, StoreError> {
    let value: i64 = sqlx::query_scalar("UPDATE onepay_counters SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(counter)
        .fetch_one(conn)
        .await?;
    Ok(format!("{stamp}{value:06}"))
}
