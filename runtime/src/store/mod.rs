//! Durable state for servers and simulators: one code path over SQLite (a file, the embedded default) and
//! PostgreSQL (shared by several instances), chosen by URL. On it: migrations per component, exactly-once effects
//! ([`Store::claim`]), a delivery outbox ([`outbox`]) and the signatures a server's replay guard has seen
//! ([`Store::replay_see`]); and pages of lists with their totals ([`Listing`]). Every guarantee rests on
//! constraints and transactions in the database, never on memory, so it holds across restarts and processes.

mod columns;
mod idempotency;
mod migrate;
pub mod outbox;
mod page;
mod replay;

pub use columns::{Columns, code_of, int_of};
pub use idempotency::{Claim, Pending};
pub use migrate::{DIALECT, Migration, checksums};
pub use page::{Listing, Page, Paged};
pub use replay::Sighting;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// A transaction on the store; effects run inside one.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("`{0}` is not a database URL (expected sqlite://PATH or postgres://…)")]
    Url(String),
    #[error("this build has no {database} driver: enable the `{feature}` feature (of `hisgate` or `hisgate-runtime`)")]
    NoDriver { database: &'static str, feature: &'static str },
    #[error("database: {0}")]
    Database(sqlx::Error),
    #[error("migration {component} {version} was changed after it ran (its checksum differs)")]
    MigrationChanged { component: String, version: i64 },
    #[error("`{key}` was first used for a different {scope} request: a repeat must repeat the request")]
    KeyReused { scope: String, key: String },
    #[error("a stored result cannot be read: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    /// Every database error passes here, so here it is counted (`hisgate_store_errors_total`).
    fn from(error: sqlx::Error) -> StoreError {
        metrics::counter!("hisgate_store_errors_total").increment(1);
        StoreError::Database(error)
    }
}

/// Which database a store runs on; SQL that differs between them asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Every SQLite connection's settings.
const SQLITE_SETUP: &[&str] = &[
    // WAL lets readers (other processes' tools) read while the simulator writes.
    "PRAGMA journal_mode = WAL",
    // Durable across a crash of the process (kill -9); only an OS crash can lose the last commits.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    // Up to 64 MiB of pages kept (SQLite's default is 2 MiB): the store grows with every write, and once its
    // indexes outgrew the default, each insert read its pages back from the file — `hisgate serve`'s last tenth of a
    // 1 000 000-request soak ran at 0.83 of its first; with this, 0.95. RSS levels off at about 64 MiB above.
    "PRAGMA cache_size = -65536",
];

/// A connection pool with its backend.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_in_schema(url, None).await
    }

    /// Opens a PostgreSQL database with every connection working in `schema` (created if missing): tests and
    /// separate deployments share one database this way. SQLite ignores the schema.
    pub async fn open_in_schema(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Url(url.to_owned()));
        };
        match backend {
            Backend::Sqlite if !cfg!(feature = "sqlite") => {
                return Err(StoreError::NoDriver { database: "SQLite", feature: "sqlite" });
            }
            Backend::Postgres if !cfg!(feature = "postgres") => {
                return Err(StoreError::NoDriver { database: "PostgreSQL", feature: "postgres" });
            }
            _ => {}
        }
        let (url, schema) = match backend {
            // `mode=rwc` creates the file on first start.
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                (format!("{url}{separator}mode=rwc"), None)
            }
            Backend::Sqlite => (url.to_owned(), None),
            Backend::Postgres => (url.to_owned(), schema.map(quote_identifier)),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|_| StoreError::Url(url.clone()))?;
        if let Some(schema) = &schema {
            let admin = AnyPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
            admin.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str()).await?;
            admin.close().await;
        }
        let pool = match backend {
            // SQLite has one writer: one connection serializes every transaction instead of failing it as busy. It is a
            // file opened in this process, with nothing between that can fail on its own: no `SELECT 1` sent to its
            // worker thread before each use (a round trip, two thread switches on one core; readiness still pings).
            Backend::Sqlite => AnyPoolOptions::new().max_connections(1).test_before_acquire(false),
            Backend::Postgres => AnyPoolOptions::new().max_connections(16),
        };
        // Per connection, so that one the pool opens later (it retires each after 30 minutes) is set up alike.
        let setup: Vec<String> = match backend {
            Backend::Postgres => schema.map(|s| format!("SET search_path TO {s}")).into_iter().collect(),
            Backend::Sqlite => SQLITE_SETUP.iter().map(|s| (*s).to_owned()).collect(),
        };
        let pool = pool
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                let setup = setup.clone();
                Box::pin(async move {
                    for statement in &setup {
                        conn.execute(statement.as_str()).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store { pool, backend };
        store.migrate("hisgate.store", STORE_MIGRATIONS).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// One round trip to the database: readiness checks ask it.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.pool.execute("SELECT 1").await?;
        Ok(())
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Drops a schema made by [`Store::open_in_schema`] (tests clean up after themselves).
    pub async fn drop_schema(self, schema: &str) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            let statement = format!("DROP SCHEMA IF EXISTS {} CASCADE", quote_identifier(schema));
            self.pool.execute(statement.as_str()).await?;
        }
        self.pool.close().await;
        Ok(())
    }
}

/// `"name"`, with embedded quotes doubled.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables the store's own features use.
const STORE_MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "idempotency and outbox", sql: include_str!("sql/0001_store.sql") },
    Migration { version: 2, name: "replay guard", sql: include_str!("sql/0002_replay.sql") },
];

/// Milliseconds since the Unix epoch: how the store keeps times it compares.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
