//! The hospital's sample data: the catalogue, the week's schedules with two stops, the patients, and the sample
//! orders — booked, paid, taken and cancelled through the same code the interfaces run.

use super::catalog::{self, DEPARTMENTS, DOCTORS, Schedule};
use super::orders::{CHANNEL, Fate, MERCHANT, PAY_TYPE, SampleOrder, sample_orders};
use super::people::{SamplePatient, sample_patients};
use crate::shaanxi::hospital::{orders, patients, payments};
use crate::shaanxi::{amount, timestamp};
use chrono::{Duration, NaiveDateTime};
use hisgate_generated::shaanxi::dict::{CardType, Noon, PayMode, Sex, UserRule};
use hisgate_generated::shaanxi::interfaces::{notify_register, order_register, pay};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Store, StoreError};
use sqlx::AnyConnection;

pub async fn hospital(store: &Store, now: NaiveDateTime) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    let fresh = catalogue(&mut tx).await?;
    let plan = catalog::plan(now.date());
    publish(&mut tx, &plan, now).await?;
    if fresh {
        stops(&mut tx, &plan, now).await?;
        let patients = sample_patients();
        for patient in &patients {
            file(&mut tx, patient, now).await?;
        }
        for sample in sample_orders(now.date(), &plan, &patients) {
            book(&mut tx, &sample, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Writes the departments and doctors, unless an instance did before; says whether this one did.
async fn catalogue(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    for (sort, department) in (1_i64..).zip(DEPARTMENTS) {
        let written = sqlx::query(
            "INSERT INTO shaanxi_hospital_departments (department_id, name, parent_id, level, expertise, \
             introduction, location, telephone, rule, status, sort) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) \
             ON CONFLICT DO NOTHING",
        )
        .bind(department.id)
        .bind(department.name)
        .bind(department.parent)
        .bind(department.level)
        .bind(department.expertise)
        .bind(format!("{}，诊治{}。", department.name, department.expertise))
        .bind(department.location)
        .bind(format!("029-8765{:04}", department.id.parse::<i64>().unwrap_or(0)))
        .bind(department.rule)
        .bind(sort)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        // The first department is the marker: found there, the whole seed is.
        if sort == 1 && written == 0 {
            return Ok(false);
        }
    }
    for (sort, doctor) in (1_i64..).zip(DOCTORS) {
        let department = catalog::department_of(doctor);
        sqlx::query(
            "INSERT INTO shaanxi_hospital_doctors (doctor_id, department_id, name, sex, profession_title, office, \
             introduction, expertise, telephone, status, sort) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)",
        )
        .bind(doctor.id)
        .bind(doctor.department)
        .bind(doctor.name)
        .bind(doctor.sex)
        .bind(doctor.title)
        .bind(doctor.office)
        .bind(format!("{}{}医生，从事临床工作多年。", department.name, doctor.name))
        .bind(doctor.expertise)
        .bind(format!("029-8765{:04}", 5000 + sort))
        .bind(sort)
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// Publishes the schedules of `plan` that are not published yet, with their quotas.
async fn publish(conn: &mut AnyConnection, plan: &[Schedule], now: NaiveDateTime) -> Result<(), StoreError> {
    for schedule in plan {
        let doctor = schedule.doctor;
        let department = catalog::department_of(doctor);
        let (register, treat, level) = catalog::fees(doctor);
        let (age_min, age_max) = department.ages.unzip();
        let published = sqlx::query(
            "INSERT INTO shaanxi_hospital_schedules (schedule_id, department_id, doctor_id, register_date, noon, \
             start_time, end_time, status, level, register_fen, treat_fen, service_fen, other_fen, sex_limit, age_min, \
             age_max, visit_address, take_address, take_time, is_time, next_clinic_no, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, 0, 0, $11, $12, $13, $14, $15, $16, $17, 1, $18) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&schedule.id)
        .bind(doctor.department)
        .bind(doctor.id)
        .bind(schedule.date.format("%Y-%m-%d").to_string())
        .bind(schedule.noon)
        .bind(&schedule.start)
        .bind(&schedule.end)
        .bind(level)
        .bind(register)
        .bind(treat)
        .bind(department.sex_limit)
        .bind(age_min)
        .bind(age_max)
        .bind(format!("{}{}诊区", department.location, department.name))
        .bind("门诊楼一楼挂号收费处、各楼层自助机")
        .bind(schedule.take_time)
        .bind(i64::from(doctor.sliced))
        .bind(timestamp(now))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if published == 0 {
            continue;
        }
        for slice in &schedule.slices {
            sqlx::query(
                "INSERT INTO shaanxi_hospital_slices (schedule_id, slice_no, time_id, start_time, end_time, status, \
                 total_count, remain_count) VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
            )
            .bind(&schedule.id)
            .bind(slice.no)
            .bind(&slice.time_id)
            .bind(&slice.start)
            .bind(&slice.end)
            .bind(slice.total)
            .bind(slice.remain)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Two stops: one doctor's whole half-day, and the first hour of another's (two slices).
async fn stops(conn: &mut AnyConnection, plan: &[Schedule], now: NaiveDateTime) -> Result<(), StoreError> {
    let tomorrow = now.date() + Duration::days(1);
    let first = |doctor: &str| plan.iter().find(|s| s.doctor.id == doctor && s.date >= tomorrow);
    if let Some(schedule) = first("D006") {
        sqlx::query("UPDATE shaanxi_hospital_schedules SET status = 0, updated_at = $2 WHERE schedule_id = $1")
            .bind(&schedule.id)
            .bind(timestamp(now))
            .execute(&mut *conn)
            .await?;
        stop(conn, &schedule.id, -1, "医生外出参加学术会议", now).await?;
    }
    if let Some(schedule) = first("D002") {
        for slice_no in [0, 1] {
            sqlx::query("UPDATE shaanxi_hospital_slices SET status = 0 WHERE schedule_id = $1 AND slice_no = $2")
                .bind(&schedule.id)
                .bind(slice_no)
                .execute(&mut *conn)
                .await?;
            stop(conn, &schedule.id, slice_no, "医生上午参加院内会诊，推迟一小时出诊", now).await?;
        }
    }
    Ok(())
}

async fn stop(
    conn: &mut AnyConnection,
    schedule_id: &str,
    slice_no: i64,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO shaanxi_hospital_stops (schedule_id, slice_no, reason, stopped_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(schedule_id)
    .bind(slice_no)
    .bind(reason)
    .bind(timestamp(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Files a sample patient the way CreatePatient does, with a 医保卡 where the patient has one.
async fn file(conn: &mut AnyConnection, sample: &SamplePatient, now: NaiveDateTime) -> Result<(), StoreError> {
    let new = patients::NewPatient {
        patient_type: i64::from(sample.patient_type),
        cert_type: "1",
        cert_no: &sample.cert_no,
        name: sample.name,
        sex: sample.sex,
        birthday: sample.birthday,
        address: Some(sample.address),
        mobile: Some(sample.mobile),
    };
    let patients::Filed::Patient(patient) = patients::file(conn, &new, now).await? else {
        return Err(StoreError::Corrupt(format!("sample patient {} cannot be filed", sample.name)));
    };
    if let Some(card_no) = sample.insurance_card {
        sqlx::query(
            "INSERT INTO shaanxi_hospital_cards (card_type, card_no, patient_id, status, balance_fen, issued_at) \
             VALUES ($1, $2, $3, 0, 0, $4)",
        )
        .bind(CardType::MedicalInsuranceCard.code())
        .bind(card_no)
        .bind(&patient.patient_id)
        .bind(timestamp(now))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Books a sample order through OrderRegister's code, then pays, takes, cancels or refunds it as its fate says.
async fn book(conn: &mut AnyConnection, sample: &SampleOrder<'_>, now: NaiveDateTime) -> Result<(), StoreError> {
    let refused = |step: &str, failure: Failure| {
        let why = match failure {
            Failure::Business { message, .. } => message.unwrap_or_default(),
            other => format!("{other:?}"),
        };
        StoreError::Corrupt(format!("sample order {}: {step}: {why}", sample.order_id))
    };
    let registered = orders::register(conn, &register_request(sample, now), now).await;
    let hospital_order_id = registered.map_err(|r| refused("OrderRegister", r))?.hospital_order_id;
    if sample.fate.paid() {
        payments::pay(conn, &pay_request(sample, &hospital_order_id, now)).await.map_err(|r| refused("Pay", r))?;
    }
    let notify_type = match sample.fate {
        Fate::Booked | Fate::Paid => return Ok(()),
        Fate::Taken => 2,
        Fate::Cancelled => 1,
        Fate::RefundedAtWindow => {
            let order = orders::by_order_id(conn, &sample.order_id).await?;
            let order = order.ok_or_else(|| refused("refund", Failure::with_message("", "not booked")))?;
            payments::refund_at_window(conn, &order, now).await?;
            return Ok(());
        }
    };
    let request = notify_register::Request {
        notify_type,
        order_id: sample.order_id.clone(),
        hospital_order_id,
        hospital_trade_id: None,
        notify_time: timestamp(now),
        reason: (notify_type == 1).then(|| "患者行程有变，主动取消".to_owned()),
        user: Vec::new(),
    };
    orders::notify(conn, &request, now).await.map_err(|r| refused("NotifyRegister", r))
}

fn register_request(sample: &SampleOrder<'_>, now: NaiveDateTime) -> order_register::Request {
    let (schedule, patient) = (sample.schedule, sample.patient);
    let (register, treat, _) = catalog::fees(schedule.doctor);
    let rule = if patient.patient_type == 1 { UserRule::Certificate } else { UserRule::ParentCertificate };
    order_register::Request {
        order_id: sample.order_id.clone(),
        hospital_lock_id: None,
        channel_id: CHANNEL,
        schedule_id: schedule.id.clone(),
        time_id: sample.slice.time_id.clone(),
        department_id: schedule.doctor.department.to_owned(),
        doctor_id: schedule.doctor.id.to_owned(),
        register_date: schedule.date.format("%Y-%m-%d").to_string(),
        noon: Noon::from_code(schedule.noon).unwrap_or(Noon::Morning),
        start_time: Some(sample.slice.start.clone()),
        end_time: Some(sample.slice.end.clone()),
        register_fee: amount::decimal(register),
        treat_fee: amount::decimal(treat),
        service_fee: amount::decimal(0),
        other_fee: amount::decimal(0),
        clinic_no: None,
        // 1 当天挂号, 3 预约挂号（直接挂号）.
        register_type: if sample.business_type(now.date()) == 0 { 1 } else { 3 },
        patient_name: patient.name.to_owned(),
        patient_mobile: patient.mobile.to_owned(),
        patient_birthday: patient.birthday.to_owned(),
        patient_sex: Sex::from_code(patient.sex).unwrap_or(Sex::Unknown),
        patient_flag: i32::from(patient.patient_type == 0),
        agent_id: None,
        order_time: timestamp(now),
        group: vec![order_register::RequestGroup {
            flag: 0,
            rule: vec![order_register::RequestGroupRule {
                id: rule,
                r#type: Some("1".to_owned()),
                value: patient.cert_no.clone(),
            }],
        }],
    }
}

fn pay_request(sample: &SampleOrder<'_>, hospital_order_id: &str, now: NaiveDateTime) -> pay::Request {
    let total = amount::decimal(sample.total_fen());
    pay::Request {
        business_type: sample.business_type(now.date()),
        order_id: sample.order_id.clone(),
        hospital_order_id: Some(hospital_order_id.to_owned()),
        trade_id: sample.trade_id(),
        receipt_id: None,
        out_trade_id: sample.out_trade_id(),
        pay_time: timestamp(now),
        pay_mode: PayMode::BankCard,
        pay_channel: CHANNEL,
        pay_type: PAY_TYPE,
        is_concessions: 0,
        total_fee: total,
        payable_fee: total,
        activity_fee: amount::decimal(0),
        medicare_fee: amount::decimal(0),
        real_fee: total,
        merchant_id: Some(MERCHANT.to_owned()),
        bank_no: None,
        operator_id: None,
        teaminal_no: None,
        user: Vec::new(),
        business: Vec::new(),
    }
}
