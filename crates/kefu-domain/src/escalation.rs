//! Escalation (ESC-1): three levels, from the seeds' warning ladder. Level 1, an ordinary
//! complaint, stays with the agent and the team's supervisor is told; level 2, a dispute
//! heading for the platform, goes to a supervisor within 30 minutes; level 3, a possible
//! public-opinion crisis (media, lawyers, regulators), goes to the operations head or PR
//! within 2 hours. A conversation or work order is escalated by an agent, by the shop's rules
//! on what a buyer writes and does, or by a missed deadline. Pure: which rules fire, the level
//! they call for, and the level's deadline.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error_code::ErrorCode;
use crate::role::Permission;

const MINUTE_MS: i64 = 60_000;
/// Words a shop may list per rule, at most.
const MAX_WORDS: usize = 200;
const MAX_WORD_CHARS: usize = 30;

/// How far up a matter has gone.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = EscalationLevel)]
pub enum Level {
    /// An ordinary complaint: the agent keeps it, the team's supervisor is told.
    One,
    /// A dispute heading for the platform: a supervisor, within 30 minutes.
    Two,
    /// A possible public-opinion crisis: the operations head or PR, within 2 hours.
    Three,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::One => "one",
            Level::Two => "two",
            Level::Three => "three",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        [Level::One, Level::Two, Level::Three]
            .into_iter()
            .find(|l| l.as_str() == s)
    }

    /// The next level up; level 3 is the top.
    pub fn up(self) -> Level {
        match self {
            Level::One => Level::Two,
            Level::Two | Level::Three => Level::Three,
        }
    }

    /// How long the level's owner has to take it up (level 1 has no clock of its own).
    pub fn target_ms(self) -> Option<i64> {
        match self {
            Level::One => None,
            Level::Two => Some(30 * MINUTE_MS),
            Level::Three => Some(120 * MINUTE_MS),
        }
    }

    /// Who takes a matter at this level: level 1 stays with the agents, level 2 needs a
    /// supervisor, level 3 the operations head or PR.
    pub fn permission(self) -> Permission {
        match self {
            Level::One => Permission::EscalationRaise,
            Level::Two => Permission::EscalationHandle,
            Level::Three => Permission::EscalationCrisis,
        }
    }

    /// When a matter escalated to this level at `at` must be taken up.
    pub fn due_at(self, at: i64) -> Option<i64> {
        self.target_ms().map(|ms| at.saturating_add(ms))
    }
}

/// Why a matter was escalated.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = EscalationTrigger)]
pub enum Trigger {
    /// An agent escalated it, to the level they chose.
    Agent,
    /// The buyer used a complaint word (投诉, 差评, …).
    ComplaintWords,
    /// The buyer is angry (angry emoji, a run of exclamation marks).
    Anger,
    /// A one-star rating.
    OneStar,
    /// The buyer threatens the media, a lawyer or a regulator.
    PublicThreat,
    /// The order is worth more than the shop's line.
    HighAmount,
    /// The same buyer's third contact about one problem.
    RepeatContact,
    /// The buyer asked the platform to step in (arbitration).
    Arbitration,
    /// A work order or an earlier escalation missed its deadline.
    MissedDeadline,
}

impl Trigger {
    /// The level this trigger calls for on its own (an agent's and a missed deadline's are
    /// chosen, or one up, elsewhere).
    pub fn level(self) -> Level {
        match self {
            Trigger::ComplaintWords | Trigger::Anger | Trigger::OneStar | Trigger::Agent => {
                Level::One
            }
            Trigger::HighAmount | Trigger::RepeatContact | Trigger::Arbitration => Level::Two,
            Trigger::MissedDeadline => Level::Two,
            Trigger::PublicThreat => Level::Three,
        }
    }
}

/// The shop's escalation rules (a shop document, `escalation_rules`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EscalationRules {
    /// Rules fire on buyers' messages and ratings; off, only agents and deadlines escalate.
    pub enabled: bool,
    pub complaint_words: Vec<String>,
    pub public_words: Vec<String>,
    /// An order above this (fen) makes its complaint a level-2 matter.
    pub high_amount_fen: i64,
    /// This many contacts by one buyer about one problem make it a level-2 matter.
    pub repeat_contacts: u32,
}

impl Default for EscalationRules {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|w| (*w).to_owned()).collect();
        EscalationRules {
            enabled: true,
            complaint_words: words(&[
                "投诉",
                "差评",
                "举报",
                "骗子",
                "欺骗",
                "太差了",
                "垃圾",
                "退一赔三",
            ]),
            public_words: words(&[
                "12315",
                "消协",
                "消费者协会",
                "工商",
                "市场监管",
                "律师",
                "起诉",
                "法院",
                "报警",
                "媒体",
                "记者",
                "曝光",
                "微博",
                "上热搜",
                "发抖音",
            ]),
            high_amount_fen: 100_000,
            repeat_contacts: 3,
        }
    }
}

impl EscalationRules {
    /// The first problem's code: word lists of at most 200 words of 1–30 characters, a
    /// positive amount, two to ten contacts.
    pub fn check(&self) -> Result<(), ErrorCode> {
        let words_ok = |list: &[String]| {
            list.len() <= MAX_WORDS
                && list
                    .iter()
                    .all(|w| !w.trim().is_empty() && w.chars().count() <= MAX_WORD_CHARS)
        };
        if words_ok(&self.complaint_words)
            && words_ok(&self.public_words)
            && self.high_amount_fen > 0
            && (2..=10).contains(&self.repeat_contacts)
        {
            Ok(())
        } else {
            Err(ErrorCode::InvalidEscalationRules)
        }
    }

    /// The rules ready to match messages with.
    pub fn matcher(&self) -> EscalationMatcher {
        let build = |list: &[String]| {
            let words: Vec<String> = list
                .iter()
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect();
            (!words.is_empty())
                .then(|| {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::LeftmostLongest)
                        .build(&words)
                        .ok()
                })
                .flatten()
        };
        EscalationMatcher {
            enabled: self.enabled,
            complaint: build(&self.complaint_words),
            public: build(&self.public_words),
            high_amount_fen: self.high_amount_fen,
            repeat_contacts: self.repeat_contacts,
        }
    }
}

/// What a buyer's message, rating or contact shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signs<'a> {
    pub text: Option<&'a str>,
    /// The robot's reading found anger (angry emoji, a run of exclamation marks).
    pub angry: bool,
    pub stars: Option<u8>,
    /// The conversation's order, if one, in fen.
    pub order_total_fen: Option<i64>,
    /// How many times this buyer has come about this problem, this one included.
    pub contacts: u32,
    pub arbitration: bool,
}

/// The shop's rules, compiled.
#[derive(Debug, Clone)]
pub struct EscalationMatcher {
    enabled: bool,
    complaint: Option<AhoCorasick>,
    public: Option<AhoCorasick>,
    high_amount_fen: i64,
    repeat_contacts: u32,
}

impl EscalationMatcher {
    /// The rules that fire on `signs`, in order. An amount or a repeat alone is no
    /// complaint: they raise one (a complaint word, anger, one star).
    pub fn triggers(&self, signs: &Signs<'_>) -> Vec<Trigger> {
        let mut fired = vec![];
        if signs.arbitration {
            fired.push(Trigger::Arbitration);
        }
        if !self.enabled {
            return fired;
        }
        let text = signs.text.map(str::to_lowercase).unwrap_or_default();
        let found = |m: &Option<AhoCorasick>| m.as_ref().is_some_and(|m| m.is_match(&text));
        if found(&self.public) {
            fired.push(Trigger::PublicThreat);
        }
        let complaint = found(&self.complaint);
        if complaint {
            fired.push(Trigger::ComplaintWords);
        }
        if signs.angry {
            fired.push(Trigger::Anger);
        }
        if signs.stars == Some(1) {
            fired.push(Trigger::OneStar);
        }
        let unhappy = complaint || signs.angry || signs.stars == Some(1);
        if unhappy
            && signs
                .order_total_fen
                .is_some_and(|t| t > self.high_amount_fen)
        {
            fired.push(Trigger::HighAmount);
        }
        if unhappy && signs.contacts >= self.repeat_contacts {
            fired.push(Trigger::RepeatContact);
        }
        fired.sort();
        fired
    }
}

/// The level a matter at `current` goes to when `triggers` fire: the highest they call for,
/// never lower than it is; a missed deadline takes it one up. `None` when nothing fires and
/// it was not escalated.
pub fn escalate(current: Option<Level>, triggers: &[Trigger]) -> Option<Level> {
    let called = triggers
        .iter()
        .map(|t| match (t, current) {
            (Trigger::MissedDeadline, Some(level)) => level.up(),
            _ => t.level(),
        })
        .max();
    match (current, called) {
        (Some(now), Some(called)) => Some(now.max(called)),
        (now, called) => now.or(called),
    }
}

/// Where an escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = EscalationStatus)]
pub enum Status {
    /// Waiting for someone of its level to take it up.
    Open,
    /// Someone of its level took it up.
    Taken,
    /// Dealt with: no longer on the cockpit.
    Handled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Taken => "taken",
            Status::Handled => "handled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Open, Status::Taken, Status::Handled]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What is escalated: a conversation, or a work order (with its conversation, if one). A
/// matter has at most one escalation that is not handled; escalating it again raises that one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Conversation(uuid::Uuid),
    WorkOrder {
        id: uuid::Uuid,
        conversation_id: Option<uuid::Uuid>,
    },
}

impl Subject {
    /// The key that keeps one escalation per matter: a work order with a conversation is
    /// escalated with its conversation.
    pub fn key(self) -> String {
        match self {
            Subject::Conversation(id)
            | Subject::WorkOrder {
                conversation_id: Some(id),
                ..
            } => format!("conversation:{id}"),
            Subject::WorkOrder { id, .. } => format!("work_order:{id}"),
        }
    }

    pub fn conversation_id(self) -> Option<uuid::Uuid> {
        match self {
            Subject::Conversation(id) => Some(id),
            Subject::WorkOrder {
                conversation_id, ..
            } => conversation_id,
        }
    }

    pub fn work_order_id(self) -> Option<uuid::Uuid> {
        match self {
            Subject::Conversation(_) => None,
            Subject::WorkOrder { id, .. } => Some(id),
        }
    }
}

/// The longest reason or outcome kept, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// An escalation as stored: what, how far up, why, who has it and its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Escalation {
    pub id: uuid::Uuid,
    /// `conversation:{id}` or `work_order:{id}`: one escalation not handled per matter.
    pub subject: String,
    pub conversation_id: Option<uuid::Uuid>,
    pub work_order_id: Option<uuid::Uuid>,
    pub level: Level,
    /// Every rule or person that raised it, in order, without repeats.
    pub triggers: Vec<Trigger>,
    /// Why: the agent's words, or the buyer's message that fired a rule.
    pub reason: String,
    /// The agent who escalated it (absent: the rules, a missed deadline).
    pub raised_by: Option<uuid::Uuid>,
    pub status: Status,
    /// Who took it up at its level.
    pub owner_id: Option<uuid::Uuid>,
    /// When its level must be taken up (levels 2 and 3, while open).
    pub due_at: Option<i64>,
    /// When the top level's deadline passed untaken (told once).
    pub overdue_at: Option<i64>,
    pub created_at: i64,
    /// When it reached its level.
    pub raised_at: i64,
    pub updated_at: i64,
    pub taken_at: Option<i64>,
    pub handled_at: Option<i64>,
    /// What was done, written by who handled it.
    pub outcome: String,
    /// Bumped by every change the store saves; a change names the version it read.
    pub version: i64,
}

/// Cuts a note to its stored length, trimmed.
pub fn note(text: &str) -> String {
    text.trim().chars().take(MAX_NOTE_CHARS).collect()
}

impl Escalation {
    /// A new escalation of `subject` when `triggers` call for one (`None` otherwise).
    pub fn raise(
        id: uuid::Uuid,
        subject: Subject,
        triggers: &[Trigger],
        level: Option<Level>,
        reason: &str,
        raised_by: Option<uuid::Uuid>,
        now: i64,
    ) -> Option<Escalation> {
        let level = level.or_else(|| escalate(None, triggers))?;
        let mut fired = triggers.to_vec();
        fired.sort();
        fired.dedup();
        Some(Escalation {
            id,
            subject: subject.key(),
            conversation_id: subject.conversation_id(),
            work_order_id: subject.work_order_id(),
            level,
            triggers: fired,
            reason: note(reason),
            raised_by,
            status: Status::Open,
            owner_id: None,
            due_at: level.due_at(now),
            overdue_at: None,
            created_at: now,
            raised_at: now,
            updated_at: now,
            taken_at: None,
            handled_at: None,
            outcome: String::new(),
            version: 0,
        })
    }

    /// This escalation raised by `triggers` (or to `level`, an agent's choice): `None` when
    /// it stays where it is. A higher level waits to be taken again, on its own clock; a
    /// work order escalated with its conversation is remembered.
    pub fn raised(
        &self,
        triggers: &[Trigger],
        level: Option<Level>,
        reason: &str,
        work_order_id: Option<uuid::Uuid>,
        by: Option<uuid::Uuid>,
        now: i64,
    ) -> Option<Escalation> {
        let called = level
            .map(|l| l.max(self.level))
            .or_else(|| escalate(Some(self.level), triggers))?;
        if called <= self.level {
            return None;
        }
        let mut next = self.clone();
        next.level = called;
        next.triggers.extend_from_slice(triggers);
        next.triggers.sort();
        next.triggers.dedup();
        if !reason.trim().is_empty() {
            next.reason = note(reason);
        }
        next.work_order_id = next.work_order_id.or(work_order_id);
        // Who raised it last: the agent who took it up a level, or the rules (kept).
        next.raised_by = by.or(next.raised_by);
        next.status = Status::Open;
        next.owner_id = None;
        next.taken_at = None;
        next.due_at = called.due_at(now);
        next.overdue_at = None;
        next.raised_at = now;
        next.updated_at = now;
        Some(next)
    }

    /// Taken up by `by`; only an open one (`escalation_changed` otherwise).
    pub fn taken(&self, by: uuid::Uuid, now: i64) -> Result<Escalation, ErrorCode> {
        if self.status != Status::Open {
            return Err(ErrorCode::EscalationChanged);
        }
        let mut next = self.clone();
        next.status = Status::Taken;
        next.owner_id = Some(by);
        next.taken_at = Some(now);
        next.due_at = None;
        next.updated_at = now;
        Ok(next)
    }

    /// Dealt with by `by`, with what was done (1–500 characters: `invalid_escalation`
    /// otherwise); once (`escalation_changed` after).
    pub fn handled(
        &self,
        by: uuid::Uuid,
        outcome: &str,
        now: i64,
    ) -> Result<Escalation, ErrorCode> {
        if self.status == Status::Handled {
            return Err(ErrorCode::EscalationChanged);
        }
        if outcome.trim().is_empty() || outcome.trim().chars().count() > MAX_NOTE_CHARS {
            return Err(ErrorCode::InvalidEscalation);
        }
        let mut next = self.clone();
        next.status = Status::Handled;
        next.owner_id = next.owner_id.or(Some(by));
        next.taken_at = next.taken_at.or(Some(now));
        next.handled_at = Some(now);
        next.due_at = None;
        next.outcome = note(outcome);
        next.updated_at = now;
        Ok(next)
    }

    /// Its level's deadline passed untaken: one level up (`MissedDeadline`), or at the top,
    /// marked overdue once. `None` when nothing is due.
    pub fn missed(&self, now: i64) -> Option<Escalation> {
        if self.status != Status::Open || self.due_at.is_none_or(|due| due > now) {
            return None;
        }
        if self.level < Level::Three {
            return self.raised(&[Trigger::MissedDeadline], None, "", None, None, now);
        }
        let mut next = self.clone();
        next.due_at = None;
        next.overdue_at = Some(now);
        next.updated_at = now;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signs(text: &str) -> Signs<'_> {
        Signs {
            text: Some(text),
            contacts: 1,
            ..Signs::default()
        }
    }

    #[test]
    fn a_complaint_is_level_one_a_threat_to_go_public_level_three() {
        let rules = EscalationRules::default().matcher();
        assert_eq!(
            rules.triggers(&signs("你们这是欺骗消费者，我要投诉")),
            vec![Trigger::ComplaintWords]
        );
        assert_eq!(
            rules.triggers(&signs("再不处理我就找记者曝光，12315 见")),
            vec![Trigger::PublicThreat]
        );
        assert_eq!(rules.triggers(&signs("什么时候发货")), vec![]);
        let fired = rules.triggers(&signs("我要投诉，还要去微博曝光"));
        assert_eq!(escalate(None, &fired), Some(Level::Three));
        assert_eq!(
            escalate(None, &rules.triggers(&signs("差评！"))),
            Some(Level::One)
        );
    }

    #[test]
    fn anger_a_one_star_a_big_order_and_a_third_contact() {
        let rules = EscalationRules::default().matcher();
        let angry = Signs {
            angry: true,
            ..signs("怎么还没到")
        };
        assert_eq!(rules.triggers(&angry), vec![Trigger::Anger]);
        let rated = Signs {
            stars: Some(1),
            ..Signs::default()
        };
        assert_eq!(rules.triggers(&rated), vec![Trigger::OneStar]);
        // A big order or a third contact raises a complaint to level 2, not a question.
        let big = Signs {
            order_total_fen: Some(250_000),
            contacts: 3,
            ..signs("我要投诉")
        };
        let fired = rules.triggers(&big);
        assert_eq!(
            fired,
            vec![
                Trigger::ComplaintWords,
                Trigger::HighAmount,
                Trigger::RepeatContact
            ]
        );
        assert_eq!(escalate(None, &fired), Some(Level::Two));
        let calm = Signs {
            order_total_fen: Some(250_000),
            contacts: 5,
            ..signs("请问发票开了吗")
        };
        assert_eq!(rules.triggers(&calm), vec![]);
    }

    #[test]
    fn arbitration_always_escalates_rules_off_or_on() {
        let off = EscalationRules {
            enabled: false,
            ..EscalationRules::default()
        }
        .matcher();
        let asked = Signs {
            arbitration: true,
            ..signs("我要投诉")
        };
        assert_eq!(off.triggers(&asked), vec![Trigger::Arbitration]);
        assert_eq!(escalate(None, &off.triggers(&asked)), Some(Level::Two));
    }

    #[test]
    fn a_level_never_goes_down_and_a_missed_deadline_takes_it_up() {
        assert_eq!(
            escalate(Some(Level::Two), &[Trigger::ComplaintWords]),
            Some(Level::Two)
        );
        assert_eq!(
            escalate(Some(Level::One), &[Trigger::MissedDeadline]),
            Some(Level::Two)
        );
        assert_eq!(
            escalate(Some(Level::Two), &[Trigger::MissedDeadline]),
            Some(Level::Three)
        );
        assert_eq!(
            escalate(Some(Level::Three), &[Trigger::MissedDeadline]),
            Some(Level::Three)
        );
        assert_eq!(escalate(None, &[]), None);
        assert_eq!(escalate(Some(Level::One), &[]), Some(Level::One));
    }

    #[test]
    fn each_level_has_its_clock() {
        assert_eq!(Level::One.due_at(0), None);
        assert_eq!(Level::Two.due_at(1_000), Some(1_000 + 30 * MINUTE_MS));
        assert_eq!(Level::Three.due_at(0), Some(2 * 60 * MINUTE_MS));
        for level in [Level::One, Level::Two, Level::Three] {
            assert_eq!(Level::parse(level.as_str()), Some(level));
        }
    }

    fn complaint(now: i64) -> Escalation {
        let conversation = uuid::Uuid::nil();
        Escalation::raise(
            uuid::Uuid::from_u128(1),
            Subject::Conversation(conversation),
            &[Trigger::ComplaintWords, Trigger::ComplaintWords],
            None,
            "  我要投诉  ",
            None,
            now,
        )
        .expect("a complaint escalates")
    }

    #[test]
    fn a_matter_is_raised_once_and_only_ever_up() {
        let one = complaint(0);
        assert_eq!(
            (one.level, one.due_at, one.reason.as_str()),
            (Level::One, None, "我要投诉")
        );
        assert_eq!(one.triggers, vec![Trigger::ComplaintWords]);
        assert_eq!(one.subject, format!("conversation:{}", uuid::Uuid::nil()));
        assert!(
            Escalation::raise(
                uuid::Uuid::nil(),
                Subject::Conversation(uuid::Uuid::nil()),
                &[],
                None,
                "",
                None,
                0
            )
            .is_none()
        );
        // Another complaint changes nothing; a threat to go public takes it to level 3.
        assert_eq!(one.raised(&[Trigger::Anger], None, "", None, None, 5), None);
        let three = one
            .raised(&[Trigger::PublicThreat], None, "我要找记者", None, None, 10)
            .expect("up");
        assert_eq!(three.level, Level::Three);
        assert_eq!(three.due_at, Some(10 + 120 * MINUTE_MS));
        assert_eq!(
            three.triggers,
            vec![Trigger::ComplaintWords, Trigger::PublicThreat]
        );
        assert_eq!(three.reason.as_str(), "我要找记者");
        // An agent's level: never down.
        assert_eq!(
            three.raised(&[Trigger::Agent], Some(Level::Two), "", None, None, 20),
            None
        );
        let agent = uuid::Uuid::from_u128(3);
        let two = one
            .raised(
                &[Trigger::Agent],
                Some(Level::Two),
                "",
                None,
                Some(agent),
                20,
            )
            .expect("up");
        assert_eq!((two.level, two.reason.as_str()), (Level::Two, "我要投诉"));
        assert_eq!(two.raised_by, Some(agent));
        // A work order's escalation is its conversation's.
        let order = uuid::Uuid::from_u128(7);
        let with = Subject::WorkOrder {
            id: order,
            conversation_id: Some(uuid::Uuid::nil()),
        };
        assert_eq!(with.key(), one.subject);
        assert_eq!(
            Subject::WorkOrder {
                id: order,
                conversation_id: None
            }
            .key(),
            format!("work_order:{order}")
        );
    }

    #[test]
    fn taken_handled_and_a_missed_deadline() {
        let two = complaint(0)
            .raised(&[Trigger::HighAmount], None, "", None, None, 0)
            .expect("up");
        assert_eq!(two.level.permission(), Permission::EscalationHandle);
        assert_eq!(two.missed(30 * MINUTE_MS - 1), None);
        // Untaken in 30 minutes: level 3, for 2 hours; then overdue once.
        let three = two.missed(30 * MINUTE_MS).expect("missed");
        assert_eq!(three.level, Level::Three);
        assert!(three.triggers.contains(&Trigger::MissedDeadline));
        let late = three
            .missed(31 * MINUTE_MS + 120 * MINUTE_MS)
            .expect("overdue");
        assert_eq!((late.level, late.due_at), (Level::Three, None));
        assert!(late.overdue_at.is_some());
        assert_eq!(late.missed(i64::MAX), None);
        // Taken: no clock; handled once, with what was done.
        let boss = uuid::Uuid::from_u128(9);
        let taken = three.taken(boss, 40).expect("open");
        assert_eq!(
            (taken.status, taken.owner_id, taken.due_at),
            (Status::Taken, Some(boss), None)
        );
        assert_eq!(taken.missed(i64::MAX), None);
        assert_eq!(taken.taken(boss, 41), Err(ErrorCode::EscalationChanged));
        assert_eq!(
            taken.handled(boss, "  ", 50),
            Err(ErrorCode::InvalidEscalation)
        );
        let done = taken.handled(boss, "已退款并致歉", 50).expect("handled");
        assert_eq!((done.status, done.handled_at), (Status::Handled, Some(50)));
        assert_eq!(
            done.handled(boss, "again", 60),
            Err(ErrorCode::EscalationChanged)
        );
        assert_eq!(Status::parse("taken"), Some(Status::Taken));
        assert_eq!(Level::One.permission(), Permission::EscalationRaise);
        assert_eq!(Level::Three.permission(), Permission::EscalationCrisis);
    }

    #[test]
    fn the_shops_rules_are_checked() {
        assert_eq!(EscalationRules::default().check(), Ok(()));
        let bad = [
            EscalationRules {
                complaint_words: vec![" ".into()],
                ..EscalationRules::default()
            },
            EscalationRules {
                public_words: vec!["长".repeat(31)],
                ..EscalationRules::default()
            },
            EscalationRules {
                high_amount_fen: 0,
                ..EscalationRules::default()
            },
            EscalationRules {
                repeat_contacts: 1,
                ..EscalationRules::default()
            },
        ];
        for rules in bad {
            assert_eq!(rules.check(), Err(ErrorCode::InvalidEscalationRules));
        }
        // Words match whatever their case; none listed, none match.
        let rules = EscalationRules {
            complaint_words: vec!["SCAM".into()],
            public_words: vec![],
            ..EscalationRules::default()
        }
        .matcher();
        assert_eq!(
            rules.triggers(&signs("total scam")),
            vec![Trigger::ComplaintWords]
        );
        assert_eq!(rules.triggers(&signs("记者")), vec![]);
    }
}
