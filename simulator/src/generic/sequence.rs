//! `{seq}`: 1, 2, 3, … per interface, kept in the store, so numbers built from it (`GH{now|%Y%m%d}{seq|6}`) do not
//! repeat after a restart, nor between instances on one PostgreSQL database.

use hisgate_runtime::store::{Migration, Store, StoreError};

pub(super) const MIGRATIONS: &[Migration] =
    &[Migration { version: 1, name: "answer sequences", sqlite: SEQUENCES, postgres: SEQUENCES }];

const SEQUENCES: &str = "CREATE TABLE IF NOT EXISTS hisgate_generic_sequences (
    platform TEXT NOT NULL,
    side TEXT NOT NULL,
    interface TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (platform, side, interface)
);";

/// The interface's next number: one statement, so concurrent answers never share one.
pub(super) async fn next(store: &Store, platform: &str, side: &str, interface: &str) -> Result<i64, StoreError> {
    let value: i64 = sqlx::query_scalar(
        "INSERT INTO hisgate_generic_sequences (platform, side, interface, value) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (platform, side, interface) DO UPDATE SET value = hisgate_generic_sequences.value + 1 \
         RETURNING value",
    )
    .bind(platform)
    .bind(side)
    .bind(interface)
    .fetch_one(store.pool())
    .await?;
    Ok(value)
}
