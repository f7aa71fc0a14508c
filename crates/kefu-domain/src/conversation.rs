//! The conversation state machine and the event log's vocabulary.
//!
//! Every change to a conversation is one `EventKind` row with a timestamp; KPI and DATA
//! reports (first response, 3-minute reply rate, handle time, reopen rate…) are derived from
//! those rows alone.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::channel::{Channel, Entry};
use crate::commerce::EntryContext;
use crate::message::SenderKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting for or being handled by the team.
    Open,
    /// Closed by an agent; a new buyer message reopens it.
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<ConversationStatus> {
        match s {
            "open" => Some(ConversationStatus::Open),
            "resolved" => Some(ConversationStatus::Resolved),
            _ => None,
        }
    }
}

/// One row of the conversation event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Data: channel, entry.
    Created,
    BuyerMessage,
    AgentMessage,
    /// Data: assignee id, previous assignee, by whom.
    Assigned,
    /// The first agent message after the conversation was created or reopened. Data: the
    /// wait in ms since the buyer message it answers.
    FirstReply,
    Resolved,
    Reopened,
    /// The buyer came (back) in through an entry with context: an order card, a product
    /// page, a live room, a creator's page. Data: entry, context.
    Entered,
    /// The case went to the order's fulfilment partner (CH-5). Data: order, partner, due.
    HandedOff,
    /// The conversation's tags changed (WB-5). Data: added, removed.
    Tagged,
    /// Handed to a colleague or a team with a note (WB-1). Data: from, to user or team, note.
    Transferred,
    /// Taken from an agent who went away or left the buyer waiting too long, back to the
    /// queue or up for grabs (WB-7, WB-8). Data: previous assignee, reason.
    Stranded,
    /// The robot handed the buyer to people (BOT-3). Data: reason, the robot's guess of the
    /// entry and issue type.
    RobotHandoff,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::BuyerMessage => "buyer_message",
            EventKind::AgentMessage => "agent_message",
            EventKind::Assigned => "assigned",
            EventKind::FirstReply => "first_reply",
            EventKind::Resolved => "resolved",
            EventKind::Reopened => "reopened",
            EventKind::Entered => "entered",
            EventKind::HandedOff => "handed_off",
            EventKind::Tagged => "tagged",
            EventKind::Transferred => "transferred",
            EventKind::Stranded => "stranded",
            EventKind::RobotHandoff => "robot_handoff",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Some(match s {
            "created" => EventKind::Created,
            "buyer_message" => EventKind::BuyerMessage,
            "agent_message" => EventKind::AgentMessage,
            "assigned" => EventKind::Assigned,
            "first_reply" => EventKind::FirstReply,
            "resolved" => EventKind::Resolved,
            "reopened" => EventKind::Reopened,
            "entered" => EventKind::Entered,
            "handed_off" => EventKind::HandedOff,
            "tagged" => EventKind::Tagged,
            "transferred" => EventKind::Transferred,
            "stranded" => EventKind::Stranded,
            "robot_handoff" => EventKind::RobotHandoff,
            _ => return None,
        })
    }
}

/// What a conversation looks like before a message lands; enough to decide what it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationState {
    pub status: ConversationStatus,
    pub assignee_id: Option<Uuid>,
    /// Whether an agent has answered since the conversation was created or last reopened.
    pub awaiting_first_reply: bool,
}

/// What appending one message does to its conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageEffects {
    /// A buyer wrote to a resolved conversation: it opens again.
    pub reopens: bool,
    /// This agent message is the first reply of the current cycle.
    pub first_reply: bool,
    /// An agent answered an unassigned conversation: it becomes theirs.
    pub assigns_to_sender: bool,
}

impl ConversationState {
    /// The one rule for what a message does, shared by every writer.
    pub fn effects_of(&self, sender: SenderKind) -> MessageEffects {
        match sender {
            SenderKind::Buyer => MessageEffects {
                reopens: self.status == ConversationStatus::Resolved,
                ..MessageEffects::default()
            },
            SenderKind::Agent => MessageEffects {
                first_reply: self.awaiting_first_reply,
                assigns_to_sender: self.assignee_id.is_none(),
                reopens: false,
            },
            SenderKind::System | SenderKind::Bot => MessageEffects::default(),
        }
    }
}

/// A conversation as lists and panes show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub buyer_id: Uuid,
    pub buyer_name: String,
    pub channel: Channel,
    pub entry: Entry,
    pub status: ConversationStatus,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    pub last_seq: i64,
    pub last_message_preview: String,
    pub last_message_at: i64,
    /// Buyer messages the team has not read yet.
    pub unread_count: i64,
    /// The highest seq the team has read; drives the buyer's "read" ticks.
    pub agent_read_seq: i64,
    /// The highest seq the buyer has read; drives the agent's "read" ticks.
    pub buyer_read_seq: i64,
    pub created_at: i64,
    /// What the buyer came about, from the entry that opened (or last re-entered) it (CH-2).
    pub context: EntryContext,
    /// Tag keys (WB-5).
    pub tags: Vec<String>,
    /// The team it belongs to, once routed or transferred to one.
    pub team: Option<String>,
    /// When the buyer last wrote; with `awaiting_reply`, what timeout warnings count from
    /// (WB-7).
    pub last_buyer_message_at: Option<i64>,
    /// The buyer wrote last and nobody has answered yet.
    pub awaiting_reply: bool,
    /// The robot is serving it (BOT-3); the router leaves it alone until it hands off.
    #[serde(default)]
    pub robot_active: bool,
    /// Offered to its team's agents to grab (WB-8) rather than waiting in the queue.
    #[serde(default)]
    pub up_for_grabs: bool,
    /// Advances with every change (message, read, status, assignment). Summaries can arrive
    /// out of order; clients keep the one with the highest (`last_seq`, `updated_at`).
    pub updated_at: i64,
}

/// One row of the event log, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConversationEvent {
    pub id: i64,
    pub conversation_id: Uuid,
    pub kind: EventKind,
    pub actor_kind: SenderKind,
    pub actor_id: Option<Uuid>,
    pub message_seq: Option<i64>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: ConversationStatus, assignee: bool, awaiting: bool) -> ConversationState {
        ConversationState {
            status,
            assignee_id: assignee.then(Uuid::new_v4),
            awaiting_first_reply: awaiting,
        }
    }

    #[test]
    fn a_buyer_writing_to_a_resolved_conversation_reopens_it() {
        let e = state(ConversationStatus::Resolved, true, false).effects_of(SenderKind::Buyer);
        assert!(e.reopens);
        let e = state(ConversationStatus::Open, true, false).effects_of(SenderKind::Buyer);
        assert!(!e.reopens);
    }

    #[test]
    fn the_first_agent_answer_is_the_first_reply_and_takes_the_conversation() {
        let e = state(ConversationStatus::Open, false, true).effects_of(SenderKind::Agent);
        assert!(e.first_reply && e.assigns_to_sender);
        let e = state(ConversationStatus::Open, true, false).effects_of(SenderKind::Agent);
        assert!(!e.first_reply && !e.assigns_to_sender);
    }

    #[test]
    fn event_kind_names_round_trip() {
        for k in [
            EventKind::Created,
            EventKind::BuyerMessage,
            EventKind::AgentMessage,
            EventKind::Assigned,
            EventKind::FirstReply,
            EventKind::Resolved,
            EventKind::Reopened,
            EventKind::Entered,
            EventKind::HandedOff,
            EventKind::Tagged,
            EventKind::Transferred,
            EventKind::Stranded,
        ] {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
    }
}

/// An internal note on a conversation: agents only, never the buyer (WB-1). A supervisor's
/// note is a whisper to the agent on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InternalNote {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub body: String,
    /// The colleagues it @mentions.
    pub mentions: Vec<Uuid>,
    pub whisper: bool,
    pub created_at: i64,
}
