//! `/reports`: the service-health reports (issue #19; DATA-2, DATA-6) for those who read
//! reports (`report.view`): listed, read, downloaded as a workbook, or made again now.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::health::{HealthReport, ReportKind};
use kefu_domain::role::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::reports::{export, health, today, zone_of};

/// A kept report, as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportListing {
    pub kind: ReportKind,
    pub period: String,
    pub generated_at: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsQuery {
    /// `daily` (default) or `monthly`.
    kind: Option<String>,
}

fn kind_of(s: &str) -> Result<ReportKind, ApiError> {
    ReportKind::parse(s)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "a report is daily or monthly"))
}

/// The first day of a report's period: `YYYY-MM-DD` for a day, `YYYY-MM` for a month; not
/// after today.
async fn period_start(
    state: &AppState,
    agent: &Agent,
    kind: ReportKind,
    period: &str,
) -> Result<NaiveDate, ApiError> {
    let parsed = match kind {
        ReportKind::Daily => NaiveDate::parse_from_str(period, "%Y-%m-%d").ok(),
        ReportKind::Monthly => NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok(),
    };
    let today = today(zone_of(state, agent.tenant_id()).await);
    match parsed {
        Some(day) if day <= today && day.year() >= 2000 => Ok(day),
        _ => Err(ApiError::new(
            ErrorCode::InvalidRange,
            "a day is YYYY-MM-DD, a month YYYY-MM, not in the future",
        )),
    }
}

/// The shop's kept reports of a kind, newest first (the last 400).
#[utoipa::path(get, operation_id = "health_reports", path = "/api/v1/reports", tag = "reports", params(ReportsQuery),
    responses((status = 200, body = Vec<ReportListing>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<ReportsQuery>,
) -> Result<Json<Vec<ReportListing>>, ApiError> {
    agent.require(Permission::ReportView)?;
    let kind = kind_of(query.kind.as_deref().unwrap_or("daily"))?;
    let listed = state
        .store
        .health_reports(agent.tenant_id(), kind, 400)
        .await?
        .into_iter()
        .map(|(period, generated_at)| ReportListing {
            kind,
            period,
            generated_at,
        })
        .collect();
    Ok(Json(listed))
}

async fn kept(
    state: &AppState,
    agent: &Agent,
    kind: &str,
    period: &str,
) -> Result<HealthReport, ApiError> {
    agent.require(Permission::ReportView)?;
    let kind = kind_of(kind)?;
    period_start(state, agent, kind, period).await?;
    state
        .store
        .health_report(agent.tenant_id(), kind, period)
        .await?
        .ok_or_else(|| ErrorCode::ReportNotFound.into())
}

/// A kept report.
#[utoipa::path(get, operation_id = "health_report", path = "/api/v1/reports/{kind}/{period}", tag = "reports",
    params(("kind" = String, Path, description = "`daily` or `monthly`"),
        ("period" = String, Path, description = "`YYYY-MM-DD` or `YYYY-MM`")),
    responses((status = 200, body = HealthReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath((kind, period)): ApiPath<(String, String)>,
) -> Result<Json<HealthReport>, ApiError> {
    Ok(Json(kept(&state, &agent, &kind, &period).await?))
}

/// Makes the report now from the rollups (as the jobs do each morning), keeps it and tells
/// those who read reports; a period still running reads as far as it has come.
#[utoipa::path(post, operation_id = "make_health_report", path = "/api/v1/reports/{kind}/{period}", tag = "reports",
    params(("kind" = String, Path, description = "`daily` or `monthly`"),
        ("period" = String, Path, description = "`YYYY-MM-DD` or `YYYY-MM`")),
    responses((status = 200, body = HealthReport), (status = 400, body = ErrorBody)))]
pub async fn make(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath((kind, period)): ApiPath<(String, String)>,
) -> Result<Json<HealthReport>, ApiError> {
    agent.require(Permission::ReportView)?;
    let kind = kind_of(&kind)?;
    let start = period_start(&state, &agent, kind, &period).await?;
    Ok(Json(
        health::make(&state, agent.tenant_id(), kind, start).await?,
    ))
}

/// A kept report as an .xlsx workbook, a sheet per part (the page prints as it is shown).
#[utoipa::path(get, operation_id = "export_health_report", path = "/api/v1/reports/{kind}/{period}/export", tag = "reports",
    params(("kind" = String, Path, description = "`daily` or `monthly`"),
        ("period" = String, Path, description = "`YYYY-MM-DD` or `YYYY-MM`")),
    responses(
        (status = 200, body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath((kind, period)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let report = kept(&state, &agent, &kind, &period).await?;
    let body = export::health_xlsx(&report)?;
    let name = format!(
        "kefu-health-{}-{}.xlsx",
        report.kind.as_str(),
        report.period
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
