//! The journal: every exchange a proxy saw, in the runtime's [`Store`] — a SQLite file by default, PostgreSQL for
//! several proxies writing one journal. Rows are committed as the writer takes them (alone when traffic is light, a
//! queue's worth in one transaction when it is not), so what was committed survives a `kill -9`; business keys sit
//! in their own indexed table; rows older than the retention are swept.

use super::record::{Exchange, Verdict};
use crate::store::{Migration, Store, StoreError};
use sqlx::Row;

pub(crate) const MIGRATIONS: &[Migration] =
    &[Migration { version: 1, name: "proxy journal", sql: include_str!("sql/0001_journal.sql") }];

/// Which exchanges to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub interface: Option<String>,
    /// From this time on, in milliseconds since the Unix epoch.
    pub since_ms: Option<i64>,
    /// Before this time.
    pub until_ms: Option<i64>,
    /// Any of these verdicts; empty: any verdict.
    pub verdicts: Vec<Verdict>,
    /// A business key's value, exactly as the journal shows it.
    pub key: Option<String>,
    pub limit: i64,
}

/// One interface's exchanges over a period: what the dashboard's table and `hisgate journal stats` show.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// The interface; `-` for requests that named none of the spec's.
    pub interface: String,
    pub calls: u64,
    /// Exchanges that did not work: the upstream failed, a signature did not verify, or a message broke the spec.
    /// A business error (a well-formed refusal such as 患者不存在) is counted apart.
    pub failures: u64,
    pub signature_failures: u64,
    pub business_errors: u64,
    /// Nearest-rank percentiles of the latency, in microseconds.
    pub p50_us: u64,
    pub p99_us: u64,
}

#[derive(Debug, Clone)]
pub struct Journal {
    store: Store,
}

impl Journal {
    /// The journal at `url` (`sqlite://PATH`, created if missing, or `postgres://…`, in `schema` when given),
    /// migrated.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Journal, StoreError> {
        Journal::on(Store::open_in_schema(url, schema).await?).await
    }

    /// The journal in a store already open (a PostgreSQL schema of its own, in tests).
    pub async fn on(store: Store) -> Result<Journal, StoreError> {
        store.migrate("hisgate.journal", MIGRATIONS).await?;
        Ok(Journal { store })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Writes exchanges and their keys in one transaction (all or none); their ids, in order.
    pub async fn insert_all(&self, exchanges: &[Exchange]) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.store.begin().await?;
        let mut ids = Vec::with_capacity(exchanges.len());
        for exchange in exchanges {
            let record = serde_json::to_string(exchange).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let row = sqlx::query(
                "INSERT INTO journal_exchange (at_ms, platform, interface, verdict, status, latency_us, code, record) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(exchange.at_ms)
            .bind(&exchange.platform)
            .bind(exchange.interface.as_deref())
            .bind(exchange.verdict.as_str())
            .bind(i32::from(exchange.status))
            .bind(i64::try_from(exchange.latency_us).unwrap_or(i64::MAX))
            .bind(exchange.code.as_deref())
            .bind(&record)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            for key in &exchange.keys {
                sqlx::query("INSERT INTO journal_key (exchange_id, name, value) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&key.name)
                    .bind(&key.value)
                    .execute(&mut *tx)
                    .await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The exchanges `filter` selects, newest first.
    pub async fn list(&self, filter: &Filter) -> Result<Vec<Exchange>, StoreError> {
        let mut conditions = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.interface.is_some() {
            conditions.push(format!("interface = {}", next()));
        }
        if filter.since_ms.is_some() {
            conditions.push(format!("at_ms >= {}", next()));
        }
        if filter.until_ms.is_some() {
            conditions.push(format!("at_ms < {}", next()));
        }
        if !filter.verdicts.is_empty() {
            let each: Vec<String> = filter.verdicts.iter().map(|_| next()).collect();
            conditions.push(format!("verdict IN ({})", each.join(", ")));
        }
        if filter.key.is_some() {
            conditions.push(format!("id IN (SELECT exchange_id FROM journal_key WHERE value = {})", next()));
        }
        let limit = next();
        let clause = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
        let sql = format!("SELECT id, record FROM journal_exchange{clause} ORDER BY at_ms DESC, id DESC LIMIT {limit}");
        let mut query = sqlx::query(&sql);
        if let Some(interface) = &filter.interface {
            query = query.bind(interface);
        }
        if let Some(since) = filter.since_ms {
            query = query.bind(since);
        }
        if let Some(until) = filter.until_ms {
            query = query.bind(until);
        }
        for verdict in &filter.verdicts {
            query = query.bind(verdict.as_str());
        }
        if let Some(key) = &filter.key {
            query = query.bind(key);
        }
        let limit = if filter.limit > 0 { filter.limit } else { i64::MAX };
        let rows = query.bind(limit).fetch_all(self.store.pool()).await?;
        rows.iter().map(read_row).collect()
    }

    /// Per interface (by name), the exchanges from `since_ms` on.
    pub async fn tally(&self, since_ms: i64) -> Result<Vec<Tally>, StoreError> {
        let rows = sqlx::query("SELECT interface, verdict, latency_us FROM journal_exchange WHERE at_ms >= $1")
            .bind(since_ms)
            .fetch_all(self.store.pool())
            .await?;
        let mut by_interface: std::collections::BTreeMap<String, (Tally, Vec<u64>)> = Default::default();
        for row in &rows {
            let interface: Option<String> = row.try_get("interface")?;
            let verdict: String = row.try_get("verdict")?;
            let latency: i64 = row.try_get("latency_us")?;
            let interface = interface.unwrap_or_else(|| "-".to_owned());
            let (tally, latencies) = by_interface.entry(interface.clone()).or_default();
            tally.interface = interface;
            tally.calls += 1;
            match Verdict::parse(&verdict) {
                Some(Verdict::Ok) => {}
                Some(Verdict::BusinessError) => tally.business_errors += 1,
                Some(Verdict::SignatureFailed) => {
                    tally.signature_failures += 1;
                    tally.failures += 1;
                }
                _ => tally.failures += 1,
            }
            latencies.push(u64::try_from(latency).unwrap_or(0));
        }
        Ok(by_interface
            .into_values()
            .map(|(mut tally, mut latencies)| {
                latencies.sort_unstable();
                tally.p50_us = nearest_rank(&latencies, 50);
                tally.p99_us = nearest_rank(&latencies, 99);
                tally
            })
            .collect())
    }

    pub async fn get(&self, id: i64) -> Result<Option<Exchange>, StoreError> {
        let row = sqlx::query("SELECT id, record FROM journal_exchange WHERE id = $1")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?;
        row.as_ref().map(read_row).transpose()
    }

    /// Forgets every exchange from before `at_ms`; how many.
    pub async fn forget_before(&self, at_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.store.begin().await?;
        sqlx::query("DELETE FROM journal_key WHERE exchange_id IN (SELECT id FROM journal_exchange WHERE at_ms < $1)")
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM journal_exchange WHERE at_ms < $1").bind(at_ms).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(gone.rows_affected())
    }
}

/// The `p`th percentile of sorted values, nearest rank; 0 for none.
fn nearest_rank(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn read_row(row: &sqlx::any::AnyRow) -> Result<Exchange, StoreError> {
    let id: i64 = row.try_get("id")?;
    let record: String = row.try_get("record")?;
    let mut exchange: Exchange =
        serde_json::from_str(&record).map_err(|e| StoreError::Corrupt(format!("journal row {id}: {e}")))?;
    exchange.id = id;
    Ok(exchange)
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u64> = (1..=200).collect();
        assert_eq!(super::nearest_rank(&values, 50), 100);
        assert_eq!(super::nearest_rank(&values, 99), 198);
        assert_eq!(super::nearest_rank(&[7], 99), 7);
        assert_eq!(super::nearest_rank(&[], 50), 0);
    }
}
