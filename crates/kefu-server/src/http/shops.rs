//! `/shops`: what the chat page shows of a shop before a buyer writes: its name, and whether
//! and how fast its agents answer.

use axum::Json;
use axum::extract::State;
use kefu_domain::account::TenantKind;
use kefu_domain::error_code::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::desk::service::ServiceStatus;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;

/// What the chat page shows of a shop.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShopInfo {
    pub slug: String,
    pub name: String,
    pub kind: TenantKind,
    /// Agents online, the typical first response, the next opening (issue #17).
    pub service: ServiceStatus,
}

#[utoipa::path(get, path = "/api/v1/shops/{slug}", tag = "buyer", params(("slug" = String, Path)),
    responses((status = 200, body = ShopInfo), (status = 404, body = ErrorBody)))]
pub async fn shop(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ShopInfo>, ApiError> {
    let tenant = state
        .store
        .tenant_by_slug(&slug)
        .await?
        .ok_or(ErrorCode::ShopNotFound)?;
    let service = crate::desk::service::status(&state, tenant.id)
        .await?
        .as_ref()
        .clone();
    Ok(Json(ShopInfo {
        service,
        slug: tenant.slug,
        name: tenant.name,
        kind: tenant.kind,
    }))
}
