//! `/permission-groups` (ACC-3, ACC-4): groups of extra permissions, granted to accounts
//! with an expiry, and revoked. Every change lands in the audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::guard::{Grant, PermissionGroup};
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::accounts::check_display_name;
use crate::audit;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub groups: Vec<PermissionGroup>,
    pub grants: Vec<Grant>,
    /// Every permission there is, for the editor.
    pub permissions: Vec<Permission>,
}

#[utoipa::path(get, path = "/api/v1/permission-groups", tag = "team",
    responses((status = 200, body = GroupList), (status = 403, body = ErrorBody)))]
pub async fn groups(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<GroupList>, ApiError> {
    agent.require(Permission::AccountManage)?;
    Ok(Json(GroupList {
        groups: state.store.groups(agent.tenant_id()).await?,
        grants: state.store.grants(agent.tenant_id()).await?,
        permissions: Permission::ALL.to_vec(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroup {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Permission names, e.g. `["refund.approve", "report.view"]`.
    pub permissions: Vec<String>,
}

/// Defines a permission group (权限组, ACC-3).
#[utoipa::path(post, path = "/api/v1/permission-groups", tag = "team", request_body = NewGroup,
    responses((status = 201, body = PermissionGroup), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(new): ApiJson<NewGroup>,
) -> Result<(StatusCode, Json<PermissionGroup>), ApiError> {
    agent.require(Permission::AccountManage)?;
    let name = check_display_name(&new.name)?;
    if new.description.chars().count() > 200 {
        return Err(ApiError::new(
            ErrorCode::InvalidDescription,
            "a description is at most 200 characters",
        ));
    }
    let mut permissions = vec![];
    for name in &new.permissions {
        let p = Permission::parse(name).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnknownPermission,
                format!("no permission `{name}`"),
            )
        })?;
        if !permissions.contains(&p) {
            permissions.push(p);
        }
    }
    if permissions.is_empty() {
        return Err(ApiError::new(
            ErrorCode::UnknownPermission,
            "a group holds at least one permission",
        ));
    }
    let group = state
        .store
        .create_group(
            agent.tenant_id(),
            name,
            new.description.trim(),
            &permissions,
            |group| {
                vec![audit::by(
                    &agent,
                    "group.create",
                    format!("group:{}", group.id),
                    serde_json::json!({ "name": group.name, "permissions": group.permissions }),
                )]
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(group)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantRequest {
    /// Accounts of this shop (at most 500 at once).
    pub user_ids: Vec<Uuid>,
    /// The grant ends then (epoch ms), e.g. when the promotion ends; none: until revoked.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Granted {
    pub granted: u64,
}

/// Grants a group to many accounts at once, maybe until a time.
#[utoipa::path(post, path = "/api/v1/permission-groups/{id}/grants", tag = "team", params(("id" = Uuid, Path)), request_body = GrantRequest,
    responses((status = 200, body = Granted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<GrantRequest>,
) -> Result<Json<Granted>, ApiError> {
    agent.require(Permission::AccountManage)?;
    if request.user_ids.is_empty() || request.user_ids.len() > 500 {
        return Err(ApiError::new(
            ErrorCode::InvalidAccounts,
            "grant to 1 to 500 accounts at once",
        ));
    }
    if request.expires_at.is_some_and(|t| t <= now_ms()) {
        return Err(ApiError::new(
            ErrorCode::ExpiryInThePast,
            "a grant's expiry is in the future",
        ));
    }
    let granted = state
        .store
        .grant_group(
            agent.tenant_id(),
            id,
            &request.user_ids,
            agent.user.id,
            request.expires_at,
        |_| vec![audit::by(&agent, "group.grant", format!("group:{id}"), serde_json::json!({ "user_ids": request.user_ids, "expires_at": request.expires_at }))])
        .await?;
    Ok(Json(Granted { granted }))
}

/// Takes a group away from an account.
#[utoipa::path(delete, path = "/api/v1/permission-groups/{id}/grants/{user_id}", tag = "team", params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::AccountManage)?;
    if !state
        .store
        .revoke_group(agent.tenant_id(), id, user_id, |_| {
            vec![audit::by(
                &agent,
                "group.revoke",
                format!("group:{id}"),
                serde_json::json!({ "user_id": user_id }),
            )]
        })
        .await?
    {
        return Err(ErrorCode::GrantNotFound.into());
    }
    Ok(StatusCode::NO_CONTENT)
}
