//! `/handoffs`: partner handoff cases (CH-5), the tracking list and closing a case.

use axum::Json;
use axum::extract::State;
use kefu_domain::commerce::HandoffCase;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// `open` (default), `closed` or `all`.
    status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffList {
    pub handoffs: Vec<HandoffCase>,
}

/// The shop's partner handoff cases: open ones by due date (the tracking list, CH-5).
#[utoipa::path(get, path = "/api/v1/handoffs", tag = "commerce", params(CasesQuery),
    responses((status = 200, body = HandoffList), (status = 400, body = ErrorBody)))]
pub async fn handoff_cases(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<CasesQuery>,
) -> Result<Json<HandoffList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let status = match query.status.as_deref() {
        None | Some("open") => Some("open"),
        Some("closed") => Some("closed"),
        Some("all") => None,
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidStatus,
                "status is open, closed or all",
            ));
        }
    };
    let handoffs = state
        .store
        .handoff_cases(agent.tenant_id(), status, 200)
        .await?;
    Ok(Json(HandoffList { handoffs }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseHandoff {
    /// What came of it; at most 500 characters.
    #[serde(default)]
    pub resolution: String,
}

/// Closes a case once the partner has answered.
#[utoipa::path(post, path = "/api/v1/handoffs/{id}/close", tag = "commerce", params(("id" = Uuid, Path)), request_body = CloseHandoff,
    responses((status = 200, body = HandoffCase), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_handoff(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CloseHandoff>,
) -> Result<Json<HandoffCase>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let resolution = request.resolution.trim();
    if resolution.chars().count() > 500 {
        return Err(ApiError::new(
            ErrorCode::ResolutionTooLong,
            "a resolution is at most 500 characters",
        ));
    }
    Ok(Json(
        state
            .store
            .close_handoff(agent.tenant_id(), id, resolution)
            .await?,
    ))
}
