//! When a platform lets a shop write to a buyer (CH-3): WeChat's customer-service messages
//! may be sent for 48 hours after the buyer's last message, five of them; Douyin and WeCom
//! have windows of their own. kefu checks before an agent's message goes, so the composer
//! says why instead of the platform refusing it later.

use serde::Serialize;

/// A platform's rule: how long after the buyer's last message, and how many messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyRule {
    pub length_ms: i64,
    pub quota: Option<u32>,
}

/// Where a conversation stands against its channel's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChannelWindow)]
pub struct WindowState {
    /// The shop may write now.
    pub open: bool,
    /// When the window closes (absent before the buyer's first message: closed).
    pub closes_at: Option<i64>,
    /// Messages left in it (absent: no count).
    pub remaining: Option<u32>,
}

impl ReplyRule {
    /// The state after the buyer last wrote at `last_in` and the shop sent `sent` since.
    pub fn state(&self, last_in: Option<i64>, sent: u32, now: i64) -> WindowState {
        let Some(last_in) = last_in else {
            return WindowState {
                open: false,
                closes_at: None,
                remaining: self.quota.map(|_| 0),
            };
        };
        let closes_at = last_in.saturating_add(self.length_ms);
        let remaining = self.quota.map(|q| q.saturating_sub(sent));
        WindowState {
            open: now < closes_at && remaining != Some(0),
            closes_at: Some(closes_at),
            remaining,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat_mp::{WINDOW_MS, WINDOW_QUOTA};

    const WECHAT: ReplyRule = ReplyRule {
        length_ms: WINDOW_MS,
        quota: Some(WINDOW_QUOTA),
    };

    #[test]
    fn wechat_allows_five_messages_within_48_hours() {
        let s = WECHAT.state(Some(0), 0, 1_000);
        assert_eq!(
            (s.open, s.closes_at, s.remaining),
            (true, Some(WINDOW_MS), Some(5))
        );
        assert!(WECHAT.state(Some(0), 4, 1_000).open);
        assert!(!WECHAT.state(Some(0), 5, 1_000).open, "the quota is spent");
        assert!(!WECHAT.state(Some(0), 0, WINDOW_MS).open, "48 hours passed");
        assert!(!WECHAT.state(None, 0, 0).open, "the buyer never wrote");
    }
}
