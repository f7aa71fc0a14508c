//! `/after-sales`: the after-sale requests the robot's flows filed (BOT-4).

use axum::Json;
use axum::extract::State;
use kefu_domain::role::Permission;
use kefu_store::AfterSaleRow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct AfterSaleList {
    pub requests: Vec<AfterSaleRow>,
}

/// After-sale requests buyers filed through the robot's flows, newest first.
#[utoipa::path(get, path = "/api/v1/after-sales", tag = "robot",
    responses((status = 200, body = AfterSaleList), (status = 403, body = ErrorBody)))]
pub async fn after_sales(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<AfterSaleList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let requests = state.store.after_sales(agent.tenant_id(), 200).await?;
    Ok(Json(AfterSaleList { requests }))
}
