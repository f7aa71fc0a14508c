//! Quality inspection (KPI-3, issue #18): the shop's rubric, the day's sample, scoring with
//! comments on messages, forbidden words flagged in agents' messages, one appeal and a
//! supervisor's decision.
//!
//! A review moves `pending` → `scored` (the inspector may score again) → `appealed` (the
//! agent, once) → `decided` (a supervisor: the score stands or is changed). Its score is out
//! of 100: the points given over the rubric's total.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error_code::ErrorCode;

pub const MAX_ITEMS: usize = 30;
pub const MAX_FORBIDDEN_WORDS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 500;

/// One thing an inspector scores, worth up to `points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RubricItem {
    /// Stable id within the rubric (`greeting`, `accuracy`, …).
    pub key: String,
    pub name: String,
    pub points: u32,
    #[serde(default)]
    pub description: String,
}

/// The shop's rubric and sampling rules (a shop document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Rubric {
    pub items: Vec<RubricItem>,
    /// Words agents must not write; hits are flagged on the messages (and sampled).
    pub forbidden_words: Vec<String>,
    /// The share of a day's served conversations sampled at random, percent (0–100).
    pub sample_percent: u32,
    /// At least this many at random, when there are as many.
    pub sample_min: u32,
}

impl Default for Rubric {
    fn default() -> Self {
        let item = |key: &str, name: &str, points: u32, description: &str| RubricItem {
            key: key.to_owned(),
            name: name.to_owned(),
            points,
            description: description.to_owned(),
        };
        Rubric {
            items: vec![
                item("greeting", "问候与结束语", 10, "及时问候，礼貌结束"),
                item("accuracy", "回答准确", 30, "商品、物流、政策信息准确无误"),
                item("tone", "服务态度", 20, "耐心、热情，不推诿"),
                item("resolution", "问题解决", 30, "问题得到解决或给出明确方案"),
                item("compliance", "规范用语", 10, "无禁用词，无违规承诺"),
            ],
            forbidden_words: ["不知道", "不归我管", "自己看", "爱买不买", "你自己"]
                .map(str::to_owned)
                .to_vec(),
            sample_percent: 5,
            sample_min: 3,
        }
    }
}

impl Rubric {
    /// 1–30 items with distinct keys of 1–32 characters, names of 1–40 characters, points
    /// 1–100; at most 200 forbidden words of 1–20 characters (`invalid_qa_rubric`).
    pub fn check(&self) -> Result<(), ErrorCode> {
        let chars = |s: &str, max: usize| (1..=max).contains(&s.trim().chars().count());
        let mut keys: Vec<&str> = self.items.iter().map(|i| i.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let ok = (1..=MAX_ITEMS).contains(&self.items.len())
            && keys.len() == self.items.len()
            && self.items.iter().all(|i| {
                chars(&i.key, 32)
                    && chars(&i.name, 40)
                    && (1..=100).contains(&i.points)
                    && i.description.chars().count() <= 200
            })
            && self.forbidden_words.len() <= MAX_FORBIDDEN_WORDS
            && self.forbidden_words.iter().all(|w| chars(w, 20))
            && self.sample_percent <= 100
            && self.sample_min <= 1_000;
        if ok {
            Ok(())
        } else {
            Err(ErrorCode::InvalidQaRubric)
        }
    }

    pub fn total_points(&self) -> u32 {
        self.items.iter().map(|i| i.points).sum()
    }

    /// The forbidden words as one automaton (leftmost-longest), or none when there are none.
    pub fn forbidden_matcher(&self) -> Option<AhoCorasick> {
        let words: Vec<&str> = self
            .forbidden_words
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return None;
        }
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(words)
            .ok()
    }
}

/// A forbidden word in one of an agent's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ForbiddenHit {
    pub seq: i64,
    pub word: String,
}

/// The forbidden words in agents' messages `(seq, text)`, each word once per message.
pub fn forbidden_hits(matcher: &AhoCorasick, messages: &[(i64, String)]) -> Vec<ForbiddenHit> {
    let mut hits = Vec::new();
    for (seq, text) in messages {
        let mut words: Vec<String> = matcher
            .find_iter(text)
            .map(|m| text[m.start()..m.end()].to_owned())
            .collect();
        words.dedup();
        hits.extend(
            words
                .into_iter()
                .map(|word| ForbiddenHit { seq: *seq, word }),
        );
    }
    hits
}

/// Why a conversation is in the day's sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SampleReason {
    BadRating,
    Complaint,
    Transfer,
    ForbiddenWord,
    Random,
}

/// A conversation an agent served that day, and what about it must be inspected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub conversation_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub bad_rating: bool,
    pub complaint: bool,
    pub transferred: bool,
    pub forbidden_word: bool,
}

/// The day's sample: every candidate with a bad rating, a complaint tag, a transfer or a
/// forbidden word, plus `sample_percent` of the rest (at least `sample_min`) at random. The
/// random part is the same every time for the same day (a hash of the day and the id), so
/// sampling again adds only what is new.
pub fn sample(
    candidates: &[Candidate],
    rubric: &Rubric,
    day: &str,
) -> Vec<(Uuid, Vec<SampleReason>)> {
    let mut chosen = Vec::new();
    let mut rest = Vec::new();
    for c in candidates {
        let reasons: Vec<SampleReason> = [
            (c.bad_rating, SampleReason::BadRating),
            (c.complaint, SampleReason::Complaint),
            (c.transferred, SampleReason::Transfer),
            (c.forbidden_word, SampleReason::ForbiddenWord),
        ]
        .into_iter()
        .filter_map(|(yes, reason)| yes.then_some(reason))
        .collect();
        if reasons.is_empty() {
            rest.push(c.conversation_id);
        } else {
            chosen.push((c.conversation_id, reasons));
        }
    }
    let want = ((rest.len() as u64 * u64::from(rubric.sample_percent)).div_ceil(100) as usize)
        .max(rubric.sample_min as usize)
        .min(rest.len());
    rest.sort_by_key(|id| draw(day, *id));
    chosen.extend(
        rest.into_iter()
            .take(want)
            .map(|id| (id, vec![SampleReason::Random])),
    );
    chosen
}

/// A stable pseudo-random number for (day, conversation): FNV-1a.
fn draw(day: &str, id: Uuid) -> u64 {
    day.bytes()
        .chain(id.as_bytes().iter().copied())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Where a review is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Scored,
    Appealed,
    Decided,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Scored => "scored",
            ReviewStatus::Appealed => "appealed",
            ReviewStatus::Decided => "decided",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatus> {
        Some(match s {
            "pending" => ReviewStatus::Pending,
            "scored" => ReviewStatus::Scored,
            "appealed" => ReviewStatus::Appealed,
            "decided" => ReviewStatus::Decided,
            _ => return None,
        })
    }
}

/// The points an inspector gave one item, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ItemScore {
    pub key: String,
    pub points: u32,
    #[serde(default)]
    pub note: String,
}

/// An inspector's comment on one message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageComment {
    pub seq: i64,
    pub text: String,
}

/// What an inspector sends: the points for every item, and comments on messages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
pub struct ScoreInput {
    pub items: Vec<ItemScore>,
    #[serde(default)]
    pub comments: Vec<MessageComment>,
}

/// A score that passed [`ScoreInput::check`]: every rubric item once, within its points.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedScore {
    pub items: Vec<ItemScore>,
    pub comments: Vec<MessageComment>,
    /// Out of 100.
    pub score: f64,
}

impl ScoreInput {
    /// Every rubric item scored once within its points (notes up to 500 characters), and
    /// comments of 1–500 characters on messages `1..=last_seq` (`invalid_qa_review`).
    pub fn check(self, rubric: &Rubric, last_seq: i64) -> Result<CheckedScore, ErrorCode> {
        let text_ok =
            |s: &str, min: usize| (min..=MAX_TEXT_CHARS).contains(&s.trim().chars().count());
        let items_ok = self.items.len() == rubric.items.len()
            && rubric.items.iter().all(|item| {
                let given: Vec<&ItemScore> =
                    self.items.iter().filter(|s| s.key == item.key).collect();
                given.len() == 1 && given[0].points <= item.points && text_ok(&given[0].note, 0)
            });
        let comments_ok = self.comments.len() <= 100
            && self
                .comments
                .iter()
                .all(|c| (1..=last_seq).contains(&c.seq) && text_ok(&c.text, 1));
        if !(items_ok && comments_ok) {
            return Err(ErrorCode::InvalidQaReview);
        }
        let given: u32 = self.items.iter().map(|s| s.points).sum();
        let total = rubric.total_points().max(1);
        Ok(CheckedScore {
            score: (f64::from(given) * 1_000.0 / f64::from(total)).round() / 10.0,
            items: self.items,
            comments: self
                .comments
                .into_iter()
                .map(|c| MessageComment {
                    seq: c.seq,
                    text: c.text.trim().to_owned(),
                })
                .collect(),
        })
    }
}

/// An appeal's or a decision's text: 1–500 characters.
pub fn check_text(text: &str) -> Result<String, ErrorCode> {
    let text = text.trim();
    if (1..=MAX_TEXT_CHARS).contains(&text.chars().count()) {
        Ok(text.to_owned())
    } else {
        Err(ErrorCode::InvalidQaReview)
    }
}

/// A decided score: 0–100, or the inspector's score standing.
pub fn check_decided_score(score: Option<f64>) -> Result<Option<f64>, ErrorCode> {
    match score {
        Some(s) if !(0.0..=100.0).contains(&s) || !s.is_finite() => Err(ErrorCode::InvalidQaReview),
        other => Ok(other.map(|s| (s * 10.0).round() / 10.0)),
    }
}

/// One QA review as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QaReview {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub buyer_name: String,
    pub agent_id: Option<Uuid>,
    pub agent_name: Option<String>,
    /// The sample's day, `YYYY-MM-DD` in the shop's zone.
    pub day: String,
    pub reasons: Vec<SampleReason>,
    pub forbidden_hits: Vec<ForbiddenHit>,
    pub status: ReviewStatus,
    pub inspector_id: Option<Uuid>,
    pub inspector_name: Option<String>,
    pub items: Vec<ItemScore>,
    pub comments: Vec<MessageComment>,
    pub score: Option<f64>,
    pub scored_at: Option<i64>,
    pub appeal: Option<String>,
    pub appealed_at: Option<i64>,
    pub decided_by: Option<Uuid>,
    pub decision: Option<String>,
    /// The score that counts: the decided one, else the inspector's.
    pub final_score: Option<f64>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(n: u128) -> Candidate {
        Candidate {
            conversation_id: Uuid::from_u128(n),
            agent_id: None,
            bad_rating: false,
            complaint: false,
            transferred: false,
            forbidden_word: false,
        }
    }

    #[test]
    fn the_sample_takes_every_flagged_conversation_and_a_stable_random_share() {
        let mut all: Vec<Candidate> = (1..=100).map(candidate).collect();
        all[3].bad_rating = true;
        all[7].complaint = true;
        all[7].transferred = true;
        all[9].forbidden_word = true;
        let rubric = Rubric::default();
        let picked = sample(&all, &rubric, "2026-12-07");
        let flagged: Vec<&(Uuid, Vec<SampleReason>)> = picked
            .iter()
            .filter(|(_, r)| r[0] != SampleReason::Random)
            .collect();
        assert_eq!(flagged.len(), 3);
        assert_eq!(
            flagged[1].1,
            vec![SampleReason::Complaint, SampleReason::Transfer]
        );
        // 5 % of the 97 others, rounded up.
        assert_eq!(picked.len(), 3 + 5);
        assert_eq!(picked, sample(&all, &rubric, "2026-12-07"));
        assert_ne!(picked, sample(&all, &rubric, "2026-12-08"));
        // At least `sample_min` when there are few.
        assert_eq!(sample(&all[..10], &rubric, "d").len(), 3 + 3);
        assert!(sample(&[], &rubric, "d").is_empty());
    }

    #[test]
    fn forbidden_words_are_found_once_per_message() {
        let rubric = Rubric::default();
        let matcher = rubric.forbidden_matcher().expect("words");
        let hits = forbidden_hits(
            &matcher,
            &[
                (2, "这个我不知道，不知道啊".to_owned()),
                (4, "您好，马上为您查询".to_owned()),
                (6, "不归我管，你自己看吧".to_owned()),
            ],
        );
        let words: Vec<(i64, &str)> = hits.iter().map(|h| (h.seq, h.word.as_str())).collect();
        assert_eq!(words, [(2, "不知道"), (6, "不归我管"), (6, "你自己")]);
    }

    #[test]
    fn a_score_covers_every_item_within_its_points() {
        let rubric = Rubric::default();
        let items = |points: [u32; 5]| -> Vec<ItemScore> {
            rubric
                .items
                .iter()
                .zip(points)
                .map(|(i, p)| ItemScore {
                    key: i.key.clone(),
                    points: p,
                    note: String::new(),
                })
                .collect()
        };
        let checked = ScoreInput {
            items: items([10, 25, 20, 20, 5]),
            comments: vec![MessageComment {
                seq: 3,
                text: " 少了退货地址 ".into(),
            }],
        }
        .check(&rubric, 5)
        .expect("valid");
        assert_eq!(checked.score, 80.0);
        assert_eq!(checked.comments[0].text, "少了退货地址");
        let over = ScoreInput {
            items: items([11, 25, 20, 20, 5]),
            comments: vec![],
        };
        assert_eq!(over.check(&rubric, 5), Err(ErrorCode::InvalidQaReview));
        let missing = ScoreInput {
            items: items([10, 25, 20, 20, 5])[..4].to_vec(),
            comments: vec![],
        };
        assert_eq!(missing.check(&rubric, 5), Err(ErrorCode::InvalidQaReview));
        let bad_seq = ScoreInput {
            items: items([10, 25, 20, 20, 5]),
            comments: vec![MessageComment {
                seq: 9,
                text: "x".into(),
            }],
        };
        assert_eq!(bad_seq.check(&rubric, 5), Err(ErrorCode::InvalidQaReview));
    }

    #[test]
    fn the_rubric_is_checked() {
        assert_eq!(Rubric::default().check(), Ok(()));
        assert_eq!(Rubric::default().total_points(), 100);
        let mut twice = Rubric::default();
        twice.items[1].key = "greeting".into();
        assert_eq!(twice.check(), Err(ErrorCode::InvalidQaRubric));
        let empty = Rubric {
            items: vec![],
            ..Rubric::default()
        };
        assert_eq!(empty.check(), Err(ErrorCode::InvalidQaRubric));
        assert_eq!(check_text("  "), Err(ErrorCode::InvalidQaReview));
        assert_eq!(
            check_decided_score(Some(101.0)),
            Err(ErrorCode::InvalidQaReview)
        );
        assert_eq!(check_decided_score(Some(88.44)), Ok(Some(88.4)));
    }
}
