//! The agent's view of conversations: list, read, reply, resolve, reopen, assign, and the
//! event log behind every report.

pub mod context;
pub mod playbooks;
pub mod suggestions;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::account::AgentStatus;
use kefu_domain::conversation::{
    ConversationEvent, ConversationStatus, ConversationSummary, InternalNote,
};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::ServerFrame;
use kefu_domain::message::Message;
use kefu_domain::role::Permission;
use kefu_store::StatusFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::bus::Audience;
use crate::desk::inbound::{self, SendMessage};
use crate::desk::outbound;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open` (default), `resolved`, `invalid` (WB-6: spam, closed apart) or `all`.
    status: Option<String>,
    /// At most 200; default 50.
    limit: Option<i64>,
    /// Only conversations with this tag (WB-5).
    tag: Option<String>,
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
        Some("invalid") => StatusFilter::Only(ConversationStatus::Invalid),
        Some("all") => StatusFilter::All,
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidStatus,
                "status is open, resolved, invalid or all",
            ));
        }
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let conversations = state
        .store
        .list_conversations(
            agent.tenant_id(),
            filter,
            query
                .tag
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty()),
            limit,
        )
        .await?;
    Ok(Json(ConversationList { conversations }))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", params(("id" = Uuid, Path)),
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
        .ok_or_else(|| ErrorCode::ConversationNotFound.into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
        .map(|m| outbound::present(state, m))
        .collect();
    Ok(MessageList { messages })
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = Uuid, Path), MessagesQuery),
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
        .ok_or(ErrorCode::ConversationNotFound)?;
    Ok(Json(
        message_page(&state, agent.tenant_id(), id, &query).await?,
    ))
}

/// Replies to the buyer. 201 when stored, 200 when the `client_msg_id` was already stored.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(("id" = Uuid, Path)),
    request_body = SendMessage,
    responses((status = 201, body = Message), (status = 200, body = Message),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`message_conflict`: send again")))]
pub async fn send(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<SendMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let appended = inbound::send_as_agent(&state, &agent, id, request).await?;
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

#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "conversations", params(("id" = Uuid, Path)),
    request_body = ReadUpTo, responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReadUpTo>,
) -> Result<Json<ConversationSummary>, ApiError> {
    Ok(Json(
        inbound::read_by_agent(&state, &agent, id, request.seq).await?,
    ))
}

/// Tells the team about a changed conversation and answers with it.
async fn announce(
    state: &AppState,
    conversation: ConversationSummary,
) -> Json<ConversationSummary> {
    outbound::publish_conversation(state, &conversation).await;
    Json(conversation)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/resolve", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let current = state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    // WB-5: a team may require a tag before its agents resolve a conversation.
    if current.tags.is_empty() && team_requires_tag(&state, &agent).await? {
        return Err(ApiError::new(
            ErrorCode::TagRequired,
            "tag the conversation before resolving it",
        ));
    }
    let conversation = state
        .store
        .resolve_conversation(agent.tenant_id(), id, agent.user.id)
        .await?;
    // The agent has room for the next one in the queue.
    state.dispatcher.wake();
    if current.status != ConversationStatus::Resolved {
        // WB-2: the closing message.
        state
            .automation
            .resolved(&conversation, Some(agent.user.id));
    }
    Ok(announce(&state, conversation).await)
}

async fn team_requires_tag(state: &AppState, agent: &Agent) -> Result<bool, ApiError> {
    let Some(team) = &agent.user.team else {
        return Ok(false);
    };
    Ok(state
        .store
        .teams(agent.tenant_id())
        .await?
        .iter()
        .any(|t| &t.key == team && t.require_tag))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TagsUpdate {
    /// The conversation's tags after the change (at most 10).
    pub tags: Vec<String>,
}

/// Sets a conversation's tags; the event log records what was added and removed.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/tags", tag = "conversations", params(("id" = Uuid, Path)), request_body = TagsUpdate,
    responses((status = 200, body = ConversationSummary), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_tags(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(update): ApiJson<TagsUpdate>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let mut known: Vec<String> = kefu_domain::tags::BUILTIN_TAGS
        .iter()
        .map(|(k, ..)| (*k).to_owned())
        .collect();
    known.extend(
        state
            .store
            .custom_tags(agent.tenant_id())
            .await?
            .into_iter()
            .map(|t| t.key),
    );
    let mut tags: Vec<String> = vec![];
    for tag in update.tags {
        let tag = tag.trim().to_owned();
        if !known.contains(&tag) {
            return Err(ApiError::new(
                ErrorCode::UnknownTag,
                format!("no tag `{tag}`"),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > 10 {
        return Err(ApiError::new(ErrorCode::TooManyTags, "at most 10 tags"));
    }
    let conversation = state
        .store
        .set_conversation_tags(agent.tenant_id(), id, &tags, agent.user.id)
        .await?;
    Ok(announce(&state, conversation).await)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/reopen", tag = "conversations", params(("id" = Uuid, Path)),
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
pub struct AssignRequest {
    pub assignee_id: Uuid,
}

/// Hands the conversation to another member of the team (supervisors and admins).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", tag = "conversations", params(("id" = Uuid, Path)),
    request_body = AssignRequest,
    responses((status = 200, body = ConversationSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationAssign)?;
    let conversation = state
        .store
        .assign_conversation(agent.tenant_id(), id, request.assignee_id, agent.user.id)
        .await?;
    crate::desk::dispatch::tell_served(&state, &conversation).await;
    Ok(announce(&state, conversation).await)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<ConversationEvent>,
}

/// The conversation's event log, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/events", tag = "conversations", params(("id" = Uuid, Path)),
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
        .ok_or(ErrorCode::ConversationNotFound)?;
    let events = state
        .store
        .conversation_events(agent.tenant_id(), id)
        .await?;
    Ok(Json(EventList { events }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Transfer {
    /// A colleague to hand it to…
    #[serde(default)]
    pub to_user_id: Option<Uuid>,
    /// …or a team whose queue it goes back to, unassigned.
    #[serde(default)]
    pub to_team: Option<String>,
    /// For the one who takes it over; at most 500 characters.
    #[serde(default)]
    pub note: String,
}

/// Hands a conversation to a colleague or a team, with a note (WB-1). The agent on it may;
/// so may anyone who may assign.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/transfer", tag = "conversations", params(("id" = Uuid, Path)),
    request_body = Transfer,
    responses((status = 200, body = ConversationSummary), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<Transfer>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let current = state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    if current.assignee_id != Some(agent.user.id) && !agent.may(Permission::ConversationAssign) {
        return Err(ErrorCode::Forbidden.into());
    }
    let note = request.note.trim();
    if note.chars().count() > 500 {
        return Err(ApiError::new(
            ErrorCode::NoteTooLong,
            "a note is at most 500 characters",
        ));
    }
    let team = request
        .to_team
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (request.to_user_id, team) {
        (Some(colleague), None) => {
            // A colleague who is away or offline would only have it taken back (WB-7).
            let user = state
                .store
                .user(agent.tenant_id(), colleague)
                .await?
                .ok_or(ErrorCode::UserNotFound)?;
            if matches!(user.status, AgentStatus::Away | AgentStatus::Offline) {
                return Err(ErrorCode::ColleagueUnavailable.into());
            }
        }
        (None, Some(key)) => {
            if !state
                .store
                .teams(agent.tenant_id())
                .await?
                .iter()
                .any(|t| t.key == key)
            {
                return Err(ApiError::new(
                    ErrorCode::UnknownTeam,
                    "no team with that key",
                ));
            }
        }
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidTransfer,
                "name either a colleague (to_user_id) or a team (to_team)",
            ));
        }
    }
    let conversation = state
        .store
        .transfer_conversation(
            agent.tenant_id(),
            id,
            request.to_user_id,
            team,
            note,
            agent.user.id,
        )
        .await?;
    state.dispatcher.wake();
    crate::desk::dispatch::tell_served(&state, &conversation).await;
    if !note.is_empty() {
        let mentions: Vec<Uuid> = request.to_user_id.into_iter().collect();
        let note = state
            .store
            .add_note(
                agent.tenant_id(),
                id,
                &agent.user,
                &format!("转交：{note}"),
                &mentions,
                false,
            )
            .await?;
        state
            .bus
            .publish(
                agent.tenant_id(),
                Audience::Agents,
                ServerFrame::Note { note },
            )
            .await;
    }
    Ok(announce(&state, conversation).await)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InternalNoteList {
    pub notes: Vec<InternalNote>,
}

/// A conversation's internal notes, oldest first; never shown to the buyer.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/notes", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = InternalNoteList), (status = 404, body = ErrorBody)))]
pub async fn notes(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<InternalNoteList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    Ok(Json(InternalNoteList {
        notes: state.store.notes(agent.tenant_id(), id).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInternalNote {
    /// 1–1,000 characters; `@username` or `@显示名` mentions a colleague.
    pub body: String,
}

/// Adds an internal note; colleagues it @mentions are told. A supervisor's note on a
/// conversation someone else has is a whisper to them.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", tag = "conversations", params(("id" = Uuid, Path)),
    request_body = NewInternalNote,
    responses((status = 201, body = InternalNote), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(new): ApiJson<NewInternalNote>,
) -> Result<(StatusCode, Json<InternalNote>), ApiError> {
    agent.require(Permission::ConversationReply)?;
    let body = new.body.trim();
    if body.is_empty() {
        return Err(ApiError::new(
            ErrorCode::NoteEmpty,
            "a note needs some text",
        ));
    }
    if body.chars().count() > 1_000 {
        return Err(ApiError::new(
            ErrorCode::NoteTooLong,
            "a note is at most 1,000 characters",
        ));
    }
    let current = state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let mentions: Vec<Uuid> = state
        .store
        .team(agent.tenant_id())
        .await?
        .into_iter()
        .filter(|u| {
            u.id != agent.user.id
                && (body.contains(&format!("@{}", u.username))
                    || body.contains(&format!("@{}", u.display_name)))
        })
        .map(|u| u.id)
        .collect();
    let whisper = agent.may(Permission::ConversationAssign)
        && current.assignee_id.is_some_and(|a| a != agent.user.id);
    let note = state
        .store
        .add_note(agent.tenant_id(), id, &agent.user, body, &mentions, whisper)
        .await?;
    state
        .bus
        .publish(
            agent.tenant_id(),
            Audience::Agents,
            ServerFrame::Note { note: note.clone() },
        )
        .await;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Takes a conversation that is up for grabs (WB-8): of one's own team (or for anyone who may
/// assign), unassigned; the first to grab it gets it, everyone else `already_taken`.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/grab", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 200, body = ConversationSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn grab(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConversationSummary>, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let current = state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    if current.team != agent.user.team && !agent.may(Permission::ConversationAssign) {
        return Err(ErrorCode::Forbidden.into());
    }
    // With the router on, a waiting conversation is the queue's: only one offered to the
    // team (WB-8) may be grabbed, and only within the agent's cap.
    let routed = state
        .store
        .shop_settings(agent.tenant_id())
        .await?
        .routing_enabled;
    if routed && current.assignee_id.is_none() && !current.up_for_grabs {
        return Err(ErrorCode::QueuedForRouting.into());
    }
    let claim = if routed {
        kefu_store::Claim::GrabOffered
    } else {
        kefu_store::Claim::Grab
    };
    let Some(summary) = state
        .store
        .claim_conversation(agent.tenant_id(), id, agent.user.id, claim)
        .await?
    else {
        let now = state.store.conversation(agent.tenant_id(), id).await?;
        return Err(match now.is_some_and(|c| c.assignee_id.is_none()) {
            true => ErrorCode::AtCapacity,
            false => ErrorCode::AlreadyTaken,
        }
        .into());
    };
    crate::desk::dispatch::tell_served(&state, &summary).await;
    Ok(announce(&state, summary).await)
}
