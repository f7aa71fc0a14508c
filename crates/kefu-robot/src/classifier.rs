//! A linear model over words, character n-grams and pinyin pairs, one weight vector per entry,
//! trained on the entries' questions (BOT-2): it learns which words tell entries apart (截单
//! is the cut-off time, not the service hours). Trained as a softmax over each question's
//! retrieval candidates (its own entry and the entries BM25 confuses it with), so a
//! knowledge base of 10,000 entries trains in about a second.

use rustc_hash::FxHashMap as HashMap;

use crate::model::Vector;

/// Updates (question × class) per training run at most: a small knowledge base gets all
/// eight passes, a large one fewer, so a build stays within seconds.
pub const BUDGET: usize = 2_000_000;
const MAX_EPOCHS: usize = 16;
const LEARNING_RATE: f32 = 0.5;
/// Weight decay per update, a light L2.
const DECAY: f32 = 1e-4;

/// Per entry, the features that speak for or against it, with weights. One small table per
/// entry: a training step touches the tables of one sample's dozen entries, which stay in
/// cache, where one table keyed by (feature, entry) spreads them over all of memory.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    weights: Vec<HashMap<u64, f32>>,
}

/// One training question: its vector, its entry, and the entries it competes with.
pub struct Sample<'a> {
    pub vector: &'a Vector,
    pub entry: u32,
    pub rivals: Vec<u32>,
}

impl Classifier {
    /// Fits by stochastic gradient descent on the softmax over each sample's own entry and
    /// rivals, in a fixed order (the build is deterministic), within [`BUDGET`] updates.
    pub fn fit(samples: &[Sample<'_>]) -> Classifier {
        Classifier::fit_within(samples, BUDGET)
    }

    /// [`Classifier::fit`] within `budget` updates.
    pub fn fit_within(samples: &[Sample<'_>], budget: usize) -> Classifier {
        let classes = samples
            .iter()
            .flat_map(|s| std::iter::once(s.entry).chain(s.rivals.iter().copied()))
            .max()
            .map_or(0, |c| c as usize + 1);
        let mut w: Vec<HashMap<u64, f32>> = vec![HashMap::default(); classes];
        let per_epoch: usize = samples.iter().map(|s| 1 + s.rivals.len()).sum();
        let epochs = (budget / per_epoch.max(1)).clamp(1, MAX_EPOCHS);
        // Beyond the budget even in one pass: a spread share of the questions.
        let keep = samples.len() / per_epoch.div_ceil(budget).max(1);
        let samples: Vec<&Sample<'_>> = crate::model::spread((0..samples.len()).collect(), keep)
            .into_iter()
            .map(|x| &samples[x])
            .collect();
        let mut scores: Vec<f32> = vec![];
        let mut classes: Vec<u32> = vec![];
        for epoch in 0..epochs {
            let lr = LEARNING_RATE / (1.0 + epoch as f32);
            for s in &samples {
                let features = &s.vector.weights;
                classes.clear();
                classes.push(s.entry);
                classes.extend(s.rivals.iter().filter(|r| **r != s.entry));
                scores.clear();
                for c in &classes {
                    let table = &w[*c as usize];
                    let score: f32 = features
                        .iter()
                        .map(|(f, x)| table.get(f).copied().unwrap_or(0.0) * x)
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
                    let table = &mut w[*c as usize];
                    for (f, x) in features {
                        let slot = table.entry(*f).or_insert(0.0);
                        *slot -= lr * (gradient * x + DECAY * *slot);
                    }
                }
            }
        }
        for table in &mut w {
            table.retain(|_, v| v.abs() > 1e-4);
            table.shrink_to_fit();
        }
        Classifier { weights: w }
    }

    /// The scores of `entries` for a vector, in their order.
    pub fn scores(&self, vector: &Vector, entries: &[u32]) -> Vec<f32> {
        entries
            .iter()
            .map(|e| match self.weights.get(*e as usize) {
                Some(table) if !table.is_empty() => vector
                    .weights
                    .iter()
                    .filter_map(|(f, x)| table.get(f).map(|w| w * x))
                    .sum(),
                _ => 0.0,
            })
            .collect()
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
