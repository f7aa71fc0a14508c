//! The training loop (BOT-5): buyers' questions the robot could not answer, with what the
//! human agents answered them, become proposals a person approves: a new entry for a
//! question the knowledge base lacks, or new similar questions for an entry the robot
//! nearly chose. Each miss is decided again with today's robot first, so what the
//! knowledge base learned since is not proposed again.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::features::{cosine, unit};
use crate::robot::{Action, Context, FLOW_PREFIX, HandoffReason, Robot};

/// A question the robot missed (clarified, or handed off as unknown or misunderstood), and
/// the first reply a person gave after it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub text: String,
    pub human_answer: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// A question the knowledge base does not have.
    NewEntry,
    /// More ways to ask an entry's question.
    Similar,
}

impl ProposalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalKind::NewEntry => "new_entry",
            ProposalKind::Similar => "similar",
        }
    }
}

/// One proposal for the review queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    pub kind: ProposalKind,
    /// For `similar`: the entry to extend.
    pub entry_id: Option<String>,
    pub entry_question: Option<String>,
    /// For `new_entry`: the standard question (the most asked phrasing).
    pub question: String,
    /// The other phrasings (`new_entry`), or all of them (`similar`).
    pub similar: Vec<String>,
    /// The answer people gave most often (`new_entry`), or the entry's (`similar`).
    pub answer: String,
    /// How many times buyers asked.
    pub count: u32,
    /// The buyers' messages, most asked first.
    pub examples: Vec<String>,
    /// What people answered, most given first.
    pub human_answers: Vec<String>,
}

/// Two phrasings at least this alike (cosine of their features) are one question.
const SAME_QUESTION: f32 = 0.5;
/// The robot's best guess this likely, for most of a cluster, makes it a near miss of that
/// entry rather than a new question.
const NEAR_MISS: f32 = 0.15;
/// At most this many proposals per run, the most asked first.
pub const MAX_PROPOSALS: usize = 100;

/// A distinct missed question.
struct Item {
    text: String,
    normalized: String,
    count: u32,
    answers: Vec<String>,
    vector: Vec<(u64, f32)>,
    /// The robot's best candidate now, and its probability.
    guess: Option<(String, f32)>,
}

/// Clusters the misses into proposals. `skip` holds normalized texts a person already
/// rejected; they are not proposed again.
pub fn propose(
    robot: &Robot,
    misses: &[Miss],
    context: &Context,
    skip: &HashSet<String>,
) -> Vec<Proposal> {
    let mut items: Vec<Item> = vec![];
    let mut by_text: BTreeMap<String, usize> = BTreeMap::new();
    for miss in misses {
        let analysis = robot.analyze(&miss.text);
        let normalized = analysis.normalized.replace(' ', "");
        if normalized.is_empty() || skip.contains(&normalized) {
            continue;
        }
        let at = match by_text.get(&normalized) {
            Some(&at) => at,
            None => {
                let decision = robot.decide(&miss.text, context);
                let missed = match decision.action {
                    Action::Clarify { .. } => true,
                    Action::Handoff { reason } => {
                        matches!(
                            reason,
                            HandoffReason::Unknown | HandoffReason::Misunderstood
                        )
                    }
                    _ => false,
                };
                if !missed {
                    // Answered now, small talk, or for a person by nature (a complaint).
                    continue;
                }
                items.push(Item {
                    text: miss.text.trim().to_owned(),
                    normalized: normalized.clone(),
                    count: 0,
                    answers: vec![],
                    vector: unit(robot.features_of(&analysis)),
                    guess: decision
                        .candidates
                        .first()
                        .filter(|c| !c.id.starts_with(FLOW_PREFIX))
                        .map(|c| (c.id.clone(), c.probability)),
                });
                by_text.insert(normalized, items.len() - 1);
                items.len() - 1
            }
        };
        let item = &mut items[at];
        item.count += 1;
        if let Some(answer) = miss.human_answer.as_deref().map(str::trim)
            && !answer.is_empty()
        {
            item.answers.push(answer.to_owned());
        }
    }
    items.sort_by(|a, b| b.count.cmp(&a.count).then(a.normalized.cmp(&b.normalized)));
    // Greedy clustering: each question joins the first cluster whose leading question is
    // alike enough, or which an agent answered with the very same words, else leads a new
    // one.
    let mut clusters: Vec<Vec<usize>> = vec![];
    for (i, item) in items.iter().enumerate() {
        let same_answer = |c: &Vec<usize>| {
            c.iter()
                .any(|&j| items[j].answers.iter().any(|a| item.answers.contains(a)))
        };
        match clusters
            .iter_mut()
            .find(|c| cosine(&items[c[0]].vector, &item.vector) >= SAME_QUESTION || same_answer(c))
        {
            Some(cluster) => cluster.push(i),
            None => clusters.push(vec![i]),
        }
    }
    let mut proposals: Vec<Proposal> = clusters
        .iter()
        .map(|cluster| proposal(robot, &items, cluster))
        .filter(|p| p.count >= 2 || !p.human_answers.is_empty())
        .collect();
    proposals.sort_by(|a, b| b.count.cmp(&a.count).then(a.question.cmp(&b.question)));
    proposals.truncate(MAX_PROPOSALS);
    proposals
}

fn proposal(robot: &Robot, items: &[Item], cluster: &[usize]) -> Proposal {
    let members: Vec<&Item> = cluster.iter().map(|&i| &items[i]).collect();
    let count: u32 = members.iter().map(|m| m.count).sum();
    let examples: Vec<String> = members.iter().map(|m| m.text.clone()).collect();
    let human_answers = most_given(members.iter().flat_map(|m| m.answers.iter()));
    // The entry most members' best guess is, if likely enough.
    let mut votes: BTreeMap<&str, (u32, f32)> = BTreeMap::new();
    for m in &members {
        if let Some((id, p)) = &m.guess {
            let v = votes.entry(id).or_default();
            v.0 += m.count;
            v.1 += p * m.count as f32;
        }
    }
    let near = votes
        .iter()
        .filter(|(_, (n, sum))| 2 * n > count && sum / *n as f32 >= NEAR_MISS)
        .map(|(id, _)| *id)
        .next()
        .and_then(|id| robot.entries().iter().find(|e| e.id == id));
    match near {
        Some(entry) => Proposal {
            kind: ProposalKind::Similar,
            entry_id: Some(entry.id.clone()),
            entry_question: Some(entry.question.clone()),
            question: entry.question.clone(),
            similar: examples.clone(),
            answer: entry.answer.text.clone(),
            count,
            examples,
            human_answers,
        },
        None => Proposal {
            kind: ProposalKind::NewEntry,
            entry_id: None,
            entry_question: None,
            question: examples[0].clone(),
            similar: examples[1..].to_vec(),
            answer: human_answers.first().cloned().unwrap_or_default(),
            count,
            examples,
            human_answers,
        },
    }
}

/// Distinct texts, the most given first (ties in first-seen order).
fn most_given<'a>(texts: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut counts: Vec<(String, u32)> = vec![];
    for text in texts {
        match counts.iter_mut().find(|(t, _)| t == text) {
            Some((_, n)) => *n += 1,
            None => counts.push((text.clone(), 1)),
        }
    }
    counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    counts.into_iter().map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::parse_jsonl;
    use crate::lexicon::Lexicon;

    fn robot() -> Robot {
        let kb = r#"{"id": "ship-time", "question": "多久发货", "similar": ["什么时候发货", "几天能发出", "拍了多久发"], "answer": "48小时内发货"}
{"id": "ship-courier", "question": "发什么快递", "similar": ["哪家快递", "能发顺丰吗", "默认什么快递"], "answer": "默认中通，可补差价发顺丰"}
{"id": "invoice", "question": "能开发票吗", "similar": ["可以开票吗", "发票怎么开", "要电子发票"], "answer": "可以开电子发票"}"#;
        let (entries, errors) = parse_jsonl(kb);
        assert!(errors.is_empty(), "{errors:?}");
        Robot::build(entries, &Lexicon::default())
    }

    fn miss(text: &str, answer: Option<&str>) -> Miss {
        Miss {
            text: text.into(),
            human_answer: answer.map(str::to_owned),
        }
    }

    #[test]
    fn unanswered_questions_become_one_new_entry_with_the_human_answer() {
        let misses = [
            miss("你们招不招主播", Some("暂时不招主播哦，感谢关注")),
            miss("你们招主播吗", Some("暂时不招主播哦，感谢关注")),
            miss("你们招主播吗", None),
            miss("店里招主播不", Some("目前不招")),
            miss("能寄到国外吗", None),
        ];
        let proposals = propose(&robot(), &misses, &Context::default(), &HashSet::new());
        let hire = proposals
            .iter()
            .find(|p| p.examples.iter().any(|e| e.contains("主播")))
            .expect("a proposal about hiring");
        assert_eq!(hire.kind, ProposalKind::NewEntry, "{proposals:#?}");
        assert_eq!(hire.count, 4, "{proposals:#?}");
        assert_eq!(hire.question, "你们招主播吗");
        assert_eq!(hire.answer, "暂时不招主播哦，感谢关注");
        assert_eq!(hire.human_answers.len(), 2);
        // Other words, but the agents answered them the same: one question.
        let part_time = [
            miss("你们招聘兼职客服吗", Some("目前在招兼职茶艺师")),
            miss("店里招不招兼职客服", Some("目前在招兼职茶艺师")),
        ];
        let joined = propose(&robot(), &part_time, &Context::default(), &HashSet::new());
        assert_eq!(joined.len(), 1, "{joined:#?}");
        assert_eq!(joined[0].count, 2);
        // Asked once, and nobody answered: not enough to propose.
        assert!(proposals.iter().all(|p| p.question != "能寄到国外吗"));
    }

    #[test]
    fn answered_small_talk_and_rejected_questions_are_not_proposed() {
        let misses = [
            miss("多久发货", Some("48小时")),
            miss("谢谢", Some("不客气")),
            miss("我要投诉你们", Some("抱歉")),
            miss("你们招主播吗", Some("不招")),
        ];
        let skip: HashSet<String> = ["你们招主播吗".to_owned()].into();
        let proposals = propose(&robot(), &misses, &Context::default(), &skip);
        assert!(proposals.is_empty(), "{proposals:#?}");
    }

    #[test]
    fn a_near_miss_adds_similar_questions_to_the_entry() {
        let r = robot();
        // Clarified between the two shipping entries, the courier one the likelier.
        let decision = r.decide("顺丰多久能发", &Context::default());
        assert!(
            matches!(decision.action, Action::Clarify { .. }),
            "{decision:#?}"
        );
        let misses = [miss("顺丰多久能发", None), miss("顺丰多久能发", None)];
        let proposals = propose(&r, &misses, &Context::default(), &HashSet::new());
        assert_eq!(proposals.len(), 1, "{proposals:#?}");
        let p = &proposals[0];
        assert_eq!(p.kind, ProposalKind::Similar);
        assert_eq!(p.entry_id.as_deref(), Some("ship-courier"));
        assert_eq!(p.similar, vec!["顺丰多久能发".to_owned()]);
        assert_eq!(p.count, 2);
    }
}
