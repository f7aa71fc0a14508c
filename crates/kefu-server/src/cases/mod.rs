//! What follows a problem past the chat (issue #20): work orders (ESC-3) with their
//! deadlines, history and the buyer's progress line; escalations (ESC-1) up three levels; playbooks (ESC-2) started on conversations; and
//! the one outbound path that tells people (`notify`: in kefu, webhooks, text messages). Like `desk` and `reports` it knows no
//! HTTP; it sends through the desk's doors (`desk::inbound`, the writer) and tells people
//! with notices on the bus.

pub mod appeals;
pub mod arbitration;
pub mod escalations;
pub mod notify;
pub mod playbooks;
pub mod transcript;
pub mod work_orders;

use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_store::AppendRequest;
use uuid::Uuid;

use crate::AppState;

/// What the buyer's progress lines are signed with.
const SYSTEM_NAME: &str = "系统";
/// The sender id of kefu's own lines: the writer's retry key is the sender and the client
/// id, so a line under a key already written is not written again.
const SYSTEM_SENDER: Uuid = Uuid::nil();

/// Tells the buyer `text` in their conversation as a `system` message, once per `key` (the
/// writer keeps one message per client id): a work order's new status, an arbitration's
/// step.
pub async fn tell_buyer(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    key: String,
    text: &str,
) {
    let Ok(content) = MessageContent::parse(MessageKind::Text, text, None) else {
        return;
    };
    let appended = state
        .writer
        .append(AppendRequest {
            tenant_id,
            conversation_id,
            sender_kind: SenderKind::System,
            sender_id: Some(SYSTEM_SENDER),
            sender_name: SYSTEM_NAME.to_owned(),
            client_msg_id: Some(key),
            content,
            external_id: None,
        })
        .await;
    if let Err(error) = appended {
        tracing::warn!(%error, "could not tell the buyer");
    }
}
