//! `/kpi`: the team's numbers (issue #18; KPI-1, KPI-2, KPI-4, WB-10). Supervisors, admins and
//! QA read the team's scorecards and rankings (`report.view`); every agent reads their own
//! (`/kpi/me`); the scorecard rules are a shop setting.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::kpi::KpiRules;
use kefu_domain::role::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::automation::save_document;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::reports::export::{self, Rows};
use crate::reports::scorecards::{self, AgentCard, Rankings, Scope, TeamReport};
use crate::reports::{Range, rollup, today, zone_of};

/// The shop's scorecard rules and their version (0: never saved, the seeds' defaults).
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiRulesView {
    pub rules: KpiRules,
    pub version: i64,
}

#[utoipa::path(get, operation_id = "kpi_rules", path = "/api/v1/kpi/rules", tag = "reports",
    responses((status = 200, body = KpiRulesView)))]
pub async fn rules(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<KpiRulesView>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let (rules, version) = state
        .store
        .shop_document::<KpiRules>(agent.tenant_id())
        .await?;
    Ok(Json(KpiRulesView { rules, version }))
}

/// Saves the weights (adding up to 100), the satisfaction source and the lines, the shop's
/// and each team's; audited.
#[utoipa::path(put, operation_id = "put_kpi_rules", path = "/api/v1/kpi/rules", tag = "reports", request_body = KpiRules,
    responses((status = 200, body = KpiRulesView), (status = 400, body = ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(rules): ApiJson<KpiRules>,
) -> Result<Json<KpiRulesView>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    rules.check().map_err(|code| {
        ApiError::new(
            code,
            "the weights add up to 100; each excellence line is better than its pass line",
        )
    })?;
    let version = save_document(&state, &agent, &rules, "kpi_rules.change").await?;
    Ok(Json(KpiRulesView { rules, version }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` in the shop's zone (default: six days before `to`).
    from: Option<String>,
    /// Last day (default: today).
    to: Option<String>,
    /// Only this team's agents and card.
    team: Option<String>,
}

async fn range_of(
    state: &AppState,
    agent: &Agent,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Range, ApiError> {
    let zone = zone_of(state, agent.tenant_id()).await;
    Range::parse(from, to, today(zone))
}

/// Each agent's, team's and the shop's numbers and scorecards over the range, with each
/// agent's daily trend.
#[utoipa::path(get, path = "/api/v1/kpi/scorecards", tag = "reports", params(RangeQuery),
    responses((status = 200, body = TeamReport), (status = 400, body = ErrorBody)))]
pub async fn scorecards(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<TeamReport>, ApiError> {
    agent.require(Permission::ReportView)?;
    let range = range_of(&state, &agent, query.from.as_deref(), query.to.as_deref()).await?;
    let scope = query.team.as_deref().map_or(Scope::Everyone, Scope::Team);
    Ok(Json(
        scorecards::report(&state, agent.tenant_id(), range, scope).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    from: Option<String>,
    to: Option<String>,
    team: Option<String>,
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
}

/// The scorecards as a table: one row per agent, then each team and the shop.
#[utoipa::path(get, path = "/api/v1/kpi/scorecards/export", tag = "reports", params(ExportQuery),
    responses(
        (status = 200, body = String, content_type = "text/csv"),
        (status = 400, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    agent.require(Permission::ReportView)?;
    let scope = query.team.as_deref().map_or(Scope::Everyone, Scope::Team);
    let range = range_of(&state, &agent, query.from.as_deref(), query.to.as_deref()).await?;
    let format = Format::parse(query.format.as_deref())?;
    let report = scorecards::report(&state, agent.tenant_id(), range, scope).await?;
    download(&report, Rows::Team, format)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyExportQuery {
    from: Option<String>,
    to: Option<String>,
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
}

/// The caller's own card as a table (one row).
#[utoipa::path(get, path = "/api/v1/kpi/me/export", tag = "reports", params(MyExportQuery),
    responses(
        (status = 200, body = String, content_type = "text/csv"),
        (status = 400, body = ErrorBody)))]
pub async fn export_mine(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<MyExportQuery>,
) -> Result<Response, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let range = range_of(&state, &agent, query.from.as_deref(), query.to.as_deref()).await?;
    let format = Format::parse(query.format.as_deref())?;
    let report = scorecards::report(
        &state,
        agent.tenant_id(),
        range,
        Scope::Agent(agent.user.id),
    )
    .await?;
    download(&report, Rows::Own, format)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn parse(format: Option<&str>) -> Result<Format, ApiError> {
        match format {
            None | Some("csv") => Ok(Format::Csv),
            Some("xlsx") => Ok(Format::Xlsx),
            Some(_) => Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "format is csv or xlsx",
            )),
        }
    }
}

/// The report as a file to download.
fn download(report: &TeamReport, rows: Rows, format: Format) -> Result<Response, ApiError> {
    let name = format!("kpi-{}-{}", report.from, report.to);
    let (body, kind, ext) = match format {
        Format::Xlsx => (
            export::xlsx(report, rows)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Csv => (export::csv(report, rows)?, "text/csv; charset=utf-8", "csv"),
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, kind.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// An agent's own scorecard and trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyScorecard {
    pub from: String,
    pub to: String,
    /// `None` for an account that serves no buyers (QA, a disabled account).
    pub card: Option<AgentCard>,
    pub rules: KpiRules,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The caller's own scorecard and trend.
#[utoipa::path(get, operation_id = "my_scorecard", path = "/api/v1/kpi/me", tag = "reports", params(MyQuery),
    responses((status = 200, body = MyScorecard), (status = 400, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<MyQuery>,
) -> Result<Json<MyScorecard>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let range = range_of(&state, &agent, query.from.as_deref(), query.to.as_deref()).await?;
    let report = scorecards::report(
        &state,
        agent.tenant_id(),
        range,
        Scope::Agent(agent.user.id),
    )
    .await?;
    Ok(Json(MyScorecard {
        from: report.from,
        to: report.to,
        card: report.agents.into_iter().next(),
        rules: report.rules,
    }))
}

/// One agent's scorecard and trend.
#[utoipa::path(get, path = "/api/v1/kpi/agents/{id}", tag = "reports", params(("id" = Uuid, Path), MyQuery),
    responses((status = 200, body = AgentCard), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn agent_card(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<MyQuery>,
) -> Result<Json<AgentCard>, ApiError> {
    agent.require(Permission::ReportView)?;
    let range = range_of(&state, &agent, query.from.as_deref(), query.to.as_deref()).await?;
    let report = scorecards::report(&state, agent.tenant_id(), range, Scope::Agent(id)).await?;
    let card = report
        .agents
        .into_iter()
        .next()
        .ok_or(ErrorCode::UserNotFound)?;
    Ok(Json(card))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM` (default: this month).
    month: Option<String>,
}

/// A month's ranking per team, with the bonus flag for three months running in the top
/// 10 % (KPI-4). A month that is over is kept as it was ranked.
#[utoipa::path(get, path = "/api/v1/kpi/rankings", tag = "reports", params(MonthQuery),
    responses((status = 200, body = Rankings), (status = 400, body = ErrorBody)))]
pub async fn rankings(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<MonthQuery>,
) -> Result<Json<Rankings>, ApiError> {
    agent.require(Permission::ReportView)?;
    let first = match query.month.as_deref() {
        Some(month) => scorecards::parse_month(month)
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidRange, "the month is YYYY-MM"))?,
        None => scorecards::month_of(today(zone_of(&state, agent.tenant_id()).await)),
    };
    Ok(Json(
        scorecards::rankings(&state, agent.tenant_id(), first).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Refreshed {
    /// Days recomputed.
    pub days: usize,
    /// The rollups are now as of this time (epoch ms).
    pub as_of: i64,
}

/// Catches the rollups up with the event log now (the jobs do every half minute).
#[utoipa::path(post, path = "/api/v1/kpi/refresh", tag = "reports",
    responses((status = 200, body = Refreshed)))]
pub async fn refresh(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<Refreshed>, ApiError> {
    agent.require(Permission::ReportView)?;
    let (days, as_of) = rollup::catch_up(&state, agent.tenant_id()).await?;
    Ok(Json(Refreshed { days, as_of }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RebuildRequest {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rebuilt {
    pub days: usize,
}

/// Recomputes the range's daily rollups from the event log.
#[utoipa::path(post, path = "/api/v1/kpi/rebuild", tag = "reports", request_body = RebuildRequest,
    responses((status = 200, body = Rebuilt), (status = 400, body = ErrorBody)))]
pub async fn rebuild(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<RebuildRequest>,
) -> Result<Json<Rebuilt>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let range = range_of(&state, &agent, Some(&request.from), Some(&request.to)).await?;
    let days = rollup::rebuild(&state, agent.tenant_id(), range).await?;
    Ok(Json(Rebuilt { days }))
}
