//! Sample data, written once on first start: 200 patients with an outpatient account on their visit card (every
//! 4th also an inpatient account on their admission number), each account's recharge and refund history with the
//! balance it adds up to, a few accounts frozen, lost, closed or discharged, and wristbands for the inpatients in
//! hospital.

use super::wristband::{random_key, url};
use crate::people;
use hisgate_runtime::store::{Store, StoreError, Tx};

pub const PATIENTS: i64 = 200;
/// Where the sample patients' ID numbers are registered (福州市鼓楼区).
const REGION: &str = "350102";
/// depositeType codes the history's recharges cycle through.
const CHANNELS: [&str; 4] = ["CASH", "WX_QR", "ALI_QR", "POS"];

/// The visit card (03 就诊卡) of sample patient `i`, which carries their outpatient account.
pub fn visit_card(i: i64) -> String {
    format!("JZK{:07}", 1_000_000 + i)
}

/// The admission number (05 住院病案号) of sample patient `i` (every 4th), which carries their inpatient account.
pub fn inpatient_card(i: i64) -> String {
    format!("ZY{:08}", 20_240_000 + i)
}

/// Outpatient status: 04 注销 (every 97th), 03 冻结 (every 25th), 02 挂失, else 01 正常.
fn outpatient_status(i: i64) -> &'static str {
    match i {
        _ if i % 97 == 0 => "04",
        _ if i % 25 == 0 => "03",
        _ if i % 40 == 7 => "02",
        _ => "01",
    }
}

/// Inpatient status: 03 出院 (every 12th), 02 出院证明 (every 8th), else 01 在院.
fn inpatient_status(i: i64) -> &'static str {
    match i {
        _ if i % 12 == 0 => "03",
        _ if i % 8 == 0 => "02",
        _ => "01",
    }
}

pub async fn seed(store: &Store) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    let mut sequence = 0;
    for i in 1..=PATIENTS {
        let account = format!("OP{i:08}");
        let status = outpatient_status(i);
        // The first account doubles as the marker: an instance that finds it seeded leaves the data alone.
        if !insert_account(&mut tx, i, &account, ("03", &visit_card(i), "01"), status).await? {
            return Ok(());
        }
        // A closed account was emptied before it closed: its one recharge was refunded in full.
        let recharges: Vec<i64> = match status {
            "04" => vec![20_000],
            _ => (0..1 + i % 4).map(|k| 5_000 + (i * 37 + k * 1_013) % 45_000).collect(),
        };
        let refund = match status {
            "04" => Some(20_000),
            _ if i % 5 == 0 => Some(recharges[0] / 2),
            _ => None,
        };
        history(&mut tx, &mut sequence, (i, &account), &recharges, refund).await?;
        if i % 4 == 0 {
            let account = format!("IP{i:08}");
            let status = inpatient_status(i);
            insert_account(&mut tx, i, &account, ("05", &inpatient_card(i), "02"), status).await?;
            let deposits: Vec<i64> = (0..2 + i % 2).map(|k| 100_000 + (i * 53 + k * 2_017) % 400_000).collect();
            history(&mut tx, &mut sequence, (i, &account), &deposits, None).await?;
            if status == "01" {
                let key = random_key();
                sqlx::query(
                    "INSERT INTO onepay_wristbands (wristband_key, account_no, url, operator_id, operator_name, \
                     issued_at) VALUES ($1, $2, $3, 'N001', '护士站', '20240301080000')",
                )
                .bind(&key)
                .bind(&account)
                .bind(url(&key))
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    sqlx::query("UPDATE onepay_counters SET value = $1 WHERE name = 'trade'").bind(sequence).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts one account with a zero balance (its history adds to it); `false` when it was there already.
async fn insert_account(
    tx: &mut Tx,
    i: i64,
    account_no: &str,
    (card_type, card_no, account_type): (&str, &str, &str),
    status: &str,
) -> Result<bool, StoreError> {
    let id_no = people::id_number(REGION, i);
    let inserted = sqlx::query(
        "INSERT INTO onepay_accounts (account_no, card_type, card_no, account_type, id_type, id_no, user_name, gender, \
         status, balance_fen) VALUES ($1, $2, $3, $4, '01', $5, $6, $7, $8, 0) ON CONFLICT DO NOTHING",
    )
    .bind(account_no)
    .bind(card_type)
    .bind(card_no)
    .bind(account_type)
    .bind(&id_no)
    .bind(people::name(i))
    .bind(people::sex(&id_no))
    .bind(status)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Recharges at the counter in 2024, a refund of part of the first, and the balance they leave.
async fn history(
    tx: &mut Tx,
    sequence: &mut i64,
    (i, account_no): (i64, &str),
    recharges: &[i64],
    refund: Option<i64>,
) -> Result<(), StoreError> {
    let mut first = None;
    for (k, fen) in (0_i64..).zip(recharges) {
        let time =
            format!("2024{:02}{:02}{:02}{:02}00", 1 + (i + k) % 12, 1 + (i * 3 + k) % 28, 8 + k % 9, (i * 7) % 60);
        *sequence += 1;
        let trade_no = format!("{time}{sequence:06}");
        sqlx::query(
            "INSERT INTO onepay_trades (trade_no, out_trade_no, trade_type, account_no, channel, amount_fen, state, \
             result_desc, operator_id, created_at, finished_at) \
             VALUES ($1, $2, 'hop.trade.recharge', $3, $4, $5, 'succ', '充值成功', 'C001', $6, $6)",
        )
        .bind(&trade_no)
        .bind(format!("HIS{trade_no}"))
        .bind(account_no)
        .bind(CHANNELS[((i + k) % 4) as usize])
        .bind(fen)
        .bind(&time)
        .execute(&mut **tx)
        .await?;
        first.get_or_insert((trade_no, time));
    }
    let mut balance: i64 = recharges.iter().sum();
    if let (Some(fen), Some((original, time))) = (refund, first) {
        *sequence += 1;
        let time = format!("{}235900", &time[..8]);
        let trade_no = format!("{time}{sequence:06}");
        sqlx::query(
            "INSERT INTO onepay_trades (trade_no, out_trade_no, trade_type, account_no, channel, amount_fen, \
             original_trade_no, state, result_desc, operator_id, created_at, finished_at) \
             VALUES ($1, $2, 'hop.trade.refund', $3, '0', $4, $5, 'succ', '退款成功', 'C001', $6, $6)",
        )
        .bind(&trade_no)
        .bind(format!("HIS{trade_no}"))
        .bind(account_no)
        .bind(fen)
        .bind(&original)
        .bind(&time)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE onepay_trades SET refunded_fen = $2 WHERE trade_no = $1")
            .bind(&original)
            .bind(fen)
            .execute(&mut **tx)
            .await?;
        balance -= fen;
    }
    sqlx::query("UPDATE onepay_accounts SET balance_fen = $2 WHERE account_no = $1")
        .bind(account_no)
        .bind(balance)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
