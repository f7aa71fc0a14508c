//! Quick phrases (WB-3, issue #17): the shop's, a team's and each agent's canned replies, in
//! categories, with variables filled from the conversation ("{买家}", "{订单号}" …), found by
//! their text, their shortcut or the pinyin initials of their text ("fh" finds 发货). Pure:
//! the store keeps them, the server fills and searches them per conversation.

use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error_code::ErrorCode;

/// Whose phrase it is: the whole shop's, one team's, or one agent's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhraseScope {
    Shop,
    Team,
    Personal,
}

impl PhraseScope {
    pub fn as_str(self) -> &'static str {
        match self {
            PhraseScope::Shop => "shop",
            PhraseScope::Team => "team",
            PhraseScope::Personal => "personal",
        }
    }

    pub fn parse(text: &str) -> Option<PhraseScope> {
        match text {
            "shop" | "全店" => Some(PhraseScope::Shop),
            "team" | "团队" => Some(PhraseScope::Team),
            "personal" | "个人" => Some(PhraseScope::Personal),
            _ => None,
        }
    }
}

/// A stored phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Phrase {
    pub id: Uuid,
    pub scope: PhraseScope,
    /// The team's key (`scope: team`).
    pub team: Option<String>,
    /// The agent whose own it is (`scope: personal`).
    pub owner_id: Option<Uuid>,
    pub category: String,
    /// Typed after `/` to find it first ("fh", "tk1").
    pub shortcut: Option<String>,
    /// The reply, with variables.
    pub text: String,
    /// A picture sent after the text (an upload's id).
    pub image: Option<Uuid>,
    /// A product card sent after the text.
    pub product_code: Option<String>,
    /// Times agents sent it.
    pub uses: i64,
    pub updated_at: i64,
}

impl Phrase {
    /// Whether an agent (`id`, in `team`) may use it: the shop's, their team's, their own.
    pub fn usable_by(&self, id: Uuid, team: Option<&str>) -> bool {
        match self.scope {
            PhraseScope::Shop => true,
            PhraseScope::Team => team.is_some() && self.team.as_deref() == team,
            PhraseScope::Personal => self.owner_id == Some(id),
        }
    }
}

/// A phrase as written by a person, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PhraseInput {
    pub scope: PhraseScope,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub shortcut: Option<String>,
    pub text: String,
    #[serde(default)]
    pub image: Option<Uuid>,
    #[serde(default)]
    pub product_code: Option<String>,
}

/// The category of a phrase written without one.
pub const DEFAULT_CATEGORY: &str = "常用";
/// The longest phrase, in characters.
pub const MAX_PHRASE_CHARS: usize = 1_000;
const MAX_CATEGORY_CHARS: usize = 32;
const MAX_SHORTCUT_CHARS: usize = 16;
/// The most phrases one shop may keep (all scopes together).
pub const MAX_PHRASES: usize = 20_000;

/// A checked phrase: trimmed, its category defaulted, its shortcut lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPhrase {
    pub scope: PhraseScope,
    pub team: Option<String>,
    pub category: String,
    pub shortcut: Option<String>,
    pub text: String,
    pub image: Option<Uuid>,
    pub product_code: Option<String>,
    /// The text's pinyin initials, kept for search.
    pub initials: String,
}

impl PhraseInput {
    /// The phrase as kept, or the code and reason it is refused.
    pub fn check(self) -> Result<CheckedPhrase, (ErrorCode, &'static str)> {
        let text = self.text.trim().to_owned();
        if text.is_empty() || text.chars().count() > MAX_PHRASE_CHARS {
            return Err((ErrorCode::InvalidPhrase, "a phrase is 1–1,000 characters"));
        }
        let category = self
            .category
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| DEFAULT_CATEGORY.to_owned());
        if category.chars().count() > MAX_CATEGORY_CHARS {
            return Err((
                ErrorCode::InvalidPhrase,
                "a category is at most 32 characters",
            ));
        }
        let shortcut = self
            .shortcut
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        if shortcut.as_ref().is_some_and(|s| {
            s.chars().count() > MAX_SHORTCUT_CHARS
                || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }) {
            return Err((
                ErrorCode::InvalidPhrase,
                "a shortcut is 1–16 letters, digits or -",
            ));
        }
        let team = self
            .team
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        match (self.scope, &team) {
            (PhraseScope::Team, None) => {
                return Err((ErrorCode::InvalidPhrase, "a team's phrase names its team"));
            }
            (PhraseScope::Shop | PhraseScope::Personal, Some(_)) => {
                return Err((
                    ErrorCode::InvalidPhrase,
                    "only a team's phrase names a team",
                ));
            }
            _ => {}
        }
        let product_code = self
            .product_code
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        Ok(CheckedPhrase {
            scope: self.scope,
            team,
            category,
            shortcut,
            initials: initials(&text),
            text,
            image: self.image,
            product_code,
        })
    }
}

/// The first letter of each character's pinyin, letters and digits as they are (lower-case),
/// everything else dropped: "亲，发货了吗？" → "qfhlm".
pub fn initials(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.plain().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

/// The variables a phrase may hold, in Chinese and English: `{买家}` or `{buyer}`.
pub const VARIABLES: [(&str, &str); 7] = [
    ("买家", "buyer"),
    ("订单号", "order"),
    ("商品", "product"),
    ("客服", "agent"),
    ("营业时间", "hours"),
    // When the shop opens next ("明天 09:00"), and the buyer's place in the queue: what the
    // automatic replies say (WB-2), usable in phrases too.
    ("下次营业", "next_open"),
    ("排队位置", "position"),
];

/// What the variables stand for in one conversation; `None` where it has nothing (no order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    pub buyer: Option<String>,
    pub order: Option<String>,
    pub product: Option<String>,
    pub agent: Option<String>,
    pub hours: Option<String>,
    pub next_open: Option<String>,
    pub position: Option<String>,
}

/// A phrase's text with the variables filled in, and those the conversation had nothing for
/// (left as written, for the agent to fill).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Filled {
    pub text: String,
    pub missing: Vec<String>,
}

/// Fills a phrase's variables from the conversation.
pub fn fill(text: &str, values: &Values) -> Filled {
    fill_with(text, values, true)
}

/// Fills an automatic reply's variables (WB-2): what the conversation has nothing for is
/// left out, since no agent reads it before the buyer does.
pub fn fill_for_buyer(text: &str, values: &Values) -> String {
    fill_with(text, values, false).text
}

fn fill_with(text: &str, values: &Values, keep_missing: bool) -> Filled {
    let mut out = String::with_capacity(text.len());
    let mut missing = vec![];
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        let slot = VARIABLES
            .iter()
            .position(|(zh, en)| *zh == name || *en == name);
        match slot {
            Some(i) => {
                let value = match i {
                    0 => &values.buyer,
                    1 => &values.order,
                    2 => &values.product,
                    3 => &values.agent,
                    4 => &values.hours,
                    5 => &values.next_open,
                    _ => &values.position,
                };
                match value {
                    Some(v) => out.push_str(v),
                    None => {
                        if keep_missing {
                            out.push_str(&rest[open..open + close + 2]);
                        }
                        let zh = VARIABLES[i].0.to_owned();
                        if !missing.contains(&zh) {
                            missing.push(zh);
                        }
                    }
                }
            }
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Filled { text: out, missing }
}

/// A phrase as searched: its text, category and shortcut lower-cased, and its initials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Searchable<'a> {
    pub text: &'a str,
    pub category: &'a str,
    pub shortcut: Option<&'a str>,
    pub initials: &'a str,
    pub uses: i64,
}

/// How well a phrase matches, best first: its shortcut exactly, its shortcut's start, the
/// start of its initials, its text, its initials, its category.
fn rank(phrase: &Searchable<'_>, query: &str, query_lower: &str) -> Option<u8> {
    let shortcut = phrase.shortcut.unwrap_or_default();
    if !shortcut.is_empty() && shortcut == query_lower {
        return Some(0);
    }
    if !shortcut.is_empty() && shortcut.starts_with(query_lower) {
        return Some(1);
    }
    let ascii = query_lower.chars().all(|c| c.is_ascii_alphanumeric());
    if ascii && phrase.initials.starts_with(query_lower) {
        return Some(2);
    }
    // Lower-casing only a text with capitals, for a query with letters ("SF" for "sf").
    let letters = query_lower.bytes().any(|b| b.is_ascii_alphabetic());
    if phrase.text.contains(query)
        || (letters
            && phrase.text.bytes().any(|b| b.is_ascii_uppercase())
            && phrase.text.to_lowercase().contains(query_lower))
    {
        return Some(3);
    }
    if ascii && phrase.initials.contains(query_lower) {
        return Some(4);
    }
    if phrase.category.contains(query) {
        return Some(5);
    }
    None
}

/// The phrases matching `query` (their indices), best match first, then the most used; all of
/// them, most used first, for an empty query. At most `limit`.
pub fn search(phrases: &[Searchable<'_>], query: &str, limit: usize) -> Vec<usize> {
    let query = query.trim();
    let query_lower = query.to_lowercase();
    let mut found: Vec<(u8, i64, usize)> = phrases
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let rank = if query.is_empty() {
                Some(0)
            } else {
                rank(p, query, &query_lower)
            };
            rank.map(|r| (r, -p.uses, i))
        })
        .collect();
    if found.len() > limit {
        found.select_nth_unstable(limit);
        found.truncate(limit);
    }
    found.sort_unstable();
    found.into_iter().map(|(_, _, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str) -> PhraseInput {
        PhraseInput {
            scope: PhraseScope::Shop,
            team: None,
            category: None,
            shortcut: None,
            text: text.to_owned(),
            image: None,
            product_code: None,
        }
    }

    #[test]
    fn a_phrase_is_checked_and_gets_its_initials() {
        let ok = input("  亲，{订单号}已发货～ ").check().unwrap();
        assert_eq!(ok.text, "亲，{订单号}已发货～");
        assert_eq!(ok.category, DEFAULT_CATEGORY);
        assert_eq!(ok.initials, "qddhyfh");
        assert!(input(" ").check().is_err());
        assert!(input(&"好".repeat(1_001)).check().is_err());
        let mut team = input("x");
        team.scope = PhraseScope::Team;
        assert!(
            team.clone().check().is_err(),
            "a team phrase names its team"
        );
        team.team = Some("after-sales".into());
        assert!(team.check().is_ok());
        let mut shortcut = input("x");
        shortcut.shortcut = Some("FH 1".into());
        assert!(shortcut.clone().check().is_err());
        shortcut.shortcut = Some("FH1".into());
        assert_eq!(shortcut.check().unwrap().shortcut.as_deref(), Some("fh1"));
    }

    #[test]
    fn variables_are_filled_and_missing_ones_kept() {
        let values = Values {
            buyer: Some("王先生".into()),
            agent: Some("小美".into()),
            order: None,
            ..Values::default()
        };
        let filled = fill("{买家}您好，我是{agent}，订单{订单号}在查{未知}{", &values);
        assert_eq!(filled.text, "王先生您好，我是小美，订单{订单号}在查{未知}{");
        assert_eq!(filled.missing, ["订单号"]);
        // An automatic reply leaves out what it has nothing for (WB-2).
        assert_eq!(
            fill_for_buyer("{买家}您好，订单{订单号}在查，前面{排队位置}位", &values),
            "王先生您好，订单在查，前面位"
        );
    }

    #[test]
    fn search_finds_shortcuts_initials_and_text_most_used_first() {
        let texts = [
            "亲，现货48小时内发货",
            "退款1-3个工作日到账",
            "发货后请留意物流",
            "您好",
        ];
        let initials: Vec<String> = texts.iter().map(|t| initials(t)).collect();
        let phrases: Vec<Searchable<'_>> = texts
            .iter()
            .zip(&initials)
            .enumerate()
            .map(|(i, (text, init))| Searchable {
                text,
                category: if i == 1 { "售后" } else { "常用" },
                shortcut: (i == 1).then_some("tk"),
                initials: init,
                uses: i as i64,
            })
            .collect();
        assert_eq!(search(&phrases, "tk", 10), [1]);
        // "fh" starts 发货后… and is inside 亲现货…发货's initials.
        assert_eq!(search(&phrases, "fh", 10), [2, 0]);
        assert_eq!(search(&phrases, "物流", 10), [2]);
        assert_eq!(search(&phrases, "售后", 10), [1]);
        assert_eq!(search(&phrases, "", 2), [3, 2], "most used first");
        assert!(search(&phrases, "zzz", 10).is_empty());
    }
}
