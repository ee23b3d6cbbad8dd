//! The simulated payer: it pays every charge left `ing` a while after its QR code or credential was issued. A
//! charge into an account that can no longer take money fails (`fail`) and takes nothing. Each charge is settled
//! by a conditional update from `ing`, so two payers (two instances) never settle one twice, and a charge the
//! merchant closed first stays closed.

use super::{accounts, stamp};
use hisgate_runtime::store::{Store, StoreError, now_millis};
use sqlx::Row;
use std::time::Duration;

/// How often the payer looks for charges to pay.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, Clone)]
pub struct Payer {
    store: Store,
    delay: Duration,
}

impl Payer {
    /// A payer that pays each charge `delay` after it was issued.
    pub fn new(store: Store, delay: Duration) -> Payer {
        Payer { store, delay }
    }

    /// Pays due charges for ever; run it beside the server.
    pub async fn run(self) {
        loop {
            match self.pay_due().await {
                Ok(0) => tokio::time::sleep(POLL).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "onepay payer");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    /// Pays every charge whose time has come; returns how many this payer settled.
    pub async fn pay_due(&self) -> Result<usize, StoreError> {
        let issued_before = now_millis() - self.delay.as_millis() as i64;
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT trade_no FROM onepay_trades WHERE state = 'ing' AND issued_ms <= $1 ORDER BY issued_ms LIMIT 64",
        )
        .bind(issued_before)
        .fetch_all(self.store.pool())
        .await?;
        let mut settled = 0;
        for charge_no in due {
            settled += usize::from(self.pay(&charge_no).await?);
        }
        Ok(settled)
    }

    /// Settles one charge; `false` when another payer or a cancellation got there first.
    async fn pay(&self, charge_no: &str) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let row = sqlx::query("SELECT account_no, amount_fen FROM onepay_trades WHERE trade_no = $1 AND state = 'ing'")
            .bind(charge_no)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let (account_no, fen): (Option<String>, i64) = (row.try_get("account_no")?, row.try_get("amount_fen")?);
        let account = match &account_no {
            Some(no) => accounts::by_number(&mut tx, no).await?,
            None => None,
        };
        let refused = account.as_ref().and_then(|a| a.refuses_deposit());
        let (state, description) = match &refused {
            Some(why) => ("fail", why.as_str()),
            None => ("succ", "支付成功"),
        };
        let updated = sqlx::query(
            "UPDATE onepay_trades SET state = $2, result_desc = $3, finished_at = $4 WHERE trade_no = $1 AND state = 'ing'",
        )
        .bind(charge_no)
        .bind(state)
        .bind(description)
        .bind(stamp())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        if let (Some(account), None) = (&account, &refused) {
            accounts::credit(&mut tx, &account.account_no, fen).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
