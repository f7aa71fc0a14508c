//! `/robot/flows` (BOT-4): the merchant's multi-turn flows, listed, put and deleted; a change
//! rebuilds the robot, which is trained on the flows' triggers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_robot::flow::Flow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::audit;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

/// The shop's flows.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowList {
    #[schema(value_type = Vec<kefu_robot::Flow>)]
    pub flows: Vec<serde_json::Value>,
}

/// The shop's multi-turn flows (agents may read them; `kb.manage` changes them).
#[utoipa::path(get, path = "/api/v1/robot/flows", tag = "robot",
    responses((status = 200, body = FlowList), (status = 403, body = ErrorBody)))]
pub async fn flows(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<FlowList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let flows = state
        .store
        .robot_flows(agent.tenant_id())
        .await?
        .into_iter()
        .map(|row| row.body)
        .collect();
    Ok(Json(FlowList { flows }))
}

/// Creates or replaces a flow; the path's id wins over the body's. A definition that does
/// not hold together is refused with `bad_flow` and a message naming the problem.
#[utoipa::path(put, path = "/api/v1/robot/flows/{id}", tag = "robot", params(("id" = String, Path)),
    request_body(content = kefu_robot::Flow, description = "the flow (docs/robot.md); its id may be left out: the path's wins"),
    responses((status = 200, body = kefu_robot::Flow), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_flow(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    agent.require(Permission::KbManage)?;
    body.insert("id".to_owned(), serde_json::Value::String(id));
    let flow: Flow = serde_json::from_value(serde_json::Value::Object(body))
        .map_err(|e| ApiError::new(ErrorCode::BadFlow, e.to_string()))?;
    flow.check()
        .map_err(|message| ApiError::new(ErrorCode::BadFlow, message))?;
    let body = serde_json::to_value(&flow).map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .store
        .put_robot_flow(
            agent.tenant_id(),
            &flow.id,
            &body,
            Some(agent.user.id),
            |_| {
                vec![audit::by(
                    &agent,
                    "kb.flow_change",
                    format!("flow:{}", flow.id),
                    serde_json::json!({ "name": flow.name, "enabled": flow.enabled }),
                )]
            },
        )
        .await?;
    crate::desk::robot::rebuild_soon(&state, agent.tenant_id());
    Ok(Json(body))
}

/// Removes a flow; buyers in it are left where they are, and the robot reads their next
/// message afresh.
#[utoipa::path(delete, path = "/api/v1/robot/flows/{id}", tag = "robot", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete_flow(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::KbManage)?;
    if !state
        .store
        .delete_robot_flow(agent.tenant_id(), &id, |_| {
            vec![audit::by(
                &agent,
                "kb.flow_delete",
                format!("flow:{id}"),
                serde_json::json!({}),
            )]
        })
        .await?
    {
        return Err(ErrorCode::FlowNotFound.into());
    }
    crate::desk::robot::rebuild_soon(&state, agent.tenant_id());
    Ok(StatusCode::NO_CONTENT)
}
