//! The periodic upkeep the leader runs: breaks that are over (WB-9), conversations stranded
//! with agents who went away (WB-4), uploads nobody sent. Deadlines live in the database, so
//! a restart or a new leader loses none.

use crate::AppState;
use crate::desk::outbound;
use crate::error::ApiError;

/// Uploads nobody sent within this long are removed.
pub const UNSENT_UPLOAD_TTL_MS: i64 = 24 * 3600 * 1000;

/// Removes uploads older than `created_before` that no message carries and no knowledge base
/// answer shows (a robot answer's picture): the row first (so
/// a send can no longer pick it up), then the file. Returns how many went.
pub async fn sweep_unsent(state: &AppState, created_before: i64) -> Result<usize, ApiError> {
    let mut removed = 0;
    for (id, storage_key) in state.store.unsent_attachments(created_before).await? {
        if state.store.delete_unsent_attachment(id).await? {
            if let Err(error) = state.files.delete(&storage_key).await {
                tracing::warn!(%error, storage_key, "could not remove an unsent upload");
            }
            removed += 1;
        }
    }
    Ok(removed)
}

/// Agents whose break is over are online again, and the team hears it.
pub async fn end_breaks(state: &AppState) {
    match state.store.end_breaks(kefu_domain::time::now_ms()).await {
        Ok(ended) => {
            if !ended.is_empty() {
                state.dispatcher.wake();
            }
            for (tenant, user) in ended {
                outbound::announce_presence(
                    state,
                    tenant,
                    user,
                    kefu_domain::account::AgentStatus::Online,
                    None,
                )
                .await;
            }
        }
        Err(error) => tracing::warn!(%error, "ending breaks failed"),
    }
}

/// Removes uploads nobody sent within [`UNSENT_UPLOAD_TTL_MS`], and logs how many.
pub async fn sweep_old_uploads(state: &AppState) {
    let before = kefu_domain::time::now_ms() - UNSENT_UPLOAD_TTL_MS;
    match sweep_unsent(state, before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "removed unsent uploads"),
        Err(error) => tracing::warn!(%error, "sweeping unsent uploads failed"),
    }
}

/// Forgets notifications sent or given up more than 30 days ago (the delivery log is
/// bounded by time).
pub async fn prune_deliveries(state: &AppState) {
    let before = kefu_domain::time::now_ms() - crate::cases::notify::KEPT_MS;
    match state.store.prune_deliveries(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "pruned the delivery log"),
        Err(error) => tracing::warn!(%error, "pruning the delivery log failed"),
    }
}

/// Forgets Douyin's reply contexts older than the 24 hours a reply may name them (one per
/// buyer who ever wrote: the table would grow with every buyer).
pub async fn prune_reply_contexts(state: &AppState) {
    let before = kefu_domain::time::now_ms() - kefu_channels::douyin::WINDOW_MS - 3_600_000;
    match state
        .store
        .prune_channel_cursors(crate::channels::douyin::REPLY_SCOPE, before)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "pruned Douyin's reply contexts"),
        Err(error) => tracing::warn!(%error, "pruning Douyin's reply contexts failed"),
    }
}

/// Forgets moves to WeCom whose contact link lapsed untaken (one per 转企业微信 click).
pub async fn prune_lapsed_moves(state: &AppState) {
    let before = kefu_domain::time::now_ms() - crate::channels::moves::MOVE_VALID_MS;
    match state.store.prune_untaken_channel_moves(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "pruned lapsed moves to WeCom"),
        Err(error) => tracing::warn!(%error, "pruning lapsed moves to WeCom failed"),
    }
}

/// Counts the agents online into this hour's staffing (DATA-2), once per whole minute.
pub async fn sample_staffing(state: &AppState) {
    let now = kefu_domain::time::now_ms();
    if let Err(error) = state
        .store
        .sample_staffing(now - now.rem_euclid(60_000))
        .await
    {
        tracing::warn!(%error, "could not count the agents online");
    }
}
