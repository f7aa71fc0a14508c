//! `/playbooks`: the shop's playbooks (ESC-2): the seven of the seeds until it edits them,
//! and its own.

use axum::Json;
use axum::extract::State;
use kefu_domain::playbook::Playbooks;
use kefu_domain::role::Permission;

use crate::AppState;
use crate::auth::Agent;
use crate::cases::playbooks as cases;
use crate::error::{ApiError, ErrorBody};
use crate::http::automation::save_document;
use crate::http::extract::ApiJson;

/// The shop's playbooks.
#[utoipa::path(get, operation_id = "playbooks", path = "/api/v1/playbooks", tag = "escalations",
    responses((status = 200, body = Playbooks)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<Playbooks>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    Ok(Json(cases::playbooks(&state, agent.tenant_id()).await?))
}

/// Saves the playbooks (`escalation.handle`); audited. Runs already started keep their steps.
#[utoipa::path(put, operation_id = "put_playbooks", path = "/api/v1/playbooks", tag = "escalations", request_body = Playbooks,
    responses((status = 200, body = Playbooks), (status = 400, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(playbooks): ApiJson<Playbooks>,
) -> Result<Json<Playbooks>, ApiError> {
    agent.require(Permission::EscalationHandle)?;
    let playbooks = playbooks.checked()?;
    save_document(&state, &agent, &playbooks, "playbooks.change").await?;
    Ok(Json(playbooks))
}
