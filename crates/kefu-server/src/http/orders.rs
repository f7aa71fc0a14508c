//! `/orders`: one order, read by agents and upserted by the shop's backend (CH-2).

use axum::Json;
use axum::extract::State;
use kefu_domain::commerce::{Order, OrderInput};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;

use super::products::{UpsertResult, same_code};
use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

#[utoipa::path(get, path = "/api/v1/orders/{order_no}", tag = "commerce", params(("order_no" = String, Path)),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(order_no): ApiPath<String>,
) -> Result<Json<Order>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .order(agent.tenant_id(), &order_no)
        .await?
        .map(Json)
        .ok_or_else(|| ErrorCode::OrderNotFound.into())
}

/// Creates or replaces an order (status, logistics and after-sale changes included).
#[utoipa::path(put, path = "/api/v1/orders/{order_no}", tag = "commerce", params(("order_no" = String, Path)), request_body = OrderInput,
    responses((status = 200, body = UpsertResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_order(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(order_no): ApiPath<String>,
    ApiJson(order): ApiJson<OrderInput>,
) -> Result<Json<UpsertResult>, ApiError> {
    agent.require(Permission::CatalogManage)?;
    let order = order.check().map_err(ApiError::from)?;
    same_code(&order.order_no, &order_no)?;
    let counts = state
        .store
        .upsert_orders(agent.tenant_id(), std::slice::from_ref(&order))
        .await?;
    Ok(Json(counts.into()))
}
