//! Keeping spam out at the door (WB-6, issue #17). Every buyer message passes the shop's
//! intake filter (keywords, links, a sending rate) before it is stored; a buyer opening a
//! conversation is checked against the blocklist. What is flagged still goes in (nothing is
//! lost, and the buyer sees nothing different), but its conversation is first closed as
//! invalid, so the router, the robot and the automatic replies never act on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kefu_domain::intake::{Flag, IntakeCheck, IntakeFilter};
use kefu_domain::time::now_ms;
use uuid::Uuid;

use crate::AppState;
use crate::desk::outbound::publish_conversation;
use crate::desk::shop_cache::ShopCache;
use crate::error::ApiError;

/// A shop's filter is read again after this long, so a change made on another process takes
/// effect within it (at once on the process that saved it).
const FILTER_TTL: Duration = Duration::from_secs(5);
/// Buyers whose sending rate is counted, at most; past it the counts of earlier minutes go.
const MAX_COUNTED: usize = 100_000;

/// Each shop's compiled filter, and each buyer's messages this minute.
#[derive(Clone)]
pub struct IntakeDesk {
    filters: ShopCache<IntakeCheck>,
    counts: Arc<Mutex<HashMap<Uuid, (i64, u32)>>>,
}

impl Default for IntakeDesk {
    fn default() -> IntakeDesk {
        IntakeDesk {
            filters: ShopCache::new(FILTER_TTL),
            counts: Arc::default(),
        }
    }
}

impl IntakeDesk {
    /// Forgets a shop's compiled filter (it was just saved).
    pub fn forget(&self, tenant_id: Uuid) {
        self.filters.forget(tenant_id);
    }

    /// Counts one more message of `buyer` in the current minute: the count, this one in.
    fn count(&self, buyer: Uuid, now_ms: i64) -> u32 {
        let minute = now_ms / 60_000;
        let Ok(mut counts) = self.counts.lock() else {
            return 0;
        };
        if counts.len() >= MAX_COUNTED && !counts.contains_key(&buyer) {
            counts.retain(|_, (m, _)| *m == minute);
        }
        let entry = counts.entry(buyer).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        let sent = entry.1;
        metrics::gauge!("kefu_intake_counted_buyers").set(counts.len() as f64);
        sent
    }
}

async fn check_of(state: &AppState, tenant_id: Uuid) -> Result<Arc<IntakeCheck>, ApiError> {
    if let Some(check) = state.intake.filters.get(tenant_id) {
        return Ok(check);
    }
    let (filter, _) = state.store.shop_document::<IntakeFilter>(tenant_id).await?;
    Ok(state
        .intake
        .filters
        .put(tenant_id, IntakeCheck::new(&filter)))
}

/// Whether the shop's filter flags this buyer message (its text, if any) now.
pub async fn flag(
    state: &AppState,
    tenant_id: Uuid,
    buyer: Uuid,
    text: Option<&str>,
) -> Result<Option<Flag>, ApiError> {
    let check = check_of(state, tenant_id).await?;
    // Buyers are counted only for a shop whose filter limits the rate.
    let sent = match check.limits_rate() {
        true => state.intake.count(buyer, now_ms()),
        false => 0,
    };
    Ok(check.flag(text.unwrap_or_default(), sent))
}

/// Closes a conversation as invalid for `reason` and tells the team's lists.
pub async fn invalidate(
    state: &AppState,
    tenant_id: Uuid,
    conversation: Uuid,
    reason: &str,
) -> Result<(), ApiError> {
    if let Some(summary) = state
        .store
        .invalidate_conversation(tenant_id, conversation, reason)
        .await?
    {
        metrics::counter!("kefu_invalid_conversations_total").increment(1);
        publish_conversation(state, &summary).await;
    }
    Ok(())
}

/// A conversation just opened for `buyer`: invalid at once when the buyer is blocked.
pub async fn opened(
    state: &AppState,
    tenant_id: Uuid,
    buyer: Uuid,
    conversation: Uuid,
) -> Result<(), ApiError> {
    if let Some(block) = state.store.active_block(tenant_id, buyer, now_ms()).await? {
        invalidate(state, tenant_id, conversation, block.kind.as_str()).await?;
    }
    Ok(())
}
