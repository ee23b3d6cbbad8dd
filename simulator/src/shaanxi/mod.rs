//! shaanxi (陕西省预约挂号服务及支付平台). The hospital side is a HIS: a two- and three-level outpatient catalogue,
//! doctors with their schedules (time slices with quotas), patient files and cards, and register orders through
//! their whole life — OrderRegister takes a place, Pay pays for it, NotifyRegister cancels it or takes the number,
//! Refund gives money back in whole or in parts. The platform side keeps its ledger of those orders: refunds the
//! hospital asks for (RefundByHis, QueryRefund), stops (StopRegister, NotifyRegisterByHis), statements, and its
//! calls back to the hospital (NotifyRegister, Refund, NotifyRefund) through the outbox.

mod amount;
mod hospital;
mod ids;
mod platform;
mod seed;
mod status;

pub use platform::{BookingError, Bookings};
pub use seed::{SamplePatient, sample_patients};

use crate::{Options, Simulator, StartError};
use chrono::NaiveDateTime;
use hisgate_generated::shaanxi;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Migration, Page};
use sqlx::Any;

pub(crate) const IDS: &[Migration] =
    &[Migration { version: 1, name: "business number counters", sql: include_str!("sql/0001_ids.sql") }];

pub(crate) const HOSPITAL: &[Migration] = &[Migration {
    version: 1,
    name: "catalogue, patients, register orders, refunds",
    sql: include_str!("sql/0001_hospital.sql"),
}];

pub(crate) const PLATFORM: &[Migration] =
    &[Migration { version: 1, name: "order ledger and refunds", sql: include_str!("sql/0001_platform.sql") }];

/// The unified return codes of section 2.3 the simulators answer with, besides each interface's own.
mod code {
    pub const ILLEGAL_ARGUMENT: &str = "ILLEGAL_ARGUMENT";
    pub const SYSTEM_ERROR: &str = "SYSTEM_ERROR";
    pub const PAGE_LIMIT: &str = "PAGE_LIMIT";
}

/// The outbox channel of the platform's calls to the hospital.
pub const HOSPITAL_CHANNEL: &str = "shaanxi.hospital";

pub async fn hospital(options: Options) -> Result<Simulator, StartError> {
    let store = options.store.clone();
    store.migrate("shaanxi.ids", IDS).await?;
    store.migrate("shaanxi.hospital", HOSPITAL).await?;
    seed::hospital(&store, now()).await?;
    let config = crate::server_config(&shaanxi::PLATFORM, &options);
    let router = shaanxi::hospital::router(hospital::Hospital { store }, config);
    Ok(Simulator { router, background: Vec::new() })
}

pub async fn platform(options: Options) -> Result<Simulator, StartError> {
    let store = options.store.clone();
    store.migrate("shaanxi.ids", IDS).await?;
    store.migrate("shaanxi.platform", PLATFORM).await?;
    seed::platform(&store, now()).await?;
    let config = crate::server_config(&shaanxi::PLATFORM, &options);
    let router = shaanxi::platform::router(platform::Platform { store: store.clone() }, config);
    let background: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> = match options.peer {
        Some(peer) => {
            vec![Box::pin(platform::deliver(store, peer, options.credentials, options.outbox, options.stop))]
        }
        None => {
            tracing::warn!("no --peer: calls to the hospital wait in the outbox until the platform runs with one");
            Vec::new()
        }
    };
    Ok(Simulator { router, background })
}

/// Now, on the platform's clock (China Standard Time).
fn now() -> NaiveDateTime {
    hisgate_runtime::clock::now(hisgate_runtime::clock::china_standard_time())
}

/// A time as every shaanxi message writes it (`YYYY-MM-DD HH24:MI:SS`).
fn timestamp(time: NaiveDateTime) -> String {
    hisgate_runtime::clock::datetime(time)
}

/// Keeps an effect's writes when it answered yes and undoes them when it refused: a refusal leaves no trace but the
/// record of its answer.
async fn settle<T>(effect: sqlx::Transaction<'_, Any>, answer: Result<T, Failure>) -> Result<T, Failure> {
    match answer {
        Ok(_) => effect.commit().await?,
        Err(_) => effect.rollback().await?,
    }
    answer
}

/// The page a list query asks for: `currentPage` counts from 1.
fn numbered_page(current_page: i32, page_size: i32) -> Result<Page, Failure> {
    Page::numbered(i64::from(current_page), i64::from(page_size))
        .ok_or_else(|| Failure::with_message(code::ILLEGAL_ARGUMENT, "currentPage 与 pageSize 须从 1 起"))
}

/// A date range of a query, from `start` 00:00:00 to `end` 23:59:59, as text that compares as time.
fn day_range(start: &str, end: &str) -> Result<(String, String), Failure> {
    if start > end {
        return Err(Failure::with_message(code::ILLEGAL_ARGUMENT, "起始日期晚于结束日期"));
    }
    Ok((format!("{start} 00:00:00"), format!("{end} 23:59:59")))
}
