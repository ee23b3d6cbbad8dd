//! Accounts as trades see them: found by card or wristband, what their status allows, and balance moves that the
//! database refuses to take below zero.

use hisgate_runtime::store::StoreError;
use sqlx::{AnyConnection, Row};

/// The outpatient account type (01 门诊账户); the other is inpatient (02 住院账户).
pub const OUTPATIENT: &str = "01";

#[derive(Debug, Clone)]
pub struct Account {
    pub account_no: String,
    pub card_type: String,
    pub card_no: String,
    pub account_type: String,
    pub id_type: String,
    pub id_no: String,
    pub user_name: String,
    pub gender: String,
    pub status: String,
    pub balance_fen: i64,
}

const COLUMNS: &str =
    "account_no, card_type, card_no, account_type, id_type, id_no, user_name, gender, status, balance_fen";

impl Account {
    /// Why money may not come in: outpatient accounts take it only while 正常, inpatient ones until 出院
    /// (“出院不能进行充值操作”).
    pub fn refuses_deposit(&self) -> Option<String> {
        let allowed = match self.account_type.as_str() {
            OUTPATIENT => self.status == "01",
            _ => self.status != "03",
        };
        (!allowed).then(|| format!("账户状态为{}，不能充值", self.status_label()))
    }

    /// Why money may not go out: a frozen or closed outpatient account; an inpatient may always be refunded,
    /// discharged ones above all.
    pub fn refuses_withdrawal(&self) -> Option<String> {
        let allowed = self.account_type != OUTPATIENT || matches!(self.status.as_str(), "01" | "02");
        (!allowed).then(|| format!("账户状态为{}，不能退款", self.status_label()))
    }

    /// The status's label in the account type's table of accountStatus.
    pub fn status_label(&self) -> &'static str {
        match (self.account_type.as_str(), self.status.as_str()) {
            (OUTPATIENT, "01") => "正常",
            (OUTPATIENT, "02") => "挂失",
            (OUTPATIENT, "03") => "冻结",
            (OUTPATIENT, _) => "注销",
            (_, "01") => "在院",
            (_, "02") => "出院证明",
            _ => "出院",
        }
    }
}

pub async fn by_card(
    conn: &mut AnyConnection,
    card_type: &str,
    card_no: &str,
    account_type: &str,
) -> Result<Option<Account>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM onepay_accounts WHERE card_type = $1 AND card_no = $2 AND account_type = $3");
    let row = sqlx::query(&sql).bind(card_type).bind(card_no).bind(account_type).fetch_optional(conn).await?;
    row.as_ref().map(account).transpose()
}

pub async fn by_number(conn: &mut AnyConnection, account_no: &str) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM onepay_accounts WHERE account_no = $1");
    let row = sqlx::query(&sql).bind(account_no).fetch_optional(conn).await?;
    row.as_ref().map(account).transpose()
}

pub async fn by_wristband(conn: &mut AnyConnection, key: &str) -> Result<Option<Account>, StoreError> {
    let sql = format!(
        "SELECT {} FROM onepay_accounts a JOIN onepay_wristbands w ON w.account_no = a.account_no \
         WHERE w.wristband_key = $1",
        COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ")
    );
    let row = sqlx::query(&sql).bind(key).fetch_optional(conn).await?;
    row.as_ref().map(account).transpose()
}

/// Adds to a balance; returns the new one.
pub async fn credit(conn: &mut AnyConnection, account_no: &str, fen: i64) -> Result<i64, StoreError> {
    let balance = sqlx::query_scalar(
        "UPDATE onepay_accounts SET balance_fen = balance_fen + $2 WHERE account_no = $1 RETURNING balance_fen",
    )
    .bind(account_no)
    .bind(fen)
    .fetch_one(conn)
    .await?;
    Ok(balance)
}

/// Takes from a balance if it holds enough; returns the new balance, or `None` when it does not.
pub async fn debit(conn: &mut AnyConnection, account_no: &str, fen: i64) -> Result<Option<i64>, StoreError> {
    let balance = sqlx::query_scalar(
        "UPDATE onepay_accounts SET balance_fen = balance_fen - $2 WHERE account_no = $1 AND balance_fen >= $2 \
         RETURNING balance_fen",
    )
    .bind(account_no)
    .bind(fen)
    .fetch_optional(conn)
    .await?;
    Ok(balance)
}

fn account(row: &sqlx::any::AnyRow) -> Result<Account, StoreError> {
    Ok(Account {
        account_no: row.try_get("account_no")?,
        card_type: row.try_get("card_type")?,
        card_no: row.try_get("card_no")?,
        account_type: row.try_get("account_type")?,
        id_type: row.try_get("id_type")?,
        id_no: row.try_get("id_no")?,
        user_name: row.try_get("user_name")?,
        gender: row.try_get("gender")?,
        status: row.try_get("status")?,
        balance_fen: row.try_get("balance_fen")?,
    })
}
