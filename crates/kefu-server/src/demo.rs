//! The demo: a platform desk and two shops with their teams, a few buyers and their past
//! conversations, and each shop's catalogue and orders (`demo_shop`), so a newcomer sees a
//! living product. Seeding is idempotent: a tenant that already exists keeps its people and
//! conversations, and a shop that already has products keeps them.

use kefu_domain::account::{Buyer, Tenant, TenantKind, User};
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::{
    AfterSaleStatus, EntryContext, OrderCard, OrderInput, PaymentStatus, ShippingStatus,
};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::guard::ApprovalKind;
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::money::Money;
use kefu_domain::role::{Permission, Role};
use kefu_domain::time::now_ms;
use kefu_store::{AppendRequest, NewApproval, NewAudit, NewUser, Store};
use uuid::Uuid;

use crate::auth::{self, EntryClaims};
use crate::demo_shop::{self, DemoCatalogue, DemoCommerce, member_id};
use crate::error::ApiError;

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "kefu-demo-2026";

/// (buyer name, [(from the buyer?, text)], resolved?)
type DemoBuyer = (&'static str, &'static [(bool, &'static str)], bool);

struct DemoTenant {
    kind: TenantKind,
    slug: &'static str,
    name: &'static str,
    prefix: &'static str,
    /// The shop's generated catalogue; demo buyer `i` is its member `i`.
    catalogue: Option<DemoCatalogue>,
    buyers: &'static [DemoBuyer],
}

const TENANTS: [DemoTenant; 3] = [
    DemoTenant {
        kind: TenantKind::Platform,
        slug: "official",
        name: "平台官方客服",
        prefix: "official",
        catalogue: None,
        buyers: &[(
            "赵女士",
            &[
                (
                    true,
                    "潮玩数码的充电宝下单五天了一直不发货，可以平台介入吗？",
                ),
                (
                    false,
                    "您好，这里是平台官方客服。我们看到了您在潮玩数码的订单，马上帮您催促商家。",
                ),
                (true, "好的，麻烦了"),
            ],
            false,
        )],
    },
    DemoTenant {
        kind: TenantKind::Shop,
        slug: "shanye-tea",
        name: "山野茶铺",
        prefix: "tea",
        catalogue: Some(DemoCatalogue::Tea),
        buyers: &[
            (
                "爱喝茶的阿May",
                &[
                    (true, "你好，明前龙井还有货吗？"),
                    (
                        false,
                        "亲，有的哦～今年的明前龙井刚到货，250g 礼盒装现在有满减。",
                    ),
                    (true, "阔以，那我下单了"),
                ],
                true,
            ),
            (
                "王先生",
                &[
                    (true, "我的快递三天没动了，单号 SF1452367788"),
                    (false, "非常抱歉让您久等了，我马上联系顺丰核实物流情况。"),
                ],
                false,
            ),
            (
                "陈女士",
                &[(true, "收到的茶叶包装破了，可以换一盒吗？")],
                false,
            ),
            ("访客8F3A", &[(true, "普洱生茶和熟茶有什么区别？")], false),
        ],
    },
    DemoTenant {
        kind: TenantKind::Shop,
        slug: "chaowan-digital",
        name: "潮玩数码",
        prefix: "digital",
        catalogue: Some(DemoCatalogue::Digital),
        buyers: &[
            (
                "数码控小张",
                &[
                    (true, "这款耳机支持降噪吗？"),
                    (false, "支持的，主动降噪最高 45dB，通勤很合适。"),
                ],
                true,
            ),
            ("李同学", &[(true, "直播间说的学生优惠怎么领？")], false),
            ("赵女士", &[(true, "充电宝发不了货吗？下单五天了")], false),
        ],
    },
];

/// How long ago each demo buyer's conversation happened, so lists read like a working day.
const DEMO_AGES_MS: [i64; 4] = [26 * 3_600_000, 5 * 3_600_000, 50 * 60_000, 12 * 60_000];

/// (username suffix, display name, role, team, phone)
const TEAM: [(&str, &str, Role, Option<&str>, &str); 6] = [
    ("admin", "店铺管理员", Role::SuperAdmin, None, "13800138000"),
    ("lead", "客服主管", Role::Supervisor, None, "13900139000"),
    (
        "pre1",
        "售前·小雨",
        Role::Agent,
        Some("pre_sales"),
        "13700137001",
    ),
    (
        "pre2",
        "售前·阿杰",
        Role::Agent,
        Some("pre_sales"),
        "13700137002",
    ),
    (
        "after1",
        "售后·晓峰",
        Role::Agent,
        Some("after_sales"),
        "13600136001",
    ),
    ("qa", "质检·林", Role::Qa, Some("qa"), "13500135001"),
];

/// What `kefu demo` prints: the chat pages, the logins, and entry links a shop's site would
/// make (`label`, path and query).
pub struct DemoSummary {
    pub tenants: Vec<(Tenant, Vec<String>)>,
    pub entry_links: Vec<(String, String)>,
}

pub async fn seed(store: &Store) -> Result<DemoSummary, ApiError> {
    let hash = auth::hash_password(DEMO_PASSWORD.to_owned()).await?;
    let now = now_ms();
    let mut summary = DemoSummary {
        tenants: vec![],
        entry_links: vec![],
    };
    for demo in &TENANTS {
        let usernames: Vec<String> = TEAM
            .iter()
            .map(|(suffix, ..)| format!("{}-{suffix}", demo.prefix))
            .collect();
        let (tenant, fresh) = match store.tenant_by_slug(demo.slug).await? {
            Some(existing) => (existing, false),
            None => (
                store
                    .create_tenant(
                        demo.kind,
                        demo.slug,
                        demo.name,
                        &auth::random_secret(),
                        |_| vec![],
                    )
                    .await?,
                true,
            ),
        };
        let commerce = match demo.catalogue {
            Some(catalogue) => Some(seed_commerce(store, &tenant, catalogue, now).await?),
            None => None,
        };
        if let Some((catalogue, data)) = demo.catalogue.zip(commerce.as_ref()) {
            summary
                .entry_links
                .extend(entry_links(store, &tenant, catalogue, data).await?);
        }
        if fresh {
            seed_people(store, demo, &tenant, &usernames, &hash, commerce.as_ref()).await?;
        }
        if demo.slug == "shanye-tea" {
            seed_robot(store, &tenant).await?;
            seed_automation(store, &tenant).await?;
        }
        summary.tenants.push((tenant, usernames));
    }
    Ok(summary)
}

/// The tea shop's automatic replies (WB-2), drafted and all off: the merchant turns on what
/// they want on the automation page. Kept once saved.
async fn seed_automation(store: &Store, tenant: &Tenant) -> Result<(), ApiError> {
    use kefu_domain::automation::AutoReplies;
    if store.shop_document::<AutoReplies>(tenant.id).await?.1 != 0 {
        return Ok(());
    }
    let draft = serde_json::json!({
        "welcome": {
            "text": "您好{买家}，欢迎光临山野茶铺！想了解哪款茶，直接问我就好～",
            "buttons": ["多久发货", "怎么退换货", "茶叶怎么保存", "有没有优惠"],
            "by_entry": [
                {"entry": "order_card", "text": "您好，是订单{订单号}的问题吗？请说说遇到了什么情况～", "buttons": ["查物流", "申请退款", "修改地址"]},
                {"entry": "live_room", "text": "欢迎从直播间过来！直播间的优惠下单时自动生效～", "buttons": ["直播间优惠", "什么时候发货"]}
            ]
        },
        "keywords": {"rules": [
            {"id": "invoice", "name": "发票", "keywords": ["发票", "开票"], "reply": "可以开电子发票，下单时填写抬头和税号即可，发货后 3 天内发到邮箱。", "cooldown_minutes": 30},
            {"id": "express", "name": "顺丰加急", "priority": 5, "keywords": ["顺丰", "加急"], "mode": "all", "reply": "可以发顺丰，补 10 元运费差价，付款后联系客服备注即可。", "cooldown_minutes": 30},
            {"id": "order-no", "name": "报订单号", "keywords": [], "pattern": "\\d{12,}", "reply": "收到订单号，客服马上为您查询～", "cooldown_minutes": 60}
        ]}
    });
    let replies: AutoReplies = serde_json::from_value(draft)
        .map_err(|e| ApiError::Internal(format!("the demo's automatic replies: {e}")))?;
    let replies = replies
        .check()
        .map_err(|e| ApiError::Internal(format!("the demo's automatic replies: {e}")))?;
    store
        .set_shop_document(tenant.id, &replies, |_| vec![])
        .await?;
    Ok(())
}

async fn seed_people(
    store: &Store,
    demo: &DemoTenant,
    tenant: &Tenant,
    usernames: &[String],
    hash: &str,
    commerce: Option<&DemoCommerce>,
) -> Result<(), ApiError> {
    let mut agents = vec![];
    let mut staff = vec![];
    for ((suffix, display, role, team, phone), username) in TEAM.iter().zip(usernames) {
        let display = if demo.kind == TenantKind::Platform {
            display.replace("店铺", "平台")
        } else {
            (*display).to_owned()
        };
        let user = store
            .create_user(
                &NewUser {
                    tenant_id: tenant.id,
                    username,
                    display_name: &display,
                    password_hash: hash,
                    role: *role,
                    team: *team,
                    phone: Some(phone),
                    probation_until: None,
                    created_by: None,
                },
                |_| vec![],
            )
            .await?;
        store.mark_phone_verified(tenant.id, user.id).await?;
        if *role == Role::Agent && suffix.starts_with("pre") {
            agents.push(user.clone());
        }
        staff.push(user);
    }
    let mut conversations = vec![];
    for (i, history) in demo.buyers.iter().enumerate() {
        // Shop buyers are the catalogue's members 0, 1, 2…; the platform desk's buyer is
        // the digital shop's member 2, whose order there has not shipped.
        let member = match demo.catalogue {
            Some(catalogue) => member_id(catalogue, i),
            None => member_id(DemoCatalogue::Digital, 2),
        };
        let buyer = store
            .upsert_buyer(
                tenant.id,
                Channel::Web,
                &format!("member:{member}"),
                history.0,
            )
            .await?;
        let agent = &agents[i % agents.len()];
        // Older buyers first: 26 h, 5 h, 50 min, 12 min ago.
        let age_ms = DEMO_AGES_MS[i % DEMO_AGES_MS.len()];
        let about = commerce.and_then(|c| demo_context(c, &member));
        let order_no = about
            .as_ref()
            .and_then(|(_, context, _)| context.order_no.clone());
        let conversation =
            seed_conversation(store, tenant, &buyer, agent, history, age_ms, about).await?;
        conversations.push((conversation, order_no));
    }
    if demo.kind == TenantKind::Shop {
        seed_guard_rails(store, tenant, &staff, &conversations).await?;
        crate::demo_work_orders::seed(store, tenant, &staff, &conversations).await?;
    }
    Ok(())
}

/// A live-stream support group granted for three days, an executed refund and a
/// compensation waiting for the supervisor, with their audit entries (ACC-3, ACC-5).
async fn seed_guard_rails(
    store: &Store,
    tenant: &Tenant,
    staff: &[User],
    conversations: &[(Uuid, Option<String>)],
) -> Result<(), ApiError> {
    let by = |suffix: &str| {
        staff
            .iter()
            .find(|u| u.username.ends_with(&format!("-{suffix}")))
            .ok_or_else(|| ApiError::Internal(format!("demo account {suffix}")))
    };
    let (admin, after, pre2) = (by("admin")?, by("after1")?, by("pre2")?);
    let audit = |actor: &User, action: &str, target: String, detail: serde_json::Value| {
        vec![NewAudit {
            tenant_id: tenant.id,
            actor_id: Some(actor.id),
            actor_name: actor.display_name.clone(),
            action: action.to_owned(),
            target,
            detail,
        }]
    };
    let group = store
        .create_group(
            tenant.id,
            "大促直播支援",
            "双十一直播期间协助分配会话、查看报表",
            &[Permission::ConversationAssign, Permission::ReportView],
            |group| {
                audit(
                    admin,
                    "group.create",
                    format!("group:{}", group.id),
                    serde_json::json!({ "name": group.name }),
                )
            },
        )
        .await?;
    let until = now_ms() + 3 * 86_400_000;
    store
        .grant_group(
            tenant.id,
            group.id,
            &[pre2.id],
            admin.id,
            Some(until),
            |_| {
                audit(
                    admin,
                    "group.grant",
                    format!("group:{}", group.id),
                    serde_json::json!({ "user_ids": [pre2.id], "expires_at": until }),
                )
            },
        )
        .await?;
    // 王先生 (member 1) gets ¥20 back for the slow parcel at once; 陈女士 (member 2) asks for
    // ¥600 for the broken gift box, above the ¥500 threshold.
    let requests = [
        (
            1,
            ApprovalKind::Compensation,
            2_000,
            "快递延误，补偿运费",
            true,
        ),
        (
            2,
            ApprovalKind::Compensation,
            60_000,
            "礼盒破损，买家要求补偿",
            false,
        ),
    ];
    for (index, kind, amount_fen, reason, at_once) in requests {
        let Some((conversation, Some(order_no))) = conversations.get(index) else {
            continue;
        };
        store
            .create_approval(
                &NewApproval {
                    tenant_id: tenant.id,
                    kind,
                    conversation_id: Some(*conversation),
                    order_no,
                    amount_fen: Some(Money::from_fen(amount_fen)),
                    payload: serde_json::json!({}),
                    reason,
                    requested_by: after.id,
                },
                at_once,
                |approval| {
                    audit(
                        after,
                        "compensation.request",
                        format!("order:{order_no}"),
                        serde_json::json!({ "approval_id": approval.id, "amount_fen": amount_fen, "status": approval.status }),
                    )
                },
            )
            .await?;
    }
    Ok(())
}

/// Imports the shop's generated catalogue and orders, unless it already has products.
/// The tea shop's knowledge base, lexicons and flows: the robot's evaluation set, which is
/// written as this kind of shop (BOT-1), and the flows of `demo_flows.json` (BOT-4). The
/// robot assists agents; the shop may put it first.
async fn seed_robot(store: &Store, tenant: &Tenant) -> Result<(), ApiError> {
    if !store.kb_entries(tenant.id).await?.is_empty() {
        return Ok(());
    }
    let (entries, _) = kefu_robot::parse_jsonl(include_str!("../../kefu-robot/eval/kb.jsonl"));
    let rows: Vec<(String, serde_json::Value)> = entries
        .into_iter()
        .map(|e| {
            let body = serde_json::to_value(&e).unwrap_or_default();
            (e.id, body)
        })
        .collect();
    store
        .upsert_kb_entries(tenant.id, &rows, None, |_| vec![])
        .await?;
    // The multi-turn flows (BOT-4): track an order, return or exchange an item.
    let flows: Vec<kefu_robot::Flow> =
        serde_json::from_str(include_str!("demo_flows.json")).unwrap_or_default();
    for flow in flows.iter().filter(|f| f.check().is_ok()) {
        let body = serde_json::to_value(flow).unwrap_or_default();
        store
            .put_robot_flow(tenant.id, &flow.id, &body, None, |_| vec![])
            .await?;
    }
    let lexicon: serde_json::Value =
        serde_json::from_str(include_str!("../../kefu-robot/eval/lexicon.json"))
            .unwrap_or_default();
    store
        .set_robot_settings(
            tenant.id,
            &kefu_domain::robot::RobotSettings {
                mode: kefu_domain::robot::RobotMode::Assist,
                night_only: false,
                lexicon,
                kb_version: 0,
                answer_threshold: None,
            },
            |_| vec![],
        )
        .await?;
    Ok(())
}

async fn seed_commerce(
    store: &Store,
    tenant: &Tenant,
    catalogue: DemoCatalogue,
    now: i64,
) -> Result<DemoCommerce, ApiError> {
    let data = demo_shop::generate(catalogue, now);
    if store.products(tenant.id, "", 1).await?.is_empty() {
        for batch in data.products.chunks(500) {
            store.upsert_products(tenant.id, batch).await?;
        }
        for batch in data.orders.chunks(500) {
            store.upsert_orders(tenant.id, batch).await?;
        }
    }
    Ok(data)
}

/// The order a demo buyer's conversation is about: the newest one still waiting for
/// something (not yet delivered, or with an after-sale case open).
fn demo_context(data: &DemoCommerce, member: &str) -> Option<(Entry, EntryContext, OrderInput)> {
    let order = data
        .orders
        .iter()
        .filter(|o| o.buyer_id == member)
        .filter(|o| {
            matches!(o.after_sale_status, AfterSaleStatus::Requested)
                || (o.payment_status == PaymentStatus::Paid
                    && matches!(
                        o.shipping_status,
                        ShippingStatus::Unshipped | ShippingStatus::InTransit
                    ))
        })
        .max_by_key(|o| o.placed_at)?;
    let context = EntryContext {
        order_no: Some(order.order_no.clone()),
        ..EntryContext::default()
    };
    Some((Entry::OrderCard, context, order.clone()))
}

/// Links as the shop's site would make them: 王先生 taps 客服 on his parcel's order card,
/// and a visitor comes from a live room about the shop's best seller.
async fn entry_links(
    store: &Store,
    tenant: &Tenant,
    catalogue: DemoCatalogue,
    data: &DemoCommerce,
) -> Result<Vec<(String, String)>, ApiError> {
    let secret = store
        .identity_secrets(tenant.id)
        .await?
        .ok_or(ErrorCode::ShopNotFound)?
        .current;
    let mut links = vec![];
    let member = member_id(catalogue, 1);
    if let Some(order) = data
        .orders
        .iter()
        .filter(|o| o.buyer_id == member && o.tracking_no.is_some())
        .max_by_key(|o| o.placed_at)
    {
        let claims = EntryClaims {
            sub: Some(member.clone()),
            name: Some(order.buyer_name.clone()),
            context: EntryContext {
                order_no: Some(order.order_no.clone()),
                ..EntryContext::default()
            },
            ..EntryClaims::new(Entry::OrderCard)
        };
        let token = auth::sign_entry_token(&claims, &secret)?;
        links.push((
            format!("order-card entry ({})", order.buyer_name),
            format!("/chat/{}?entry={token}", tenant.slug),
        ));
    }
    if let Some(product) = data.products.first() {
        let claims = EntryClaims {
            context: EntryContext {
                product_code: Some(product.code.clone()),
                room_id: Some(format!("{}-live-1", tenant.slug)),
                room_title: Some(format!("{} 直播间", tenant.name)),
                ..EntryContext::default()
            },
            ..EntryClaims::new(Entry::LiveRoom)
        };
        let token = auth::sign_entry_token(&claims, &secret)?;
        links.push((
            format!("live-room entry ({})", tenant.name),
            format!("/chat/{}?entry={token}", tenant.slug),
        ));
    }
    // A signed-in member with several orders and no conversation yet: who the robot's flows
    // (BOT-4) meet first, e.g. "我要退货" with their own orders as buttons.
    if let Some((member, name)) = regular_member(data) {
        let claims = EntryClaims {
            sub: Some(member),
            name: Some(name.clone()),
            ..EntryClaims::new(Entry::ShopHome)
        };
        let token = auth::sign_entry_token(&claims, &secret)?;
        links.push((
            format!("member entry ({name})"),
            format!("/chat/{}?entry={token}", tenant.slug),
        ));
    }
    Ok(links)
}

/// The member with the most orders among those the demo conversations leave alone (past the
/// first ten), one of them with two items or more; ties to the lowest id.
fn regular_member(data: &DemoCommerce) -> Option<(String, String)> {
    let mut counts: std::collections::BTreeMap<&str, (usize, bool, &str)> = Default::default();
    for order in &data.orders {
        let numbered = order
            .buyer_id
            .rsplit('m')
            .next()
            .and_then(|n| n.parse::<usize>().ok());
        if numbered.is_none_or(|n| n < 10) {
            continue;
        }
        let slot = counts
            .entry(&order.buyer_id)
            .or_insert((0, false, &order.buyer_name));
        slot.0 += 1;
        slot.1 |= order.items.len() >= 2;
    }
    counts
        .into_iter()
        .filter(|(_, (_, several, _))| *several)
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(a.0)))
        .map(|(member, (_, _, name))| (member.to_owned(), name.to_owned()))
}

async fn seed_conversation(
    store: &Store,
    tenant: &Tenant,
    buyer: &Buyer,
    agent: &User,
    (_, lines, resolved): &DemoBuyer,
    age_ms: i64,
    about: Option<(Entry, EntryContext, OrderInput)>,
) -> Result<Uuid, ApiError> {
    let (entry, context) = match (&about, tenant.kind) {
        (_, TenantKind::Platform) => (Entry::OfficialDesk, EntryContext::default()),
        (Some((entry, context, _)), TenantKind::Shop) => (*entry, context.clone()),
        (None, TenantKind::Shop) => (Entry::ShopHome, EntryContext::default()),
    };
    let conversation = store
        .open_conversation(tenant.id, buyer, entry, &context)
        .await?;
    // An order-card entry starts with the card, as the buyer's own first message.
    let card = about
        .filter(|_| tenant.kind == TenantKind::Shop)
        .map(|(_, _, order)| -> Result<AppendRequest, ApiError> {
            let snapshot = OrderCard {
                order_no: order.order_no,
                placed_at: order.placed_at,
                items: order.items,
                total_fen: order.total_fen,
                payment_status: order.payment_status,
                shipping_status: order.shipping_status,
                after_sale_status: order.after_sale_status,
                logistics_company: order.logistics_company,
                tracking_no: order.tracking_no,
            };
            let body = serde_json::to_string(&snapshot)
                .map_err(|e| ApiError::Internal(format!("card: {e}")))?;
            Ok(AppendRequest {
                tenant_id: tenant.id,
                conversation_id: conversation.id,
                sender_kind: SenderKind::Buyer,
                sender_id: Some(buyer.id),
                sender_name: buyer.display_name.clone(),
                client_msg_id: Some("demo-card".to_owned()),
                content: MessageContent {
                    kind: MessageKind::OrderCard,
                    body,
                    attachment_id: None,
                },
                external_id: None,
            })
        })
        .transpose()?;
    let mut requests: Vec<AppendRequest> = card.into_iter().collect();
    let texts: Vec<AppendRequest> = lines
        .iter()
        .enumerate()
        .map(|(n, (from_buyer, text))| {
            let (sender_kind, sender_id, sender_name) = if *from_buyer {
                (SenderKind::Buyer, buyer.id, buyer.display_name.clone())
            } else {
                (SenderKind::Agent, agent.id, agent.display_name.clone())
            };
            Ok(AppendRequest {
                tenant_id: tenant.id,
                conversation_id: conversation.id,
                sender_kind,
                sender_id: Some(sender_id),
                sender_name,
                client_msg_id: Some(format!("demo-{n}")),
                content: MessageContent::parse(MessageKind::Text, text, None)?,
                external_id: None,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    requests.extend(texts);
    for result in store.append_batch(&requests).await? {
        result?;
    }
    if *resolved {
        store
            .resolve_conversation(tenant.id, conversation.id, agent.id)
            .await?;
    }
    store
        .shift_conversation_back(tenant.id, conversation.id, age_ms)
        .await?;
    Ok(conversation.id)
}
