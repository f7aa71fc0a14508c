//! Lexicons (BOT-2): what a shop teaches the robot about its buyers' words. Synonyms map to
//! the group's first word, colloquial and dialect words to their standard form, negation words
//! mark what follows as negated, terms are kept whole by the segmenter, and blocked words make
//! the robot hand the conversation to a person. Built-in defaults cover common chat Chinese;
//! a shop's own lexicon is added on top.

use std::collections::BTreeMap;

use kefu_domain::error_code::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A shop's lexicons, as stored and as `--lexicon FILE` reads them (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Lexicon {
    /// Groups of words that mean the same; the first is the one matched on.
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
    /// Colloquial or dialect word → standard word (阔以 → 可以).
    #[serde(default)]
    pub colloquial: BTreeMap<String, String>,
    /// Words that negate what follows (不, 没, 不想 …).
    #[serde(default)]
    pub negations: Vec<String>,
    /// Product names and jargon the segmenter keeps whole.
    #[serde(default)]
    pub terms: Vec<String>,
    /// Words the robot never answers: the conversation goes to a person.
    #[serde(default)]
    pub blocked: Vec<String>,
    /// Sensitive matters (account security, money disputes): a person handles them, however
    /// sure the robot is (issue #16). `None`: the built-in list (`BUILTIN_SENSITIVE`); a
    /// shop's own list replaces it whole, so a shop may drop a built-in word too.
    #[serde(default)]
    pub sensitive: Option<Vec<String>>,
}

/// Account security and money disputes: never the robot's to answer.
pub const BUILTIN_SENSITIVE: &[&str] = &[
    "被盗",
    "盗号",
    "盗刷",
    "盗用",
    "密码被改",
    "异地登录",
    "验证码",
    "账号冻结",
    "账户冻结",
    "多扣",
    "重复扣",
    "扣了两",
    "扣两次",
    "乱扣",
    "被骗",
    "诈骗",
    "骗子",
];

impl Lexicon {
    /// The sensitive words in force: the shop's list, or the built-in one.
    pub fn sensitive_words(&self) -> Vec<String> {
        match &self.sensitive {
            Some(list) => list.clone(),
            None => BUILTIN_SENSITIVE.iter().map(|w| (*w).to_owned()).collect(),
        }
    }
}

/// Colloquial, dialect and internet spellings every shop's buyers use.
const BUILTIN_COLLOQUIAL: &[(&str, &str)] = &[
    ("双十一", "双11"),
    ("双十二", "双12"),
    ("几时", "什么时候"),
    ("阔以", "可以"),
    ("可以不", "可以吗"),
    ("木有", "没有"),
    ("莫得", "没有"),
    ("没得", "没有"),
    ("神马", "什么"),
    ("啥子", "什么"),
    ("肿么", "怎么"),
    ("咋个", "怎么"),
    ("咋样", "怎么样"),
    ("咋", "怎么"),
    ("啥", "什么"),
    ("巴适", "好"),
    ("晓得", "知道"),
    ("造吗", "知道吗"),
    ("酱紫", "这样子"),
    ("介个", "这个"),
    ("稀饭", "喜欢"),
    ("童鞋", "同学"),
    ("灰常", "非常"),
    ("伐", "吗"),
    ("伐啦", "吗"),
    ("多久能到", "多久到"),
    ("kd", "快递"),
    ("sf", "顺丰"),
    ("jd", "京东"),
    ("tk", "退款"),
    ("thx", "谢谢"),
    ("pls", "请"),
];

/// English words buyers mix into Chinese ("发货time多久", "refund几天到") or write whole
/// questions in, read as the Chinese word the knowledge base uses (issue #16). Whole words
/// only: "ship" in "shipping" is not "ship".
const BUILTIN_ENGLISH: &[(&str, &str)] = &[
    ("time", "时间"),
    ("when", "什么时候"),
    ("how", "怎么"),
    ("what", "什么"),
    ("where", "哪里"),
    ("long", "多久"),
    ("day", "天"),
    ("days", "天"),
    ("today", "今天"),
    ("tomorrow", "明天"),
    ("ship", "发货"),
    ("ships", "发货"),
    ("shipping", "发货"),
    ("shipped", "发货"),
    ("send", "发货"),
    ("deliver", "送达"),
    ("delivery", "配送"),
    ("delivered", "送达"),
    ("arrive", "到"),
    ("arrival", "到"),
    ("receive", "收到"),
    ("received", "收到"),
    ("express", "快递"),
    ("courier", "快递"),
    ("tracking", "物流"),
    ("logistics", "物流"),
    ("package", "包裹"),
    ("parcel", "包裹"),
    ("postage", "运费"),
    ("freight", "运费"),
    ("order", "订单"),
    ("orders", "订单"),
    ("cancel", "取消"),
    ("address", "地址"),
    ("change", "改"),
    ("refund", "退款"),
    ("refunds", "退款"),
    ("return", "退货"),
    ("returns", "退货"),
    ("exchange", "换货"),
    ("size", "尺码"),
    ("sizes", "尺码"),
    ("color", "颜色"),
    ("colour", "颜色"),
    ("price", "价格"),
    ("cheap", "便宜"),
    ("cheaper", "便宜"),
    ("discount", "优惠"),
    ("coupon", "优惠券"),
    ("coupons", "优惠券"),
    ("invoice", "发票"),
    ("receipt", "发票"),
    ("pay", "付款"),
    ("payment", "付款"),
    ("paid", "付款"),
    ("stock", "库存"),
    ("quality", "质量"),
    ("broken", "坏了"),
    ("damaged", "破损"),
    ("fake", "假货"),
    ("genuine", "正品"),
    ("gift", "赠品"),
    ("warranty", "保修"),
    ("install", "安装"),
    ("manual", "说明书"),
    ("battery", "电池"),
    ("charge", "充电"),
    ("waterproof", "防水"),
    ("bluetooth", "蓝牙"),
    ("expire", "过期"),
    ("expiry", "保质期"),
    ("fast", "快"),
    ("slow", "慢"),
];

/// Negation words; longer ones are tried first.
const BUILTIN_NEGATIONS: &[&str] = &[
    "不想",
    "不要",
    "不用",
    "不需要",
    "不能",
    "不会",
    "没有",
    "无需",
    "别",
    "不",
    "没",
    "未",
    "甭",
];

impl Lexicon {
    /// The defaults every robot starts from.
    pub fn builtin() -> Lexicon {
        Lexicon::builtin_for(false)
    }

    /// The defaults for a knowledge base in Chinese (`true`: English words read as Chinese)
    /// or not (an English knowledge base keeps its own words).
    pub fn builtin_for(chinese: bool) -> Lexicon {
        let english: &[(&str, &str)] = if chinese { BUILTIN_ENGLISH } else { &[] };
        Lexicon {
            synonyms: vec![],
            colloquial: BUILTIN_COLLOQUIAL
                .iter()
                .chain(english)
                .map(|(from, to)| ((*from).to_owned(), (*to).to_owned()))
                .collect(),
            negations: BUILTIN_NEGATIONS.iter().map(|w| (*w).to_owned()).collect(),
            terms: vec![],
            blocked: vec![],
            sensitive: None,
        }
    }

    /// This lexicon with `shop`'s entries added; the shop wins where both map a word.
    pub fn with(mut self, shop: &Lexicon) -> Lexicon {
        self.synonyms.extend(shop.synonyms.iter().cloned());
        for (from, to) in &shop.colloquial {
            self.colloquial.insert(from.clone(), to.clone());
        }
        if let Some(list) = &shop.sensitive {
            self.sensitive = Some(list.clone());
        }
        for (list, more) in [
            (&mut self.negations, &shop.negations),
            (&mut self.terms, &shop.terms),
            (&mut self.blocked, &shop.blocked),
        ] {
            for word in more {
                if !list.contains(word) {
                    list.push(word.clone());
                }
            }
        }
        self
    }

    /// The stable code of the first problem: empty words, a synonym group of one, or more
    /// than the limits (200 groups, 2,000 words in all).
    pub fn check(&self) -> Result<(), ErrorCode> {
        let words = self.synonyms.iter().map(Vec::len).sum::<usize>()
            + self.colloquial.len()
            + self.negations.len()
            + self.terms.len()
            + self.blocked.len()
            + self.sensitive.as_ref().map_or(0, Vec::len);
        let empty = |w: &String| w.trim().is_empty() || w.chars().count() > 32;
        if self
            .synonyms
            .iter()
            .any(|g| g.len() < 2 || g.iter().any(empty))
            || self.colloquial.iter().any(|(a, b)| empty(a) || empty(b))
            || self.negations.iter().any(empty)
            || self.terms.iter().any(empty)
            || self.blocked.iter().any(empty)
            || self.sensitive.iter().flatten().any(empty)
        {
            return Err(ErrorCode::InvalidLexicon);
        }
        if self.synonyms.len() > 200 || words > 2_000 {
            return Err(ErrorCode::LexiconTooLarge);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_lexicon_adds_to_the_builtin_one() {
        let shop = Lexicon {
            colloquial: [("巴适".to_owned(), "舒服".to_owned())].into(),
            terms: vec!["明前龙井".into()],
            negations: vec!["不".into()],
            ..Lexicon::default()
        };
        let merged = Lexicon::builtin().with(&shop);
        assert_eq!(merged.colloquial["巴适"], "舒服");
        assert_eq!(merged.colloquial["阔以"], "可以");
        assert_eq!(merged.terms, ["明前龙井"]);
        assert_eq!(merged.negations.iter().filter(|w| *w == "不").count(), 1);
    }

    #[test]
    fn bad_lexicons_are_refused_with_a_code() {
        assert_eq!(Lexicon::builtin().check(), Ok(()));
        let lonely = Lexicon {
            synonyms: vec![vec!["退款".into()]],
            ..Lexicon::default()
        };
        assert_eq!(lonely.check(), Err(ErrorCode::InvalidLexicon));
        let blank = Lexicon {
            blocked: vec![" ".into()],
            ..Lexicon::default()
        };
        assert_eq!(blank.check(), Err(ErrorCode::InvalidLexicon));
        let huge = Lexicon {
            terms: (0..2_001).map(|i| format!("词{i}")).collect(),
            ..Lexicon::default()
        };
        assert_eq!(huge.check(), Err(ErrorCode::LexiconTooLarge));
    }
}
