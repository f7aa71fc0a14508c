//! Playbooks at the desk (ESC-2): which of the shop's playbooks apply to a conversation (the
//! buyer's recent words, its tags, its order's state, its escalation), and the runs agents
//! start on it, ticked step by step, each step with its deadline from the start.

use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::SenderKind;
use kefu_domain::playbook::{PlaybookRun, Playbooks, Situation, Suggestion};
use kefu_domain::time::now_ms;
use kefu_store::StoreError;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// The buyer's messages a suggestion reads, at most.
const RECENT: i64 = 30;

/// The shop's playbooks (the seven of the seeds until it edits them).
pub async fn playbooks(state: &AppState, tenant_id: Uuid) -> Result<Playbooks, ApiError> {
    Ok(state.store.shop_document::<Playbooks>(tenant_id).await?.0)
}

/// The playbooks that apply to the conversation now, and why.
pub async fn suggest(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Vec<Suggestion>, ApiError> {
    let conversation = state
        .store
        .conversation(tenant_id, conversation_id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let messages = state
        .store
        .messages(
            tenant_id,
            conversation_id,
            (conversation.last_seq - RECENT).max(0),
            None,
            RECENT,
        )
        .await?;
    let texts: Vec<&str> = messages
        .iter()
        .filter(|m| m.sender_kind == SenderKind::Buyer)
        .map(|m| m.body.as_str())
        .collect();
    let order = match &conversation.context.order_no {
        Some(no) => state.store.order(tenant_id, no).await?,
        None => None,
    };
    let escalated = state
        .store
        .open_escalation(tenant_id, &format!("conversation:{conversation_id}"))
        .await?
        .map(|e| e.level);
    let situation = Situation {
        texts,
        tags: conversation.tags.iter().map(String::as_str).collect(),
        shipping: order.as_ref().map(|o| o.shipping_status),
        after_sale: order.as_ref().map(|o| o.after_sale_status),
        escalated,
    };
    Ok(playbooks(state, tenant_id).await?.suggest(&situation))
}

/// Starts the playbook `key` on the conversation; the one running already when it is.
pub async fn start(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    key: &str,
    by: (Uuid, &str),
) -> Result<PlaybookRun, ApiError> {
    let all = playbooks(state, tenant_id).await?;
    let playbook = all.get(key).ok_or(ErrorCode::PlaybookNotFound)?;
    let run = PlaybookRun::start(Uuid::now_v7(), conversation_id, playbook, by, now_ms());
    match state.store.create_playbook_run(tenant_id, &run).await {
        Ok(run) => Ok(run),
        Err(StoreError::Conflict(_)) => state
            .store
            .playbook_runs(tenant_id, conversation_id)
            .await?
            .into_iter()
            .find(|r| r.key == key && r.finished_at.is_none())
            .ok_or_else(|| ErrorCode::PlaybookRunExists.into()),
        Err(error) => Err(error.into()),
    }
}

/// Ticks a step of a run (or back); `playbook_run_exists` when someone changed it meanwhile.
pub async fn tick(
    state: &AppState,
    tenant_id: Uuid,
    run: &PlaybookRun,
    index: usize,
    done: bool,
    by: (Uuid, &str),
) -> Result<PlaybookRun, ApiError> {
    let next = run.ticked(index, done, by, now_ms())?;
    state
        .store
        .save_playbook_run(tenant_id, &next)
        .await?
        .ok_or_else(|| ErrorCode::PlaybookRunExists.into())
}
