//! What the hospital reports from its records: register orders as they stand (QueryRegister), the platform's
//! payments and refunds for reconciliation (GetStatement), and its stops (QueryStopRegister).

use super::patients::{self, Lookup, PATIENT_COLUMNS, Patient, rules};
use crate::shaanxi::{amount, day_range, numbered_page};
use chrono::NaiveDate;
use hisgate_generated::shaanxi::interfaces::{get_statement, query_register, query_stop_register};
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Columns, Listing, StoreError, code_of, int_of};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use std::borrow::Cow;

/// The orders a QueryRegister selects, joined to what its answer shows; [`register_filter`] adds the conditions.
const REGISTERS: &str = "FROM shaanxi_hospital_orders o \
    JOIN shaanxi_hospital_schedules s ON s.schedule_id = o.schedule_id \
    JOIN shaanxi_hospital_slices l ON l.schedule_id = o.schedule_id AND l.slice_no = o.slice_no \
    JOIN shaanxi_hospital_doctors d ON d.doctor_id = s.doctor_id \
    JOIN shaanxi_hospital_departments t ON t.department_id = s.department_id \
    JOIN shaanxi_hospital_patients p ON p.patient_id = o.patient_id";

/// The stops of an order's half-day (slice -1) or of its own slice. `+st.slice_no` keeps the slice out of the index
/// lookup: as an index key, an IN list holding a column (the order's slice) made SQLite open a temporary table for
/// the list in every query and fill it again for each order listed; a schedule's few stops are found by
/// `schedule_id` and compared instead.
macro_rules! stops_of_order {
    () => {
        "FROM shaanxi_hospital_stops st WHERE st.schedule_id = o.schedule_id AND +st.slice_no IN (-1, o.slice_no)"
    };
}

/// The WHERE clause of a QueryRegister and its parameters, with only the conditions the request sets: a fixed
/// clause of the form `($1 = '' OR o.order_id = $1)` cannot use an index, so every QueryRegister scanned every
/// order ever booked and slowed as the store grew.
fn register_filter(
    numbers: &[String; 4],
    patient_id: &str,
    request: &query_register::Request,
) -> (String, Vec<String>) {
    let mut conditions = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let param = |value: &str, values: &mut Vec<String>| {
        values.push(value.to_owned());
        format!("${}", values.len())
    };
    let columns = ["o.order_id", "o.hospital_order_id", "o.hospital_trade_id"];
    for (column, number) in columns.iter().zip(numbers) {
        if !number.is_empty() {
            conditions.push(format!("{column} = {}", param(number, &mut values)));
        }
    }
    if !numbers[3].is_empty() {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM shaanxi_hospital_refunds r \
             WHERE r.hospital_order_id = o.hospital_order_id AND r.hospital_refund_id = {})",
            param(&numbers[3], &mut values)
        ));
    }
    if !patient_id.is_empty() {
        let (patient, from, to) = (
            param(patient_id, &mut values),
            param(&request.start_date, &mut values),
            param(&request.end_date, &mut values),
        );
        conditions.push(format!("o.patient_id = {patient} AND s.register_date >= {from} AND s.register_date <= {to}"));
    }
    let status = match request.query_type {
        0 => None,
        1 => Some("o.status = 'cancelled'"),
        2 => Some("o.status = 'booked'"),
        3 => Some("o.status IN ('paid', 'taken')"),
        4 => Some(concat!("EXISTS (SELECT 1 ", stops_of_order!(), ")")),
        5 => Some("o.status = 'paid'"),
        _ => Some("1 = 0"),
    };
    conditions.extend(status.map(str::to_owned));
    let clause = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
    (clause, values)
}

const REGISTER_COLUMNS: &str = concat!(
    "o.order_id, o.hospital_order_id, o.hospital_trade_id, o.visit_no, o.channel_id, \
    o.schedule_id, l.time_id, s.department_id, t.name AS department_name, s.doctor_id, d.name AS doctor_name, \
    s.register_date, s.noon, l.start_time, l.end_time, o.clinic_no, s.visit_address, s.take_time AS get_time, \
    o.register_fen, o.treat_fen, o.service_fen, o.other_fen, o.paid_fen, o.order_time, o.pay_source, o.pay_time, \
    o.status, o.take_time, \
    (SELECT CAST(COALESCE(SUM(r.refund_fen), 0) AS BIGINT) FROM shaanxi_hospital_refunds r \
     WHERE r.hospital_order_id = o.hospital_order_id AND r.origin = 'platform') AS platform_refund_fen, \
    (SELECT COUNT(*) FROM shaanxi_hospital_refunds r \
     WHERE r.hospital_order_id = o.hospital_order_id AND r.origin = 'window') AS window_refunds, \
    (SELECT COUNT(*) ",
    stops_of_order!(),
    ") AS stops, \
    COALESCE(o.cancel_time, (SELECT MAX(r.refund_time) FROM shaanxi_hospital_refunds r \
                             WHERE r.hospital_order_id = o.hospital_order_id)) AS cancel_time"
);

/// QueryRegister (2.1.4.1.7): by order number when the request has one, else the patient's orders in the date
/// range; filtered by queryType and paged.
pub async fn registers(
    conn: &mut AnyConnection,
    request: &query_register::Request,
    today: NaiveDate,
) -> Result<query_register::Response, Failure> {
    let page = numbered_page(request.current_page, request.page_size)?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let numbers =
        [&request.order_id, &request.hospital_order_id, &request.hospital_trade_id, &request.hospital_refund_id];
    let by_number = numbers.iter().any(|n| n.as_deref().is_some_and(|n| !n.is_empty()));
    let holder = if by_number {
        None
    } else {
        match patients::find(conn, &rules!(request.user.iter())).await? {
            Lookup::Found(patient) => Some(patient),
            Lookup::Missing | Lookup::Mismatch(_) => return Err(Failure::with_message("S05010902", "用户不存在")),
        }
    };
    let numbers = numbers.map(text);
    let patient_id = holder.as_ref().map_or("", |p| p.patient_id.as_str());
    let (filter, values) = register_filter(&numbers, patient_id, request);
    let from = format!("{REGISTERS}{filter}");
    // Orders found by number carry their patients' files; a patient's own are that patient's, read once already
    // (a page of ten orders carried the same file ten times, a fifth of its values).
    let columns = if holder.is_some() {
        Cow::Borrowed(REGISTER_COLUMNS)
    } else {
        Cow::Owned(format!("{REGISTER_COLUMNS}, {PATIENT_COLUMNS}"))
    };
    let mut listing = Listing::new(&columns, &from, "s.register_date, o.order_time, o.hospital_order_id");
    for value in &values {
        listing = listing.bind(value.as_str());
    }
    let listed = listing.fetch_on(conn, page).await?;
    if listed.total == 0 {
        return Err(Failure::with_message("S05010901", "未查询到挂号订单记录"));
    }
    let order = listed
        .rows
        .iter()
        .map(|row| match &holder {
            Some(patient) => register(row, patient, today),
            None => register(row, &patients::patient(row)?, today),
        })
        .collect::<Result<_, _>>()?;
    Ok(query_register::Response { count: int_of(listed.total)?, order })
}

/// An order's answer from its row and its patient's file.
fn register(row: &AnyRow, patient: &Patient, today: NaiveDate) -> Result<query_register::ResponseOrder, StoreError> {
    let fen = |column: &str| -> Result<_, StoreError> { Ok(amount::decimal(row.try_get(column)?)) };
    let fees: [i64; 4] = [
        row.try_get("register_fen")?,
        row.try_get("treat_fen")?,
        row.try_get("service_fen")?,
        row.try_get("other_fen")?,
    ];
    let status: String = row.try_get("status")?;
    let register_date: String = row.try_get("register_date")?;
    let (platform_refunds, window_refunds): (i64, i64) =
        (row.try_get("platform_refund_fen")?, row.try_get("window_refunds")?);
    let is_refund = if window_refunds > 0 { 2 } else { i32::from(platform_refunds > 0) };
    let missed = status == "paid" && NaiveDate::parse_from_str(&register_date, "%Y-%m-%d").is_ok_and(|d| d < today);
    Ok(query_register::ResponseOrder {
        order_id: row.try_get("order_id")?,
        hospital_order_id: row.try_get("hospital_order_id")?,
        hospital_trade_id: row.try_get("hospital_trade_id")?,
        receipt_id: None,
        visit_no: row.try_get("visit_no")?,
        channel_id: row.code("channel_id")?,
        schedule_id: row.try_get("schedule_id")?,
        time_id: row.try_get("time_id")?,
        department_id: row.try_get("department_id")?,
        departmen_name: row.try_get("department_name")?,
        doctor_id: row.try_get("doctor_id")?,
        doctor_name: row.try_get("doctor_name")?,
        register_date,
        noon: row.code("noon")?,
        start_time: row.try_get("start_time")?,
        end_time: row.try_get("end_time")?,
        clinic_no: row.try_get("clinic_no")?,
        visit_address: row.try_get("visit_address")?,
        get_time: row.try_get("get_time")?,
        register_fee: amount::decimal(fees[0]),
        treat_fee: amount::decimal(fees[1]),
        service_fee: amount::decimal(fees[2]),
        other_fee: amount::decimal(fees[3]),
        total_fee: amount::decimal(fees.iter().sum()),
        real_fee: fen("paid_fen")?,
        order_time: row.try_get("order_time")?,
        is_pay: row.int("pay_source")?,
        pay_time: row.try_get("pay_time")?,
        is_take: i32::from(status == "taken"),
        take_time: row.try_get("take_time")?,
        is_cancel: i32::from(status == "cancelled"),
        is_refund,
        refundl_fee: amount::decimal(platform_refunds),
        is_stop: i32::from(row.try_get::<i64, _>("stops")? > 0),
        cancel_time: row.try_get("cancel_time")?,
        // A paid number not taken by the end of its day is a no-show (爽约).
        noshow: i32::from(missed),
        patient_id: patient.patient_id.clone(),
        medical_no: Some(patient.medical_no.clone()),
        certifcate_type: Some(code_of(&patient.cert_type, "cert_type")?),
        certifcate_no: Some(patient.cert_no.clone()),
        card_type: None,
        card_no: None,
        patient_name: patient.name.clone(),
        patient_sex: code_of(&patient.sex, "sex")?,
        patient_birthday: patient.birthday.clone(),
        patient_address: patient.address.clone(),
        patient_mobile: patient.mobile.clone(),
        remark: None,
    })
}

/// GetStatement (2.1.2.4): the platform's money through the hospital's books, payments (transactionType 1) and
/// refunds (2) in the range; window cash is the hospital's own and not in it.
pub async fn statement(pool: &AnyPool, request: &get_statement::Request) -> Result<get_statement::Response, Failure> {
    let (from, to) = day_range(&request.start_date, &request.end_date)?;
    let rows = sqlx::query(
        "SELECT o.pay_time AS transaction_time, o.order_id, CAST(NULL AS TEXT) AS refund_id, o.hospital_order_id, \
         CAST(NULL AS TEXT) AS hospital_refund_id, o.out_trade_id, o.paid_fen AS fen, 1 AS transaction_type, \
         o.pay_type, o.merchant_id, o.pay_channel, p.patient_id, p.name AS patient_name, p.cert_type, p.cert_no \
         FROM shaanxi_hospital_orders o JOIN shaanxi_hospital_patients p ON p.patient_id = o.patient_id \
         WHERE o.pay_source = 1 AND o.pay_time >= $1 AND o.pay_time <= $2 \
         UNION ALL \
         SELECT r.refund_time, o.order_id, r.refund_id, o.hospital_order_id, r.hospital_refund_id, o.out_trade_id, \
         r.refund_fen, 2, o.pay_type, o.merchant_id, o.pay_channel, p.patient_id, p.name, p.cert_type, p.cert_no \
         FROM shaanxi_hospital_refunds r \
         JOIN shaanxi_hospital_orders o ON o.hospital_order_id = r.hospital_order_id \
         JOIN shaanxi_hospital_patients p ON p.patient_id = o.patient_id \
         WHERE r.origin = 'platform' AND r.refund_time >= $1 AND r.refund_time <= $2 \
         ORDER BY 1, 2, 8",
    )
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Err(Failure::with_message("S02000501", "没有查到账单数据"));
    }
    let (mut paid, mut refunded) = (0, 0);
    let mut transaction = Vec::new();
    for row in &rows {
        let fen: i64 = row.try_get("fen")?;
        let refund = row.try_get::<i64, _>("transaction_type")? == 2;
        if refund {
            refunded += fen
        } else {
            paid += fen
        }
        transaction.push(get_statement::ResponseTransaction {
            transaction_time: row.try_get("transaction_time")?,
            order_id: row.try_get("order_id")?,
            refund_id: row.try_get("refund_id")?,
            hospital_order_id: row.try_get("hospital_order_id")?,
            hospital_refund_id: row.try_get("hospital_refund_id")?,
            out_trade_id: row.try_get("out_trade_id")?,
            transaction_fee: (!refund).then(|| amount::decimal(fen)),
            refund_fee: refund.then(|| amount::decimal(fen)),
            pay_type: row.code("pay_type")?,
            transaction_type: if refund { 2 } else { 1 },
            merchant_id: row.try_get("merchant_id")?,
            pay_channel: row.code("pay_channel")?,
            patient_id: row.try_get("patient_id")?,
            patient_name: row.try_get("patient_name")?,
            card_type: None,
            card_no: None,
            certifcate_type: Some(row.code("cert_type")?),
            certifcate_no: row.try_get("cert_no")?,
        });
    }
    Ok(get_statement::Response {
        total_count: transaction.len() as i64,
        total_amount: amount::decimal(paid),
        refund_amount: amount::decimal(refunded),
        transaction,
    })
}

/// The hospital's standing instruction for its stops: call it back (callback 1) and have the platform refund paid
/// orders (isRefund 0, which the document prints as 是: erratum isrefund-inverted).
const STOP_CALLBACK: i32 = 1;
const STOP_PLATFORM_REFUNDS: i32 = 0;

/// QueryStopRegister (2.1.4.1.8): stopped schedules and slices of a department in a date range, paged.
pub async fn stops(
    pool: &AnyPool,
    request: &query_stop_register::Request,
) -> Result<query_stop_register::Response, Failure> {
    let page = numbered_page(request.current_page, request.page_size)?;
    let listed = Listing::new(
        "st.schedule_id, l.time_id, s.department_id, s.doctor_id, s.register_date, s.noon, l.start_time, l.end_time, \
         st.reason",
        "FROM shaanxi_hospital_stops st JOIN shaanxi_hospital_schedules s ON s.schedule_id = st.schedule_id \
         LEFT JOIN shaanxi_hospital_slices l ON l.schedule_id = st.schedule_id AND l.slice_no = st.slice_no \
         WHERE s.department_id = $1 AND ($2 = '' OR s.doctor_id = $2) AND s.register_date >= $3 \
         AND s.register_date <= $4",
        "s.register_date, st.schedule_id, st.slice_no",
    )
    .bind(request.department_id.as_str())
    .bind(request.doctor_id.as_deref().unwrap_or_default())
    .bind(request.start_date.as_str())
    .bind(request.end_date.as_str())
    .fetch(pool, page)
    .await?;
    if listed.total == 0 {
        return Err(Failure::with_message("S05011101", "未查询医生停诊记录"));
    }
    let stop = listed
        .rows
        .iter()
        .map(|row| {
            Ok(query_stop_register::ResponseStop {
                schedule_id: row.try_get("schedule_id")?,
                time_id: row.try_get("time_id")?,
                department_id: row.try_get("department_id")?,
                doctor_id: row.try_get("doctor_id")?,
                date: row.try_get("register_date")?,
                noon: row.code("noon")?,
                start_time: row.try_get("start_time")?,
                end_time: row.try_get("end_time")?,
                reason: row.try_get("reason")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(query_stop_register::Response {
        count: int_of(listed.total)?,
        callback: STOP_CALLBACK,
        is_refund: STOP_PLATFORM_REFUNDS,
        stop,
    })
}
