//! The dashboard at `/_hisgate/`: a page (HTML, CSS and JavaScript compiled into the binary — hospital networks
//! are offline, so no CDN) and a small JSON API under `/_hisgate/api/` that reads the [`Journal`] with the same
//! queries `hisgate journal` runs. Its routes sit beside the proxy's forwarding fallback, never on its path: a
//! request under `/_hisgate` is answered here (or 404/405) and never forwarded.

use super::journal::{Filter, Journal};
use super::record::Verdict;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Where the dashboard lives, on the proxy's (or `serve`'s) own listener.
pub const PREFIX: &str = "/_hisgate";

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("style.css");

/// What the page says it is watching.
#[derive(Debug, Clone, Serialize)]
pub struct About {
    /// `proxy` or `serve`.
    pub role: String,
    pub platform: String,
    /// The proxy's upstream, or the side `serve` runs.
    pub watching: String,
    /// The journal's address, any password taken out.
    pub journal: String,
}

struct Dashboard {
    journal: Journal,
    about: About,
}

/// The dashboard's routes, to merge into a router whose fallback forwards (or serves) everything else.
pub fn router(journal: Journal, about: About) -> Router {
    let state = Arc::new(Dashboard { journal, about });
    Router::new()
        .route(PREFIX, any(|| async { Redirect::permanent("/_hisgate/") }))
        .route("/_hisgate/", get(|| async { asset("text/html; charset=utf-8", INDEX) }))
        .route("/_hisgate/app.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/_hisgate/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/_hisgate/api/about", get(describe))
        .route("/_hisgate/api/tally", get(tally))
        .route("/_hisgate/api/exchanges", get(list))
        .route("/_hisgate/api/exchanges/{id}", get(show))
        // Anything else under the prefix is the dashboard's too: not found, and never forwarded upstream.
        .route("/_hisgate/{*rest}", any(|| async { error(StatusCode::NOT_FOUND, "no such page of the dashboard") }))
        .with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, content_type),
        // Everything the page loads is its own: a payload that reached the journal cannot pull in a script.
        (header::CONTENT_SECURITY_POLICY, "default-src 'self'; img-src 'self' data:; base-uri 'none'"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (headers, body).into_response()
}

fn error(status: StatusCode, detail: &str) -> Response {
    let mut response = json(&serde_json::json!({ "error": detail }));
    *response.status_mut() = status;
    response
}

fn json<T: Serialize>(value: &T) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    match serde_json::to_vec(value) {
        Ok(body) => (headers, body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn describe(State(d): State<Arc<Dashboard>>) -> Response {
    json(&d.about)
}

/// `?seconds=3600`: per interface, the exchanges of the last `seconds` (default an hour).
async fn tally(State(d): State<Arc<Dashboard>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let seconds = match query.get("seconds").map(|s| s.parse::<i64>()) {
        None => 3600,
        Some(Ok(n)) if (1..=366 * 86_400).contains(&n) => n,
        Some(_) => return error(StatusCode::BAD_REQUEST, "`seconds` is a number of seconds, 1 to a year's"),
    };
    let now = crate::store::now_millis();
    match d.journal.tally(now - seconds * 1000).await {
        Ok(interfaces) => json(&serde_json::json!({ "seconds": seconds, "now_ms": now, "interfaces": interfaces })),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &format!("the journal cannot be read: {e}")),
    }
}

/// The journal's filters, as `hisgate journal list` takes them: `interface`, `verdict` (one or several, comma
/// separated), `key`, `since_ms`, `until_ms`, `limit` (default 50, at most 500).
fn filter(query: &HashMap<String, String>) -> Result<Filter, String> {
    let number = |name: &str| -> Result<Option<i64>, String> {
        query
            .get(name)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<i64>().map_err(|_| format!("`{name}` is not a number: `{v}`")))
            .transpose()
    };
    let text = |name: &str| query.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut verdicts = Vec::new();
    for name in text("verdict").iter().flat_map(|v| v.split(',')) {
        verdicts.push(Verdict::parse(name.trim()).ok_or_else(|| format!("`{name}` is not a verdict"))?);
    }
    Ok(Filter {
        interface: text("interface"),
        since_ms: number("since_ms")?,
        until_ms: number("until_ms")?,
        verdicts,
        key: text("key"),
        limit: number("limit")?.unwrap_or(50).clamp(1, 500),
    })
}

async fn list(State(d): State<Arc<Dashboard>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let filter = match filter(&query) {
        Ok(filter) => filter,
        Err(detail) => return error(StatusCode::BAD_REQUEST, &detail),
    };
    match d.journal.list(&filter).await {
        Ok(exchanges) => json(&exchanges),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &format!("the journal cannot be read: {e}")),
    }
}

async fn show(State(d): State<Arc<Dashboard>>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return error(StatusCode::BAD_REQUEST, "an exchange's id is a number") };
    match d.journal.get(id).await {
        Ok(Some(exchange)) => json(&exchange),
        Ok(None) => error(StatusCode::NOT_FOUND, &format!("no exchange {id} in the journal")),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &format!("the journal cannot be read: {e}")),
    }
}
