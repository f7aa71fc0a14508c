//! Quality inspection's daily sample (KPI-3, issue #18): the conversations agents served on a
//! day, every one with a bad rating, a complaint tag, a transfer or a forbidden word in an
//! agent's message, and a random share of the rest; the forbidden words are flagged on the
//! messages. Sampling a day again adds only what is new.

use std::collections::HashMap;

use chrono::NaiveDate;
use kefu_domain::kpi;
use kefu_domain::qa::{self, Rubric};
use kefu_domain::time::now_ms;
use kefu_store::NewQaReview;
use uuid::Uuid;

use super::{day_key, today, zone_of};
use crate::AppState;
use crate::error::ApiError;

/// Samples `day` for the shop: how many reviews were added.
pub async fn sample_day(
    state: &AppState,
    tenant_id: Uuid,
    day: NaiveDate,
) -> Result<u64, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let (start, end) = kpi::day_span(zone, day, day);
    let (rubric, _) = state.store.shop_document::<Rubric>(tenant_id).await?;
    let mut candidates = state.store.qa_candidates(tenant_id, start, end).await?;
    let mut hits: HashMap<Uuid, Vec<qa::ForbiddenHit>> = HashMap::new();
    if let Some(matcher) = rubric.forbidden_matcher() {
        let mut texts: HashMap<Uuid, Vec<(i64, String)>> = HashMap::new();
        for (conversation, seq, text) in state.store.agent_texts(tenant_id, start, end).await? {
            texts.entry(conversation).or_default().push((seq, text));
        }
        for (conversation, messages) in texts {
            let found = qa::forbidden_hits(&matcher, &messages);
            if !found.is_empty() {
                hits.insert(conversation, found);
            }
        }
    }
    for c in &mut candidates {
        c.forbidden_word = hits.contains_key(&c.conversation_id);
    }
    let key = day_key(day);
    let agents: HashMap<Uuid, Option<Uuid>> = candidates
        .iter()
        .map(|c| (c.conversation_id, c.agent_id))
        .collect();
    let reviews: Vec<NewQaReview> = qa::sample(&candidates, &rubric, &key)
        .into_iter()
        .map(|(conversation_id, reasons)| NewQaReview {
            conversation_id,
            agent_id: agents.get(&conversation_id).copied().flatten(),
            reasons,
            forbidden_hits: hits.remove(&conversation_id).unwrap_or_default(),
        })
        .collect();
    Ok(state
        .store
        .add_qa_sample(tenant_id, &key, &reviews, now_ms())
        .await?)
}

/// The jobs' hour: every shop's yesterday sampled (once; again adds nothing).
pub async fn sample_yesterday_everywhere(state: &AppState) {
    let Ok(tenants) = state.store.tenants().await else {
        return;
    };
    for tenant in tenants {
        let zone = zone_of(state, tenant.id).await;
        let Some(yesterday) = today(zone).pred_opt() else {
            continue;
        };
        if let Err(error) = sample_day(state, tenant.id, yesterday).await {
            tracing::warn!(tenant = %tenant.id, %error, "could not sample conversations for QA");
        }
    }
}
