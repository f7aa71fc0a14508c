//! A conversation's playbooks (ESC-2): those that apply to it and why, the runs started on
//! it; starting one, ticking its steps.

use axum::Json;
use axum::extract::State;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::playbook::{PlaybookRun, Suggestion};
use kefu_domain::role::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::cases::playbooks as cases;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationPlaybooks {
    /// The playbooks that apply now, those matching more first.
    pub suggested: Vec<Suggestion>,
    /// The runs started on it, newest first.
    pub runs: Vec<PlaybookRun>,
}

fn who(agent: &Agent) -> (Uuid, &str) {
    (agent.user.id, agent.name())
}

async fn conversation_of(state: &AppState, agent: &Agent, id: Uuid) -> Result<(), ApiError> {
    state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .map(|_| ())
        .ok_or_else(|| ErrorCode::ConversationNotFound.into())
}

/// The playbooks that apply to the conversation, and the runs started on it.
#[utoipa::path(get, operation_id = "conversation_playbooks", path = "/api/v1/conversations/{id}/playbooks", tag = "escalations",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ConversationPlaybooks), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationPlaybooks>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let tenant = agent.tenant_id();
    let suggested = cases::suggest(&state, tenant, id).await?;
    let runs = state.store.playbook_runs(tenant, id).await?;
    Ok(Json(ConversationPlaybooks { suggested, runs }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartPlaybook {
    /// The playbook's key.
    pub key: String,
}

/// Starts a playbook on the conversation: its steps, with deadlines from now. Starting one
/// already running answers that one.
#[utoipa::path(post, operation_id = "start_playbook", path = "/api/v1/conversations/{id}/playbooks", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = StartPlaybook,
    responses((status = 200, body = PlaybookRun), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<StartPlaybook>,
) -> Result<Json<PlaybookRun>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    conversation_of(&state, &agent, id).await?;
    let run = cases::start(&state, agent.tenant_id(), id, &input.key, who(&agent)).await?;
    Ok(Json(run))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TickStep {
    /// The run's version read.
    pub version: i64,
    pub done: bool,
}

/// Ticks a step of a run off (or back on); the run is finished when every step is done.
#[utoipa::path(put, operation_id = "tick_playbook_step", path = "/api/v1/playbook-runs/{id}/steps/{index}", tag = "escalations",
    params(("id" = Uuid, Path), ("index" = usize, Path)), request_body = TickStep,
    responses((status = 200, body = PlaybookRun), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn tick(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath((id, index)): ApiPath<(Uuid, usize)>,
    ApiJson(input): ApiJson<TickStep>,
) -> Result<Json<PlaybookRun>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let tenant = agent.tenant_id();
    let run = state
        .store
        .playbook_run(tenant, id)
        .await?
        .ok_or(ErrorCode::PlaybookNotFound)?;
    if run.version != input.version {
        return Err(ErrorCode::PlaybookRunExists.into());
    }
    let run = cases::tick(&state, tenant, &run, index, input.done, who(&agent)).await?;
    Ok(Json(run))
}
