//! Migrations by component. Several components share one database (the store itself, each platform's simulator),
//! each with its own numbered steps, written once for both dialects; a step runs once, and a step changed after it
//! ran is an error rather than a silent drift. (sqlx's migrator keeps one linear history per database, which these
//! are not.)

use super::{Backend, Store, StoreError};
use sha2::{Digest, Sha256};
use sqlx::Executor;
use std::borrow::Cow;

/// One step of a component's schema. Its SQL is written once; where SQLite and PostgreSQL differ it holds one of
/// the [`DIALECT`] placeholders, which [`Migration::sql`] renders per backend.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every difference between the dialects the migrations need, each as narrow as a column type: the placeholder,
/// then what it is in SQLite and in PostgreSQL. Anything else is written alike for both.
pub const DIALECT: &[(&str, &str, &str)] = &[
    // An integer key the database numbers itself.
    ("{serial_key}", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"),
];

impl Migration {
    /// The step's SQL for `backend`, placeholders rendered.
    pub fn sql(&self, backend: Backend) -> Cow<'static, str> {
        let mut sql = Cow::Borrowed(self.sql);
        for (placeholder, sqlite, postgres) in DIALECT {
            if sql.contains(placeholder) {
                let typed = match backend {
                    Backend::Sqlite => sqlite,
                    Backend::Postgres => postgres,
                };
                sql = Cow::Owned(sql.replace(placeholder, typed));
            }
        }
        sql
    }

    /// What the ledger records of the step on `backend`: the SHA-256 of its rendered SQL, in lower-case hex. A
    /// database migrated before keeps it, so it must not change (`tests` pin each one).
    pub fn checksum(&self, backend: Backend) -> String {
        base16ct::lower::encode_string(&Sha256::digest(self.sql(backend).as_bytes()))
    }
}

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS hisgate_migrations (
    component TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    PRIMARY KEY (component, version)
)";

/// Any constant: instances starting together on one PostgreSQL database take turns migrating.
const LOCK_KEY: i64 = 0x0068_6973_6761_7465;

impl Store {
    /// Runs `component`'s steps that have not run yet, each in its own transaction, in version order.
    pub async fn migrate(&self, component: &str, steps: &[Migration]) -> Result<(), StoreError> {
        self.pool.execute(LEDGER).await?;
        let mut steps = steps.to_vec();
        steps.sort_by_key(|s| s.version);
        for step in steps {
            let sql = step.sql(self.backend);
            let checksum = step.checksum(self.backend);
            let mut tx = self.begin().await?;
            if self.backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOCK_KEY).execute(&mut *tx).await?;
            }
            let ran: Option<String> =
                sqlx::query_scalar("SELECT checksum FROM hisgate_migrations WHERE component = $1 AND version = $2")
                    .bind(component)
                    .bind(step.version)
                    .fetch_optional(&mut *tx)
                    .await?;
            match ran {
                Some(recorded) if recorded == checksum => continue,
                Some(_) => {
                    return Err(StoreError::MigrationChanged { component: component.into(), version: step.version });
                }
                None => {}
            }
            tx.execute(&*sql).await?;
            sqlx::query("INSERT INTO hisgate_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)")
                .bind(component)
                .bind(step.version)
                .bind(step.name)
                .bind(&checksum)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(component, version = step.version, name = step.name, "migrated");
        }
        Ok(())
    }
}

/// The checksum of every step of `steps` per dialect, as `version sqlite-checksum postgres-checksum` lines: what a
/// test pins, so that a migration edited after release fails the build's tests rather than every database that ran it.
pub fn checksums(steps: &[Migration]) -> Vec<String> {
    steps
        .iter()
        .map(|s| format!("{} {} {}", s.version, s.checksum(Backend::Sqlite), s.checksum(Backend::Postgres)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_placeholders_per_dialect() {
        let step = Migration { version: 1, name: "t", sql: "CREATE TABLE t (\n    id {serial_key},\n    x BIGINT\n);" };
        assert_eq!(
            step.sql(Backend::Sqlite),
            "CREATE TABLE t (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    x BIGINT\n);"
        );
        assert_eq!(step.sql(Backend::Postgres), "CREATE TABLE t (\n    id BIGSERIAL PRIMARY KEY,\n    x BIGINT\n);");
        let plain = Migration { version: 1, name: "t", sql: "CREATE TABLE t (x TEXT);" };
        assert!(matches!(plain.sql(Backend::Postgres), Cow::Borrowed(_)));
    }

    /// The checksums databases migrated by earlier versions recorded, when each dialect had a file of its own: the
    /// SQL written once must render to the same bytes, or those databases refuse to open (`MigrationChanged`).
    #[test]
    fn checksums_stay_what_earlier_versions_recorded() {
        assert_eq!(
            checksums(crate::store::STORE_MIGRATIONS),
            [
                "1 5e18575241bfecd6181f667f00a74ea954c8a22308ab2e5d5352254c0d743093 \
                 5e18575241bfecd6181f667f00a74ea954c8a22308ab2e5d5352254c0d743093",
                "2 ed7244af986758030155572ed0d51156cccf852ffe8c9624765fdc38d4374de1 \
                 ed7244af986758030155572ed0d51156cccf852ffe8c9624765fdc38d4374de1",
            ]
        );
        #[cfg(feature = "proxy")]
        assert_eq!(
            checksums(crate::proxy::journal::MIGRATIONS),
            ["1 72b3b9deddc08c8cf164482f76c939a25742cf6cd4adafa048f8477dc166980c \
              87c522275b9955ec7c1084c0bda95b581250effbeb481d5d9169efde8c1fcfb8"]
        );
    }
}
