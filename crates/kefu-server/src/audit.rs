//! The audit log (ACC-5): every sensitive action is appended to the tenant's hash chain after
//! it took effect.

use kefu_store::NewAudit;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;

/// Appends `action` on `target` by `agent`. The action has already happened: a failure to
/// record it is logged loudly rather than undoing it.
pub async fn record(
    state: &AppState,
    agent: &Agent,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) {
    record_as(
        state,
        agent.tenant_id(),
        Some(agent.user.id),
        &agent.user.display_name,
        action,
        target,
        detail,
    )
    .await;
}

/// The same for an actor that is not a signed-in agent (a login, the system).
pub async fn record_as(
    state: &AppState,
    tenant_id: Uuid,
    actor_id: Option<Uuid>,
    actor_name: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) {
    let entry = NewAudit {
        tenant_id,
        actor_id,
        actor_name,
        action,
        target,
        detail,
    };
    if let Err(error) = state.store.append_audit(&entry).await {
        tracing::error!(%error, action, target, "could not append to the audit log");
    }
}
