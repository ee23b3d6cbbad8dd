//! The hospital side (section 2.1, the SPI the platform calls). Money-moving calls — OrderRegister, Pay, Refund,
//! NotifyRefund — take effect once per business key (the platform's order, trade or refund id), as their specs'
//! `idempotency:` declare it: the runtime claims the key, the effect runs in the claim's transaction (a savepoint
//! of it, undone on a refusal) and commits with the answer, and every repeat gets the first answer.

pub(super) mod catalog;
pub(super) mod orders;
pub(super) mod patients;
pub(super) mod payments;
mod reports;

use super::{now, settle, timestamp};
use crate::answer::{claimed, decided};
use hisgate_generated::shaanxi::interfaces::*;
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::Store;
use sqlx::Acquire;

pub struct Hospital {
    pub store: Store,
}

impl hisgate_generated::shaanxi::hospital::Handler for Hospital {
    async fn test_net(&self, _: test_net::Request, _: Context) -> Result<test_net::Response, Failure> {
        // No store round trip: “数据库是否处于连接状态” is what `/readyz` answers (it pings the store), and a
        // `SELECT 1` per TestNet made the busiest interface wait on the database for nothing.
        Ok(test_net::Response { system_time: timestamp(now()) })
    }

    async fn pay(&self, request: pay::Request, context: Context) -> Result<pay::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        let mut effect = claimed.begin().await?;
        let answer = payments::pay(&mut effect, &request).await;
        settle(effect, answer).await
    }

    async fn refund(&self, request: refund::Request, context: Context) -> Result<refund::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        let mut effect = claimed.begin().await?;
        let answer = payments::refund(&mut effect, &request).await;
        settle(effect, answer).await
    }

    async fn notify_refund(
        &self,
        request: notify_refund::Request,
        context: Context,
    ) -> Result<notify_refund::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        let mut effect = claimed.begin().await?;
        let answer = payments::notify_refund(&mut effect, &request, now()).await;
        settle(effect, answer).await?;
        Ok(notify_refund::Response {})
    }

    async fn get_statement(
        &self,
        request: get_statement::Request,
        _: Context,
    ) -> Result<get_statement::Response, Failure> {
        reports::statement(self.store.pool(), &request).await
    }

    async fn create_patient(
        &self,
        request: create_patient::Request,
        _: Context,
    ) -> Result<create_patient::Response, Failure> {
        // Filing is idempotent by the certificate's unique key: a repeat finds the file the first one made.
        let mut tx = self.store.begin().await?;
        let answer = patients::create(&mut tx, &request, now()).await;
        if decided(&answer) {
            tx.commit().await?;
        }
        answer
    }

    async fn get_patient_info(
        &self,
        request: get_patient_info::Request,
        _: Context,
    ) -> Result<get_patient_info::Response, Failure> {
        let mut conn = self.store.pool().acquire().await?;
        patients::info(&mut conn, &request, now()).await
    }

    async fn check_card(&self, request: check_card::Request, _: Context) -> Result<check_card::Response, Failure> {
        let mut conn = self.store.pool().acquire().await?;
        patients::check_card(&mut conn, &request).await
    }

    async fn get_department_info(
        &self,
        request: get_department_info::Request,
        _: Context,
    ) -> Result<get_department_info::Response, Failure> {
        catalog::departments(self.store.pool(), &request).await
    }

    async fn get_doctor_info(
        &self,
        request: get_doctor_info::Request,
        _: Context,
    ) -> Result<get_doctor_info::Response, Failure> {
        catalog::doctors(self.store.pool(), &request).await
    }

    async fn get_schedule_info(
        &self,
        request: get_schedule_info::Request,
        _: Context,
    ) -> Result<get_schedule_info::Response, Failure> {
        catalog::schedules(self.store.pool(), &request, now().date()).await
    }

    async fn get_schedule_time_info(
        &self,
        request: get_schedule_time_info::Request,
        _: Context,
    ) -> Result<get_schedule_time_info::Response, Failure> {
        catalog::time_slices(self.store.pool(), &request, now().date()).await
    }

    async fn order_register(
        &self,
        request: order_register::Request,
        context: Context,
    ) -> Result<order_register::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        let mut effect = claimed.begin().await?;
        let answer = orders::register(&mut effect, &request, now()).await;
        settle(effect, answer).await
    }

    async fn notify_register(
        &self,
        request: notify_register::Request,
        _: Context,
    ) -> Result<notify_register::Response, Failure> {
        // Cancelling and taking are idempotent transitions (a cancelled order cancelled again is a success, as the
        // document asks); conditional updates make concurrent repeats take effect once.
        let mut tx = self.store.begin().await?;
        let answer = orders::notify(&mut tx, &request, now()).await;
        settle(tx, answer).await?;
        Ok(notify_register::Response {})
    }

    async fn query_register(
        &self,
        request: query_register::Request,
        _: Context,
    ) -> Result<query_register::Response, Failure> {
        let mut conn = self.store.pool().acquire().await?;
        reports::registers(&mut conn, &request, now().date()).await
    }

    async fn query_stop_register(
        &self,
        request: query_stop_register::Request,
        _: Context,
    ) -> Result<query_stop_register::Response, Failure> {
        reports::stops(self.store.pool(), &request).await
    }
}
