//! The routes an operator's tools poll, beside a platform's: `/healthz` (the process answers), `/readyz` (it
//! can serve: not stopping, and its store answers within a second) and `/metrics` (Prometheus text). None of them
//! reaches a handler or the signature pipeline, so a load balancer polling them costs next to nothing.

use crate::store::Store;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The paths these routes take: a platform whose binding uses one of them cannot run beside them.
pub const PATHS: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// What the routes read.
#[derive(Clone)]
pub struct Ops {
    pub metrics: PrometheusHandle,
    pub store: Option<Store>,
    /// Cancelled once a stop was asked for: `/readyz` then answers 503 so balancers drain this instance.
    pub stopping: CancellationToken,
}

pub fn router(ops: Ops) -> Router {
    let ops = Arc::new(ops);
    let (ready, metrics) = (ops.clone(), ops);
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(move || readyz(ready.clone())))
        .route("/metrics", get(move || metrics_text(metrics.clone())))
}

async fn readyz(ops: Arc<Ops>) -> impl IntoResponse {
    if ops.stopping.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping\n".to_owned());
    }
    let Some(store) = &ops.store else { return (StatusCode::OK, "ready\n".to_owned()) };
    match tokio::time::timeout(Duration::from_secs(1), store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n".to_owned()),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}\n")),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "store: no answer within 1 s\n".to_owned()),
    }
}

async fn metrics_text(ops: Arc<Ops>) -> impl IntoResponse {
    let text = super::metrics::render(&ops.metrics, ops.store.as_ref()).await;
    ([("content-type", "text/plain; version=0.0.4; charset=utf-8")], text)
}
