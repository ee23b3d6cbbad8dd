//! Money: Pay pays a booked order; Refund gives back part or all of what was paid; NotifyRefund records the
//! platform's refund as done. Refunds of an order never add up to more than its payment: the conditional UPDATE
//! that books one says so, and the table's CHECK holds it even against a bug here.

use super::orders::{self, Order};
use crate::shaanxi::ids::{self, Kind};
use crate::shaanxi::status::Status;
use crate::shaanxi::{amount, code, timestamp};
use chrono::NaiveDateTime;
use hisgate_generated::shaanxi::interfaces::{notify_refund, pay, refund};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::StoreError;
use sqlx::{AnyConnection, Row};

/// Pay's business types this HIS has orders for: 0 当天挂号, 1 预约挂号.
fn is_registration(business_type: i32) -> bool {
    matches!(business_type, 0 | 1)
}

/// Pay (2.1.2.1). The document limits payment to orders placed within 30 minutes; the platform enforces that by
/// cancelling late orders (NotifyRegister), so the hospital takes payment for any order still booked.
pub async fn pay(conn: &mut AnyConnection, request: &pay::Request) -> Result<pay::Response, Failure> {
    let order = match orders::by_order_id(conn, &request.order_id).await? {
        Some(order)
            if is_registration(request.business_type)
                && request.hospital_order_id.as_ref().is_none_or(|id| *id == order.hospital_order_id) =>
        {
            order
        }
        // Registration is this HIS's only business: an outpatient bill or a deposit is no order of ours either.
        _ => return Err(Failure::with_message("S02000101", "订单不存在")),
    };
    if let Some(refused) = unpayable(&order) {
        return Err(refused);
    }
    let (Some(total), Some(payable), Some(activity), Some(medicare), Some(real)) = (
        amount::fen(request.total_fee),
        amount::fen(request.payable_fee),
        amount::fen(request.activity_fee),
        amount::fen(request.medicare_fee),
        amount::fen(request.real_fee),
    ) else {
        return Err(Failure::with_message("S02000105", "金额须为整数分"));
    };
    // No in-hospital concessions (OrderRegister answers isConcessions 0): the payable amount is the whole fee, and
    // the platform's subsidy, the insurance's share and the patient's payment make it up.
    if total != order.total_fen || payable != total || activity + medicare + real != payable {
        return Err(Failure::with_message("S02000105", format!("订单应付 {} 分", order.total_fen)));
    }
    let hospital_trade_id = ids::next(conn, Kind::HospitalTrade).await?;
    let paid = sqlx::query(
        "UPDATE shaanxi_hospital_orders SET status = 'paid', pay_source = 1, paid_fen = $2, trade_id = $3, \
         hospital_trade_id = $4, out_trade_id = $5, pay_time = $6, pay_type = $7, pay_channel = $8, merchant_id = $9 \
         WHERE hospital_order_id = $1 AND status = 'booked'",
    )
    .bind(&order.hospital_order_id)
    .bind(real)
    .bind(&request.trade_id)
    .bind(&hospital_trade_id)
    .bind(&request.out_trade_id)
    .bind(&request.pay_time)
    .bind(request.pay_type.code())
    .bind(request.pay_channel.code())
    .bind(&request.merchant_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if paid == 0 {
        // Another payment or a cancellation won the race: answer as it left the order.
        let order = orders::by_order_id(conn, &order.order_id).await?.unwrap_or(order);
        return Err(unpayable(&order).unwrap_or_else(|| Failure::with_message("S02000108", "支付状态未知")));
    }
    Ok(pay::Response {
        hospital_trade_id,
        receipt_id: None,
        remark: None,
        business: vec![pay::ResponseBusiness {
            clinic_no: Some(order.clinic_no),
            visit_address: Some(order.visit_address),
            visit_no: Some(order.visit_no),
        }],
    })
}

/// Why `order` cannot be paid now, if it cannot.
fn unpayable(order: &Order) -> Option<Failure> {
    match order.status {
        Status::Booked => None,
        Status::Cancelled => Some(Failure::with_message("S02000103", "订单已取消")),
        Status::Refunded => Some(Failure::with_message("S02000104", "订单已退款")),
        // Paid at the hospital's window: the order is paid, not paid twice.
        Status::Paid | Status::Taken if order.pay_source == 2 => {
            Some(Failure::with_message("S02000102", "订单已在院内支付"))
        }
        Status::Paid | Status::Taken => Some(Failure::with_message("S02000107", "订单已由另一笔支付付清")),
    }
}

/// Refund (2.1.2.2): refundFlag 1 when the hospital has booked the refund and the platform is to pay it out; 2
/// when the hospital's window already paid the order back in cash.
pub async fn refund(conn: &mut AnyConnection, request: &refund::Request) -> Result<refund::Response, Failure> {
    let order = match orders::by_order_id(conn, &request.order_id).await? {
        Some(order)
            if is_registration(request.business_type)
                && request.hospital_order_id.as_ref().is_none_or(|id| *id == order.hospital_order_id)
                && order.hospital_trade_id.as_ref().is_none_or(|id| *id == request.hospital_trade_id) =>
        {
            order
        }
        _ => return Err(Failure::with_message("S02000301", "订单不存在")),
    };
    if order.status == Status::Refunded
        && let Some(window) = window_refund(conn, &order).await?
    {
        return Ok(refund::Response { hospital_refund_id: window, refund_flag: 2 });
    }
    let (Some(total), Some(fen)) = (amount::fen(request.total_fee), amount::fen(request.refund_fee)) else {
        return Err(Failure::with_message("S02000302", "金额须为整数分"));
    };
    if let Some(refused) = unrefundable(&order, total, fen) {
        return Err(refused);
    }
    if !book_refund(conn, &order, fen).await? {
        let order = orders::by_order_id(conn, &order.order_id).await?.unwrap_or(order);
        let refused = unrefundable(&order, total, fen);
        return Err(refused.unwrap_or_else(|| Failure::with_message("S02000305", "退款金额超限")));
    }
    let hospital_refund_id = ids::next(conn, Kind::HospitalRefund).await?;
    sqlx::query(
        "INSERT INTO shaanxi_hospital_refunds (hospital_refund_id, refund_id, hospital_order_id, refund_fen, origin, \
         refund_time, reason) VALUES ($1, $2, $3, $4, 'platform', $5, $6)",
    )
    .bind(&hospital_refund_id)
    .bind(&request.refund_id)
    .bind(&order.hospital_order_id)
    .bind(fen)
    .bind(&request.refund_time)
    .bind(&request.reason)
    .execute(&mut *conn)
    .await?;
    Ok(refund::Response { hospital_refund_id, refund_flag: 1 })
}

/// Why `fen` cannot be refunded on `order` (paid `total`), if it cannot.
fn unrefundable(order: &Order, total: i64, fen: i64) -> Option<Failure> {
    match order.status {
        Status::Booked => return Some(Failure::with_message("S02000302", "订单未支付，无可退金额")),
        Status::Cancelled => return Some(Failure::with_message("S02000303", "订单已取消")),
        Status::Refunded => return Some(Failure::with_message("S02000304", "订单已全额退款")),
        // A taken number is a visit under way: it is returned at the window, not online.
        Status::Taken => return Some(Failure::with_message("S02000306", "已取号，请到医院窗口办理退号")),
        Status::Paid => {}
    }
    if total != order.paid_fen || fen == 0 {
        return Some(Failure::with_message("S02000302", format!("实际支付 {} 分，退款须大于 0", order.paid_fen)));
    }
    let left = order.paid_fen - order.refunded_fen;
    (fen > left).then(|| Failure::with_message("S02000305", format!("可退金额 {left} 分")))
}

/// Adds `fen` to the order's refunds unless that would exceed its payment; a refund of the rest ends the order
/// and, unless the number was taken, gives its place back. Returns whether it did.
async fn book_refund(conn: &mut AnyConnection, order: &Order, fen: i64) -> Result<bool, StoreError> {
    let booked = sqlx::query(
        "UPDATE shaanxi_hospital_orders SET refunded_fen = refunded_fen + $2, \
         status = CASE WHEN refunded_fen + $2 = paid_fen THEN 'refunded' ELSE status END \
         WHERE hospital_order_id = $1 AND status IN ('paid', 'taken') AND refunded_fen + $2 <= paid_fen",
    )
    .bind(&order.hospital_order_id)
    .bind(fen)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if booked == 0 {
        return Ok(false);
    }
    if order.status == Status::Paid && order.refunded_fen + fen == order.paid_fen {
        orders::release_place(conn, order).await?;
    }
    Ok(true)
}

/// The window's cash refund of an order, if the hospital made one.
async fn window_refund(conn: &mut AnyConnection, order: &Order) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT hospital_refund_id FROM shaanxi_hospital_refunds WHERE hospital_order_id = $1 AND origin = 'window' \
         ORDER BY hospital_refund_id LIMIT 1",
    )
    .bind(&order.hospital_order_id)
    .fetch_optional(conn)
    .await?)
}

/// NotifyRefund (2.1.2.3): the platform's refund is done. A refund the hospital booked (by Refund, or its own
/// that it reported by RefundByHis) is marked confirmed; one it never saw — the platform refunded on its own
/// account — is booked now, within what was paid.
pub async fn notify_refund(
    conn: &mut AnyConnection,
    request: &notify_refund::Request,
    now: NaiveDateTime,
) -> Result<(), Failure> {
    let Some(order) = orders::by_order_id(conn, &request.order_id).await? else {
        return Err(Failure::with_message("S02000401", "订单不存在"));
    };
    let (Some(total), Some(fen)) = (amount::fen(request.total_fee), amount::fen(request.refund_fee)) else {
        return Err(Failure::with_message("S02000402", "金额须为整数分"));
    };
    let known = sqlx::query(
        "SELECT hospital_order_id, refund_fen FROM shaanxi_hospital_refunds \
         WHERE refund_id = $1 OR hospital_refund_id = $2",
    )
    .bind(&request.refund_id)
    .bind(&request.hospital_refund_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(known) = known {
        if known.try_get::<String, _>("hospital_order_id")? != order.hospital_order_id {
            return Err(Failure::with_message(code::ILLEGAL_ARGUMENT, "退款单号属于另一订单"));
        }
        if known.try_get::<i64, _>("refund_fen")? != fen {
            return Err(Failure::with_message("S02000402", "退款金额与院内退款单不符"));
        }
        sqlx::query(
            "UPDATE shaanxi_hospital_refunds SET refund_id = $1, out_refund_id = $3, confirmed_at = $4 \
             WHERE refund_id = $1 OR hospital_refund_id = $2",
        )
        .bind(&request.refund_id)
        .bind(&request.hospital_refund_id)
        .bind(&request.out_refund_id)
        .bind(timestamp(now))
        .execute(&mut *conn)
        .await?;
        return Ok(());
    }
    if total != order.paid_fen || fen == 0 {
        return Err(Failure::with_message("S02000402", format!("实际支付 {} 分，退款须大于 0", order.paid_fen)));
    }
    if !book_refund(conn, &order, fen).await? {
        return Err(Failure::with_message("S02000403", format!("可退金额 {} 分", order.paid_fen - order.refunded_fen)));
    }
    sqlx::query(
        "INSERT INTO shaanxi_hospital_refunds (hospital_refund_id, refund_id, hospital_order_id, refund_fen, origin, \
         refund_time, confirmed_at, out_refund_id) VALUES ($1, $2, $3, $4, 'platform', $5, $6, $7)",
    )
    .bind(&request.hospital_refund_id)
    .bind(&request.refund_id)
    .bind(&order.hospital_order_id)
    .bind(fen)
    .bind(&request.refund_time)
    .bind(timestamp(now))
    .bind(&request.out_refund_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A cash refund of the rest of `order` at the hospital's own window (the seed's sample of one), which Refund then
/// answers with refundFlag 2. Returns the hospital's refund id.
pub async fn refund_at_window(
    conn: &mut AnyConnection,
    order: &Order,
    now: NaiveDateTime,
) -> Result<String, StoreError> {
    let fen = order.paid_fen - order.refunded_fen;
    if !book_refund(conn, order, fen).await? {
        return Err(StoreError::Corrupt(format!("order {} has nothing left to refund", order.order_id)));
    }
    let hospital_refund_id = ids::next(conn, Kind::HospitalRefund).await?;
    sqlx::query(
        "INSERT INTO shaanxi_hospital_refunds (hospital_refund_id, hospital_order_id, refund_fen, origin, refund_time, \
         reason) VALUES ($1, $2, $3, 'window', $4, '患者到窗口办理退号退费')",
    )
    .bind(&hospital_refund_id)
    .bind(&order.hospital_order_id)
    .bind(fen)
    .bind(timestamp(now))
    .execute(&mut *conn)
    .await?;
    Ok(hospital_refund_id)
}
