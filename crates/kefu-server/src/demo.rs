//! The demo: a platform desk and two shops with their teams, a few buyers and their past
//! conversations, so a newcomer sees a living product. Seeding is idempotent: a tenant that
//! already exists is left as it is.

use kefu_domain::account::{Buyer, Tenant, TenantKind, User};
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::role::Role;
use kefu_store::{AppendRequest, NewUser, Store};

use crate::auth;
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
    buyers: &'static [DemoBuyer],
}

const TENANTS: [DemoTenant; 3] = [
    DemoTenant {
        kind: TenantKind::Platform,
        slug: "official",
        name: "平台官方客服",
        prefix: "official",
        buyers: &[(
            "用户小林",
            &[
                (true, "商家一直不发货，可以平台介入吗？"),
                (
                    false,
                    "您好，这里是平台官方客服。请提供订单号，我们帮您核实。",
                ),
                (true, "订单号 DY20261118004512"),
            ],
            false,
        )],
    },
    DemoTenant {
        kind: TenantKind::Shop,
        slug: "shanye-tea",
        name: "山野茶铺",
        prefix: "tea",
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

/// (username suffix, display name, role, team)
const TEAM: [(&str, &str, Role, Option<&str>); 6] = [
    ("admin", "店铺管理员", Role::SuperAdmin, None),
    ("lead", "客服主管", Role::Supervisor, None),
    ("pre1", "售前·小雨", Role::Agent, Some("pre_sales")),
    ("pre2", "售前·阿杰", Role::Agent, Some("pre_sales")),
    ("after1", "售后·晓峰", Role::Agent, Some("after_sales")),
    ("qa", "质检·林", Role::Qa, Some("qa")),
];

/// What `kefu demo` prints: the chat pages and the logins.
pub struct DemoSummary {
    pub tenants: Vec<(Tenant, Vec<String>)>,
}

pub async fn seed(store: &Store) -> Result<DemoSummary, ApiError> {
    let hash = auth::hash_password(DEMO_PASSWORD.to_owned()).await?;
    let mut summary = DemoSummary { tenants: vec![] };
    for demo in &TENANTS {
        let usernames: Vec<String> = TEAM
            .iter()
            .map(|(suffix, ..)| format!("{}-{suffix}", demo.prefix))
            .collect();
        if let Some(existing) = store.tenant_by_slug(demo.slug).await? {
            summary.tenants.push((existing, usernames));
            continue;
        }
        let tenant = store
            .create_tenant(demo.kind, demo.slug, demo.name, &auth::random_secret())
            .await?;
        let mut agents = vec![];
        for ((suffix, display, role, team), username) in TEAM.iter().zip(&usernames) {
            let display = if demo.kind == TenantKind::Platform {
                display.replace("店铺", "平台")
            } else {
                (*display).to_owned()
            };
            let user = store
                .create_user(&NewUser {
                    tenant_id: tenant.id,
                    username,
                    display_name: &display,
                    password_hash: &hash,
                    role: *role,
                    team: *team,
                    phone: None,
                })
                .await?;
            if *role == Role::Agent && suffix.starts_with("pre") {
                agents.push(user);
            }
        }
        for (i, history) in demo.buyers.iter().enumerate() {
            let buyer = store
                .upsert_buyer(tenant.id, Channel::Web, &format!("demo:{i}"), history.0)
                .await?;
            let agent = &agents[i % agents.len()];
            // Older buyers first: 26 h, 5 h, 50 min, 12 min ago.
            let age_ms = DEMO_AGES_MS[i % DEMO_AGES_MS.len()];
            seed_conversation(store, &tenant, &buyer, agent, history, age_ms).await?;
        }
        summary.tenants.push((tenant, usernames));
    }
    Ok(summary)
}

async fn seed_conversation(
    store: &Store,
    tenant: &Tenant,
    buyer: &Buyer,
    agent: &User,
    (_, lines, resolved): &DemoBuyer,
    age_ms: i64,
) -> Result<(), ApiError> {
    let entry = match tenant.kind {
        TenantKind::Platform => Entry::OfficialDesk,
        TenantKind::Shop => Entry::ShopHome,
    };
    let conversation = store
        .open_conversation(tenant.id, buyer, entry, &Default::default())
        .await?;
    let requests: Vec<AppendRequest> = lines
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
    Ok(())
}
