//! What the robot reads a buyer's message as (BOT-2): full-width forms folded, traditional
//! characters simplified, emoji and repeated punctuation dropped (but counted, for anger),
//! stretched characters squeezed (啊啊啊 → 啊), colloquial words and synonyms replaced by one
//! longest-match scan, shop terms kept whole, the rest segmented by jieba, filler words
//! (亲, 哈, 呢 …) dropped, and the words after a negation marked as negated.

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::LazyLock;

use jieba_rs::Jieba;

use crate::lexicon::Lexicon;

/// jieba's dictionary loads once per process (≈100 ms) and is shared by every robot.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Filler that carries no meaning for matching: particles, greetings, forms of address.
const FILLER: &[&str] = &[
    "的",
    "了",
    "着",
    "呢",
    "吗",
    "吧",
    "啊",
    "呀",
    "哦",
    "嘛",
    "么",
    "啦",
    "哈",
    "亲",
    "嗯",
    "喔",
    "哇",
    "诶",
    "呐",
    "噢",
    "哎",
    "哟",
    "咯",
    "滴",
    "呗",
    "请问",
    "你好",
    "您好",
    "在吗",
    "在不在",
    "在么",
    "客服",
    "麻烦",
    "一下",
    "那个",
    "想问",
    "问下",
    "问一下",
    "请",
    "谢谢",
    "哈哈",
    "呵呵",
    "嘻嘻",
    "亲亲",
    "宝",
    "宝宝",
    "老板",
    "掌柜",
    "小姐姐",
    "你们",
    "我们",
    "我",
    "你",
    "您",
    "这边",
    "下",
    "好的",
    "在",
    "ok",
    "hello",
    "hi",
    "想",
    "问问",
    "就是",
    "是不是",
    "有没有人",
];

/// English function words: filler in a Chinese shop's robot, where English questions and
/// English words in Chinese ones are read as Chinese (issue #16). An English knowledge base
/// keeps them: "do you" and "can you" are different questions there. Single letters stay:
/// "A款", "B款" are products.
const ENGLISH_FILLER: &[&str] = &[
    "the", "an", "is", "are", "was", "my", "you", "it", "will", "do", "does", "did", "to", "of",
    "for", "me", "please", "can", "could", "would", "be", "this", "that", "there",
];

/// "X不X" / "X没X" → "X" (an A-not-A question asks, it does not negate); `None` when the
/// text has none.
fn a_not_a(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut changed = false;
    while i < chars.len() {
        if i + 2 < chars.len()
            && matches!(chars[i + 1], '不' | '没')
            && chars[i] == chars[i + 2]
            && ('\u{4e00}'..='\u{9fff}').contains(&chars[i])
        {
            out.push(chars[i]);
            i += 3;
            changed = true;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    changed.then_some(out)
}

/// Words that start with a negation character but negate nothing.
const NOT_NEGATIONS: &[&str] = &[
    "不错",
    "不过",
    "不然",
    "不少",
    "不同",
    "别的",
    "别人",
    "没事",
    "不好意思",
    "未来",
    "不断",
    "不久",
    "不仅",
    "别处",
];

/// How many words after a negation it covers.
const NEGATION_REACH: usize = 2;

/// A word of the message as matched on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Under a negation: "不想退" has 退 negated.
    pub negated: bool,
}

/// A message, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// After folding, simplifying, squeezing and replacing; filler still in.
    pub normalized: String,
    /// Content words, filler dropped.
    pub words: Vec<Word>,
    /// Which lexicon rules fired, for the test console ("阔以 → 可以", "negation 不想 → 退").
    pub fired: Vec<String>,
    pub signals: Signals,
}

/// What the message shows besides its words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals {
    pub exclamations: usize,
    pub questions: usize,
    pub angry_emoji: bool,
    pub traditional: bool,
}

impl Signals {
    /// Counts what `c` shows (a mark, an angry emoji).
    pub fn note(&mut self, c: char) {
        match c {
            '!' | '！' => self.exclamations += 1,
            '?' | '？' => self.questions += 1,
            _ => {}
        }
        self.angry_emoji |= angry(c);
    }

    /// An angry emoji, or shouting: four marks or more, two of them exclamations.
    pub fn angry(self) -> bool {
        self.angry_emoji || (self.exclamations + self.questions >= 4 && self.exclamations >= 2)
    }
}

impl Analysis {
    /// The content words joined, without negation marks: what character n-grams are cut from.
    pub fn content(&self) -> String {
        self.words.iter().map(|w| w.text.as_str()).collect()
    }
}

/// Reads messages with one lexicon.
#[derive(Debug, Clone)]
pub struct Analyzer {
    /// Replacements and protected units for the longest-match scan: a key maps to what it is
    /// read as (a term or a synonym's head maps to itself).
    units: FxHashMap<String, String>,
    /// Every prefix of a unit's key (the keys included): where the scan may stop growing.
    prefixes: FxHashSet<String>,
    /// Keys made of ASCII letters and digits only match as whole words ("sf", not "sfx").
    max_unit_chars: usize,
    negations: Vec<String>,
    /// The first characters of the negation words: a token starting otherwise negates nothing.
    negation_starts: FxHashSet<char>,
    filler: FxHashSet<&'static str>,
    pub(crate) blocked: Vec<String>,
    /// Sensitive matters (`Lexicon::sensitive_words`), folded like messages.
    pub(crate) sensitive: Vec<String>,
}

pub(crate) fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

fn angry(c: char) -> bool {
    matches!(c, '😡' | '🤬' | '😠' | '👿' | '💢' | '😤' | '🖕')
}

/// Full-width ASCII to ASCII, the ideographic space to a space, ASCII lower-cased.
pub(crate) fn fold(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0)
            .unwrap_or(c)
            .to_ascii_lowercase(),
        '\u{3000}' => ' ',
        _ => c.to_ascii_lowercase(),
    }
}

impl Analyzer {
    /// An analyser for a knowledge base in `lexicon`'s words; `into_chinese` also reads
    /// English words as the Chinese ones the built-in lexicon gives and drops English
    /// function words (a Chinese knowledge base: [`Lexicon::builtin_for`]).
    pub fn for_language(lexicon: &Lexicon, into_chinese: bool) -> Analyzer {
        let mut analyzer = Analyzer::new(lexicon);
        if into_chinese {
            analyzer.filler.extend(ENGLISH_FILLER.iter().copied());
        }
        analyzer
    }

    pub fn new(lexicon: &Lexicon) -> Analyzer {
        let mut units = FxHashMap::default();
        for term in &lexicon.terms {
            let term = normalize_word(term);
            units.insert(term.clone(), term);
        }
        for group in &lexicon.synonyms {
            let Some(head) = group.first().map(|w| normalize_word(w)) else {
                continue;
            };
            for word in group {
                units.insert(normalize_word(word), head.clone());
            }
        }
        for (from, to) in &lexicon.colloquial {
            // A colloquial word's standard form may itself be a synonym: read it as the head.
            let to = normalize_word(to);
            let to = units.get(&to).cloned().unwrap_or(to);
            units.entry(normalize_word(from)).or_insert(to);
        }
        units.retain(|k, _| !k.is_empty());
        let max_unit_chars = units.keys().map(|k| k.chars().count()).max().unwrap_or(1);
        let prefixes = units
            .keys()
            .flat_map(|k| {
                k.char_indices()
                    .map(|(i, c)| k[..i + c.len_utf8()].to_owned())
            })
            .collect();
        let mut negations: Vec<String> = lexicon
            .negations
            .iter()
            .map(|w| normalize_word(w))
            .collect();
        negations.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let negation_starts = negations.iter().filter_map(|w| w.chars().next()).collect();
        Analyzer {
            units,
            prefixes,
            max_unit_chars,
            negations,
            negation_starts,
            filler: FILLER.iter().copied().collect(),
            blocked: lexicon.blocked.iter().map(|w| normalize_word(w)).collect(),
            sensitive: lexicon
                .sensitive_words()
                .iter()
                .map(|w| normalize_word(w))
                .collect(),
        }
    }

    /// Reads one message.
    pub fn analyze(&self, text: &str) -> Analysis {
        let mut signals = Signals::default();
        let folded: String = text.chars().map(fold).collect();
        let simplified = fast2s::convert(&folded);
        signals.traditional = simplified != folded;
        let mut fired = vec![];
        if signals.traditional {
            fired.push("繁体 → 简体".to_owned());
        }
        // Keep letters, digits and CJK; everything else splits chunks. Squeeze stretches.
        let mut cleaned = String::with_capacity(simplified.len());
        let mut run: (char, usize) = ('\0', 0);
        for c in simplified.chars() {
            signals.note(c);
            let keep = is_cjk(c) || c.is_ascii_alphanumeric();
            let c = if keep { c } else { ' ' };
            run = if run.0 == c { (c, run.1 + 1) } else { (c, 1) };
            // Three of a kind is a stretch (啊啊啊, 好好好); two is a word (谢谢, 看看).
            if run.1 >= 3 || (c == ' ' && run.1 >= 2) {
                continue;
            }
            cleaned.push(c);
        }
        let mut normalized = String::with_capacity(cleaned.len());
        let mut pieces: Vec<(String, bool)> = vec![]; // (text, is a unit)
        for chunk in cleaned.split(' ').filter(|c| !c.is_empty()) {
            if !normalized.is_empty() {
                normalized.push(' ');
            }
            self.scan(chunk, &mut normalized, &mut pieces, &mut fired);
            pieces.push((" ".to_owned(), false));
        }
        let words = self.words(&pieces, &mut fired);
        Analysis {
            normalized,
            words,
            fired,
            signals,
        }
    }

    /// The longest-match scan over one chunk: units replace or protect, the gaps stay text.
    fn scan(
        &self,
        chunk: &str,
        normalized: &mut String,
        pieces: &mut Vec<(String, bool)>,
        fired: &mut Vec<String>,
    ) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut gap = String::new();
        let mut key = String::new();
        let mut i = 0;
        while i < chars.len() {
            // Grow the key while it starts some unit; remember the longest unit on the way.
            let mut longest: Option<(usize, String, &String)> = None;
            key.clear();
            for len in 1..=self.max_unit_chars.min(chars.len() - i) {
                key.push(chars[i + len - 1]);
                if !self.prefixes.contains(key.as_str()) {
                    break;
                }
                let Some(to) = self.units.get(key.as_str()) else {
                    continue;
                };
                let whole_word = !key.chars().all(|c| c.is_ascii_alphanumeric())
                    || ((i == 0 || !chars[i - 1].is_ascii_alphanumeric())
                        && chars
                            .get(i + len)
                            .is_none_or(|c| !c.is_ascii_alphanumeric()));
                if whole_word {
                    longest = Some((len, key.clone(), to));
                }
            }
            match longest {
                Some((len, key, to)) => {
                    if !gap.is_empty() {
                        pieces.push((std::mem::take(&mut gap), false));
                    }
                    if key != *to {
                        fired.push(format!("{key} → {to}"));
                    }
                    normalized.push_str(to);
                    pieces.push((to.clone(), true));
                    i += len;
                }
                None => {
                    gap.push(chars[i]);
                    normalized.push(chars[i]);
                    i += 1;
                }
            }
        }
        if !gap.is_empty() {
            pieces.push((gap, false));
        }
    }

    /// Segments the gaps, drops filler, splits and applies negations.
    fn words(&self, pieces: &[(String, bool)], fired: &mut Vec<String>) -> Vec<Word> {
        // "招不招", "包不包邮", "有没有": a yes-no question, not a negation.
        let texts: Vec<Cow<'_, str>> = pieces
            .iter()
            .map(
                |(text, unit)| match (!*unit).then(|| a_not_a(text)).flatten() {
                    Some(plain) => {
                        fired.push(format!("正反问 {text} → {plain}"));
                        Cow::Owned(plain)
                    }
                    None => Cow::Borrowed(text.as_str()),
                },
            )
            .collect();
        let mut raw: Vec<Option<&str>> = vec![]; // None: a chunk boundary
        for ((_, unit), text) in pieces.iter().zip(&texts) {
            if text == " " {
                raw.push(None);
            } else if *unit {
                raw.push(Some(text));
            } else {
                raw.extend(JIEBA.cut(text, true).into_iter().map(|t| Some(t.word)));
            }
        }
        let mut words = vec![];
        let mut reach = 0;
        let mut negator = String::new();
        for token in raw {
            let Some(token) = token else {
                reach = 0;
                continue;
            };
            // "不想退" may come as one token: split off the negation.
            let may_negate = token
                .chars()
                .next()
                .is_some_and(|c| self.negation_starts.contains(&c));
            let split = if !may_negate || NOT_NEGATIONS.contains(&token) {
                None
            } else {
                self.negations
                    .iter()
                    .find(|n| token.starts_with(n.as_str()))
                    .map(|n| (n.clone(), &token[n.len()..]))
            };
            let (negation, rest) = match split {
                Some((n, rest)) => (Some(n), rest),
                None => (None, token),
            };
            if let Some(n) = negation {
                reach = NEGATION_REACH;
                negator = n.clone();
                words.push(Word {
                    text: n,
                    negated: false,
                });
            }
            if rest.is_empty() || self.filler.contains(rest) {
                continue;
            }
            let negated = reach > 0;
            if negated {
                fired.push(format!("否定 {negator} → {rest}"));
                reach -= 1;
            }
            words.push(Word {
                text: rest.to_owned(),
                negated,
            });
        }
        words
    }

    /// The first blocked word the message contains.
    pub fn blocked_in(&self, analysis: &Analysis) -> Option<String> {
        first_in(&self.blocked, analysis)
    }

    /// The first sensitive word the message contains.
    pub fn sensitive_in(&self, analysis: &Analysis) -> Option<String> {
        first_in(&self.sensitive, analysis)
    }
}

fn first_in(words: &[String], analysis: &Analysis) -> Option<String> {
    let compact = analysis.normalized.replace(' ', "");
    words.iter().find(|w| compact.contains(w.as_str())).cloned()
}

/// A lexicon word as the scan compares it: folded and simplified like messages are.
fn normalize_word(word: &str) -> String {
    let folded: String = word.trim().chars().map(fold).collect();
    fast2s::convert(&folded).replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        let lexicon = Lexicon::builtin().with(&Lexicon {
            synonyms: vec![
                vec!["物流停滞".into(), "发不了货".into(), "物流不动".into()],
                vec!["优惠券".into(), "券".into()],
                vec!["退款".into(), "退钱".into()],
            ],
            terms: vec!["明前龙井".into()],
            blocked: vec!["傻逼".into()],
            ..Lexicon::default()
        });
        Analyzer::new(&lexicon)
    }

    fn texts(a: &Analysis) -> Vec<String> {
        a.words
            .iter()
            .map(|w| {
                if w.negated {
                    format!("¬{}", w.text)
                } else {
                    w.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn width_traditional_case_and_emoji_are_folded() {
        let a = analyzer().analyze("ＯＫ嗎？幾天發貨😭😭");
        assert!(a.signals.traditional);
        assert_eq!(a.signals.questions, 1);
        assert!(
            a.normalized.starts_with("ok吗 几天发货"),
            "{}",
            a.normalized
        );
        assert!(texts(&a).contains(&"发货".to_owned()), "{:?}", texts(&a));
    }

    #[test]
    fn stretches_and_filler_go() {
        let a = analyzer().analyze("亲亲在吗啊啊啊啊 这个茶叶好喝吗哈哈哈！！！");
        assert_eq!(a.signals.exclamations, 3);
        let words = texts(&a);
        assert!(
            !words
                .iter()
                .any(|w| w == "亲" || w == "啊" || w == "哈" || w == "吗")
        );
        assert!(words.contains(&"茶叶".to_owned()), "{words:?}");
        // Two of a kind stay: 谢谢 is a word.
        assert!(analyzer().analyze("谢谢").normalized.contains("谢谢"));
    }

    #[test]
    fn colloquial_words_and_synonyms_are_read_as_the_standard_word() {
        let a = analyzer().analyze("阔以退钱不");
        assert!(a.normalized.starts_with("可以退款"), "{}", a.normalized);
        assert!(a.fired.contains(&"阔以 → 可以".to_owned()), "{:?}", a.fired);
        assert!(a.fired.contains(&"退钱 → 退款".to_owned()));
        let b = analyzer().analyze("我的包裹一直发不了货");
        assert!(
            texts(&b).contains(&"物流停滞".to_owned()),
            "{:?}",
            texts(&b)
        );
        // The longest match wins: 优惠券 is not 优惠 + 优惠券.
        assert_eq!(
            analyzer().analyze("优惠券怎么用").normalized,
            "优惠券怎么用"
        );
        assert_eq!(analyzer().analyze("有券吗").normalized, "有优惠券吗");
    }

    #[test]
    fn ascii_shorthand_only_matches_whole_words() {
        assert!(analyzer().analyze("发sf吗").normalized.contains("顺丰"));
        assert!(!analyzer().analyze("sfx").normalized.contains("顺丰"));
    }

    #[test]
    fn shop_terms_stay_whole() {
        let words = texts(&analyzer().analyze("明前龙井怎么泡"));
        assert_eq!(words.first().map(String::as_str), Some("明前龙井"));
    }

    #[test]
    fn a_yes_no_question_is_not_a_negation() {
        assert_eq!(a_not_a("招不招主播").as_deref(), Some("招主播"));
        assert_eq!(a_not_a("包不包邮").as_deref(), Some("包邮"));
        assert_eq!(a_not_a("有没有赠品").as_deref(), Some("有赠品"));
        assert_eq!(a_not_a("不想退了"), None);
        let analysis = Analyzer::new(&Lexicon::builtin()).analyze("发不发货啊");
        assert!(analysis.words.iter().all(|w| !w.negated), "{analysis:?}");
    }

    #[test]
    fn negation_marks_what_follows() {
        let words = texts(&analyzer().analyze("我不想退了"));
        assert!(words.contains(&"¬退".to_owned()), "{words:?}");
        let words = texts(&analyzer().analyze("没收到货"));
        assert!(words.iter().any(|w| w.starts_with('¬')), "{words:?}");
        // 不错 is praise, not a negation.
        let words = texts(&analyzer().analyze("质量不错"));
        assert!(!words.iter().any(|w| w.starts_with('¬')), "{words:?}");
    }

    #[test]
    fn blocked_words_are_found() {
        let a = analyzer();
        assert_eq!(
            a.blocked_in(&a.analyze("你个傻 逼")),
            Some("傻逼".to_owned())
        );
        assert_eq!(a.blocked_in(&a.analyze("你好")), None);
    }

    #[test]
    fn angry_emoji_are_noticed() {
        assert!(analyzer().analyze("怎么还不发货😡").signals.angry_emoji);
    }
}
