//! The delivery queue's tries (ESC-1, issue #21): what leaves kefu for outside (webhooks,
//! text messages, replies to buyers on other platforms) is queued in the database; each try
//! ends in an `Outcome`, recorded here with the backoff (10 s, 1 min, 5 min, 30 min, 2 h,
//! then given up) the delivery log shows. Who tries what: `cases::notify` (its webhooks and
//! text messages, and the leader's passes over everything due) and `channels` (a reply, at
//! once).

use kefu_domain::notify::retry_after;
use kefu_domain::time::now_ms;
use kefu_store::{Delivery, DeliveryTry};
use uuid::Uuid;

use crate::AppState;

/// How much of an error or a refusal's body the log keeps.
const ERROR_CHARS: usize = 300;

/// How one try went.
pub enum Outcome {
    Sent(u16),
    /// Worth another try (a refusal of 5xx or 429, no answer).
    Retry(Option<u16>, String),
    /// Never worth another (no gateway, a webhook removed, a 4xx, a closed window).
    GiveUp(Option<u16>, String),
}

impl Outcome {
    /// What went wrong, if anything.
    pub fn error(&self) -> &str {
        match self {
            Outcome::Sent(_) => "",
            Outcome::Retry(_, error) | Outcome::GiveUp(_, error) => error,
        }
    }

    fn into_try(self, attempts_before: i64, at: i64) -> DeliveryTry {
        let attempts = u32::try_from(attempts_before.saturating_add(1)).unwrap_or(u32::MAX);
        let (status, next_at, error, code) = match self {
            Outcome::Sent(code) => ("sent", None, String::new(), Some(code)),
            Outcome::Retry(code, error) => match retry_after(attempts) {
                Some(wait) => ("pending", Some(at + wait), error, code),
                None => ("failed", None, error, code),
            },
            Outcome::GiveUp(code, error) => ("failed", None, error, code),
        };
        DeliveryTry {
            status,
            next_at,
            error: error.chars().take(ERROR_CHARS).collect(),
            response_status: code.map(i64::from),
            at,
        }
    }
}

/// Records how a try of `delivery` went: sent, due again after its backoff, or given up.
pub async fn record(state: &AppState, delivery: &Delivery, outcome: Outcome) {
    record_all(state, vec![(delivery.clone(), outcome)]).await;
}

/// Records the outcomes of tries at once, in one transaction (a shop's batch of replies).
pub async fn record_all(state: &AppState, tried: Vec<(Delivery, Outcome)>) {
    if tried.is_empty() {
        return;
    }
    let tries: Vec<(Uuid, DeliveryTry)> = tried
        .into_iter()
        .map(|(delivery, outcome)| {
            let tried = outcome.into_try(delivery.attempts, now_ms());
            metrics::counter!("kefu_notify_deliveries_total", "channel" => kind(&delivery.channel), "status" => tried.status)
                .increment(1);
            (delivery.id, tried)
        })
        .collect();
    let refs: Vec<(Uuid, &DeliveryTry)> = tries.iter().map(|(id, t)| (*id, t)).collect();
    if let Err(error) = state.store.record_deliveries(&refs).await {
        tracing::warn!(%error, "could not record deliveries");
    }
}

fn kind(channel: &str) -> &'static str {
    match channel {
        "sms" => "sms",
        "webhook" => "webhook",
        _ => "channel",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_try_backs_off_then_gives_up() {
        let retry = Outcome::Retry(Some(500), "HTTP 500".into()).into_try(0, 1_000);
        assert_eq!((retry.status, retry.next_at), ("pending", Some(11_000)));
        let last = Outcome::Retry(None, "timed out".into()).into_try(5, 1_000);
        assert_eq!((last.status, last.next_at), ("failed", None));
        let refused = Outcome::GiveUp(Some(404), "HTTP 404".into()).into_try(0, 1_000);
        assert_eq!(refused.status, "failed");
        let sent = Outcome::Sent(204).into_try(2, 1_000);
        assert_eq!((sent.status, sent.response_status), ("sent", Some(204)));
    }
}
