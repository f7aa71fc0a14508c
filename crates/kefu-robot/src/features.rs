//! A read message as a sparse vector: words (negated ones apart: 退 ≠ ¬退), character
//! uni-, bi- and trigrams, and pinyin syllable pairs, which survive homophone typos
//! (发获 reads like 发货). Features are 64-bit hashes tagged with their kind in the top byte.

use pinyin::ToPinyin;

use crate::text::Analysis;

/// Feature kinds; the top byte of a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Kind {
    Word = 1,
    Char = 2,
    Bigram = 3,
    Trigram = 4,
    Pinyin = 5,
}

/// Every kind, in tag order.
pub const KINDS: [Kind; 5] = [
    Kind::Word,
    Kind::Char,
    Kind::Bigram,
    Kind::Trigram,
    Kind::Pinyin,
];

impl Kind {
    pub fn of(feature: u64) -> Option<Kind> {
        match feature >> 56 {
            1 => Some(Kind::Word),
            2 => Some(Kind::Char),
            3 => Some(Kind::Bigram),
            4 => Some(Kind::Trigram),
            5 => Some(Kind::Pinyin),
            _ => None,
        }
    }

    /// How much this kind counts in the overall similarity.
    pub fn weight(self) -> f32 {
        match self {
            Kind::Word => 1.0,
            Kind::Char => 0.3,
            Kind::Bigram => 1.0,
            Kind::Trigram => 0.6,
            Kind::Pinyin => 0.6,
        }
    }

    /// Whether BM25 retrieval indexes this kind.
    pub fn retrieves(self) -> bool {
        matches!(self, Kind::Word | Kind::Bigram | Kind::Pinyin)
    }
}

/// FNV-1a over the parts' bytes (a separator between parts), tagged with the kind.
fn hash(kind: Kind, parts: &[&str]) -> u64 {
    let mut h = Fnv::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.byte(0x1f);
        }
        h.bytes(part.as_bytes());
    }
    h.tagged(kind)
}

/// The same hash over characters, each a part, without making strings of them.
pub(crate) fn hash_chars(kind: Kind, chars: &[char]) -> u64 {
    let mut h = Fnv::new();
    let mut buf = [0u8; 4];
    for (i, c) in chars.iter().enumerate() {
        if i > 0 {
            h.byte(0x1f);
        }
        h.bytes(c.encode_utf8(&mut buf).as_bytes());
    }
    h.tagged(kind)
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.byte(*b);
        }
    }

    fn tagged(self, kind: Kind) -> u64 {
        (self.0 & 0x00ff_ffff_ffff_ffff) | (u64::from(kind as u8) << 56)
    }
}

/// The feature of a word as it appears (negated or not).
pub fn word_feature(text: &str, negated: bool) -> u64 {
    if negated {
        hash(Kind::Word, &["¬", text])
    } else {
        hash(Kind::Word, &[text])
    }
}

/// Term frequencies of a message's features, sorted by feature.
pub fn extract(analysis: &Analysis) -> Vec<(u64, f32)> {
    let mut out: Vec<u64> = Vec::with_capacity(analysis.words.len() * 6);
    for word in &analysis.words {
        out.push(word_feature(&word.text, word.negated));
    }
    // N-grams run within a word sequence; the join is what the buyer wrote, filler aside.
    let chars: Vec<char> = analysis.content().chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_ascii() {
            out.push(hash_chars(Kind::Char, &chars[i..=i]));
        }
        if i + 1 < chars.len() {
            out.push(hash_chars(Kind::Bigram, &chars[i..i + 2]));
        }
        if i + 2 < chars.len() {
            out.push(hash_chars(Kind::Trigram, &chars[i..i + 3]));
        }
    }
    let syllables: Vec<Option<&'static str>> = chars
        .iter()
        .map(|c| c.to_pinyin().map(|p| p.plain()))
        .collect();
    for pair in syllables.windows(2) {
        if let [Some(a), Some(b)] = pair {
            out.push(hash(Kind::Pinyin, &[a, b]));
        }
    }
    out.sort_unstable();
    let mut tf: Vec<(u64, f32)> = Vec::with_capacity(out.len());
    for f in out {
        match tf.last_mut() {
            Some((last, n)) if *last == f => *n += 1.0,
            _ => tf.push((f, 1.0)),
        }
    }
    tf
}

/// Sorted by feature, scaled to length one.
pub(crate) fn unit(mut v: Vec<(u64, f32)>) -> Vec<(u64, f32)> {
    v.sort_by_key(|(f, _)| *f);
    v.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 += b.1;
            true
        } else {
            false
        }
    });
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut v {
            *w /= norm;
        }
    }
    v
}

/// The cosine of two unit vectors sorted by feature.
pub(crate) fn cosine(a: &[(u64, f32)], b: &[(u64, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::text::Analyzer;

    fn features(text: &str) -> Vec<u64> {
        let analyzer = Analyzer::new(&Lexicon::builtin());
        extract(&analyzer.analyze(text))
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn homophone_typos_share_pinyin_features() {
        let typo = features("发获");
        let right = features("发货");
        let shared: Vec<&u64> = typo
            .iter()
            .filter(|f| right.contains(f) && Kind::of(**f) == Some(Kind::Pinyin))
            .collect();
        assert_eq!(shared.len(), 1);
    }

    #[test]
    fn characters_hash_as_their_strings_do() {
        assert_eq!(
            hash_chars(Kind::Bigram, &['发', '货']),
            hash(Kind::Bigram, &["发", "货"])
        );
        assert_ne!(
            hash_chars(Kind::Bigram, &['发', '货']),
            hash(Kind::Word, &["发货"])
        );
    }

    #[test]
    fn a_negated_word_is_another_feature() {
        assert_ne!(word_feature("退", true), word_feature("退", false));
        assert_eq!(Kind::of(word_feature("退", true)), Some(Kind::Word));
    }

    #[test]
    fn term_frequencies_are_counted_and_sorted() {
        let analyzer = Analyzer::new(&Lexicon::builtin());
        let tf = extract(&analyzer.analyze("茶 茶"));
        assert!(tf.windows(2).all(|w| w[0].0 < w[1].0));
        let word = tf
            .iter()
            .find(|(f, _)| *f == word_feature("茶", false))
            .unwrap();
        assert_eq!(word.1, 2.0);
    }
}
