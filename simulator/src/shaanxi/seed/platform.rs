//! The platform's sample ledger: the hospital's sample orders as the platform booked and paid them. The hospital's
//! seed numbers its orders, trades and refunds 1, 2, … in sample order, so this side can name them without asking.

use super::catalog;
use super::orders::{CHANNEL, Fate, PAY_TYPE, sample_orders};
use super::people::sample_patients;
use crate::shaanxi::ids::Kind;
use crate::shaanxi::platform::ledger::{self, Start};
use crate::shaanxi::timestamp;
use chrono::NaiveDateTime;
use hisgate_generated::shaanxi::dict::UserRule;
use hisgate_runtime::Dictionary;
use hisgate_runtime::store::{Store, StoreError};

pub async fn platform(store: &Store, now: NaiveDateTime) -> Result<(), StoreError> {
    let start = now.date();
    let plan = catalog::plan(start);
    let patients = sample_patients();
    let mut tx = store.begin().await?;
    for sample in sample_orders(start, &plan, &patients) {
        let paid = sample.fate.paid();
        let status = match sample.fate {
            Fate::Booked => "booked",
            Fate::Paid | Fate::RefundedAtWindow => "paid",
            Fate::Taken => "taken",
            Fate::Cancelled => "cancelled",
        };
        let rule = if sample.patient.patient_type == 1 { UserRule::Certificate } else { UserRule::ParentCertificate };
        let total = sample.total_fen();
        let written = sqlx::query(
            "INSERT INTO shaanxi_platform_orders (order_id, hospital_order_id, business_type, department_id, \
             doctor_id, schedule_id, time_id, register_date, noon, start_time, end_time, patient_name, user_rule, \
             user_rule_type, user_value, total_fen, order_time, status, pay_source, paid_fen, trade_id, \
             hospital_trade_id, out_trade_id, pay_type, pay_channel, pay_time, cancel_time, cancel_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, '1', $14, $15, $16, $17, $18, $19, $20, \
             $21, $22, $23, $24, $25, $26, $27) ON CONFLICT DO NOTHING",
        )
        .bind(&sample.order_id)
        .bind(Kind::HospitalOrder.format(sample.number))
        .bind(i64::from(sample.business_type(start)))
        .bind(sample.schedule.doctor.department)
        .bind(sample.schedule.doctor.id)
        .bind(&sample.schedule.id)
        .bind(&sample.slice.time_id)
        .bind(sample.schedule.date.format("%Y-%m-%d").to_string())
        .bind(sample.schedule.noon)
        .bind(&sample.slice.start)
        .bind(&sample.slice.end)
        .bind(sample.patient.name)
        .bind(rule.code())
        .bind(&sample.patient.cert_no)
        .bind(total)
        .bind(timestamp(now))
        .bind(status)
        .bind(i64::from(paid))
        .bind(if paid { total } else { 0 })
        .bind(paid.then(|| sample.trade_id()))
        .bind(sample.trade_number.map(|n| Kind::HospitalTrade.format(n)))
        .bind(paid.then(|| sample.out_trade_id()))
        .bind(paid.then_some(PAY_TYPE.code()))
        .bind(paid.then_some(CHANNEL.code()))
        .bind(paid.then(|| timestamp(now)))
        .bind((sample.fate == Fate::Cancelled).then(|| timestamp(now)))
        .bind((sample.fate == Fate::Cancelled).then_some("患者行程有变，主动取消"))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // The first sample order is the marker: found there, the whole ledger is.
        if written == 0 {
            return Ok(());
        }
        if sample.fate == Fate::RefundedAtWindow {
            // The hospital reported its cash refund by RefundByHis (refundFlag 0); the platform recorded it.
            let order = ledger::order_by_id(&mut tx, &sample.order_id).await?;
            let order =
                order.ok_or_else(|| StoreError::Corrupt(format!("sample order {} vanished", sample.order_id)))?;
            ledger::reserve(&mut tx, &order, total).await?;
            let start = Start::Cash { hospital_refund_id: Kind::HospitalRefund.format(1) };
            ledger::record_refund(&mut tx, &order, total, start, "患者到窗口办理退号退费", now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
