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

/// One person across channels (CH-6): the buyers an agent merged, and all their
/// conversations.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerProfile {
    /// The buyer asked for first, then the others, oldest first.
    pub buyers: Vec<Buyer>,
    /// Every conversation of theirs on any channel, newest activity first (at most 50).
    pub conversations: Vec<kefu_domain::conversation::ConversationSummary>,
}

async fn profile_of(state: &AppState, agent: &Agent, id: Uuid) -> Result<BuyerProfile, ApiError> {
    let buyers = state.store.buyer_profile(agent.tenant_id(), id).await?;
    if buyers.is_empty() {
        return Err(ErrorCode::BuyerNotFound.into());
    }
    let mut conversations = vec![];
    for buyer in &buyers {
        conversations.extend(
            state
                .store
                .conversations_of_buyer(agent.tenant_id(), buyer.id, 50)
                .await?,
        );
    }
    conversations.sort_by_key(|c| std::cmp::Reverse(c.last_message_at));
    conversations.truncate(50);
    Ok(BuyerProfile {
        buyers,
        conversations,
    })
}

/// The buyer's profile: the same person's buyers on other channels and their conversations.
#[utoipa::path(get, operation_id = "buyer_profile", path = "/api/v1/buyers/{id}/profile", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = BuyerProfile), (status = 404, body = ErrorBody)))]
pub async fn buyer_profile(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<BuyerProfile>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    Ok(Json(profile_of(&state, &agent, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeBuyers {
    /// The other buyer (and their profile) to join this one's.
    pub other_id: Uuid,
}

/// Merges another buyer (the same person on another channel) into this one's profile;
/// audited (`buyer.merge`).
#[utoipa::path(post, operation_id = "merge_buyers", path = "/api/v1/buyers/{id}/merge", tag = "conversations", params(("id" = Uuid, Path)),
    request_body = MergeBuyers,
    responses((status = 200, body = BuyerProfile), (status = 404, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MergeBuyers>,
) -> Result<Json<BuyerProfile>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let merged = state
        .store
        .merge_buyers(agent.tenant_id(), id, body.other_id, || {
            vec![crate::audit::by(
                &agent,
                "buyer.merge",
                format!("buyer:{id}"),
                serde_json::json!({"other": body.other_id}),
            )]
        })
        .await?;
    if !merged {
        return Err(ErrorCode::BuyerNotFound.into());
    }
    Ok(Json(profile_of(&state, &agent, id).await?))
}

/// Takes the buyer out of their profile (merged by mistake); audited (`buyer.split`).
#[utoipa::path(post, operation_id = "split_buyer", path = "/api/v1/buyers/{id}/split", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = BuyerProfile), (status = 404, body = ErrorBody)))]
pub async fn split(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<BuyerProfile>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let split = state
        .store
        .split_buyer(agent.tenant_id(), id, || {
            vec![crate::audit::by(
                &agent,
                "buyer.split",
                format!("buyer:{id}"),
                serde_json::json!({}),
            )]
        })
        .await?;
    if !split {
        return Err(ErrorCode::BuyerNotFound.into());
    }
    Ok(Json(profile_of(&state, &agent, id).await?))
}
