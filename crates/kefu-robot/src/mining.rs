//! Question mining (DATA-5): a week of buyers' questions, from every channel and whoever
//! answered them, grouped into topics. Each question is read as the robot reads it (the
//! shop's lexicon folds synonyms and colloquial words, filler is dropped) and weighted by how
//! rare its features are that week; the most asked phrasings lead, and each question joins
//! the most alike topic (the cosine to its centroid), else leads a new one. The topics of
//! earlier weeks are offered first, so a topic keeps its identity from week to week and its
//! trend, its "new" flag and a fix's before and after can be followed.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::features::{self, Kind, unit};
use crate::text::Analyzer;

/// A question at least this alike a topic (cosine to its centroid) is that topic.
const SAME_TOPIC: f32 = 0.4;
/// A new topic needs this many conversations; rarer questions are counted as "other".
pub const MIN_NEW_TOPIC: u32 = 2;
/// Features kept in a topic's stored centroid.
const CENTROID_FEATURES: usize = 48;
/// Examples kept per topic, each a different phrasing.
pub const EXAMPLES: usize = 5;
/// Keywords shown per topic.
const KEYWORDS: usize = 3;
/// How much a character pair across two words counts, against one within a word.
const ACROSS_WORDS: f32 = 0.3;
/// A question shorter than this (content characters) says too little to be a topic.
const MIN_CONTENT_CHARS: usize = 2;

/// Words that ask rather than say what about: a topic is its other words.
const GENERIC: &[&str] = &[
    "什么",
    "时候",
    "什么时候",
    "怎么",
    "怎么样",
    "怎样",
    "多少",
    "多久",
    "几天",
    "多长时间",
    "可以",
    "能",
    "能不能",
    "可不可以",
    "要",
    "会",
    "是",
    "有",
    "有没有",
    "没有",
    "还",
    "就",
    "都",
    "这个",
    "那个",
    "这",
    "那",
    "一个",
    "用",
    "给",
    "吗",
    "呢",
    "啥",
    "为什么",
    "如何",
    "哪里",
    "哪个",
    "请问",
    "现在",
    "已经",
    "还是",
    "还有",
    "一般",
    "大概",
    "是不是",
    "知道",
    "这款",
    "那款",
    "这种",
    "这件",
    "这些",
    "那些",
    "方法",
    "办法",
    "点",
    "一点",
    "有点",
    "一些",
];

/// A question's topic words with their characters and character pairs, each by its kind's
/// weight; the asking words are left out ("发货要多久" and "什么时候发货" are both 发货). A
/// pair across two words counts a little, to mend jieba's odd cuts (退/货运费 holds 退货)
/// without making word order matter.
fn topic_features(words: &[String]) -> Vec<(u64, f32)> {
    let mut out: Vec<(u64, f32)> = vec![];
    let mut previous: Option<char> = None;
    for word in words {
        out.push((features::word_feature(word, false), Kind::Word.weight()));
        let chars: Vec<char> = word.chars().collect();
        if let (Some(last), Some(&first)) = (previous, chars.first()) {
            out.push((
                features::hash_chars(Kind::Bigram, &[last, first]),
                ACROSS_WORDS * Kind::Bigram.weight(),
            ));
        }
        for (i, c) in chars.iter().enumerate() {
            if !c.is_ascii() {
                out.push((
                    features::hash_chars(Kind::Char, &chars[i..=i]),
                    Kind::Char.weight(),
                ));
            }
            if i + 1 < chars.len() {
                out.push((
                    features::hash_chars(Kind::Bigram, &chars[i..i + 2]),
                    Kind::Bigram.weight(),
                ));
            }
        }
        previous = chars.last().copied();
    }
    out
}

/// One buyer question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub conversation: String,
    /// The product the conversation is about (empty: none).
    pub product: String,
    pub text: String,
    pub at: i64,
}

/// A topic from earlier weeks: its id and its centroid (a unit vector sorted by feature).
#[derive(Debug, Clone, PartialEq)]
pub struct KnownTopic {
    pub id: String,
    pub centroid: Vec<(u64, f32)>,
}

/// A question shown as an example of its topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub conversation: String,
    pub text: String,
    pub at: i64,
    pub product: String,
}

/// A topic found in the week.
#[derive(Debug, Clone, PartialEq)]
pub struct MinedTopic {
    /// The earlier week's topic it continues; `None`: new this week.
    pub known: Option<String>,
    /// The most asked phrasing.
    pub label: String,
    /// Its most frequent content words.
    pub keywords: Vec<String>,
    /// Unit vector of its questions' features (weighed by kind, not by the week's rarity),
    /// the strongest only: what is kept to know the topic again.
    pub centroid: Vec<(u64, f32)>,
    /// Conversations that asked it.
    pub conversations: u32,
    /// Conversations per product ("" for none).
    pub by_product: BTreeMap<String, u32>,
    pub examples: Vec<Example>,
}

/// The week's topics, the most asked first, and how many conversations asked anything per
/// product ("" for none): the denominators of the topics' rates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mining {
    pub topics: Vec<MinedTopic>,
    pub asked: BTreeMap<String, u32>,
}

/// One phrasing (normalised text) and who asked it.
struct Phrasing {
    text: String,
    words: Vec<String>,
    /// Its features by kind, a unit vector (what a topic's stored centroid is made of).
    raw: Vec<(u64, f32)>,
    /// The same weighed by how rare each feature is this week, a unit vector.
    vector: Vec<(u64, f32)>,
    askers: Vec<usize>,
}

/// A topic being built: the sum of its members' vectors and that sum's squared length.
struct Cluster {
    known: Option<String>,
    /// The members' weighed vectors summed (what questions are compared with) and that
    /// sum's squared length.
    sum: FxHashMap<u64, f32>,
    norm2: f32,
    /// The members' raw vectors summed (what is stored).
    raw: FxHashMap<u64, f32>,
    phrasings: Vec<usize>,
}

impl Cluster {
    fn cosine(&self, v: &[(u64, f32)]) -> f32 {
        if self.norm2 <= 0.0 {
            return 0.0;
        }
        let dot: f32 = v
            .iter()
            .map(|(f, w)| w * self.sum.get(f).copied().unwrap_or(0.0))
            .sum();
        dot / self.norm2.sqrt()
    }

    fn add(&mut self, weighed: &[(u64, f32)], raw: &[(u64, f32)], times: f32) {
        for (f, w) in weighed {
            let slot = self.sum.entry(*f).or_insert(0.0);
            let old = *slot;
            *slot += w * times;
            self.norm2 += *slot * *slot - old * old;
        }
        for (f, w) in raw {
            *self.raw.entry(*f).or_insert(0.0) += w * times;
        }
    }
}

/// Whether a feature finds candidate topics (words and character pairs; not single
/// characters, which every topic shares with many).
fn indexes(feature: u64) -> bool {
    matches!(Kind::of(feature), Some(Kind::Word | Kind::Bigram))
}

/// Groups a week's questions into topics; `known` are earlier weeks' topics, offered first.
pub fn mine(analyzer: &Analyzer, questions: &[Question], known: &[KnownTopic]) -> Mining {
    let mut mining = Mining::default();
    // 1. Distinct phrasings, each asker once per phrasing.
    let mut phrasings: Vec<Phrasing> = vec![];
    let mut by_text: FxHashMap<String, usize> = FxHashMap::default();
    let mut asked: BTreeMap<&str, FxHashSet<&str>> = BTreeMap::new();
    for (i, question) in questions.iter().enumerate() {
        let analysis = analyzer.analyze(&question.text);
        let words: Vec<String> = analysis
            .words
            .iter()
            .filter(|w| !GENERIC.contains(&w.text.as_str()))
            .map(|w| {
                if w.negated {
                    format!("不{}", w.text)
                } else {
                    w.text.clone()
                }
            })
            .collect();
        if words.iter().map(|w| w.chars().count()).sum::<usize>() < MIN_CONTENT_CHARS {
            continue;
        }
        asked
            .entry(question.product.as_str())
            .or_default()
            .insert(question.conversation.as_str());
        let normalized = analysis.normalized.replace(' ', "");
        let at = *by_text.entry(normalized).or_insert_with(|| {
            phrasings.push(Phrasing {
                text: question.text.trim().to_owned(),
                raw: unit(topic_features(&words)),
                vector: vec![],
                words,
                askers: vec![],
            });
            phrasings.len() - 1
        });
        let askers = &mut phrasings[at].askers;
        if askers
            .last()
            .is_none_or(|&j| questions[j].conversation != question.conversation)
        {
            askers.push(i);
        }
    }
    mining.asked = asked
        .into_iter()
        .map(|(product, conversations)| (product.to_owned(), conversations.len() as u32))
        .collect();
    // 2. Weigh features by how rare they are among the week's askers; earlier weeks'
    //    centroids are weighed by this week's rarity too, so both are compared alike.
    let mut document_frequency: FxHashMap<u64, f32> = FxHashMap::default();
    for p in &phrasings {
        for (f, _) in &p.raw {
            *document_frequency.entry(*f).or_insert(0.0) += p.askers.len() as f32;
        }
    }
    let total: f32 = phrasings.iter().map(|p| p.askers.len() as f32).sum();
    let weigh = |raw: &[(u64, f32)]| {
        unit(
            raw.iter()
                .map(|(f, w)| {
                    // Smoothed and damped: a word half the week uses counts about half as
                    // much as a rare one, not a tenth.
                    let df = document_frequency.get(f).copied().unwrap_or(0.0);
                    (*f, w * (((total + 1.0) / (df + 1.0)).ln() + 1.0).sqrt())
                })
                .collect(),
        )
    };
    for p in &mut phrasings {
        p.vector = weigh(&p.raw);
    }
    // 3. The most asked phrasings first; each joins its most alike topic or leads one.
    let mut order: Vec<usize> = (0..phrasings.len()).collect();
    order.sort_by(|&a, &b| {
        phrasings[b]
            .askers
            .len()
            .cmp(&phrasings[a].askers.len())
            .then_with(|| phrasings[a].text.cmp(&phrasings[b].text))
    });
    let mut clusters: Vec<Cluster> = vec![];
    let mut index: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for topic in known {
        let mut cluster = Cluster {
            known: Some(topic.id.clone()),
            sum: FxHashMap::default(),
            norm2: 0.0,
            raw: FxHashMap::default(),
            phrasings: vec![],
        };
        cluster.add(&weigh(&topic.centroid), &topic.centroid, 1.0);
        enter(&mut clusters, &mut index, cluster, &topic.centroid);
    }
    for &p in &order {
        let phrasing = &phrasings[p];
        let candidates: BTreeSet<usize> = phrasing
            .vector
            .iter()
            .filter(|(f, _)| indexes(*f))
            .filter_map(|(f, _)| index.get(f))
            .flatten()
            .copied()
            .collect();
        let best = candidates
            .into_iter()
            .map(|c| (c, clusters[c].cosine(&phrasing.vector)))
            .filter(|(_, cos)| *cos >= SAME_TOPIC)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let times = phrasing.askers.len() as f32;
        match best {
            Some((c, _)) => {
                clusters[c].add(&phrasing.vector, &phrasing.raw, times);
                clusters[c].phrasings.push(p);
            }
            None => {
                let mut cluster = Cluster {
                    known: None,
                    sum: FxHashMap::default(),
                    norm2: 0.0,
                    raw: FxHashMap::default(),
                    phrasings: vec![p],
                };
                cluster.add(&phrasing.vector, &phrasing.raw, times);
                enter(&mut clusters, &mut index, cluster, &phrasing.vector);
            }
        }
    }
    // 4. Topics with their askers, keywords and examples.
    for cluster in clusters {
        let topic = topic_of(&cluster, &phrasings, questions);
        let keep = match cluster.known {
            Some(_) => topic.conversations > 0,
            None => topic.conversations >= MIN_NEW_TOPIC,
        };
        if keep {
            mining.topics.push(topic);
        }
    }
    mining.topics.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then_with(|| a.label.cmp(&b.label))
    });
    mining
}

/// Adds a topic, found again by its words and character pairs.
fn enter(
    clusters: &mut Vec<Cluster>,
    index: &mut FxHashMap<u64, Vec<usize>>,
    cluster: Cluster,
    features: &[(u64, f32)],
) {
    let at = clusters.len();
    for (f, _) in features.iter().filter(|(f, _)| indexes(*f)) {
        index.entry(*f).or_default().push(at);
    }
    clusters.push(cluster);
}

fn topic_of(cluster: &Cluster, phrasings: &[Phrasing], questions: &[Question]) -> MinedTopic {
    let mut conversations: FxHashSet<&str> = FxHashSet::default();
    let mut by_product: BTreeMap<String, u32> = BTreeMap::new();
    let mut words: FxHashMap<&str, u32> = FxHashMap::default();
    let mut examples = vec![];
    for &p in &cluster.phrasings {
        let phrasing = &phrasings[p];
        for &q in &phrasing.askers {
            let question = &questions[q];
            if conversations.insert(&question.conversation) {
                *by_product.entry(question.product.clone()).or_default() += 1;
            }
        }
        let distinct: FxHashSet<&str> = phrasing.words.iter().map(String::as_str).collect();
        for word in distinct {
            *words.entry(word).or_default() += phrasing.askers.len() as u32;
        }
        if examples.len() < EXAMPLES
            && let Some(&q) = phrasing.askers.last()
        {
            let question = &questions[q];
            examples.push(Example {
                conversation: question.conversation.clone(),
                text: question.text.trim().to_owned(),
                at: question.at,
                product: question.product.clone(),
            });
        }
    }
    let mut keywords: Vec<(&str, u32)> = words
        .into_iter()
        .filter(|(w, _)| !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    keywords.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut centroid: Vec<(u64, f32)> = cluster.raw.iter().map(|(f, w)| (*f, *w)).collect();
    centroid.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    centroid.truncate(CENTROID_FEATURES);
    MinedTopic {
        known: cluster.known.clone(),
        label: cluster
            .phrasings
            .first()
            .map(|&p| phrasings[p].text.clone())
            .unwrap_or_default(),
        keywords: keywords
            .into_iter()
            .take(KEYWORDS)
            .map(|(w, _)| w.to_owned())
            .collect(),
        centroid: unit(centroid),
        conversations: conversations.len() as u32,
        by_product,
        examples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;

    fn analyzer() -> Analyzer {
        Analyzer::new(&Lexicon::builtin())
    }

    /// `n` conversations (numbered from `from`) each asking `text` about `product`.
    fn asked(text: &str, product: &str, from: usize, n: usize) -> Vec<Question> {
        (from..from + n)
            .map(|i| Question {
                conversation: format!("c{i}"),
                product: product.to_owned(),
                text: text.to_owned(),
                at: i as i64,
            })
            .collect()
    }

    fn week() -> Vec<Question> {
        [
            asked("什么时候发货", "P-1", 0, 6),
            asked("几天能发货呀", "P-1", 10, 3),
            asked("发货要多久", "P-2", 20, 2),
            asked("奶粉怎么冲泡", "P-1", 30, 4),
            asked("冲泡奶粉水温多少度", "P-1", 40, 3),
            asked("可以开发票吗", "", 50, 2),
            asked("好的谢谢", "", 60, 9),
            asked("在吗", "", 70, 9),
            asked("这个赠品送什么", "P-2", 80, 1),
        ]
        .concat()
    }

    fn topic<'a>(mining: &'a Mining, label: &str) -> &'a MinedTopic {
        mining
            .topics
            .iter()
            .find(|t| t.label == label)
            .unwrap_or_else(|| panic!("no topic {label}: {:?}", labels(mining)))
    }

    fn labels(mining: &Mining) -> Vec<(&str, u32)> {
        mining
            .topics
            .iter()
            .map(|t| (t.label.as_str(), t.conversations))
            .collect()
    }

    #[test]
    fn phrasings_of_one_question_are_one_topic_the_most_asked_its_label() {
        let mining = mine(&analyzer(), &week(), &[]);
        assert_eq!(
            labels(&mining),
            vec![
                ("什么时候发货", 11),
                ("奶粉怎么冲泡", 7),
                ("可以开发票吗", 2)
            ],
            "shipping, preparing the formula and invoices; greetings and a one-off are not topics"
        );
        let shipping = topic(&mining, "什么时候发货");
        assert_eq!(shipping.by_product["P-1"], 9);
        assert_eq!(shipping.by_product["P-2"], 2);
        assert!(shipping.keywords.contains(&"发货".to_owned()));
        assert_eq!(shipping.examples.len(), 3, "one per phrasing");
        assert!(shipping.known.is_none());
        // Everyone who asked something counts in the rates' denominators, greetings not.
        assert_eq!(mining.asked["P-1"], 16);
        assert_eq!(mining.asked["P-2"], 3);
        assert_eq!(mining.asked[""], 2);
    }

    #[test]
    fn a_conversation_counts_once_per_topic() {
        let mut questions = asked("什么时候发货", "P-1", 0, 2);
        questions.push(Question {
            conversation: "c0".into(),
            product: "P-1".into(),
            text: "发货要多久".into(),
            at: 9,
        });
        let mining = mine(&analyzer(), &questions, &[]);
        assert_eq!(labels(&mining), vec![("什么时候发货", 2)]);
        assert_eq!(mining.asked["P-1"], 2);
    }

    #[test]
    fn last_weeks_topics_keep_their_identity() {
        let first = mine(&analyzer(), &week(), &[]);
        let known: Vec<KnownTopic> = first
            .topics
            .iter()
            .enumerate()
            .map(|(i, t)| KnownTopic {
                id: format!("t{i}"),
                centroid: t.centroid.clone(),
            })
            .collect();
        // The next week asks the same things in other words, and something new.
        let next = [
            asked("发货太慢了多久能发", "P-1", 100, 3),
            asked("奶粉冲泡用多少度的水", "P-1", 110, 2),
            asked("奶粉罐子漏粉了", "P-1", 120, 4),
        ]
        .concat();
        let mining = mine(&analyzer(), &next, &known);
        let by_known: BTreeMap<Option<&str>, u32> = mining
            .topics
            .iter()
            .map(|t| (t.known.as_deref(), t.conversations))
            .collect();
        assert_eq!(by_known.get(&Some("t0")), Some(&3), "{:?}", labels(&mining));
        assert_eq!(by_known.get(&Some("t1")), Some(&2), "{:?}", labels(&mining));
        assert_eq!(by_known.get(&None), Some(&4), "the leaking tin is new");
        assert!(
            !mining
                .topics
                .iter()
                .any(|t| t.known.as_deref() == Some("t2")),
            "a known topic nobody asked is left out"
        );
    }

    #[test]
    fn nothing_asked_is_no_topics() {
        assert_eq!(mine(&analyzer(), &[], &[]), Mining::default());
    }
}
