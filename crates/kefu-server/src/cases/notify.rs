//! The one outbound path of notifications (ESC-1): a notice in kefu (a `notice` frame on the
//! bus, at once), and for the shop's webhooks and phones a delivery queued in the database,
//! tried by the jobs' leader with backoff (10 s, 1 min, 5 min, 30 min, 2 h, then given up)
//! and kept in the delivery log for 30 days. Webhooks are signed:
//! `X-Kefu-Signature: sha256=hex(HMAC-SHA256(secret, "{X-Kefu-Timestamp}.{body}"))`. Text
//! messages go through the deployment's SMS gateway (`auth.sms_webhook_url`, the one that
//! sends verification codes), as `{"phone", "text"}`. The queue carries replies to buyers on
//! other platforms too (`crate::channels`), tried the same way.

use std::time::Duration;

use futures::StreamExt;
use hmac::{Hmac, Mac};
use kefu_domain::escalation::Level;
use kefu_domain::frames::{NoticeKind, ServerFrame, SupervisorNotice};
use kefu_domain::notify::{NotifyEvent, NotifySettings};
use kefu_domain::time::now_ms;
use kefu_store::{Delivery, NewDelivery};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use crate::AppState;
use crate::bus::Audience;
use crate::deliveries::Outcome;
use crate::error::ApiError;

/// Deliveries tried per pass, and at once.
const BATCH: i64 = 50;
const AT_ONCE: usize = 8;
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long the delivery log keeps what was sent or given up.
pub const KEPT_MS: i64 = 30 * 24 * 3_600_000;

/// Something to tell the shop's people.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What the shop's webhooks hear it as; `None`: told in kefu only.
    pub event: Option<NotifyEvent>,
    /// The notice's kind in kefu.
    pub kind: NoticeKind,
    pub title: String,
    /// Where the UI shows it.
    pub link: String,
    /// One account only in kefu (absent: everyone with `report.view`).
    pub to: Option<Uuid>,
    /// An escalation's level: the phones listed for it get a text message.
    pub level: Option<Level>,
    /// What a webhook receives as `data`.
    pub data: serde_json::Value,
}

/// Tells `notice` in kefu at once, and queues it for the shop's webhooks and phones.
pub async fn announce(state: &AppState, tenant_id: Uuid, notice: Notice) {
    let at = now_ms();
    let frame = ServerFrame::Notice {
        notice: SupervisorNotice {
            kind: notice.kind,
            title: notice.title.clone(),
            link: notice.link.clone(),
            at,
            to: notice.to,
        },
    };
    state.bus.publish(tenant_id, Audience::Agents, frame).await;
    let Some(event) = notice.event else {
        return;
    };
    if let Err(error) = queue(state, tenant_id, &notice, at).await {
        tracing::warn!(%error, event = event.as_str(), "could not queue a notification");
    }
}

/// The webhook calls and text messages `notice` makes for the shop's settings.
pub fn deliveries_for(
    settings: &NotifySettings,
    shop: &str,
    notice: &Notice,
    at: i64,
) -> Vec<NewDelivery> {
    let Some(event) = notice.event else {
        return vec![];
    };
    let body = json!({
        "event": event.as_str(),
        "shop": shop,
        "at": at,
        "title": notice.title,
        "link": notice.link,
        "data": notice.data,
    })
    .to_string();
    let mut out: Vec<NewDelivery> = settings
        .webhooks_for(event)
        .map(|hook| NewDelivery {
            channel: "webhook",
            target: hook.url.clone(),
            event: event.as_str(),
            body: body.clone(),
        })
        .collect();
    if let Some(level) = notice.level {
        let text = format!("【客服】{}：{}", shop, notice.title);
        out.extend(settings.phones_for(level).map(|phone| NewDelivery {
            channel: "sms",
            target: phone.to_owned(),
            event: event.as_str(),
            body: text.clone(),
        }));
    }
    out
}

async fn queue(
    state: &AppState,
    tenant_id: Uuid,
    notice: &Notice,
    at: i64,
) -> Result<(), ApiError> {
    let (settings, _) = state
        .store
        .shop_document::<NotifySettings>(tenant_id)
        .await?;
    if settings.webhooks.is_empty() && settings.sms.is_empty() {
        return Ok(());
    }
    let shop = state
        .store
        .tenant(tenant_id)
        .await?
        .map(|t| t.slug)
        .unwrap_or_default();
    let deliveries = deliveries_for(&settings, &shop, notice, at);
    if !deliveries.is_empty() {
        state.store.queue_deliveries(tenant_id, &deliveries).await?;
    }
    Ok(())
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .map(|mut mac| {
            mac.update(format!("{timestamp}.{body}").as_bytes());
            hex::encode(mac.finalize().into_bytes())
        })
        .unwrap_or_default();
    format!("sha256={mac}")
}

/// One pass of the jobs' leader: the deliveries due, a few at a time.
pub async fn deliver_due(state: &AppState) {
    let now = now_ms();
    let due = match state.store.due_deliveries(now, BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "could not list the deliveries due");
            return;
        }
    };
    if due.is_empty() {
        return;
    }
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(%error, "no HTTP client for notifications");
            return;
        }
    };
    futures::stream::iter(due)
        .for_each_concurrent(AT_ONCE, |delivery| {
            let client = client.clone();
            async move {
                let outcome = attempt(state, &client, &delivery).await;
                crate::deliveries::record(state, &delivery, outcome).await;
            }
        })
        .await;
}

async fn attempt(state: &AppState, client: &reqwest::Client, delivery: &Delivery) -> Outcome {
    let request = match delivery.channel.as_str() {
        "sms" => {
            let url = &state.settings.auth.sms_webhook_url;
            if url.is_empty() {
                return Outcome::GiveUp(None, "no SMS gateway configured".into());
            }
            client
                .post(url)
                .json(&json!({"phone": delivery.target, "text": delivery.body}))
        }
        "webhook" => {
            let settings = match state
                .store
                .shop_document::<NotifySettings>(delivery.tenant_id)
                .await
            {
                Ok((settings, _)) => settings,
                Err(error) => return Outcome::Retry(None, error.to_string()),
            };
            let Some(hook) = settings.webhooks.iter().find(|h| h.url == delivery.target) else {
                return Outcome::GiveUp(None, "the webhook was removed".into());
            };
            let timestamp = now_ms();
            client
                .post(&hook.url)
                .header("content-type", "application/json")
                .header("x-kefu-event", &delivery.event)
                .header("x-kefu-delivery", delivery.id.to_string())
                .header("x-kefu-timestamp", timestamp.to_string())
                .header(
                    "x-kefu-signature",
                    signature(&hook.secret, timestamp, &delivery.body),
                )
                .body(delivery.body.clone())
        }
        // A reply to a buyer on another platform (issue #21).
        _ => return crate::channels::attempt(state, client, delivery).await,
    };
    match request.send().await {
        Ok(answer) => {
            let code = answer.status().as_u16();
            if answer.status().is_success() {
                return Outcome::Sent(code);
            }
            let said = answer.text().await.unwrap_or_default();
            let error = format!("HTTP {code} {said}");
            if answer_is_final(code) {
                Outcome::GiveUp(Some(code), error)
            } else {
                Outcome::Retry(Some(code), error)
            }
        }
        Err(error) => Outcome::Retry(None, error.to_string()),
    }
}

/// A refusal not worth trying again: a 4xx other than 408 and 429.
fn answer_is_final(code: u16) -> bool {
    (400..500).contains(&code) && code != 408 && code != 429
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_timestamp_and_body() {
        // RFC 4231 test case 2's key; its data as sent at timestamp 0 ("0." + data).
        assert_eq!(
            signature("Jefe", 0, "what do ya want for nothing?"),
            "sha256=37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc"
        );
        assert_ne!(
            signature("Jefe", 1, "what do ya want for nothing?"),
            signature("Jefe", 0, "what do ya want for nothing?")
        );
    }

    #[test]
    fn only_a_4xx_other_than_408_and_429_is_final() {
        assert!(answer_is_final(404) && !answer_is_final(429) && !answer_is_final(503));
        assert!(!answer_is_final(408));
    }
}
