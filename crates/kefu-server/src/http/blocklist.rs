//! Blocking (WB-6, issue #17): an agent blocks a buyer as spam, harassment or ads, which
//! closes their conversation as invalid; supervisors see the blocklist, lift blocks and
//! restore invalid conversations. Every change is audited with it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::intake::{Block, BlockInput};
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use kefu_store::NewBlock;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Agent;
use crate::desk::outbound::publish_conversation;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};
use crate::{AppState, audit};

/// Blocks the buyer (spam, harassment, ads) for 1–365 days or until lifted; their current
/// conversation closes as invalid. The buyer may still write and sees nothing different.
#[utoipa::path(post, path = "/api/v1/buyers/{id}/block", tag = "conversations", params(("id" = Uuid, Path)), request_body = BlockInput,
    responses((status = 201, body = Block), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn block(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(buyer_id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<BlockInput>,
) -> Result<(StatusCode, Json<Block>), ApiError> {
    agent.require(Permission::ConversationReply)?;
    let (kind, note, expires_at) = input.check(now_ms()).map_err(|code| {
        ApiError::new(code, "a note of at most 200 characters, 1–365 days or none")
    })?;
    let new = NewBlock {
        buyer_id,
        kind,
        note: &note,
        expires_at,
        by: agent.user.id,
    };
    let (block, invalidated) = state
        .store
        .block_buyer(agent.tenant_id(), &new, |block| {
            vec![audit::by(
                &agent,
                "buyer.block",
                format!("buyer:{buyer_id}"),
                serde_json::json!(block),
            )]
        })
        .await?
        .ok_or(ErrorCode::BuyerNotFound)?;
    if let Some(conversation) = invalidated {
        metrics::counter!("kefu_invalid_conversations_total").increment(1);
        publish_conversation(&state, &conversation).await;
    }
    Ok((StatusCode::CREATED, Json(block)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockList {
    pub blocks: Vec<Block>,
}

/// The shop's blocks, newest first (at most 500), lifted and expired ones too.
#[utoipa::path(get, path = "/api/v1/blocklist", tag = "team",
    responses((status = 200, body = BlockList)))]
pub async fn blocklist(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<BlockList>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let blocks = state.store.blocks(agent.tenant_id(), 500).await?;
    Ok(Json(BlockList { blocks }))
}

/// Lifts a block: the buyer's invalid conversations count again (resolved; their next message
/// reopens one).
#[utoipa::path(post, path = "/api/v1/blocklist/{id}/lift", tag = "team", params(("id" = Uuid, Path)),
    responses((status = 200, body = Block), (status = 404, body = ErrorBody)))]
pub async fn lift(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Block>, ApiError> {
    agent.require(Permission::TeamManage)?;
    let (block, restored) = state
        .store
        .lift_block(agent.tenant_id(), id, agent.user.id, |block| {
            vec![audit::by(
                &agent,
                "buyer.unblock",
                format!("buyer:{}", block.buyer_id),
                serde_json::json!({ "block_id": block.id }),
            )]
        })
        .await?
        .ok_or(ErrorCode::BlockNotFound)?;
    for conversation in &restored {
        publish_conversation(&state, conversation).await;
    }
    Ok(Json(block))
}

/// Counts an invalid conversation again (the filter flagged it wrongly): open for the team,
/// routed as any other.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/restore", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
pub async fn restore(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::TeamManage)?;
    let conversation = state
        .store
        .restore_conversation(agent.tenant_id(), id, agent.user.id, |c| {
            vec![audit::by(
                &agent,
                "conversation.restore",
                format!("conversation:{}", c.id),
                serde_json::json!({}),
            )]
        })
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    publish_conversation(&state, &conversation).await;
    state.dispatcher.wake();
    Ok(Json(conversation))
}
