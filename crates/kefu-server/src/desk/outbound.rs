//! The way out of the desk. After the writer commits, each message is announced (in commit
//! order, before its sender hears back) to the sessions that should see it, and the router
//! and the robot are woken; file links are signed on the way out. Presence changes leave
//! here too.

use std::sync::Arc;

use kefu_domain::account::AgentStatus;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::frames::ServerFrame;
use kefu_domain::message::Message;
use kefu_store::Appended;
use kefu_store::writer::Announce;

use crate::AppState;
use crate::auth::Keys;
use crate::bus::{Audience, Bus};
use crate::desk::hooks::{Committed, Hooks};

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
/// hears back: sign its links, tell the sessions that should see it, then the hooks.
pub fn announcer(bus: Bus, keys: Arc<Keys>, hooks: Hooks) -> Announce {
    Arc::new(move |mut appended: Appended| {
        let (bus, keys, hooks) = (bus.clone(), keys.clone(), hooks.clone());
        Box::pin(async move {
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
            hooks.tell(&Committed {
                conversation,
                message: &appended.message,
                reopened: appended.reopened,
            });
            appended
        })
    })
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

/// Tells the tenant's agents someone's status changed.
pub async fn announce_presence(
    state: &AppState,
    tenant_id: uuid::Uuid,
    user_id: uuid::Uuid,
    status: AgentStatus,
    on_break: Option<(String, i64)>,
) {
    let (reason, until) = on_break.unzip();
    state
        .bus
        .publish(
            tenant_id,
            Audience::Agents,
            ServerFrame::Presence {
                user_id,
                status: status.as_str().to_owned(),
                reason,
                until,
            },
        )
        .await;
}
