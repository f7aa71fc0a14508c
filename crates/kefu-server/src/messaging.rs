//! Sending a message, the same way from every door (buyer or agent, WebSocket or HTTP): parse,
//! submit to the group-commit writer, which announces each stored message to the sessions that
//! should see it, in commit order, before its sender hears back.

use std::sync::Arc;

use kefu_domain::account::Buyer;
use kefu_domain::channel::Entry;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::frames::{Party, ServerFrame};
use kefu_domain::message::{Message, MessageContent, MessageKind, SenderKind, parse_client_msg_id};
use kefu_domain::role::Permission;
use kefu_store::writer::{Announce, Pending};
use kefu_store::{AppendRequest, Appended};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Agent, Keys};
use crate::bus::{Audience, Bus};
use crate::error::ApiError;
use crate::{AppState, commerce};

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
pub fn present(state: &AppState, message: Message) -> Message {
    present_with(&state.keys, message)
}

fn present_with(keys: &Keys, mut message: Message) -> Message {
    if let Some(attachment) = &mut message.attachment {
        attachment.url = keys.file_url(attachment.id);
    }
    message
}

/// What the writer does with each committed message, in commit order, before the sender
/// hears back: sign its links and tell the sessions that should see it.
pub fn announcer(
    bus: Bus,
    keys: Arc<Keys>,
    dispatcher: crate::dispatch::Dispatcher,
    robot: crate::robot::RobotDesk,
) -> Announce {
    Arc::new(move |mut appended: Appended| {
        let (bus, keys, dispatcher) = (bus.clone(), keys.clone(), dispatcher.clone());
        let robot = robot.clone();
        Box::pin(async move {
            // A buyer waiting for someone: the router may assign now (WB-4).
            if appended.message.sender_kind == SenderKind::Buyer
                && appended.conversation.assignee_id.is_none()
            {
                dispatcher.retell(appended.conversation.id);
            }
            appended.message = present_with(&keys, appended.message);
            if appended.duplicate {
                metrics::counter!("kefu_duplicate_sends_total").increment(1);
                return appended;
            }
            metrics::counter!("kefu_messages_total", "sender" => appended.message.sender_kind.as_str())
                .increment(1);
            let conversation = &appended.conversation;
            bus.publish(
                conversation.tenant_id,
                Audience::AgentsAndBuyer(conversation.buyer_id),
                ServerFrame::Message {
                    message: appended.message.clone(),
                },
            )
            .await;
            announce_conversation(&bus, conversation).await;
            // The robot reads it after everyone saw it (BOT-3).
            if appended.message.sender_kind == SenderKind::Buyer {
                robot.consider(conversation, &appended.message, appended.reopened);
            }
            appended
        })
    })
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
    let (pending, _) = submit_as_buyer(state, buyer, entry, known, send).await?;
    Ok(pending.await?)
}

/// Checks and queues a buyer's message; the answer comes when it is stored and announced.
/// Returns the conversation it goes into.
pub async fn submit_as_buyer(
    state: &AppState,
    buyer: &Buyer,
    entry: Entry,
    known: Option<Uuid>,
    send: SendMessage,
) -> Result<(Pending, Uuid), ApiError> {
    if send.kind == MessageKind::Buttons {
        return Err(kefu_domain::message::ContentError::ButtonsNotForBuyers.into());
    }
    let content = MessageContent::parse(send.kind, &send.body, send.attachment_id)?;
    let client_msg_id = parse_client_msg_id(&send.client_msg_id)?;
    let content = commerce::resolve_card(
        state,
        buyer.tenant_id,
        commerce::member_of(buyer),
        content,
        None,
    )
    .await?;
    let conversation_id = match known {
        Some(id) => id,
        None => {
            let opened = state
                .store
                .open_conversation(buyer.tenant_id, buyer, entry, &Default::default())
                .await?;
            let text = (content.kind == MessageKind::Text).then_some(content.body.as_str());
            crate::dispatch::route_new(state, &opened, text).await;
            crate::robot::adopt(state, &opened).await;
            opened.id
        }
    };
    let pending = state
        .writer
        .submit(AppendRequest {
            tenant_id: buyer.tenant_id,
            conversation_id,
            sender_kind: SenderKind::Buyer,
            sender_id: Some(buyer.id),
            sender_name: buyer.display_name.clone(),
            client_msg_id: Some(client_msg_id),
            content,
            external_id: None,
        })
        .await?;
    Ok((pending, conversation_id))
}

pub async fn send_as_agent(
    state: &AppState,
    agent: &Agent,
    conversation_id: Uuid,
    send: SendMessage,
) -> Result<Appended, ApiError> {
    Ok(submit_as_agent(state, agent, conversation_id, send)
        .await?
        .await?)
}

/// Checks and queues an agent's message; the answer comes when it is stored and announced.
pub async fn submit_as_agent(
    state: &AppState,
    agent: &Agent,
    conversation_id: Uuid,
    send: SendMessage,
) -> Result<Pending, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let content = MessageContent::parse(send.kind, &send.body, send.attachment_id)?;
    let client_msg_id = parse_client_msg_id(&send.client_msg_id)?;
    let content = if content.card_ref().is_some() {
        // Only the conversation's own buyer's orders may be shown in it.
        let conversation = state
            .store
            .conversation(agent.tenant_id(), conversation_id)
            .await?
            .ok_or(ApiError::NotFound("conversation"))?;
        let buyer = state
            .store
            .buyer(agent.tenant_id(), conversation.buyer_id)
            .await?
            .ok_or(ApiError::NotFound("buyer"))?;
        commerce::resolve_card(
            state,
            agent.tenant_id(),
            commerce::member_of(&buyer),
            content,
            None,
        )
        .await?
    } else {
        content
    };
    Ok(state
        .writer
        .submit(AppendRequest {
            tenant_id: agent.tenant_id(),
            conversation_id,
            sender_kind: SenderKind::Agent,
            sender_id: Some(agent.user.id),
            sender_name: agent.user.display_name.clone(),
            client_msg_id: Some(client_msg_id),
            content,
            external_id: None,
        })
        .await?)
}

/// The sender's `ack` for a stored message.
pub fn ack(appended: Appended) -> ServerFrame {
    let message = appended.message;
    ServerFrame::Ack {
        client_msg_id: message.client_msg_id.unwrap_or_default(),
        message_id: message.id,
        conversation_id: message.conversation_id,
        seq: message.seq,
        created_at: message.created_at,
        duplicate: appended.duplicate,
    }
}

/// Tells every agent of the tenant that a conversation changed.
pub async fn publish_conversation(state: &AppState, conversation: &ConversationSummary) {
    announce_conversation(&state.bus, conversation).await;
}

async fn announce_conversation(bus: &Bus, conversation: &ConversationSummary) {
    bus.publish(
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
    agent.require(Permission::ConversationRead)?;
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
