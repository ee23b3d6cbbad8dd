//! The platform's calls to the hospital, written to the outbox in the transaction of the change that causes them:
//! sent only if it commits, and delivered in order per order id (a Refund before the NotifyRefund it leads to).

use super::ledger::{Order, Refund};
use crate::shaanxi::{HOSPITAL_CHANNEL, amount, timestamp};
use chrono::NaiveDateTime;
use hisgate_generated::shaanxi::dict::{Channel, PayType, UserRule};
use hisgate_generated::shaanxi::interfaces::{notify_refund, notify_register, refund};
use hisgate_runtime::store::outbox::{self, Outgoing};
use hisgate_runtime::store::{StoreError, Tx};
use hisgate_runtime::{Dictionary, Message};

/// NotifyRegister 1: the platform cancelled an unpaid order; the hospital gives the place back.
pub async fn cancelled(tx: &mut Tx, order: &Order, reason: &str, now: NaiveDateTime) -> Result<(), StoreError> {
    let request = notify_register::Request {
        notify_type: 1,
        order_id: order.order_id.clone(),
        hospital_order_id: order.hospital_order_id.clone(),
        hospital_trade_id: None,
        notify_time: timestamp(now),
        reason: Some(reason.to_owned()),
        user: vec![user(order, |id, r#type, value| notify_register::RequestUser { id, r#type, value })],
    };
    push(tx, "NotifyRegister", order, &request).await
}

/// Refund: asks the hospital to book a refund the platform is about to pay out.
pub async fn refund(tx: &mut Tx, order: &Order, refund: &Refund, reason: &str) -> Result<(), StoreError> {
    let request = refund::Request {
        business_type: order.business_type,
        order_id: order.order_id.clone(),
        hospital_order_id: Some(order.hospital_order_id.clone()),
        trade_id: order.trade_id.clone().unwrap_or_default(),
        hospital_trade_id: order.hospital_trade_id.clone().unwrap_or_default(),
        refund_id: refund.refund_id.clone(),
        refund_channel: order.pay_channel.as_deref().and_then(Channel::from_code).unwrap_or(Channel::Other),
        refund_type: order.pay_type.as_deref().and_then(PayType::from_code).unwrap_or(PayType::Other),
        total_fee: amount::decimal(order.paid_fen),
        refund_fee: amount::decimal(refund.fen),
        refund_time: refund.refund_time.clone(),
        reason: reason.to_owned(),
        user: vec![user(order, |id, r#type, value| refund::RequestUser { id, r#type, value })],
    };
    push(tx, "Refund", order, &request).await
}

/// NotifyRefund: the platform's refund is done.
pub async fn refunded(tx: &mut Tx, order: &Order, refund: &Refund) -> Result<(), StoreError> {
    let request = notify_refund::Request {
        business_type: order.business_type,
        order_id: order.order_id.clone(),
        trade_id: order.trade_id.clone(),
        hospital_refund_id: refund.hospital_refund_id.clone().unwrap_or_default(),
        refund_id: refund.refund_id.clone(),
        out_refund_id: refund.out_refund_id.clone(),
        total_fee: amount::decimal(order.paid_fen),
        refund_fee: amount::decimal(refund.fen),
        refund_time: refund.refund_time.clone(),
    };
    push(tx, "NotifyRefund", order, &request).await
}

/// The patient's user rule as the order recorded it, in an interface's own `user` type.
fn user<T>(order: &Order, make: impl FnOnce(UserRule, Option<String>, String) -> T) -> T {
    let (id, r#type, value) = &order.user;
    make(UserRule::from_code(id).unwrap_or(UserRule::Certificate), r#type.clone(), value.clone())
}

async fn push<M: Message>(tx: &mut Tx, interface: &str, order: &Order, request: &M) -> Result<(), StoreError> {
    let payload = request.to_value().map_err(|e| StoreError::Corrupt(format!("{interface}: {e}")))?;
    let message = Outgoing {
        channel: HOSPITAL_CHANNEL.to_owned(),
        interface: interface.to_owned(),
        ordering_key: format!("shaanxi:{}", order.order_id),
        payload,
    };
    outbox::push(tx, &message).await?;
    Ok(())
}
