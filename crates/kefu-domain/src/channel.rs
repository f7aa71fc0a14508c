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
}
