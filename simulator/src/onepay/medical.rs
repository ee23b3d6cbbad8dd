//! mmp.upload.medical.detail: a bill's medical details (prescription lines in `mxlist`, diagnoses in `zdlist`, both
//! JSON in a string), kept once per hospital bill number `yydjh0`. The document shows no response; the simulator
//! answers with the upload's number and how many lines it holds.

use super::{REFUSED, number, stamp};
use hisgate_generated::onepay::interfaces::mmp_upload_medical_detail::Request;
use hisgate_runtime::Message;
use hisgate_runtime::server::Failure;
use hisgate_runtime::store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::AnyConnection;

/// The answer, the response `param`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    pub yydjh0: String,
    pub upload_no: String,
    pub item_count: i64,
    pub result: String,
}

pub async fn upload(conn: &mut AnyConnection, request: &Request) -> Result<Uploaded, Failure> {
    let Some(bill_no) = request.yydjh0.clone().filter(|b| !b.is_empty()) else {
        return Err(Failure::with_message(REFUSED, "yydjh0（医院单据号）不能为空"));
    };
    let items = match lines(request.mxlist.as_deref(), "mxlist") {
        Ok(Some(items)) if !items.is_empty() => items,
        Ok(_) => return Err(Failure::with_message(REFUSED, "mxlist（费用明细）不能为空")),
        Err(refused) => return Err(refused),
    };
    lines(request.zdlist.as_deref(), "zdlist")?;
    let detail = request.to_json().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let now = stamp();
    let upload_no = format!("MD{}", number(conn, "upload", &now).await?);
    sqlx::query(
        "INSERT INTO onepay_medical_details (bill_no, upload_no, card_no, item_count, detail, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&bill_no)
    .bind(&upload_no)
    .bind(&request.cardno)
    .bind(items.len() as i64)
    .bind(detail)
    .bind(&now)
    .execute(conn)
    .await?;
    Ok(Uploaded { yydjh0: bill_no, upload_no, item_count: items.len() as i64, result: "succ".into() })
}

/// A JSON-in-a-string list: its objects, `None` when absent, a refusal when it is not a JSON array of objects.
fn lines(text: Option<&str>, name: &str) -> Result<Option<Vec<Value>>, Failure> {
    let Some(text) = text else { return Ok(None) };
    match serde_json::from_str::<Vec<Value>>(text) {
        Ok(lines) if lines.iter().all(Value::is_object) => Ok(Some(lines)),
        _ => Err(Failure::with_message(REFUSED, format!("{name} 须为 JSON 数组文本，每项一个对象"))),
    }
}
