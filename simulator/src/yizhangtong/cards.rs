//! A patient's cards: the list the platform shows (op_query_card_list, after the name check the change log added)
//! and strong real-name certification of one card (op_certification_level).

use super::REFUSED;
use crate::money::to_yuan;
use hisgate_generated::yizhangtong::interfaces::{op_certification_level, op_query_card_list};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::{Columns, StoreError};
use sqlx::{AnyConnection, Row};

/// The HIS id of the patient an identity document belongs to, if the name given is theirs.
pub async fn patient(conn: &mut AnyConnection, id_type: &str, id_no: &str, user_name: &str) -> Result<String, Failure> {
    let row = sqlx::query("SELECT his_cust_id, user_name FROM yizhangtong_patients WHERE id_type = $1 AND id_no = $2")
        .bind(id_type)
        .bind(id_no)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else { return Err(Failure::with_message(REFUSED, "该证件号在本院没有建档")) };
    if row.try_get::<String, _>("user_name")? != user_name {
        return Err(Failure::with_message(REFUSED, "姓名与证件号不符"));
    }
    Ok(row.try_get("his_cust_id")?)
}

pub async fn list(
    conn: &mut AnyConnection,
    request: &op_query_card_list::Request,
) -> Result<op_query_card_list::Response, Failure> {
    let his_id = patient(conn, request.id_type.code(), &request.id_no, &request.user_name).await?;
    let rows = sqlx::query(
        "SELECT c.card_type, c.card_no, c.patient_type, c.his_cust_id, c.balance_fen, p.id_type, c.status, p.id_no, \
         p.user_name, p.user_sex, c.account_type, p.phone, c.authlevel \
         FROM yizhangtong_cards c JOIN yizhangtong_patients p ON p.his_cust_id = c.his_cust_id \
         WHERE c.his_cust_id = $1 ORDER BY c.card_no",
    )
    .bind(&his_id)
    .fetch_all(conn)
    .await?;
    let out_curdata = rows.iter().map(card).collect::<Result<_, _>>()?;
    Ok(op_query_card_list::Response { out_curdata })
}

fn card(row: &sqlx::any::AnyRow) -> Result<op_query_card_list::ResponseOutCurdata, StoreError> {
    Ok(op_query_card_list::ResponseOutCurdata {
        card_type: row.code("card_type")?,
        card_no: row.try_get("card_no")?,
        patient_type: row.code("patient_type")?,
        his_cust_id: row.try_get("his_cust_id")?,
        balance: to_yuan(row.try_get("balance_fen")?).to_string(),
        id_type: Some(row.code("id_type")?),
        status: row.code("status")?,
        id_no: Some(row.try_get("id_no")?),
        user_name: Some(row.try_get("user_name")?),
        user_sex: Some(row.code("user_sex")?),
        account_type: Some(row.code("account_type")?),
        phone: row.try_get("phone")?,
        authlevel: row.try_get("authlevel")?,
        extra: None,
    })
}

/// Certifies the card's holder as its owner: the card becomes strongly real-named (authlevel 1). Certifying twice
/// changes nothing, so repeats need no claim.
pub async fn certify(
    conn: &mut AnyConnection,
    request: &op_certification_level::Request,
) -> Result<op_certification_level::Response, Failure> {
    let updated = sqlx::query("UPDATE yizhangtong_cards SET authlevel = '1' WHERE card_no = $1 AND status <> '4'")
        .bind(&request.card_no)
        .execute(conn)
        .await?
        .rows_affected();
    match updated {
        1 => Ok(op_certification_level::Response { extra: None }),
        _ => Err(Failure::with_message(REFUSED, "卡号不存在或已注销")),
    }
}
