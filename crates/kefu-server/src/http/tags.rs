//! `/tags`: the shop's conversation tags.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_domain::tags::Tag;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;
use crate::{AppState, audit};

#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    pub tags: Vec<Tag>,
}

/// The built-in categories and the shop's own tags (WB-5).
#[utoipa::path(get, path = "/api/v1/tags", tag = "conversations",
    responses((status = 200, body = TagList)))]
pub async fn tags(State(state): State<AppState>, agent: Agent) -> Result<Json<TagList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let mut tags = kefu_domain::tags::builtin();
    tags.extend(state.store.custom_tags(agent.tenant_id()).await?);
    Ok(Json(TagList { tags }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTag {
    /// 2–32 lower-case letters, digits or `_`.
    pub key: String,
    pub name: String,
}

/// Adds a shop's own tag.
#[utoipa::path(post, path = "/api/v1/tags", tag = "conversations", request_body = NewTag,
    responses((status = 201, body = Tag), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_tag(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(new): ApiJson<NewTag>,
) -> Result<(StatusCode, Json<Tag>), ApiError> {
    agent.require(Permission::TeamManage)?;
    let key = kefu_domain::tags::check_key(&new.key).map_err(|code| match code {
        ErrorCode::TagExists => ApiError::from(code),
        _ => ApiError::new(code, "a tag key is 2–32 lower-case letters, digits or '_'"),
    })?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 20 {
        return Err(ApiError::new(
            ErrorCode::InvalidName,
            "a tag name is 1–20 characters",
        ));
    }
    let tag = state
        .store
        .add_custom_tag(agent.tenant_id(), &key, name, |_| {
            vec![audit::by(
                &agent,
                "tag.create",
                format!("tag:{key}"),
                serde_json::json!({ "name": name }),
            )]
        })
        .await?;
    Ok((StatusCode::CREATED, Json(tag)))
}
