//! Real buyers' questions for the knowledge base (BOT-1, issue #16 part 1): a year of chat
//! logs, or a file of questions each labelled with an entry or with the reply a person gave,
//! become similar questions of the entries they belong to.
//!
//! A chat log is read conversation by conversation: the buyer's last message before a
//! person's replies is the question, and it belongs to the entry whose answer one of those
//! replies gives (the answer word for word, or with a greeting or a few words changed). A
//! reply that gives no entry's answer, or gives two entries' equally, labels nothing. A
//! question already asked of another entry is not added to a second one, and entries stay
//! within [`MAX_SIMILAR`] questions and the shop within [`MAX_SHOP_QUESTIONS`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use crate::kb::{Entry, MAX_SIMILAR};
use crate::text::{fold, is_cjk};

/// The most questions (standard and similar) one shop's knowledge base may hold.
pub const MAX_SHOP_QUESTIONS: usize = 500_000;

/// The longest message (in characters) kept as a similar question, as `Entry::check` allows.
const MAX_QUESTION_CHARS: usize = 200;

/// A person's replies after a question that are tried against the answers: the first few;
/// a greeting often comes first, the answer second.
const REPLIES_TRIED: usize = 3;

/// A reply gives an answer when it holds this share of the answer's character pairs…
const ANSWER_COVERED: f32 = 0.8;
/// …and the answer is this share of the reply at least (not one line of a long message).
const REPLY_COVERED: f32 = 0.5;
/// The best answer must lead the next by this much (in covered shares, summed).
const CLEAR_LEAD: f32 = 0.15;
/// Answers shorter than this (in character pairs) match word for word only.
const FUZZY_FROM_PAIRS: usize = 4;

/// Who wrote a line of a chat log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Buyer,
    /// A human agent.
    Agent,
    /// The robot, the system, a bot: their lines are not a person's answers.
    Other,
}

impl Speaker {
    /// The sender as chat exports name it (Chinese or English); `None` when unknown.
    pub fn parse(text: &str) -> Option<Speaker> {
        let text = text.trim().to_lowercase();
        Some(match text.as_str() {
            "买家" | "顾客" | "客户" | "用户" | "访客" | "buyer" | "customer" | "user"
            | "visitor" => Speaker::Buyer,
            "客服" | "人工" | "人工客服" | "商家" | "卖家" | "坐席" | "agent" | "seller"
            | "staff" | "human" => Speaker::Agent,
            "机器人" | "系统" | "robot" | "bot" | "system" => Speaker::Other,
            _ => return None,
        })
    }
}

/// One line of a chat log, as read from the file.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// The file's line (or a workbook's row), for the report.
    pub line: u64,
    pub conversation: String,
    pub speaker: Speaker,
    pub text: String,
    /// Epoch ms, when the export has times: lines are ordered by them within a conversation.
    pub time: Option<i64>,
}

/// A buyer's question and what says which entry it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub line: u64,
    pub question: String,
    /// The entry named in the file.
    pub entry: Option<String>,
    /// What people replied, in order; the first that gives an entry's answer labels it.
    pub replies: Vec<String>,
}

/// The questions of a chat log: in each conversation (lines ordered by time where every line
/// has one, else as in the file), the buyer's last message before people's replies.
pub fn questions_in_log(lines: Vec<LogLine>) -> Vec<Labelled> {
    let mut order: Vec<String> = vec![];
    let mut conversations: HashMap<String, Vec<LogLine>> = HashMap::new();
    for line in lines {
        if !conversations.contains_key(&line.conversation) {
            order.push(line.conversation.clone());
        }
        conversations
            .entry(line.conversation.clone())
            .or_default()
            .push(line);
    }
    let mut out = vec![];
    for id in order {
        let Some(mut lines) = conversations.remove(&id) else {
            continue;
        };
        if lines.iter().all(|l| l.time.is_some()) {
            lines.sort_by_key(|l| l.time);
        }
        let mut open: Option<Labelled> = None;
        for line in lines {
            match line.speaker {
                Speaker::Buyer => {
                    if let Some(done) = open.take().filter(|q| !q.replies.is_empty()) {
                        out.push(done);
                    }
                    open = Some(Labelled {
                        line: line.line,
                        question: line.text,
                        entry: None,
                        replies: vec![],
                    });
                }
                Speaker::Agent => {
                    if let Some(question) = open.as_mut()
                        && question.replies.len() < REPLIES_TRIED
                    {
                        question.replies.push(line.text);
                    }
                }
                Speaker::Other => {}
            }
        }
        out.extend(open.filter(|q| !q.replies.is_empty()));
    }
    out
}

/// What adding the questions did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct HarvestReport {
    /// Questions read (labelled rows, or buyer questions a person replied to).
    pub questions: u64,
    /// New similar questions added.
    pub added: u64,
    /// Questions the entry already had.
    pub known: u64,
    /// Questions whose replies give no entry's answer (a person answered in their own words).
    pub unmatched: u64,
    /// Questions whose reply gives two entries' answers alike.
    pub ambiguous: u64,
    /// Questions already asked of another entry (kept there, not added twice).
    pub conflicting: u64,
    /// Questions not added because the entry or the shop is full.
    pub full: u64,
    /// Messages that are no question to learn from: empty, only symbols, or too long.
    pub unusable: u64,
    /// The entries that gained questions, the most first (at most 20).
    pub entries: Vec<EntryGain>,
}

/// An entry and the questions it gained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EntryGain {
    pub id: String,
    pub question: String,
    pub added: u64,
}

/// A row naming an entry the knowledge base does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEntry {
    pub line: u64,
    pub id: String,
}

/// What [`harvest`] did: the report, the entries it changed (indices into the slice it was
/// given) and the rows that named unknown entries.
#[derive(Debug, Default)]
pub struct Harvest {
    pub report: HarvestReport,
    pub changed: Vec<usize>,
    pub unknown: Vec<UnknownEntry>,
}

/// The text as matched: full-width folded, lower-cased, only CJK characters, letters and
/// digits kept.
fn canonical(text: &str) -> String {
    text.chars()
        .map(fold)
        .filter(|c| is_cjk(*c) || c.is_alphanumeric())
        .collect()
}

/// The distinct character pairs of a canonical text.
fn pairs(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Finds the entry whose answer a person's reply gives.
struct Answers {
    /// Canonical answer → the entries giving it (two entries may share an answer).
    exact: HashMap<String, Vec<usize>>,
    /// Each entry's answer pairs (empty for short answers).
    pairs: Vec<HashSet<(char, char)>>,
    /// Character pair → entries whose answer has it.
    postings: HashMap<(char, char), Vec<usize>>,
}

/// A reply's match.
enum Match {
    Entry(usize),
    Ambiguous,
    None,
}

impl Answers {
    fn new(entries: &[Entry]) -> Answers {
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut all_pairs = Vec::with_capacity(entries.len());
        let mut postings: HashMap<(char, char), Vec<usize>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let answer = canonical(&entry.answer.text);
            let answer_pairs = pairs(&answer);
            exact.entry(answer).or_default().push(i);
            if answer_pairs.len() >= FUZZY_FROM_PAIRS {
                for pair in &answer_pairs {
                    postings.entry(*pair).or_default().push(i);
                }
                all_pairs.push(answer_pairs);
            } else {
                all_pairs.push(HashSet::new());
            }
        }
        Answers {
            exact,
            pairs: all_pairs,
            postings,
        }
    }

    fn entry_for(&self, reply: &str) -> Match {
        let reply = canonical(reply);
        if reply.is_empty() {
            return Match::None;
        }
        if let Some(found) = self.exact.get(&reply) {
            return match found.as_slice() {
                [one] => Match::Entry(*one),
                _ => Match::Ambiguous,
            };
        }
        let reply_pairs = pairs(&reply);
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for pair in &reply_pairs {
            for &i in self.postings.get(pair).map_or(&[][..], Vec::as_slice) {
                *shared.entry(i).or_default() += 1;
            }
        }
        let mut scored: Vec<(f32, usize)> = shared
            .into_iter()
            .filter_map(|(i, n)| {
                let of_answer = n as f32 / self.pairs[i].len() as f32;
                let of_reply = n as f32 / reply_pairs.len() as f32;
                (of_answer >= ANSWER_COVERED && of_reply >= REPLY_COVERED)
                    .then_some((of_answer + of_reply, i))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        match scored.as_slice() {
            [] => Match::None,
            [(_, best)] => Match::Entry(*best),
            [(best, i), (next, _), ..] => {
                if best - next >= CLEAR_LEAD {
                    Match::Entry(*i)
                } else {
                    Match::Ambiguous
                }
            }
        }
    }
}

/// Adds the labelled questions to the entries they belong to, as similar questions.
pub fn harvest(entries: &mut [Entry], questions: &[Labelled]) -> Harvest {
    let answers = Answers::new(entries);
    let by_id: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect();
    // Every question the knowledge base holds, canonical, and whose it is.
    let mut owner: HashMap<String, usize> = HashMap::new();
    let mut total = 0usize;
    for (i, entry) in entries.iter().enumerate() {
        for example in entry.examples() {
            owner.entry(canonical(example)).or_insert(i);
            total += 1;
        }
    }
    let mut out = Harvest::default();
    let mut gained: HashMap<usize, u64> = HashMap::new();
    let report = &mut out.report;
    for labelled in questions {
        report.questions += 1;
        let target = match &labelled.entry {
            Some(id) => match by_id.get(id.trim()) {
                Some(&i) => Some(i),
                None => {
                    out.unknown.push(UnknownEntry {
                        line: labelled.line,
                        id: id.trim().to_owned(),
                    });
                    continue;
                }
            },
            None => {
                let mut target = None;
                let mut ambiguous = false;
                for reply in &labelled.replies {
                    match answers.entry_for(reply) {
                        Match::Entry(i) => {
                            target = Some(i);
                            break;
                        }
                        Match::Ambiguous => ambiguous = true,
                        Match::None => {}
                    }
                }
                if target.is_none() {
                    if ambiguous {
                        report.ambiguous += 1;
                    } else {
                        report.unmatched += 1;
                    }
                }
                target
            }
        };
        let Some(i) = target else { continue };
        let question = labelled.question.trim();
        let key = canonical(question);
        let meaningful = key.chars().any(|c| is_cjk(c) || c.is_alphabetic());
        if !meaningful || question.chars().count() > MAX_QUESTION_CHARS {
            report.unusable += 1;
            continue;
        }
        match owner.get(&key) {
            Some(&o) if o == i => {
                report.known += 1;
                continue;
            }
            Some(_) => {
                report.conflicting += 1;
                continue;
            }
            None => {}
        }
        if entries[i].similar.len() >= MAX_SIMILAR || total >= MAX_SHOP_QUESTIONS {
            report.full += 1;
            continue;
        }
        entries[i].similar.push(question.to_owned());
        owner.insert(key, i);
        total += 1;
        report.added += 1;
        *gained.entry(i).or_default() += 1;
    }
    let mut gains: Vec<(usize, u64)> = gained.into_iter().collect();
    gains.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    report.entries = gains
        .iter()
        .take(20)
        .map(|&(i, added)| EntryGain {
            id: entries[i].id.clone(),
            question: entries[i].question.clone(),
            added,
        })
        .collect();
    out.changed = gains.into_iter().map(|(i, _)| i).collect();
    out.changed.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Answer;

    fn entry(id: &str, question: &str, answer: &str) -> Entry {
        Entry {
            id: id.into(),
            question: question.into(),
            answer: Answer {
                text: answer.into(),
                ..Answer::default()
            },
            ..Entry::default()
        }
    }

    fn kb() -> Vec<Entry> {
        vec![
            entry("ship", "多久发货", "亲，现货付款后48小时内发货哦～"),
            entry(
                "refund",
                "怎么退款",
                "在订单页点申请售后，选仅退款，1-3个工作日原路退回。",
            ),
            entry("hi", "你好", "在的"),
        ]
    }

    fn log(rows: &[(&str, &str, &str)]) -> Vec<LogLine> {
        rows.iter()
            .enumerate()
            .map(|(n, (conversation, speaker, text))| LogLine {
                line: n as u64 + 2,
                conversation: (*conversation).into(),
                speaker: Speaker::parse(speaker).unwrap(),
                text: (*text).into(),
                time: None,
            })
            .collect()
    }

    #[test]
    fn a_log_pairs_the_buyers_last_message_with_the_replies_after_it() {
        let questions = questions_in_log(log(&[
            ("c1", "客服", "欢迎光临"),
            ("c1", "买家", "在吗"),
            ("c1", "买家", "拍了几天能发"),
            ("c2", "买家", "退款咋弄"),
            ("c1", "客服", "亲您好"),
            ("c1", "客服", "现货付款后48小时内发货哦"),
            ("c1", "机器人", "请问还有什么可以帮您"),
            (
                "c2",
                "客服",
                "在订单页点申请售后，选仅退款，1-3个工作日原路退回",
            ),
            ("c2", "买家", "好的"),
        ]));
        assert_eq!(questions.len(), 2, "{questions:?}");
        assert_eq!(questions[0].question, "拍了几天能发");
        assert_eq!(questions[0].line, 4);
        assert_eq!(questions[0].replies, ["亲您好", "现货付款后48小时内发货哦"]);
        assert_eq!(questions[1].question, "退款咋弄");
    }

    #[test]
    fn a_log_with_times_is_read_in_their_order() {
        let mut lines = log(&[("c", "客服", "在的亲"), ("c", "买家", "有人吗")]);
        lines[0].time = Some(2);
        lines[1].time = Some(1);
        let questions = questions_in_log(lines);
        assert_eq!(questions.len(), 1);
        assert_eq!(questions[0].replies, ["在的亲"]);
    }

    #[test]
    fn replies_label_questions_by_the_answer_they_give() {
        let mut entries = kb();
        let labelled = |line: u64, q: &str, replies: &[&str]| Labelled {
            line,
            question: q.into(),
            entry: None,
            replies: replies.iter().map(|r| (*r).into()).collect(),
        };
        let harvest = harvest(
            &mut entries,
            &[
                // Word for word, then with the greeting changed and a line added.
                labelled(2, "几天发货", &["亲，现货付款后48小时内发货哦～"]),
                labelled(
                    3,
                    "拍了啥时候发",
                    &["亲您好", "您好，现货付款后48小时内发货的"],
                ),
                // A reply in the person's own words labels nothing.
                labelled(4, "能便宜点吗", &["已经是最低价啦"]),
                labelled(
                    5,
                    "退款咋弄",
                    &["在订单页点申请售后，选仅退款，1-3个工作日原路退回"],
                ),
                // Repeats and a question of another entry.
                labelled(6, "几天发货？", &["亲，现货付款后48小时内发货哦～"]),
                labelled(7, "怎么退款", &["亲，现货付款后48小时内发货哦～"]),
                labelled(8, "😀😀", &["亲，现货付款后48小时内发货哦～"]),
            ],
        );
        let r = &harvest.report;
        assert_eq!(
            (
                r.questions,
                r.added,
                r.unmatched,
                r.known,
                r.conflicting,
                r.unusable
            ),
            (7, 3, 1, 1, 1, 1),
            "{r:?}"
        );
        assert_eq!(entries[0].similar, ["几天发货", "拍了啥时候发"]);
        assert_eq!(entries[1].similar, ["退款咋弄"]);
        assert_eq!(harvest.changed, [0, 1]);
        assert_eq!(r.entries[0].id, "ship");
        assert_eq!(r.entries[0].added, 2);
    }

    #[test]
    fn a_reply_giving_two_answers_alike_labels_nothing() {
        let mut entries = kb();
        entries.push(entry(
            "ship-2",
            "预售多久发",
            "亲，现货付款后48小时内发货哦～",
        ));
        let harvest = harvest(
            &mut entries,
            &[Labelled {
                line: 2,
                question: "几天发".into(),
                entry: None,
                replies: vec!["亲，现货付款后48小时内发货哦～".into()],
            }],
        );
        assert_eq!(harvest.report.ambiguous, 1);
        assert!(harvest.changed.is_empty());
    }

    #[test]
    fn named_entries_take_questions_and_unknown_ones_are_reported() {
        let mut entries = kb();
        let named = |line: u64, q: &str, id: &str| Labelled {
            line,
            question: q.into(),
            entry: Some(id.into()),
            replies: vec![],
        };
        let harvest = harvest(
            &mut entries,
            &[
                named(2, "退钱怎么弄", "refund"),
                named(3, "啥时候到", "nope"),
            ],
        );
        assert_eq!(entries[1].similar, ["退钱怎么弄"]);
        assert_eq!(
            harvest.unknown,
            [UnknownEntry {
                line: 3,
                id: "nope".into()
            }]
        );
    }

    #[test]
    fn a_full_entry_takes_no_more() {
        let mut entries = kb();
        entries[0].similar = (0..MAX_SIMILAR).map(|n| format!("问法{n}")).collect();
        let harvest = harvest(
            &mut entries,
            &[Labelled {
                line: 2,
                question: "还有一种问法".into(),
                entry: Some("ship".into()),
                replies: vec![],
            }],
        );
        assert_eq!(harvest.report.full, 1);
        assert_eq!(entries[0].similar.len(), MAX_SIMILAR);
    }

    #[test]
    fn senders_are_read_as_exports_name_them() {
        assert_eq!(Speaker::parse(" 买家 "), Some(Speaker::Buyer));
        assert_eq!(Speaker::parse("Agent"), Some(Speaker::Agent));
        assert_eq!(Speaker::parse("系统"), Some(Speaker::Other));
        assert_eq!(Speaker::parse("路人"), None);
    }
}
