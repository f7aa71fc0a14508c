//! Operations endpoints: `/healthz` and Prometheus `/metrics`, plus the HTTP metrics layer.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// The process-wide Prometheus recorder (the `metrics` facade has one global recorder).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            handle
        })
        .clone()
}

/// 200 `ok` when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "ok"), (status = 503, description = "database unavailable")))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The process is alive (for a supervisor's liveness probe): answers while it serves HTTP at
/// all, whatever its database does, so a database outage does not get it restarted.
#[utoipa::path(get, path = "/livez", tag = "ops", responses((status = 200, description = "alive")))]
pub async fn livez() -> &'static str {
    "ok"
}

/// Ready for traffic (for a load balancer): the database answers and, with NATS configured,
/// the bus is connected; else 503 naming what is not.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "ready"), (status = 503, description = "database or NATS unavailable")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let mut down = vec![];
    if let Err(error) = state.store.ping().await {
        tracing::warn!(%error, "readiness: database unavailable");
        down.push("database");
    }
    if !state.bus.is_connected() {
        down.push("nats");
    }
    if state.shutdown.is_cancelled() {
        down.push("shutting down");
    }
    if down.is_empty() {
        (StatusCode::OK, "ready").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unavailable: {}", down.join(", ")),
        )
            .into_response()
    }
}

/// Prometheus metrics in the text format.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics(State(state): State<AppState>) -> String {
    state.metrics.run_upkeep();
    state.metrics.render()
}

/// Counts requests and times them per route template.
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("kefu_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("kefu_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
