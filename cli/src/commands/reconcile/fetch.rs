//! `hisgate reconcile --fetch URL`: the day's statement fetched through the interface its spec names, with the
//! request its `request:` declares, kept as a file (the raw statement is evidence, and a re-run reads the same).

use crate::inputs::Credentials;
use hisgate_runtime::client::{Client, ClientConfig};
use hisgate_runtime::schema::{
    PlatformSchema, RequestText, StatementFormat, StatementSchema, StatementSource, TimeFormat,
};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What `--fetch` needs besides the statement: where, as whom, and where to keep the file.
pub struct Fetch<'a> {
    pub url: &'a str,
    pub credentials: &'a Credentials,
    pub binding: Option<String>,
    pub day: chrono::NaiveDate,
    pub keep_in: &'a Path,
}

/// Calls the statement's interface and writes what its field carries to a file in `keep_in`: the text of a
/// delimited statement as received, or the records as a JSON list. Returns the file.
pub fn fetch(
    platform: PlatformSchema,
    statement: &StatementSchema,
    how: Fetch<'_>,
    runtime: &tokio::runtime::Runtime,
) -> Result<PathBuf, String> {
    let StatementSource::Interface { interface, field, request, no_rows } = &statement.source else {
        return Err(format!(
            "statement `{}` is a file the user downloads, not an interface's answer: give --statement FILE",
            statement.name
        ));
    };
    let schema = platform.interface(interface).ok_or_else(|| format!("no interface `{interface}`"))?;
    let (name, side) = (schema.name.to_string(), schema.provider);
    let message = platform.message(schema.request);
    let mut payload = Map::new();
    for value in request.iter() {
        let text = match &value.value {
            RequestText::Text(text) => text.to_string(),
            RequestText::Day(days) => {
                let day = how.day + chrono::Duration::days(i64::from(*days));
                let format = message.field(&value.field).and_then(|f| f.format.clone());
                let format = format.unwrap_or_else(|| TimeFormat::parse("YYYY-MM-DD").expect("a valid pattern"));
                format.render(day.and_hms_opt(0, 0, 0).unwrap_or_default())
            }
        };
        payload.insert(value.field.to_string(), Value::String(text));
    }
    let protocol = crate::target::protocol(&platform)?;
    let credentials = crate::inputs::completed(how.credentials.inputs(protocol), protocol, "reconcile");
    let mut config = ClientConfig::new(credentials);
    config.binding = how.binding;
    config.timeout = Duration::from_secs(60);
    let client = Client::new(Arc::new(platform), side, how.url, config).map_err(|e| e.to_string())?;
    let reply = runtime
        .block_on(client.call_value(&name, &Value::Object(payload)))
        .map_err(|e| format!("{name} at {}: {e}", how.url))?;
    let empty_day = no_rows.as_deref() == Some(reply.code.as_str());
    if !reply.success && !empty_day {
        return Err(format!("{name} at {} answered {} {}", how.url, reply.code, reply.message));
    }
    let carried = match empty_day {
        true => Value::Null,
        false => reply.response.as_ref().and_then(|r| r.get(&**field)).cloned().unwrap_or(Value::Null),
    };
    let (contents, extension) = match (&statement.format, carried) {
        (StatementFormat::Delimited(_), Value::String(text)) => (text.into_bytes(), "txt"),
        // An empty statement (no transactions that day) may come as an absent field.
        (StatementFormat::Delimited(_), Value::Null) => (Vec::new(), "txt"),
        (StatementFormat::Records, Value::Array(rows)) => (serde_json::to_vec(&rows).unwrap_or_default(), "json"),
        (StatementFormat::Records, Value::Null) => (b"[]".to_vec(), "json"),
        (_, other) => {
            return Err(format!("{name}'s `{field}` is not what statement `{}` reads: {other}", statement.name));
        }
    };
    std::fs::create_dir_all(how.keep_in).map_err(|e| format!("{}: {e}", how.keep_in.display()))?;
    let file = how.keep_in.join(format!("statement-{}-{}.{extension}", statement.name, how.day));
    std::fs::write(&file, contents).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(file)
}
