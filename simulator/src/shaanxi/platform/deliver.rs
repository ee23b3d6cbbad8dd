//! The courier of the platform's calls to the hospital. No answer, or SYSTEM_ERROR, is retried with the outbox's
//! backoff, as the RetryPolicy it is given says; a verified business answer is final: success is delivered, a
//! refusal set aside as dead (no resend can change it; the ledgers now disagree, which reconciliation is for). The
//! hospital's answer to Refund finishes the refund it was for, and its NotifyRefund is written in the same
//! transaction.

use super::{calls, ledger};
use crate::shaanxi::{HOSPITAL_CHANNEL, code};
use hisgate_generated::shaanxi::hospital;
use hisgate_runtime::client::{CallError, ClientConfig, Reply};
use hisgate_runtime::secret::Inputs;
use hisgate_runtime::server::CancellationToken;
use hisgate_runtime::store::outbox::{Courier, Delivery, Message, RetryPolicy};
use hisgate_runtime::store::{Store, StoreError};
use serde_json::{Value, json};
use std::time::Duration;

/// Delivers the outbox's calls to the hospital at `peer` until `stop`, retrying as `policy` says.
pub async fn deliver(store: Store, peer: String, credentials: Inputs, policy: RetryPolicy, stop: CancellationToken) {
    let mut config = ClientConfig::new(credentials);
    // The outbox retries, with its own backoff and limit, and across restarts.
    config.retries = 0;
    config.timeout = Duration::from_secs(10);
    let client = match hospital::Client::new(&peer, config) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(peer, error = %e, "no calls to the hospital: its client cannot be built");
            return;
        }
    };
    let courier = Courier::new(store.clone(), HOSPITAL_CHANNEL, policy);
    courier.run_until(|message| send(&store, &client, message), stop.cancelled_owned()).await;
}

async fn send(store: &Store, client: &hospital::Client, message: Message) -> Delivery {
    let reply = match client.untyped().call_value(&message.interface, &message.payload).await {
        Ok(reply) => reply,
        // A message the spec refuses before it is sent will be refused every time.
        Err(e @ (CallError::Invalid(_) | CallError::Seal(_) | CallError::UnknownInterface { .. })) => {
            return Delivery::Reject(e.to_string());
        }
        Err(e) => return Delivery::Retry(e.to_string()),
    };
    if reply.code == code::SYSTEM_ERROR {
        return Delivery::Retry(format!("{}: {}", reply.code, reply.message));
    }
    let outcome = match message.interface.as_str() {
        "Refund" => refund_answered(store, &message, &reply).await,
        _ => Ok(()),
    };
    match (outcome, reply.success) {
        (Err(e), _) => Delivery::Retry(format!("recording the answer: {e}")),
        (Ok(()), true) => Delivery::Delivered(json!({ "code": reply.code, "response": reply.response })),
        (Ok(()), false) => Delivery::Reject(format!("{}: {}", reply.code, reply.message)),
    }
}

/// Finishes the refund a Refund asked for: refundFlag 1 — the platform pays it out and sends NotifyRefund; 2 — the
/// hospital's window already paid it (nothing to send); a refusal or refundFlag 0 — it failed, and its money is
/// free again. Repeated (a redelivery after a crash), it finds the refund finished and does nothing.
async fn refund_answered(store: &Store, message: &Message, reply: &Reply<Value>) -> Result<(), StoreError> {
    let text =
        |value: Option<&Value>, name: &str| value.and_then(|v| v.get(name)).and_then(Value::as_str).map(str::to_owned);
    let refund_id = text(Some(&message.payload), "refundId").unwrap_or_default();
    let response = reply.response.as_ref().filter(|_| reply.success);
    let flag = response.and_then(|r| r.get("refundFlag")).and_then(|f| f.as_i64().or_else(|| f.as_str()?.parse().ok()));
    let hospital_refund_id = text(response, "hospitalRefundId");
    let mut tx = store.begin().await?;
    match (flag, hospital_refund_id) {
        (Some(flag @ (1 | 2)), Some(hospital_refund_id)) => {
            let through_platform = flag == 1;
            let finished = ledger::finish_refund(&mut tx, &refund_id, &hospital_refund_id, through_platform).await?;
            if let Some(refund) = finished.filter(|_| through_platform) {
                let order = ledger::order_by_id(&mut tx, &refund.order_id).await?;
                let order = order.ok_or_else(|| StoreError::Corrupt(format!("refund {refund_id} has no order")))?;
                calls::refunded(&mut tx, &order, &refund).await?;
            }
        }
        _ => {
            let remark = if reply.success {
                "医院退款失败".to_owned()
            } else {
                format!("{}：{}", reply.code, reply.message)
            };
            // QueryRefund's remark is String(128).
            let remark: String = remark.chars().take(128).collect();
            ledger::fail_refund(&mut tx, &refund_id, &remark).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
