//! The way out of the desk. After the writer commits, each message is announced (in commit
//! order, before its sender hears back) to the sessions that should see it; a reply to a
//! buyer on another channel (WeChat, WeCom, Douyin, email, the phone) goes to that channel's
//! sender; then the hooks hear of it. File links are signed on the way out. Presence changes
//! leave here too.

use std::collections::HashMap;
use std::sync::Arc;

use kefu_domain::account::AgentStatus;
use kefu_domain::channel::Channel;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::frames::ServerFrame;
use kefu_domain::message::{Message, SenderKind};
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

/// Sends replies to buyers on one channel other than kefu's chat page. A channel adapter
/// registers one; it runs on the announcing task, so it queues the message and returns.
pub trait ChannelSender: Send + Sync {
    fn send(&self, conversation: &ConversationSummary, message: &Message);
}

/// The ways out to buyers, by channel. kefu's own chat page needs none: its buyers hold
/// sessions on the bus.
#[derive(Clone, Default)]
pub struct Channels(Arc<HashMap<Channel, Arc<dyn ChannelSender>>>);

/// Where a committed message goes besides the sessions that see it.
pub enum Route {
    /// Nowhere else: the buyer wrote it, or the buyer is on the chat page.
    Sessions,
    /// To the buyer's channel too.
    Channel(Arc<dyn ChannelSender>),
    /// For a buyer on a channel no adapter serves.
    Undeliverable(Channel),
}

impl Channels {
    /// These channels and `sender` for `channel`.
    pub fn with(self, channel: Channel, sender: Arc<dyn ChannelSender>) -> Channels {
        let mut senders = (*self.0).clone();
        senders.insert(channel, sender);
        Channels(Arc::new(senders))
    }

    pub fn route(&self, conversation: &ConversationSummary, message: &Message) -> Route {
        if message.sender_kind == SenderKind::Buyer || conversation.channel == Channel::Web {
            return Route::Sessions;
        }
        match self.0.get(&conversation.channel) {
            Some(sender) => Route::Channel(sender.clone()),
            None => Route::Undeliverable(conversation.channel),
        }
    }
}

/// What the writer does with each committed message, in commit order, before the sender
/// hears back: sign its links, tell the sessions that should see it and the buyer's channel,
/// then the hooks.
pub fn announcer(bus: Bus, keys: Arc<Keys>, channels: Channels, hooks: Hooks) -> Announce {
    Arc::new(move |mut appended: Appended| {
        let (bus, keys, hooks) = (bus.clone(), keys.clone(), hooks.clone());
        let channels = channels.clone();
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
            match channels.route(conversation, &appended.message) {
                Route::Sessions => {}
                Route::Channel(sender) => sender.send(conversation, &appended.message),
                Route::Undeliverable(channel) => {
                    metrics::counter!("kefu_undeliverable_messages_total", "channel" => channel.as_str())
                        .increment(1);
                    tracing::warn!(conversation = %conversation.id, channel = channel.as_str(), "no adapter delivers to this channel");
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    use kefu_domain::channel::Entry;
    use kefu_domain::commerce::EntryContext;
    use kefu_domain::conversation::ConversationStatus;
    use kefu_domain::message::MessageKind;
    use uuid::Uuid;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<i64>>);

    impl ChannelSender for Recorder {
        fn send(&self, _: &ConversationSummary, message: &Message) {
            self.0.lock().unwrap().push(message.seq);
        }
    }

    fn conversation(channel: Channel) -> ConversationSummary {
        ConversationSummary {
            id: Uuid::new_v4(),
            tenant_id: Uuid::new_v4(),
            buyer_id: Uuid::new_v4(),
            buyer_name: "小王".into(),
            channel,
            entry: Entry::ShopHome,
            status: ConversationStatus::Open,
            assignee_id: None,
            assignee_name: None,
            last_seq: 1,
            last_message_preview: String::new(),
            last_message_at: 0,
            unread_count: 0,
            agent_read_seq: 0,
            buyer_read_seq: 0,
            created_at: 0,
            context: EntryContext::default(),
            tags: vec![],
            team: None,
            last_buyer_message_at: None,
            awaiting_reply: false,
            robot_active: false,
            up_for_grabs: false,
            updated_at: 0,
        }
    }

    fn message(sender_kind: SenderKind, seq: i64) -> Message {
        Message {
            id: Uuid::new_v4(),
            conversation_id: Uuid::new_v4(),
            seq,
            sender_kind,
            sender_id: None,
            sender_name: String::new(),
            client_msg_id: None,
            kind: MessageKind::Text,
            body: "您好".into(),
            attachment: None,
            created_at: 0,
        }
    }

    #[test]
    fn replies_go_to_the_buyers_channel_and_buyer_messages_stay_in() {
        let recorder = Arc::new(Recorder::default());
        let channels = Channels::default().with(Channel::WechatMp, recorder.clone());
        let wechat = conversation(Channel::WechatMp);
        for (sender, seq) in [
            (SenderKind::Agent, 2),
            (SenderKind::Bot, 3),
            (SenderKind::System, 4),
        ] {
            match channels.route(&wechat, &message(sender, seq)) {
                Route::Channel(out) => out.send(&wechat, &message(sender, seq)),
                _ => panic!("a {sender:?} reply to a WeChat buyer goes out on WeChat"),
            }
        }
        assert_eq!(*recorder.0.lock().unwrap(), [2, 3, 4]);
        let from_buyer = channels.route(&wechat, &message(SenderKind::Buyer, 5));
        assert!(matches!(from_buyer, Route::Sessions));
        let web = channels.route(&conversation(Channel::Web), &message(SenderKind::Agent, 6));
        assert!(matches!(web, Route::Sessions));
        let douyin = channels.route(
            &conversation(Channel::Douyin),
            &message(SenderKind::Agent, 7),
        );
        assert!(matches!(douyin, Route::Undeliverable(Channel::Douyin)));
    }
}
