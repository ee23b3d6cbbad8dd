//! A HIS ledger read from SQL (`hisgate reconcile --his-db URL --his-query SQL`): the query's rows are streamed
//! into a CSV file with the query's column names as its header, so the ledger is then read, spilled and matched
//! exactly as an exported CSV is: one reading path, bounded memory.

use futures_util::TryStreamExt;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Column, Row, TypeInfo, ValueRef};
use std::io::Write;
use std::path::Path;

/// The layout of the file written: comma-separated, double-quoted where needed, a header line, UTF-8.
pub const SEPARATOR: char = ',';
pub const QUOTE: char = '"';

/// Runs `query` on `url` (`sqlite://…` or `postgres://…`) and writes its rows to `out`. Returns the row count.
pub async fn export(url: &str, query: &str, out: &Path) -> Result<u64, String> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new().max_connections(1).connect(url).await.map_err(|e| format!("{url}: {e}"))?;
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut csv = std::io::BufWriter::new(file);
    let mut rows = sqlx::query(query).fetch(&pool);
    let mut count = 0u64;
    let mut header_written = false;
    // PostgreSQL `numeric` (and other types the Any driver does not carry) fails here, before any value is read.
    let failed = |e: sqlx::Error| {
        format!("--his-query: {e} (select money and such columns as text: CAST(amount AS TEXT), or amount::text)")
    };
    while let Some(row) = rows.try_next().await.map_err(failed)? {
        if !header_written {
            let names: Vec<String> = row.columns().iter().map(|c| quoted(c.name())).collect();
            writeln!(csv, "{}", names.join(",")).map_err(|e| e.to_string())?;
            header_written = true;
        }
        count += 1;
        let mut values = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            values.push(quoted(&text(&row, i, count)?));
        }
        writeln!(csv, "{}", values.join(",")).map_err(|e| e.to_string())?;
    }
    if !header_written {
        // No rows: the file still names no columns, which the reader takes as an empty ledger.
        writeln!(csv, "# --his-query returned no rows").map_err(|e| e.to_string())?;
    }
    csv.flush().map_err(|e| e.to_string())?;
    pool.close().await;
    Ok(count)
}

/// A value as text. Money is decimal: a floating-point column is refused (select it as text or integer fen), and a
/// type the driver cannot read (PostgreSQL `numeric`) is named with the cast that reads it.
fn text(row: &AnyRow, i: usize, number: u64) -> Result<String, String> {
    let column = &row.columns()[i];
    let raw = row.try_get_raw(i).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(String::new());
    }
    let type_name = raw.type_info().name().to_owned();
    if let Ok(v) = row.try_get::<String, _>(i) {
        return Ok(v);
    }
    if let Ok(v) = row.try_get::<i64, _>(i) {
        return Ok(v.to_string());
    }
    let name = column.name();
    if matches!(type_name.to_ascii_uppercase().as_str(), "REAL" | "DOUBLE" | "FLOAT" | "FLOAT4" | "FLOAT8") {
        return Err(format!(
            "--his-query row {number}: column `{name}` is a floating-point number ({type_name}); money is decimal: \
             select it as text (CAST({name} AS TEXT)) or as integer fen"
        ));
    }
    Err(format!(
        "--his-query row {number}: column `{name}` has type {type_name}, which is read as text only: \
         select it as text (CAST({name} AS TEXT), or {name}::text on PostgreSQL)"
    ))
}

fn quoted(value: &str) -> String {
    if value.contains([SEPARATOR, QUOTE, '\n', '\r']) {
        format!("{QUOTE}{}{QUOTE}", value.replace(QUOTE, "\"\""))
    } else {
        value.to_owned()
    }
}
