//! The agent's view of conversations: list, read, reply, resolve, reopen, assign, and the
//! event log behind every report.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::conversation::{ConversationEvent, ConversationStatus, ConversationSummary};
use kefu_domain::message::Message;
use kefu_domain::role::Permission;
use kefu_store::StatusFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::messaging::{self, SendMessage};

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `open` (default), `resolved` or `all`.
    status: Option<String>,
    /// At most 200; default 50.
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationList {
    pub conversations: Vec<ConversationSummary>,
}

/// The tenant's conversations, most recent activity first.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(ListQuery),
    responses((status = 200, body = ConversationList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<ConversationList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let filter = match query.status.as_deref() {
        None | Some("open") => StatusFilter::Only(ConversationStatus::Open),
        Some("resolved") => StatusFilter::Only(ConversationStatus::Resolved),
        Some("all") => StatusFilter::All,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_status",
                "status is open, resolved or all",
            ));
        }
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let conversations = state
        .store
        .list_conversations(agent.tenant_id(), filter, limit)
        .await?;
    Ok(Json(ConversationList { conversations }))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("conversation"))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MessagesQuery {
    /// Messages after this seq (default 0).
    pub after_seq: Option<i64>,
    /// Only messages before this seq: the newest `limit` of them (paging back).
    pub before_seq: Option<i64>,
    /// At most 500; default 200.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub messages: Vec<Message>,
}

pub(crate) async fn message_page(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    query: &MessagesQuery,
) -> Result<MessageList, ApiError> {
    let limit = query.limit.unwrap_or(200).clamp(1, 500);
    let messages = state
        .store
        .messages(
            tenant_id,
            conversation_id,
            query.after_seq.unwrap_or(0),
            query.before_seq,
            limit,
        )
        .await?
        .into_iter()
        .map(|m| messaging::present(state, m))
        .collect();
    Ok(MessageList { messages })
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(MessagesQuery),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<MessageList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    Ok(Json(
        message_page(&state, agent.tenant_id(), id, &query).await?,
    ))
}

/// Replies to the buyer. 201 when stored, 200 when the `client_msg_id` was already stored.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    request_body = SendMessage,
    responses((status = 201, body = Message), (status = 200, body = Message),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<SendMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let appended = messaging::send_as_agent(&state, &agent, id, request).await?;
    let status = if appended.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(appended.message)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadUpTo {
    pub seq: i64,
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations",
    request_body = ReadUpTo, responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReadUpTo>,
) -> Result<Json<ConversationSummary>, ApiError> {
    Ok(Json(
        messaging::read_by_agent(&state, &agent, id, request.seq).await?,
    ))
}

/// Tells the team about a changed conversation and answers with it.
async fn announce(
    state: &AppState,
    conversation: ConversationSummary,
) -> Json<ConversationSummary> {
    messaging::publish_conversation(state, &conversation).await;
    Json(conversation)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/resolve", tag = "conversations",
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let conversation = state
        .store
        .resolve_conversation(agent.tenant_id(), id, agent.user.id)
        .await?;
    Ok(announce(&state, conversation).await)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/reopen", tag = "conversations",
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let conversation = state
        .store
        .reopen_conversation(agent.tenant_id(), id, agent.user.id)
        .await?;
    Ok(announce(&state, conversation).await)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Assignment {
    pub assignee_id: Uuid,
}

/// Hands the conversation to another member of the team (supervisors and admins).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", tag = "conversations",
    request_body = Assignment,
    responses((status = 200, body = ConversationSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<Assignment>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationAssign)?;
    let conversation = state
        .store
        .assign_conversation(agent.tenant_id(), id, request.assignee_id, agent.user.id)
        .await?;
    Ok(announce(&state, conversation).await)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<ConversationEvent>,
}

/// The conversation's event log, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/events", tag = "conversations",
    responses((status = 200, body = EventList), (status = 404, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<EventList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    let events = state
        .store
        .conversation_events(agent.tenant_id(), id)
        .await?;
    Ok(Json(EventList { events }))
}
