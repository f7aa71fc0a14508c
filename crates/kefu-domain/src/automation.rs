//! Automatic replies (WB-2): what kefu says to a buyer by itself, each on or off per shop and
//! per channel: a welcome when a conversation opens (one per entry, with question buttons),
//! keyword rules while people serve, a nudge when the agent is slow, the off-hours reply with
//! the next opening, the buyer's place in the queue, and a closing message. They are data (one
//! document per shop, checked here) and these are the pure rules over it; the desk stores and
//! sends what they decide as `automation` messages, which never count as an agent's reply.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::channel::{Channel, Entry};
use crate::error_code::ErrorCode;
use crate::message::{Button, Buttons, MAX_BUTTON_CHARS};

/// The name automatic replies carry in the chat.
pub const AUTOMATION_NAME: &str = "自动回复";
/// Question buttons under a welcome, at most.
pub const MAX_WELCOME_BUTTONS: usize = 6;
/// Keyword rules per shop, at most.
pub const MAX_RULES: usize = 500;
/// Keywords per rule, at most, each at most [`MAX_KEYWORD_CHARS`].
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_KEYWORD_CHARS: usize = 50;
/// A regular expression's source, at most; compiled under [`REGEX_SIZE_LIMIT`] bytes.
pub const MAX_PATTERN_CHARS: usize = 200;
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// An automatic message's text, at most.
pub const MAX_REPLY_CHARS: usize = 1_000;
/// The idle nudge waits 1 to 120 minutes; a rule's cooldown is at most a day.
pub const MAX_IDLE_MINUTES: u32 = 120;
pub const MAX_COOLDOWN_MINUTES: u32 = 1_440;

/// A shop's automatic replies. Everything is off until the shop turns it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AutoReplies {
    pub welcome: Welcome,
    pub keywords: KeywordReplies,
    pub idle: IdleNudge,
    pub off_hours: Notice,
    pub queue: Notice,
    pub closing: Notice,
    /// The satisfaction rating's invitation after a resolution (KPI-3): its text.
    pub rating: Notice,
}

/// The welcome a conversation opens with: the shop's, or the one for the entry the buyer came
/// in by (an order card, a live room, the shop home).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Welcome {
    pub enabled: bool,
    /// The channels it is on for; empty: every channel.
    pub channels: Vec<Channel>,
    pub text: String,
    /// Questions the buyer taps instead of typing (at most six).
    pub buttons: Vec<String>,
    pub by_entry: Vec<EntryWelcome>,
}

/// The welcome for buyers who come in by one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntryWelcome {
    pub entry: Entry,
    pub text: String,
    #[serde(default)]
    pub buttons: Vec<String>,
}

/// Keyword rules: a buyer's message that matches one gets its reply at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct KeywordReplies {
    pub enabled: bool,
    pub channels: Vec<Channel>,
    pub rules: Vec<KeywordRule>,
}

/// Whether one of a rule's keywords is enough, or all are needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    #[default]
    Any,
    All,
}

/// One keyword rule: keywords (any or all of them, case ignored) and/or a regular expression;
/// with both, both must match. The highest priority wins; it fires again in a conversation only
/// after its cooldown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeywordRule {
    /// Chosen by the client, unique in the shop (1–40 characters).
    pub id: String,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Higher first.
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub mode: MatchMode,
    /// A regular expression (Rust syntax) the message must match.
    #[serde(default)]
    pub pattern: Option<String>,
    pub reply: String,
    #[serde(default)]
    pub cooldown_minutes: u32,
}

fn yes() -> bool {
    true
}

impl KeywordRule {
    /// The rule does not fire again at `now_ms` if it fired at or after this moment (its
    /// cooldown; a rule without one always fires): what the desk claims it by.
    pub fn quiet_since(&self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.cooldown_minutes) * 60_000 + 1
    }
}

/// The nudge a buyer gets once when their agent has not answered for `minutes`; the agent's
/// reply timer keeps running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct IdleNudge {
    pub enabled: bool,
    pub channels: Vec<Channel>,
    pub minutes: u32,
    pub text: String,
}

/// A message with nothing to configure but its text: off-hours (`{下次营业}` is the next
/// opening), the queue (`{排队位置}`), closing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Notice {
    pub enabled: bool,
    pub channels: Vec<Channel>,
    pub text: String,
}

impl Default for Welcome {
    fn default() -> Welcome {
        Welcome {
            enabled: false,
            channels: vec![],
            text: "您好，欢迎光临！请问有什么可以帮您？".into(),
            buttons: vec![],
            by_entry: vec![],
        }
    }
}

impl Default for IdleNudge {
    fn default() -> IdleNudge {
        IdleNudge {
            enabled: false,
            channels: vec![],
            minutes: 5,
            text: "亲，{客服}正在为您查询，请稍等片刻～".into(),
        }
    }
}

impl Default for AutoReplies {
    fn default() -> AutoReplies {
        let notice = |text: &str| Notice {
            enabled: false,
            channels: vec![],
            text: text.into(),
        };
        AutoReplies {
            welcome: Welcome::default(),
            keywords: KeywordReplies::default(),
            idle: IdleNudge::default(),
            off_hours: notice(
                "您好，现在是非工作时间，客服将于{下次营业}上线，请留言，我们上班后第一时间回复您。",
            ),
            queue: notice("当前咨询人数较多，您前面还有{排队位置}位，请稍候～"),
            closing: notice("感谢您的咨询，祝您购物愉快！如有其他问题随时找我们～"),
            rating: notice("您对本次服务满意吗？点这里为我们打分～"),
        }
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Whether something configured for `channels` is on for `channel`.
fn on_for(channels: &[Channel], channel: Channel) -> bool {
    channels.is_empty() || channels.contains(&channel)
}

fn text_ok(text: &str) -> bool {
    (1..=MAX_REPLY_CHARS).contains(&chars(text.trim()))
}

fn buttons_ok(buttons: &[String]) -> bool {
    buttons.len() <= MAX_WELCOME_BUTTONS
        && buttons
            .iter()
            .all(|b| (1..=MAX_BUTTON_CHARS).contains(&chars(b.trim())))
}

/// Why a shop's automatic replies were refused: the part, for the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidAutoReply
    }
}

fn invalid(what: impl Into<String>) -> Invalid {
    Invalid(what.into())
}

impl AutoReplies {
    /// Refuses what kefu could not send: empty or overlong texts, more than six buttons, rules
    /// without keywords or pattern, a pattern that does not compile, repeated rule ids. Texts
    /// of parts that are off may be anything short enough, so a shop can draft them.
    pub fn check(mut self) -> Result<AutoReplies, Invalid> {
        let w = &mut self.welcome;
        w.text = w.text.trim().to_owned();
        if (w.enabled && !text_ok(&w.text)) || chars(&w.text) > MAX_REPLY_CHARS {
            return Err(invalid("welcome.text: 1–1000 characters"));
        }
        if !buttons_ok(&w.buttons) {
            return Err(invalid(format!(
                "welcome.buttons: at most {MAX_WELCOME_BUTTONS}, each 1–{MAX_BUTTON_CHARS} characters"
            )));
        }
        let mut entries = vec![];
        for e in &w.by_entry {
            if !text_ok(&e.text) || !buttons_ok(&e.buttons) || entries.contains(&e.entry) {
                return Err(invalid(format!(
                    "welcome.by_entry ({}): one per entry, text 1–1000 characters, at most {MAX_WELCOME_BUTTONS} buttons",
                    e.entry.as_str()
                )));
            }
            entries.push(e.entry);
        }
        if self.keywords.rules.len() > MAX_RULES {
            return Err(invalid(format!("keywords.rules: at most {MAX_RULES}")));
        }
        let mut ids: Vec<&str> = vec![];
        for rule in &mut self.keywords.rules {
            rule.keywords = rule
                .keywords
                .iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect();
            rule.pattern = rule
                .pattern
                .take()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty());
            rule.reply = rule.reply.trim().to_owned();
            let name = rule.name.trim();
            let bad = |why: &str| invalid(format!("keywords.rules ({}): {why}", rule.id));
            if !(1..=40).contains(&chars(&rule.id)) || !(1..=40).contains(&chars(name)) {
                return Err(bad("id and name 1–40 characters"));
            }
            if rule.keywords.is_empty() && rule.pattern.is_none() {
                return Err(bad("keywords or a pattern"));
            }
            if rule.keywords.len() > MAX_KEYWORDS
                || rule.keywords.iter().any(|k| chars(k) > MAX_KEYWORD_CHARS)
            {
                return Err(bad("at most 50 keywords of at most 50 characters"));
            }
            if let Some(p) = &rule.pattern
                && (chars(p) > MAX_PATTERN_CHARS || compile(p).is_none())
            {
                return Err(bad("the pattern is not a regular expression kefu can run"));
            }
            if !text_ok(&rule.reply) {
                return Err(bad("reply 1–1000 characters"));
            }
            if rule.cooldown_minutes > MAX_COOLDOWN_MINUTES {
                return Err(bad("cooldown 0–1440 minutes"));
            }
        }
        for rule in &self.keywords.rules {
            if ids.contains(&rule.id.as_str()) {
                return Err(invalid(format!("keywords.rules: the id {} twice", rule.id)));
            }
            ids.push(&rule.id);
        }
        if !(1..=MAX_IDLE_MINUTES).contains(&self.idle.minutes) {
            return Err(invalid("idle.minutes: 1–120"));
        }
        for (part, enabled, text) in [
            ("idle", self.idle.enabled, &mut self.idle.text),
            (
                "off_hours",
                self.off_hours.enabled,
                &mut self.off_hours.text,
            ),
            ("queue", self.queue.enabled, &mut self.queue.text),
            ("closing", self.closing.enabled, &mut self.closing.text),
            ("rating", self.rating.enabled, &mut self.rating.text),
        ] {
            *text = text.trim().to_owned();
            if (enabled && !text_ok(text)) || chars(text) > MAX_REPLY_CHARS {
                return Err(invalid(format!("{part}.text: 1–1000 characters")));
            }
        }
        Ok(self)
    }

    /// The welcome for a conversation that opens by `entry` on `channel`, if it is on.
    pub fn welcome_for(&self, entry: Entry, channel: Channel) -> Option<WelcomeMessage> {
        let w = &self.welcome;
        if !w.enabled || !on_for(&w.channels, channel) {
            return None;
        }
        let (text, buttons) = match w.by_entry.iter().find(|e| e.entry == entry) {
            Some(e) => (&e.text, &e.buttons),
            None => (&w.text, &w.buttons),
        };
        Some(WelcomeMessage {
            text: text.clone(),
            buttons: buttons.clone(),
        })
    }

    /// The idle nudge's wait in ms, if it is on for `channel`.
    pub fn idle_after_ms(&self, channel: Channel) -> Option<i64> {
        (self.idle.enabled && on_for(&self.idle.channels, channel))
            .then_some(i64::from(self.idle.minutes) * 60_000)
    }

    /// The off-hours, queue or closing text, if that part is on for `channel`.
    pub fn notice(&self, kind: NoticeKind, channel: Channel) -> Option<&str> {
        let n = match kind {
            NoticeKind::Idle => {
                return self.idle_after_ms(channel).map(|_| self.idle.text.as_str());
            }
            NoticeKind::OffHours => &self.off_hours,
            NoticeKind::Queue => &self.queue,
            NoticeKind::Closing => &self.closing,
            NoticeKind::Rating => &self.rating,
        };
        (n.enabled && on_for(&n.channels, channel)).then_some(n.text.as_str())
    }

    /// Whether keyword rules answer on `channel`.
    pub fn keywords_on(&self, channel: Channel) -> bool {
        self.keywords.enabled && on_for(&self.keywords.channels, channel)
    }
}

/// The automatic messages that are only a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Idle,
    OffHours,
    Queue,
    Closing,
    Rating,
}

/// A welcome to send: its text, and question buttons (a tap sends the question).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeMessage {
    pub text: String,
    pub buttons: Vec<String>,
}

impl WelcomeMessage {
    /// As a message: plain text, or text with buttons.
    pub fn buttons(&self) -> Option<Buttons> {
        (!self.buttons.is_empty()).then(|| Buttons {
            text: self.text.clone(),
            buttons: self
                .buttons
                .iter()
                .map(|q| Button {
                    label: q.trim().to_owned(),
                    reply: q.trim().to_owned(),
                })
                .collect(),
        })
    }
}

fn compile(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .ok()
}

/// A shop's keyword rules compiled once: one Aho-Corasick automaton over every keyword of
/// every enabled rule (a message is read once however many rules there are), and each rule's
/// regular expression.
#[derive(Debug)]
pub struct KeywordMatcher {
    rules: Vec<KeywordRule>,
    /// Per rule, its regular expression.
    patterns: Vec<Option<regex::Regex>>,
    automaton: Option<AhoCorasick>,
    /// Per automaton pattern: the rule and the keyword's index in it.
    owners: Vec<(usize, usize)>,
}

impl KeywordMatcher {
    /// Compiles the enabled rules, highest priority first (ties keep the shop's order).
    pub fn new(rules: &[KeywordRule]) -> KeywordMatcher {
        let mut rules: Vec<KeywordRule> = rules.iter().filter(|r| r.enabled).cloned().collect();
        rules.sort_by_key(|r| std::cmp::Reverse(r.priority));
        let patterns = rules
            .iter()
            .map(|r| r.pattern.as_deref().and_then(compile))
            .collect();
        let mut words = vec![];
        let mut owners = vec![];
        for (i, rule) in rules.iter().enumerate() {
            for (k, word) in rule.keywords.iter().enumerate() {
                words.push(word.to_lowercase());
                owners.push((i, k));
            }
        }
        let automaton = (!words.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&words)
                    .ok()
            })
            .flatten();
        KeywordMatcher {
            rules,
            patterns,
            automaton,
            owners,
        }
    }

    /// The rule a buyer's message matches: of those that match, the highest priority.
    pub fn matching(&self, text: &str) -> Option<&KeywordRule> {
        let text = text.to_lowercase();
        // Per rule, which of its keywords occur.
        let mut found: Vec<Vec<bool>> = self
            .rules
            .iter()
            .map(|r| vec![false; r.keywords.len()])
            .collect();
        if let Some(automaton) = &self.automaton {
            for m in automaton.find_overlapping_iter(&text) {
                let (rule, k) = self.owners[m.pattern().as_usize()];
                found[rule][k] = true;
            }
        }
        self.rules.iter().enumerate().find_map(|(i, rule)| {
            let words = match rule.mode {
                _ if rule.keywords.is_empty() => true,
                MatchMode::Any => found[i].iter().any(|f| *f),
                MatchMode::All => found[i].iter().all(|f| *f),
            };
            let pattern = match (&rule.pattern, &self.patterns[i]) {
                (None, _) => true,
                (Some(_), Some(re)) => re.is_match(&text),
                (Some(_), None) => false,
            };
            (words && pattern).then_some(rule)
        })
    }

    /// Whether `rule` may fire again, having last fired at `last_ms` (if ever).
    pub fn cooled_down(rule: &KeywordRule, last_ms: Option<i64>, now_ms: i64) -> bool {
        last_ms.is_none_or(|last| last < rule.quiet_since(now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, priority: i32, keywords: &[&str], mode: MatchMode) -> KeywordRule {
        KeywordRule {
            id: id.into(),
            name: id.into(),
            enabled: true,
            priority,
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            mode,
            pattern: None,
            reply: format!("{id} 的回复"),
            cooldown_minutes: 10,
        }
    }

    #[test]
    fn any_all_and_pattern_rules_match_by_priority() {
        let mut invoice = rule("invoice", 1, &["发票", "开票"], MatchMode::Any);
        invoice.pattern = None;
        let both = rule("refund-express", 5, &["退款", "快递"], MatchMode::All);
        let mut order_no = rule("order-no", 3, &[], MatchMode::Any);
        order_no.pattern = Some(r"\b\d{12,}\b".into());
        let mut off = rule("off", 9, &["发票"], MatchMode::Any);
        off.enabled = false;
        let m = KeywordMatcher::new(&[invoice, both, order_no, off]);
        let id = |text: &str| m.matching(text).map(|r| r.id.clone());
        assert_eq!(id("能开票吗").as_deref(), Some("invoice"));
        // All: one keyword is not enough; both are, and outrank `invoice`.
        assert_eq!(id("退款了吗").as_deref(), None);
        assert_eq!(
            id("快递丢了要退款，发票呢").as_deref(),
            Some("refund-express")
        );
        assert_eq!(id("订单 202612050001 到哪了").as_deref(), Some("order-no"));
        assert_eq!(id("你好").as_deref(), None);
    }

    #[test]
    fn keywords_ignore_case_and_overlap() {
        let m = KeywordMatcher::new(&[
            rule("vip", 0, &["VIP"], MatchMode::Any),
            rule("sf", 0, &["顺丰", "顺丰快递"], MatchMode::All),
        ]);
        assert_eq!(
            m.matching("我是vip会员").map(|r| r.id.as_str()),
            Some("vip")
        );
        // "顺丰快递" holds both keywords, overlapping.
        assert_eq!(
            m.matching("发顺丰快递吗").map(|r| r.id.as_str()),
            Some("sf")
        );
        assert!(KeywordMatcher::new(&[]).matching("anything").is_none());
    }

    #[test]
    fn a_rule_waits_out_its_cooldown() {
        let r = rule("a", 0, &["x"], MatchMode::Any);
        assert!(KeywordMatcher::cooled_down(&r, None, 0));
        assert!(!KeywordMatcher::cooled_down(&r, Some(0), 9 * 60_000));
        assert!(KeywordMatcher::cooled_down(&r, Some(0), 10 * 60_000));
        let mut always = r.clone();
        always.cooldown_minutes = 0;
        assert!(KeywordMatcher::cooled_down(&always, Some(5), 5));
    }

    #[test]
    fn welcome_by_entry_and_channel() {
        let mut a = AutoReplies::default();
        assert_eq!(
            a.welcome_for(Entry::ShopHome, Channel::Web),
            None,
            "off by default"
        );
        a.welcome.enabled = true;
        a.welcome.buttons = vec!["多久发货".into(), "怎么退货".into()];
        a.welcome.by_entry = vec![EntryWelcome {
            entry: Entry::OrderCard,
            text: "您好，是这个订单的问题吗？".into(),
            buttons: vec![],
        }];
        let home = a.welcome_for(Entry::ShopHome, Channel::Web).unwrap();
        assert_eq!(home.buttons().unwrap().buttons.len(), 2);
        let order = a.welcome_for(Entry::OrderCard, Channel::Web).unwrap();
        assert_eq!(order.text, "您好，是这个订单的问题吗？");
        assert_eq!(order.buttons(), None, "no buttons: a plain text");
        a.welcome.channels = vec![Channel::Web];
        assert!(a.welcome_for(Entry::ShopHome, Channel::Douyin).is_none());
        assert!(a.welcome_for(Entry::ShopHome, Channel::Web).is_some());
    }

    #[test]
    fn notices_are_on_per_part_and_channel() {
        let mut a = AutoReplies::default();
        assert_eq!(a.notice(NoticeKind::Closing, Channel::Web), None);
        a.closing.enabled = true;
        a.idle.enabled = true;
        a.idle.channels = vec![Channel::WechatMp];
        assert!(a.notice(NoticeKind::Closing, Channel::Email).is_some());
        assert_eq!(a.idle_after_ms(Channel::Web), None);
        assert_eq!(a.idle_after_ms(Channel::WechatMp), Some(5 * 60_000));
        assert_eq!(
            a.notice(NoticeKind::Idle, Channel::WechatMp),
            Some(a.idle.text.as_str())
        );
    }

    #[test]
    fn what_kefu_could_not_send_is_refused() {
        let ok = AutoReplies::default().check();
        assert!(ok.is_ok(), "the defaults pass");
        let refused = |change: &dyn Fn(&mut AutoReplies)| {
            let mut a = AutoReplies::default();
            change(&mut a);
            a.check().is_err()
        };
        assert!(refused(&|a| {
            a.welcome.enabled = true;
            a.welcome.text = "  ".into();
        }));
        assert!(refused(&|a| a.welcome.buttons = vec!["q".into(); 7]));
        assert!(refused(&|a| a.idle.minutes = 0));
        assert!(refused(&|a| a.idle.minutes = 121));
        assert!(refused(
            &|a| a.keywords.rules = vec![rule("a", 0, &[], MatchMode::Any)]
        ));
        assert!(refused(&|a| {
            let mut r = rule("a", 0, &[], MatchMode::Any);
            r.pattern = Some("(unclosed".into());
            a.keywords.rules = vec![r];
        }));
        assert!(refused(&|a| {
            a.keywords.rules = vec![
                rule("a", 0, &["x"], MatchMode::Any),
                rule("a", 1, &["y"], MatchMode::Any),
            ]
        }));
        assert!(refused(&|a| {
            let mut r = rule("a", 0, &["x"], MatchMode::Any);
            r.cooldown_minutes = 1_441;
            a.keywords.rules = vec![r];
        }));
        assert!(refused(&|a| {
            a.welcome.by_entry = vec![
                EntryWelcome {
                    entry: Entry::LiveRoom,
                    text: "a".into(),
                    buttons: vec![],
                };
                2
            ]
        }));
        // Texts are trimmed; an off part may be drafted empty.
        let mut a = AutoReplies::default();
        a.closing.text = String::new();
        a.off_hours.enabled = true;
        a.off_hours.text = "  晚上好 ".into();
        let checked = a.check().unwrap();
        assert_eq!(checked.off_hours.text, "晚上好");
    }
}
