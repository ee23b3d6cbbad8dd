//! Sample data, written once on first start: 60 patients, each with a visit card and, by turns, a social insurance
//! card, a temporary card, a health card and an inpatient number, all with deposit balances (some lost or frozen);
//! a history of card uses over their visits, and each settled visit's fees.

use crate::people;
use hisgate_runtime::store::{Store, StoreError, Tx};

pub const PATIENTS: i64 = 60;
/// Where the sample patients' ID numbers are registered (杭州市西湖区).
const REGION: &str = "330106";
const HOSPITALS: [(&str, &str); 2] =
    [("H3301060001", "示例市第一人民医院"), ("H3301060002", "示例市第一人民医院西院区")];
const DEPARTMENTS: [(&str, &str); 6] =
    [("0101", "内科"), ("0102", "外科"), ("0103", "儿科"), ("0104", "妇产科"), ("0105", "眼科"), ("0106", "口腔科")];
/// Card uses of a visit cycle through registration, settlement, recharge, refund, verification and query.
const USE_TYPES: [&str; 7] = ["03", "04", "01", "04", "02", "05", "06"];

/// Sample patient `i`'s ID number (01 身份证) and name.
pub fn patient(i: i64) -> (String, String) {
    (people::id_number(REGION, i), people::name(i))
}

/// Sample patient `i`'s HIS id (院内唯一用户ID).
pub fn his_id(i: i64) -> String {
    format!("H{:08}", 10_000_000 + i)
}

/// Sample patient `i`'s visit card (03 就诊卡), which every patient has.
pub fn visit_card(i: i64) -> String {
    format!("JZ{:08}", 20_190_000 + i)
}

/// The cards of sample patient `i`: (card type, number, account type, status, authlevel, balance in fen).
fn cards(i: i64) -> Vec<(&'static str, String, &'static str, &'static str, &'static str, i64)> {
    let strong = if i % 2 == 0 { "1" } else { "2" };
    let mut cards = vec![("03", visit_card(i), "01", "1", strong, 100 + i * 1_931 % 80_000)];
    if i % 2 == 0 {
        cards.push(("01", format!("SB{:09}", 330_100_000 + i), "01", "1", "1", i * 733 % 30_000));
    }
    if i % 3 == 0 {
        let status = if i % 9 == 0 { "2" } else { "1" };
        cards.push(("06", format!("LS{:08}", 20_190_000 + i), "01", status, "2", 500 + i * 977 % 20_000));
    }
    if i % 5 == 0 {
        let status = if i % 10 == 0 { "3" } else { "1" };
        cards.push(("02", format!("JK{:08}", 20_190_000 + i), "01", status, "2", i * 311 % 10_000));
    }
    if i % 7 == 0 {
        cards.push(("05", format!("ZY{:08}", 20_190_000 + i), "02", "1", strong, 50_000 + i * 1_499 % 200_000));
    }
    cards
}

pub async fn seed(store: &Store) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    let mut use_id = 0;
    for i in 1..=PATIENTS {
        let (id_no, name) = patient(i);
        // The first patient doubles as the marker: an instance that finds it seeded leaves the data alone.
        let inserted = sqlx::query(
            "INSERT INTO yizhangtong_patients (his_cust_id, id_type, id_no, user_name, user_sex, phone) \
             VALUES ($1, '01', $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(his_id(i))
        .bind(&id_no)
        .bind(&name)
        .bind(people::sex(&id_no))
        .bind(people::phone(i))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(());
        }
        let insured = if i % 2 == 0 { "01" } else { "00" };
        let cards = cards(i);
        for (card_type, card_no, account_type, status, authlevel, balance) in &cards {
            sqlx::query(
                "INSERT INTO yizhangtong_cards (card_no, card_type, his_cust_id, patient_type, account_type, status, \
                 authlevel, balance_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(card_no)
            .bind(card_type)
            .bind(his_id(i))
            .bind(insured)
            .bind(account_type)
            .bind(status)
            .bind(authlevel)
            .bind(balance)
            .execute(&mut *tx)
            .await?;
        }
        let numbers: Vec<&str> = cards.iter().map(|c| c.1.as_str()).collect();
        visits(&mut tx, &mut use_id, i, &numbers, insured == "01").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Card uses in pairs of a visit, newest in June 2025 and three days apart going back, and each settled visit's
/// fees.
async fn visits(tx: &mut Tx, use_id: &mut i64, i: i64, cards: &[&str], insured: bool) -> Result<(), StoreError> {
    for k in 0..12 + (i * 7) % 25 {
        *use_id += 1;
        let use_type = USE_TYPES[(k % 7) as usize];
        let (hospital_id, hospital_name) = HOSPITALS[((i + k / 2) % 2) as usize];
        let (depart_id, depart_name) = DEPARTMENTS[((i + k / 2) % 6) as usize];
        let doctor = 1 + (i * 3 + k / 2) % 40;
        let day = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default() - chrono::Days::new((k * 3) as u64);
        let time = format!("{} {:02}:{:02}:00", day.format("%Y-%m-%d"), 8 + (k + i) % 9, (k * 11 + i) % 60);
        let amount = match use_type {
            "03" => 1_000 + (i * 13 + k) % 4 * 500,
            "04" | "01" => 2_000 + (i * 173 + k * 97) % 60_000,
            "02" => 500 + (i + k) % 20 * 100,
            _ => 0,
        };
        let reg_no = format!("MZ{i:04}{:04}", k / 2);
        let report = (use_type == "04").then(|| format!("http://127.0.0.1:8080/his/report/{reg_no}.pdf"));
        sqlx::query(
            "INSERT INTO yizhangtong_card_uses (use_id, card_no, hospital_id, hospital_name, depart_id, depart_name, \
             doctor_id, doctor_name, use_type, use_channel, amount_fen, record_time, reg_no, report_url) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(*use_id)
        .bind(cards[(k as usize) % cards.len()])
        .bind(hospital_id)
        .bind(hospital_name)
        .bind(depart_id)
        .bind(depart_name)
        .bind(format!("D{doctor:04}"))
        .bind(people::name(1_000 + doctor))
        .bind(use_type)
        .bind(format!("{:02}", 1 + (i + k) % 7))
        .bind(amount)
        .bind(&time)
        .bind(&reg_no)
        .bind(report)
        .execute(&mut **tx)
        .await?;
        if use_type == "04" {
            let insurance = if insured { amount * 6 / 10 } else { 0 };
            sqlx::query(
                "INSERT INTO yizhangtong_fees (reg_no, total_fen, insurance_fen, insurance_plan_fen, self_fen, \
                 trans_time, pdf_url) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(&reg_no)
            .bind(amount)
            .bind(insurance)
            .bind(insurance * 8 / 10)
            .bind(amount - insurance)
            .bind(&time)
            .bind(format!("http://127.0.0.1:8080/his/fee/{reg_no}.pdf"))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
