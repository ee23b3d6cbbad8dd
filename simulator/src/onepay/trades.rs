//! Recharges and refunds move an account's balance; queries and details read trades. Money is fen in the store,
//! and each move is a conditional update that the balance's and the refunds' CHECK constraints back: a balance
//! never goes below zero, a trade is never refunded beyond what it took in.

use super::accounts::{self, Account};
use super::payloads::{Details, DetailsQuery, Recharge, Recharged, Refund, Refunded, Trade, TradeRef};
use super::{REFUSED, number, stamp};
use crate::money::{to_fen, to_yuan};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Listing, Page, StoreError};
use sqlx::{AnyConnection, Connection, Row};

/// hop.trade.details' page size when none is asked for, and the largest it serves.
const PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

const COLUMNS: &str = "trade_no, out_trade_no, trade_type, channel, amount_fen, refunded_fen, state, result_desc, \
                       created_at, finished_at, account_no";

pub async fn recharge(conn: &mut AnyConnection, request: &Recharge) -> Result<Recharged, Failure> {
    let Some(fen) = to_fen(request.amount).filter(|fen| *fen > 0) else {
        return Err(Failure::with_message(REFUSED, "amount 须为大于零的元金额，最多两位小数"));
    };
    let account =
        accounts::by_card(conn, request.card_type.code(), &request.card_no, request.account_type.code()).await?;
    let Some(account) = account else { return Err(Failure::with_message(REFUSED, "该卡没有此类账户")) };
    if let Some(why) = account.refuses_deposit() {
        return Err(Failure::with_message(REFUSED, why));
    }
    let now = stamp();
    let trade_no = number(conn, "trade", &now).await?;
    sqlx::query(
        "INSERT INTO onepay_trades (trade_no, out_trade_no, trade_type, account_no, channel, amount_fen, state, \
         result_desc, operator_id, created_at, finished_at) \
         VALUES ($1, $2, 'hop.trade.recharge', $3, $4, $5, 'succ', '充值成功', $6, $7, $7)",
    )
    .bind(&trade_no)
    .bind(&request.out_trade_no)
    .bind(&account.account_no)
    .bind(request.deposite_type.code())
    .bind(fen)
    .bind(&request.operator_id)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    let balance = accounts::credit(conn, &account.account_no, fen).await?;
    Ok(Recharged {
        trade_no,
        out_trade_no: request.out_trade_no.clone(),
        result: "succ".into(),
        amount: to_yuan(fen).to_string(),
        balance: to_yuan(balance).to_string(),
        trade_time: now,
    })
}

/// A refund of a recharge or a paid charge, or the cancellation (撤销) of a charge the payer has not paid yet.
pub async fn refund(conn: &mut AnyConnection, request: &Refund) -> Result<Refunded, Failure> {
    let Some(fen) = to_fen(request.amount).filter(|fen| *fen > 0) else {
        return Err(Failure::with_message(REFUSED, "amount 须为大于零的元金额，最多两位小数"));
    };
    let asked = TradeRef { trade_no: request.trade_no.clone(), out_trade_no: request.out_trade_no.clone() };
    let Some(mut original) = find(conn, &asked).await? else {
        return Err(Failure::with_message(REFUSED, "原交易不存在（tradeNo 或 outTradeNo）"));
    };
    if original.trade_type == "hop.trade.refund" {
        return Err(Failure::with_message(REFUSED, "退款交易不能再退款"));
    }
    if original.state == "ing" {
        if fen != original.amount_fen {
            return Err(Failure::with_message(REFUSED, "未支付的订单只能全额撤销"));
        }
        let closed = sqlx::query(
            "UPDATE onepay_trades SET state = 'closed', result_desc = '商户撤销', finished_at = $2 \
             WHERE trade_no = $1 AND state = 'ing'",
        )
        .bind(&original.trade_no)
        .bind(stamp())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if closed == 1 {
            let now = stamp();
            let refund_no = record_refund(conn, request, &original, fen, "撤销未支付的订单", &now).await?;
            return Ok(refunded(request, &original, (refund_no, now), fen, ("closed", 0), None));
        }
        // The payer got there first: refund what it paid.
        original = find(conn, &asked).await?.ok_or_else(|| StoreError::Corrupt("a charge vanished".into()))?;
    }
    if original.state != "succ" {
        return Err(Failure::with_message(REFUSED, format!("原交易状态为 {}，不能退款", original.state)));
    }
    let account = match &original.account_no {
        Some(no) => accounts::by_number(conn, no).await?,
        None => None,
    };
    if let Some(why) = account.as_ref().and_then(Account::refuses_withdrawal) {
        return Err(Failure::with_message(REFUSED, why));
    }
    // A savepoint: when the account cannot pay the refund back, the trade's refunded sum is restored too.
    let mut attempt = conn.begin().await?;
    let refunded_fen: Option<i64> = sqlx::query_scalar(
        "UPDATE onepay_trades SET refunded_fen = refunded_fen + $2 \
         WHERE trade_no = $1 AND state = 'succ' AND refunded_fen + $2 <= amount_fen RETURNING refunded_fen",
    )
    .bind(&original.trade_no)
    .bind(fen)
    .fetch_optional(&mut *attempt)
    .await?;
    let Some(refunded_fen) = refunded_fen else {
        let left = to_yuan(original.amount_fen - original.refunded_fen);
        return Err(Failure::with_message(REFUSED, format!("退款金额超过可退金额 {left} 元")));
    };
    let balance = match &account {
        Some(account) => match accounts::debit(&mut attempt, &account.account_no, fen).await? {
            Some(balance) => Some(balance),
            None => {
                attempt.rollback().await?;
                return Err(Failure::with_message(REFUSED, "账户余额不足，不能退款"));
            }
        },
        None => None,
    };
    let now = stamp();
    let refund_no = record_refund(&mut attempt, request, &original, fen, "退款成功", &now).await?;
    attempt.commit().await?;
    Ok(refunded(request, &original, (refund_no, now), fen, ("succ", refunded_fen), balance))
}

async fn record_refund(
    conn: &mut AnyConnection,
    request: &Refund,
    original: &Stored,
    fen: i64,
    description: &str,
    now: &str,
) -> Result<String, StoreError> {
    let refund_no = number(conn, "trade", now).await?;
    sqlx::query(
        "INSERT INTO onepay_trades (trade_no, out_trade_no, trade_type, account_no, channel, amount_fen, \
         original_trade_no, state, result_desc, operator_id, created_at, finished_at) \
         VALUES ($1, $2, 'hop.trade.refund', $3, $4, $5, $6, 'succ', $7, $8, $9, $9)",
    )
    .bind(&refund_no)
    .bind(&request.out_refund_no)
    .bind(&original.account_no)
    .bind(request.withdraw_mode.code())
    .bind(fen)
    .bind(&original.trade_no)
    .bind(description)
    .bind(&request.operator_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(refund_no)
}

/// The answer to a refund: the new refund trade `(number, time)`, and the refunded trade's `(state, refunded sum)`.
fn refunded(
    request: &Refund,
    original: &Stored,
    (refund_no, refund_time): (String, String),
    fen: i64,
    (trade_result, refunded_fen): (&str, i64),
    balance: Option<i64>,
) -> Refunded {
    Refunded {
        refund_no,
        out_refund_no: request.out_refund_no.clone(),
        trade_no: original.trade_no.clone(),
        result: "succ".into(),
        amount: to_yuan(fen).to_string(),
        trade_result: trade_result.into(),
        refunded_amount: to_yuan(refunded_fen).to_string(),
        balance: balance.map(|b| to_yuan(b).to_string()),
        refund_time,
    }
}

/// hop.trade.query: a trade by either number; `notfound` when there is none.
pub async fn query(conn: &mut AnyConnection, asked: &TradeRef) -> Result<Trade, Failure> {
    if asked.trade_no.is_none() && asked.out_trade_no.is_none() {
        return Err(Failure::with_message(REFUSED, "须给出 tradeNo 或 outTradeNo"));
    }
    Ok(match find(conn, asked).await? {
        Some(row) => row.trade(),
        None => Trade {
            result: "notfound".into(),
            result_desc: "交易记录不存在".into(),
            trade_no: asked.trade_no.clone(),
            out_trade_no: asked.out_trade_no.clone(),
            trade_type: None,
            channel: None,
            amount: None,
            refunded_amount: None,
            trade_time: None,
            finish_time: None,
        },
    })
}

/// hop.trade.details: an account's trades in a date range, newest first.
pub async fn details(conn: &mut AnyConnection, asked: &DetailsQuery) -> Result<Details, Failure> {
    let page_no = asked.page_no.unwrap_or(1).max(1);
    let page_size = asked.page_size.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let dates = [asked.start_date.as_deref().unwrap_or("00000000"), asked.end_date.as_deref().unwrap_or("99999999")];
    if dates.iter().any(|d| d.len() != 8 || !d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Failure::with_message(REFUSED, "startDate 与 endDate 的格式为 yyyyMMdd"));
    }
    let account = accounts::by_card(conn, asked.card_type.code(), &asked.card_no, asked.account_type.code()).await?;
    let Some(account) = account else { return Err(Failure::with_message(REFUSED, "该卡没有此类账户")) };
    let (from, to) = (format!("{}000000", dates[0]), format!("{}235959", dates[1]));
    let page = Page { offset: i64::from(page_no - 1) * i64::from(page_size), limit: i64::from(page_size) };
    let listed = Listing::new(
        COLUMNS,
        "FROM onepay_trades WHERE account_no = $1 AND created_at >= $2 AND created_at <= $3",
        "created_at DESC, trade_no DESC",
    )
    .bind(account.account_no.as_str())
    .bind(from.as_str())
    .bind(to.as_str())
    .fetch_on(conn, page)
    .await?;
    let details = listed.rows.iter().map(|r| Stored::read(r).map(Stored::trade)).collect::<Result<_, _>>()?;
    Ok(Details { total: listed.total, page_no, page_size, details })
}

/// A trade as stored.
struct Stored {
    trade_no: String,
    out_trade_no: String,
    trade_type: String,
    channel: String,
    amount_fen: i64,
    refunded_fen: i64,
    state: String,
    result_desc: String,
    created_at: String,
    finished_at: Option<String>,
    account_no: Option<String>,
}

impl Stored {
    fn read(row: &sqlx::any::AnyRow) -> Result<Stored, StoreError> {
        Ok(Stored {
            trade_no: row.try_get("trade_no")?,
            out_trade_no: row.try_get("out_trade_no")?,
            trade_type: row.try_get("trade_type")?,
            channel: row.try_get("channel")?,
            amount_fen: row.try_get("amount_fen")?,
            refunded_fen: row.try_get("refunded_fen")?,
            state: row.try_get("state")?,
            result_desc: row.try_get("result_desc")?,
            created_at: row.try_get("created_at")?,
            finished_at: row.try_get("finished_at")?,
            account_no: row.try_get("account_no")?,
        })
    }

    fn trade(self) -> Trade {
        Trade {
            result: self.state,
            result_desc: self.result_desc,
            trade_no: Some(self.trade_no),
            out_trade_no: Some(self.out_trade_no),
            trade_type: Some(self.trade_type),
            channel: Some(self.channel),
            amount: Some(to_yuan(self.amount_fen).to_string()),
            refunded_amount: Some(to_yuan(self.refunded_fen).to_string()),
            trade_time: Some(self.created_at),
            finish_time: self.finished_at,
        }
    }
}

async fn find(conn: &mut AnyConnection, asked: &TradeRef) -> Result<Option<Stored>, StoreError> {
    let (column, value) = match (&asked.trade_no, &asked.out_trade_no) {
        (Some(no), _) => ("trade_no", no),
        (None, Some(no)) => ("out_trade_no", no),
        (None, None) => return Ok(None),
    };
    let sql = format!("SELECT {COLUMNS} FROM onepay_trades WHERE {column} = $1");
    let row = sqlx::query(&sql).bind(value).fetch_optional(conn).await?;
    row.as_ref().map(Stored::read).transpose()
}
