//! Matching (BOT-2): BM25 over the entries finds candidates, then a logistic model scores
//! each candidate from how the message compares with the entry's examples (similarity by
//! feature kind, coverage, negation agreement, product context). The model is trained when
//! the knowledge base is built, on the knowledge base itself: every similar question is asked
//! with itself left out, and sometimes with its whole entry left out, so the model also
//! learns what a question the shop never answered looks like. Its output is a probability
//! that the candidate is right, so a threshold is a precision.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::classifier::{Classifier, Sample};
use crate::features::{KINDS, Kind, extract, word_feature};
use crate::text::Analysis;

/// BM25 parameters.
const K1: f32 = 1.2;
const B: f32 = 0.75;
/// Candidates scored per message.
pub const CANDIDATES: usize = 12;
/// Rivals each entry's questions are trained against.
const RIVALS: usize = 12;
/// Per candidate, at most about this many of its questions are compared with the message.
const MAX_COMPARED: usize = 40;
/// Fewer candidates than this from words, bigrams and pinyin: single characters look too.
const CHAR_FALLBACK_BELOW: usize = 3;

/// The kinds the entry-level index holds: those retrieval uses, and single characters for
/// its fallback.
fn indexed(kind: Kind) -> bool {
    kind.retrieves() || kind == Kind::Char
}
/// Training questions at most, spread evenly over the entries' examples.
const MAX_TRAINING_QUERIES: usize = 6_000;
/// Rivals are looked up without the words in more than a tenth of the entries, and at
/// least this many: a small knowledge base keeps them all.
const RIVAL_COMMON_FLOOR: usize = 200;

/// Per-kind L2-normalised TF-IDF vector, sorted by feature.
#[derive(Debug, Clone, Default)]
pub struct Vector {
    pub weights: Vec<(u64, f32)>,
}

impl Vector {
    /// Cosine similarity by kind, in [`KINDS`] order.
    fn cosines(&self, other: &Vector) -> [f32; 5] {
        let mut out = [0.0; 5];
        let (a, b) = (&self.weights, &other.weights);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let k = (a[i].0 >> 56) as usize;
                    if (1..=5).contains(&k) {
                        out[k - 1] += a[i].1 * b[j].1;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        out
    }

    fn contains(&self, feature: u64) -> bool {
        self.weights
            .binary_search_by_key(&feature, |(f, _)| *f)
            .is_ok()
    }
}

/// One example (a standard or similar question) as the model holds it.
#[derive(Debug, Clone)]
pub struct Example {
    pub entry: u32,
    pub tf: Vec<(u64, f32)>,
    pub vector: Vector,
    /// Its words, for explaining a match.
    pub words: Vec<String>,
}

/// An example read: its words (for explaining a match) and its term frequencies.
pub type Analysed = (Vec<String>, Vec<(u64, f32)>);

/// The index over a knowledge base's examples.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub examples: Vec<Example>,
    /// Per entry, its examples' range in `examples`.
    pub ranges: Vec<(u32, u32)>,
    /// Inverse document frequency over examples, for the vectors.
    idf: HashMap<u64, f32>,
    /// The idf of a feature seen once: what an unseen one weighs.
    unseen_idf: f32,
    /// Entry-level BM25: feature → (entry, summed tf).
    postings: HashMap<u64, Postings>,
    entry_len: Vec<f32>,
    avg_len: f32,
    /// Per entry, BM25's length normalisation `k1 · (1 − b + b · len / avg)`.
    entry_norm: Vec<f32>,
}

/// A feature's BM25 idf over entries, and the entries that have it with their summed tf.
#[derive(Debug, Clone, Default)]
struct Postings {
    idf: f32,
    /// Sorted by entry.
    list: Vec<(u32, f32)>,
    /// Per entry in `list`, the feature's BM25 weight in it: what a message adds to the
    /// entry's score when nothing is left out, worked out once.
    weights: Vec<f32>,
}

/// A message prepared for matching.
#[derive(Debug, Clone)]
pub struct Query {
    pub tf: Vec<(u64, f32)>,
    pub vector: Vector,
    /// Word features of negated words, with the plain word's feature.
    pub negated: Vec<(u64, u64)>,
    pub word_count: usize,
}

/// TF-IDF by kind, L2-normalised per kind. A feature the knowledge base never saw weighs as
/// much as the rarest one: a word nobody answered about makes a message less like every entry.
fn vectorize(tf: &[(u64, f32)], idf: &HashMap<u64, f32>, unseen: f32) -> Vector {
    let mut weights: Vec<(u64, f32)> = tf
        .iter()
        .map(|(f, n)| (*f, (1.0 + n.ln()) * idf.get(f).copied().unwrap_or(unseen)))
        .collect();
    let mut norms = [0.0f32; 6];
    for (f, w) in &weights {
        norms[(*f >> 56) as usize % 6] += w * w;
    }
    for (f, w) in &mut weights {
        let norm = norms[(*f >> 56) as usize % 6].sqrt();
        if norm > 0.0 {
            *w /= norm;
        }
    }
    Vector { weights }
}

impl Index {
    /// Indexes the analysed examples of each entry (`examples[e]` for entry `e`).
    pub fn build(examples: Vec<Vec<Analysed>>) -> Index {
        let total: usize = examples.iter().map(Vec::len).sum();
        let df = examples
            .par_iter()
            .fold(HashMap::<u64, u32>::default, |mut df, list| {
                for (_, tf) in list {
                    for (f, _) in tf {
                        *df.entry(*f).or_default() += 1;
                    }
                }
                df
            })
            .reduce(HashMap::default, |a, b| {
                let (mut a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (f, d) in b {
                    *a.entry(f).or_default() += d;
                }
                a
            });
        let n = total.max(1) as f32;
        let idf: HashMap<u64, f32> = df
            .iter()
            .map(|(f, d)| (*f, (1.0 + n / *d as f32).ln()))
            .collect();
        let mut index = Index {
            idf,
            unseen_idf: (1.0 + n).ln(),
            ..Index::default()
        };
        // Per entry, in parallel: its examples' vectors and its summed term frequencies.
        let compiled: Vec<_> = examples
            .into_par_iter()
            .enumerate()
            .map(|(e, list)| {
                let mut summed: Vec<(u64, f32)> = vec![];
                let list: Vec<Example> = list
                    .into_iter()
                    .map(|(words, tf)| {
                        summed.extend(tf.iter().filter(|(f, _)| Kind::of(*f).is_some_and(indexed)));
                        Example {
                            entry: e as u32,
                            vector: vectorize(&tf, &index.idf, index.unseen_idf),
                            tf,
                            words,
                        }
                    })
                    .collect();
                summed.sort_unstable_by_key(|(f, _)| *f);
                summed.dedup_by(|next, kept| {
                    let same = next.0 == kept.0;
                    if same {
                        kept.1 += next.1;
                    }
                    same
                });
                (list, summed)
            })
            .collect();
        for (e, (list, summed)) in compiled.into_iter().enumerate() {
            let start = index.examples.len() as u32;
            index.examples.extend(list);
            index.ranges.push((start, index.examples.len() as u32));
            index.entry_len.push(
                (summed.iter())
                    .filter(|(f, _)| Kind::of(*f).is_some_and(Kind::retrieves))
                    .map(|(_, n)| n)
                    .sum(),
            );
            for (f, n) in summed {
                index
                    .postings
                    .entry(f)
                    .or_default()
                    .list
                    .push((e as u32, n));
            }
        }
        let entries = index.ranges.len().max(1) as f32;
        index.avg_len = index.entry_len.iter().sum::<f32>() / entries;
        index.entry_norm = (index.entry_len.iter())
            .map(|len| index.length_norm(*len))
            .collect();
        let norms = &index.entry_norm;
        for postings in index.postings.values_mut() {
            let d = postings.list.len() as f32;
            let idf = (1.0 + (entries - d + 0.5) / (d + 0.5)).ln();
            postings.idf = idf;
            postings.weights = (postings.list.iter())
                .map(|(e, n)| idf * n * (K1 + 1.0) / (n + norms[*e as usize]))
                .collect();
        }
        index
    }

    pub fn query(&self, analysis: &Analysis) -> Query {
        let tf = extract(analysis);
        let vector = vectorize(&tf, &self.idf, self.unseen_idf);
        let negated = analysis
            .words
            .iter()
            .filter(|w| w.negated)
            .map(|w| (word_feature(&w.text, true), word_feature(&w.text, false)))
            .collect();
        Query {
            tf,
            vector,
            negated,
            word_count: analysis.words.len(),
        }
    }

    /// Whether some example has this word.
    pub fn knows_word(&self, word: &str) -> bool {
        self.idf.contains_key(&word_feature(word, false))
    }

    pub fn entries(&self) -> usize {
        self.ranges.len()
    }

    /// BM25 scores of the entries the query touches, best first, at most `k`, among those
    /// `allowed`. `leave_out` removes one example from its entry, as if it were not there.
    /// Single characters count only `with_chars`: when words and bigrams find (almost)
    /// nothing, as for a short message of a name the knowledge base spells otherwise.
    fn retrieve(
        &self,
        query: &Query,
        k: usize,
        allowed: &dyn Fn(u32) -> bool,
        leave_out: Option<usize>,
        with_chars: bool,
        scores: &mut Vec<f32>,
    ) -> Vec<(u32, f32)> {
        scores.clear();
        scores.resize(self.entries(), 0.0);
        let left = leave_out.map(|x| &self.examples[x]);
        let left_len: f32 = left.map_or(0.0, |l| {
            l.tf.iter()
                .filter(|(g, _)| Kind::of(*g).is_some_and(Kind::retrieves))
                .map(|(_, m)| m)
                .sum()
        });
        let mut touched = vec![];
        for (f, _) in &query.tf {
            if !with_chars && Kind::of(*f) == Some(Kind::Char) {
                continue;
            }
            let Some(Postings { idf, list, weights }) = self.postings.get(f) else {
                continue;
            };
            let Some(left) = left else {
                for ((entry, _), w) in list.iter().zip(weights) {
                    let slot = &mut scores[*entry as usize];
                    if *slot == 0.0 {
                        touched.push(*entry);
                    }
                    *slot += w;
                }
                continue;
            };
            for ((entry, n), w) in list.iter().zip(weights) {
                let mut w = *w;
                if left.entry == *entry {
                    let mut n = *n;
                    if let Ok(i) = left.tf.binary_search_by_key(f, |(g, _)| *g) {
                        n -= left.tf[i].1;
                    }
                    if n <= 0.0 {
                        continue;
                    }
                    let norm = self.length_norm(self.entry_len[*entry as usize] - left_len);
                    w = idf * n * (K1 + 1.0) / (n + norm);
                }
                let slot = &mut scores[*entry as usize];
                if *slot == 0.0 {
                    touched.push(*entry);
                }
                *slot += w;
            }
        }
        let mut found: Vec<(u32, f32)> = touched
            .into_iter()
            .filter(|e| allowed(*e))
            .map(|e| (e, scores[e as usize]))
            .collect();
        let k = k.min(found.len());
        if k > 0 && found.len() > k {
            found.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1));
            found.truncate(k);
        }
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found
    }

    fn length_norm(&self, len: f32) -> f32 {
        K1 * (1.0 - B + B * len.max(1.0) / self.avg_len.max(1.0))
    }

    /// The query's own BM25 mass: what a perfect entry would score, to scale scores.
    fn ideal(&self, query: &Query) -> f32 {
        query
            .tf
            .iter()
            .filter(|(f, _)| Kind::of(*f).is_some_and(Kind::retrieves))
            .filter_map(|(f, _)| self.postings.get(f))
            .map(|p| p.idf * (K1 + 1.0) / (1.0 + K1))
            .sum::<f32>()
            .max(1e-3)
    }
}

/// What the model knows about a candidate besides the text: set by the caller.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prior {
    /// +1: a product entry for the product in context; −1: for another product; 0: general.
    pub product: f32,
}

/// The pair features of one candidate.
pub const FEATURES: usize = 17;

/// A candidate with its features.
#[derive(Debug, Clone)]
pub struct Scored {
    pub entry: u32,
    /// The example it matched best.
    pub example: u32,
    pub bm25: f32,
    pub cosine: f32,
    pub features: [f32; FEATURES],
    pub probability: f32,
    /// The ranker's log-odds, what candidates are ordered by.
    pub logit: f32,
}

impl Index {
    /// Candidates with their pair features (probability not yet set).
    #[allow(clippy::too_many_arguments)]
    pub fn candidates(
        &self,
        query: &Query,
        allowed: &dyn Fn(u32) -> bool,
        prior: &dyn Fn(u32) -> Prior,
        classifier: &Classifier,
        leave_out: Option<usize>,
        scores: &mut Vec<f32>,
    ) -> Vec<Scored> {
        let mut found = self.retrieve(query, CANDIDATES, allowed, leave_out, false, scores);
        let by_chars = found.len() < CHAR_FALLBACK_BELOW;
        if by_chars {
            found = self.retrieve(query, CANDIDATES, allowed, leave_out, true, scores);
        }
        let Some(top_bm25) = found.first().map(|(_, s)| *s) else {
            return vec![];
        };
        let ideal = self.ideal(query);
        let total_weight: f32 = KINDS.iter().map(|k| k.weight()).sum();
        let query_words: Vec<(u64, f32)> = query
            .vector
            .weights
            .iter()
            .filter(|(f, _)| Kind::of(*f) == Some(Kind::Word))
            .copied()
            .collect();
        let mut out: Vec<Scored> = found
            .iter()
            .map(|(entry, bm25)| {
                let (start, end) = self.ranges[*entry as usize];
                let mut best = (start, [0.0f32; 5], -1.0f32);
                // An entry with thousands of questions is compared with an even spread of
                // them: the classifier has learned from all (issue #16).
                let step = ((end - start) as usize).div_ceil(MAX_COMPARED).max(1);
                for x in (start..end).step_by(step) {
                    if leave_out == Some(x as usize) {
                        continue;
                    }
                    let cos = query.vector.cosines(&self.examples[x as usize].vector);
                    let all = KINDS
                        .iter()
                        .zip(cos)
                        .map(|(k, c)| k.weight() * c)
                        .sum::<f32>()
                        / total_weight;
                    if all > best.2 {
                        best = (x, cos, all);
                    }
                }
                let (example, cos, all) = best;
                let ex = &self.examples[example as usize];
                // Coverage: how much of the query's word weight the example has, and back.
                let mass: f32 = query_words.iter().map(|(_, w)| w * w).sum();
                let covered: f32 = query_words
                    .iter()
                    .filter(|(f, _)| ex.vector.contains(*f))
                    .map(|(_, w)| w * w)
                    .sum();
                let ex_words: Vec<&(u64, f32)> = ex
                    .vector
                    .weights
                    .iter()
                    .filter(|(f, _)| Kind::of(*f) == Some(Kind::Word))
                    .collect();
                let ex_mass: f32 = ex_words.iter().map(|(_, w)| w * w).sum();
                let ex_covered: f32 = ex_words
                    .iter()
                    .filter(|(f, _)| query.vector.contains(*f))
                    .map(|(_, w)| w * w)
                    .sum();
                // Negation disagreement: the query negates a word the entry says plainly.
                let clash = query
                    .negated
                    .iter()
                    .filter(|(neg, plain)| ex.vector.contains(*plain) && !ex.vector.contains(*neg))
                    .count();
                let p = prior(*entry);
                let mut features = [0.0; FEATURES];
                features[0] = 1.0;
                features[1] = bm25 / top_bm25;
                features[2] = (bm25 / ideal).min(2.0);
                features[3] = all.max(0.0);
                features[4] = cos[0];
                features[5] = cos[2];
                features[6] = cos[4];
                features[7] = 0.0; // the gap to the best other, below
                features[8] = if mass > 0.0 { covered / mass } else { 0.0 };
                features[9] = if ex_mass > 0.0 {
                    ex_covered / ex_mass
                } else {
                    0.0
                };
                features[10] = clash.min(2) as f32;
                features[11] = p.product;
                features[12] = 1.0 / (1.0 + query.word_count as f32);
                features[13] = cos[3];
                features[16] = f32::from(u8::from(by_chars));
                Scored {
                    entry: *entry,
                    example,
                    bm25: *bm25,
                    cosine: all.max(0.0),
                    features,
                    probability: 0.0,
                    logit: 0.0,
                }
            })
            .collect();
        let best_other = |values: &[f32], i: usize, floor: f32| {
            values
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| *c)
                .fold(floor, f32::max)
        };
        let cosines: Vec<f32> = out.iter().map(|s| s.cosine).collect();
        let entries: Vec<u32> = out.iter().map(|s| s.entry).collect();
        let learned = classifier.scores(&query.vector, &entries);
        // The softmax has a "none of these" with score 0 besides the candidates: a lone
        // candidate found by chance ("ship" sharing "ip" with "IPX4") is not sure of itself.
        let max = learned.iter().copied().fold(0.0, f32::max);
        let total: f32 = learned.iter().map(|z| (z - max).exp()).sum::<f32>() + (-max).exp();
        for (i, s) in out.iter_mut().enumerate() {
            s.features[7] = s.cosine - best_other(&cosines, i, 0.0);
            s.features[14] = (learned[i] - max).exp() / total;
            s.features[15] = (learned[i] - best_other(&learned, i, 0.0)).clamp(-5.0, 5.0);
        }
        out
    }
}

/// A logistic model over the pair features.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    pub weights: [f32; FEATURES],
    /// Whether it learned from the knowledge base: one with a single question per entry
    /// has nothing to learn from, and its similarity alone is no probability (issue #16).
    pub trained: bool,
}

impl Default for Ranker {
    /// Before any training: similarity alone.
    fn default() -> Ranker {
        let mut weights = [0.0; FEATURES];
        weights[0] = -4.0;
        weights[3] = 8.0;
        weights[7] = 4.0;
        Ranker {
            weights,
            trained: false,
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Ranker {
    /// The log-odds: ranks candidates even where probabilities round to 0 or 1.
    pub fn logit(&self, features: &[f32; FEATURES]) -> f32 {
        self.weights.iter().zip(features).map(|(w, x)| w * x).sum()
    }

    pub fn probability(&self, features: &[f32; FEATURES]) -> f32 {
        sigmoid(self.logit(features))
    }

    /// Fits the weights by Newton's method (IRLS), regularised towards the default ranker:
    /// a small knowledge base, with few questions to learn from, keeps close to plain
    /// similarity; a large one learns its own weighting.
    pub fn fit(rows: &[([f32; FEATURES], bool)]) -> Ranker {
        let lambda = 0.5;
        let prior = Ranker::default().weights.map(f64::from);
        let mut w = prior;
        if rows.iter().all(|(_, y)| *y) || rows.iter().all(|(_, y)| !*y) {
            return Ranker::default();
        }
        for _ in 0..25 {
            let mut grad = [0.0f64; FEATURES];
            let mut hess = [[0.0f64; FEATURES]; FEATURES];
            for (x, y) in rows {
                let z: f64 = w.iter().zip(x).map(|(w, x)| w * f64::from(*x)).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                let err = p - if *y { 1.0 } else { 0.0 };
                let s = (p * (1.0 - p)).max(1e-6);
                for i in 0..FEATURES {
                    let xi = f64::from(x[i]);
                    grad[i] += err * xi;
                    for j in 0..FEATURES {
                        hess[i][j] += s * xi * f64::from(x[j]);
                    }
                }
            }
            for i in 0..FEATURES {
                grad[i] += lambda * (w[i] - prior[i]);
                hess[i][i] += lambda;
            }
            let Some(mut step) = solve(hess, grad) else {
                break;
            };
            // Damped: no weight moves more than 2 per step.
            let largest = step.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            if largest > 2.0 {
                step.iter_mut().for_each(|x| *x *= 2.0 / largest);
            }
            let mut change = 0.0f64;
            for i in 0..FEATURES {
                w[i] -= step[i];
                change = change.max(step[i].abs());
            }
            if change < 1e-6 {
                break;
            }
        }
        let mut weights = [0.0f32; FEATURES];
        for (out, w) in weights.iter_mut().zip(w) {
            *out = w as f32;
        }
        Ranker {
            weights,
            trained: true,
        }
    }
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; FEATURES]; FEATURES], mut b: [f64; FEATURES]) -> Option<[f64; FEATURES]> {
    for col in 0..FEATURES {
        let pivot = (col..FEATURES).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..FEATURES {
            let factor = a[row][col] / pivot_row[col];
            for (cell, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *cell -= factor * p;
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = [0.0f64; FEATURES];
    for row in (0..FEATURES).rev() {
        let rest: f64 = (row + 1..FEATURES).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    Some(x)
}

/// Words from outside any shop's knowledge base, for made-up questions the robot must not
/// answer: one word of an entry's question with one of these is what many unanswerable
/// buyer questions look like (they share a word with something the shop did answer).
const OFF_TOPIC: &[&str] = &[
    "血压",
    "招聘",
    "天气",
    "足球",
    "孩子",
    "学校",
    "注册",
    "合作",
    "主播",
    "样品",
    "博主",
    "肥料",
    "电视",
    "考试",
    "工资",
    "房子",
    "医院",
    "感冒",
    "减肥",
    "游戏",
    "工厂",
    "批发",
    "代理",
    "加盟",
    "租房",
    "旅游",
    "签证",
    "股票",
    "宠物",
    "婚礼",
    "老师",
    "明星",
    "电影",
    "音乐",
    "汽车",
    "地铁",
    "飞机",
    "火车",
    "大师",
    "粉色",
    "童装",
    "英文版",
    "环保",
    "供货",
    "茶园",
    "砍价",
    "临时工",
    "测评",
    "上新",
    "以旧换新",
    "电脑",
    "冰箱",
    "保险",
    "贷款",
    "律所",
    "老板娘",
    "外卖",
    "健身",
    "疫苗",
    "面试",
    "直播",
    "淘宝",
    "小红书",
    "微博",
    "快手",
    "拼多多",
    "团购",
    "众筹",
    "捐款",
];

/// A made-up question that shares one word with `example` and adds an off-topic one.
fn distractor(example: &Example, n: usize) -> Query {
    let mut words = vec![];
    if !example.words.is_empty() {
        let word = &example.words[n % example.words.len()];
        words.push(crate::text::Word {
            text: word.clone(),
            negated: false,
        });
    }
    words.push(crate::text::Word {
        text: OFF_TOPIC[(n * 7 + 3) % OFF_TOPIC.len()].to_owned(),
        negated: false,
    });
    let analysis = crate::text::Analysis {
        words,
        ..crate::text::Analysis::default()
    };
    let tf = extract(&analysis);
    Query {
        tf,
        vector: Vector::default(),
        negated: vec![],
        word_count: analysis.words.len(),
    }
}

impl Index {
    /// Each example as a classifier sample: its entry and the entries BM25 confuses that
    /// entry with. Rivals are found once per entry, from the words of all its questions
    /// (and the pinyin pairs that match typos): a tenth of the retrievals of asking each
    /// question, and the entries the classifier must learn to tell this one from.
    pub fn samples(&self) -> Vec<Sample<'_>> {
        let entries: Vec<u32> = (0..self.entries() as u32).collect();
        let common = (entries.len() / 40).max(RIVAL_COMMON_FLOOR);
        let rivals: Vec<Vec<u32>> = entries
            .par_iter()
            .map(|&e| {
                let (start, end) = self.ranges[e as usize];
                let mut words: Vec<(u64, f32)> = self.examples[start as usize..end as usize]
                    .iter()
                    .flat_map(|x| x.tf.iter())
                    .filter(|(f, _)| Kind::of(*f) == Some(Kind::Word))
                    .copied()
                    .collect();
                words.sort_unstable_by_key(|(f, _)| *f);
                words.dedup_by_key(|(f, _)| *f);
                // Words in a tenth of a large knowledge base's entries ("发货" among 10,000) walk
                // long postings and say little about which entries are confusable.
                words.retain(|(f, _)| self.postings.get(f).is_none_or(|p| p.list.len() <= common));
                let query = Query {
                    tf: words,
                    vector: Vector::default(),
                    negated: vec![],
                    word_count: 0,
                };
                let mut scores = vec![];
                self.retrieve(&query, RIVALS, &|r| r != e, None, false, &mut scores)
                    .into_iter()
                    .map(|(r, _)| r)
                    .collect()
            })
            .collect();
        self.examples
            .iter()
            .map(|example| Sample {
                vector: &example.vector,
                entry: example.entry,
                rivals: rivals[example.entry as usize].clone(),
            })
            .collect()
    }
}

/// At most `k` of `items`, chosen by a fixed hash of each rather than every n-th: a stride
/// can fall in step with the knowledge base's own pattern (the n-th question of every
/// entry) and train on one kind of question only. Kept in their order; deterministic.
pub fn spread(mut items: Vec<usize>, k: usize) -> Vec<usize> {
    if items.len() > k {
        let key = |x: usize| {
            // splitmix64's finaliser.
            let mut z = (x as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        items.select_nth_unstable_by_key(k, |x| key(*x));
        items.truncate(k);
        items.sort_unstable();
    }
    items
}

/// The training rows: each chosen example asked with itself left out (its entry should
/// win), every third one with its entry left out too (nothing should), and a made-up
/// distractor for every other one (nothing should).
pub fn training_rows<'c>(
    index: &Index,
    is_product: &(dyn Fn(u32) -> bool + Sync),
    classifier_for: &(dyn Fn(usize) -> &'c Classifier + Sync),
) -> Vec<([f32; FEATURES], bool)> {
    let eligible: Vec<usize> = (0..index.examples.len())
        .filter(|x| {
            let (start, end) = index.ranges[index.examples[*x].entry as usize];
            end - start >= 2
        })
        .collect();
    let chosen: Vec<(usize, usize)> = spread(eligible, MAX_TRAINING_QUERIES)
        .into_iter()
        .enumerate()
        .collect();
    chosen
        .par_iter()
        .map_init(Vec::new, |scores, &(n, x)| {
            let mut rows = vec![];
            let example = &index.examples[x];
            let query = Query {
                tf: example.tf.clone(),
                vector: example.vector.clone(),
                negated: vec![],
                word_count: example.words.len(),
            };
            let own = example.entry;
            let without_entry = n % 3 == 2;
            let allowed = |e: u32| !(without_entry && e == own);
            // A question about a product is asked in that product's context half the time: its
            // own entry is then the product in context, other product entries are not.
            let in_context = is_product(own) && n % 2 == 0;
            let prior = |e: u32| Prior {
                product: match (in_context, is_product(e)) {
                    (true, true) if e == own => 1.0,
                    (true, true) => -1.0,
                    _ => 0.0,
                },
            };
            let classifier = classifier_for(x);
            let candidates =
                index.candidates(&query, &allowed, &prior, classifier, Some(x), scores);
            for c in candidates {
                rows.push((c.features, c.entry == own));
            }
            if n % 4 == 0 {
                let mut fake = distractor(example, n);
                fake.vector = vectorize(&fake.tf, &index.idf, index.unseen_idf);
                let none = |_: u32| Prior::default();
                for c in index.candidates(&fake, &|_| true, &none, classifier, None, scores) {
                    rows.push((c.features, false));
                }
            }
            rows
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solving_a_small_system() {
        let mut a = [[0.0; FEATURES]; FEATURES];
        let mut b = [0.0; FEATURES];
        for i in 0..FEATURES {
            a[i][i] = 2.0;
            b[i] = i as f64;
        }
        a[0][1] = 1.0;
        let x = solve(a, b).unwrap();
        assert!((x[1] - 0.5).abs() < 1e-9);
        assert!((x[0] - (0.0 - 0.5) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_ranker_learns_a_separable_rule() {
        let mut rows = vec![];
        for i in 0..200 {
            let mut x = [0.0; FEATURES];
            x[0] = 1.0;
            x[3] = (i % 10) as f32 / 10.0;
            rows.push((x, i % 10 >= 5));
        }
        let ranker = Ranker::fit(&rows);
        let mut high = [0.0; FEATURES];
        high[0] = 1.0;
        high[3] = 0.9;
        let mut low = high;
        low[3] = 0.1;
        assert!(ranker.probability(&high) > 0.9);
        assert!(ranker.probability(&low) < 0.1);
    }
}
