//! The databases store tests run on: a fresh SQLite file always, and a schema of its own in the PostgreSQL at
//! 127.0.0.1:5432 (database `test`, or `$HISGATE_TEST_POSTGRES`). Where none answers (a laptop), the PostgreSQL
//! half says SKIPPED and the rest still runs; under CI (`CI=true`) that fails the test instead.

use crate::skip::skip;
use hisgate_runtime::store::{Store, StoreError};
use std::sync::atomic::{AtomicU32, Ordering};

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store for one test, removed when the test is done with it.
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    pub store: Store,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Drops the test's PostgreSQL schema (its SQLite file goes with its folder).
    pub async fn finish(self) {
        if let Some(schema) = &self.schema {
            self.store.drop_schema(schema).await.expect("the test schema drops");
        }
    }

    /// The PostgreSQL schema the test's tables live in (a program given only the URL names them qualified).
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Another connection pool on the same data: a second instance of a service.
    pub async fn reopen(&self) -> Result<Store, StoreError> {
        Store::open_in_schema(&self.url, self.schema.as_deref()).await
    }
}

pub fn postgres_url() -> String {
    std::env::var("HISGATE_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

/// A unique schema name per test and process, so parallel tests and runs never meet.
fn schema_name(test: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("hisgate_test_{}_{}_{}", test, std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

pub async fn sqlite(test: &str) -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join(format!("{test}.sqlite")).display());
    let store = Store::open(&url).await.expect("a SQLite store");
    TestDb { name: "sqlite", url, store, schema: None, _dir: Some(dir) }
}

/// `None`, with a SKIPPED line, when no PostgreSQL answers; under CI a panic (see [`skip`]).
pub async fn postgres(test: &str) -> Option<TestDb> {
    let url = postgres_url();
    let schema = schema_name(test);
    match tokio::time::timeout(std::time::Duration::from_secs(5), Store::open_in_schema(&url, Some(&schema))).await {
        Ok(Ok(store)) => Some(TestDb { name: "postgres", url, store, schema: Some(schema), _dir: None }),
        Ok(Err(e)) => {
            skip(&format!(
                "the PostgreSQL half of `{test}`: no PostgreSQL at {url} ({e}; trust auth and a database `test` expected)"
            ));
            None
        }
        Err(_) => {
            skip(&format!("the PostgreSQL half of `{test}`: {url} did not answer within 5 s"));
            None
        }
    }
}

/// SQLite, and PostgreSQL where it answers (under CI, PostgreSQL always).
pub async fn each(test: &str) -> Vec<TestDb> {
    let mut all = vec![sqlite(test).await];
    all.extend(postgres(test).await);
    all
}
