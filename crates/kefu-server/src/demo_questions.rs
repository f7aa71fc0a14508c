//! Seven weeks of the tea shop's buyer questions for `kefu demo` (DATA-5), so 问题挖掘 has a
//! story to show: shipping asked steadily, brewing asked a lot until a brewing video went
//! out three weeks ago (a problem fixed, its before and after), broken leaves new in the last
//! two weeks, and the rest. Seeded once, into a shop whose questions were never mined, then
//! mined as the jobs would.

use chrono::{Datelike, Days};
use kefu_domain::account::TenantKind;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::EntryContext;
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::questions;
use kefu_domain::role::Role;
use kefu_domain::time::now_ms;
use kefu_store::{AppendRequest, NewTopicProblem};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::AppState;
use crate::error::ApiError;
use crate::reports::questions as questions_report;
use crate::reports::{day_key, zone_of};

/// Weeks of history, the current one not counted.
const WEEKS: u64 = 7;
/// The demo's questions stay out of the last half hour.
const QUIET_MS: i64 = 30 * 60_000;
/// The week (counted back from the current one) the brewing video went out in.
const VIDEO_WEEKS_AGO: u64 = 3;

/// A topic's phrasings, its reply, and how many conversations ask it in a week `back` weeks
/// before the current one.
struct Asked {
    phrasings: &'static [&'static str],
    reply: &'static str,
    per_week: fn(u64) -> usize,
    /// Asked about the shop's first product only.
    first_product: bool,
}

const ASKED: &[Asked] = &[
    Asked {
        phrasings: &[
            "什么时候发货",
            "几天能发货呀",
            "今天下单什么时候发",
            "发货要多久",
        ],
        reply: "下午4点前下单当天发货，一般2-3天到。",
        per_week: |_| 7,
        first_product: false,
    },
    Asked {
        phrasings: &[
            "这款茶怎么冲泡",
            "茶叶怎么冲泡",
            "怎么冲泡比较好",
            "冲泡方法",
        ],
        reply: "85度左右的水，3克茶叶冲泡2分钟，详情页有冲泡视频。",
        per_week: |back| if back > VIDEO_WEEKS_AGO { 9 } else { 2 },
        first_product: true,
    },
    Asked {
        phrasings: &[
            "收到的茶叶碎了",
            "茶叶都是碎的",
            "茶叶碎末太多了",
            "怎么都是碎茶",
        ],
        reply: "非常抱歉，麻烦拍张照片，我们给您补发。",
        per_week: |back| if back <= 1 { 6 } else { 0 },
        first_product: true,
    },
    Asked {
        phrasings: &["有优惠券吗", "能便宜点吗", "有没有优惠活动"],
        reply: "店铺首页可以领满199减20的券哦。",
        per_week: |_| 4,
        first_product: false,
    },
    Asked {
        phrasings: &["保质期多久", "茶叶能放多久"],
        reply: "密封避光保存18个月。",
        per_week: |back| if back % 2 == 0 { 2 } else { 3 },
        first_product: false,
    },
    Asked {
        phrasings: &["可以开发票吗", "发票怎么开"],
        reply: "可以的，下单时备注抬头和税号。",
        per_week: |_| 2,
        first_product: false,
    },
];

/// Seeds and mines the history into the tea shop, unless its questions were mined before.
pub async fn seed(state: &AppState) -> Result<(), ApiError> {
    let store = &state.store;
    let Some(tenant) = store.tenant_by_slug("shanye-tea").await? else {
        return Ok(());
    };
    if tenant.kind != TenantKind::Shop || !store.mined_weeks(tenant.id, "").await?.is_empty() {
        return Ok(());
    }
    let team = store.accounts(tenant.id).await?;
    let agents: Vec<_> = team.iter().filter(|u| u.role == Role::Agent).collect();
    let Some(lead) = team.iter().find(|u| u.role == Role::Supervisor) else {
        return Ok(());
    };
    let products: Vec<String> = store
        .products(tenant.id, "", 3)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    if agents.is_empty() || products.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let zone = zone_of(state, tenant.id).await;
    let this_week = questions::week_of(kefu_domain::kpi::local_day(zone, now));
    let mut rng = StdRng::seed_from_u64(0x5155_4553);
    let mut n = 0usize;
    for back in (0..=WEEKS).rev() {
        // Inside the shop's week `back` weeks ago; the current one only up to half an hour
        // ago (on a Monday morning, its first hours): history, not the live quarter hour the
        // cockpit's alerts read (their instant replies would hide a slow first response).
        let (start, end) = questions::week_span(zone, this_week - Days::new(7 * back));
        let end = end.min(now - QUIET_MS).max(start + 1);
        for (t, topic) in ASKED.iter().enumerate() {
            for i in 0..(topic.per_week)(back) {
                n += 1;
                let age = now - rng.random_range(start..end);
                let product = if topic.first_product {
                    Some(products[0].clone())
                } else if i % 2 == 0 {
                    Some(products[(t + i) % products.len()].clone())
                } else {
                    None
                };
                let buyer = store
                    .upsert_buyer(
                        tenant.id,
                        Channel::Web,
                        &format!("demo-q-{n}"),
                        &format!("买家{n}"),
                    )
                    .await?;
                let (entry, context) = match &product {
                    Some(code) => (
                        Entry::ProductPage,
                        EntryContext {
                            product_code: Some(code.clone()),
                            ..EntryContext::default()
                        },
                    ),
                    None => (Entry::ShopHome, EntryContext::default()),
                };
                let conversation = store
                    .open_conversation(tenant.id, &buyer, entry, &context)
                    .await?;
                let agent = agents[n % agents.len()];
                let said = |sender_kind, sender_id, name: &str, id: &str, text: &str| {
                    Ok::<_, ApiError>(AppendRequest {
                        tenant_id: tenant.id,
                        conversation_id: conversation.id,
                        sender_kind,
                        sender_id: Some(sender_id),
                        sender_name: name.to_owned(),
                        client_msg_id: Some(id.to_owned()),
                        content: MessageContent::parse(MessageKind::Text, text, None)?,
                        external_id: None,
                    })
                };
                let question = topic.phrasings[rng.random_range(0..topic.phrasings.len())];
                let requests = [
                    said(
                        SenderKind::Buyer,
                        buyer.id,
                        &buyer.display_name,
                        "q",
                        question,
                    )?,
                    said(
                        SenderKind::Agent,
                        agent.id,
                        &agent.display_name,
                        "a",
                        topic.reply,
                    )?,
                ];
                for result in store.append_batch(&requests).await? {
                    result?;
                }
                store
                    .resolve_conversation(tenant.id, conversation.id, agent.id)
                    .await?;
                store
                    .shift_conversation_back(tenant.id, conversation.id, age)
                    .await?;
            }
        }
    }
    // Only this shop's weeks: the jobs mine the others.
    for week in questions_report::due_weeks(state, tenant.id).await? {
        questions_report::mine_week(state, tenant.id, week).await?;
    }
    // The brewing video: the problem sent to the lead, fixed on that week's Wednesday.
    let video = this_week - Days::new(7 * VIDEO_WEEKS_AGO) + Days::new(2);
    let topics = store
        .question_topics(tenant.id, &day_key(this_week - Days::new(7 * WEEKS)))
        .await?;
    if let Some(brewing) = topics.iter().find(|t| t.label.contains("冲泡")) {
        let problem = store
            .add_topic_problem(
                tenant.id,
                &NewTopicProblem {
                    topic_id: brewing.id,
                    product_code: products.first().cloned(),
                    owner_id: lead.id,
                    note: "冲泡问题太多，请在详情页加一段冲泡视频".to_owned(),
                    created_by: lead.id,
                },
            )
            .await?;
        debug_assert_eq!(video.weekday(), chrono::Weekday::Wed);
        store
            .set_problem_fixed(tenant.id, problem.id, Some(&day_key(video)), now)
            .await?;
    }
    Ok(())
}
