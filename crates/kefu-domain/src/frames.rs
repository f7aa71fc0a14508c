//! The WebSocket protocol's frames, one JSON object per text frame, tagged by `type`.
//! `docs/websocket.md` is the prose version; this file is the truth.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::conversation::{ConversationSummary, InternalNote};
use crate::error_code::ErrorCode;
use crate::guard::Approval;
use crate::message::{Message, MessageKind};

/// The largest text frame a client may send, in bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// What a buyer or an agent may send. Buyers omit `conversation_id`: theirs is implied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Send a message. Acked with `ack` once durable; a repeated `client_msg_id` is acked
    /// again with the first copy's seq and nothing new is stored.
    Send {
        #[serde(default)]
        conversation_id: Option<Uuid>,
        client_msg_id: String,
        kind: MessageKind,
        #[serde(default)]
        body: String,
        #[serde(default)]
        attachment_id: Option<Uuid>,
    },
    /// The sender is typing; relayed to the other side, never stored.
    Typing {
        #[serde(default)]
        conversation_id: Option<Uuid>,
    },
    /// Everything up to `seq` has been read.
    Read {
        #[serde(default)]
        conversation_id: Option<Uuid>,
        seq: i64,
    },
    Ping,
}

/// Why a frame could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frames are JSON objects of at most {MAX_FRAME_BYTES} bytes")]
    TooLarge,
    #[error("unknown frame type `{0}`")]
    UnknownType(String),
    #[error("malformed frame: {0}")]
    Malformed(String),
}

impl FrameError {
    pub fn code(&self) -> ErrorCode {
        match self {
            FrameError::TooLarge => ErrorCode::FrameTooLarge,
            FrameError::UnknownType(_) => ErrorCode::UnknownFrameType,
            FrameError::Malformed(_) => ErrorCode::MalformedFrame,
        }
    }
}

const CLIENT_FRAME_TYPES: [&str; 4] = ["send", "typing", "read", "ping"];

impl ClientFrame {
    pub fn parse(text: &str) -> Result<ClientFrame, FrameError> {
        if text.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge);
        }
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| FrameError::Malformed(e.to_string()))?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .ok_or_else(|| FrameError::Malformed("missing `type`".to_owned()))?;
        if !CLIENT_FRAME_TYPES.contains(&kind) {
            return Err(FrameError::UnknownType(kind.chars().take(40).collect()));
        }
        serde_json::from_value(value).map_err(|e| FrameError::Malformed(e.to_string()))
    }
}

/// Who is typing or reading, as the other side sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Buyer,
    Agent,
}

/// What a [`ServerFrame::Notice`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// An anomaly alert was raised (DATA-3).
    Alert,
    /// A health report is ready (DATA-2).
    Report,
    /// A topic of buyers' questions was sent to its owner as a problem to fix (DATA-5).
    Problem,
    /// A work order was given to someone, is due soon or overdue (ESC-3).
    WorkOrder,
    /// A conversation or work order was escalated, went a level up, or its top level was not
    /// taken up in time (ESC-1).
    Escalation,
    /// An arbitration case was filed, asks for evidence, was ruled, carried out or is late.
    Arbitration,
}

/// A notice for supervisors, or for one account: what it is, a line to read and where the
/// UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SupervisorNotice {
    pub kind: NoticeKind,
    pub title: String,
    /// The UI's path (`/agent/cockpit?tab=…`).
    pub link: String,
    pub at: i64,
    /// For this account only (a problem's owner); absent: for everyone with `report.view`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Uuid>,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame of every session.
    Hello {
        session_id: Uuid,
        /// The buyer's current conversation, if any (buyer sessions only).
        conversation_id: Option<Uuid>,
        /// The server pings at this interval; a client silent for three intervals is dropped.
        heartbeat_ms: u64,
    },
    /// A stored message (new, or replayed on resume).
    Message {
        message: Message,
    },
    /// The message with this `client_msg_id` is durable.
    Ack {
        client_msg_id: String,
        message_id: Uuid,
        conversation_id: Uuid,
        seq: i64,
        created_at: i64,
        /// True when this send repeated one already stored.
        duplicate: bool,
    },
    Typing {
        conversation_id: Uuid,
        party: Party,
        user_id: Option<Uuid>,
    },
    Read {
        conversation_id: Uuid,
        party: Party,
        seq: i64,
    },
    /// A conversation changed (new message, status, assignee, unread). Agent sessions only.
    Conversation {
        conversation: ConversationSummary,
    },
    /// An agent's status changed (WB-9). Agent sessions only.
    Presence {
        user_id: Uuid,
        status: String,
        /// A break's reason and end (WB-9).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<i64>,
    },
    /// The buyer's place in the queue (CH-7, WB-4), sent when it changes; `position` 0 with
    /// `agent_name` when an agent has taken the conversation. Buyer sessions only.
    Queue {
        conversation_id: Uuid,
        position: usize,
        ahead: usize,
        estimated_wait_ms: i64,
        agent_name: Option<String>,
    },
    /// A stranded conversation is up for grabs: the first of the team to grab it gets it
    /// (WB-8). Agent sessions of that team only.
    Grab {
        conversation: ConversationSummary,
    },
    /// A buyer has waited past twice the team's response target (WB-7). Agent sessions of
    /// those who manage the team only.
    Alert {
        conversation: ConversationSummary,
        waited_ms: i64,
    },
    /// An internal note was added to a conversation (WB-1). Agent sessions only.
    Note {
        note: InternalNote,
    },
    /// A sensitive operation was requested or decided (ACC-5). Agent sessions only: the
    /// approvers' queue and the requester follow it live.
    Approval {
        approval: Approval,
    },
    /// Something for those who read reports (DATA-2, DATA-3): an anomaly alert, or the
    /// morning's health report. Agent sessions with `report.view` only; a notice with `to`
    /// (a problem sent to its owner, DATA-5) that account's sessions only.
    Notice {
        notice: SupervisorNotice,
    },
    /// A frame was refused; nothing was stored. `client_msg_id` names the send it answers.
    Error {
        code: ErrorCode,
        message: String,
        client_msg_id: Option<String>,
    },
    Pong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_frame_parses() {
        let f = ClientFrame::parse(
            r#"{"type":"send","client_msg_id":"c1","kind":"text","body":"你好"}"#,
        )
        .unwrap();
        assert!(matches!(f, ClientFrame::Send { ref body, .. } if body == "你好"));
    }

    #[test]
    fn unknown_and_malformed_frames_are_told_apart() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"launch"}"#),
            Err(FrameError::UnknownType("launch".into()))
        );
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"send"}"#),
            Err(FrameError::Malformed(_))
        ));
        assert!(matches!(
            ClientFrame::parse("not json"),
            Err(FrameError::Malformed(_))
        ));
        let big = format!(r#"{{"type":"ping","x":"{}"}}"#, "a".repeat(MAX_FRAME_BYTES));
        assert_eq!(ClientFrame::parse(&big), Err(FrameError::TooLarge));
    }

    #[test]
    fn server_frames_are_tagged_by_type() {
        let v = serde_json::to_value(ServerFrame::Pong).unwrap();
        assert_eq!(v, serde_json::json!({"type":"pong"}));
    }
}
