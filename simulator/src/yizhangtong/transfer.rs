//! Balance transfer-in (op_yjj_account_transfer_in): a patient's cards emptied — wholly, or by the amounts given —
//! into one of their cards, and its result by `traceNoIn` (op_query_transfer_in_result). The caller claims
//! `traceNoIn` first; the effect runs in a savepoint, so a refusal leaves every balance as it was and is journalled
//! as a failed transfer, which the result query reports as `fail`, never as `notfound`.

use super::{NOT_APPLICABLE, REFUSED, cards, now};
use crate::money::{to_fen, to_yuan};
use hisgate_generated::yizhangtong::dict::{CardType, ListFormat, TradeStatus};
use hisgate_generated::yizhangtong::interfaces::{
    op_query_transfer_in_result as result, op_yjj_account_transfer_in as transfer,
};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Columns, StoreError};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::{AnyConnection, Connection, Row};
use std::str::FromStr;

/// A card and its type, as `fromCardList` names them.
struct Card {
    card_no: String,
    card_type: String,
}

struct Moved {
    to_card: String,
    balance_fen: i64,
    amount_fen: i64,
    from: Vec<Card>,
}

pub async fn transfer_in(conn: &mut AnyConnection, request: &transfer::Request) -> Result<transfer::Response, Failure> {
    let time = now();
    let mut attempt = conn.begin().await?;
    match move_balances(&mut attempt, request).await {
        Ok(moved) => {
            let from: Vec<_> =
                moved.from.iter().map(|c| json!({ "cardNo": c.card_no, "cardType": c.card_type })).collect();
            let list = serde_json::to_string(&from).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let call_sn = call_sn(&mut attempt, &time).await?;
            let journal = Journal { call_sn: &call_sn, result: "succ", description: "转入成功", time: &time };
            journal.write(&mut attempt, request, Some(&moved), &list).await?;
            attempt.commit().await?;
            Ok(transfer::Response {
                to_card_balance: to_yuan(moved.balance_fen).to_string(),
                call_sn,
                extra: None,
                trace_no_in: request.trace_no_in.clone(),
                list_format: ListFormat::Json,
                from_card_list: list,
            })
        }
        Err(Failure::Business { code, message }) => {
            attempt.rollback().await?;
            let call_sn = call_sn(conn, &time).await?;
            let description = message.as_deref().unwrap_or_default();
            let journal = Journal { call_sn: &call_sn, result: "fail", description, time: &time };
            journal.write(conn, request, None, "[]").await?;
            Err(Failure::Business { code, message })
        }
        Err(failed) => Err(failed),
    }
}

/// The patient's balances moved onto the target card, or why not.
async fn move_balances(conn: &mut AnyConnection, request: &transfer::Request) -> Result<Moved, Failure> {
    let refuse = |message: String| Err(Failure::with_message(REFUSED, message));
    let his_id = cards::patient(conn, request.id_type.code(), &request.id_no, &request.user_name).await?;
    let account_type = request.account_type.code();
    let target = target(conn, request, &his_id).await?;
    let named: Vec<&str> = list(request.from_card_no.as_deref());
    let amounts: Vec<&str> = list(request.from_number.as_deref());
    if !amounts.is_empty() && amounts.len() != named.len() {
        return refuse("fromNumber 须与 fromCardNo 一一对应".into());
    }
    let rows = sqlx::query(
        "SELECT card_no, card_type, balance_fen, status FROM yizhangtong_cards \
         WHERE his_cust_id = $1 AND account_type = $2 AND card_no <> $3 ORDER BY card_no",
    )
    .bind(&his_id)
    .bind(account_type)
    .bind(&target.card_no)
    .fetch_all(&mut *conn)
    .await?;
    let mut own = Vec::new();
    for row in &rows {
        let (card_no, card_type, balance, status): (String, String, i64, String) =
            (row.try_get("card_no")?, row.try_get("card_type")?, row.try_get("balance_fen")?, row.try_get("status")?);
        own.push((Card { card_no, card_type }, balance, status));
    }
    // What to take from which card: the named cards (all of the patient's own, 注1) or every other card with money.
    let mut plan: Vec<(&Card, i64)> = Vec::new();
    if named.is_empty() {
        plan.extend(own.iter().filter(|(_, b, s)| *b > 0 && movable(s)).map(|(c, b, _)| (c, *b)));
    }
    for (k, card_no) in named.iter().enumerate() {
        let Some((card, balance, status)) = own.iter().find(|(c, _, _)| c.card_no == *card_no) else {
            return refuse(format!("转出卡 {card_no} 不是该患者本账户类型的其他卡"));
        };
        if !movable(status) {
            return refuse(format!("转出卡 {card_no} 已冻结或注销"));
        }
        if plan.iter().any(|(c, _)| c.card_no == *card_no) {
            return refuse(format!("转出卡 {card_no} 重复"));
        }
        let fen = match amounts.get(k) {
            Some(text) => match Decimal::from_str(text).ok().and_then(to_fen).filter(|f| *f > 0) {
                Some(fen) => fen,
                None => return refuse(format!("转出金额 `{text}` 须为大于零的元金额，最多两位小数")),
            },
            None => *balance,
        };
        plan.push((card, fen));
    }
    plan.retain(|(_, fen)| *fen > 0);
    let amount_fen: i64 = plan.iter().map(|(_, fen)| fen).sum();
    if amount_fen == 0 {
        return refuse("没有可转入的余额".into());
    }
    for (card, fen) in &plan {
        let debited = sqlx::query(
            "UPDATE yizhangtong_cards SET balance_fen = balance_fen - $2 WHERE card_no = $1 AND balance_fen >= $2",
        )
        .bind(&card.card_no)
        .bind(fen)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if debited == 0 {
            return refuse(format!("转出卡 {} 余额不足 {} 元", card.card_no, to_yuan(*fen)));
        }
    }
    let balance_fen: i64 = sqlx::query_scalar(
        "UPDATE yizhangtong_cards SET balance_fen = balance_fen + $2 WHERE card_no = $1 RETURNING balance_fen",
    )
    .bind(&target.card_no)
    .bind(amount_fen)
    .fetch_one(&mut *conn)
    .await?;
    let from = plan.into_iter().map(|(c, _)| Card { card_no: c.card_no.clone(), card_type: c.card_type.clone() });
    Ok(Moved { to_card: target.card_no, balance_fen, amount_fen, from: from.collect() })
}

/// The card that receives: the one named, or for type 10 (HIS病人ID) the patient's first open card of the account
/// type. It must be the patient's own, open, and of the account type.
async fn target(conn: &mut AnyConnection, request: &transfer::Request, his_id: &str) -> Result<Card, Failure> {
    let refuse = |message: String| Failure::with_message(REFUSED, message);
    let by_patient_id = request.to_card_type == Some(CardType::HisPatientId);
    if by_patient_id && request.to_card_no != his_id {
        return Err(refuse("到账HIS病人ID与证件不符".into()));
    }
    let row = if by_patient_id {
        sqlx::query(
            "SELECT card_no, card_type, his_cust_id, account_type, status FROM yizhangtong_cards \
             WHERE his_cust_id = $1 AND account_type = $2 AND status = '1' ORDER BY card_no LIMIT 1",
        )
        .bind(his_id)
        .bind(request.account_type.code())
    } else {
        sqlx::query(
            "SELECT card_no, card_type, his_cust_id, account_type, status FROM yizhangtong_cards WHERE card_no = $1",
        )
        .bind(&request.to_card_no)
    }
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Err(refuse("到账卡号不存在".into())) };
    let card = Card { card_no: row.try_get("card_no")?, card_type: row.try_get("card_type")? };
    let (owner, account_type, status): (String, String, String) =
        (row.try_get("his_cust_id")?, row.try_get("account_type")?, row.try_get("status")?);
    let named_type = request.to_card_type.as_ref().filter(|_| !by_patient_id);
    if owner != his_id {
        Err(refuse("到账卡不属于该患者".into()))
    } else if named_type.is_some_and(|t| t.code() != card.card_type) {
        Err(refuse("到账卡类型不符".into()))
    } else if account_type != request.account_type.code() {
        Err(refuse(format!("到账卡不是{}", request.account_type.label())))
    } else if status != "1" {
        Err(refuse("到账卡状态不正常".into()))
    } else {
        Ok(card)
    }
}

/// Money may leave a card that is 正常 or 挂失 (merging a lost card's balance is the point), not a frozen or
/// closed one.
fn movable(status: &str) -> bool {
    matches!(status, "1" | "2")
}

/// A comma-separated list (“多值用,隔开”); empty means “空值全部执行”.
fn list(text: Option<&str>) -> Vec<&str> {
    text.map(|t| t.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()).unwrap_or_default()
}

/// The HIS's own serial number of a transfer (callSn).
async fn call_sn(conn: &mut AnyConnection, time: &str) -> Result<String, StoreError> {
    let seq: i64 =
        sqlx::query_scalar("UPDATE yizhangtong_counters SET value = value + 1 WHERE name = 'call_sn' RETURNING value")
            .fetch_one(conn)
            .await?;
    Ok(format!("YJJ{}{seq:08}", time[..10].replace('-', "")))
}

/// One line of the transfer-in journal.
struct Journal<'a> {
    call_sn: &'a str,
    result: &'a str,
    description: &'a str,
    time: &'a str,
}

impl Journal<'_> {
    async fn write(
        &self,
        conn: &mut AnyConnection,
        request: &transfer::Request,
        moved: Option<&Moved>,
        from_card_list: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO yizhangtong_transfers (trace_no_in, call_sn, result, result_desc, to_card_no, \
             to_card_balance_fen, amount_fen, from_card_list, trans_time, org_code, operator_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&request.trace_no_in)
        .bind(self.call_sn)
        .bind(self.result)
        .bind(self.description)
        .bind(moved.map(|m| m.to_card.as_str()))
        .bind(moved.map(|m| m.balance_fen))
        .bind(moved.map_or(0, |m| m.amount_fen))
        .bind(from_card_list)
        .bind(self.time)
        .bind(&request.org_code)
        .bind(&request.operator_id)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// op_query_transfer_in_result: the journal's line for `traceNoIn`.
pub async fn result(conn: &mut AnyConnection, request: &result::Request) -> Result<result::Response, StoreError> {
    let row = sqlx::query(
        "SELECT call_sn, to_card_balance_fen, result, result_desc, trans_time FROM yizhangtong_transfers \
         WHERE trace_no_in = $1",
    )
    .bind(&request.trace_no_in)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(result::Response {
            call_sn: NOT_APPLICABLE.into(),
            to_card_balance: NOT_APPLICABLE.into(),
            result: TradeStatus::NotFound,
            result_desc: "交易记录不存在".into(),
            orig_trace_time: NOT_APPLICABLE.into(),
            extra: None,
        });
    };
    let balance: Option<i64> = row.try_get("to_card_balance_fen")?;
    Ok(result::Response {
        call_sn: row.try_get("call_sn")?,
        to_card_balance: balance.map_or_else(|| NOT_APPLICABLE.into(), |b| to_yuan(b).to_string()),
        result: row.code("result")?,
        result_desc: row.try_get("result_desc")?,
        orig_trace_time: row.try_get("trans_time")?,
        extra: None,
    })
}
