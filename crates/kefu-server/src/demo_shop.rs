//! Demo commerce data for the two demo shops: a few hundred products and a few thousand orders
//! in every state, generated deterministically from a fixed seed so every screen looks lived in.

use std::collections::BTreeMap;

use kefu_domain::commerce::{
    AfterSaleStatus, OrderInput, OrderItem, Partner, PaymentStatus, ProductInput, Receiver,
    ShippingStatus, SkuInput,
};
use kefu_domain::money::Money;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoCatalogue {
    /// 山野茶铺.
    Tea,
    /// 潮玩数码.
    Digital,
}

/// One demo shop's catalogue and order history, ready to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCommerce {
    pub products: Vec<ProductInput>,
    /// Oldest first; order numbers grow with time.
    pub orders: Vec<OrderInput>,
}

/// How many members place the demo orders.
const MEMBERS: usize = 400;

/// The member id (the shop's buyer account id, used as `OrderInput::buyer_id`) of demo member `n`.
pub fn member_id(catalogue: DemoCatalogue, n: usize) -> String {
    format!("{}-m{n:04}", shop(catalogue).member_prefix)
}

/// Deterministic: the same (catalogue, now_ms) always gives the same data. No wall clock, no
/// thread_rng. Products do not depend on `now_ms` except for the year in their texts.
pub fn generate(catalogue: DemoCatalogue, now_ms: i64) -> DemoCommerce {
    let shop = shop(catalogue);
    let year = shanghai_date(now_ms).0;
    let products = products(shop, year, &mut StdRng::seed_from_u64(shop.seed));
    let names = buyer_names(shop, &mut StdRng::seed_from_u64(shop.seed ^ 0x4e41_4d45));
    let orders = orders(
        catalogue,
        &products,
        &names,
        now_ms,
        &mut StdRng::seed_from_u64(shop.seed ^ 0x4f52_4445),
    );
    DemoCommerce { products, orders }
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Asia/Shanghai, which has no daylight saving.
const SHANGHAI_OFFSET_MS: i64 = 8 * HOUR_MS;
/// Orders are placed over this many days before `now_ms`.
const HISTORY_DAYS: i64 = 90;
/// An order left unpaid this long is closed.
const UNPAID_WINDOW_MS: i64 = DAY_MS;

// ---------------------------------------------------------------------------------------------
// Data tables
// ---------------------------------------------------------------------------------------------

/// One line of a category: what its titles are built from.
struct Line {
    prefix: &'static str,
    name: &'static str,
    /// The `产地` attribute; empty for none.
    origin: &'static str,
    /// The price range of a 100 % variant, in yuan, when it differs from the category's.
    base_yuan: Option<(i64, i64)>,
}

const fn line(prefix: &'static str, name: &'static str, origin: &'static str) -> Line {
    Line {
        prefix,
        name,
        origin,
        base_yuan: None,
    }
}

/// A line of gadgets: no origin, its own price range.
const fn kind(name: &'static str, low_yuan: i64, high_yuan: i64) -> Line {
    Line {
        prefix: "",
        name,
        origin: "",
        base_yuan: Some((low_yuan, high_yuan)),
    }
}

/// A SKU a product may offer, priced relative to the product's base price.
struct Variant {
    name: &'static str,
    code: &'static str,
    percent: i64,
}

const fn v(name: &'static str, code: &'static str, percent: i64) -> Variant {
    Variant {
        name,
        code,
        percent,
    }
}

/// A category's products are every combination of line × style × grade, titled by `template`
/// (`{prefix}`, `{name}`, `{style}`, `{grade}`, `{year}`, `{vintage}`).
struct CategorySpec {
    name: &'static str,
    template: &'static str,
    lines: &'static [Line],
    styles: &'static [&'static str],
    grades: &'static [&'static str],
    variants: &'static [Variant],
    /// The price range of a 100 % variant, in yuan.
    base_yuan: (i64, i64),
    /// Further attributes: a key and the values to pick from.
    attributes: &'static [(&'static str, &'static [&'static str])],
}

struct PartnerSpec {
    name: &'static str,
    handoff_url: &'static str,
    shared_fields: &'static [&'static str],
}

/// A product a partner fulfils (CH-5).
struct PartnerOffer {
    title: &'static str,
    category: &'static str,
    partner: usize,
    variants: &'static [Variant],
    base_yuan: i64,
}

const fn offer(
    title: &'static str,
    category: &'static str,
    partner: usize,
    variants: &'static [Variant],
    base_yuan: i64,
) -> PartnerOffer {
    PartnerOffer {
        title,
        category,
        partner,
        variants,
        base_yuan,
    }
}

/// An order the demo conversations talk about, or one of those members' other orders.
struct Scripted {
    member: usize,
    age_minutes: i64,
    pick: Pick,
    fate: Fate,
    /// Fixed logistics; otherwise shipped orders get random ones.
    logistics: Option<(&'static str, &'static str)>,
}

const fn script(
    member: usize,
    age_minutes: i64,
    pick: Pick,
    fate: Fate,
    logistics: Option<(&'static str, &'static str)>,
) -> Scripted {
    Scripted {
        member,
        age_minutes,
        pick,
        fate,
        logistics,
    }
}

#[derive(Clone, Copy)]
enum Pick {
    Any,
    TitleContains(&'static str),
    Category(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fate {
    payment: PaymentStatus,
    shipping: ShippingStatus,
    after_sale: AfterSaleStatus,
}

const fn fate(
    payment: PaymentStatus,
    shipping: ShippingStatus,
    after_sale: AfterSaleStatus,
) -> Fate {
    Fate {
        payment,
        shipping,
        after_sale,
    }
}

const UNPAID: Fate = fate(
    PaymentStatus::Unpaid,
    ShippingStatus::Unshipped,
    AfterSaleStatus::None,
);
const CLOSED: Fate = fate(
    PaymentStatus::Closed,
    ShippingStatus::Unshipped,
    AfterSaleStatus::None,
);
const PAID: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Unshipped,
    AfterSaleStatus::None,
);
const SHIPPED: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Shipped,
    AfterSaleStatus::None,
);
const IN_TRANSIT: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::InTransit,
    AfterSaleStatus::None,
);
const DELIVERED: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Delivered,
    AfterSaleStatus::None,
);
const DELIVERED_ASKED: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Delivered,
    AfterSaleStatus::Requested,
);
const DELIVERED_PROCESSING: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Delivered,
    AfterSaleStatus::Processing,
);
const DELIVERED_REJECTED: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Delivered,
    AfterSaleStatus::Rejected,
);
/// An exchange or a repair, done.
const DELIVERED_COMPLETED: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Delivered,
    AfterSaleStatus::Completed,
);
/// Part of the money back, e.g. for a dented tin, and the goods kept.
const PARTLY_REFUNDED: Fate = fate(
    PaymentStatus::PartiallyRefunded,
    ShippingStatus::Delivered,
    AfterSaleStatus::Refunded,
);
/// Cancelled after paying, before shipping (仅退款).
const REFUNDED_UNSHIPPED: Fate = fate(
    PaymentStatus::Refunded,
    ShippingStatus::Unshipped,
    AfterSaleStatus::Refunded,
);
const RETURNING: Fate = fate(
    PaymentStatus::Paid,
    ShippingStatus::Returned,
    AfterSaleStatus::Processing,
);
const RETURNED_REFUNDED: Fate = fate(
    PaymentStatus::Refunded,
    ShippingStatus::Returned,
    AfterSaleStatus::Refunded,
);

struct Carrier {
    name: &'static str,
    prefix: &'static str,
    digits: usize,
    weight: u32,
}

const fn carrier(name: &'static str, prefix: &'static str, digits: usize, weight: u32) -> Carrier {
    Carrier {
        name,
        prefix,
        digits,
        weight,
    }
}

#[rustfmt::skip]
const CARRIERS: &[Carrier] = &[
    carrier("顺丰速运", "SF", 13, 22),
    carrier("中通快递", "7", 13, 24),
    carrier("圆通速递", "YT", 13, 18),
    carrier("韵达快递", "43", 13, 14),
    carrier("京东物流", "JDVA", 11, 14),
    carrier("邮政EMS", "11", 11, 8),
];

/// 满减: (threshold, off), in fen, best first.
const DISCOUNTS: &[(i64, i64)] = &[
    (99_900, 10_000),
    (49_900, 5_000),
    (29_900, 3_000),
    (19_900, 2_000),
    (9_900, 1_000),
];

/// Relative order volume by hour of day, Asia/Shanghai.
const HOUR_WEIGHTS: [u32; 24] = [
    4, 2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 10, 9, 8, 8, 8, 8, 9, 11, 13, 14, 12, 7,
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const ENGLISH_NAMES: &[&str] = &[
    "May", "Lily", "Kevin", "Coco", "Jason", "Cindy", "Tony", "Amy", "Leo", "Vivi", "Ken", "Anna",
];
const NICKNAMES: &[&str] = &[
    "夏天的风",
    "一只橙子",
    "奶茶续命",
    "晴天",
    "木子李",
    "momo",
    "喵喵酱",
    "柠檬不萌",
    "大白兔",
    "追光的人",
    "慢慢来",
    "Sunny",
    "阿杰",
    "小鹿乱撞",
    "南风知我意",
    "吃饱了再说",
    "Yuki",
    "星星点灯",
    "周末睡到自然醒",
    "打工人小林",
];

struct Shop {
    code_prefix: &'static str,
    order_prefix: &'static str,
    member_prefix: &'static str,
    seed: u64,
    categories: &'static [CategorySpec],
    partners: &'static [PartnerSpec],
    offers: &'static [PartnerOffer],
    /// Buyer names of members 0, 1, 2…, fixed because the demo conversations use them.
    special_names: &'static [&'static str],
    /// Nicknames only this shop's buyers use; `{x}` is 小 and a surname, or an English name.
    flavoured_names: &'static [&'static str],
    script: &'static [Scripted],
}

fn shop(catalogue: DemoCatalogue) -> &'static Shop {
    match catalogue {
        DemoCatalogue::Tea => &TEA,
        DemoCatalogue::Digital => &DIGITAL,
    }
}

const LOOSE_TEA: &[Variant] = &[
    v("50g 尝鲜装", "50", 100),
    v("100g 袋装", "100", 190),
    v("250g 罐装", "250", 450),
    v("500g 礼盒", "500", 880),
];
const PRESSED_TEA: &[Variant] = &[
    v("100g 尝鲜装", "100", 100),
    v("357g 标准饼", "357", 330),
    v("357g×7 整提", "7X357", 2200),
];
const FLOWER_TEA: &[Variant] = &[
    v("20包 袋泡", "20B", 100),
    v("50g 罐装", "50", 120),
    v("100g 罐装", "100", 220),
    v("3罐 组合装", "3J", 330),
];
const TEA_WARE: &[Variant] = &[
    v("标准款", "STD", 100),
    v("礼盒款", "GIFT", 130),
    v("全套装", "SET", 180),
];
const GIFT_BOX: &[Variant] = &[
    v("单盒", "1", 100),
    v("2盒 带礼袋", "2", 195),
    v("企业定制 10盒", "10", 900),
];
const TOUR_TICKET: &[Variant] = &[v("成人票", "ADULT", 100), v("亲子票 1大1小", "FAMILY", 160)];
const DRINK_VOUCHER: &[Variant] = &[
    v("单杯券", "1", 100),
    v("5杯券", "5", 460),
    v("10杯券", "10", 880),
];
const CLASS_TICKET: &[Variant] = &[v("单人", "1P", 100), v("双人", "2P", 180)];

const SHELF_LIFE_18: &[&str] = &["18个月"];
const SHELF_LIFE_24: &[&str] = &["24个月"];
const YEAR: &[&str] = &["{year}"];
const VINTAGE: &[&str] = &["{vintage}"];

const TEA_CATEGORIES: &[CategorySpec] = &[
    CategorySpec {
        name: "绿茶",
        template: "{prefix}{style}{name} {grade} {year}新茶",
        lines: &[
            line("西湖", "龙井", "浙江杭州"),
            line("洞庭山", "碧螺春", "江苏苏州"),
            line("黄山", "毛峰", "安徽黄山"),
            line("六安", "瓜片", "安徽六安"),
            line("信阳", "毛尖", "河南信阳"),
            line("太平", "猴魁", "安徽黄山"),
            line("安吉", "白茶", "浙江湖州"),
            line("峨眉山", "竹叶青", "四川乐山"),
        ],
        styles: &["明前", "雨前", "高山"],
        grades: &["特级", "一级", "精选"],
        variants: LOOSE_TEA,
        base_yuan: (39, 268),
        attributes: &[
            ("年份", YEAR),
            ("保质期", SHELF_LIFE_18),
            ("储存", &["冷藏密封"]),
        ],
    },
    CategorySpec {
        name: "红茶",
        template: "{prefix}{name} {style} {grade}",
        lines: &[
            line("武夷山", "金骏眉", "福建武夷山"),
            line("桐木关", "正山小种", "福建武夷山"),
            line("祁门", "红茶", "安徽祁门"),
            line("凤庆", "滇红", "云南临沧"),
            line("英德", "红茶", "广东英德"),
            line("坦洋", "工夫", "福建福安"),
            line("宜兴", "红茶", "江苏宜兴"),
        ],
        styles: &["蜜香型", "浓香型", "经典款", "古树"],
        grades: &["特级", "一级"],
        variants: LOOSE_TEA,
        base_yuan: (35, 198),
        attributes: &[
            ("年份", YEAR),
            ("保质期", SHELF_LIFE_24),
            ("储存", &["常温避光"]),
        ],
    },
    CategorySpec {
        name: "乌龙茶",
        template: "{prefix}{name} {style} {grade}",
        lines: &[
            line("安溪", "铁观音", "福建安溪"),
            line("武夷山", "大红袍", "福建武夷山"),
            line("武夷山", "肉桂", "福建武夷山"),
            line("武夷山", "水仙", "福建武夷山"),
            line("凤凰", "单丛", "广东潮州"),
            line("阿里山", "高山乌龙", "台湾嘉义"),
            line("安溪", "黄金桂", "福建安溪"),
            line("漳平", "水仙", "福建漳平"),
        ],
        styles: &["清香型", "浓香型", "炭焙"],
        grades: &["特级", "一级"],
        variants: LOOSE_TEA,
        base_yuan: (45, 238),
        attributes: &[
            ("年份", YEAR),
            ("保质期", SHELF_LIFE_24),
            ("储存", &["常温避光"]),
        ],
    },
    CategorySpec {
        name: "普洱",
        template: "{vintage}年 {prefix}{name} 普洱{style} {grade}",
        lines: &[
            line("勐海", "熟茶", "云南西双版纳"),
            line("易武", "古树生茶", "云南勐腊"),
            line("冰岛", "古树生茶", "云南临沧"),
            line("老班章", "生茶", "云南勐海"),
            line("布朗山", "熟茶", "云南勐海"),
            line("景迈山", "生茶", "云南普洱"),
            line("临沧", "宫廷熟茶", "云南临沧"),
        ],
        styles: &["饼茶", "七子饼", "紧压茶"],
        grades: &["", "珍藏", "口粮茶"],
        variants: PRESSED_TEA,
        base_yuan: (29, 299),
        attributes: &[
            ("年份", VINTAGE),
            ("保质期", &["长期存放"]),
            ("储存", &["通风干燥"]),
        ],
    },
    CategorySpec {
        name: "白茶",
        template: "{prefix}{name} {style} {grade} {vintage}年",
        lines: &[
            line("福鼎", "白毫银针", "福建福鼎"),
            line("福鼎", "白牡丹", "福建福鼎"),
            line("福鼎", "寿眉", "福建福鼎"),
            line("福鼎", "贡眉", "福建福鼎"),
            line("政和", "白牡丹", "福建政和"),
            line("松溪", "白茶", "福建松溪"),
        ],
        styles: &["紧压饼", "饼茶", "老白茶"],
        grades: &["", "珍藏", "口粮茶"],
        variants: PRESSED_TEA,
        base_yuan: (39, 259),
        attributes: &[
            ("年份", VINTAGE),
            ("保质期", &["长期存放"]),
            ("储存", &["通风干燥"]),
        ],
    },
    CategorySpec {
        name: "花草茶",
        template: "{prefix}{name} {style}",
        lines: &[
            line("平阴", "玫瑰花茶", "山东平阴"),
            line("横县", "茉莉花茶", "广西横州"),
            line("桐乡", "胎菊", "浙江桐乡"),
            line("宁夏", "枸杞菊花茶", "宁夏中宁"),
            line("", "桂花乌龙", "福建安溪"),
            line("", "蜜桃乌龙三角茶包", ""),
            line("", "大麦茶", ""),
            line("", "柠檬片", "四川安岳"),
            line("", "红枣桂圆茶", ""),
            line("", "金银花", "河南封丘"),
            line("", "荷叶茶", ""),
        ],
        styles: &["特级", "一级", "精选"],
        grades: &[""],
        variants: FLOWER_TEA,
        base_yuan: (19, 79),
        attributes: &[("保质期", SHELF_LIFE_18), ("储存", &["密封防潮"])],
    },
    CategorySpec {
        name: "茶具",
        template: "{prefix}{name} {style} {grade}",
        lines: &[
            line("宜兴", "紫砂壶", "江苏宜兴"),
            line("景德镇", "白瓷盖碗", "江西景德镇"),
            line("德化", "羊脂玉白瓷茶具", "福建德化"),
            line("建阳", "建盏", "福建南平"),
            line("龙泉", "青瓷公道杯", "浙江龙泉"),
            line("", "高硼硅玻璃茶壶", ""),
            line("", "旅行便携茶具", ""),
            line("", "竹制干泡茶盘", "福建建瓯"),
            line("", "手工锤纹铁壶", ""),
        ],
        styles: &["手工", "经典", "复古", "日式"],
        grades: &["", "家用款", "高端款"],
        variants: TEA_WARE,
        base_yuan: (128, 1280),
        attributes: &[("适用茶类", &["通用", "乌龙茶", "普洱", "绿茶", "红茶"])],
    },
    CategorySpec {
        name: "礼盒",
        template: "{style}{name} {grade}",
        lines: &[
            line("", "明前龙井礼盒", "浙江杭州"),
            line("", "大红袍礼盒", "福建武夷山"),
            line("", "金骏眉礼盒", "福建武夷山"),
            line("", "白茶饼礼盒", "福建福鼎"),
            line("", "普洱茶礼盒", "云南"),
            line("", "名茶组合礼盒", ""),
            line("", "茶具茶叶组合礼盒", ""),
        ],
        styles: &["新春", "中秋", "商务", "敬老"],
        grades: &["", "高端款", "精选款"],
        variants: GIFT_BOX,
        base_yuan: (168, 888),
        attributes: &[
            ("年份", YEAR),
            ("保质期", SHELF_LIFE_18),
            ("包装", &["礼盒装 附手提袋"]),
        ],
    },
];

const TEA_PARTNERS: &[PartnerSpec] = &[
    PartnerSpec {
        name: "携程",
        handoff_url: "https://partner.example/ctrip/tea-tours",
        shared_fields: &["order_no", "items", "buyer_name", "phone"],
    },
    PartnerSpec {
        name: "饿了么",
        handoff_url: "https://partner.example/eleme/shanye-tea",
        shared_fields: &["order_no", "items", "buyer_name", "address"],
    },
    PartnerSpec {
        name: "美团",
        handoff_url: "https://partner.example/meituan/tea-classes",
        shared_fields: &["order_no", "items", "buyer_name"],
    },
];

#[rustfmt::skip]
const TEA_OFFERS: &[PartnerOffer] = &[
    offer("西湖龙井茶园一日游体验券", "绿茶", 0, TOUR_TICKET, 198),
    offer("安吉白茶茶园采茶体验券", "绿茶", 0, TOUR_TICKET, 168),
    offer("茉莉奶绿门店外卖券", "绿茶", 1, DRINK_VOUCHER, 16),
    offer("门店奶茶外卖券", "红茶", 1, DRINK_VOUCHER, 15),
    offer("柠檬红茶门店外卖券", "红茶", 1, DRINK_VOUCHER, 13),
    offer("武夷山岩茶茶园一日游体验券", "乌龙茶", 0, TOUR_TICKET, 238),
    offer("安溪铁观音茶园研学一日游", "乌龙茶", 0, TOUR_TICKET, 188),
    offer("云南古树茶山两日游", "普洱", 0, TOUR_TICKET, 899),
    offer("福鼎白茶茶山一日游体验券", "白茶", 0, TOUR_TICKET, 218),
    offer("鲜果花茶门店外卖券", "花草茶", 1, DRINK_VOUCHER, 18),
    offer("茶艺入门体验课", "茶具", 2, CLASS_TICKET, 99),
    offer("宋式点茶体验课", "茶具", 2, CLASS_TICKET, 129),
    offer("紫砂壶手作体验课", "茶具", 2, CLASS_TICKET, 268),
    offer("亲子茶艺课", "茶具", 2, CLASS_TICKET, 158),
    offer("茶室包间 2小时体验券", "礼盒", 2, CLASS_TICKET, 128),
];

#[rustfmt::skip]
const TEA_SCRIPT: &[Scripted] = &[
    // 爱喝茶的阿May asks when her 明前龙井 ships.
    script(0, 2 * 60 + 17, Pick::TitleContains("明前龙井"), PAID, None),
    script(0, 9 * 1440 + 300, Pick::Any, CLOSED, None),
    script(0, 24 * 1440 + 610, Pick::Any, DELIVERED_COMPLETED, None),
    script(0, 47 * 1440 + 95, Pick::Any, DELIVERED, None),
    // 王先生 asks where his parcel is.
    script(1, 4 * 1440 + 23, Pick::Category("乌龙茶"), IN_TRANSIT, Some(("顺丰速运", "SF1452367788"))),
    script(1, 11 * 1440 + 480, Pick::Any, PARTLY_REFUNDED, None),
    script(1, 29 * 1440 + 720, Pick::Any, DELIVERED, None),
    script(1, 58 * 1440 + 130, Pick::Any, DELIVERED, None),
    // 陈女士's gift box arrived with its packaging crushed.
    script(2, 6 * 1440 + 185, Pick::Category("礼盒"), DELIVERED_ASKED, None),
    script(2, 19 * 1440 + 45, Pick::Any, DELIVERED, None),
    script(2, 40 * 1440 + 900, Pick::Any, REFUNDED_UNSHIPPED, None),
    script(2, 71 * 1440 + 260, Pick::Any, DELIVERED_REJECTED, None),
];

const TEA: Shop = Shop {
    code_prefix: "TEA",
    order_prefix: "T",
    member_prefix: "tea",
    seed: 0x5348_414e_5945_0001,
    categories: TEA_CATEGORIES,
    partners: TEA_PARTNERS,
    offers: TEA_OFFERS,
    special_names: &["爱喝茶的阿May", "王先生", "陈女士"],
    flavoured_names: &[
        "爱喝茶的{x}",
        "茶友{x}",
        "一壶清茶",
        "半盏时光",
        "茶小白",
        "山间清风",
        "煮茶的猫",
        "{x}爱喝茶",
    ],
    script: TEA_SCRIPT,
};

const COLOURS: &[Variant] = &[
    v("曜石黑", "BLK", 100),
    v("云母白", "WHT", 100),
    v("远峰蓝", "BLU", 100),
    v("樱花粉", "PNK", 100),
    v("薄荷绿", "GRN", 100),
    v("星光银", "SLV", 105),
    v("深空灰", "GRY", 100),
    v("限定款 落日橙", "ORG", 115),
];
const CAPACITIES: &[Variant] = &[
    v("5000mAh 白色", "5K-WHT", 75),
    v("10000mAh 白色", "10K-WHT", 100),
    v("10000mAh 黑色", "10K-BLK", 100),
    v("20000mAh 黑色", "20K-BLK", 160),
    v("20000mAh 白色", "20K-WHT", 160),
];
const LENGTHS: &[Variant] = &[
    v("0.5m 白色", "05M-WHT", 85),
    v("1m 白色", "1M-WHT", 100),
    v("1m 黑色", "1M-BLK", 100),
    v("2m 黑色", "2M-BLK", 130),
];
const WATCH_SIZES: &[Variant] = &[
    v("42mm 曜石黑", "42-BLK", 100),
    v("42mm 云母白", "42-WHT", 100),
    v("46mm 曜石黑", "46-BLK", 115),
    v("46mm 钛金属 星光银", "46-TI", 160),
];
const SERVICE: &[Variant] = &[v("标准服务", "STD", 100), v("加急服务", "FAST", 150)];
const COURIER: &[Variant] = &[v("3公里内", "3KM", 100), v("10公里内", "10KM", 170)];

const BRAND: (&str, &[&str]) = ("品牌", &["潮玩"]);
const WARRANTY: (&str, &[&str]) = ("保修", &["1年", "2年"]);

const DIGITAL_CATEGORIES: &[CategorySpec] = &[
    CategorySpec {
        name: "耳机",
        template: "{name} {style} {grade}",
        lines: &[
            kind("降噪蓝牙耳机", 299, 1299),
            kind("半入耳式蓝牙耳机", 99, 499),
            kind("运动挂耳式耳机", 129, 399),
            kind("头戴式降噪耳机", 399, 1999),
            kind("开放式气传导耳机", 199, 899),
            kind("游戏低延迟耳机", 99, 399),
        ],
        styles: &["Pro", "Air", "Lite", "Max", "Buds"],
        grades: &["", "2", "3", "SE"],
        variants: COLOURS,
        base_yuan: (99, 1299),
        attributes: &[
            BRAND,
            WARRANTY,
            ("蓝牙版本", &["5.3", "5.4"]),
            ("续航", &["24小时", "30小时", "40小时"]),
        ],
    },
    CategorySpec {
        name: "充电宝",
        template: "{name} {style} {grade}",
        lines: &[
            kind("磁吸无线充电宝", 129, 299),
            kind("22.5W快充充电宝", 59, 149),
            kind("65W笔记本充电宝", 199, 399),
            kind("自带线迷你充电宝", 69, 129),
            kind("户外大容量充电宝", 199, 599),
            kind("胶囊口袋充电宝", 49, 99),
        ],
        styles: &["MagGo", "Mini", "Pocket", "Power", "Slim"],
        grades: &["", "2", "Pro"],
        variants: CAPACITIES,
        base_yuan: (69, 299),
        attributes: &[
            BRAND,
            WARRANTY,
            ("接口", &["USB-C", "USB-C + USB-A"]),
            ("3C认证", &["是"]),
        ],
    },
    CategorySpec {
        name: "数据线",
        template: "{name} {style}",
        lines: &[
            kind("USB-C快充数据线", 19, 49),
            kind("MFi认证苹果数据线", 39, 99),
            kind("三合一充电线", 29, 69),
            kind("编织快充线", 29, 79),
            kind("磁吸充电线", 39, 89),
            kind("弯头游戏数据线", 29, 59),
            kind("USB-C转Lightning数据线", 39, 99),
        ],
        styles: &["60W", "100W", "240W", "27W", "Pro"],
        grades: &[""],
        variants: LENGTHS,
        base_yuan: (19, 99),
        attributes: &[BRAND, WARRANTY, ("线材", &["TPE", "尼龙编织", "液态硅胶"])],
    },
    CategorySpec {
        name: "手机壳",
        template: "{name} {style}",
        lines: &[
            kind("磁吸透明手机壳", 49, 129),
            kind("液态硅胶手机壳", 29, 89),
            kind("防摔气囊手机壳", 29, 69),
            kind("素皮商务手机壳", 59, 159),
            kind("支架指环手机壳", 39, 99),
        ],
        styles: &[
            "适用iPhone 16",
            "适用iPhone 16 Pro",
            "适用iPhone 16 Pro Max",
            "适用iPhone 15",
            "适用华为Mate 70",
            "适用小米15",
            "适用OPPO Find X8",
            "适用vivo X200",
        ],
        grades: &[""],
        variants: COLOURS,
        base_yuan: (29, 129),
        attributes: &[BRAND, ("材质", &["TPU", "液态硅胶", "PC", "素皮"])],
    },
    CategorySpec {
        name: "智能手表",
        template: "{name} {style} {grade}",
        lines: &[
            kind("运动智能手表", 399, 1499),
            kind("商务智能手表", 999, 2999),
            kind("儿童电话手表", 299, 999),
            kind("健康监测手环", 149, 399),
        ],
        styles: &["Watch GT", "Watch S", "Band", "Active"],
        grades: &["3", "4", "5", "Pro"],
        variants: WATCH_SIZES,
        base_yuan: (199, 1999),
        attributes: &[
            BRAND,
            WARRANTY,
            ("续航", &["7天", "14天"]),
            ("防水", &["5ATM"]),
        ],
    },
    CategorySpec {
        name: "蓝牙音箱",
        template: "{name} {style} {grade}",
        lines: &[
            kind("便携蓝牙音箱", 99, 399),
            kind("户外防水音箱", 199, 699),
            kind("桌面复古音箱", 199, 599),
            kind("智能语音音箱", 99, 499),
            kind("K歌麦克风音箱", 199, 899),
        ],
        styles: &["Go", "Boom", "Mini", "Party", "Retro"],
        grades: &["", "2", "3"],
        variants: COLOURS,
        base_yuan: (99, 899),
        attributes: &[
            BRAND,
            WARRANTY,
            ("防水", &["IPX5", "IP67"]),
            ("续航", &["12小时", "20小时"]),
        ],
    },
    CategorySpec {
        name: "键盘鼠标",
        template: "{name} {style} {grade}",
        lines: &[
            kind("三模机械键盘", 199, 699),
            kind("静音无线鼠标", 49, 149),
            kind("无线键鼠套装", 99, 299),
            kind("人体工学鼠标", 129, 499),
            kind("矮轴蓝牙键盘", 199, 599),
            kind("电竞游戏鼠标", 99, 499),
        ],
        styles: &["K2", "K8", "M3", "G5", "Air75"],
        grades: &["", "Pro", "SE"],
        variants: COLOURS,
        base_yuan: (59, 699),
        attributes: &[
            BRAND,
            WARRANTY,
            ("连接方式", &["蓝牙 + 2.4G", "有线 + 蓝牙 + 2.4G"]),
        ],
    },
    CategorySpec {
        name: "平板配件",
        template: "{name} {style}",
        lines: &[
            kind("磁吸平板保护套", 59, 199),
            kind("平板钢化膜", 29, 79),
            kind("电容触控笔", 99, 499),
            kind("折叠平板支架", 39, 129),
            kind("妙控键盘保护套", 299, 899),
            kind("类纸膜", 29, 69),
        ],
        styles: &[
            "适用iPad Air 11",
            "适用iPad Pro 13",
            "适用iPad mini 7",
            "适用小米平板7",
            "适用华为MatePad 11.5",
            "适用iPad 10",
        ],
        grades: &[""],
        variants: COLOURS,
        base_yuan: (29, 499),
        attributes: &[BRAND, WARRANTY],
    },
];

const DIGITAL_PARTNERS: &[PartnerSpec] = &[
    PartnerSpec {
        name: "美团上门",
        handoff_url: "https://partner.example/meituan/home-service",
        shared_fields: &["order_no", "items", "buyer_name", "phone", "address"],
    },
    PartnerSpec {
        name: "58到家",
        handoff_url: "https://partner.example/daojia/digital-care",
        shared_fields: &["order_no", "items", "buyer_name", "phone"],
    },
    PartnerSpec {
        name: "闪送",
        handoff_url: "https://partner.example/shansong/same-city",
        shared_fields: &["order_no", "items", "buyer_name", "address"],
    },
];

#[rustfmt::skip]
const DIGITAL_OFFERS: &[PartnerOffer] = &[
    offer("耳机深度清洁保养服务", "耳机", 1, SERVICE, 49),
    offer("耳机同城急送", "耳机", 2, COURIER, 18),
    offer("充电宝以旧换新上门回收", "充电宝", 1, SERVICE, 19),
    offer("充电宝1小时闪送到家", "充电宝", 2, COURIER, 15),
    offer("数据线1小时闪送到家", "数据线", 2, COURIER, 12),
    offer("手机贴膜上门服务", "手机壳", 0, SERVICE, 39),
    offer("手机壳定制刻字服务", "手机壳", 1, SERVICE, 29),
    offer("智能手表上门激活调试", "智能手表", 0, SERVICE, 59),
    offer("智能手表同城急送", "智能手表", 2, COURIER, 18),
    offer("蓝牙音箱上门安装调试", "蓝牙音箱", 0, SERVICE, 69),
    offer("家庭音响上门布线安装", "蓝牙音箱", 1, SERVICE, 199),
    offer("无线键鼠上门安装调试", "键盘鼠标", 0, SERVICE, 49),
    offer("平板贴膜上门服务", "平板配件", 0, SERVICE, 49),
    offer("触控笔同城急送", "平板配件", 2, COURIER, 15),
];

#[rustfmt::skip]
const DIGITAL_SCRIPT: &[Scripted] = &[
    script(0, 3 * 1440 + 200, Pick::Category("耳机"), IN_TRANSIT, None),
    script(0, 16 * 1440 + 75, Pick::Any, DELIVERED, None),
    script(0, 38 * 1440 + 540, Pick::Any, DELIVERED_COMPLETED, None),
    script(0, 66 * 1440 + 20, Pick::Any, CLOSED, None),
    script(1, 20 * 60 + 40, Pick::Category("数据线"), UNPAID, None),
    script(1, 8 * 1440 + 130, Pick::Category("键盘鼠标"), DELIVERED, None),
    script(1, 22 * 1440 + 700, Pick::Any, DELIVERED_PROCESSING, None),
    script(1, 45 * 1440 + 360, Pick::Any, DELIVERED, None),
    // 赵女士 asks why the power bank she paid for five days ago has not shipped.
    script(2, 5 * 1440 + 70, Pick::Category("充电宝"), PAID, None),
    script(2, 13 * 1440 + 600, Pick::Any, DELIVERED, None),
    script(2, 34 * 1440 + 210, Pick::Any, RETURNED_REFUNDED, None),
    script(2, 52 * 1440 + 1000, Pick::Any, DELIVERED, None),
];

const DIGITAL: Shop = Shop {
    code_prefix: "DIGI",
    order_prefix: "D",
    member_prefix: "digi",
    seed: 0x4348_414f_5741_0002,
    categories: DIGITAL_CATEGORIES,
    partners: DIGITAL_PARTNERS,
    offers: DIGITAL_OFFERS,
    special_names: &["数码控小张", "李同学", "赵女士"],
    flavoured_names: &[
        "数码控{x}",
        "极客{x}",
        "电量焦虑症",
        "耳机发烧友",
        "机械键盘党",
        "晚风与耳机",
        "{x}的数码日记",
    ],
    script: DIGITAL_SCRIPT,
};

// ---------------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------------

fn products(shop: &Shop, year: i32, rng: &mut StdRng) -> Vec<ProductInput> {
    let mut products = Vec::new();
    for category in shop.categories {
        let count = rng.random_range(30..=40);
        for combo in combos(category, count, rng) {
            let code = format!("{}-{:04}", shop.code_prefix, products.len() + 1);
            products.push(regular_product(code, category, combo, year, rng));
        }
        for offer in shop.offers.iter().filter(|o| o.category == category.name) {
            let code = format!("{}-{:04}", shop.code_prefix, products.len() + 1);
            products.push(partner_product(code, offer, shop.partners, rng));
        }
    }
    products
}

/// `count` distinct (line, style, grade) indices; the first combination always comes first,
/// so every category opens with its flagship (绿茶: 西湖明前龙井 特级).
fn combos(category: &CategorySpec, count: usize, rng: &mut StdRng) -> Vec<(usize, usize, usize)> {
    let (styles, grades) = (category.styles.len().max(1), category.grades.len().max(1));
    let total = category.lines.len() * styles * grades;
    let mut rest: Vec<usize> = (1..total).collect();
    rest.shuffle(rng);
    std::iter::once(0)
        .chain(rest)
        .take(count.min(total))
        .map(|i| (i / (styles * grades), (i / grades) % styles, i % grades))
        .collect()
}

fn regular_product(
    code: String,
    category: &CategorySpec,
    (line, style, grade): (usize, usize, usize),
    year: i32,
    rng: &mut StdRng,
) -> ProductInput {
    let line = &category.lines[line];
    let vintage = year - rng.random_range(1..=12);
    let fill = |text: &str| {
        text.replace("{year}", &year.to_string())
            .replace("{vintage}", &vintage.to_string())
    };
    let title = fill(
        &category
            .template
            .replace("{prefix}", line.prefix)
            .replace("{name}", line.name)
            .replace("{style}", category.styles.get(style).copied().unwrap_or(""))
            .replace("{grade}", category.grades.get(grade).copied().unwrap_or("")),
    );
    let mut attributes = BTreeMap::new();
    if !line.origin.is_empty() {
        attributes.insert("产地".to_owned(), line.origin.to_owned());
    }
    for (key, values) in category.attributes {
        attributes.insert((*key).to_owned(), fill(pick::<&str>(rng, values)));
    }
    let (low, high) = line.base_yuan.unwrap_or(category.base_yuan);
    let base_fen = rng.random_range(low..=high) * 100;
    ProductInput {
        skus: skus(&code, category.variants, base_fen, rng),
        code,
        title: squeeze_spaces(&title),
        category: category.name.to_owned(),
        image_url: None,
        attributes,
        partner: None,
    }
}

fn partner_product(
    code: String,
    offer: &PartnerOffer,
    partners: &[PartnerSpec],
    rng: &mut StdRng,
) -> ProductInput {
    let partner = partners.get(offer.partner).map(|p| Partner {
        name: p.name.to_owned(),
        handoff_url: p.handoff_url.to_owned(),
        shared_fields: p.shared_fields.iter().map(|f| (*f).to_owned()).collect(),
    });
    let mut attributes = BTreeMap::new();
    attributes.insert("有效期".to_owned(), "购买后90天内有效".to_owned());
    if let Some(p) = &partner {
        attributes.insert("服务商".to_owned(), p.name.clone());
    }
    ProductInput {
        skus: skus(&code, offer.variants, offer.base_yuan * 100, rng),
        code,
        title: offer.title.to_owned(),
        category: offer.category.to_owned(),
        image_url: None,
        attributes,
        partner,
    }
}

/// One to four of `variants`, in their table order.
fn skus(code: &str, variants: &[Variant], base_fen: i64, rng: &mut StdRng) -> Vec<SkuInput> {
    let wanted = match rng.random_range(0..100) {
        0..25 => 1,
        25..55 => 2,
        55..80 => 3,
        _ => 4,
    };
    let mut picked =
        rand::seq::index::sample(rng, variants.len(), wanted.min(variants.len())).into_vec();
    picked.sort_unstable();
    picked
        .into_iter()
        .filter_map(|i| variants.get(i))
        .map(|variant| SkuInput {
            code: format!("{code}-{}", variant.code),
            name: variant.name.to_owned(),
            price_fen: Money::from_fen(shop_price(base_fen * variant.percent / 100)),
            stock: stock(rng),
        })
        .collect()
}

/// Rounds a price to what shops charge: 39.90, 128, 299, 1299.
fn shop_price(fen: i64) -> i64 {
    let yuan = (fen + 50) / 100;
    if yuan < 100 {
        ((yuan + 5) / 10).max(1) * 1000 - 10
    } else if yuan < 1000 {
        let tens = (yuan + 5) / 10 * 10;
        if (tens / 10) % 2 == 0 {
            (tens - 1) * 100
        } else {
            (tens - 2) * 100
        }
    } else {
        let hundreds = (yuan + 50) / 100 * 100;
        if (hundreds / 100) % 2 == 0 {
            (hundreds - 12) * 100
        } else {
            (hundreds - 1) * 100
        }
    }
}

/// 0 to 500, sold out now and then.
fn stock(rng: &mut StdRng) -> i64 {
    if rng.random_bool(0.07) {
        0
    } else if rng.random_bool(0.6) {
        rng.random_range(20..=500)
    } else {
        rng.random_range(1..=60)
    }
}

// ---------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------

fn buyer_names(shop: &Shop, rng: &mut StdRng) -> Vec<String> {
    (0..MEMBERS)
        .map(|n| match shop.special_names.get(n) {
            Some(name) => (*name).to_owned(),
            None => nickname_unlike_special(shop, rng),
        })
        .collect()
}

/// A nickname no special member has, so the demo conversations' 王先生 is the only one.
fn nickname_unlike_special(shop: &Shop, rng: &mut StdRng) -> String {
    for _ in 0..8 {
        let name = nickname(shop, rng);
        if !shop.special_names.contains(&name.as_str()) {
            return name;
        }
    }
    (*pick(rng, NICKNAMES)).to_owned()
}

fn nickname(shop: &Shop, rng: &mut StdRng) -> String {
    let surname = pick(rng, SURNAMES);
    let english = pick(rng, ENGLISH_NAMES);
    match rng.random_range(0..100) {
        0..18 => format!("{surname}先生"),
        18..36 => format!("{surname}女士"),
        36..44 => format!("小{surname}"),
        44..48 => format!("老{surname}"),
        48..56 => format!("阿{english}"),
        56..62 => format!("{english}_{}", rng.random_range(1..100)),
        62..75 => {
            let x = if rng.random_bool(0.5) {
                format!("小{surname}")
            } else {
                (*english).to_owned()
            };
            pick(rng, shop.flavoured_names).replace("{x}", &x)
        }
        _ => (*pick(rng, NICKNAMES)).to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

/// The products orders are drawn from: bestsellers appear more often in `popular`.
struct Shelf<'a> {
    products: &'a [ProductInput],
    popular: Vec<usize>,
    partner: Vec<usize>,
}

impl<'a> Shelf<'a> {
    fn new(products: &'a [ProductInput], rng: &mut StdRng) -> Shelf<'a> {
        let mut popular = Vec::new();
        let mut partner = Vec::new();
        let mut category = "";
        for (i, product) in products.iter().enumerate() {
            if product.partner.is_some() {
                partner.push(i);
                continue;
            }
            // Each category's flagship sells best.
            let weight = if product.category != category {
                12
            } else {
                *pick(rng, &[1, 1, 1, 2, 2, 3, 4, 6])
            };
            category = product.category.as_str();
            popular.extend(std::iter::repeat_n(i, weight));
        }
        Shelf {
            products,
            popular,
            partner,
        }
    }

    /// A random SKU of product `index`; cheap things are bought two or three at a time.
    fn item(&self, index: usize, rng: &mut StdRng) -> Option<OrderItem> {
        let product = self.products.get(index)?;
        let sku = rng.random_range(0..product.skus.len().max(1));
        let cheap = product.skus.get(sku)?.price_fen < Money::from_fen(8_000);
        let quantity = match (cheap, rng.random_range(0..100)) {
            (true, 0..60) | (false, 0..90) => 1,
            (true, 60..88) | (false, _) => 2,
            (true, _) => 3,
        };
        line_item(product, sku, quantity)
    }

    /// One to three lines of regular products, no SKU twice.
    fn basket(&self, rng: &mut StdRng) -> Vec<OrderItem> {
        let lines = match rng.random_range(0..100) {
            0..70 => 1,
            70..92 => 2,
            _ => 3,
        };
        let mut items: Vec<OrderItem> = Vec::new();
        for _ in 0..lines {
            let Some(&index) = self
                .popular
                .get(rng.random_range(0..self.popular.len().max(1)))
            else {
                break;
            };
            if let Some(item) = self.item(index, rng)
                && !items.iter().any(|i| i.sku_code == item.sku_code)
            {
                items.push(item);
            }
        }
        items
    }

    fn partner_item(&self, rng: &mut StdRng) -> Option<OrderItem> {
        let index = *self
            .partner
            .get(rng.random_range(0..self.partner.len().max(1)))?;
        self.item(index, rng).map(|item| OrderItem {
            quantity: item.quantity.min(2),
            ..item
        })
    }

    fn scripted(&self, pick: Pick, rng: &mut StdRng) -> Vec<OrderItem> {
        let found = self.products.iter().position(|p| {
            p.partner.is_none()
                && match pick {
                    Pick::Any => false,
                    Pick::TitleContains(text) => p.title.contains(text),
                    Pick::Category(category) => p.category == category,
                }
        });
        let item = found
            .and_then(|index| self.products.get(index))
            .and_then(|product| line_item(product, 0, 1));
        match item {
            Some(item) => vec![item],
            None => self.basket(rng),
        }
    }
}

fn line_item(product: &ProductInput, sku: usize, quantity: i64) -> Option<OrderItem> {
    let sku = product.skus.get(sku)?;
    Some(OrderItem {
        product_code: product.code.clone(),
        sku_code: sku.code.clone(),
        title: format!("{} {}", product.title, sku.name),
        quantity,
        unit_price_fen: sku.price_fen,
    })
}

fn orders(
    catalogue: DemoCatalogue,
    products: &[ProductInput],
    names: &[String],
    now_ms: i64,
    rng: &mut StdRng,
) -> Vec<OrderInput> {
    let shop = shop(catalogue);
    let shelf = Shelf::new(products, rng);
    let mut orders = Vec::new();
    for script in shop.script {
        let items = shelf.scripted(script.pick, rng);
        let placed_at = now_ms - script.age_minutes * MINUTE_MS;
        let logistics = match script.logistics {
            Some((company, tracking)) => Some((company.to_owned(), tracking.to_owned())),
            None => shipped(script.fate).then(|| random_logistics(rng)),
        };
        let member = Member::of(catalogue, names, script.member);
        orders.push(order(member, placed_at, items, script.fate, logistics, rng));
    }

    // The special members have only their scripted orders; everyone else buys at random,
    // some a lot more often than others.
    let mut buyers = Vec::new();
    for n in shop.special_names.len()..MEMBERS {
        buyers.extend(std::iter::repeat_n(
            n,
            *pick(rng, &[1, 1, 1, 2, 2, 3, 4, 6, 9]),
        ));
    }
    let count = rng.random_range(2_800..=3_200);
    for _ in 0..count * 2 {
        if orders.len() >= count {
            break;
        }
        let member = Member::of(catalogue, names, *pick(rng, &buyers));
        let placed_at = random_placed_at(now_ms, rng);
        let partner_item = if rng.random_bool(0.03) {
            shelf.partner_item(rng)
        } else {
            None
        };
        let is_partner = partner_item.is_some();
        let items = match partner_item {
            Some(item) => vec![item],
            None => shelf.basket(rng),
        };
        if items.is_empty() {
            continue;
        }
        let fate = random_fate(now_ms - placed_at, is_partner, rng);
        let logistics = (shipped(fate) && !is_partner).then(|| random_logistics(rng));
        orders.push(order(member, placed_at, items, fate, logistics, rng));
    }

    orders.sort_by_key(|o| o.placed_at);
    for (i, order) in orders.iter_mut().enumerate() {
        let (year, month, day) = shanghai_date(order.placed_at);
        // Unique because 7919 is coprime to 10^6 and there are fewer than 10^6 orders.
        let serial = (i * 7_919 + 104_729) % 1_000_000;
        order.order_no = format!(
            "{}{year:04}{month:02}{day:02}{serial:06}",
            shop.order_prefix
        );
    }
    orders
}

struct Member {
    id: String,
    name: String,
}

impl Member {
    fn of(catalogue: DemoCatalogue, names: &[String], n: usize) -> Member {
        Member {
            id: member_id(catalogue, n),
            name: names.get(n).cloned().unwrap_or_default(),
        }
    }
}

/// The order number is filled in once all orders are sorted by time.
fn order(
    member: Member,
    placed_at: i64,
    items: Vec<OrderItem>,
    fate: Fate,
    logistics: Option<(String, String)>,
    rng: &mut StdRng,
) -> OrderInput {
    let subtotal: i64 = items
        .iter()
        .map(|i| i.quantity * i.unit_price_fen.fen())
        .sum();
    let discount = if rng.random_bool(0.3) {
        DISCOUNTS
            .iter()
            .find(|(threshold, _)| subtotal >= *threshold)
            .map_or(0, |(_, off)| *off)
    } else {
        0
    };
    let total_fen = (subtotal - discount).max(0);
    let paid_fen = match fate.payment {
        PaymentStatus::Unpaid | PaymentStatus::Closed => 0,
        PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded => {
            total_fen
        }
    };
    let (logistics_company, tracking_no) = match logistics {
        Some((company, tracking)) if shipped(fate) => (Some(company), Some(tracking)),
        _ => (None, None),
    };
    OrderInput {
        order_no: String::new(),
        buyer_id: member.id,
        buyer_name: member.name,
        placed_at,
        items,
        total_fen: Money::from_fen(total_fen),
        paid_fen: Money::from_fen(paid_fen),
        payment_status: fate.payment,
        shipping_status: fate.shipping,
        after_sale_status: fate.after_sale,
        logistics_company,
        tracking_no,
        // Its own generator, so the demo's other data stays what it was.
        receiver: Some(receiver(placed_at as u64)),
    }
}

/// Where the demo's orders go (issue #14: stored sealed, shown masked).
const GIVEN: [&str; 8] = ["小明", "丽", "伟", "芳", "静", "磊", "婷婷", "建国"];
const STREETS: [&str; 6] = [
    "浙江省杭州市西湖区文三路",
    "上海市浦东新区张杨路",
    "广东省深圳市南山区科技园路",
    "北京市朝阳区建国路",
    "四川省成都市武侯区人民南路",
    "江苏省南京市鼓楼区中山路",
];

fn receiver(seed: u64) -> Receiver {
    let rng = &mut StdRng::seed_from_u64(seed);
    let pick = |rng: &mut StdRng, list: &[&str]| list[rng.random_range(0..list.len())].to_owned();
    Receiver {
        name: pick(rng, SURNAMES) + &pick(rng, &GIVEN),
        phone: format!(
            "1{}{:09}",
            rng.random_range(3..=9),
            rng.random_range(0..1_000_000_000u32)
        ),
        address: format!(
            "{} {} 号 {} 室",
            pick(rng, &STREETS),
            rng.random_range(1..400),
            rng.random_range(101..2000)
        ),
    }
}

fn shipped(fate: Fate) -> bool {
    fate.shipping != ShippingStatus::Unshipped
}

/// Within the last 90 days, recent days busier, evenings busiest.
fn random_placed_at(now_ms: i64, rng: &mut StdRng) -> i64 {
    // A time later today than now is drawn again, so today has only its hours so far.
    for _ in 0..16 {
        let at = random_time_of_day(now_ms, rng);
        if at <= now_ms {
            return at;
        }
    }
    now_ms - rng.random_range(0..HOUR_MS)
}

fn random_time_of_day(now_ms: i64, rng: &mut StdRng) -> i64 {
    let days_ago = if rng.random_bool(0.5) {
        rng.random_range(0..HISTORY_DAYS)
    } else {
        rng.random_range(0..HISTORY_DAYS)
            .min(rng.random_range(0..HISTORY_DAYS))
    };
    let today = now_ms - (now_ms + SHANGHAI_OFFSET_MS).rem_euclid(DAY_MS);
    let day = today - days_ago * DAY_MS;
    let mut hour = 0;
    let mut roll = rng.random_range(0..HOUR_WEIGHTS.iter().sum::<u32>());
    for (h, weight) in HOUR_WEIGHTS.iter().enumerate() {
        if roll < *weight {
            hour = h as i64;
            break;
        }
        roll -= weight;
    }
    day + hour * HOUR_MS + rng.random_range(0..HOUR_MS)
}

/// Where an order placed `age_ms` ago stands now: paid within a day or closed, shipped within
/// two days, delivered a few days later; some end in an after-sale case.
fn random_fate(age_ms: i64, partner: bool, rng: &mut StdRng) -> Fate {
    let roll = rng.random_range(0..1000);
    if age_ms < UNPAID_WINDOW_MS && roll < 250 {
        return UNPAID;
    }
    if age_ms >= UNPAID_WINDOW_MS && roll < 55 {
        return CLOSED;
    }
    if rng.random_bool(0.015) {
        return REFUNDED_UNSHIPPED;
    }
    if partner {
        // A voucher is issued the moment it is paid.
        return DELIVERED;
    }
    let shipped_after = rng.random_range(2 * HOUR_MS..=48 * HOUR_MS);
    if age_ms < shipped_after {
        return if rng.random_bool(0.04) {
            fate(
                PaymentStatus::Paid,
                ShippingStatus::Unshipped,
                AfterSaleStatus::Requested,
            )
        } else {
            PAID
        };
    }
    let collected_after = shipped_after + rng.random_range(2 * HOUR_MS..=10 * HOUR_MS);
    if age_ms < collected_after {
        return SHIPPED;
    }
    let delivered_after = collected_after + rng.random_range(12 * HOUR_MS..=4 * DAY_MS);
    if age_ms < delivered_after {
        return if rng.random_bool(0.03) {
            // Asked to intercept the parcel.
            fate(
                PaymentStatus::Paid,
                ShippingStatus::InTransit,
                AfterSaleStatus::Requested,
            )
        } else {
            IN_TRANSIT
        };
    }
    after_delivery(age_ms - delivered_after, rng)
}

/// About one delivered order in eight gets an after-sale case; recent ones are still open.
fn after_delivery(since_ms: i64, rng: &mut StdRng) -> Fate {
    if !rng.random_bool(0.13) {
        return DELIVERED;
    }
    if since_ms < 2 * DAY_MS {
        return if rng.random_bool(0.6) {
            DELIVERED_ASKED
        } else {
            DELIVERED_PROCESSING
        };
    }
    let roll = rng.random_range(0..100);
    match roll {
        0..12 if since_ms < 10 * DAY_MS => RETURNING,
        0..12 => DELIVERED_PROCESSING,
        12..35 => RETURNED_REFUNDED,
        35..60 => PARTLY_REFUNDED,
        60..75 => DELIVERED_REJECTED,
        _ => DELIVERED_COMPLETED,
    }
}

fn random_logistics(rng: &mut StdRng) -> (String, String) {
    let mut roll = rng.random_range(0..CARRIERS.iter().map(|c| c.weight).sum::<u32>());
    let mut carrier = &CARRIERS[0];
    for c in CARRIERS {
        if roll < c.weight {
            carrier = c;
            break;
        }
        roll -= c.weight;
    }
    let digits: String = (0..carrier.digits)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    (
        carrier.name.to_owned(),
        format!("{}{digits}", carrier.prefix),
    )
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// One element of a non-empty constant table.
fn pick<'t, T>(rng: &mut StdRng, table: &'t [T]) -> &'t T {
    &table[rng.random_range(0..table.len())]
}

fn squeeze_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// (year, month, day) in Asia/Shanghai.
fn shanghai_date(ms: i64) -> (i32, u8, u8) {
    let seconds = (ms + SHANGHAI_OFFSET_MS).div_euclid(1000);
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| (t.year(), u8::from(t.month()), t.day()))
        .unwrap_or((1970, 1, 1))
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::time::Instant;

    use super::*;

    /// 2026-04-20 10:00 in Shanghai.
    const NOW: i64 = 1_776_650_400_000;

    fn both() -> [(DemoCatalogue, DemoCommerce); 2] {
        [
            (DemoCatalogue::Tea, generate(DemoCatalogue::Tea, NOW)),
            (
                DemoCatalogue::Digital,
                generate(DemoCatalogue::Digital, NOW),
            ),
        ]
    }

    fn orders_of(data: &DemoCommerce, catalogue: DemoCatalogue, n: usize) -> Vec<&OrderInput> {
        let id = member_id(catalogue, n);
        data.orders.iter().filter(|o| o.buyer_id == id).collect()
    }

    fn product<'a>(data: &'a DemoCommerce, code: &str) -> &'a ProductInput {
        data.products.iter().find(|p| p.code == code).unwrap()
    }

    #[test]
    fn the_same_shop_and_time_give_the_same_data() {
        for catalogue in [DemoCatalogue::Tea, DemoCatalogue::Digital] {
            assert_eq!(generate(catalogue, NOW), generate(catalogue, NOW));
        }
        let later = generate(DemoCatalogue::Tea, NOW + 7 * DAY_MS);
        assert_eq!(later.products, generate(DemoCatalogue::Tea, NOW).products);
    }

    #[test]
    fn member_ids_name_the_shop() {
        assert_eq!(member_id(DemoCatalogue::Tea, 1), "tea-m0001");
        assert_eq!(member_id(DemoCatalogue::Digital, 1), "digi-m0001");
    }

    #[test]
    fn counts_are_in_range_and_codes_unique() {
        for (catalogue, data) in both() {
            let products = data.products.len();
            assert!(
                (250..=350).contains(&products),
                "{catalogue:?}: {products} products"
            );
            assert!(
                (2_500..=3_500).contains(&data.orders.len()),
                "{catalogue:?}"
            );
            let codes: HashSet<_> = data.products.iter().map(|p| &p.code).collect();
            assert_eq!(codes.len(), products);
            let titles: HashSet<_> = data.products.iter().map(|p| &p.title).collect();
            assert_eq!(titles.len(), products, "titles repeat");
            let numbers: HashSet<_> = data.orders.iter().map(|o| &o.order_no).collect();
            assert_eq!(numbers.len(), data.orders.len());
            let partner = data.products.iter().filter(|p| p.partner.is_some()).count();
            assert!(
                (products / 30..=products / 12).contains(&partner),
                "{partner} partner products"
            );
            let buyers: HashSet<_> = data.orders.iter().map(|o| &o.buyer_id).collect();
            assert!(buyers.len() > 350, "{} buyers", buyers.len());
        }
    }

    #[test]
    fn every_product_and_order_passes_its_check_unchanged() {
        for (_, data) in both() {
            for p in &data.products {
                assert_eq!(&p.clone().check().unwrap(), p);
                assert!((1..=4).contains(&p.skus.len()));
                assert!(p.skus.iter().all(|s| (0..=500).contains(&s.stock)));
            }
            for o in &data.orders {
                assert_eq!(&o.clone().check().unwrap(), o);
            }
        }
    }

    #[test]
    fn order_items_are_real_skus_at_their_prices() {
        for (_, data) in both() {
            for o in &data.orders {
                assert!((1..=3).contains(&o.items.len()));
                let mut subtotal = 0;
                for item in &o.items {
                    let p = product(&data, &item.product_code);
                    let sku = p.skus.iter().find(|s| s.code == item.sku_code).unwrap();
                    assert_eq!(item.unit_price_fen, sku.price_fen);
                    assert_eq!(item.title, format!("{} {}", p.title, sku.name));
                    subtotal += item.quantity * item.unit_price_fen.fen();
                }
                let total = o.total_fen.fen();
                assert!(total <= subtotal && total >= subtotal - 10_000);
                assert!(total > 0);
            }
        }
    }

    #[test]
    fn every_status_appears_in_every_shop() {
        for (catalogue, data) in both() {
            for s in PaymentStatus::ALL {
                assert!(
                    data.orders.iter().any(|o| o.payment_status == *s),
                    "{catalogue:?} {s:?}"
                );
            }
            for s in ShippingStatus::ALL {
                assert!(
                    data.orders.iter().any(|o| o.shipping_status == *s),
                    "{catalogue:?} {s:?}"
                );
            }
            for s in AfterSaleStatus::ALL {
                assert!(
                    data.orders.iter().any(|o| o.after_sale_status == *s),
                    "{catalogue:?} {s:?}"
                );
            }
        }
    }

    #[test]
    fn statuses_money_and_logistics_agree() {
        use AfterSaleStatus as A;
        use PaymentStatus as P;
        use ShippingStatus as S;
        for (_, data) in both() {
            let mut names = HashMap::new();
            for o in &data.orders {
                let age = NOW - o.placed_at;
                assert!((0..=HISTORY_DAYS * DAY_MS).contains(&age), "{}", o.order_no);
                assert_eq!(
                    names.entry(&o.buyer_id).or_insert(&o.buyer_name),
                    &&o.buyer_name
                );
                match o.payment_status {
                    P::Unpaid | P::Closed => {
                        assert_eq!(o.paid_fen, Money::ZERO);
                        assert_eq!(
                            (o.shipping_status, o.after_sale_status),
                            (S::Unshipped, A::None)
                        );
                    }
                    _ => assert_eq!(o.paid_fen, o.total_fen),
                }
                if o.payment_status == P::Unpaid {
                    assert!(age < UNPAID_WINDOW_MS);
                }
                if o.after_sale_status == A::Refunded {
                    assert!(matches!(
                        o.payment_status,
                        P::Refunded | P::PartiallyRefunded
                    ));
                }
                if matches!(o.payment_status, P::Refunded | P::PartiallyRefunded) {
                    assert_eq!(o.after_sale_status, A::Refunded);
                }
                let by_partner = o
                    .items
                    .iter()
                    .any(|i| product(&data, &i.product_code).partner.is_some());
                let has_logistics = o.logistics_company.is_some() && o.tracking_no.is_some();
                assert_eq!(
                    has_logistics,
                    o.shipping_status != S::Unshipped && !by_partner,
                    "{}",
                    o.order_no
                );
                let date = shanghai_date(o.placed_at);
                let day = format!("{:04}{:02}{:02}", date.0, date.1, date.2);
                assert_eq!(o.order_no.get(1..9), Some(day.as_str()));
            }
            assert!(
                data.orders
                    .windows(2)
                    .all(|w| w[0].placed_at <= w[1].placed_at)
            );
        }
    }

    #[test]
    fn the_tea_shops_regulars_have_their_orders() {
        let tea = DemoCatalogue::Tea;
        let data = generate(tea, NOW);

        let may = orders_of(&data, tea, 0);
        assert!(may.iter().all(|o| o.buyer_name == "爱喝茶的阿May"));
        let latest = may.last().unwrap();
        assert!(latest.items[0].title.contains("明前龙井"));
        assert_eq!(
            (latest.payment_status, latest.shipping_status),
            (PaymentStatus::Paid, ShippingStatus::Unshipped)
        );
        assert!(NOW - latest.placed_at < DAY_MS);

        let wang = orders_of(&data, tea, 1);
        assert!(wang.iter().all(|o| o.buyer_name == "王先生"));
        let parcel = wang.last().unwrap();
        assert_eq!(parcel.tracking_no.as_deref(), Some("SF1452367788"));
        assert_eq!(parcel.logistics_company.as_deref(), Some("顺丰速运"));
        assert_eq!(
            (parcel.payment_status, parcel.shipping_status),
            (PaymentStatus::Paid, ShippingStatus::InTransit)
        );
        assert_eq!((NOW - parcel.placed_at) / DAY_MS, 4);

        let chen = orders_of(&data, tea, 2);
        assert!(chen.iter().all(|o| o.buyer_name == "陈女士"));
        let damaged = chen
            .iter()
            .find(|o| o.after_sale_status == AfterSaleStatus::Requested)
            .unwrap();
        assert_eq!(damaged.shipping_status, ShippingStatus::Delivered);
        assert_eq!(
            product(&data, &damaged.items[0].product_code).category,
            "礼盒"
        );
        assert_eq!((NOW - damaged.placed_at) / DAY_MS, 6);

        for orders in [may, wang, chen] {
            assert!((3..=6).contains(&orders.len()));
            let states: HashSet<_> = orders
                .iter()
                .map(|o| (o.payment_status, o.shipping_status, o.after_sale_status))
                .collect();
            assert!(states.len() >= 3, "mixed states");
        }
    }

    #[test]
    fn the_digital_shops_regulars_have_their_orders() {
        let digital = DemoCatalogue::Digital;
        let data = generate(digital, NOW);
        let zhao = orders_of(&data, digital, 2);
        assert!(zhao.iter().all(|o| o.buyer_name == "赵女士"));
        let waiting = zhao
            .iter()
            .find(|o| {
                o.payment_status == PaymentStatus::Paid
                    && o.shipping_status == ShippingStatus::Unshipped
            })
            .unwrap();
        assert_eq!(
            product(&data, &waiting.items[0].product_code).category,
            "充电宝"
        );
        assert_eq!((NOW - waiting.placed_at) / DAY_MS, 5);
        for (n, name) in [(0, "数码控小张"), (1, "李同学"), (2, "赵女士")] {
            let orders = orders_of(&data, digital, n);
            assert!((3..=6).contains(&orders.len()));
            assert!(orders.iter().all(|o| o.buyer_name == name));
        }
    }

    #[test]
    fn generation_is_quick() {
        let started = Instant::now();
        let data = generate(DemoCatalogue::Tea, NOW);
        assert!(!data.orders.is_empty());
        // Generous for a loaded debug build; release takes a few milliseconds.
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn prices_look_like_shop_prices() {
        assert_eq!(shop_price(3_950), 3_990);
        assert_eq!(shop_price(12_700), 12_800);
        assert_eq!(shop_price(30_100), 29_900);
        assert_eq!(shop_price(130_000), 129_900);
        for (_, data) in both() {
            for sku in data.products.iter().flat_map(|p| &p.skus) {
                assert!(sku.price_fen.fen() >= 990, "{}", sku.price_fen);
            }
        }
    }
}
