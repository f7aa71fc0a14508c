//! Sending a message, the same way from every door (buyer or agent, WebSocket or HTTP): parse,
//! append through the group-commit writer, then publish to the sessions that should see it.

use kefu_domain::account::Buyer;
use kefu_domain::channel::Entry;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::frames::{Party, ServerFrame};
use kefu_domain::message::{Message, MessageContent, MessageKind, SenderKind, parse_client_msg_id};
use kefu_domain::role::Permission;
use kefu_store::{AppendRequest, Appended};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::bus::Audience;
use crate::error::ApiError;

/// A message to send, as the HTTP API takes it (the WebSocket `send` frame carries the same).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SendMessage {
    /// 1–64 bytes chosen by the client; repeating it repeats nothing.
    pub client_msg_id: String,
    pub kind: MessageKind,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub attachment_id: Option<Uuid>,
}

/// Fills in the signed links a message's attachment is fetched by.
pub fn present(state: &AppState, mut message: Message) -> Message {
    if let Some(attachment) = &mut message.attachment {
        attachment.url = state.keys.file_url(attachment.id);
    }
    message
}

/// Sends as the buyer into their current conversation, opening one on the first message.
/// A session that already knows the conversation passes it as `known`.
pub async fn send_as_buyer(
    state: &AppState,
    buyer: &Buyer,
    entry: Entry,
    known: Option<Uuid>,
    send: SendMessage,
) -> Result<Appended, ApiError> {
    let content = MessageContent::parse(send.kind, &send.body, send.attachment_id)?;
    let client_msg_id = parse_client_msg_id(&send.client_msg_id)?;
    let conversation_id = match known {
        Some(id) => id,
        None => {
            state
                .store
                .open_conversation(buyer.tenant_id, buyer, entry)
                .await?
                .id
        }
    };
    append_and_publish(
        state,
        AppendRequest {
            tenant_id: buyer.tenant_id,
            conversation_id,
            sender_kind: SenderKind::Buyer,
            sender_id: Some(buyer.id),
            sender_name: buyer.display_name.clone(),
            client_msg_id: Some(client_msg_id),
            content,
            external_id: None,
        },
    )
    .await
}

pub async fn send_as_agent(
    state: &AppState,
    agent: &Agent,
    conversation_id: Uuid,
    send: SendMessage,
) -> Result<Appended, ApiError> {
    agent.require(Permission::HandleConversations)?;
    let content = MessageContent::parse(send.kind, &send.body, send.attachment_id)?;
    let client_msg_id = parse_client_msg_id(&send.client_msg_id)?;
    append_and_publish(
        state,
        AppendRequest {
            tenant_id: agent.tenant_id(),
            conversation_id,
            sender_kind: SenderKind::Agent,
            sender_id: Some(agent.user.id),
            sender_name: agent.user.display_name.clone(),
            client_msg_id: Some(client_msg_id),
            content,
            external_id: None,
        },
    )
    .await
}

/// Appends and publishes on a task of its own: a sender that goes away mid-send (an HTTP
/// client timing out) must not leave a stored message unannounced.
async fn append_and_publish(
    state: &AppState,
    request: AppendRequest,
) -> Result<Appended, ApiError> {
    let state = state.clone();
    tokio::spawn(async move {
        let appended = state.writer.append(request).await?;
        Ok(publish_appended(&state, appended).await)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("send task failed: {e}")))?
}

async fn publish_appended(state: &AppState, mut appended: Appended) -> Appended {
    appended.message = present(state, appended.message);
    if appended.duplicate {
        metrics::counter!("kefu_duplicate_sends_total").increment(1);
        return appended;
    }
    metrics::counter!("kefu_messages_total", "sender" => appended.message.sender_kind.as_str())
        .increment(1);
    let conversation = &appended.conversation;
    state
        .bus
        .publish(
            conversation.tenant_id,
            Audience::AgentsAndBuyer(conversation.buyer_id),
            ServerFrame::Message {
                message: appended.message.clone(),
            },
        )
        .await;
    publish_conversation(state, conversation).await;
    appended
}

/// Tells every agent of the tenant that a conversation changed.
pub async fn publish_conversation(state: &AppState, conversation: &ConversationSummary) {
    state
        .bus
        .publish(
            conversation.tenant_id,
            Audience::Agents,
            ServerFrame::Conversation {
                conversation: conversation.clone(),
            },
        )
        .await;
}

/// The team read up to `seq`: unread counts drop for every agent, the buyer sees "read".
pub async fn read_by_agent(
    state: &AppState,
    agent: &Agent,
    conversation_id: Uuid,
    seq: i64,
) -> Result<ConversationSummary, ApiError> {
    agent.require(Permission::ReadConversations)?;
    let conversation = state
        .store
        .mark_read_by_agent(agent.tenant_id(), conversation_id, seq)
        .await?;
    publish_conversation(state, &conversation).await;
    state
        .bus
        .publish(
            conversation.tenant_id,
            Audience::Buyer(conversation.buyer_id),
            ServerFrame::Read {
                conversation_id,
                party: Party::Agent,
                seq: seq.min(conversation.last_seq),
            },
        )
        .await;
    Ok(conversation)
}

/// The buyer read up to `seq`: agents see "read" on their messages.
pub async fn read_by_buyer(
    state: &AppState,
    buyer: &Buyer,
    seq: i64,
) -> Result<Option<ConversationSummary>, ApiError> {
    let Some(current) = state
        .store
        .current_conversation(buyer.tenant_id, buyer.id)
        .await?
    else {
        return Ok(None);
    };
    let conversation = state
        .store
        .mark_read_by_buyer(buyer.tenant_id, current.id, seq)
        .await?;
    state
        .bus
        .publish(
            conversation.tenant_id,
            Audience::Agents,
            ServerFrame::Read {
                conversation_id: conversation.id,
                party: Party::Buyer,
                seq: conversation.buyer_read_seq,
            },
        )
        .await;
    Ok(Some(conversation))
}
