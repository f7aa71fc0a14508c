//! Conversation tags (WB-5): what a conversation was about, for after-sales tracking, filters
//! and reports. Every shop has the built-in categories and may add its own.

use crate::error_code::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A tag as the workbench lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Tag {
    /// Stable key: `logistics_delay`, or a shop's own.
    pub key: String,
    pub name: String,
    /// `after_sales`, `pre_sales`, `service`, or `custom`.
    pub group: String,
    pub builtin: bool,
}

/// The built-in categories: (key, name, group).
pub const BUILTIN_TAGS: [(&str, &str, &str); 24] = [
    ("logistics_delay", "物流延误", "after_sales"),
    ("logistics_lost", "快递丢件", "after_sales"),
    ("damaged_item", "商品破损", "after_sales"),
    ("wrong_item", "发错货", "after_sales"),
    ("missing_item", "少件漏发", "after_sales"),
    ("wrong_size", "尺码不合适", "after_sales"),
    ("quality_issue", "质量问题", "after_sales"),
    ("refund_progress", "退款进度", "after_sales"),
    ("return_exchange", "退换货", "after_sales"),
    ("price_protection", "价保/差价", "after_sales"),
    ("invoice", "发票", "after_sales"),
    ("address_change", "修改地址", "after_sales"),
    ("warranty", "保修维修", "after_sales"),
    ("installation", "安装问题", "after_sales"),
    ("presale_consult", "售前咨询", "pre_sales"),
    ("stock_inquiry", "库存咨询", "pre_sales"),
    ("shipping_time", "发货时间", "pre_sales"),
    ("coupon_promo", "优惠活动", "pre_sales"),
    ("live_promo", "直播活动", "pre_sales"),
    ("usage_guide", "使用咨询", "service"),
    ("membership", "会员权益", "service"),
    ("complaint", "投诉", "service"),
    ("counterfeit_doubt", "假货质疑", "service"),
    ("other", "其他", "service"),
];

pub fn builtin() -> Vec<Tag> {
    BUILTIN_TAGS
        .iter()
        .map(|(key, name, group)| Tag {
            key: (*key).to_owned(),
            name: (*name).to_owned(),
            group: (*group).to_owned(),
            builtin: true,
        })
        .collect()
}

/// A custom tag key: 2–32 lower-case letters, digits or `_`, not a built-in one.
pub fn check_key(key: &str) -> Result<String, ErrorCode> {
    let key = key.trim().to_lowercase();
    let ok = (2..=32).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(ErrorCode::InvalidTag);
    }
    if BUILTIN_TAGS.iter().any(|(k, ..)| *k == key) {
        return Err(ErrorCode::TagExists);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_at_least_twenty_distinct_builtin_categories() {
        let mut keys: Vec<&str> = BUILTIN_TAGS.iter().map(|(k, ..)| *k).collect();
        keys.sort();
        keys.dedup();
        assert!(keys.len() >= 20);
        assert_eq!(keys.len(), BUILTIN_TAGS.len());
        assert!(builtin().iter().all(|t| t.builtin));
    }

    #[test]
    fn custom_keys_are_checked() {
        assert_eq!(check_key(" VIP_Gift ").as_deref(), Ok("vip_gift"));
        assert_eq!(check_key("x"), Err(ErrorCode::InvalidTag));
        assert_eq!(check_key("有空格 "), Err(ErrorCode::InvalidTag));
        assert_eq!(check_key("invoice"), Err(ErrorCode::TagExists));
    }
}
