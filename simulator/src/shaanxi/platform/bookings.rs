//! The platform's patient-facing front desk: what its app does when a patient books and pays. The document
//! specifies none of it, only the calls it makes — OrderRegister and Pay at the hospital —; what the hospital
//! accepts enters the platform's ledger, where stops, refunds and statements find it.

use crate::shaanxi::amount;
use hisgate_generated::shaanxi::dict::UserRule;
use hisgate_generated::shaanxi::hospital;
use hisgate_generated::shaanxi::interfaces::{order_register, pay};
use hisgate_runtime::Dictionary;
use hisgate_runtime::client::{CallError, Reply};
use hisgate_runtime::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Books and pays at the hospital on behalf of the platform's patients, on a store the platform simulator was
/// started on.
#[derive(Debug, Clone)]
pub struct Bookings {
    store: Store,
    hospital: hospital::Client,
}

impl Bookings {
    pub fn new(store: Store, hospital: hospital::Client) -> Bookings {
        Bookings { store, hospital }
    }

    /// OrderRegister at the hospital; an order it accepts is recorded as booked.
    pub async fn register(
        &self,
        request: &order_register::Request,
    ) -> Result<Reply<order_register::Response>, BookingError> {
        let reply = self.hospital.order_register(request).await?;
        if let Some(response) = reply.response.as_ref().filter(|_| reply.success) {
            record_booking(&self.store, request, response).await?;
        }
        Ok(reply)
    }

    /// Pay at the hospital; a payment it accepts is recorded against the order.
    pub async fn pay(&self, request: &pay::Request) -> Result<Reply<pay::Response>, BookingError> {
        let reply = self.hospital.pay(request).await?;
        if let Some(response) = reply.response.as_ref().filter(|_| reply.success) {
            record_payment(&self.store, request, response).await?;
        }
        Ok(reply)
    }
}

async fn record_booking(
    store: &Store,
    request: &order_register::Request,
    response: &order_register::Response,
) -> Result<(), StoreError> {
    let rules: Vec<&order_register::RequestGroupRule> = request.group.iter().flat_map(|g| &g.rule).collect();
    // The rule that identifies the patient, sent again with refunds: the certificate where there is one.
    let identifying = [UserRule::Certificate, UserRule::ParentCertificate, UserRule::Card, UserRule::PatientId];
    let rule = identifying.iter().find_map(|id| rules.iter().find(|r| r.id == *id)).or(rules.first());
    let fees = [request.register_fee, request.treat_fee, request.service_fee, request.other_fee];
    let total: i64 = fees.into_iter().map(|fee| amount::fen(fee).unwrap_or(0)).sum();
    sqlx::query(
        "INSERT INTO shaanxi_platform_orders (order_id, hospital_order_id, business_type, department_id, doctor_id, \
         schedule_id, time_id, register_date, noon, start_time, end_time, patient_name, user_rule, user_rule_type, \
         user_value, total_fen, order_time, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'booked') \
         ON CONFLICT DO NOTHING",
    )
    .bind(&request.order_id)
    .bind(&response.hospital_order_id)
    // registerType 1 当天挂号 is businessType 0; the others are appointments (1 预约挂号).
    .bind(i64::from(request.register_type != 1))
    .bind(&request.department_id)
    .bind(&request.doctor_id)
    .bind(&request.schedule_id)
    .bind(&request.time_id)
    .bind(&request.register_date)
    .bind(request.noon.code())
    .bind(&request.start_time)
    .bind(&request.end_time)
    .bind(&request.patient_name)
    .bind(rule.map_or("", |r| r.id.code()))
    .bind(rule.and_then(|r| r.r#type.clone()))
    .bind(rule.map_or("", |r| r.value.as_str()))
    .bind(total)
    .bind(&request.order_time)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Records a payment the hospital accepted; recorded already (a repeat), it is left alone.
async fn record_payment(store: &Store, request: &pay::Request, response: &pay::Response) -> Result<(), StoreError> {
    let paid = sqlx::query(
        "UPDATE shaanxi_platform_orders SET status = 'paid', pay_source = 1, paid_fen = $2, trade_id = $3, \
         hospital_trade_id = $4, out_trade_id = $5, pay_type = $6, pay_channel = $7, pay_time = $8 \
         WHERE order_id = $1 AND status = 'booked'",
    )
    .bind(&request.order_id)
    .bind(amount::fen(request.real_fee).unwrap_or(0))
    .bind(&request.trade_id)
    .bind(&response.hospital_trade_id)
    .bind(&request.out_trade_id)
    .bind(request.pay_type.code())
    .bind(request.pay_channel.code())
    .bind(&request.pay_time)
    .execute(store.pool())
    .await?
    .rows_affected();
    if paid == 0 {
        let recorded: Option<Option<String>> =
            sqlx::query_scalar("SELECT trade_id FROM shaanxi_platform_orders WHERE order_id = $1")
                .bind(&request.order_id)
                .fetch_optional(store.pool())
                .await?;
        if recorded.flatten().as_deref() != Some(request.trade_id.as_str()) {
            return Err(StoreError::Corrupt(format!("order {} is not booked in this ledger", request.order_id)));
        }
    }
    Ok(())
}
