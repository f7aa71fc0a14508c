//! `/automation`: the shop's automatic replies (WB-2), audited. Everyone on the team may read
//! them (an agent sees what buyers are told automatically); changing them needs
//! `settings.manage`.

use axum::Json;
use axum::extract::State;
use kefu_domain::automation::AutoReplies;
use kefu_domain::role::Permission;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::audit;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;

/// The shop's automatic replies and their version (0: never saved, all off).
#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationView {
    pub replies: AutoReplies,
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/automation", tag = "team",
    responses((status = 200, body = AutomationView)))]
pub async fn automation(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<AutomationView>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let (replies, version) = state.store.auto_replies(agent.tenant_id()).await?;
    Ok(Json(AutomationView { replies, version }))
}

#[utoipa::path(put, path = "/api/v1/automation", tag = "team", request_body = AutoReplies,
    responses((status = 200, body = AutomationView), (status = 400, body = ErrorBody)))]
pub async fn put_automation(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(replies): ApiJson<AutoReplies>,
) -> Result<Json<AutomationView>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let replies = replies
        .check()
        .map_err(|invalid| ApiError::new(invalid.code(), invalid.0))?;
    let (before, _) = state.store.auto_replies(agent.tenant_id()).await?;
    let version = state
        .store
        .set_auto_replies(agent.tenant_id(), &replies, |after| {
            vec![audit::by(
                &agent,
                "automation.change",
                "automation",
                serde_json::json!({ "from": before, "to": after }),
            )]
        })
        .await?;
    Ok(Json(AutomationView { replies, version }))
}
