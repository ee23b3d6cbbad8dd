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

use super::{Answer, failed, now};
use crate::answer::fingerprint;
use hisgate_generated::shaanxi::interfaces::*;
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::{Claim, Store};

pub struct Platform {
    pub store: Store,
}

const SCOPE_REFUND: &str = "shaanxi.platform.RefundByHis";
const SCOPE_STOP: &str = "shaanxi.platform.StopRegister";

impl hisgate_generated::shaanxi::platform::Handler for Platform {
    async fn refund_by_his(
        &self,
        request: refund_by_his::Request,
        _: Context,
    ) -> Result<refund_by_his::Response, Failure> {
        let key = &request.hospital_refund_id;
        let answer = match self.store.claim(SCOPE_REFUND, key, &fingerprint(&request)).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let answer: Answer<_> = refunds::refund_by_his(pending.tx(), &request, now()).await.map_err(failed)?;
                pending.commit(&answer).await.map_err(failed)?;
                answer
            }
            Err(e) => return Err(failed(e)),
        };
        Ok(answer?)
    }

    async fn query_refund(
        &self,
        request: query_refund::Request,
        _: Context,
    ) -> Result<query_refund::Response, Failure> {
        let mut conn = self.store.pool().acquire().await.map_err(|e| failed(e.into()))?;
        Ok(refunds::query(&mut conn, &request).await.map_err(failed)??)
    }

    async fn download_statement(
        &self,
        request: download_statement::Request,
        _: Context,
    ) -> Result<download_statement::Response, Failure> {
        Ok(statement::download(self.store.pool(), &request).await.map_err(failed)??)
    }

    async fn stop_register(
        &self,
        request: stop_register::Request,
        _: Context,
    ) -> Result<stop_register::Response, Failure> {
        // A stop is the half-day, narrowed to the hours where it has them.
        let key = [
            request.department_id.as_str(),
            &request.doctor_id,
            &request.date,
            request.noon.code(),
            request.start_time.as_deref().unwrap_or_default(),
            request.end_time.as_deref().unwrap_or_default(),
        ]
        .join("|");
        let answer = match self.store.claim(SCOPE_STOP, &key, &fingerprint(&request)).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let answer: Answer<()> = changes::stop_register(pending.tx(), &request, now()).await.map_err(failed)?;
                pending.commit(&answer).await.map_err(failed)?;
                answer
            }
            Err(e) => return Err(failed(e)),
        };
        answer?;
        Ok(stop_register::Response {})
    }

    async fn notify_register_by_his(
        &self,
        request: notify_register_by_his::Request,
        _: Context,
    ) -> Result<notify_register_by_his::Response, Failure> {
        let mut tx = self.store.begin().await.map_err(failed)?;
        let answer = changes::notify(&mut tx, &request, now()).await.map_err(failed)?;
        // Every refusal is decided before a write, so committing a refusal commits nothing.
        tx.commit().await.map_err(|e| failed(e.into()))?;
        answer?;
        Ok(notify_register_by_his::Response {})
    }
}
