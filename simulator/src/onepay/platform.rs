//! The platform's handler. Charges, recharges, refunds and medical uploads each claim their number before their
//! effect, so a repeat — sequential, concurrent, or on another instance — gets the first answer, refusals included.

use super::payloads::{self, AccountInfo, AccountRef, DetailsQuery, Recharge, Refund, TradeRef};
use super::{MERCHANT_NUMBERS, REFUSED, accounts, charge, medical, trades, wristband};
use crate::answer::{Recorded, claim_failure, claimed, fingerprint};
use crate::money::to_yuan;
use hisgate_generated::onepay::interfaces::{
    hop_account_info, hop_trade_details, hop_trade_query, hop_trade_recharge, hop_trade_refund,
    mmp_upload_medical_detail, op_trade_charge, portal_wb_get_wristband_code, portal_wb_query_account,
};
use hisgate_runtime::server::{Context, Failure};
use hisgate_runtime::store::{Claim, Store};
use hisgate_runtime::{Dictionary, Message};
use sqlx::pool::PoolConnection;

pub struct Platform {
    pub store: Store,
}

/// A request's content, told apart by interface: one merchant number serves one kind of request.
fn content<M: Message>(interface: &str, request: &M) -> String {
    format!("{interface}:{}", fingerprint(request))
}

impl Platform {
    async fn connection(&self) -> Result<PoolConnection<sqlx::Any>, Failure> {
        Ok(self.store.pool().acquire().await?)
    }
}

impl hisgate_generated::onepay::platform::Handler for Platform {
    async fn portal_wb_query_account(
        &self,
        request: portal_wb_query_account::Request,
        _: Context,
    ) -> Result<portal_wb_query_account::Response, Failure> {
        let mut conn = self.connection().await?;
        wristband::query_account(&mut conn, &request).await
    }

    async fn portal_wb_get_wristband_code(
        &self,
        request: portal_wb_get_wristband_code::Request,
        _: Context,
    ) -> Result<portal_wb_get_wristband_code::Response, Failure> {
        let mut conn = self.connection().await?;
        wristband::issue(&mut conn, &request).await
    }

    async fn op_trade_charge(
        &self,
        request: op_trade_charge::Request,
        context: Context,
    ) -> Result<op_trade_charge::Response, Failure> {
        if request.out_charge_no.is_none() {
            return Err(Failure::with_message(REFUSED, "outChargeNo 不能为空"));
        }
        let mut claimed = claimed(&context).await?;
        charge::charge(&mut claimed, &request).await
    }

    async fn mmp_upload_medical_detail(
        &self,
        request: mmp_upload_medical_detail::Request,
        context: Context,
    ) -> Result<mmp_upload_medical_detail::Response, Failure> {
        if request.yydjh0.is_none() {
            return Err(Failure::with_message(REFUSED, "yydjh0（医院单据号）不能为空"));
        }
        let mut claimed = claimed(&context).await?;
        let answer = medical::upload(&mut claimed, &request).await?;
        Ok(mmp_upload_medical_detail::Response(payloads::write(&answer)?))
    }

    async fn hop_account_info(
        &self,
        request: hop_account_info::Request,
        _: Context,
    ) -> Result<hop_account_info::Response, Failure> {
        let asked: AccountRef = payloads::read(&request.0)?;
        let mut conn = self.connection().await?;
        let account = match (&asked.key, &asked.card_type, &asked.card_no, &asked.account_type) {
            (Some(key), None, None, None) => accounts::by_wristband(&mut conn, key).await,
            (None, Some(card_type), Some(card_no), Some(account_type)) => {
                accounts::by_card(&mut conn, card_type.code(), card_no, account_type.code()).await
            }
            _ => return Err(Failure::with_message(REFUSED, "须给出 key，或 cardType、cardNo 与 accountType")),
        };
        let account = account?.ok_or_else(|| Failure::with_message(REFUSED, "账户不存在"))?;
        let info = AccountInfo {
            card_type: account.card_type,
            card_no: account.card_no,
            account_type: account.account_type,
            user_name: account.user_name,
            id_type: account.id_type,
            id_no: account.id_no,
            gender: account.gender,
            status: account.status,
            balance: to_yuan(account.balance_fen).to_string(),
        };
        Ok(hop_account_info::Response(payloads::write(&info)?))
    }

    async fn hop_trade_recharge(
        &self,
        request: hop_trade_recharge::Request,
        _: Context,
    ) -> Result<hop_trade_recharge::Response, Failure> {
        let recharge: Recharge = payloads::read(&request.0)?;
        let content = content("hop.trade.recharge", &request);
        let answer = match self.store.claim(MERCHANT_NUMBERS, &recharge.out_trade_no, &content).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let answer = Recorded::of(trades::recharge(pending.tx(), &recharge).await)?;
                pending.commit(&answer).await?;
                answer
            }
            Err(e) => return Err(claim_failure(e, REFUSED)),
        };
        Ok(hop_trade_recharge::Response(payloads::write(&answer.answer()?)?))
    }

    async fn hop_trade_refund(
        &self,
        request: hop_trade_refund::Request,
        _: Context,
    ) -> Result<hop_trade_refund::Response, Failure> {
        let refund: Refund = payloads::read(&request.0)?;
        let content = content("hop.trade.refund", &request);
        let answer = match self.store.claim(MERCHANT_NUMBERS, &refund.out_refund_no, &content).await {
            Ok(Claim::Repeat(first)) => first,
            Ok(Claim::First(mut pending)) => {
                let answer = Recorded::of(trades::refund(pending.tx(), &refund).await)?;
                pending.commit(&answer).await?;
                answer
            }
            Err(e) => return Err(claim_failure(e, REFUSED)),
        };
        Ok(hop_trade_refund::Response(payloads::write(&answer.answer()?)?))
    }

    async fn hop_trade_query(
        &self,
        request: hop_trade_query::Request,
        _: Context,
    ) -> Result<hop_trade_query::Response, Failure> {
        let asked: TradeRef = payloads::read(&request.0)?;
        let mut conn = self.connection().await?;
        let trade = trades::query(&mut conn, &asked).await?;
        Ok(hop_trade_query::Response(payloads::write(&trade)?))
    }

    async fn hop_trade_details(
        &self,
        request: hop_trade_details::Request,
        _: Context,
    ) -> Result<hop_trade_details::Response, Failure> {
        let asked: DetailsQuery = payloads::read(&request.0)?;
        let mut conn = self.connection().await?;
        let details = trades::details(&mut conn, &asked).await?;
        Ok(hop_trade_details::Response(payloads::write(&details)?))
    }
}
