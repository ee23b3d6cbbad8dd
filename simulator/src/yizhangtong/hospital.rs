//! The HIS over HTTP, answering from the store. A transfer-in claims its `traceNoIn` before its effect, so a
//! repeat — sequential, concurrent, or on another instance — gets the first answer, refusals included.

use super::{cards, track, transfer};
use crate::answer::claimed;
use hisgate_generated::yizhangtong::interfaces::{
    get_card_track, get_fee_list, op_certification_level, op_query_card_list, op_query_transfer_in_result,
    op_yjj_account_transfer_in,
};
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::Store;
use sqlx::pool::PoolConnection;

pub struct His {
    pub store: Store,
}

impl His {
    async fn connection(&self) -> Result<PoolConnection<sqlx::Any>, Failure> {
        Ok(self.store.pool().acquire().await?)
    }
}

impl hisgate_generated::yizhangtong::hospital::Handler for His {
    async fn op_query_card_list(
        &self,
        request: op_query_card_list::Request,
        _: Context,
    ) -> Result<op_query_card_list::Response, Failure> {
        let mut conn = self.connection().await?;
        cards::list(&mut conn, &request).await
    }

    async fn op_yjj_account_transfer_in(
        &self,
        request: op_yjj_account_transfer_in::Request,
        context: Context,
    ) -> Result<op_yjj_account_transfer_in::Response, Failure> {
        let mut claimed = claimed(&context).await?;
        transfer::transfer_in(&mut claimed, &request).await
    }

    async fn op_query_transfer_in_result(
        &self,
        request: op_query_transfer_in_result::Request,
        _: Context,
    ) -> Result<op_query_transfer_in_result::Response, Failure> {
        let mut conn = self.connection().await?;
        Ok(transfer::result(&mut conn, &request).await?)
    }

    async fn get_card_track(
        &self,
        request: get_card_track::Request,
        _: Context,
    ) -> Result<get_card_track::Response, Failure> {
        let mut conn = self.connection().await?;
        track::card_uses(&mut conn, &request).await
    }

    async fn op_certification_level(
        &self,
        request: op_certification_level::Request,
        _: Context,
    ) -> Result<op_certification_level::Response, Failure> {
        let mut conn = self.connection().await?;
        cards::certify(&mut conn, &request).await
    }

    async fn get_fee_list(
        &self,
        request: get_fee_list::Request,
        _: Context,
    ) -> Result<get_fee_list::Response, Failure> {
        let mut conn = self.connection().await?;
        track::fees(&mut conn, &request).await
    }
}
