//! Refunds the hospital asks for (RefundByHis) and asks about (QueryRefund). The platform's payment channel is
//! simulated: a refund through it is done at once.

use super::calls;
use super::ledger::{self, Start};
use crate::shaanxi::amount;
use crate::shaanxi::status::Status;
use chrono::NaiveDateTime;
use hisgate_generated::shaanxi::interfaces::{query_refund, refund_by_his};
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::Tx;
use sqlx::AnyConnection;

/// RefundByHis (2.2.2.1), run in the claim of its hospitalRefundId. refundFlag 1: the platform pays the money back
/// through the payment channel; 0: the hospital paid it in cash and the platform only records it. callback 1 sends
/// NotifyRefund. Every refusal is decided before the first write.
pub async fn refund_by_his(
    tx: &mut Tx,
    request: &refund_by_his::Request,
    now: NaiveDateTime,
) -> Result<refund_by_his::Response, Failure> {
    let order = ledger::order_of(tx, &request.order_id, &request.hospital_order_id).await?;
    // Registration is the only business this ledger holds.
    let Some(order) = order.filter(|_| matches!(request.business_type, 0 | 1)) else {
        return Err(Failure::with_message("A02000101", "订单不存在"));
    };
    let wrong = |why: String| Err(Failure::with_message("A02000102", why));
    let (Some(total), Some(fen)) = (amount::fen(request.total_fee), amount::fen(request.refund_fee)) else {
        return wrong("金额须为整数分".into());
    };
    match order.status {
        Status::Booked | Status::Cancelled => return wrong("订单未支付".into()),
        Status::Refunded => return wrong("订单已全额退款".into()),
        // A taken number may still be returned at the hospital's window.
        Status::Paid | Status::Taken => {}
    }
    if request.refund_flag == 1 && order.pay_source != 1 {
        return wrong("订单在院内支付，平台无款可退".into());
    }
    let left = order.paid_fen - order.refunded_fen;
    if total != order.paid_fen || fen == 0 || fen > left {
        return wrong(format!("实付 {} 分，可退 {left} 分", order.paid_fen));
    }
    if !ledger::reserve(tx, &order, fen).await? {
        return wrong("退款金额超过可退金额".into());
    }
    let hospital_refund_id = request.hospital_refund_id.clone();
    let start = match request.refund_flag {
        1 => Start::Channel { hospital_refund_id: Some(hospital_refund_id) },
        _ => Start::Cash { hospital_refund_id },
    };
    let refund = ledger::record_refund(tx, &order, fen, start, &request.reason, now).await?;
    if request.callback == 1 {
        calls::refunded(tx, &order, &refund).await?;
    }
    Ok(refund_by_his::Response { refund_id: refund.refund_id })
}

/// QueryRefund (2.2.2.2): a refund by the hospital's refund id; the other ids, where given, must name it too.
pub async fn query(
    conn: &mut AnyConnection,
    request: &query_refund::Request,
) -> Result<query_refund::Response, Failure> {
    let missing = || Err(Failure::with_message("A02000201", "订单不存在"));
    let Some(refund) = ledger::refund_by_hospital_id(conn, &request.hospital_refund_id).await? else {
        return missing();
    };
    let Some(order) = ledger::order_by_id(conn, &refund.order_id).await? else { return missing() };
    let agrees = |given: &Option<String>, kept: &str| given.as_deref().is_none_or(|g| g.is_empty() || g == kept);
    if !agrees(&request.order_id, &order.order_id)
        || !agrees(&request.hospital_order_id, &order.hospital_order_id)
        || !agrees(&request.refund_id, &refund.refund_id)
    {
        return missing();
    }
    let refund_count = ledger::refunds_up_to(conn, &refund).await?;
    Ok(query_refund::Response {
        order_id: order.order_id,
        refund_id: refund.refund_id,
        out_refund_id: refund.out_refund_id,
        total_fee: amount::decimal(order.paid_fen),
        refund_fee: amount::decimal(refund.fen),
        refund_count: i32::try_from(refund_count).unwrap_or(i32::MAX),
        refund_status: i32::try_from(refund.status).unwrap_or(3),
        remark: refund.remark,
    })
}
