//! Card uses (获取用卡轨迹), newest first, the rows `startRow` to `endRow` of those the request's conditions select
//! (an absent condition selects everything, as the view form's filters do); and a visit's fees (获取费用清单).

use super::REFUSED;
use crate::database::paging::{PageFields, rows};
use crate::money::to_yuan;
use hisgate_generated::yizhangtong::interfaces::{get_card_track, get_fee_list};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Columns, StoreError};
use sqlx::{AnyConnection, Row};

pub async fn card_uses(
    conn: &mut AnyConnection,
    request: &get_card_track::Request,
) -> Result<get_card_track::Response, Failure> {
    let names = PageFields { first: "startRow", last: "endRow" };
    let page = rows(request.start_row.as_deref(), request.end_row.as_deref(), names, REFUSED)?;
    // YYYYMMDD bounds as the stored times' text: the whole first and last day.
    let day = |d: &str, time: &str| format!("{}-{}-{} {time}", &d[..4], &d[4..6], &d[6..8]);
    let from = request.start_time.as_deref().map(|d| day(d, "00:00:00"));
    let to = request.end_time.as_deref().map(|d| day(d, "23:59:59"));
    let found = sqlx::query(
        "SELECT u.hospital_id, u.hospital_name, u.depart_id, u.depart_name, u.doctor_id, u.doctor_name, c.card_no, \
         c.card_type, u.use_type, u.use_channel, u.amount_fen, u.record_time, u.reg_no, u.report_url \
         FROM yizhangtong_card_uses u \
         JOIN yizhangtong_cards c ON c.card_no = u.card_no \
         JOIN yizhangtong_patients p ON p.his_cust_id = c.his_cust_id \
         WHERE ($1 IS NULL OR p.id_no = $1) AND ($2 IS NULL OR p.id_type = $2) AND ($3 IS NULL OR u.use_type = $3) \
         AND ($4 IS NULL OR u.record_time >= $4) AND ($5 IS NULL OR u.record_time <= $5) \
         ORDER BY u.record_time DESC, u.use_id DESC LIMIT $6 OFFSET $7",
    )
    .bind(&request.id_card_no)
    .bind(request.id_type.as_ref().map(|t| t.code()))
    .bind(request.use_type.as_ref().map(|t| t.code()))
    .bind(from)
    .bind(to)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let out_curdata = found.iter().map(card_use).collect::<Result<_, _>>()?;
    Ok(get_card_track::Response { out_curdata })
}

fn card_use(row: &sqlx::any::AnyRow) -> Result<get_card_track::ResponseOutCurdata, StoreError> {
    Ok(get_card_track::ResponseOutCurdata {
        hospital_id: row.try_get("hospital_id")?,
        hospital_name: row.try_get("hospital_name")?,
        depart_id: row.try_get("depart_id")?,
        depart_name: row.try_get("depart_name")?,
        doctor_id: row.try_get("doctor_id")?,
        doctor_name: row.try_get("doctor_name")?,
        card_no: row.try_get("card_no")?,
        card_type: row.code("card_type")?,
        use_type: row.code("use_type")?,
        use_channel: row.code("use_channel")?,
        amount: to_yuan(row.try_get("amount_fen")?).to_string(),
        record_time: row.try_get("record_time")?,
        reg_no: row.try_get("reg_no")?,
        report_url: row.try_get("report_url")?,
    })
}

pub async fn fees(
    conn: &mut AnyConnection,
    request: &get_fee_list::Request,
) -> Result<get_fee_list::Response, Failure> {
    let row = sqlx::query(
        "SELECT total_fen, insurance_fen, insurance_plan_fen, self_fen, trans_time, pdf_url FROM yizhangtong_fees \
         WHERE reg_no = $1",
    )
    .bind(&request.reg_no)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Err(Failure::with_message(REFUSED, "就诊流水号不存在或尚未结算")) };
    let yuan = |column: &str| -> Result<String, StoreError> { Ok(to_yuan(row.try_get(column)?).to_string()) };
    Ok(get_fee_list::Response {
        total_price: yuan("total_fen")?,
        insurance_amount: yuan("insurance_fen")?,
        insurance_plan_amount: yuan("insurance_plan_fen")?,
        self_amount: yuan("self_fen")?,
        trans_time: row.try_get("trans_time")?,
        pdf_url: row.try_get("pdf_url")?,
    })
}
