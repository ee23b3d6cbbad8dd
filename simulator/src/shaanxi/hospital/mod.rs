//! The hospital side (section 2.1, the SPI the platform calls). Money-moving calls — OrderRegister, Pay, Refund,
//! NotifyRefund — take effect once per business key (the platform's order, trade or refund id): the effect and its
//! answer commit together, and every repeat, sequential or concurrent, gets the first answer.

pub(super) mod catalog;
pub(super) mod orders;
pub(super) mod patients;
pub(super) mod payments;
mod reports;

use super::{Answer, failed, now, settle, timestamp};
use crate::answer::{fingerprint, store_failure};
use hisgate_generated::shaanxi::interfaces::*;
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::{Claim, Store};
use sqlx::Acquire;

pub struct Hospital {
    pub store: Store,
}

/// The idempotency scopes, one per interface with exactly-once effects.
const SCOPE_ORDER: &str = "shaanxi.hospital.OrderRegister";
const SCOPE_PAY: &str = "shaanxi.hospital.Pay";
const SCOPE_REFUND: &str = "shaanxi.hospital.Refund";
const SCOPE_NOTIFY_REFUND: &str = "shaanxi.hospital.NotifyRefund";

/// OrderRegister's code for an order id already used for another order.
const ORDER_EXISTS: &str = "S05010706";

impl hisgate_generated::shaanxi::hospital::Handler for Hospital {
    async fn test_net(&self, _: test_net::Request, _: Context) -> Result<test_net::Response, Failure> {
        // No store round trip: “数据库是否处于连接状态” is what `/readyz` answers (it pings the store), and a
        // `SELECT 1` per TestNet made the busiest interface wait on the database for nothing.
        Ok(test_net::Response { system_time: timestamp(now()) })
    }

    async fn pay(&self, request: pay::Request, _: Context) -> Result<pay::Response, Failure> {
        let answer = match self.store.claim(SCOPE_PAY, &request.trade_id, &fingerprint(&request)).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let mut effect = pending.tx().begin().await.map_err(|e| failed(e.into()))?;
                let answer: Answer<_> = payments::pay(&mut effect, &request).await.map_err(failed)?;
                settle(effect, &answer).await.map_err(failed)?;
                pending.commit(&answer).await.map_err(failed)?;
                answer
            }
            Err(e) => return Err(failed(e)),
        };
        Ok(answer?)
    }

    async fn refund(&self, request: refund::Request, _: Context) -> Result<refund::Response, Failure> {
        let answer = match self.store.claim(SCOPE_REFUND, &request.refund_id, &fingerprint(&request)).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let mut effect = pending.tx().begin().await.map_err(|e| failed(e.into()))?;
                let answer: Answer<_> = payments::refund(&mut effect, &request).await.map_err(failed)?;
                settle(effect, &answer).await.map_err(failed)?;
                pending.commit(&answer).await.map_err(failed)?;
                answer
            }
            Err(e) => return Err(failed(e)),
        };
        Ok(answer?)
    }

    async fn notify_refund(
        &self,
        request: notify_refund::Request,
        _: Context,
    ) -> Result<notify_refund::Response, Failure> {
        let answer = match self.store.claim(SCOPE_NOTIFY_REFUND, &request.refund_id, &fingerprint(&request)).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let mut effect = pending.tx().begin().await.map_err(|e| failed(e.into()))?;
                let answer: Answer<()> = payments::notify_refund(&mut effect, &request, now()).await.map_err(failed)?;
                settle(effect, &answer).await.map_err(failed)?;
                pending.commit(&answer).await.map_err(failed)?;
                answer
            }
            Err(e) => return Err(failed(e)),
        };
        answer?;
        Ok(notify_refund::Response {})
    }

    async fn get_statement(
        &self,
        request: get_statement::Request,
        _: Context,
    ) -> Result<get_statement::Response, Failure> {
        Ok(reports::statement(self.store.pool(), &request).await.map_err(failed)??)
    }

    async fn create_patient(
        &self,
        request: create_patient::Request,
        _: Context,
    ) -> Result<create_patient::Response, Failure> {
        // Filing is idempotent by the certificate's unique key: a repeat finds the file the first one made.
        let mut tx = self.store.begin().await.map_err(failed)?;
        let answer = patients::create(&mut tx, &request, now()).await.map_err(failed)?;
        tx.commit().await.map_err(|e| failed(e.into()))?;
        Ok(answer?)
    }

    async fn get_patient_info(
        &self,
        request: get_patient_info::Request,
        _: Context,
    ) -> Result<get_patient_info::Response, Failure> {
        let mut conn = self.store.pool().acquire().await.map_err(|e| failed(e.into()))?;
        Ok(patients::info(&mut conn, &request, now()).await.map_err(failed)??)
    }

    async fn check_card(&self, request: check_card::Request, _: Context) -> Result<check_card::Response, Failure> {
        let mut conn = self.store.pool().acquire().await.map_err(|e| failed(e.into()))?;
        Ok(patients::check_card(&mut conn, &request).await.map_err(failed)??)
    }

    async fn get_department_info(
        &self,
        request: get_department_info::Request,
        _: Context,
    ) -> Result<get_department_info::Response, Failure> {
        Ok(catalog::departments(self.store.pool(), &request).await.map_err(failed)??)
    }

    async fn get_doctor_info(
        &self,
        request: get_doctor_info::Request,
        _: Context,
    ) -> Result<get_doctor_info::Response, Failure> {
        Ok(catalog::doctors(self.store.pool(), &request).await.map_err(failed)??)
    }

    async fn get_schedule_info(
        &self,
        request: get_schedule_info::Request,
        _: Context,
    ) -> Result<get_schedule_info::Response, Failure> {
        Ok(catalog::schedules(self.store.pool(), &request, now().date()).await.map_err(failed)??)
    }

    async fn get_schedule_time_info(
        &self,
        request: get_schedule_time_info::Request,
        _: Context,
    ) -> Result<get_schedule_time_info::Response, Failure> {
        Ok(catalog::time_slices(self.store.pool(), &request, now().date()).await.map_err(failed)??)
    }

    async fn order_register(
        &self,
        request: order_register::Request,
        _: Context,
    ) -> Result<order_register::Response, Failure> {
        let answer = match self.store.claim(SCOPE_ORDER, &request.order_id, &fingerprint(&request)).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let mut effect = pending.tx().begin().await.map_err(|e| failed(e.into()))?;
                let answer: Answer<_> = orders::register(&mut effect, &request, now()).await.map_err(failed)?;
                settle(effect, &answer).await.map_err(failed)?;
                pending.commit(&answer).await.map_err(failed)?;
                answer
            }
            Err(e) => return Err(store_failure(e, ORDER_EXISTS)),
        };
        Ok(answer?)
    }

    async fn notify_register(
        &self,
        request: notify_register::Request,
        _: Context,
    ) -> Result<notify_register::Response, Failure> {
        // Cancelling and taking are idempotent transitions (a cancelled order cancelled again is a success, as the
        // document asks); conditional updates make concurrent repeats take effect once.
        let mut tx = self.store.begin().await.map_err(failed)?;
        let answer = orders::notify(&mut tx, &request, now()).await.map_err(failed)?;
        settle(tx, &answer).await.map_err(failed)?;
        answer?;
        Ok(notify_register::Response {})
    }

    async fn query_register(
        &self,
        request: query_register::Request,
        _: Context,
    ) -> Result<query_register::Response, Failure> {
        let mut conn = self.store.pool().acquire().await.map_err(|e| failed(e.into()))?;
        Ok(reports::registers(&mut conn, &request, now().date()).await.map_err(failed)??)
    }

    async fn query_stop_register(
        &self,
        request: query_stop_register::Request,
        _: Context,
    ) -> Result<query_stop_register::Response, Failure> {
        Ok(reports::stops(self.store.pool(), &request).await.map_err(failed)??)
    }
}
