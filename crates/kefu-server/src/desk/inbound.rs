//! The one door into a conversation. Every channel's buyer message (the chat page over
//! WebSocket or HTTP today; WeChat, WeCom, Douyin, email, phone next) and every agent reply
//! enters here: parsed, cards resolved, the conversation opened or reopened and routed, then
//! handed to the group-commit writer. An entry link opens a conversation with its context.

use kefu_domain::account::Buyer;
use kefu_domain::channel::Entry;
use kefu_domain::channel::Overflowed;
use kefu_domain::commerce::EntryContext;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::{Party, ServerFrame};
use kefu_domain::message::{MessageContent, MessageKind, SenderKind, parse_client_msg_id};
use kefu_domain::role::Permission;
use kefu_store::writer::Pending;
use kefu_store::{AppendRequest, Appended, NewConversation};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::bus::Audience;
use crate::desk::cards::{self, member_of, resolve_card};
use crate::desk::outbound::publish_conversation;
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
    let content = cards::resolve_card(
        state,
        buyer.tenant_id,
        cards::member_of(buyer),
        content,
        None,
    )
    .await?;
    let text = (content.kind == MessageKind::Text).then_some(content.body.as_str());
    let conversation_id = match known {
        Some(id) => id,
        None => {
            // Team and robot are decided first, so the opening is one write, and a burst of
            // first messages shares a few commits (issue #14).
            let team = crate::desk::dispatch::team_for(
                state,
                buyer.tenant_id,
                buyer.vip_level,
                entry,
                buyer.channel,
                &Default::default(),
                text,
            )
            .await;
            let mut robot_active = crate::desk::robot::takes_new(state, buyer.tenant_id).await;
            // CH-7: a channel whose queue is full sends new buyers to the robot or elsewhere.
            let team = match crate::channels::overflowed(state, buyer).await {
                Some(Overflowed::Robot) => {
                    robot_active = true;
                    team
                }
                Some(Overflowed::Team(overflow)) => Some(overflow),
                None => team,
            };
            let new = NewConversation {
                buyer: buyer.clone(),
                entry,
                team,
                robot_active,
            };
            let opened = state.opener.open(new).await?.id;
            crate::desk::intake::opened(state, buyer.tenant_id, buyer.id, opened).await?;
            opened
        }
    };
    // WB-6: a flagged message still goes in, into a conversation closed as invalid first.
    if let Some(flag) = crate::desk::intake::flag(state, buyer.tenant_id, buyer.id, text).await? {
        crate::desk::intake::invalidate(state, buyer.tenant_id, conversation_id, &flag.reason())
            .await?;
    }
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
    // A card shows only the conversation's own buyer's orders; a buyer on another platform
    // is written to only as that platform allows (issue #21). The chat page's plain
    // messages need neither.
    let content = if content.card_ref().is_some()
        || !crate::channels::web_only(state, agent.tenant_id()).await?
    {
        let conversation = state
            .store
            .conversation(agent.tenant_id(), conversation_id)
            .await?
            .ok_or(ErrorCode::ConversationNotFound)?;
        let buyer = state
            .store
            .buyer(agent.tenant_id(), conversation.buyer_id)
            .await?
            .ok_or(ErrorCode::BuyerNotFound)?;
        if conversation.channel != kefu_domain::channel::Channel::Web {
            crate::channels::check_can_send(state, &conversation, &buyer).await?;
        }
        match content.card_ref().is_some() {
            true => {
                cards::resolve_card(
                    state,
                    agent.tenant_id(),
                    cards::member_of(&buyer),
                    content,
                    None,
                )
                .await?
            }
            false => content,
        }
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

/// What an entry link opens with: the conversation takes the context, and an order or
/// product card goes in as the buyer's message (once per link: a reload repeats nothing).
pub async fn open_with_context(
    state: &AppState,
    buyer: &Buyer,
    entry: Entry,
    context: &EntryContext,
    link_id: &str,
) -> Result<ConversationSummary, ApiError> {
    let conversation = state
        .store
        .open_conversation(buyer.tenant_id, buyer, entry, context)
        .await?;
    crate::desk::intake::opened(state, buyer.tenant_id, buyer.id, conversation.id).await?;
    crate::desk::dispatch::route_new(state, &conversation, None).await;
    crate::desk::robot::adopt(state, &conversation).await;
    let card = match (&context.order_no, &context.product_code) {
        (Some(order_no), _) => Some((
            MessageKind::OrderCard,
            serde_json::json!({ "order_no": order_no }),
        )),
        (None, Some(code)) => Some((
            MessageKind::ProductCard,
            serde_json::json!({ "product_code": code, "sku_code": context.sku_code }),
        )),
        (None, None) => None,
    };
    if let Some((kind, reference)) = card {
        let content = MessageContent::parse(kind, &reference.to_string(), None)?;
        let content = resolve_card(
            state,
            buyer.tenant_id,
            member_of(buyer),
            content,
            context.room_title.clone(),
        )
        .await?;
        state
            .writer
            .append(AppendRequest {
                tenant_id: buyer.tenant_id,
                conversation_id: conversation.id,
                sender_kind: SenderKind::Buyer,
                sender_id: Some(buyer.id),
                sender_name: buyer.display_name.clone(),
                client_msg_id: Some(format!("entry-{link_id}")),
                content,
                external_id: None,
            })
            .await?;
    }
    Ok(conversation)
}
