//! The conversation state machine (`apply`: what a message does to its conversation, as
//! plain data in and out) and the event log's vocabulary.
//!
//! Every change to a conversation is one `EventKind` row with a timestamp; KPI and DATA
//! reports (first response, 3-minute reply rate, handle time, reopen rate…) are derived from
//! those rows alone.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::channel::{Channel, Entry};
use crate::commerce::EntryContext;
use crate::message::{MessageKind, SenderKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting for or being handled by the team.
    Open,
    /// Closed by an agent; a new buyer message reopens it.
    Resolved,
    /// Closed as spam, harassment or an ad (WB-6): the buyer was blocked or the intake filter
    /// flagged a message. The buyer may still write; messages are stored, but nothing reopens
    /// or routes it, and reports count it apart. A supervisor may restore it.
    Invalid,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Resolved => "resolved",
            ConversationStatus::Invalid => "invalid",
        }
    }

    pub fn parse(s: &str) -> Option<ConversationStatus> {
        match s {
            "open" => Some(ConversationStatus::Open),
            "resolved" => Some(ConversationStatus::Resolved),
            "invalid" => Some(ConversationStatus::Invalid),
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
    /// The buyer was invited to rate the service (KPI-3). Data: rating id, agent, again.
    RatingInvited,
    /// The buyer rated (KPI-3). Data: rating id, stars, reasons, agent, bad (1–2 stars).
    Rated,
    /// Closed as invalid (WB-6). Data: reason (`spam`, `harassment`, `ad`, `other`, or the
    /// intake filter's `keyword:…`, `link:…`, `rate`), the block if any.
    Invalidated,
    /// An invalid conversation counted again: the block was lifted or a supervisor restored
    /// it (WB-6).
    Restored,
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
            EventKind::RatingInvited => "rating_invited",
            EventKind::Rated => "rated",
            EventKind::Invalidated => "invalidated",
            EventKind::Restored => "restored",
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
            "rating_invited" => EventKind::RatingInvited,
            "rated" => EventKind::Rated,
            "invalidated" => EventKind::Invalidated,
            "restored" => EventKind::Restored,
            _ => return None,
        })
    }
}

/// The part of a conversation a message changes: what `apply` reads and returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationState {
    pub status: ConversationStatus,
    /// The owner, with the name lists show.
    pub assignee: Option<(Uuid, String)>,
    /// No agent has answered since the conversation was created or last reopened.
    pub awaiting_first_reply: bool,
    /// The buyer wrote last and nobody has answered yet.
    pub awaiting_reply: bool,
    /// When the current cycle began (creation or the last reopening): first-response
    /// times count from here.
    pub cycle_started_at: i64,
    pub resolved_at: Option<i64>,
    /// The seq of the newest message; the next one gets `last_seq + 1`.
    pub last_seq: i64,
    pub last_message_preview: String,
    pub last_message_at: i64,
    /// Buyer messages the team has not read yet.
    pub unread_count: i64,
    /// The highest seq the team has read.
    pub agent_read_seq: i64,
    pub last_buyer_message_at: Option<i64>,
    pub updated_at: i64,
}

/// A message about to be stored in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    pub sender_kind: SenderKind,
    pub sender_id: Option<Uuid>,
    pub sender_name: String,
    pub kind: MessageKind,
    /// What lists show of it (`MessageContent::preview`).
    pub preview: String,
}

/// An event-log row that `apply` decided on (the store adds ids, actor and time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub message_seq: Option<i64>,
    pub data: serde_json::Value,
}

/// What a message did: the conversation after it, the seq it got, and the event-log rows
/// it adds, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub state: ConversationState,
    pub seq: i64,
    /// A buyer wrote to a resolved conversation and it opened again.
    pub reopened: bool,
    pub events: Vec<NewEvent>,
}

/// The one rule for what a message does to its conversation, whichever writer stores it:
/// - it takes the next seq and becomes the conversation's newest message;
/// - a buyer writing to a resolved conversation reopens it and starts a new cycle;
/// - a buyer message counts as unread and awaits a reply; an agent message answers, reads
///   everything before it, is the cycle's first reply if none came yet, and makes an
///   unassigned conversation the agent's;
/// - system and robot messages change nothing else;
/// - an invalid conversation (WB-6) stays invalid: its buyer's messages are kept, unread by
///   nobody and awaiting nothing.
pub fn apply(mut state: ConversationState, message: &IncomingMessage, now: i64) -> Applied {
    let mut events = Vec::with_capacity(3);
    let reopened =
        message.sender_kind == SenderKind::Buyer && state.status == ConversationStatus::Resolved;
    let first_reply = message.sender_kind == SenderKind::Agent && state.awaiting_first_reply;
    let wait_ms = now - state.cycle_started_at;
    let assign_to = match (message.sender_kind, message.sender_id, &state.assignee) {
        (SenderKind::Agent, Some(agent), None) => Some(agent),
        _ => None,
    };
    state.last_seq += 1;
    let seq = state.last_seq;
    state.last_message_preview.clone_from(&message.preview);
    state.last_message_at = now;
    state.updated_at = now;
    if reopened {
        state.status = ConversationStatus::Open;
        state.resolved_at = None;
        state.cycle_started_at = now;
        state.awaiting_first_reply = true;
        events.push(NewEvent {
            kind: EventKind::Reopened,
            message_seq: None,
            data: serde_json::json!({}),
        });
    }
    match message.sender_kind {
        // WB-6: an invalid conversation keeps the buyer's messages, and waits for nobody.
        SenderKind::Buyer if state.status == ConversationStatus::Invalid => {
            state.last_buyer_message_at = Some(now);
        }
        SenderKind::Buyer => {
            state.unread_count += 1;
            state.last_buyer_message_at = Some(now);
            state.awaiting_reply = true;
        }
        SenderKind::Agent => {
            state.awaiting_first_reply = false;
            state.awaiting_reply = false;
            state.unread_count = 0;
            state.agent_read_seq = seq;
        }
        SenderKind::System | SenderKind::Bot | SenderKind::Automation => {}
    }
    events.push(NewEvent {
        kind: match message.sender_kind {
            SenderKind::Buyer => EventKind::BuyerMessage,
            _ => EventKind::AgentMessage,
        },
        message_seq: Some(seq),
        data: serde_json::json!({ "kind": message.kind, "sender": message.sender_kind }),
    });
    if first_reply {
        events.push(NewEvent {
            kind: EventKind::FirstReply,
            message_seq: Some(seq),
            data: serde_json::json!({ "wait_ms": wait_ms }),
        });
    }
    if let Some(agent) = assign_to {
        state.assignee = Some((agent, message.sender_name.clone()));
        events.push(NewEvent {
            kind: EventKind::Assigned,
            message_seq: None,
            data: serde_json::json!({
                "assignee_id": agent,
                "previous_assignee_id": null,
                "reason": "first_reply",
            }),
        });
    }
    Applied {
        state,
        seq,
        reopened,
        events,
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

    use proptest::prelude::*;

    const AGENT: Uuid = Uuid::from_u128(7);

    fn fresh(created_at: i64) -> ConversationState {
        ConversationState {
            status: ConversationStatus::Open,
            assignee: None,
            awaiting_first_reply: true,
            awaiting_reply: false,
            cycle_started_at: created_at,
            resolved_at: None,
            last_seq: 0,
            last_message_preview: String::new(),
            last_message_at: created_at,
            unread_count: 0,
            agent_read_seq: 0,
            last_buyer_message_at: None,
            updated_at: created_at,
        }
    }

    fn message(sender_kind: SenderKind) -> IncomingMessage {
        IncomingMessage {
            sender_kind,
            sender_id: (sender_kind == SenderKind::Agent).then_some(AGENT),
            sender_name: "小美".to_owned(),
            kind: MessageKind::Text,
            preview: "你好".to_owned(),
        }
    }

    fn kinds(applied: &Applied) -> Vec<EventKind> {
        applied.events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn a_buyer_writing_to_a_resolved_conversation_reopens_it() {
        let mut state = fresh(0);
        state.status = ConversationStatus::Resolved;
        state.resolved_at = Some(50);
        state.awaiting_first_reply = false;
        let applied = apply(state, &message(SenderKind::Buyer), 100);
        assert!(applied.reopened);
        assert_eq!(applied.state.status, ConversationStatus::Open);
        assert_eq!(applied.state.resolved_at, None);
        assert_eq!(applied.state.cycle_started_at, 100);
        assert!(applied.state.awaiting_first_reply && applied.state.awaiting_reply);
        assert_eq!(
            kinds(&applied),
            [EventKind::Reopened, EventKind::BuyerMessage]
        );
        let again = apply(applied.state, &message(SenderKind::Buyer), 110);
        assert!(!again.reopened);
        assert_eq!(again.state.unread_count, 2);
    }

    #[test]
    fn the_first_agent_answer_is_the_first_reply_and_takes_the_conversation() {
        let buyer = apply(fresh(1_000), &message(SenderKind::Buyer), 2_000);
        let answer = apply(buyer.state, &message(SenderKind::Agent), 5_000);
        assert_eq!(
            kinds(&answer),
            [
                EventKind::AgentMessage,
                EventKind::FirstReply,
                EventKind::Assigned
            ]
        );
        assert_eq!(answer.events[1].data["wait_ms"], 4_000);
        assert_eq!(answer.state.assignee, Some((AGENT, "小美".to_owned())));
        assert_eq!(answer.state.unread_count, 0);
        assert_eq!(answer.state.agent_read_seq, 2);
        assert!(!answer.state.awaiting_reply);
        let second = apply(answer.state, &message(SenderKind::Agent), 6_000);
        assert_eq!(kinds(&second), [EventKind::AgentMessage]);
    }

    #[test]
    fn robot_and_system_messages_change_only_the_newest_message() {
        let buyer = apply(fresh(0), &message(SenderKind::Buyer), 10);
        for sender in [SenderKind::Bot, SenderKind::System, SenderKind::Automation] {
            let after = apply(buyer.state.clone(), &message(sender), 20);
            assert_eq!(after.state.unread_count, 1);
            assert!(after.state.awaiting_reply && after.state.awaiting_first_reply);
            assert_eq!(after.state.assignee, None);
            assert_eq!(after.state.last_seq, 2);
            assert_eq!(kinds(&after), [EventKind::AgentMessage]);
        }
    }

    fn sender() -> impl Strategy<Value = SenderKind> {
        prop_oneof![
            Just(SenderKind::Buyer),
            Just(SenderKind::Agent),
            Just(SenderKind::Bot),
            Just(SenderKind::System),
            Just(SenderKind::Automation),
        ]
    }

    proptest! {
        /// Over any run of messages, with the conversation resolved in between at will:
        /// seqs are gap-free, each message logs exactly one message event, a cycle has at
        /// most one first reply and it comes after a buyer could wait for it, unread counts
        /// the buyer messages since the team last answered, and an answered conversation
        /// has an owner.
        #[test]
        fn every_run_of_messages_keeps_the_invariants(
            steps in proptest::collection::vec((sender(), any::<bool>(), 0i64..100_000), 1..60),
        ) {
            let mut state = fresh(0);
            let mut now = 0;
            let mut unread = 0;
            let mut first_replies_this_cycle = 0;
            for (sender, resolve_first, gap) in steps {
                now += gap;
                if resolve_first {
                    state.status = ConversationStatus::Resolved;
                    state.resolved_at = Some(now);
                }
                let before = state.clone();
                let applied = apply(state, &message(sender), now);
                prop_assert_eq!(applied.seq, before.last_seq + 1);
                prop_assert_eq!(applied.state.last_seq, applied.seq);
                let message_events = applied
                    .events
                    .iter()
                    .filter(|e| matches!(e.kind, EventKind::BuyerMessage | EventKind::AgentMessage))
                    .count();
                prop_assert_eq!(message_events, 1);
                if applied.reopened {
                    prop_assert_eq!(before.status, ConversationStatus::Resolved);
                    prop_assert_eq!(sender, SenderKind::Buyer);
                    first_replies_this_cycle = 0;
                }
                if sender == SenderKind::Buyer {
                    prop_assert_eq!(applied.state.status, ConversationStatus::Open);
                }
                for event in &applied.events {
                    if event.kind == EventKind::FirstReply {
                        first_replies_this_cycle += 1;
                        prop_assert!(event.data["wait_ms"].as_i64().unwrap_or(-1) >= 0);
                    }
                }
                prop_assert!(first_replies_this_cycle <= 1);
                match sender {
                    SenderKind::Buyer => unread += 1,
                    SenderKind::Agent => {
                        unread = 0;
                        prop_assert!(applied.state.assignee.is_some());
                        prop_assert!(!applied.state.awaiting_first_reply);
                        prop_assert_eq!(applied.state.agent_read_seq, applied.seq);
                    }
                    SenderKind::Bot | SenderKind::System | SenderKind::Automation => {}
                }
                prop_assert_eq!(applied.state.unread_count, unread);
                prop_assert_eq!(applied.state.awaiting_reply, unread > 0);
                state = applied.state;
            }
        }
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
