//! Keeping spam out (WB-6, issue #17). An agent blocks a buyer (spam, harassment, ads) for a
//! while or for good; the shop's intake filter flags ads and harassment by keywords, links and
//! a sending rate. A blocked or flagged buyer may still write and every message is stored, but
//! the conversation is closed at once as *invalid*: never routed, never answered, counted
//! apart in reports, and the buyer sees nothing different. All of it is reversible.

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error_code::ErrorCode;

/// Keywords in a filter, at most, each at most [`MAX_FILTER_WORD_CHARS`].
pub const MAX_FILTER_WORDS: usize = 500;
pub const MAX_FILTER_WORD_CHARS: usize = 50;
/// A block's note, at most.
pub const MAX_BLOCK_NOTE_CHARS: usize = 200;

/// Why a buyer is blocked or a conversation is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Spam,
    Harassment,
    Ad,
    Other,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Spam => "spam",
            BlockKind::Harassment => "harassment",
            BlockKind::Ad => "ad",
            BlockKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<BlockKind> {
        Some(match s {
            "spam" => BlockKind::Spam,
            "harassment" => BlockKind::Harassment,
            "ad" => BlockKind::Ad,
            "other" => BlockKind::Other,
            _ => return None,
        })
    }
}

/// An agent's request to block a buyer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
pub struct BlockInput {
    pub kind: BlockKind,
    #[serde(default)]
    pub note: String,
    /// How long: 1 to 365 days; none: until lifted.
    #[serde(default)]
    pub days: Option<u32>,
}

impl BlockInput {
    /// The note trimmed and bounded; the expiry from `now_ms`.
    pub fn check(self, now_ms: i64) -> Result<(BlockKind, String, Option<i64>), ErrorCode> {
        let note = self.note.trim().to_owned();
        if note.chars().count() > MAX_BLOCK_NOTE_CHARS {
            return Err(ErrorCode::InvalidBlock);
        }
        let expires_at = match self.days {
            None => None,
            Some(days @ 1..=365) => Some(now_ms + i64::from(days) * 86_400_000),
            Some(_) => return Err(ErrorCode::InvalidBlock),
        };
        Ok((self.kind, note, expires_at))
    }
}

/// A buyer's block, as the blocklist shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Block {
    pub id: uuid::Uuid,
    pub buyer_id: uuid::Uuid,
    pub buyer_name: String,
    pub kind: BlockKind,
    pub note: String,
    pub blocked_by: uuid::Uuid,
    pub blocked_by_name: String,
    pub blocked_at: i64,
    /// None: until lifted.
    pub expires_at: Option<i64>,
    pub lifted_by: Option<uuid::Uuid>,
    pub lifted_at: Option<i64>,
}

impl Block {
    /// In force at `now_ms`: not lifted, not expired.
    pub fn active(&self, now_ms: i64) -> bool {
        self.lifted_at.is_none() && self.expires_at.is_none_or(|at| at > now_ms)
    }
}

/// The shop's intake filter: messages it flags close their conversation as invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct IntakeFilter {
    pub enabled: bool,
    /// Words of ads and harassment (case ignored).
    pub keywords: Vec<String>,
    /// Flag messages with a web link, except to `allowed_domains` (and their subdomains).
    pub block_links: bool,
    pub allowed_domains: Vec<String>,
    /// A buyer sending more than this many messages in a minute is flagged; 0: no limit.
    pub max_per_minute: u32,
}

impl Default for IntakeFilter {
    fn default() -> IntakeFilter {
        IntakeFilter {
            enabled: false,
            keywords: ["加微信", "加vx", "刷单", "兼职日结", "代理加盟", "返利群"]
                .map(str::to_owned)
                .to_vec(),
            block_links: true,
            allowed_domains: vec![],
            max_per_minute: 20,
        }
    }
}

impl IntakeFilter {
    /// Keywords trimmed, deduplicated and bounded; domains lower-cased without a scheme.
    pub fn check(mut self) -> Result<IntakeFilter, ErrorCode> {
        let mut words: Vec<String> = vec![];
        for w in &self.keywords {
            let w = w.trim();
            if w.is_empty() {
                continue;
            }
            if w.chars().count() > MAX_FILTER_WORD_CHARS {
                return Err(ErrorCode::InvalidIntakeFilter);
            }
            if !words.iter().any(|x| x == w) {
                words.push(w.to_owned());
            }
        }
        if words.len() > MAX_FILTER_WORDS || self.allowed_domains.len() > 100 {
            return Err(ErrorCode::InvalidIntakeFilter);
        }
        self.keywords = words;
        self.allowed_domains = self
            .allowed_domains
            .iter()
            .map(|d| {
                let d = d.trim().to_lowercase();
                let d = d.split("://").last().unwrap_or_default();
                d.trim_end_matches('/').to_owned()
            })
            .filter(|d| !d.is_empty())
            .collect();
        if self.max_per_minute > 600 {
            return Err(ErrorCode::InvalidIntakeFilter);
        }
        Ok(self)
    }
}

/// Why the filter flagged a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    Keyword(String),
    Link(String),
    Rate,
}

impl Flag {
    /// As the invalid conversation's reason: "keyword:加微信", "link:x.cn", "rate".
    pub fn reason(&self) -> String {
        match self {
            Flag::Keyword(w) => format!("keyword:{w}"),
            Flag::Link(d) => format!("link:{d}"),
            Flag::Rate => "rate".to_owned(),
        }
    }
}

/// A shop's filter compiled once.
#[derive(Debug)]
pub struct IntakeCheck {
    filter: IntakeFilter,
    words: Option<AhoCorasick>,
    /// The link pattern (a constant; the unit tests run it).
    link: Option<regex::Regex>,
}

/// Links as buyers paste them: a scheme or `www.`, or a bare domain with a common ending.
const LINK: &str = r"(?i)(?:https?://|www\.)([a-z0-9.-]+)|\b((?:[a-z0-9-]+\.)+(?:com|cn|net|org|top|xyz|vip|cc|io|shop|info|me|tk|co))\b";

impl IntakeCheck {
    pub fn new(filter: &IntakeFilter) -> IntakeCheck {
        let words = (!filter.keywords.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&filter.keywords)
                    .ok()
            })
            .flatten();
        IntakeCheck {
            filter: filter.clone(),
            words,
            link: regex::Regex::new(LINK).ok(),
        }
    }

    /// Whether the filter counts each buyer's messages a minute.
    pub fn limits_rate(&self) -> bool {
        self.filter.enabled && self.filter.max_per_minute > 0
    }

    /// Whether a buyer's text is flagged; `sent_this_minute`: the buyer's messages in the
    /// current minute, this one included.
    pub fn flag(&self, text: &str, sent_this_minute: u32) -> Option<Flag> {
        if !self.filter.enabled {
            return None;
        }
        if self.filter.max_per_minute > 0 && sent_this_minute > self.filter.max_per_minute {
            return Some(Flag::Rate);
        }
        if let Some(m) = self.words.as_ref().and_then(|w| w.find(text)) {
            return Some(Flag::Keyword(
                self.filter.keywords[m.pattern().as_usize()].clone(),
            ));
        }
        if self.filter.block_links
            && let Some(link) = &self.link
        {
            for c in link.captures_iter(text) {
                let domain = c
                    .get(1)
                    .or_else(|| c.get(2))
                    .map(|d| d.as_str().to_lowercase())
                    .unwrap_or_default();
                let allowed = self
                    .filter
                    .allowed_domains
                    .iter()
                    .any(|a| domain == *a || domain.ends_with(&format!(".{a}")));
                if !allowed {
                    return Some(Flag::Link(domain));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> IntakeFilter {
        IntakeFilter {
            enabled: true,
            allowed_domains: vec!["https://Shanye.example/".into()],
            ..IntakeFilter::default()
        }
        .check()
        .unwrap()
    }

    #[test]
    fn keywords_links_and_rate_flag_messages() {
        let check = IntakeCheck::new(&on());
        assert_eq!(check.flag("你好，茶叶什么时候发货", 1), None);
        assert_eq!(
            check.flag("兼职日结，加VX了解", 1),
            Some(Flag::Keyword("兼职日结".into()))
        );
        assert_eq!(
            check.flag("优惠看这里 http://cheap-tea.top/x", 1),
            Some(Flag::Link("cheap-tea.top".into()))
        );
        assert_eq!(
            check.flag("点 bit-deal.cn 领券", 1).map(|f| f.reason()),
            Some("link:bit-deal.cn".into())
        );
        assert_eq!(
            check.flag("店铺主页 https://shop.shanye.example/tea", 1),
            None
        );
        assert_eq!(
            check.flag("版本 1.2 好用吗", 1),
            None,
            "numbers are not links"
        );
        assert_eq!(check.flag("在吗", 21), Some(Flag::Rate));
        assert_eq!(check.flag("在吗", 20), None);
    }

    #[test]
    fn an_off_filter_flags_nothing_and_bad_filters_are_refused() {
        let off = IntakeCheck::new(&IntakeFilter::default());
        assert_eq!(off.flag("加微信 http://x.cn", 999), None);
        let long = IntakeFilter {
            keywords: vec!["长".repeat(51)],
            ..IntakeFilter::default()
        };
        assert_eq!(long.check(), Err(ErrorCode::InvalidIntakeFilter));
        let fast = IntakeFilter {
            max_per_minute: 601,
            ..IntakeFilter::default()
        };
        assert_eq!(fast.check(), Err(ErrorCode::InvalidIntakeFilter));
    }

    #[test]
    fn blocks_last_days_or_until_lifted() {
        let input = |days| BlockInput {
            kind: BlockKind::Spam,
            note: " 广告 ".into(),
            days,
        };
        assert_eq!(
            input(Some(7)).check(0),
            Ok((BlockKind::Spam, "广告".into(), Some(7 * 86_400_000)))
        );
        assert_eq!(input(None).check(0).map(|b| b.2), Ok(None));
        assert_eq!(input(Some(0)).check(0), Err(ErrorCode::InvalidBlock));
        assert_eq!(input(Some(366)).check(0), Err(ErrorCode::InvalidBlock));
        assert_eq!(BlockKind::parse("harassment"), Some(BlockKind::Harassment));
    }
}
