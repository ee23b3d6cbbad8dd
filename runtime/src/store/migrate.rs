//! Migrations by component. Several components share one database (the store itself, each platform's simulator),
//! each with its own numbered steps in both dialects; a step runs once, and a step changed after it ran is an
//! error rather than a silent drift. (sqlx's migrator keeps one linear history per database, which these are not.)

use super::{Backend, Store, StoreError};
use sha2::{Digest, Sha256};
use sqlx::{Executor, Row};

/// One step of a component's schema, in each dialect.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS hisgate_migrations (
    component TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    PRIMARY KEY (component, version)
)";

/// Any constant: instances starting together on one PostgreSQL database take turns migrating.
const LOCK_KEY: i64 = 0x6869_7367_6174_65;

impl Store {
    /// Runs `component`'s steps that have not run yet, each in its own transaction, in version order.
    pub async fn migrate(&self, component: &str, steps: &[Migration]) -> Result<(), StoreError> {
        self.pool.execute(LEDGER).await?;
        let mut steps = steps.to_vec();
        steps.sort_by_key(|s| s.version);
        for step in steps {
            let sql = match self.backend {
                Backend::Sqlite => step.sqlite,
                Backend::Postgres => step.postgres,
            };
            let checksum = base16ct::lower::encode_string(&Sha256::digest(sql.as_bytes()));
            let mut tx = self.begin().await?;
            if self.backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOCK_KEY).execute(&mut *tx).await?;
            }
            let ran = sqlx::query("SELECT checksum FROM hisgate_migrations WHERE component = $1 AND version = $2")
                .bind(component)
                .bind(step.version)
                .fetch_optional(&mut *tx)
                .await?;
            match ran {
                Some(row) if row.try_get::<String, _>(0)? == checksum => continue,
                Some(_) => {
                    return Err(StoreError::MigrationChanged { component: component.into(), version: step.version });
                }
                None => {}
            }
            tx.execute(sql).await?;
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
