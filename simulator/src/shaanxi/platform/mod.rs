//! The platform side (section 2.2, the API the hospital calls). RefundByHis and StopRegister take effect once per
//! business key (the hospital's refund id; the stopped half-day and hours); NotifyRegisterByHis's transitions are
//! idempotent by themselves. Their calls back to the hospital go through the outbox (`deliver`).

mod bookings;
mod calls;
mod changes;
mod deliver;
pub(super) mod ledger;
mod refunds;
mod statement;

pub use bookings::{BookingError, Bookings};
pub use deliver::deliver;

use super::now;
use crate::answer::{claimed, decided};
use hisgate_generated::shaanxi::interfaces::*;
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::Store;

pub struct Platform {
    pub store: Store,
}

impl hisgate_generated::shaanxi::platform::Handler for Platform {
    async fn refund_by_his(
        &self,
        request: refund_by_his::Request,
        context: Context,
    ) -> Result<refund_by_his::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        refunds::refund_by_his(&mut claimed, &request, now()).await
    }

    async fn query_refund(
        &self,
        request: query_refund::Request,
        _: Context,
    ) -> Result<query_refund::Response, Failure> {
        let mut conn = self.store.pool().acquire().await?;
        refunds::query(&mut conn, &request).await
    }

    async fn download_statement(
        &self,
        request: download_statement::Request,
        _: Context,
    ) -> Result<download_statement::Response, Failure> {
        statement::download(self.store.pool(), &request).await
    }

    async fn stop_register(
        &self,
        request: stop_register::Request,
        context: Context,
    ) -> Result<stop_register::Response, Failure> {
        // Once per half-day, narrowed to the hours where it has them (the spec's `idempotency:` key).
        let mut claimed = claimed(&context).await?;
        changes::stop_register(&mut claimed, &request, now()).await?;
        Ok(stop_register::Response {})
    }

    async fn notify_register_by_his(
        &self,
        request: notify_register_by_his::Request,
        _: Context,
    ) -> Result<notify_register_by_his::Response, Failure> {
        let mut tx = self.store.begin().await?;
        let answer = changes::notify(&mut tx, &request, now()).await;
        // Every refusal is decided before a write, so committing a refusal commits nothing.
        if decided(&answer) {
            tx.commit().await?;
        }
        answer?;
        Ok(notify_register_by_his::Response {})
    }
}
