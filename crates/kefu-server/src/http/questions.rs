//! `/questions`: question mining (issue #19, DATA-5). The topics buyers asked week by week
//! and a topic's examples for those who read reports (`report.view`); a topic sent to the
//! robot's review queue (`kb.manage`) or to a product's owner as a problem; problems listed
//! and marked fixed by their owner or whoever reads reports.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::questions::{NewProblem, ProblemStatus};
use kefu_domain::role::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::reports::questions::{self, ProblemView, TopicDetail, TopicsReport};
use crate::reports::{today, zone_of};

/// Weeks shown when a page does not say.
const DEFAULT_WEEKS: usize = 8;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopicsQuery {
    /// Weeks up to the current one, 1–26 (default 8).
    weeks: Option<usize>,
    /// One product's code; "" for conversations about no product; absent: all.
    product: Option<String>,
}

/// The topics buyers asked in the last weeks, the most asked this week first, each with its
/// weekly counts and rates, trend and whether it is new.
#[utoipa::path(get, operation_id = "question_topics", path = "/api/v1/questions/topics", tag = "questions",
    params(TopicsQuery),
    responses((status = 200, body = TopicsReport), (status = 400, body = ErrorBody)))]
pub async fn topics(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<TopicsQuery>,
) -> Result<Json<TopicsReport>, ApiError> {
    agent.require(Permission::ReportView)?;
    Ok(Json(
        questions::topics(
            &state,
            agent.tenant_id(),
            query.weeks.unwrap_or(DEFAULT_WEEKS),
            query.product.as_deref(),
        )
        .await?,
    ))
}

/// One topic: its weeks, example questions (each opens its conversation), the products it
/// was asked about and the problems sent on it.
#[utoipa::path(get, operation_id = "question_topic", path = "/api/v1/questions/topics/{id}", tag = "questions",
    params(("id" = Uuid, Path, description = "The topic"), TopicsQuery),
    responses((status = 200, body = TopicDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn topic(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<TopicsQuery>,
) -> Result<Json<TopicDetail>, ApiError> {
    agent.require(Permission::ReportView)?;
    Ok(Json(
        questions::topic(
            &state,
            agent.tenant_id(),
            id,
            query.weeks.unwrap_or(DEFAULT_WEEKS),
            query.product.as_deref(),
        )
        .await?,
    ))
}

/// What a mining found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mined {
    /// The weeks mined (their Mondays), oldest first; the current week last.
    #[schema(value_type = Vec<String>)]
    pub weeks: Vec<NaiveDate>,
    /// Topics found in the current week.
    pub topics: usize,
}

/// Mines the current week again now, and the weeks the jobs would mine next (the last
/// eight weeks' never mined, a finished week not mined since its end); the jobs do it hourly.
#[utoipa::path(post, operation_id = "mine_questions", path = "/api/v1/questions/mine", tag = "questions",
    responses((status = 200, body = Mined)))]
pub async fn mine(State(state): State<AppState>, agent: Agent) -> Result<Json<Mined>, ApiError> {
    agent.require(Permission::ReportView)?;
    let tenant = agent.tenant_id();
    let current = kefu_domain::questions::week_of(today(zone_of(&state, tenant).await));
    let mut weeks = questions::due_weeks(&state, tenant).await?;
    weeks.retain(|w| *w != current);
    weeks.push(current);
    let mut topics = 0;
    for week in &weeks {
        topics = questions::mine_week(&state, tenant, *week).await?;
    }
    Ok(Json(Mined { weeks, topics }))
}

/// The proposal a topic became.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposed {
    pub proposal_id: Uuid,
}

/// Puts the topic in the robot's review queue as a new entry (its most asked phrasing the
/// question, the others similar questions; the reviewer writes the answer). The training
/// loop's weekly run leaves it in place.
#[utoipa::path(post, operation_id = "propose_topic", path = "/api/v1/questions/topics/{id}/robot", tag = "questions",
    params(("id" = Uuid, Path, description = "The topic")),
    responses((status = 200, body = Proposed), (status = 404, body = ErrorBody)))]
pub async fn to_robot(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Proposed>, ApiError> {
    agent.require(Permission::KbManage)?;
    let proposal_id = questions::send_to_robot(&state, agent.tenant_id(), id).await?;
    Ok(Json(Proposed { proposal_id }))
}

/// Sends the topic to a product's owner as a problem to fix upstream; the owner is told
/// (a `notice` frame on their sessions).
#[utoipa::path(post, operation_id = "report_topic_problem", path = "/api/v1/questions/topics/{id}/problems", tag = "questions",
    params(("id" = Uuid, Path, description = "The topic")), request_body = NewProblem,
    responses((status = 200, body = ProblemView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn report_problem(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(problem): ApiJson<NewProblem>,
) -> Result<Json<ProblemView>, ApiError> {
    agent.require(Permission::ReportView)?;
    Ok(Json(
        questions::report_problem(&state, agent.tenant_id(), id, problem, agent.user.id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProblemsQuery {
    /// `open` or `fixed`; absent: both.
    status: Option<String>,
}

/// Problems sent to products' owners, newest first, each with its topic's weeks and, once
/// fixed, the rate before and after: all of them for those who read reports, one's own for
/// everyone else.
#[utoipa::path(get, operation_id = "topic_problems", path = "/api/v1/questions/problems", tag = "questions",
    params(ProblemsQuery),
    responses((status = 200, body = Vec<ProblemView>), (status = 400, body = ErrorBody)))]
pub async fn problems(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<ProblemsQuery>,
) -> Result<Json<Vec<ProblemView>>, ApiError> {
    let status =
        match query.status.as_deref() {
            None => None,
            Some(s) => Some(ProblemStatus::parse(s).ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidQuery, "a problem is open or fixed")
            })?),
        };
    let mut views = questions::problems(&state, agent.tenant_id(), status).await?;
    if !agent.may(Permission::ReportView) {
        views.retain(|p| p.owner_id == agent.user.id);
    }
    Ok(Json(views))
}

/// A problem's fix: the shop's date it went out, or none to open the problem again.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProblemFix {
    #[schema(value_type = Option<String>, format = Date)]
    pub fixed_on: Option<NaiveDate>,
}

/// Marks a problem fixed on a date (today or before), from which its topic's rate is
/// compared, or open again; by its owner or whoever reads reports.
#[utoipa::path(put, operation_id = "fix_topic_problem", path = "/api/v1/questions/problems/{id}/fix", tag = "questions",
    params(("id" = Uuid, Path, description = "The problem")), request_body = ProblemFix,
    responses((status = 200, body = ProblemView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn fix(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(fix): ApiJson<ProblemFix>,
) -> Result<Json<ProblemView>, ApiError> {
    let owner = questions::problem_owner(&state, agent.tenant_id(), id).await?;
    if owner != agent.user.id {
        agent.require(Permission::ReportView)?;
    }
    Ok(Json(
        questions::set_fixed(&state, agent.tenant_id(), id, fix.fixed_on).await?,
    ))
}
