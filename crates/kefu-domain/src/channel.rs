//! Where a buyer came from: the channel that carries the bytes and the entry that opened the
//! conversation (CH-2, CH-3, CH-4). Stored as snake_case text so adapters can be added without
//! schema changes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The transport a buyer speaks through. Every buyer, conversation and message carries one,
/// with the channel's own id beside it (CH-3, CH-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// kefu's own web/app chat page and widget (CH-1).
    Web,
    /// WeChat Official Account (公众号).
    WechatMp,
    /// WeCom (企业微信).
    Wecom,
    /// Douyin private messages.
    Douyin,
    Email,
    /// The 400 hotline (CH-4).
    Phone,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::WechatMp => "wechat_mp",
            Channel::Wecom => "wecom",
            Channel::Douyin => "douyin",
            Channel::Email => "email",
            Channel::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Some(match s {
            "web" => Channel::Web,
            "wechat_mp" => Channel::WechatMp,
            "wecom" => Channel::Wecom,
            "douyin" => Channel::Douyin,
            "email" => Channel::Email,
            "phone" => Channel::Phone,
            _ => return None,
        })
    }
}

/// The door a conversation was opened from (CH-2). Later reports split by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// The shop's home page "私信" button; also the default.
    ShopHome,
    OrderCard,
    ProductPage,
    LiveRoom,
    Creator,
    /// The platform's own desk (我的客服).
    OfficialDesk,
}

impl Entry {
    pub fn as_str(self) -> &'static str {
        match self {
            Entry::ShopHome => "shop_home",
            Entry::OrderCard => "order_card",
            Entry::ProductPage => "product_page",
            Entry::LiveRoom => "live_room",
            Entry::Creator => "creator",
            Entry::OfficialDesk => "official_desk",
        }
    }

    pub fn parse(s: &str) -> Option<Entry> {
        Some(match s {
            "shop_home" => Entry::ShopHome,
            "order_card" => Entry::OrderCard,
            "product_page" => Entry::ProductPage,
            "live_room" => Entry::LiveRoom,
            "creator" => Entry::Creator,
            "official_desk" => Entry::OfficialDesk,
            _ => return None,
        })
    }
}

/// Where a channel's new conversations go while its queue is over the shop's limit (CH-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Overflow {
    /// Conversations from the channel waiting for an agent (none holds them, nor the robot)
    /// at which a new one overflows: 1–10,000; 0 turns overflow off.
    pub limit: u32,
    pub to: OverflowTo,
    /// The team new conversations go to, for `to: team`.
    #[serde(default)]
    pub team: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverflowTo {
    /// The robot answers new conversations first (the buyer can still ask for a person).
    Robot,
    /// New conversations go to another team's queue.
    Team,
}

/// Where one new conversation goes by a channel's overflow rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overflowed {
    Robot,
    Team(String),
}

impl Overflow {
    pub const MAX_LIMIT: u32 = 10_000;

    /// The rule as it may be kept: a limit in range, and a team exactly when it goes to one.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.limit > Self::MAX_LIMIT {
            return Err("the overflow limit is 1–10,000 waiting conversations (0: off)");
        }
        let team = self.team.as_deref().map(str::trim).unwrap_or_default();
        match (self.to, team.is_empty()) {
            (OverflowTo::Team, true) if self.limit > 0 => Err("overflow to a team names the team"),
            (OverflowTo::Robot, false) => Err("overflow to the robot names no team"),
            _ => Ok(()),
        }
    }

    /// Where a new conversation goes with `waiting` already queued from the channel: `None`
    /// while the queue is under the limit.
    pub fn route(&self, waiting: u64) -> Option<Overflowed> {
        if self.limit == 0 || waiting < u64::from(self.limit) {
            return None;
        }
        Some(match (self.to, &self.team) {
            (OverflowTo::Team, Some(team)) => Overflowed::Team(team.trim().to_owned()),
            _ => Overflowed::Robot,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_and_entry_names_round_trip() {
        for c in [
            Channel::Web,
            Channel::WechatMp,
            Channel::Wecom,
            Channel::Douyin,
            Channel::Email,
            Channel::Phone,
        ] {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for e in [
            Entry::ShopHome,
            Entry::OrderCard,
            Entry::ProductPage,
            Entry::LiveRoom,
            Entry::Creator,
            Entry::OfficialDesk,
        ] {
            assert_eq!(Entry::parse(e.as_str()), Some(e));
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn a_channel_overflows_at_its_limit_to_the_robot_or_a_team() {
        let robot = Overflow {
            limit: 3,
            to: OverflowTo::Robot,
            team: None,
        };
        assert_eq!(robot.check(), Ok(()));
        assert_eq!(robot.route(2), None);
        assert_eq!(robot.route(3), Some(Overflowed::Robot));
        let team = Overflow {
            limit: 1,
            to: OverflowTo::Team,
            team: Some(" 售后 ".into()),
        };
        assert_eq!(team.route(0), None);
        assert_eq!(team.route(9), Some(Overflowed::Team("售后".into())));
        let off = Overflow {
            limit: 0,
            ..robot.clone()
        };
        assert_eq!(off.check(), Ok(()));
        assert_eq!(off.route(1_000_000), None);
        for bad in [
            Overflow {
                limit: 10_001,
                ..robot.clone()
            },
            Overflow {
                team: None,
                ..team.clone()
            },
            Overflow {
                team: Some("  ".into()),
                ..team.clone()
            },
            Overflow {
                team: Some("售后".into()),
                ..robot.clone()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
}
