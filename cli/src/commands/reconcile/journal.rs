//! The third source of `hisgate reconcile --journal`: what passed through a `hisgate proxy` about each mismatch's
//! order — the exchange that says whether the payment or refund was answered, refused, or never reached the other
//! side (a mismatch with a successful Pay in the journal is money the HIS lost after answering; none at all, a
//! payment that never came through the proxy).

use hisgate_runtime::proxy::journal::{Filter, Journal};
use hisgate_runtime::proxy::record::Exchange;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The journal's exchanges about each key (an order id as the statements carry it), oldest first.
pub async fn seen(url: &str, schema: Option<&str>, keys: &[String]) -> Result<BTreeMap<String, Vec<Exchange>>, String> {
    let journal = Journal::open(url, schema).await.map_err(|e| format!("--journal: {e}"))?;
    let mut seen = BTreeMap::new();
    for key in keys {
        let filter = Filter { key: Some(key.clone()), limit: 20, ..Filter::default() };
        let mut exchanges = journal.list(&filter).await.map_err(|e| format!("--journal: {e}"))?;
        exchanges.reverse();
        seen.insert(key.clone(), exchanges);
    }
    Ok(seen)
}

/// One line: each exchange as `interface code verdict at time`, or that none passed.
pub fn describe(exchanges: &[Exchange]) -> String {
    if exchanges.is_empty() {
        return "nothing about it passed through the proxy".into();
    }
    let each = exchanges.iter().map(|e| {
        let at = chrono::DateTime::from_timestamp_millis(e.at_ms)
            .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let interface = e.interface.as_deref().unwrap_or("?");
        let code = e.code.as_deref().unwrap_or("-");
        format!("{interface} {code} {} at {at}", e.verdict.as_str())
    });
    each.collect::<Vec<_>>().join("; ")
}

/// `journal.csv`: key, then one line per exchange (id, time in ms, interface, code, verdict, HTTP status).
pub fn write_csv(path: &Path, seen: &BTreeMap<String, Vec<Exchange>>) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "key,exchange,at_ms,interface,code,verdict,status")?;
    for (key, exchanges) in seen {
        if exchanges.is_empty() {
            writeln!(out, "{key},,,,,none,")?;
        }
        for e in exchanges {
            let (interface, code) = (e.interface.as_deref().unwrap_or(""), e.code.as_deref().unwrap_or(""));
            writeln!(out, "{key},{},{},{interface},{code},{},{}", e.id, e.at_ms, e.verdict.as_str(), e.status)?;
        }
    }
    out.flush()
}
