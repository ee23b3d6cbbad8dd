//! The platform's ledger: its orders and refunds, and the transitions between their states. Every transition is
//! one conditional UPDATE: a caller that loses a race finds it did nothing, and answers by the state it finds.

use crate::shaanxi::ids::{self, Kind};
use crate::shaanxi::status::Status;
use crate::shaanxi::timestamp;
use chrono::NaiveDateTime;
use hisgate_runtime::store::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct Order {
    pub order_id: String,
    pub hospital_order_id: String,
    /// Pay's and Refund's businessType: 0 当天挂号, 1 预约挂号.
    pub business_type: i32,
    pub status: Status,
    /// 0 unpaid, 1 through the platform, 2 at the hospital.
    pub pay_source: i64,
    pub total_fen: i64,
    pub paid_fen: i64,
    /// Refunds done and in progress.
    pub refunded_fen: i64,
    pub trade_id: Option<String>,
    pub hospital_trade_id: Option<String>,
    pub pay_type: Option<String>,
    pub pay_channel: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// The user rule identifying the patient at the hospital: id, type, value.
    pub user: (String, Option<String>, String),
}

const ORDER: &str = "SELECT order_id, hospital_order_id, business_type, status, pay_source, total_fen, paid_fen, \
                     refunded_fen, trade_id, hospital_trade_id, pay_type, pay_channel, start_time, end_time, \
                     user_rule, user_rule_type, user_value FROM shaanxi_platform_orders";

fn order(row: &AnyRow) -> Result<Order, StoreError> {
    Ok(Order {
        order_id: row.try_get("order_id")?,
        hospital_order_id: row.try_get("hospital_order_id")?,
        business_type: row.try_get::<i32, _>("business_type")?,
        status: Status::parse(&row.try_get::<String, _>("status")?)?,
        pay_source: row.try_get("pay_source")?,
        total_fen: row.try_get("total_fen")?,
        paid_fen: row.try_get("paid_fen")?,
        refunded_fen: row.try_get("refunded_fen")?,
        trade_id: row.try_get("trade_id")?,
        hospital_trade_id: row.try_get("hospital_trade_id")?,
        pay_type: row.try_get("pay_type")?,
        pay_channel: row.try_get("pay_channel")?,
        start_time: row.try_get("start_time")?,
        end_time: row.try_get("end_time")?,
        user: (row.try_get("user_rule")?, row.try_get("user_rule_type")?, row.try_get("user_value")?),
    })
}

/// The order `order_id`, if it is the hospital's `hospital_order_id` too.
pub async fn order_of(
    conn: &mut AnyConnection,
    order_id: &str,
    hospital_order_id: &str,
) -> Result<Option<Order>, StoreError> {
    let row = sqlx::query(&format!("{ORDER} WHERE order_id = $1 AND hospital_order_id = $2"))
        .bind(order_id)
        .bind(hospital_order_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(order).transpose()
}

/// Every order on a doctor's half-day, in booking order.
pub async fn orders_on(
    conn: &mut AnyConnection,
    department_id: &str,
    doctor_id: &str,
    date: &str,
    noon: &str,
) -> Result<Vec<Order>, StoreError> {
    let rows = sqlx::query(&format!(
        "{ORDER} WHERE department_id = $1 AND doctor_id = $2 AND register_date = $3 AND noon = $4 \
         ORDER BY order_time, order_id"
    ))
    .bind(department_id)
    .bind(doctor_id)
    .bind(date)
    .bind(noon)
    .fetch_all(conn)
    .await?;
    rows.iter().map(order).collect()
}

/// booked → cancelled; `stopped` marks a cancellation by a stop. Returns whether this call did it.
pub async fn cancel(
    conn: &mut AnyConnection,
    order: &Order,
    reason: &str,
    stopped: bool,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE shaanxi_platform_orders SET status = 'cancelled', cancel_time = $2, cancel_reason = $3, \
         stopped = CASE WHEN $4 = 1 THEN 1 ELSE stopped END WHERE order_id = $1 AND status = 'booked'",
    )
    .bind(&order.order_id)
    .bind(timestamp(now))
    .bind(reason)
    .bind(i64::from(stopped))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a paid order's schedule stopped (QueryRegister-style isStop on the platform's side).
pub async fn mark_stopped(conn: &mut AnyConnection, order: &Order) -> Result<(), StoreError> {
    sqlx::query("UPDATE shaanxi_platform_orders SET stopped = 1 WHERE order_id = $1")
        .bind(&order.order_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// paid → taken. Returns whether this call did it.
pub async fn take(conn: &mut AnyConnection, order: &Order, now: NaiveDateTime) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE shaanxi_platform_orders SET status = 'taken', take_time = $2 WHERE order_id = $1 AND status = 'paid'",
    )
    .bind(&order.order_id)
    .bind(timestamp(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// booked → paid at the hospital (NotifyRegisterByHis 4). Returns whether this call did it.
pub async fn paid_at_hospital(
    conn: &mut AnyConnection,
    order: &Order,
    fen: i64,
    hospital_trade_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE shaanxi_platform_orders SET status = 'paid', pay_source = 2, paid_fen = $2, hospital_trade_id = $3, \
         pay_time = $4 WHERE order_id = $1 AND status = 'booked'",
    )
    .bind(&order.order_id)
    .bind(fen)
    .bind(hospital_trade_id)
    .bind(timestamp(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets `fen` of a paid order's money aside for a refund, unless refunds would then exceed the payment. Returns
/// whether it did.
pub async fn reserve(conn: &mut AnyConnection, order: &Order, fen: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE shaanxi_platform_orders SET refunded_fen = refunded_fen + $2 \
         WHERE order_id = $1 AND status IN ('paid', 'taken') AND refunded_fen + $2 <= paid_fen",
    )
    .bind(&order.order_id)
    .bind(fen)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// paid (or taken) → refunded, once the refunds done reach the payment and none is still in progress.
pub async fn close_if_refunded(conn: &mut AnyConnection, order_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE shaanxi_platform_orders SET status = 'refunded' \
         WHERE order_id = $1 AND status IN ('paid', 'taken') AND refunded_fen = paid_fen \
         AND NOT EXISTS (SELECT 1 FROM shaanxi_platform_refunds WHERE order_id = $1 AND status = 3)",
    )
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A refund as the ledger keeps it.
#[derive(Debug, Clone)]
pub struct Refund {
    pub refund_id: String,
    pub order_id: String,
    pub hospital_refund_id: Option<String>,
    pub fen: i64,
    /// QueryRefund's refundStatus: 1 done, 2 failed, 3 in progress.
    pub status: i64,
    pub out_refund_id: Option<String>,
    pub refund_time: String,
    pub remark: Option<String>,
}

/// How a new refund starts.
pub enum Start {
    /// Paid back now through the payment channel; with the hospital's refund id when the hospital asked for it.
    Channel { hospital_refund_id: Option<String> },
    /// Paid back by the hospital in cash (RefundByHis refundFlag 0).
    Cash { hospital_refund_id: String },
    /// Waiting for the hospital's answer to Refund.
    AskingHospital,
}

/// Records a refund of money already reserved, and numbers it.
pub async fn record_refund(
    conn: &mut AnyConnection,
    order: &Order,
    fen: i64,
    start: Start,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Refund, StoreError> {
    let refund_id = ids::next(conn, Kind::PlatformRefund).await?;
    let (status, through_platform, hospital_refund_id, out_refund_id) = match start {
        Start::Channel { hospital_refund_id } => {
            (1, 1, hospital_refund_id, Some(ids::next(conn, Kind::ThirdPartyRefund).await?))
        }
        // A cash refund has no payment-channel reference: the hospital's refund id is the only one there is.
        Start::Cash { hospital_refund_id } => (1, 0, Some(hospital_refund_id.clone()), Some(hospital_refund_id)),
        Start::AskingHospital => (3, 1, None, None),
    };
    let refund_time = timestamp(now);
    sqlx::query(
        "INSERT INTO shaanxi_platform_refunds (refund_id, order_id, hospital_refund_id, refund_fen, status, \
         through_platform, out_refund_id, refund_time, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&refund_id)
    .bind(&order.order_id)
    .bind(&hospital_refund_id)
    .bind(fen)
    .bind(status)
    .bind(through_platform)
    .bind(&out_refund_id)
    .bind(&refund_time)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    close_if_refunded(conn, &order.order_id).await?;
    Ok(Refund {
        refund_id,
        order_id: order.order_id.clone(),
        hospital_refund_id,
        fen,
        status,
        out_refund_id,
        refund_time,
        remark: None,
    })
}

/// A refund in progress is done, as the hospital's answer says. Returns the refund if this call finished it.
pub async fn finish_refund(
    conn: &mut AnyConnection,
    refund_id: &str,
    hospital_refund_id: &str,
    through_platform: bool,
) -> Result<Option<Refund>, StoreError> {
    let out_refund_id = match through_platform {
        true => ids::next(conn, Kind::ThirdPartyRefund).await?,
        false => hospital_refund_id.to_owned(),
    };
    let row = sqlx::query(
        "UPDATE shaanxi_platform_refunds SET status = 1, hospital_refund_id = $2, through_platform = $3, \
         out_refund_id = $4 WHERE refund_id = $1 AND status = 3 \
         RETURNING refund_id, order_id, hospital_refund_id, refund_fen, status, out_refund_id, refund_time, remark",
    )
    .bind(refund_id)
    .bind(hospital_refund_id)
    .bind(i64::from(through_platform))
    .bind(&out_refund_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(refund) = row.as_ref().map(refund).transpose()? else { return Ok(None) };
    close_if_refunded(conn, &refund.order_id).await?;
    Ok(Some(refund))
}

/// A refund in progress failed: its money is no longer set aside. Returns whether this call failed it.
pub async fn fail_refund(conn: &mut AnyConnection, refund_id: &str, remark: &str) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "UPDATE shaanxi_platform_refunds SET status = 2, remark = $2 WHERE refund_id = $1 AND status = 3 \
         RETURNING order_id, refund_fen",
    )
    .bind(refund_id)
    .bind(remark)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(false) };
    sqlx::query("UPDATE shaanxi_platform_orders SET refunded_fen = refunded_fen - $2 WHERE order_id = $1")
        .bind(row.try_get::<String, _>("order_id")?)
        .bind(row.try_get::<i64, _>("refund_fen")?)
        .execute(conn)
        .await?;
    Ok(true)
}

const REFUND: &str = "SELECT refund_id, order_id, hospital_refund_id, refund_fen, status, out_refund_id, refund_time, \
                      remark FROM shaanxi_platform_refunds";

fn refund(row: &AnyRow) -> Result<Refund, StoreError> {
    Ok(Refund {
        refund_id: row.try_get("refund_id")?,
        order_id: row.try_get("order_id")?,
        hospital_refund_id: row.try_get("hospital_refund_id")?,
        fen: row.try_get("refund_fen")?,
        status: row.try_get("status")?,
        out_refund_id: row.try_get("out_refund_id")?,
        refund_time: row.try_get("refund_time")?,
        remark: row.try_get("remark")?,
    })
}

pub async fn refund_by_hospital_id(
    conn: &mut AnyConnection,
    hospital_refund_id: &str,
) -> Result<Option<Refund>, StoreError> {
    let row = sqlx::query(&format!("{REFUND} WHERE hospital_refund_id = $1"))
        .bind(hospital_refund_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(refund).transpose()
}

/// How many refunds of the order were recorded up to and including `refund` (QueryRefund's refundCount).
pub async fn refunds_up_to(conn: &mut AnyConnection, refund: &Refund) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM shaanxi_platform_refunds WHERE order_id = $1 AND refund_id <= $2")
        .bind(&refund.order_id)
        .bind(&refund.refund_id)
        .fetch_one(conn)
        .await?)
}

/// The order a refund belongs to.
pub async fn order_by_id(conn: &mut AnyConnection, order_id: &str) -> Result<Option<Order>, StoreError> {
    let row = sqlx::query(&format!("{ORDER} WHERE order_id = $1")).bind(order_id).fetch_optional(conn).await?;
    row.as_ref().map(order).transpose()
}
