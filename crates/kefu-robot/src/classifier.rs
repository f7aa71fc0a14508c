//! A linear model over words, character n-grams and pinyin pairs, one weight vector per entry,
//! trained on the entries' questions (BOT-2): it learns which words tell entries apart (截单
//! is the cut-off time, not the service hours). Trained as a softmax over each question's
//! retrieval candidates (its own entry and the entries BM25 confuses it with), so a
//! knowledge base of 10,000 entries trains in about a second.

use rustc_hash::FxHashMap as HashMap;

use crate::model::Vector;

/// Updates (question × class) per training run at most: a small knowledge base gets all
/// eight passes, a large one fewer, so a build stays within seconds.
const BUDGET: usize = 400_000;
const MAX_EPOCHS: usize = 8;
const LEARNING_RATE: f32 = 0.5;
/// Weight decay per update, a light L2.
const DECAY: f32 = 1e-4;

/// Per feature, the entries it speaks for, with weights, sorted by entry.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    weights: HashMap<u64, Vec<(u32, f32)>>,
}

/// One training question: its vector, its entry, and the entries it competes with.
pub struct Sample<'a> {
    pub vector: &'a Vector,
    pub entry: u32,
    pub rivals: Vec<u32>,
}

/// The weight of `class` in a feature's list (sorted by class).
fn weight(list: &[(u32, f32)], class: u32) -> f32 {
    list.binary_search_by_key(&class, |(c, _)| *c)
        .map_or(0.0, |i| list[i].1)
}

impl Classifier {
    /// Fits by stochastic gradient descent on the softmax over each sample's own entry and
    /// rivals, in a fixed order (the build is deterministic).
    pub fn fit(samples: &[Sample<'_>]) -> Classifier {
        let mut w: HashMap<(u64, u32), f32> = HashMap::default();
        let per_epoch: usize = samples.iter().map(|s| 1 + s.rivals.len()).sum();
        let epochs = (BUDGET / per_epoch.max(1)).clamp(1, MAX_EPOCHS);
        // Beyond the budget even in one pass: every k-th question (each entry keeps some, as
        // they come grouped by entry).
        let stride = per_epoch.div_ceil(BUDGET).max(1);
        let samples: Vec<&Sample<'_>> = samples.iter().step_by(stride).collect();
        let mut scores: Vec<f32> = vec![];
        let mut classes: Vec<u32> = vec![];
        let mut features: Vec<(u64, f32)> = vec![];
        for epoch in 0..epochs {
            let lr = LEARNING_RATE / (1.0 + epoch as f32);
            for s in &samples {
                features.clear();
                features.extend(s.vector.weights.iter());
                classes.clear();
                classes.push(s.entry);
                classes.extend(s.rivals.iter().filter(|r| **r != s.entry));
                scores.clear();
                for c in &classes {
                    let score: f32 = features
                        .iter()
                        .map(|(f, x)| w.get(&(*f, *c)).copied().unwrap_or(0.0) * x)
                        .sum();
                    scores.push(score);
                }
                let max = scores.iter().copied().fold(f32::MIN, f32::max);
                let total: f32 = scores.iter().map(|z| (z - max).exp()).sum();
                for (i, c) in classes.iter().enumerate() {
                    let p = (scores[i] - max).exp() / total;
                    let gradient = p - if i == 0 { 1.0 } else { 0.0 };
                    if gradient.abs() < 1e-4 {
                        continue;
                    }
                    for (f, x) in &features {
                        let slot = w.entry((*f, *c)).or_insert(0.0);
                        *slot -= lr * (gradient * x + DECAY * *slot);
                    }
                }
            }
        }
        let mut weights: HashMap<u64, Vec<(u32, f32)>> = HashMap::default();
        for ((f, c), v) in w {
            if v.abs() > 1e-4 {
                weights.entry(f).or_default().push((c, v));
            }
        }
        for list in weights.values_mut() {
            list.sort_unstable_by_key(|(c, _)| *c);
        }
        Classifier { weights }
    }

    /// The scores of `entries` for a vector, in their order.
    pub fn scores(&self, vector: &Vector, entries: &[u32]) -> Vec<f32> {
        let mut out = vec![0.0; entries.len()];
        for (f, x) in &vector.weights {
            let Some(list) = self.weights.get(f) else {
                continue;
            };
            for (i, e) in entries.iter().enumerate() {
                out[i] += weight(list, *e) * x;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(features: &[u64]) -> Vector {
        let n = (features.len() as f32).sqrt();
        Vector {
            weights: features.iter().map(|f| (*f, 1.0 / n)).collect(),
        }
    }

    #[test]
    fn it_learns_the_word_that_tells_entries_apart() {
        // Entry 0 is "cut-off time" (features 1, 2), entry 1 "service hours" (1, 3).
        let (a, b, c, d) = (v(&[1, 2]), v(&[1, 2, 4]), v(&[1, 3]), v(&[1, 3, 5]));
        let samples = [
            Sample {
                vector: &a,
                entry: 0,
                rivals: vec![1],
            },
            Sample {
                vector: &b,
                entry: 0,
                rivals: vec![1],
            },
            Sample {
                vector: &c,
                entry: 1,
                rivals: vec![0],
            },
            Sample {
                vector: &d,
                entry: 1,
                rivals: vec![0],
            },
        ];
        let model = Classifier::fit(&samples);
        let s = model.scores(&v(&[1, 2]), &[0, 1]);
        assert!(s[0] > s[1], "{s:?}");
        let s = model.scores(&v(&[3]), &[0, 1]);
        assert!(s[1] > s[0], "{s:?}");
    }
}
