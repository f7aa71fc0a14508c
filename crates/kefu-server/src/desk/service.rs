//! What a buyer sees before writing (issue #17): whether the shop's agents are online now,
//! how fast the shop typically answers (the median first response of the last 7 days,
//! measured from the event log, never typed in), and when it opens next if it is closed.
//! The chat page asks for it unauthenticated, so it is kept a few seconds per shop.

use std::sync::Arc;
use std::time::Duration;

use kefu_domain::time::now_ms;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::desk::shop_cache::ShopCache;
use crate::error::ApiError;

/// How long a shop's status is kept before it is measured again.
const TTL: Duration = Duration::from_secs(15);
/// First replies measured: the last 7 days, the newest 5,000 at most.
const WINDOW_MS: i64 = 7 * 24 * 3_600_000;
const SAMPLE: i64 = 5_000;
/// Fewer first replies than this say nothing typical.
const MIN_SAMPLES: usize = 3;

/// The shop's service as the chat page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceStatus {
    /// Agents online now.
    pub agents_online: i64,
    /// Within office hours (or the shop has none).
    pub open_now: bool,
    /// The median wait for a first reply over the last 7 days, in ms; none below 3 replies.
    pub typical_first_response_ms: Option<i64>,
    /// How many first replies it was measured on.
    pub measured_replies: usize,
    /// When closed: the next opening, as epoch ms and as buyers read it ("明天 09:00").
    pub next_open_at: Option<i64>,
    pub next_open_label: Option<String>,
    /// The office hours as buyers read them ("周一至周五 09:00–18:00").
    pub hours: Option<String>,
}

/// Each shop's status, measured at most every [`TTL`].
#[derive(Clone)]
pub struct ServiceDesk(ShopCache<ServiceStatus>);

impl Default for ServiceDesk {
    fn default() -> ServiceDesk {
        ServiceDesk(ShopCache::new(TTL))
    }
}

impl ServiceDesk {
    /// Measures the shop again on the next request (its office hours just changed).
    pub fn forget(&self, tenant_id: Uuid) {
        self.0.forget(tenant_id);
    }
}

/// The median of `waits`, when there are enough of them.
pub fn typical(mut waits: Vec<i64>) -> Option<i64> {
    if waits.len() < MIN_SAMPLES {
        return None;
    }
    waits.sort_unstable();
    Some(waits[waits.len() / 2])
}

pub async fn status(state: &AppState, tenant_id: Uuid) -> Result<Arc<ServiceStatus>, ApiError> {
    if let Some(kept) = state.service.0.get(tenant_id) {
        return Ok(kept);
    }
    let now = now_ms();
    let waits = state
        .store
        .recent_first_reply_waits(tenant_id, now - WINDOW_MS, SAMPLE)
        .await?;
    let measured_replies = waits.len();
    let office = crate::desk::dispatch::office(state, tenant_id).await;
    let open_now = office.as_ref().is_none_or(|(_, s)| s.is_open(now));
    let next_open = office
        .as_ref()
        .filter(|_| !open_now)
        .and_then(|(_, s)| s.next_open(now).map(|at| (at, s.label(at, now))));
    let status = ServiceStatus {
        agents_online: state.store.agents_online(tenant_id).await?,
        open_now,
        typical_first_response_ms: typical(waits),
        measured_replies,
        next_open_at: next_open.as_ref().map(|(at, _)| *at),
        next_open_label: next_open.map(|(_, label)| label),
        hours: office.map(|(hours, _)| hours.describe()),
    };
    Ok(state.service.0.put(tenant_id, status))
}

#[cfg(test)]
mod tests {
    use super::typical;

    #[test]
    fn the_typical_wait_is_the_median_of_enough_replies() {
        assert_eq!(typical(vec![]), None);
        assert_eq!(typical(vec![1_000, 2_000]), None);
        assert_eq!(typical(vec![90_000, 30_000, 60_000]), Some(60_000));
        assert_eq!(typical(vec![5, 1, 4, 2, 3, 600_000]), Some(4));
    }
}
