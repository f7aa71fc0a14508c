//! `/cockpit` and `/alerts`: the shop's data cockpit (issue #19; DATA-1 … DATA-3) for those who
//! read reports (`report.view`): the numbers now, live over a WebSocket; the hour × weekday
//! heatmap; the conversations behind each number; the anomaly alerts and their rules.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use kefu_domain::anomaly::{Alert, AlertRules};
use kefu_domain::cockpit::CockpitMetric;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use kefu_store::HourFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::bus::Subscription;
use crate::error::{ApiError, ErrorBody};
use crate::http::automation::save_document;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, ApiWebSocket};
use crate::http::realtime::socket_agent;
use crate::reports::cockpit::{self, Cockpit, DrillTarget, Heatmap};
use crate::reports::funnel::{self, FunnelReport};
use crate::reports::{Range, alerts, rollup, today, zone_of};

/// The cockpit socket sends a new snapshot at most this often while the shop is busy…
const LIVE_MIN_GAP: Duration = Duration::from_secs(3);
/// …and at least this often when it is quiet (the live tiles and the clock move on).
const LIVE_MAX_GAP: Duration = Duration::from_secs(30);
/// When nothing reached the socket, it looks at the log this often.
const LIVE_LOOK: Duration = Duration::from_secs(5);
/// Rollups caught up less than this long ago are not caught up again for a socket.
const LIVE_CATCH_UP_MS: i64 = 3_000;

/// The cockpit now: the tiles (today against yesterday and last week up to the same hour),
/// the top tags and the open alerts.
#[utoipa::path(get, path = "/api/v1/cockpit", tag = "reports",
    responses((status = 200, body = Cockpit)))]
pub async fn cockpit(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<Cockpit>, ApiError> {
    agent.require(Permission::ReportView)?;
    Ok(Json(cockpit::snapshot(&state, agent.tenant_id()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CockpitWsQuery {
    /// An API token; browsers use the session cookie instead.
    token: Option<String>,
}

/// The cockpit, live: a `Cockpit` JSON text message on connecting, then again within a few
/// seconds of any activity in the shop (at least every 30 s). Nothing is read from the client.
#[utoipa::path(get, operation_id = "cockpit_live", path = "/api/v1/cockpit/ws", tag = "reports", params(CockpitWsQuery),
    responses((status = 101, description = "switching to the WebSocket protocol"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CockpitWsQuery>,
    headers: HeaderMap,
    ApiWebSocket(ws): ApiWebSocket,
) -> Result<Response, ApiError> {
    let agent = socket_agent(
        &state,
        query.token.as_deref(),
        &headers,
        Permission::ReportView,
    )
    .await?;
    let tracker = state.sessions.clone();
    Ok(ws
        .write_buffer_size(0)
        .on_upgrade(move |socket| tracker.track_future(watch(socket, state, agent))))
}

async fn watch(mut socket: WebSocket, state: AppState, agent: Agent) {
    let tenant_id = agent.tenant_id();
    let mut events = state.bus.hub().subscribe_agents(tenant_id);
    metrics::gauge!("kefu_ws_connections", "role" => "cockpit").increment(1.0);
    let shutdown = state.shutdown.clone();
    let mut dirty = true;
    let mut last_look = tokio::time::Instant::now() - LIVE_LOOK;
    let mut last_sent = last_look;
    loop {
        let due = last_look + if dirty { LIVE_MIN_GAP } else { LIVE_LOOK };
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {
                last_look = tokio::time::Instant::now();
                // Not all the shop's activity reaches the agents' channel (the robot's own
                // conversations do not): the log itself says whether anything moved.
                let progress = state.store.kpi_progress(tenant_id).await.ok().flatten();
                let moved = dirty || log_moved(&state, tenant_id, progress).await;
                // Bring the rollups up to the log first, so today's numbers move now; unless
                // they were caught up a moment ago (another socket, the jobs): then this
                // socket looks again shortly instead, so many viewers cost one catch-up.
                let mut behind = false;
                if moved {
                    let fresh =
                        progress.is_some_and(|(_, as_of)| now_ms() - as_of < LIVE_CATCH_UP_MS);
                    if fresh {
                        behind = true;
                    } else if let Err(error) = rollup::catch_up(&state, tenant_id).await {
                        tracing::warn!(%error, "cockpit catch-up failed");
                    }
                }
                dirty = behind;
                if !moved && last_sent.elapsed() < LIVE_MAX_GAP {
                    continue;
                }
                let frame = match cockpit::snapshot(&state, tenant_id).await {
                    Ok(snapshot) => serde_json::to_string(&snapshot).unwrap_or_default(),
                    Err(error) => {
                        tracing::warn!(%error, "cockpit snapshot failed");
                        String::new()
                    }
                };
                let sent = !frame.is_empty()
                    && tokio::time::timeout(LIVE_MAX_GAP, socket.send(WsMessage::Text(frame.into())))
                        .await
                        .is_ok_and(|r| r.is_ok());
                if !sent || matches!(state.store.session(&agent.token_hash).await, Ok(None)) {
                    break;
                }
                last_sent = tokio::time::Instant::now();
            }
            event = events.recv() => match event {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => dirty = true,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = shutdown.cancelled() => {
                let close = CloseFrame { code: 1012, reason: "restarting".into() };
                let _ = socket.send(WsMessage::Close(Some(close))).await;
                break;
            }
        }
    }
    drop(events);
    state.bus.hub().release(Subscription::Agents(tenant_id));
    metrics::gauge!("kefu_ws_connections", "role" => "cockpit").decrement(1.0);
}

/// Whether the shop's log (or its orders) moved past what the rollups have read (`progress`):
/// one look by id, cheap at any size.
async fn log_moved(state: &AppState, tenant_id: Uuid, progress: Option<(i64, i64)>) -> bool {
    let Some((last_event_id, as_of)) = progress else {
        return true;
    };
    state
        .store
        .kpi_changes(tenant_id, last_event_id, as_of)
        .await
        .is_ok_and(|c| c.last_event_id > last_event_id || c.orders_span.is_some())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HeatmapQuery {
    /// Whole weeks before today, 1–12 (default 4).
    weeks: Option<u8>,
    /// Only this team's conversations (and its agents online); `-` for those without one.
    team: Option<String>,
    /// Only this channel's (`web`, `wechat`, …).
    channel: Option<String>,
    /// Only this entry's (`live_room`, `product_page`, …).
    entry: Option<String>,
}

/// Conversations by hour × weekday over the last weeks, with agents online beside them.
#[utoipa::path(get, path = "/api/v1/cockpit/heatmap", tag = "reports", params(HeatmapQuery),
    responses((status = 200, body = Heatmap), (status = 400, body = ErrorBody)))]
pub async fn heatmap(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<HeatmapQuery>,
) -> Result<Json<Heatmap>, ApiError> {
    agent.require(Permission::ReportView)?;
    let weeks = query.weeks.unwrap_or(4);
    if !(1..=12).contains(&weeks) {
        return Err(ApiError::new(
            ErrorCode::InvalidRange,
            "a heatmap covers 1 to 12 weeks",
        ));
    }
    let none_is_empty = |v: Option<String>| v.map(|v| if v == "-" { String::new() } else { v });
    let filter = HourFilter {
        team: none_is_empty(query.team),
        channel: query.channel,
        entry: none_is_empty(query.entry),
    };
    Ok(Json(
        cockpit::heatmap(&state, agent.tenant_id(), weeks, &filter).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrillQuery {
    /// A cockpit metric (`received`, `bad_review_rate`, …).
    metric: Option<String>,
    /// Or a tag: the conversations given it.
    tag: Option<String>,
    /// The shop's day, `YYYY-MM-DD` (default today).
    day: Option<String>,
}

/// The conversations behind a number.
#[derive(Debug, Serialize, ToSchema)]
pub struct Drill {
    pub conversations: Vec<ConversationSummary>,
}

/// The conversations behind a cockpit number (at most 100, the most telling first: the
/// longest waits, the newest events).
#[utoipa::path(get, path = "/api/v1/cockpit/drill", tag = "reports", params(DrillQuery),
    responses((status = 200, body = Drill), (status = 400, body = ErrorBody)))]
pub async fn drill(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<DrillQuery>,
) -> Result<Json<Drill>, ApiError> {
    agent.require(Permission::ReportView)?;
    let target = match (query.metric.as_deref(), query.tag) {
        (Some(metric), None) => CockpitMetric::parse(metric)
            .map(DrillTarget::Metric)
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "no such cockpit metric"))?,
        (None, Some(tag)) if !tag.is_empty() && tag.len() <= 64 => DrillTarget::Tag(tag),
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "give one of metric and tag",
            ));
        }
    };
    let day = query
        .day
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ApiError::new(ErrorCode::InvalidRange, "dates are YYYY-MM-DD"))
        })
        .transpose()?;
    let conversations = cockpit::drill(&state, agent.tenant_id(), &target, day).await?;
    Ok(Json(Drill { conversations }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertsQuery {
    /// Only those not acknowledged (default); `false` lists the last 200 of all.
    open: Option<bool>,
}

/// The shop's alerts with their evidence, newest first (DATA-3).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "reports", params(AlertsQuery),
    responses((status = 200, body = Vec<Alert>)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<AlertsQuery>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    agent.require(Permission::ReportView)?;
    let open = query.open.unwrap_or(true);
    Ok(Json(
        state.store.alerts(agent.tenant_id(), open, 200).await?,
    ))
}

/// Acknowledges an alert: it leaves the cockpit and is kept with who acknowledged it.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "reports",
    params(("id" = Uuid, Path, description = "the alert")),
    responses((status = 200, body = Alert), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Alert>, ApiError> {
    agent.require(Permission::ReportView)?;
    Ok(Json(
        state
            .store
            .acknowledge_alert(agent.tenant_id(), id, agent.user.id, now_ms())
            .await?,
    ))
}

/// What a look for anomalies found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanResult {
    /// New alerts kept.
    pub alerts: usize,
}

/// Looks for anomalies now, as the jobs do every two minutes.
#[utoipa::path(post, path = "/api/v1/alerts/scan", tag = "reports",
    responses((status = 200, body = ScanResult)))]
pub async fn scan(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<ScanResult>, ApiError> {
    agent.require(Permission::ReportView)?;
    let alerts = alerts::scan(&state, agent.tenant_id(), now_ms()).await?;
    Ok(Json(ScanResult { alerts }))
}

/// The shop's alert rules and their version (0: never saved, the defaults).
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertRulesView {
    pub rules: AlertRules,
    pub version: i64,
}

#[utoipa::path(get, operation_id = "alert_rules", path = "/api/v1/alerts/rules", tag = "reports",
    responses((status = 200, body = AlertRulesView)))]
pub async fn rules(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<AlertRulesView>, ApiError> {
    agent.require(Permission::ReportView)?;
    let (rules, version) = state
        .store
        .shop_document::<AlertRules>(agent.tenant_id())
        .await?;
    Ok(Json(AlertRulesView { rules, version }))
}

/// Saves how readily the shop is alerted: sensitivity, the smallest surge, the queue limit,
/// the first-response line, the robot's hand-offs; audited.
#[utoipa::path(put, operation_id = "put_alert_rules", path = "/api/v1/alerts/rules", tag = "reports", request_body = AlertRules,
    responses((status = 200, body = AlertRulesView), (status = 400, body = ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(rules): ApiJson<AlertRules>,
) -> Result<Json<AlertRulesView>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    rules.check().map_err(|code| {
        ApiError::new(
            code,
            "a minimum of 1–10,000, a queue limit of 1–100,000, a line of 0–86,400 s",
        )
    })?;
    let version = save_document(&state, &agent, &rules, "alert_rules.change").await?;
    Ok(Json(AlertRulesView { rules, version }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FunnelQuery {
    /// First day, `YYYY-MM-DD` in the shop's zone (default: six days before `to`).
    from: Option<String>,
    /// Last day (default: today).
    to: Option<String>,
}

/// The after-contact funnel (DATA-4) of conversations with a product or an order: asked →
/// served → ordered → paid within 24 hours, for the shop and by team, agent, product and
/// entry.
#[utoipa::path(get, path = "/api/v1/cockpit/funnel", tag = "reports", params(FunnelQuery),
    responses((status = 200, body = FunnelReport), (status = 400, body = ErrorBody)))]
pub async fn funnel(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<FunnelQuery>,
) -> Result<Json<FunnelReport>, ApiError> {
    agent.require(Permission::ReportView)?;
    let zone = zone_of(&state, agent.tenant_id()).await;
    let range = Range::parse(query.from.as_deref(), query.to.as_deref(), today(zone))?;
    Ok(Json(
        funnel::report(&state, agent.tenant_id(), range).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DroppedQuery {
    /// The shop's day, `YYYY-MM-DD` (default yesterday: a day whose 24 hours have passed).
    day: Option<String>,
}

/// The buyers to follow up: conversations served on the day that came with a product or an
/// order and did not lead to an order within 24 hours (at most 200, newest first).
#[utoipa::path(get, path = "/api/v1/cockpit/funnel/dropped", tag = "reports", params(DroppedQuery),
    responses((status = 200, body = Drill), (status = 400, body = ErrorBody)))]
pub async fn dropped(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<DroppedQuery>,
) -> Result<Json<Drill>, ApiError> {
    agent.require(Permission::ReportView)?;
    let zone = zone_of(&state, agent.tenant_id()).await;
    let day = match query.day.as_deref() {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::new(ErrorCode::InvalidRange, "dates are YYYY-MM-DD"))?,
        None => today(zone) - chrono::Duration::days(1),
    };
    let conversations = funnel::dropped(&state, agent.tenant_id(), day).await?;
    Ok(Json(Drill { conversations }))
}
