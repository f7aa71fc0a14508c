//! `/buyers`: the agent's view of a buyer, and the notes agents keep on a buyer (CH-2).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::account::Buyer;
use kefu_domain::commerce::{BuyerNote, MAX_NOTE_CHARS};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

/// A buyer as agents see them.
#[utoipa::path(get, path = "/api/v1/buyers/{id}", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = Buyer), (status = 404, body = ErrorBody)))]
pub async fn profile(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Buyer>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .buyer(agent.tenant_id(), id)
        .await?
        .map(Json)
        .ok_or_else(|| ErrorCode::BuyerNotFound.into())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerNoteList {
    pub notes: Vec<BuyerNote>,
}

#[utoipa::path(get, operation_id = "buyer_notes", path = "/api/v1/buyers/{id}/notes", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = BuyerNoteList), (status = 404, body = ErrorBody)))]
pub async fn notes(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<BuyerNoteList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .buyer(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::BuyerNotFound)?;
    let notes = state.store.buyer_notes(agent.tenant_id(), id).await?;
    Ok(Json(BuyerNoteList { notes }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewNote {
    /// 1 to 1,000 characters.
    pub body: String,
}

/// Adds a note on the buyer that every agent of the shop sees (CH-6).
#[utoipa::path(post, operation_id = "add_buyer_note", path = "/api/v1/buyers/{id}/notes", tag = "conversations", params(("id" = Uuid, Path)), request_body = NewNote,
    responses((status = 201, body = BuyerNote), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(note): ApiJson<NewNote>,
) -> Result<(StatusCode, Json<BuyerNote>), ApiError> {
    agent.require(Permission::ConversationReply)?;
    let body = note.body.trim();
    if body.is_empty() {
        return Err(ApiError::new(
            ErrorCode::NoteEmpty,
            "a note needs some text",
        ));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::new(
            ErrorCode::NoteTooLong,
            "a note is at most 1,000 characters",
        ));
    }
    let note = state
        .store
        .add_buyer_note(agent.tenant_id(), id, &agent.user, body)
        .await?;
    Ok((StatusCode::CREATED, Json(note)))
}
