//! Register orders: OrderRegister takes a place on a schedule for a patient, NotifyRegister cancels an unpaid
//! order (giving the place back) or takes the number of a paid one. Places are taken by one conditional UPDATE
//! each, so two bookings for the last place cannot both get it.

use super::catalog::{self, BOOKING_DAYS, Schedule};
use super::patients::{self, Patient};
use crate::shaanxi::ids::{self, Kind};
use crate::shaanxi::status::Status;
use crate::shaanxi::{amount, code, timestamp};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use hisgate_generated::shaanxi::interfaces::{notify_register, order_register};
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// An order as the state machine reads it.
#[derive(Debug, Clone)]
pub struct Order {
    pub hospital_order_id: String,
    pub order_id: String,
    pub schedule_id: String,
    pub slice_no: i64,
    pub status: Status,
    /// QueryRegister's isPay: 0 unpaid, 1 through the platform, 2 at the hospital.
    pub pay_source: i64,
    pub total_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub hospital_trade_id: Option<String>,
    pub clinic_no: String,
    pub visit_no: String,
    pub visit_address: String,
}

pub async fn by_order_id(conn: &mut AnyConnection, order_id: &str) -> Result<Option<Order>, StoreError> {
    let row = sqlx::query(
        "SELECT o.hospital_order_id, o.order_id, o.schedule_id, o.slice_no, o.status, o.pay_source, \
         o.register_fen + o.treat_fen + o.service_fen + o.other_fen AS total_fen, o.paid_fen, o.refunded_fen, \
         o.hospital_trade_id, o.clinic_no, o.visit_no, s.visit_address \
         FROM shaanxi_hospital_orders o JOIN shaanxi_hospital_schedules s ON s.schedule_id = o.schedule_id \
         WHERE o.order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(order).transpose()
}

fn order(row: &AnyRow) -> Result<Order, StoreError> {
    Ok(Order {
        hospital_order_id: row.try_get("hospital_order_id")?,
        order_id: row.try_get("order_id")?,
        schedule_id: row.try_get("schedule_id")?,
        slice_no: row.try_get("slice_no")?,
        status: Status::parse(&row.try_get::<String, _>("status")?)?,
        pay_source: row.try_get("pay_source")?,
        total_fen: row.try_get("total_fen")?,
        paid_fen: row.try_get("paid_fen")?,
        refunded_fen: row.try_get("refunded_fen")?,
        hospital_trade_id: row.try_get("hospital_trade_id")?,
        clinic_no: row.try_get("clinic_no")?,
        visit_no: row.try_get("visit_no")?,
        visit_address: row.try_get("visit_address")?,
    })
}

/// OrderRegister (2.1.4.1.5): checks the booking against the schedule and the department's rules, files the
/// patient if new, takes a place and records the order. Run in a savepoint: a refusal undoes it all.
pub async fn register(
    conn: &mut AnyConnection,
    request: &order_register::Request,
    now: NaiveDateTime,
) -> Result<order_register::Response, Failure> {
    if by_order_id(conn, &request.order_id).await?.is_some() {
        return Err(Failure::with_message("S05010706", "平台订单号已存在"));
    }
    // This document defines no interface that locks a place, so no lock id the platform sends can be ours.
    if request.hospital_lock_id.as_deref().is_some_and(|id| !id.is_empty()) {
        return Err(Failure::with_message("S05010708", "院内号源锁定 ID 无效：本院未锁定该号源"));
    }
    let Some(schedule) = catalog::schedule(conn, &request.schedule_id).await? else {
        return Err(Failure::with_message("S05010705", "排班不存在"));
    };
    bookable(&schedule, request, now.date())?;
    let patient = patients::for_booking(conn, request, now).await?;
    admits(&schedule, &patient)?;
    let slice_no = take_place(conn, &schedule, request.time_id.as_deref()).await?;
    let clinic_no: i64 = sqlx::query_scalar(
        "UPDATE shaanxi_hospital_schedules SET next_clinic_no = next_clinic_no + 1 WHERE schedule_id = $1 \
         RETURNING next_clinic_no - 1",
    )
    .bind(&schedule.id)
    .fetch_one(&mut *conn)
    .await?;
    let hospital_order_id = ids::next(conn, Kind::HospitalOrder).await?;
    let visit_no = ids::next(conn, Kind::Visit).await?;
    let [register, treat, service, other] = schedule.fees;
    let inserted = sqlx::query(
        "INSERT INTO shaanxi_hospital_orders (hospital_order_id, order_id, patient_id, schedule_id, slice_no, \
         channel_id, register_type, clinic_no, visit_no, register_fen, treat_fen, service_fen, other_fen, \
         order_time, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'booked') \
         ON CONFLICT DO NOTHING",
    )
    .bind(&hospital_order_id)
    .bind(&request.order_id)
    .bind(&patient.patient_id)
    .bind(&schedule.id)
    .bind(slice_no)
    .bind(hisgate_runtime::Dictionary::code(&request.channel_id))
    .bind(i64::from(request.register_type))
    .bind(clinic_no.to_string())
    .bind(&visit_no)
    .bind(register)
    .bind(treat)
    .bind(service)
    .bind(other)
    .bind(&request.order_time)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        // The only key left to conflict on: the patient's live number on this schedule.
        return Err(Failure::with_message("S05010701", "同一就诊人同一排班限挂一个号"));
    }
    let (start, end): (String, String) = sqlx::query_as(
        "SELECT start_time, end_time FROM shaanxi_hospital_slices WHERE schedule_id = $1 AND slice_no = $2",
    )
    .bind(&schedule.id)
    .bind(slice_no)
    .fetch_one(&mut *conn)
    .await?;
    let card = hospital_card(conn, &patient).await?;
    Ok(order_register::Response {
        hospital_order_id,
        clinic_no: Some(clinic_no.to_string()),
        take_time: Some(schedule.take_time),
        visit_time: Some(format!("{start}-{end}")),
        visit_address: Some(schedule.visit_address),
        patient_id: patient.patient_id,
        visit_no: Some(visit_no),
        medical_no: Some(patient.medical_no),
        card_type: card.as_ref().map(|_| hisgate_generated::shaanxi::dict::CardType::HospitalCard),
        card_no: card,
        remark: None,
        // The simulated hospital grants no in-hospital concessions: Pay's payableFee must be the whole fee.
        is_concessions: 0,
        concessions: Vec::new(),
    })
}

/// The schedule is the one the request describes, open, within the booking window, and at the request's fees.
fn bookable(schedule: &Schedule, request: &order_register::Request, today: NaiveDate) -> Result<(), Failure> {
    let invalid = |why: &str| Err(Failure::with_message("S05010705", why));
    if schedule.department_id != request.department_id
        || schedule.doctor_id != request.doctor_id
        || schedule.register_date != request.register_date
        || schedule.noon != request.noon
    {
        return invalid("排班与科室、医生、日期或时段不符");
    }
    let date = NaiveDate::parse_from_str(&schedule.register_date, "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
    if date < today {
        return invalid("排班日期已过");
    }
    if date > today + Duration::days(BOOKING_DAYS) {
        return invalid("排班尚未开放预约");
    }
    if schedule.status != 1 {
        return invalid("该排班已停诊");
    }
    let fees = [&request.register_fee, &request.treat_fee, &request.service_fee, &request.other_fee];
    if fees.iter().map(|fee| amount::fen(**fee)).ne(schedule.fees.iter().map(|fee| Some(*fee))) {
        return Err(Failure::with_message(code::ILLEGAL_ARGUMENT, "挂号费用与排班不符"));
    }
    Ok(())
}

/// The department's rules on sex and age (GetScheduleInfo's sexLimit, ageLimitMax, ageLinitMin), on the day of
/// the visit.
fn admits(schedule: &Schedule, patient: &Patient) -> Result<(), Failure> {
    if let Some(sex) = schedule.sex_limit.filter(|sex| *sex != 0)
        && patient.sex != sex.to_string()
    {
        return Err(Failure::with_message("S05010702", "该科室限定就诊人性别"));
    }
    let visit = NaiveDate::parse_from_str(&schedule.register_date, "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
    let age = patients::age(&patient.birthday, visit);
    let (min, max) = schedule.ages;
    if age.is_some_and(|age| min.is_some_and(|m| age < m) || max.is_some_and(|m| age > m)) {
        return Err(Failure::with_message("S05010702", "就诊人年龄不在该科室接诊范围"));
    }
    Ok(())
}

/// Takes one place: in the slice the platform names, or — when it names none — in the earliest slice with room.
/// Returns the slice's number.
async fn take_place(conn: &mut AnyConnection, schedule: &Schedule, time_id: Option<&str>) -> Result<i64, Failure> {
    let slices: Vec<(i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT slice_no, time_id, status FROM shaanxi_hospital_slices WHERE schedule_id = $1 ORDER BY slice_no",
    )
    .bind(&schedule.id)
    .fetch_all(&mut *conn)
    .await?;
    let wanted: Vec<i64> = match time_id.filter(|id| !id.is_empty()) {
        Some(time_id) => match slices.iter().find(|(_, id, _)| id.as_deref() == Some(time_id)) {
            Some((_, _, status)) if *status != 1 => return Err(Failure::with_message("S05010705", "该分时已停诊")),
            Some((no, _, _)) => vec![*no],
            None => return Err(Failure::with_message("S05010705", "分时不属于该排班")),
        },
        None => slices.iter().filter(|(_, _, status)| *status == 1).map(|(no, _, _)| *no).collect(),
    };
    for slice_no in &wanted {
        let taken = sqlx::query(
            "UPDATE shaanxi_hospital_slices SET remain_count = remain_count - 1 \
             WHERE schedule_id = $1 AND slice_no = $2 AND status = 1 AND remain_count > 0",
        )
        .bind(&schedule.id)
        .bind(slice_no)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if taken == 1 {
            return Ok(*slice_no);
        }
    }
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM shaanxi_hospital_slices WHERE schedule_id = $1 AND status = 1 AND remain_count > 0",
    )
    .bind(&schedule.id)
    .fetch_one(&mut *conn)
    .await?;
    Err(if left > 0 {
        Failure::with_message("S05010708", "该分时号源已被占用，请选择其他分时")
    } else {
        Failure::with_message("S05010707", "该排班挂号已满")
    })
}

/// Gives a place back to its slice (a cancelled or fully refunded order).
pub async fn release_place(conn: &mut AnyConnection, order: &Order) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE shaanxi_hospital_slices SET remain_count = remain_count + 1 WHERE schedule_id = $1 AND slice_no = $2",
    )
    .bind(&order.schedule_id)
    .bind(order.slice_no)
    .execute(conn)
    .await?;
    Ok(())
}

/// The patient's hospital card, which OrderRegister reports.
async fn hospital_card(conn: &mut AnyConnection, patient: &Patient) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT card_no FROM shaanxi_hospital_cards WHERE patient_id = $1 AND card_type = '7' ORDER BY card_no LIMIT 1",
    )
    .bind(&patient.patient_id)
    .fetch_optional(conn)
    .await?)
}

/// NotifyRegister (2.1.4.1.6): 1 cancels an unpaid order and gives its place back — an order already cancelled
/// answers success, as the document asks —; 2 takes the number of a paid one.
pub async fn notify(
    conn: &mut AnyConnection,
    request: &notify_register::Request,
    now: NaiveDateTime,
) -> Result<(), Failure> {
    let missing = || Err(Failure::with_message("S05010801", "挂号订单不存在"));
    let Some(order) = by_order_id(conn, &request.order_id).await? else { return missing() };
    if order.hospital_order_id != request.hospital_order_id {
        return missing();
    }
    match request.notify_type {
        1 => cancel(conn, &order, request.reason.as_deref().unwrap_or_default(), now).await,
        _ => take_number(conn, &order, now).await,
    }
}

async fn cancel(conn: &mut AnyConnection, order: &Order, reason: &str, now: NaiveDateTime) -> Result<(), Failure> {
    let cancelled = sqlx::query(
        "UPDATE shaanxi_hospital_orders SET status = 'cancelled', cancel_time = $2, cancel_reason = $3 \
         WHERE hospital_order_id = $1 AND status = 'booked'",
    )
    .bind(&order.hospital_order_id)
    .bind(timestamp(now))
    .bind(reason)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if cancelled == 1 {
        release_place(conn, order).await?;
        return Ok(());
    }
    // Lost a race, or the order had left `booked` before: answer by where it is now.
    let now_status = by_order_id(conn, &order.order_id).await?.map_or(order.status, |o| o.status);
    match now_status {
        // A refunded order is void already; like a cancelled one, cancelling it again changes nothing.
        Status::Cancelled | Status::Refunded => Ok(()),
        Status::Paid => Err(Failure::with_message("S05010802", "挂号订单已支付，请走退款")),
        Status::Taken => Err(Failure::with_message("S05010804", "挂号订单已取号")),
        Status::Booked => Err(StoreError::Corrupt(format!("order {} stayed booked", order.order_id)).into()),
    }
}

async fn take_number(conn: &mut AnyConnection, order: &Order, now: NaiveDateTime) -> Result<(), Failure> {
    let taken = sqlx::query(
        "UPDATE shaanxi_hospital_orders SET status = 'taken', take_time = $2 \
         WHERE hospital_order_id = $1 AND status = 'paid'",
    )
    .bind(&order.hospital_order_id)
    .bind(timestamp(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if taken == 1 {
        return Ok(());
    }
    let now_status = by_order_id(conn, &order.order_id).await?.map_or(order.status, |o| o.status);
    match now_status {
        Status::Taken => Ok(()),
        Status::Cancelled | Status::Refunded => Err(Failure::with_message("S05010803", "挂号订单已取消")),
        // No code of the document says “unpaid”; the platform's own 参数不正确 does.
        Status::Booked => Err(Failure::with_message(code::ILLEGAL_ARGUMENT, "挂号订单未支付，不能取号")),
        Status::Paid => Err(StoreError::Corrupt(format!("order {} stayed paid", order.order_id)).into()),
    }
}
