//! The robot's decision (BOT-3): answer when confident, offer the top choices when unsure
//! (clarify), hand off to a person when it does not know, when the buyer asks for one, uses
//! complaint words, is angry, or writes a blocked word; greet back on small talk. Every
//! decision carries its explanation for the test console.

use rayon::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::classifier::Classifier;
use crate::kb::{Answer, Entry, Tier, parse_time};
use crate::lexicon::Lexicon;
use crate::model::{Index, Prior, Ranker, training_rows};
use crate::text::{Analysis, Analyzer};

/// Asking for a person (BOT-3).
const HUMAN_WORDS: &[&str] = &[
    "人工",
    "真人",
    "活人",
    "转接",
    "找客服",
    "叫客服",
    "客服出来",
    "客服在哪",
    "找你们老板",
    "叫你们老板",
    "找店长",
    "叫店长",
    "找个人",
    "换个人",
    "要找人",
    "real person",
    "human",
];
/// Complaint and escalation words (BOT-3).
const COMPLAINT_WORDS: &[&str] = &[
    "投诉",
    "12315",
    "315",
    "曝光",
    "举报",
    "工商",
    "消协",
    "消费者协会",
    "律师",
    "起诉",
    "报警",
    "媒体",
    "差评",
    "维权",
    "骗子",
    "欺诈",
];
/// Words of an angry buyer.
const ANGER_WORDS: &[&str] = &[
    "垃圾",
    "滚",
    "妈的",
    "他妈",
    "tmd",
    "什么破",
    "破店",
    "黑店",
    "气死",
    "恶心",
    "坑人",
    "坑爹",
    "无语",
    "太差",
    "太烂",
    "忍无可忍",
    "有病",
    "废物",
    "骗人",
    "耍我",
];
/// Deictic words that point at the product in context ("这个", "它").
const DEICTIC: &[&str] = &[
    "这个",
    "这款",
    "这件",
    "这把",
    "这只",
    "这壶",
    "这茶",
    "这种",
    "这条",
    "这双",
    "它",
    "该商品",
];
/// About the buyer's own order or account, which only a person (or a flow) can look into.
const PERSONAL_WORDS: &[&str] = &[
    "帮我查",
    "查一下",
    "查查",
    "帮我看看",
    "帮我看下",
    "帮我问",
    "给我查",
    "少退",
    "多扣",
    "扣了我",
    "我没申请",
    "不是我买的",
    "被盗",
];
/// Words that only acknowledge or close ("好的谢谢", "知道了").
const CLOSING_WORDS: &[&str] = &[
    "好",
    "好的",
    "谢谢",
    "感谢",
    "多谢",
    "问题",
    "没问题",
    "知道",
    "明白",
    "收到",
    "行",
    "可以",
    "了解",
    "没事",
    "不用",
    "没",
    "不",
    "嗯嗯",
    "ok",
    "okay",
    "好滴",
    "辛苦",
    "拜拜",
    "再见",
];
thread_local! {
    /// BM25's per-entry scores while deciding, kept between messages.
    static SCORES: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The id prefix of the entries that stand for flows' triggers.
pub const FLOW_PREFIX: &str = "flow:";
/// A flow's trigger this likely starts it even where a question about the buyer's own
/// order would otherwise go to a person: the flow is how the robot looks into it.
const FLOW_OVER_PERSONAL: f32 = 0.3;
/// With an untrained ranker, a question this similar (weighted cosine) to one of an entry's
/// is a near copy of it, and may be answered.
const NEAR_COPY: f32 = 0.95;
/// With an untrained ranker, no other match counts as more likely than this: below the
/// answer threshold, so it is offered or handed off.
const UNTRAINED_CEILING: f32 = 0.3;
/// Small talk answered with a greeting rather than the knowledge base.
const GREETING: &str = "您好，我是智能客服，请问有什么可以帮您？";
/// The answer to a buyer who only acknowledges or says thanks.
const CLOSING: &str = "不客气，还有其他问题随时找我哦～";

/// What kefu knows about the conversation when the robot decides.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The product in context (an entry link, a card): its SKU or product code, and title.
    pub product: Option<String>,
    pub product_title: Option<String>,
    pub category: Option<String>,
    /// `order_card`, `live_room` …
    pub entry: Option<String>,
    pub channel: Option<String>,
    pub in_office_hours: Option<bool>,
    /// Epoch ms, for scenario entries' validity.
    pub now_ms: i64,
    /// The shop's own answer threshold, picked on its calibration curve (BOT-6); none: the
    /// default.
    pub answer_threshold: Option<f32>,
}

/// Thresholds on the confidence: the best candidate's calibrated probability less the
/// runner-up's (two likely entries are an ambiguity to clarify, not an answer).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// At or above: answer.
    pub answer: f32,
    /// Below `answer`, the choices are offered when the runner-up's probability is at least
    /// this (two likely entries), and only choices this likely.
    pub option: f32,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        // Tuned on the dev half of the evaluation set: the lowest with dev precision ≥ 95 %
        // and a point to spare (BENCHMARKS.md).
        Thresholds {
            answer: 0.45,
            option: 0.08,
        }
    }
}

/// Why the robot hands over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    AskedForHuman,
    /// About the buyer's own order or account: a person looks into it.
    PersonalCase,
    Complaint,
    Angry,
    Blocked,
    /// Account security or a money dispute (`Lexicon::sensitive`): never the robot's.
    Sensitive,
    /// The entry that would answer is past its review date (`Entry::review_by`).
    Outdated,
    Unknown,
    Misunderstood,
}

impl HandoffReason {
    /// The reason as the log, events and API name it (its serialized form).
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::AskedForHuman => "asked_for_human",
            HandoffReason::PersonalCase => "personal_case",
            HandoffReason::Complaint => "complaint",
            HandoffReason::Angry => "angry",
            HandoffReason::Blocked => "blocked",
            HandoffReason::Sensitive => "sensitive",
            HandoffReason::Outdated => "outdated",
            HandoffReason::Unknown => "unknown",
            HandoffReason::Misunderstood => "misunderstood",
        }
    }
}

/// A choice offered when clarifying.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = RobotChoice)]
pub struct Choice {
    pub id: String,
    pub question: String,
}

/// What the robot does with a message.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = RobotAction)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Answer {
        id: String,
        question: String,
        answer: Answer,
    },
    Clarify {
        choices: Vec<Choice>,
    },
    Handoff {
        reason: HandoffReason,
    },
    Greet {
        text: String,
    },
    /// Start a multi-turn flow (BOT-4).
    Flow {
        id: String,
        name: String,
    },
}

/// A candidate as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = RobotCandidate)]
pub struct Candidate {
    pub id: String,
    pub question: String,
    pub probability: f32,
    pub bm25: f32,
    pub similarity: f32,
    /// The example it matched best, and the words they share.
    pub matched_example: String,
    pub matched_words: Vec<String>,
}

/// A decision and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = RobotDecision)]
pub struct Decision {
    #[serde(flatten)]
    pub action: Action,
    /// The message as the robot read it.
    pub normalized: String,
    pub words: Vec<String>,
    /// Lexicon rules and triggers that fired.
    pub fired: Vec<String>,
    pub candidates: Vec<Candidate>,
    /// The robot's guess of the issue (the best candidate), even when it hands off.
    pub guess: Option<String>,
    /// The best candidate's probability less the runner-up's: what the thresholds compare.
    pub confidence: f32,
    /// The other questions of the same message, answered after the first (issue #16).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<AlsoAnswer>,
}

/// One more question of the message, and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = RobotAlsoAnswer)]
pub struct AlsoAnswer {
    pub id: String,
    pub question: String,
    pub answer: Answer,
}

/// At most this many questions in one message are answered one by one.
const MAX_QUESTIONS: usize = 3;

/// Words that make a clause a question.
const QUESTION_WORDS: &[&str] = &[
    "吗",
    "么",
    "嘛",
    "呢",
    "什么",
    "啥",
    "怎么",
    "怎样",
    "咋",
    "如何",
    "多少",
    "几",
    "哪",
    "谁",
    "是否",
    "能不能",
    "可不可以",
    "可以不",
    "有没有",
    "会不会",
    "要不要",
    "是不是",
    "多久",
    "多长",
    "多大",
    "why",
    "how",
    "what",
    "when",
    "where",
    "which",
    "can",
    "do",
    "does",
    "is",
    "are",
];

/// The characters of text (Chinese, letters, digits) in a clause.
fn text_chars(clause: &str) -> usize {
    clause
        .chars()
        .filter(|c| crate::text::is_cjk(*c) || c.is_alphanumeric())
        .count()
}

/// The clauses of a message: between sentence marks, commas and spaces between Chinese words
/// (not the spaces of an English sentence), each with two characters of text or more, and
/// whether it asks something (a question word, or a question mark after it). None when there
/// are more than [`MAX_QUESTIONS`].
fn questions_in(text: &str) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let cjk_at = |c: Option<&char>| c.is_some_and(|c| crate::text::is_cjk(*c));
    let mut parts: Vec<(String, bool)> = vec![];
    let mut part = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let between_chinese = c.is_whitespace()
            && cjk_at(chars[..i].iter().rev().find(|c| !c.is_whitespace()))
            && cjk_at(chars[i + 1..].iter().find(|c| !c.is_whitespace()));
        let ends = between_chinese || "？?。！!；;，,、~～\n".contains(c);
        if !ends {
            part.push(c);
            continue;
        }
        let asked = matches!(c, '？' | '?');
        if text_chars(&part) >= 2 {
            parts.push((part.trim().to_owned(), asked));
        } else if asked && let Some(last) = parts.last_mut() {
            last.1 = true;
        }
        part.clear();
    }
    if text_chars(&part) >= 2 {
        parts.push((part.trim().to_owned(), false));
    }
    for (text, asked) in &mut parts {
        let lower = text.to_lowercase();
        *asked = *asked
            || QUESTION_WORDS.iter().any(|w| {
                if w.is_ascii() {
                    lower
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .any(|t| t == *w)
                } else {
                    lower.contains(w)
                }
            });
    }
    match parts.len() {
        n if n > MAX_QUESTIONS => vec![],
        _ => parts,
    }
}

/// Questions looked at to tell a knowledge base's language.
const LANGUAGE_SAMPLE: usize = 2_000;

/// Whether a knowledge base is written in Chinese: more Chinese characters than Latin letters
/// in (a spread sample of) its questions. A robot for one reads buyers' English words as
/// Chinese; one for an English knowledge base keeps them (issue #16).
fn is_chinese(entries: &[Entry]) -> bool {
    let questions: Vec<&str> = entries.iter().flat_map(Entry::examples).collect();
    let step = questions.len().div_ceil(LANGUAGE_SAMPLE).max(1);
    let (mut cjk, mut latin) = (0usize, 0usize);
    for q in questions.iter().step_by(step) {
        for c in q.chars() {
            if crate::text::is_cjk(c) {
                cjk += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
            }
        }
    }
    cjk >= latin
}

/// A knowledge base, compiled: analyser, index and trained ranker.
#[derive(Debug, Clone)]
pub struct Robot {
    analyzer: Analyzer,
    /// The shop's lexicon it was built with (the built-in one aside).
    lexicon: Lexicon,
    /// Whether the knowledge base is in Chinese: English words are then read as Chinese.
    chinese: bool,
    entries: Vec<Entry>,
    /// Per entry: validity window, epoch ms.
    windows: Vec<(Option<i64>, Option<i64>)>,
    /// Each entry's review date (epoch ms), if it has one.
    reviews: Vec<Option<i64>>,
    index: Index,
    classifier: Classifier,
    ranker: Ranker,
    pub thresholds: Thresholds,
    /// The enabled flows, whose triggers are trained in as entries `flow:<id>`.
    flows: Vec<crate::flow::Flow>,
    /// How long each step of the last build took, ms (analyse, index, rivals, …).
    pub build_phases: Vec<(&'static str, u64)>,
}

impl Robot {
    /// Builds the robot from the entries (already checked) and the shop's lexicon (added to
    /// the built-in one), training its ranker on the entries' own questions.
    pub fn build(entries: Vec<Entry>, lexicon: &Lexicon) -> Robot {
        Robot::build_with_flows(entries, vec![], lexicon)
    }

    /// Builds the robot with multi-turn flows besides the entries: each enabled flow's
    /// triggers are learned like an entry's questions, so the same decision starts it.
    pub fn build_with_flows(
        entries: Vec<Entry>,
        flows: Vec<crate::flow::Flow>,
        lexicon: &Lexicon,
    ) -> Robot {
        Robot::rebuild(None, entries, flows, lexicon)
    }

    /// [`Robot::build_with_flows`], after `previous` (the shop's robot before its knowledge
    /// base changed): with the same lexicon, the questions it already read are not read
    /// again, only the new or edited ones. The robot built is the same either way.
    pub fn rebuild(
        previous: Option<&Robot>,
        mut entries: Vec<Entry>,
        flows: Vec<crate::flow::Flow>,
        lexicon: &Lexicon,
    ) -> Robot {
        let flows: Vec<crate::flow::Flow> = flows
            .into_iter()
            .filter(|f| f.enabled && f.check().is_ok())
            .collect();
        for flow in &flows {
            let mut triggers = flow.triggers.iter().filter(|t| !t.trim().is_empty());
            let Some(first) = triggers.next() else {
                continue;
            };
            entries.push(Entry {
                id: format!("{FLOW_PREFIX}{}", flow.id),
                question: first.clone(),
                similar: triggers.cloned().collect(),
                answer: Answer {
                    text: flow.name.clone(),
                    ..Answer::default()
                },
                ..Entry::default()
            });
        }
        let mut clock = std::time::Instant::now();
        let mut phases = vec![];
        let mut lap = |name: &'static str| {
            phases.push((name, clock.elapsed().as_millis() as u64));
            clock = std::time::Instant::now();
        };
        let chinese = is_chinese(&entries);
        let analyzer =
            Analyzer::for_language(&Lexicon::builtin_for(chinese).with(lexicon), chinese);
        let known = previous
            .filter(|p| p.lexicon == *lexicon && p.chinese == chinese)
            .map(Robot::read_questions)
            .unwrap_or_default();
        let examples = entries
            .par_iter()
            .map(|e| {
                e.examples()
                    .map(|q| match known.get(q) {
                        Some(x) => (x.words.clone(), x.tf.clone()),
                        None => {
                            let analysis = analyzer.analyze(q);
                            let tf = crate::features::extract(&analysis);
                            (analysis.words.into_iter().map(|w| w.text).collect(), tf)
                        }
                    })
                    .collect()
            })
            .collect();
        lap("analyse");
        let index = Index::build(examples);
        lap("index");
        let windows = entries
            .iter()
            .map(|e| {
                (
                    e.valid_from.as_deref().and_then(parse_time),
                    e.valid_to.as_deref().and_then(parse_time),
                )
            })
            .collect();
        let reviews = entries
            .iter()
            .map(|e| e.review_by.as_deref().and_then(parse_time))
            .collect();
        let mut robot = Robot {
            analyzer,
            lexicon: lexicon.clone(),
            chinese,
            entries,
            windows,
            reviews,
            index,
            classifier: Classifier::default(),
            ranker: Ranker::default(),
            thresholds: Thresholds::default(),
            flows,
            build_phases: vec![],
        };
        let samples = robot.index.samples();
        lap("rivals");
        // Two lines of work at once: the final classifier on every question, and the ranker
        // (cross-fitted: it learns from the scores of classifiers that did not train on its
        // questions, as it will meet buyers' messages).
        let is_product = |e: u32| robot.entries[e as usize].tier == Tier::Product;
        let timed = std::sync::Mutex::new(vec![]);
        let time = |name: &'static str, clock: std::time::Instant| {
            let ms = clock.elapsed().as_millis() as u64;
            if let Ok(mut timed) = timed.lock() {
                timed.push((name, ms));
            }
        };
        let (classifier, ranker) = rayon::join(
            || {
                let clock = std::time::Instant::now();
                let classifier = Classifier::fit(&samples);
                time("classifier ‖", clock);
                classifier
            },
            || {
                let clock = std::time::Instant::now();
                // Each half trains on at most 2,000 questions of the other parity, within a
                // third of the whole's budget: enough to score the ranker's training
                // questions, which it never saw (a small knowledge base's halves still get
                // every pass).
                let half = |k: usize| {
                    let own = (0..samples.len()).filter(|x| x % 2 != k).collect();
                    let part: Vec<_> = crate::model::spread(own, 2_000)
                        .into_iter()
                        .map(|x| crate::classifier::Sample {
                            vector: samples[x].vector,
                            entry: samples[x].entry,
                            rivals: samples[x].rivals.clone(),
                        })
                        .collect();
                    Classifier::fit_within(&part, crate::classifier::BUDGET / 4)
                };
                let halves: [Classifier; 2] = {
                    let (a, b) = rayon::join(|| half(0), || half(1));
                    [a, b]
                };
                time("classifier halves ‖", clock);
                let clock = std::time::Instant::now();
                let rows = training_rows(&robot.index, &is_product, &|x| &halves[x % 2]);
                time("ranker rows ‖", clock);
                let clock = std::time::Instant::now();
                let ranker = Ranker::fit(&rows);
                time("ranker ‖", clock);
                ranker
            },
        );
        let mut timed = timed.into_inner().unwrap_or_default();
        lap("train");
        robot.classifier = classifier;
        robot.ranker = ranker;
        phases.append(&mut timed);
        robot.build_phases = phases;
        robot
    }

    /// Every question it was trained on, as it read them.
    fn read_questions(&self) -> rustc_hash::FxHashMap<&str, &crate::model::Example> {
        let mut read = rustc_hash::FxHashMap::default();
        for (entry, (start, end)) in self.entries.iter().zip(&self.index.ranges) {
            let examples = &self.index.examples[*start as usize..*end as usize];
            read.extend(entry.examples().zip(examples));
        }
        read
    }

    /// The knowledge base's entries, without the flows' trigger entries.
    pub fn entries(&self) -> &[Entry] {
        let flows = self.flows.len().min(self.entries.len());
        &self.entries[..self.entries.len() - flows]
    }

    /// An entry by id, the flows' trigger entries included.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// An entry's validity window (epoch ms, either end open), by id.
    pub fn window(&self, id: &str) -> Option<(Option<i64>, Option<i64>)> {
        let e = self.entries.iter().position(|e| e.id == id)?;
        Some(self.windows[e])
    }

    /// An enabled flow by id.
    pub fn flow(&self, id: &str) -> Option<&crate::flow::Flow> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// Whether an entry is past its review date: its answer may no longer be true.
    fn outdated(&self, e: u32, now_ms: i64) -> bool {
        self.reviews[e as usize].is_some_and(|by| now_ms >= by)
    }

    /// Whether the entry `id` is past its review date at `now_ms` (a choice picked after it
    /// passed).
    pub fn is_outdated(&self, id: &str, now_ms: i64) -> bool {
        self.entries
            .iter()
            .position(|e| e.id == id)
            .is_some_and(|e| self.outdated(e as u32, now_ms))
    }

    /// The action for an entry chosen: its answer, or the flow it starts; a person when the
    /// entry is past its review date.
    fn act_on(&self, e: u32, context: &Context, fired: &mut Vec<String>) -> Action {
        let entry = &self.entries[e as usize];
        if self.outdated(e, context.now_ms) {
            fired.push(format!("待复核 {}", entry.id));
            return Action::Handoff {
                reason: HandoffReason::Outdated,
            };
        }
        match entry
            .id
            .strip_prefix(FLOW_PREFIX)
            .and_then(|id| self.flow(id))
        {
            Some(flow) => Action::Flow {
                id: flow.id.clone(),
                name: flow.name.clone(),
            },
            None => Action::Answer {
                id: entry.id.clone(),
                question: entry.question.clone(),
                answer: entry.answer.clone(),
            },
        }
    }

    /// The trained ranker's weights, for diagnostics.
    pub fn ranker_weights(&self) -> [f32; crate::model::FEATURES] {
        self.ranker.weights
    }

    /// Whether an entry may be given in this context: validity window and conditions.
    fn allowed(&self, e: u32, context: &Context) -> bool {
        let entry = &self.entries[e as usize];
        let (from, to) = self.windows[e as usize];
        let c = &entry.conditions;
        let listed = |list: &[String], value: &Option<String>| {
            list.is_empty() || value.as_ref().is_some_and(|v| list.contains(v))
        };
        from.is_none_or(|f| context.now_ms >= f)
            && to.is_none_or(|t| context.now_ms < t)
            && listed(&c.entries, &context.entry)
            && listed(&c.channels, &context.channel)
            && c.office_hours
                .is_none_or(|want| context.in_office_hours.is_none_or(|now| now == want))
    }

    fn prior(&self, e: u32, context: &Context) -> Prior {
        let entry = &self.entries[e as usize];
        if entry.tier != Tier::Product {
            return Prior::default();
        }
        let here = context
            .product
            .as_ref()
            .is_some_and(|p| entry.skus.contains(p))
            || context
                .category
                .as_ref()
                .is_some_and(|c| entry.categories.contains(c));
        Prior {
            product: match (
                here,
                context.product.is_some() || context.category.is_some(),
            ) {
                (true, _) => 1.0,
                (false, true) => -1.0,
                (false, false) => 0.0,
            },
        }
    }

    /// A message's TF-IDF features weighed by this knowledge base (words it never saw weigh
    /// most), sorted by feature: for comparing messages with each other.
    pub fn features_of(&self, analysis: &Analysis) -> Vec<(u64, f32)> {
        self.index.query(analysis).vector.weights
    }

    /// Reads a message.
    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyzer.analyze(text)
    }

    /// The confidence at or above which this robot answers in `context`: the shop's choice,
    /// else the default.
    pub fn answer_threshold(&self, context: &Context) -> f32 {
        context.answer_threshold.unwrap_or(self.thresholds.answer)
    }

    /// Decides what to do with one message. A message asking several questions ("几天发货？
    /// 能开发票吗") is answered question by question when the robot would answer each of
    /// them (the rest in `also`); otherwise the message is decided whole (issue #16).
    pub fn decide(&self, text: &str, context: &Context) -> Decision {
        let mut whole = self.decide_one(text, context);
        let open = match &whole.action {
            Action::Answer { .. } | Action::Clarify { .. } => true,
            Action::Handoff { reason } => *reason == HandoffReason::Unknown,
            _ => false,
        };
        let parts = questions_in(text);
        if !open || parts.len() < 2 {
            return whole;
        }
        // First, cheaply: every clause asks something or only greets or thanks ("你好",
        // "谢谢"); a statement ("我用花呗付的", "急用") is the question's context, not one of
        // its own, and the message is decided whole. Two questions at least.
        let mut questions = vec![];
        for (part, asked) in parts {
            if asked {
                questions.push(part);
                continue;
            }
            let words = self.analyzer.analyze(&part).words;
            if !words
                .iter()
                .all(|w| CLOSING_WORDS.contains(&w.text.as_str()))
            {
                return whole;
            }
        }
        if questions.len() < 2 {
            return whole;
        }
        let mut answers: Vec<AlsoAnswer> = vec![];
        for part in questions {
            match self.decide_one(&part, context).action {
                Action::Answer {
                    id,
                    question,
                    answer,
                } => {
                    if !answers.iter().any(|a| a.id == id) {
                        answers.push(AlsoAnswer {
                            id,
                            question,
                            answer,
                        });
                    }
                }
                // "在吗？": a greeting asked as a question.
                Action::Greet { .. } => {}
                // One of them needs a person, or is unclear: the message is decided whole.
                _ => return whole,
            }
        }
        // The whole message's answer, when it has one, must be one of them, and comes first.
        if let Action::Answer { id, .. } = &whole.action {
            match answers.iter().position(|a| a.id == *id) {
                Some(at) => answers.swap(0, at),
                None => return whole,
            }
        }
        if answers.len() < 2 {
            return whole;
        }
        let first = answers.remove(0);
        whole
            .fired
            .push(format!("{} 个问题 → 分别回答", answers.len() + 1));
        whole.action = Action::Answer {
            id: first.id,
            question: first.question,
            answer: first.answer,
        };
        whole.also = answers;
        whole
    }

    /// Decides one question.
    fn decide_one(&self, text: &str, context: &Context) -> Decision {
        let mut analysis = self.analyzer.analyze(text);
        let mut fired = std::mem::take(&mut analysis.fired);
        // "这个/它" is the product in context: read its title along.
        if let Some(title) = &context.product_title
            && DEICTIC.iter().any(|d| analysis.normalized.contains(d))
        {
            // Only words the knowledge base knows: the others would only dilute the match.
            let extra = self.analyzer.analyze(title);
            fired.push(format!("这个 → {title}"));
            analysis.words.extend(
                extra
                    .words
                    .into_iter()
                    .filter(|w| self.index.knows_word(&w.text)),
            );
        }
        let trigger = self.trigger(&analysis, &mut fired);
        let query = self.index.query(&analysis);
        let allowed = |e: u32| self.allowed(e, context);
        let prior = |e: u32| self.prior(e, context);
        // One score per entry, in a buffer each thread keeps: a fresh one per message would
        // be fresh memory for the kernel to hand over, which shows in the slowest decisions.
        let mut scored = SCORES.with_borrow_mut(|scores| {
            self.index
                .candidates(&query, &allowed, &prior, &self.classifier, None, scores)
        });
        for s in &mut scored {
            s.logit = self.ranker.logit(&s.features);
            s.probability = self.ranker.probability(&s.features);
            // Untrained, similarity is all there is: a near-miss ("花呗怎么还款" against
            // "花呗为什么不能还款") is as similar as a paraphrase, so only a near copy of a
            // question is answered; anything else is offered or handed off.
            if !self.ranker.trained && s.cosine < NEAR_COPY {
                s.probability = s.probability.min(UNTRAINED_CEILING);
            }
        }
        scored.sort_by(|a, b| b.logit.total_cmp(&a.logit).then(a.entry.cmp(&b.entry)));
        let query_words: Vec<&str> = analysis.words.iter().map(|w| w.text.as_str()).collect();
        let candidates: Vec<Candidate> = scored
            .iter()
            .take(5)
            .map(|s| {
                let entry = &self.entries[s.entry as usize];
                let example = &self.index.examples[s.example as usize];
                let (start, _) = self.index.ranges[s.entry as usize];
                Candidate {
                    id: entry.id.clone(),
                    question: entry.question.clone(),
                    probability: s.probability,
                    bm25: s.bm25,
                    similarity: s.cosine,
                    matched_example: entry
                        .examples()
                        .nth((s.example - start) as usize)
                        .unwrap_or_default()
                        .to_owned(),
                    matched_words: example
                        .words
                        .iter()
                        .filter(|w| query_words.contains(&w.as_str()))
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        let guess = candidates.first().map(|c| c.id.clone());
        let confidence = match candidates.as_slice() {
            [] => 0.0,
            [only] => only.probability,
            [best, second, ..] => best.probability - second.probability,
        };
        let t = self.thresholds;
        let flow_first = scored.first().filter(|s| {
            s.probability >= FLOW_OVER_PERSONAL
                && self.entries[s.entry as usize].id.starts_with(FLOW_PREFIX)
        });
        let action = if let (Some(HandoffReason::PersonalCase), Some(best)) = (trigger, flow_first)
        {
            fired.push("个案 → 流程".to_owned());
            self.act_on(best.entry, context, &mut fired)
        } else if let Some(reason) = trigger {
            Action::Handoff { reason }
        } else if analysis.words.is_empty() {
            Action::Greet {
                text: GREETING.to_owned(),
            }
        } else if analysis
            .words
            .iter()
            .all(|w| CLOSING_WORDS.contains(&w.text.as_str()))
            || (analysis.words.iter().any(|w| w.negated)
                && analysis
                    .words
                    .iter()
                    .all(|w| w.negated || CLOSING_WORDS.contains(&w.text.as_str())))
        {
            // "好的谢谢", or "不用开发票了": nothing is asked.
            fired.push("致谢/无诉求".to_owned());
            Action::Greet {
                text: CLOSING.to_owned(),
            }
        } else {
            match candidates.first() {
                Some(_) if confidence >= self.answer_threshold(context) => {
                    self.act_on(scored[0].entry, context, &mut fired)
                }
                // "Did you mean…" only when two entries are really close (issue #16).
                Some(_) if candidates.len() >= 2 && candidates[1].probability >= t.option => {
                    // The likely ones, at least the best two; none past its review date.
                    let choices: Vec<Choice> = candidates
                        .iter()
                        .enumerate()
                        .filter(|(i, c)| *i < 2 || c.probability >= t.option)
                        .filter(|(i, _)| !self.outdated(scored[*i].entry, context.now_ms))
                        .take(3)
                        .map(|(_, c)| Choice {
                            id: c.id.clone(),
                            question: c.question.clone(),
                        })
                        .collect();
                    match choices.is_empty() {
                        true => Action::Handoff {
                            reason: HandoffReason::Outdated,
                        },
                        false => Action::Clarify { choices },
                    }
                }
                _ => Action::Handoff {
                    reason: HandoffReason::Unknown,
                },
            }
        };
        Decision {
            action,
            normalized: analysis.normalized,
            words: analysis
                .words
                .iter()
                .map(|w| match w.negated {
                    true => format!("¬{}", w.text),
                    false => w.text.clone(),
                })
                .collect(),
            fired,
            candidates,
            guess,
            confidence,
            also: vec![],
        }
    }

    /// The handoff triggers: a person asked for, complaint words, anger, blocked words.
    fn trigger(&self, analysis: &Analysis, fired: &mut Vec<String>) -> Option<HandoffReason> {
        let compact = analysis.normalized.replace(' ', "");
        let found = |words: &'static [&'static str]| -> Option<&'static str> {
            words.iter().find(|w| compact.contains(*w)).copied()
        };
        if let Some(word) = self.analyzer.blocked_in(analysis) {
            fired.push(format!("屏蔽词 {word}"));
            return Some(HandoffReason::Blocked);
        }
        if let Some(word) = self.analyzer.sensitive_in(analysis) {
            fired.push(format!("敏感 {word}"));
            return Some(HandoffReason::Sensitive);
        }
        if let Some(word) = found(HUMAN_WORDS) {
            fired.push(format!("转人工 {word}"));
            return Some(HandoffReason::AskedForHuman);
        }
        if let Some(word) = found(PERSONAL_WORDS) {
            fired.push(format!("个案 {word}"));
            return Some(HandoffReason::PersonalCase);
        }
        if looks_like_address(&compact) {
            // A pasted address means "send it here instead": a person changes the order.
            fired.push("个案 地址 → 改地址".to_owned());
            return Some(HandoffReason::PersonalCase);
        }
        if compact
            .split(|c: char| !c.is_ascii_digit())
            .any(|run| run.len() >= 8)
        {
            fired.push("个案 订单号".to_owned());
            return Some(HandoffReason::PersonalCase);
        }
        if let Some(word) = found(COMPLAINT_WORDS) {
            fired.push(format!("投诉 {word}"));
            return Some(HandoffReason::Complaint);
        }
        if let Some(word) = found(ANGER_WORDS) {
            fired.push(format!("情绪 {word}"));
            return Some(HandoffReason::Angry);
        }
        if analysis.signals.angry() {
            fired.push("情绪 标点/表情".to_owned());
            return Some(HandoffReason::Angry);
        }
        None
    }
}

/// Whether a buyer's message sounds angry, as the robot hears it (the words of an angry
/// buyer, an angry emoji, shouting): escalation's `Anger` rule (ESC-1).
pub fn sounds_angry(text: &str) -> bool {
    let mut signals = crate::text::Signals::default();
    let mut compact = String::with_capacity(text.len());
    for c in text.chars() {
        signals.note(c);
        if !c.is_whitespace() {
            compact.push(crate::text::fold(c));
        }
    }
    signals.angry() || ANGER_WORDS.iter().any(|w| compact.contains(w))
}

/// A delivery address as buyers paste one (issue #16): a place name ending in an
/// administrative level (…省, …市, …区, …县), a street (…路, …街, …道) and a house number
/// (a number right before 号, 弄, 栋, 幢, 室 or 单元). Words that merely contain those
/// characters (路由器, 区别, 室内) are not enough.
fn looks_like_address(compact: &str) -> bool {
    let chars: Vec<char> = compact.chars().collect();
    // A marker after a CJK character and before something other than a word it starts.
    let ends_name = |markers: &[char], not_before: &[char]| {
        chars.windows(3).any(|w| {
            markers.contains(&w[1]) && crate::text::is_cjk(w[0]) && !not_before.contains(&w[2])
        })
    };
    let numbered = chars
        .windows(2)
        .any(|w| w[0].is_ascii_digit() && ['号', '弄', '栋', '幢', '室', '单'].contains(&w[1]));
    numbered
        && ends_name(&['省', '市', '区', '县'], &['别', '分', '场'])
        && ends_name(&['路', '街', '道', '巷'], &['由', '上', '理', '歉'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::parse_jsonl;

    /// Issue #16: a pasted address means "change my address", for a person; questions that
    /// name a place are not addresses.
    #[test]
    fn a_pasted_address_goes_to_a_person_as_an_address_change() {
        let robot = robot();
        for pasted in [
            "浙江省杭州市西湖区文三路100号 张三 13800000000",
            "改成这个：上海市浦东新区张江路88弄3号402室",
        ] {
            let d = robot.decide(pasted, &now());
            assert_eq!(
                d.action,
                Action::Handoff {
                    reason: HandoffReason::PersonalCase
                },
                "{pasted}"
            );
            assert!(d.fired.iter().any(|f| f.contains("地址")), "{d:?}");
        }
        for question in [
            "杭州市区能当天到吗",
            "发到上海市要几天",
            "路上要走几天",
            "路由器和中继器有什么区别，支持5G吗",
            "室内用的加湿器，市场价多少，3号能到吗",
        ] {
            assert!(!looks_like_address(question), "{question}");
        }
    }

    /// Issue #16: a lone candidate found by chance (English "zip" sharing "ip" with "IPX4") is
    /// not an answer: the classifier's softmax has "none of these" beside the candidates.
    #[test]
    fn a_lone_chance_candidate_is_not_answered() {
        let (entries, _) = parse_jsonl(include_str!("../eval/kb.jsonl"));
        let robot = Robot::build(entries, &Lexicon::default());
        let d = robot.decide("zip it", &now());
        assert!(!matches!(d.action, Action::Answer { .. }), "{d:?}");
        assert!(d.confidence < 0.3, "{d:?}");
    }

    /// Issue #16: English words in a Chinese question, and English questions, read as the
    /// Chinese words the knowledge base uses.
    #[test]
    fn english_and_mixed_questions_are_read_as_chinese() {
        let robot = robot();
        for (text, expect) in [
            ("发货time多久", "ship-time"),
            ("refund几天到", "refund-time"),
            ("when will it ship", "ship-time"),
            ("can I get an invoice", "invoice"),
        ] {
            let d = robot.decide(text, &now());
            assert_eq!(answered(&d), Some(expect), "{text}: {d:?}");
        }
    }

    /// Issue #16: English words are read as Chinese only by a Chinese knowledge base's robot;
    /// an English one keeps them ("do you" and "can you" differ there).
    #[test]
    fn an_english_knowledge_base_keeps_its_words() {
        let kb = r#"{"id": "ship", "question": "when will my order ship", "similar": ["how long until it ships"], "answer": "2 days"}
{"id": "refund", "question": "can you refund me", "similar": ["i want my money back"], "answer": "yes"}"#;
        let (entries, _) = parse_jsonl(kb);
        let english = Robot::build(entries, &Lexicon::default());
        assert!(!english.chinese);
        let read = english.analyze("can you ship it today");
        assert_eq!(read.normalized, "can you ship it today");
        assert!(read.words.iter().any(|w| w.text == "can"), "{read:?}");
        let chinese = robot();
        assert!(chinese.chinese);
        assert_eq!(
            chinese.analyze("can you ship it today").normalized,
            "can you 发货 it 今天"
        );
    }

    /// Issue #16: a message asking two questions gets both answers; one that also needs a
    /// person, or greets first, is decided whole.
    #[test]
    fn several_questions_in_one_message_are_answered_each() {
        let robot = robot();
        for text in [
            "多久发货？能开发票吗",
            "多久发货 能开发票吗",
            "亲，多久发货，可以开票吗~",
        ] {
            let d = robot.decide(text, &now());
            // The whole message's reading first, then the other question.
            let mut ids: Vec<&str> = answered(&d).into_iter().collect();
            ids.extend(d.also.iter().map(|a| a.id.as_str()));
            ids.sort_unstable();
            assert_eq!(ids, ["invoice", "ship-time"], "{text}: {d:?}");
        }
        let greeted = robot.decide("在吗？多久发货？能开发票吗", &now());
        assert_eq!(greeted.also.len(), 1, "{greeted:?}");
        let hello = robot.decide("你好，多久发货", &now());
        assert_eq!(answered(&hello), Some("ship-time"));
        assert!(hello.also.is_empty(), "{hello:?}");
        let complaint = robot.decide("多久发货？我要投诉你们", &now());
        assert!(
            matches!(complaint.action, Action::Handoff { .. }),
            "{complaint:?}"
        );
        assert!(complaint.also.is_empty());
        let parts = |text: &str| -> Vec<(String, bool)> { questions_in(text) };
        assert_eq!(
            parts("when will it ship, and can I get an invoice"),
            [
                ("when will it ship".to_owned(), true),
                ("and can I get an invoice".to_owned(), true)
            ]
        );
        // A statement before the question is its context.
        assert_eq!(
            parts("我用花呗付的 退款退到哪"),
            [
                ("我用花呗付的".to_owned(), false),
                ("退款退到哪".to_owned(), true)
            ]
        );
        assert_eq!(
            parts("多久发货 ？ 能开票")[0],
            ("多久发货".to_owned(), true)
        );
    }

    fn robot() -> Robot {
        let kb = r#"{"id": "ship-time", "question": "多久发货", "similar": ["什么时候发货", "几天能发出", "拍了多久发", "付款后啥时候发"], "answer": "48小时内发货"}
{"id": "refund-time", "question": "退款多久到账", "similar": ["退款几天到", "钱什么时候退回来", "退款到账要多久"], "answer": "1-3个工作日"}
{"id": "refund-cancel", "question": "怎么取消退款申请", "similar": ["不想退了怎么撤销", "退款申请能取消吗", "撤回退款"], "answer": "在订单页撤销"}
{"id": "invoice", "question": "能开发票吗", "similar": ["可以开票吗", "发票怎么开", "要电子发票"], "answer": "可以开电子发票"}
{"id": "tea-brew", "question": "这款茶怎么泡", "similar": ["冲泡方法", "水温多少", "泡几分钟"], "answer": "85度水", "tier": "product", "skus": ["LJ-250"]}
{"id": "promo", "question": "双11满减怎么算", "similar": ["满减规则", "满多少减多少"], "answer": "满300减40", "tier": "scenario", "valid_from": "2026-11-01T00:00:00Z", "valid_to": "2026-11-12T00:00:00Z"}"#;
        let (entries, errors) = parse_jsonl(kb);
        assert!(errors.is_empty(), "{errors:?}");
        Robot::build(entries, &Lexicon::default())
    }

    #[test]
    fn a_rebuild_reads_only_new_questions_and_decides_as_a_fresh_build() {
        let before = robot();
        let mut entries = before.entries().to_vec();
        entries[0].similar.push("今天拍明天能发吗".to_owned());
        entries[3].answer.text = "可以开电子发票和纸质发票".to_owned();
        entries.remove(2);
        let lexicon = Lexicon::default();
        let rebuilt = Robot::rebuild(Some(&before), entries.clone(), vec![], &lexicon);
        let fresh = Robot::build(entries.clone(), &lexicon);
        assert_eq!(rebuilt.ranker_weights(), fresh.ranker_weights());
        for q in [
            "今天拍明天能发吗",
            "发票",
            "不想退了",
            "这款茶怎么泡",
            "双11满减",
        ] {
            assert_eq!(rebuilt.decide(q, &now()), fresh.decide(q, &now()), "{q}");
        }
        // Another lexicon reads everything again, as it must.
        let mut other = Lexicon::default();
        other
            .synonyms
            .push(vec!["发货".to_owned(), "发出".to_owned()]);
        let relexed = Robot::rebuild(Some(&before), entries.clone(), vec![], &other);
        let fresh = Robot::build(entries, &other);
        assert_eq!(
            relexed.decide("几天能发出", &now()),
            fresh.decide("几天能发出", &now())
        );
    }

    /// Issue #16: a knowledge base of one question per entry teaches the ranker nothing, and
    /// a near-miss is as similar as a paraphrase: it is offered or handed off, never answered;
    /// a near copy of a question still is.
    #[test]
    fn one_question_entries_answer_only_near_copies() {
        let kb = r#"{"id": "q0", "question": "花呗怎么还款", "answer": "a"}
{"id": "q1", "question": "借呗怎么还款", "answer": "b"}
{"id": "q2", "question": "花呗额度怎么提升", "answer": "c"}
{"id": "q3", "question": "借呗可以提前还款吗", "answer": "d"}"#;
        let (entries, _) = parse_jsonl(kb);
        let robot = Robot::build(entries, &Lexicon::default());
        assert!(!robot.ranker.trained);
        let near_miss = robot.decide("花呗为什么不能还款了", &now());
        assert_eq!(answered(&near_miss), None, "{near_miss:?}");
        assert!(near_miss.confidence <= UNTRAINED_CEILING);
        assert_eq!(
            answered(&robot.decide("花呗怎么还款？", &now())),
            Some("q0")
        );
        // With paraphrases to learn from, the ranker is trained.
        assert!(robot_trained());
    }

    fn robot_trained() -> bool {
        robot().ranker.trained
    }

    /// Issue #16: "did you mean…" only when two entries are both likely; one weak candidate
    /// alone is handed off.
    #[test]
    fn choices_are_offered_only_when_two_entries_are_close() {
        let (entries, _) = parse_jsonl(include_str!("../eval/kb.jsonl"));
        let robot = Robot::build(entries, &Lexicon::default());
        let mut offered = 0;
        for q in ["发票", "退款", "退款取消", "多久", "退款多久", "怎么泡"] {
            let d = robot.decide(q, &now());
            if let Action::Clarify { choices } = &d.action {
                offered += 1;
                assert!(choices.len() >= 2, "{q}: {d:?}");
                assert!(
                    d.candidates[1].probability >= robot.thresholds.option,
                    "{q}: {d:?}"
                );
            }
        }
        assert!(offered > 0, "some of these are between two entries");
    }

    /// Issue #16: a short message sharing only single characters with the knowledge base
    /// (a name spelt otherwise) still finds candidates.
    #[test]
    fn single_characters_find_candidates_when_words_find_none() {
        let robot = robot();
        let query = robot.index.query(&robot.analyzer.analyze("票"));
        let mut scores = vec![];
        let words_only = robot.index.candidates(
            &query,
            &|_| true,
            &|_| crate::model::Prior::default(),
            &robot.classifier,
            None,
            &mut scores,
        );
        assert!(
            words_only
                .iter()
                .any(|c| robot.entries[c.entry as usize].id == "invoice"),
            "{words_only:?}"
        );
        assert_eq!(words_only[0].features[16], 1.0, "found by characters");
    }

    fn now() -> Context {
        Context {
            now_ms: parse_time("2026-11-05T00:00:00Z").unwrap(),
            ..Context::default()
        }
    }

    fn answered(d: &Decision) -> Option<&str> {
        match &d.action {
            Action::Answer { id, .. } => Some(id),
            _ => None,
        }
    }

    #[test]
    fn a_clear_question_is_answered() {
        let d = robot().decide("亲 几天能发货呀", &now());
        assert_eq!(answered(&d), Some("ship-time"), "{d:#?}");
        assert!(!d.candidates[0].matched_words.is_empty());
    }

    #[test]
    fn each_handoff_trigger_fires() {
        let r = robot();
        for (text, reason) in [
            ("转人工", HandoffReason::AskedForHuman),
            ("我要找真人客服", HandoffReason::AskedForHuman),
            ("再不发货我就投诉", HandoffReason::Complaint),
            ("我要打12315", HandoffReason::Complaint),
            ("去网上曝光你们", HandoffReason::Complaint),
            ("什么垃圾店", HandoffReason::Angry),
            ("怎么还不发货😡", HandoffReason::Angry),
            ("到底发不发货！！！？？", HandoffReason::Angry),
        ] {
            let d = r.decide(text, &now());
            assert_eq!(
                d.action,
                Action::Handoff { reason },
                "{text}: {:?}",
                d.fired
            );
        }
    }

    #[test]
    fn a_reason_is_named_as_it_is_serialized() {
        use HandoffReason::*;
        for reason in [
            AskedForHuman,
            PersonalCase,
            Complaint,
            Angry,
            Blocked,
            Unknown,
            Misunderstood,
        ] {
            assert_eq!(serde_json::json!(reason), reason.as_str());
        }
    }

    /// Issue #16: account security and money disputes go to a person however sure the
    /// robot is; a shop's own list replaces the built-in one.
    #[test]
    fn sensitive_matters_go_to_a_person_whatever_the_confidence() {
        let (entries, _) = parse_jsonl(concat!(
            r#"{"id": "pwd", "question": "怎么改密码", "similar": ["账号被盗了怎么改密码", "验证码收不到"], "answer": "在设置里改"}"#,
            "\n",
            r#"{"id": "pay", "question": "付款失败怎么办", "similar": ["钱扣了订单没变"], "answer": "稍后刷新"}"#,
        ));
        let robot = Robot::build(entries.clone(), &Lexicon::builtin());
        for text in ["账号被盗了怎么改密码", "你们多扣了我一笔钱", "收不到验证码"]
        {
            assert_eq!(
                robot.decide(text, &now()).action,
                Action::Handoff {
                    reason: HandoffReason::Sensitive
                },
                "{text}"
            );
        }
        // Money that was taken once is a routine question, not a dispute.
        assert!(answered(&robot.decide("钱扣了订单没变", &now())).is_some());
        // The shop's list replaces the built-in one: without 验证码 the robot answers it.
        let own = Robot::build(
            entries,
            &Lexicon::builtin().with(&Lexicon {
                sensitive: Some(vec!["被盗".into()]),
                ..Lexicon::default()
            }),
        );
        assert_eq!(answered(&own.decide("验证码收不到", &now())), Some("pwd"));
    }

    /// Issue #16: an entry past its review date is never answered nor offered.
    #[test]
    fn an_entry_past_its_review_date_goes_to_a_person() {
        let (entries, errors) = parse_jsonl(concat!(
            r#"{"id": "ship", "question": "多久发货", "similar": ["几天发货", "什么时候发"], "answer": "48小时内", "review_by": "2026-01-01"}"#,
            "\n",
            r#"{"id": "refund", "question": "退款多久到账", "similar": ["退款几天到"], "answer": "1-3天"}"#,
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let robot = Robot::build(entries, &Lexicon::builtin());
        let before = Context {
            now_ms: crate::kb::parse_time("2025-12-31").unwrap(),
            ..Context::default()
        };
        let after = Context {
            now_ms: crate::kb::parse_time("2026-01-02").unwrap(),
            ..Context::default()
        };
        assert_eq!(answered(&robot.decide("多久发货", &before)), Some("ship"));
        let late = robot.decide("多久发货", &after);
        assert_eq!(
            late.action,
            Action::Handoff {
                reason: HandoffReason::Outdated
            }
        );
        assert!(late.fired.iter().any(|f| f.contains("待复核")), "{late:?}");
        assert!(
            robot.is_outdated("ship", after.now_ms) && !robot.is_outdated("refund", after.now_ms)
        );
        let (bad, errors) =
            parse_jsonl(r#"{"id": "x", "question": "q", "answer": "a", "review_by": "soon"}"#);
        assert!(bad.is_empty() && errors.len() == 1);
    }

    #[test]
    fn blocked_words_hand_off() {
        let (entries, _) = parse_jsonl(r#"{"id": "a", "question": "多久发货", "answer": "x"}"#);
        let robot = Robot::build(
            entries,
            &Lexicon {
                blocked: vec!["代购".into()],
                ..Lexicon::default()
            },
        );
        assert_eq!(
            robot.decide("能帮我代购吗", &now()).action,
            Action::Handoff {
                reason: HandoffReason::Blocked
            }
        );
    }

    #[test]
    fn small_talk_is_greeted_not_answered() {
        for text in ["在吗亲", "好的谢谢 没问题了", "不用开发票了 谢谢"] {
            let d = robot().decide(text, &now());
            assert!(matches!(d.action, Action::Greet { .. }), "{text}: {d:?}");
        }
    }

    #[test]
    fn a_question_about_ones_own_order_goes_to_a_person() {
        for text in ["帮我查一下订单到哪了", "订单2026111800123怎么还没发货"] {
            assert_eq!(
                robot().decide(text, &now()).action,
                Action::Handoff {
                    reason: HandoffReason::PersonalCase
                },
                "{text}"
            );
        }
    }

    #[test]
    fn an_unknown_question_is_handed_off() {
        let d = robot().decide("你们公司招聘主播吗", &now());
        assert!(answered(&d).is_none(), "{d:#?}");
    }

    #[test]
    fn a_negation_changes_the_answer() {
        let d = robot().decide("我不想退了 怎么撤销", &now());
        assert_eq!(answered(&d), Some("refund-cancel"), "{d:#?}");
    }

    #[test]
    fn scenario_entries_hold_only_in_their_window() {
        let r = robot();
        assert_eq!(answered(&r.decide("双11满减规则", &now())), Some("promo"));
        let later = Context {
            now_ms: parse_time("2026-12-01T00:00:00Z").unwrap(),
            ..Context::default()
        };
        assert!(
            r.decide("双11满减规则", &later)
                .candidates
                .iter()
                .all(|c| c.id != "promo")
        );
    }

    #[test]
    fn this_one_is_the_product_in_context() {
        let r = robot();
        let context = Context {
            product: Some("LJ-250".into()),
            product_title: Some("明前龙井 250g".into()),
            ..now()
        };
        let d = r.decide("这个怎么泡", &context);
        assert_eq!(d.guess.as_deref(), Some("tea-brew"), "{d:#?}");
        assert!(!matches!(d.action, Action::Handoff { .. }), "{d:#?}");
        assert!(d.fired.iter().any(|f| f.starts_with("这个 →")));
    }

    #[test]
    fn a_flow_starts_from_its_triggers_even_for_ones_own_order() {
        let (entries, _) = parse_jsonl(
            r#"{"id": "ship-time", "question": "多久发货", "similar": ["什么时候发货", "几天能发出"], "answer": "48小时内发货"}
{"id": "invoice", "question": "能开发票吗", "similar": ["可以开票吗", "发票怎么开"], "answer": "可以"}"#,
        );
        let flow: crate::flow::Flow = serde_json::from_str(
            r#"{"id": "track", "name": "查物流", "triggers": ["我的快递到哪了", "查物流", "帮我查一下订单到哪了", "包裹到哪里了"],
                "steps": [{"slot": "order", "kind": "order", "prompt": "查哪一单？"}],
                "finish": {"action": "logistics"}}"#,
        )
        .unwrap();
        let r = Robot::build_with_flows(entries, vec![flow], &Lexicon::default());
        assert_eq!(r.entries().len(), 2);
        for text in ["我的快递到哪了呀", "帮我查查订单到哪了"] {
            let d = r.decide(text, &now());
            assert_eq!(
                d.action,
                Action::Flow {
                    id: "track".into(),
                    name: "查物流".into()
                },
                "{text}: {d:#?}"
            );
        }
        assert_eq!(answered(&r.decide("几天能发货", &now())), Some("ship-time"));
    }

    #[test]
    fn an_angry_message_is_heard_as_the_robot_hears_it() {
        assert!(sounds_angry("什么破店😡"));
        assert!(sounds_angry("还不发货！！到底什么时候？？"));
        assert!(sounds_angry("你们就是 黑店"));
        assert!(!sounds_angry("请问什么时候发货？"));
    }
}
