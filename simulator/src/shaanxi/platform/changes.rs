//! Changes the hospital announces: a stop of a doctor's half-day (StopRegister) or of one order, a cancellation,
//! a number taken, a payment at its window (NotifyRegisterByHis). A stop cancels unpaid orders and refunds paid
//! ones, calling the hospital back as the announcement asks (section 2.2.4.1.1).

use super::calls;
use super::ledger::{self, Order, Start};
use crate::shaanxi::status::Status;
use crate::shaanxi::{amount, code};
use chrono::NaiveDateTime;
use hisgate_generated::shaanxi::interfaces::{notify_register_by_his, stop_register};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{StoreError, Tx};

/// What a stop asks of the platform.
struct Stop<'a> {
    reason: &'a str,
    /// Call the hospital back: NotifyRegister for a cancellation, Refund for a refund (callback 1).
    callback: bool,
    /// The platform refunds paid orders (isRefund 0, erratum isrefund-inverted); else the hospital's window does.
    platform_refunds: bool,
}

/// StopRegister (2.2.4.1.1), run in the claim of the stop's key: every booked or paid order on the half-day (or,
/// for a time-sliced one, in the stopped hours) is stopped. Taken numbers are left to the window, as the document
/// says.
pub async fn stop_register(tx: &mut Tx, request: &stop_register::Request, now: NaiveDateTime) -> Result<(), Failure> {
    let date = &request.date;
    let orders = ledger::orders_on(tx, &request.department_id, &request.doctor_id, date, request.noon.code()).await?;
    // The platform knows a schedule by the orders booked on it: with none ever booked, there is nothing to stop.
    if orders.is_empty() {
        return Err(Failure::with_message("A05010102", "没有查询到可停诊的排班信息"));
    }
    let window = (request.start_time.as_deref(), request.end_time.as_deref());
    let live: Vec<&Order> =
        orders.iter().filter(|o| matches!(o.status, Status::Booked | Status::Paid) && within(o, window)).collect();
    if live.is_empty() {
        return Err(Failure::with_message("A05010101", "没有需要处理停诊的订单"));
    }
    let stop =
        Stop { reason: &request.reason, callback: request.callback == 1, platform_refunds: request.is_refund == 0 };
    for order in live {
        stop_order(tx, order, &stop, now).await?;
    }
    Ok(())
}

/// Whether an order's slice overlaps the stopped hours; without hours, the whole half-day is stopped.
fn within(order: &Order, (start, end): (Option<&str>, Option<&str>)) -> bool {
    let (Some(start), Some(end)) = (start.filter(|s| !s.is_empty()), end.filter(|e| !e.is_empty())) else {
        return true;
    };
    match (&order.start_time, &order.end_time) {
        (Some(from), Some(to)) => from.as_str() < end && to.as_str() > start,
        _ => true,
    }
}

/// Stops one order: cancels it if unpaid, refunds what the platform took for it if paid. An order that moved on
/// meanwhile (a concurrent stop, a payment) is left as it is now.
async fn stop_order(tx: &mut Tx, order: &Order, stop: &Stop<'_>, now: NaiveDateTime) -> Result<(), StoreError> {
    match order.status {
        Status::Booked => {
            if ledger::cancel(tx, order, stop.reason, true, now).await? && stop.callback {
                calls::cancelled(tx, order, stop.reason, now).await?;
            }
        }
        Status::Paid => {
            ledger::mark_stopped(tx, order).await?;
            let left = order.paid_fen - order.refunded_fen;
            // Only money the platform took can it give back; a payment at the window goes back there.
            if !stop.platform_refunds || order.pay_source != 1 || left == 0 || !ledger::reserve(tx, order, left).await?
            {
                return Ok(());
            }
            if stop.callback {
                let refund = ledger::record_refund(tx, order, left, Start::AskingHospital, stop.reason, now).await?;
                calls::refund(tx, order, &refund, stop.reason).await?;
            } else {
                let start = Start::Channel { hospital_refund_id: None };
                ledger::record_refund(tx, order, left, start, stop.reason, now).await?;
            }
        }
        Status::Taken | Status::Cancelled | Status::Refunded => {}
    }
    Ok(())
}

/// NotifyRegisterByHis (2.2.4.1.2): 1 cancel, 2 stop, 3 take, 4 paid at the hospital. Each is a transition from
/// one state; repeated, it finds the order already there and answers success (“如果医院都已处理，直接返回成功即可”).
pub async fn notify(tx: &mut Tx, request: &notify_register_by_his::Request, now: NaiveDateTime) -> Result<(), Failure> {
    let reason = request.reason.as_deref().unwrap_or_default();
    let refuse = |why: &str| Err(Failure::with_message(code::ILLEGAL_ARGUMENT, why));
    // A transition lost to a concurrent one is tried again from the state that one left.
    for _ in 0..3 {
        let Some(order) = ledger::order_of(tx, &request.order_id, &request.hospital_order_id).await? else {
            return Err(Failure::with_message("A05010201", "挂号订单不存在"));
        };
        let done = match (request.notify_type, order.status) {
            (1, Status::Booked) => {
                let done = ledger::cancel(tx, &order, reason, false, now).await?;
                if done && request.callback == 1 {
                    calls::cancelled(tx, &order, reason, now).await?;
                }
                done
            }
            (1, Status::Cancelled | Status::Refunded) => true,
            (1, Status::Paid | Status::Taken) => return refuse("订单已支付，请调用退款接口（RefundByHis）"),
            (2, _) => {
                let stop = Stop { reason, callback: request.callback == 1, platform_refunds: request.is_refund == 0 };
                stop_order(tx, &order, &stop, now).await?;
                true
            }
            (3, Status::Paid) => ledger::take(tx, &order, now).await?,
            (3, Status::Taken) => true,
            (3, Status::Booked) => return refuse("订单未支付，不能取号"),
            (3, Status::Cancelled | Status::Refunded) => return refuse("订单已取消或已退款"),
            (_, Status::Booked) => {
                let Some(fen) = request.pay_fee.and_then(amount::fen).filter(|fen| *fen <= order.total_fen) else {
                    return refuse(&format!("支付金额须为不超过订单金额 {} 分的整数分", order.total_fen));
                };
                ledger::paid_at_hospital(tx, &order, fen, request.hospital_trade_id.as_deref(), now).await?
            }
            (_, Status::Paid | Status::Taken | Status::Refunded) if order.pay_source == 2 => true,
            (_, Status::Paid | Status::Taken | Status::Refunded) => return refuse("订单已在平台支付"),
            (_, Status::Cancelled) => return refuse("订单已取消"),
        };
        if done {
            return Ok(());
        }
    }
    Err(StoreError::Corrupt(format!("order {} kept changing under NotifyRegisterByHis", request.order_id)).into())
}
