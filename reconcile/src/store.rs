//! Runs kept in the store (SQLite by default, PostgreSQL for several): a day's mismatches by id, re-runnable (a
//! re-run replaces the day), pending rows held for the next day's run, and `resolve` with a note.

use crate::matcher::{Class, Mismatch};
use crate::read::{Rec, Side};
use hisgate_runtime::store::{Migration, Store, StoreError};
use sqlx::Row;

const MIGRATIONS: &[Migration] =
    &[Migration { version: 1, name: "reconciliation items", sql: include_str!("sql/0001_reconcile.sql") }];

pub async fn open(url: &str) -> Result<Store, StoreError> {
    let store = Store::open(url).await?;
    store.migrate("hisgate.reconcile", MIGRATIONS).await?;
    Ok(store)
}

/// The rows the previous day's run held (pending), to feed into this day's sides. A re-run takes them again.
pub async fn held_before(store: &Store, platform: &str, day: &str) -> Result<Vec<(Side, Rec)>, StoreError> {
    let previous = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.pred_opt())
        .map(|d| d.to_string())
        .unwrap_or_default();
    let rows = sqlx::query(
        "SELECT side, held FROM reconcile_items WHERE platform = $1 AND day = $2 AND status IN ('held', 'released') \
         AND held IS NOT NULL ORDER BY id",
    )
    .bind(platform)
    .bind(&previous)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let side: String = row.try_get("side")?;
        let held: String = row.try_get("held")?;
        let rec = crate::matcher::decode(&held).ok_or_else(|| StoreError::Corrupt(format!("held row `{held}`")))?;
        out.push((if side == "his" { Side::His } else { Side::Platform }, rec));
    }
    sqlx::query("UPDATE reconcile_items SET status = 'released' WHERE platform = $1 AND day = $2 AND status = 'held'")
        .bind(platform)
        .bind(&previous)
        .execute(store.pool())
        .await?;
    Ok(out)
}

/// Replaces the day's items with this run's mismatches; resolved notes of an identical mismatch are kept.
pub async fn save(store: &Store, platform: &str, day: &str, mismatches: &[Mismatch]) -> Result<u64, StoreError> {
    let mut tx = store.begin().await?;
    let notes = sqlx::query(
        "SELECT class, key, kind, note FROM reconcile_items WHERE platform = $1 AND day = $2 AND status = 'resolved'",
    )
    .bind(platform)
    .bind(day)
    .fetch_all(&mut *tx)
    .await?;
    let mut resolved = std::collections::HashMap::new();
    for row in notes {
        let id: (String, String, String) = (row.try_get("class")?, row.try_get("key")?, row.try_get("kind")?);
        resolved.insert(id, row.try_get::<Option<String>, _>("note")?);
    }
    sqlx::query("DELETE FROM reconcile_items WHERE platform = $1 AND day = $2")
        .bind(platform)
        .bind(day)
        .execute(&mut *tx)
        .await?;
    let mut open = 0;
    for m in mismatches {
        let (side, held) = match (&m.platform, &m.his) {
            (Some(r), None) if m.class == Class::Pending => (Some("platform"), Some(crate::matcher::encode(r))),
            (None, Some(r)) if m.class == Class::Pending => (Some("his"), Some(crate::matcher::encode(r))),
            _ => (None, None),
        };
        let id = (m.class.as_str().to_owned(), m.key.clone(), m.kind.as_str().to_owned());
        let (status, note) = match resolved.remove(&id) {
            Some(note) => ("resolved", note),
            None if held.is_some() => ("held", None),
            None => {
                open += 1;
                ("open", None)
            }
        };
        sqlx::query(
            "INSERT INTO reconcile_items (platform, day, class, key, kind, at_stake, csv, side, held, status, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(platform)
        .bind(day)
        .bind(m.class.as_str())
        .bind(&m.key)
        .bind(m.kind.as_str())
        .bind(m.at_stake().to_string())
        .bind(crate::report::csv_line(m))
        .bind(side)
        .bind(held)
        .bind(status)
        .bind(note)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(open)
}

/// Marks a mismatch resolved with a note; false when there is no such open item.
pub async fn resolve(store: &Store, id: i64, note: &str) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE reconcile_items SET status = 'resolved', note = $2 WHERE id = $1 AND status <> 'resolved'")
            .bind(id)
            .bind(note)
            .execute(store.pool())
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The day's items: (id, class, key, status).
pub async fn items(store: &Store, platform: &str, day: &str) -> Result<Vec<(i64, String, String, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT id, class, key, status FROM reconcile_items WHERE platform = $1 AND day = $2 ORDER BY id")
            .bind(platform)
            .bind(day)
            .fetch_all(store.pool())
            .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("class")?, r.try_get("key")?, r.try_get("status")?))).collect()
}

#[cfg(test)]
mod tests {
    /// The checksums databases migrated by earlier versions recorded, when each dialect had a file of its own.
    #[test]
    fn migration_checksums_stay_what_earlier_versions_recorded() {
        assert_eq!(
            hisgate_runtime::store::checksums(super::MIGRATIONS),
            ["1 3c002834df40f5da668851113f83fe641d7d33007ca20dd8a8f7ad8f1c260156 \
              5cf5d53f80746e95b7fd9dc8cd19a6e5fe115c294a297a656c9be43bd49b8ab1"]
        );
    }
}
