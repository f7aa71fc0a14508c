//! Operations endpoints: `/healthz`, `/livez`, `/readyz` and Prometheus `/metrics` (on the
//! main listener with a token, or on a listener of its own), plus the HTTP metrics layer.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kefu_domain::error_code::ErrorCode;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;
use crate::auth::constant_time_eq;
use crate::error::{ApiError, ErrorBody};

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

/// Prometheus metrics in the text format (issue #15: never open to everyone). On the main
/// listener only with `metrics.token` set and sent as a bearer token, and not at all when
/// `metrics.listen` gives them an address of their own.
#[utoipa::path(get, path = "/metrics", tag = "ops", security(("metrics_token" = [])),
    responses((status = 200, description = "Prometheus text format"),
        (status = 401, body = ErrorBody, description = "`unauthenticated`: without the metrics token"),
        (status = 404, body = ErrorBody, description = "`not_found`: metrics are off here (no token set, or served on `metrics.listen`)")))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<String, ApiError> {
    let settings = &state.settings.metrics;
    if !settings.listen.is_empty() || settings.token.is_empty() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "metrics are not served here: set metrics.token, or scrape metrics.listen",
        ));
    }
    exposition(&state, &headers)
}

/// The text, for a caller with the token when one is set.
fn exposition(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = &state.settings.metrics.token;
    if !token.is_empty() {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !constant_time_eq(sent.as_bytes(), token.as_bytes()) {
            return Err(ErrorCode::Unauthenticated.into());
        }
    }
    state.metrics.run_upkeep();
    Ok(state.metrics.render())
}

/// `metrics.listen`'s own server: `/metrics` and nothing else.
pub fn metrics_app(state: AppState) -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(
                |State(state): State<AppState>, headers: HeaderMap| async move {
                    exposition(&state, &headers)
                },
            ),
        )
        .with_state(state)
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
