//! Wristbands (腕带): the HIS asks for one per account (portal.wb.getWristbandCode) and gets the same one however
//! often it asks; the key printed on it reads the account (portal.wb.queryAccount).

use super::accounts::{self, OUTPATIENT};
use super::{REFUSED, stamp};
use crate::money::to_yuan;
use hisgate_generated::onepay::interfaces::{portal_wb_get_wristband_code as issue, portal_wb_query_account as query};
use hisgate_runtime::Dictionary;
use hisgate_runtime::server::Failure;
use sqlx::{AnyConnection, Row};

/// Where a wristband's QR code points: under the document's example address of the platform.
pub fn url(key: &str) -> String {
    format!("http://127.0.0.1:8080/onepay-web/portal/wb/{key}")
}

pub async fn query_account(conn: &mut AnyConnection, request: &query::Request) -> Result<query::Response, Failure> {
    let Some(key) = request.key.as_deref().filter(|k| !k.is_empty()) else {
        return Err(Failure::with_message(REFUSED, "腕带码编号 key 不能为空"));
    };
    match accounts::by_wristband(conn, key).await? {
        Some(account) => Ok(query::Response {
            balance: Some(to_yuan(account.balance_fen).to_string()),
            id_no: Some(account.id_no),
            user_name: account.user_name,
        }),
        None => Err(Failure::with_message(REFUSED, "腕带码不存在")),
    }
}

pub async fn issue(conn: &mut AnyConnection, request: &issue::Request) -> Result<issue::Response, Failure> {
    let (Some(card_type), Some(card_no), Some(account_type)) =
        (&request.card_type, request.card_no.as_deref(), &request.account_type)
    else {
        return Err(Failure::with_message(REFUSED, "cardType、cardNo 与 accountType 不能为空"));
    };
    let Some(account) = accounts::by_card(conn, card_type.code(), card_no, account_type.code()).await? else {
        return Err(Failure::with_message(REFUSED, "该卡没有此类账户"));
    };
    let other_holder = request.id_no.as_ref().is_some_and(|id| *id != account.id_no)
        || request.id_type.as_ref().is_some_and(|t| t.code() != account.id_type);
    if other_holder {
        return Err(Failure::with_message(REFUSED, "证件与账户持有人不符"));
    }
    let closed = if account.account_type == OUTPATIENT { "04" } else { "03" };
    if account.status == closed {
        return Err(Failure::with_message(REFUSED, format!("账户状态为{}，不能发放腕带", account.status_label())));
    }
    // One wristband per account: the unique account number makes a concurrent or repeated request find the first.
    let key = random_key();
    sqlx::query(
        "INSERT INTO onepay_wristbands (wristband_key, account_no, url, operator_id, operator_name, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&key)
    .bind(&account.account_no)
    .bind(url(&key))
    .bind(&request.operator_id)
    .bind(&request.operator_name)
    .bind(stamp())
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("SELECT wristband_key, url FROM onepay_wristbands WHERE account_no = $1")
        .bind(&account.account_no)
        .fetch_one(conn)
        .await?;
    Ok(issue::Response { key: Some(row.try_get("wristband_key")?), url: Some(row.try_get("url")?) })
}

/// 128 bits no caller can guess: the key alone reads the account's balance.
pub fn random_key() -> String {
    use std::hash::{BuildHasher, RandomState};
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let [high, low] = [0_u8, 1].map(|half| RandomState::new().hash_one((nanos, half)));
    format!("WB{high:016X}{low:016X}")
}
