//! Where a shop's notifications go besides kefu itself (ESC-1): signed webhooks and text
//! messages through the deployment's SMS gateway. Pure: the shop's settings and their checks,
//! who gets what, and how long a failed delivery waits before its next try.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::account::parse_phone;
use crate::error_code::ErrorCode;
use crate::escalation::Level;

/// Webhooks and phones a shop may list, each.
pub const MAX_TARGETS: usize = 10;
/// The shortest webhook secret.
pub const MIN_SECRET_CHARS: usize = 16;
const MAX_URL_CHARS: usize = 500;
/// How long each failed try waits before the next: 10 s, 1 min, 5 min, 30 min, 2 h; after
/// the sixth try a delivery is given up.
const RETRY_AFTER_MS: [i64; 5] = [10_000, 60_000, 300_000, 1_800_000, 7_200_000];

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum NotifyEvent {
    /// A conversation or work order was escalated, or went a level up.
    #[serde(rename = "escalation.raised")]
    EscalationRaised,
    /// An escalation at the top level was not taken up in time.
    #[serde(rename = "escalation.overdue")]
    EscalationOverdue,
    /// A work order passed its deadline.
    #[serde(rename = "work_order.overdue")]
    WorkOrderOverdue,
    /// A buyer asked the platform to step in, or the platform ruled (ACC-1).
    #[serde(rename = "arbitration.opened")]
    ArbitrationOpened,
    #[serde(rename = "arbitration.ruled")]
    ArbitrationRuled,
    /// A test sent from the settings page.
    #[serde(rename = "test")]
    Test,
}

impl NotifyEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::EscalationRaised => "escalation.raised",
            NotifyEvent::EscalationOverdue => "escalation.overdue",
            NotifyEvent::WorkOrderOverdue => "work_order.overdue",
            NotifyEvent::ArbitrationOpened => "arbitration.opened",
            NotifyEvent::ArbitrationRuled => "arbitration.ruled",
            NotifyEvent::Test => "test",
        }
    }
}

/// A URL kefu POSTs the shop's events to, signed with its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    pub url: String,
    /// HMAC-SHA256 key of the `X-Kefu-Signature` header (at least 16 characters).
    pub secret: String,
    /// The events it wants; none listed: all.
    #[serde(default)]
    pub events: Vec<NotifyEvent>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A mobile number told by text message of escalations from `min_level` up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SmsTarget {
    pub phone: String,
    /// Who this is, for the settings page (店长, 运营负责人, …).
    #[serde(default)]
    pub name: String,
    pub min_level: Level,
}

/// The shop's notification settings (a shop document, `notify_settings`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct NotifySettings {
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    #[serde(default)]
    pub sms: Vec<SmsTarget>,
}

impl NotifySettings {
    /// The settings as kept (phones as their 11 digits), or `invalid_notify_settings`: at
    /// most 10 webhooks and 10 phones, http(s) URLs, secrets of 16 characters or more, mobile
    /// numbers.
    pub fn checked(mut self) -> Result<NotifySettings, ErrorCode> {
        let bad = ErrorCode::InvalidNotifySettings;
        if self.webhooks.len() > MAX_TARGETS || self.sms.len() > MAX_TARGETS {
            return Err(bad);
        }
        for hook in &mut self.webhooks {
            hook.url = hook.url.trim().to_owned();
            let scheme = hook.url.starts_with("https://") || hook.url.starts_with("http://");
            let host = hook.url.split("://").nth(1).unwrap_or_default();
            if !scheme
                || host.is_empty()
                || host.starts_with('/')
                || hook.url.chars().count() > MAX_URL_CHARS
                || hook.url.chars().any(char::is_whitespace)
                || hook.secret.chars().count() < MIN_SECRET_CHARS
                || hook.secret.chars().count() > MAX_URL_CHARS
            {
                return Err(bad);
            }
            hook.events.sort_by_key(|e| e.as_str());
            hook.events.dedup();
        }
        for target in &mut self.sms {
            target.phone = parse_phone(&target.phone).ok_or(bad)?;
            target.name = target.name.trim().chars().take(30).collect();
        }
        Ok(self)
    }

    /// The enabled webhooks that want `event`.
    pub fn webhooks_for(&self, event: NotifyEvent) -> impl Iterator<Item = &Webhook> {
        self.webhooks
            .iter()
            .filter(move |h| h.enabled && (h.events.is_empty() || h.events.contains(&event)))
    }

    /// The phones told of an escalation at `level`.
    pub fn phones_for(&self, level: Level) -> impl Iterator<Item = &str> {
        self.sms
            .iter()
            .filter(move |t| t.min_level <= level)
            .map(|t| t.phone.as_str())
    }
}

/// After a delivery's `attempts`-th failed try: how long until the next, or `None` when it
/// is given up.
pub fn retry_after(attempts: u32) -> Option<i64> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_AFTER_MS.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(url: &str) -> Webhook {
        Webhook {
            url: url.into(),
            secret: "s".repeat(16),
            events: vec![],
            enabled: true,
        }
    }

    #[test]
    fn settings_are_checked_and_kept_tidy() {
        let kept = NotifySettings {
            webhooks: vec![Webhook {
                events: vec![NotifyEvent::WorkOrderOverdue, NotifyEvent::WorkOrderOverdue],
                ..hook(" https://ops.example/kefu ")
            }],
            sms: vec![SmsTarget {
                phone: "+86 138-0013-8000".into(),
                name: " 店长 ".into(),
                min_level: Level::Two,
            }],
        }
        .checked()
        .expect("valid");
        assert_eq!(kept.webhooks[0].url, "https://ops.example/kefu");
        assert_eq!(kept.webhooks[0].events, vec![NotifyEvent::WorkOrderOverdue]);
        assert_eq!(
            (kept.sms[0].phone.as_str(), kept.sms[0].name.as_str()),
            ("13800138000", "店长")
        );
        for bad in [
            hook("ftp://x"),
            hook("https://"),
            hook("https:///path"),
            hook("https://a b"),
            Webhook {
                secret: "short".into(),
                ..hook("https://ok.example")
            },
        ] {
            let settings = NotifySettings {
                webhooks: vec![bad],
                sms: vec![],
            };
            assert_eq!(settings.checked(), Err(ErrorCode::InvalidNotifySettings));
        }
        let phone = NotifySettings {
            webhooks: vec![],
            sms: vec![SmsTarget {
                phone: "12345".into(),
                name: String::new(),
                min_level: Level::One,
            }],
        };
        assert_eq!(phone.checked(), Err(ErrorCode::InvalidNotifySettings));
        let many = NotifySettings {
            webhooks: vec![hook("https://a.example"); 11],
            sms: vec![],
        };
        assert_eq!(many.checked(), Err(ErrorCode::InvalidNotifySettings));
    }

    #[test]
    fn who_is_told_of_what() {
        let settings = NotifySettings {
            webhooks: vec![
                hook("https://all.example"),
                Webhook {
                    events: vec![NotifyEvent::WorkOrderOverdue],
                    ..hook("https://orders.example")
                },
                Webhook {
                    enabled: false,
                    ..hook("https://paused.example")
                },
            ],
            sms: vec![
                SmsTarget {
                    phone: "13800138000".into(),
                    name: "主管".into(),
                    min_level: Level::Two,
                },
                SmsTarget {
                    phone: "13900139000".into(),
                    name: "公关".into(),
                    min_level: Level::Three,
                },
            ],
        };
        let urls = |e| {
            settings
                .webhooks_for(e)
                .map(|h| h.url.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            urls(NotifyEvent::EscalationRaised),
            vec!["https://all.example"]
        );
        assert_eq!(
            urls(NotifyEvent::WorkOrderOverdue),
            vec!["https://all.example", "https://orders.example"]
        );
        assert_eq!(settings.phones_for(Level::One).count(), 0);
        assert_eq!(
            settings.phones_for(Level::Two).collect::<Vec<_>>(),
            vec!["13800138000"]
        );
        assert_eq!(settings.phones_for(Level::Three).count(), 2);
    }

    #[test]
    fn events_are_named_as_webhooks_receive_them() {
        for event in [
            NotifyEvent::EscalationRaised,
            NotifyEvent::EscalationOverdue,
            NotifyEvent::WorkOrderOverdue,
            NotifyEvent::ArbitrationOpened,
            NotifyEvent::ArbitrationRuled,
            NotifyEvent::Test,
        ] {
            assert_eq!(
                serde_json::to_value(event).ok(),
                Some(serde_json::Value::from(event.as_str()))
            );
        }
    }

    #[test]
    fn a_failed_delivery_backs_off_then_gives_up() {
        assert_eq!(retry_after(0), None);
        assert_eq!(retry_after(1), Some(10_000));
        assert_eq!(retry_after(5), Some(7_200_000));
        assert_eq!(retry_after(6), None);
        let waits: Vec<i64> = (1..=5).filter_map(retry_after).collect();
        assert!(waits.windows(2).all(|w| w[0] < w[1]));
    }
}
