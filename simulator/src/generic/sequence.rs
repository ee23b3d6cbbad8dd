//! `{seq}`: 1, 2, 3, … per interface, kept in the store, so numbers built from it (`GH{now|%Y%m%d}{seq|6}`) do not
//! repeat after a restart, nor between instances on one PostgreSQL database.

use hisgate_runtime::store::{Migration, StoreError};

pub(crate) const MIGRATIONS: &[Migration] = &[Migration { version: 1, name: "answer sequences", sql: SEQUENCES }];

const SEQUENCES: &str = "CREATE TABLE IF NOT EXISTS hisgate_generic_sequences (
    platform TEXT NOT NULL,
    side TEXT NOT NULL,
    interface TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (platform, side, interface)
);";

/// The interface's next number: one statement, so concurrent answers never share one. On `executor`: the store's
/// pool, or the transaction of the request's exactly-once claim (SQLite lets one writer at a time, and that claim is
/// it), so the number is taken with the answer it goes into, or not at all.
pub(super) async fn next<'c, E>(executor: E, platform: &str, side: &str, interface: &str) -> Result<i64, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let value: i64 = sqlx::query_scalar(
        "INSERT INTO hisgate_generic_sequences (platform, side, interface, value) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (platform, side, interface) DO UPDATE SET value = hisgate_generic_sequences.value + 1 \
         RETURNING value",
    )
    .bind(platform)
    .bind(side)
    .bind(interface)
    .fetch_one(executor)
    .await?;
    Ok(value)
}
