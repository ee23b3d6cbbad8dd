//! Sample data, written once on first start: two institutions, 1,234 certificate holders (more than two pages of
//! storeAll's 500), and the sample institution's own deductions, some cancelled.

use super::SAMPLE_ORG;
use hisgate_runtime::store::{Store, StoreError};

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞",
];
pub const CERTIFICATES: i64 = 1234;

/// A Chinese name for holder `i`.
pub fn name(i: i64) -> String {
    format!("{}{}", SURNAMES[(i % 20) as usize], GIVEN[((i / 20) % 20) as usize])
}

/// An 18-character resident ID number for holder `i`, with its GB 11643 check character.
pub fn id_number(i: i64) -> String {
    let body = format!("110101{:04}{:02}{:02}{:03}", 1940 + i % 60, 1 + i % 12, 1 + i % 28, i % 1000);
    let check = check_character(&body);
    format!("{body}{check}")
}

/// GB 11643's check character over the first 17 digits.
fn check_character(body: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

pub async fn seed(store: &Store) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    // The first institution doubles as the marker: an instance that finds it seeded leaves the data alone.
    let fresh = sqlx::query("INSERT INTO glorycard_orgs (org_code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(SAMPLE_ORG)
        .bind("示例市第一人民医院")
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !fresh {
        return Ok(());
    }
    sqlx::query("INSERT INTO glorycard_orgs (org_code, name) VALUES ('ORG0002', '示例市中医院')")
        .execute(&mut *tx)
        .await?;
    for i in 1..=CERTIFICATES {
        sqlx::query(
            "INSERT INTO glorycard_certs (data_id, glory_id, cert_type, cert_no, cert_name, glory_type) \
             VALUES ($1, $2, '0', $3, $4, '1')",
        )
        .bind(i)
        .bind(10_000 + i)
        .bind(id_number(i))
        .bind(name(i))
        .execute(&mut *tx)
        .await?;
    }
    for i in 1..=12_i64 {
        let cancelled = i % 4 == 0;
        sqlx::query(
            "INSERT INTO glorycard_deductions (side, deduction_id, org_code, cert_type, cert_no, cert_name, total_fen, \
             deduction_fen, deduction_time, glory_type, deduction_type, status, cancel_time, remarks) \
             VALUES ('hospital', $1, $2, '0', $3, $4, $5, $5, $6, '1', '0', $7, $8, $9)",
        )
        .bind(format!("JM2021040{:02}", i))
        .bind(SAMPLE_ORG)
        .bind(id_number(i))
        .bind(name(i))
        .bind(1000 + 50 * i)
        .bind(format!("2021-04-{:02} 15:52:06", i))
        .bind(if cancelled { "0" } else { "1" })
        .bind(cancelled.then(|| format!("2021-04-{:02} 16:10:00", i)))
        .bind(cancelled.then_some("患者放弃就诊"))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_carry_their_check_character() {
        // GB 11643's own example.
        assert_eq!(check_character("11010519491231002"), 'X');
        assert_eq!(&id_number(1)[..17], "11010119410202001");
        assert_eq!(name(21), "李芳");
    }
}
