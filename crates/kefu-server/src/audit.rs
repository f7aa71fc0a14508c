//! The audit log (ACC-5): an audited change takes a closure that turns what it did into audit
//! entries, and the store appends them in the change's own transaction, so a change is never
//! without its record. The entries are built here.

use kefu_store::NewAudit;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;

/// An entry for `action` on `target` by a signed-in agent.
pub fn by(
    agent: &Agent,
    action: impl Into<String>,
    target: impl Into<String>,
    detail: serde_json::Value,
) -> NewAudit {
    by_actor(
        agent.tenant_id(),
        Some(agent.user.id),
        &agent.user.display_name,
        action,
        target,
        detail,
    )
}

/// The same for an actor that is not a signed-in agent (a sign-in, the system).
pub fn by_actor(
    tenant_id: Uuid,
    actor_id: Option<Uuid>,
    actor_name: &str,
    action: impl Into<String>,
    target: impl Into<String>,
    detail: serde_json::Value,
) -> NewAudit {
    NewAudit {
        tenant_id,
        actor_id,
        actor_name: actor_name.to_owned(),
        action: action.into(),
        target: target.into(),
        detail,
    }
}

/// Appends an event that changes nothing else (a failed sign-in). The event has happened
/// either way: a failure to record it is logged loudly.
pub async fn record_event(state: &AppState, entry: NewAudit) {
    if let Err(error) = state.store.append_audit(&entry).await {
        tracing::error!(%error, action = entry.action, target = entry.target, "could not append to the audit log");
    }
}
