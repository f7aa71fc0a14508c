//! Automatic replies (WB-2): the shop's document and its version, claims that let a reply go
//! out once (per cooldown, per stretch), and the conversations waiting for an idle nudge.

use kefu_domain::automation::AutoReplies;
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use kefu_store::{Claim, Store};

use crate::{send, text};

on_both_backends!(automatic_replies_are_kept_and_go_out_once);

async fn automatic_replies_are_kept_and_go_out_once(store: Store) {
    let shop = crate::shop(&store, "auto").await;
    let other = crate::shop(&store, "no-auto").await;
    let tenant = shop.tenant.id;
    let (never, version) = store.shop_document::<AutoReplies>(tenant).await.unwrap();
    assert_eq!((never, version), (AutoReplies::default(), 0));

    let mut replies = AutoReplies::default();
    replies.closing.enabled = true;
    replies.idle.enabled = true;
    let first = store
        .set_shop_document(tenant, &replies, |_| vec![])
        .await
        .unwrap();
    let second = store
        .set_shop_document(tenant, &replies, |_| vec![])
        .await
        .unwrap();
    assert!(second > first, "every save is a new version");
    assert_eq!(
        store.shop_document::<AutoReplies>(tenant).await.unwrap(),
        (replies.clone(), second)
    );
    assert_eq!(
        store
            .shop_document::<AutoReplies>(other.tenant.id)
            .await
            .unwrap()
            .1,
        0,
        "ACC-1"
    );

    // A claim succeeds once until the reply may go out again.
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let claim = |rule: &'static str, not_since: i64, now: i64| {
        let store = store.clone();
        async move {
            store
                .claim_automation(tenant, c.id, rule, not_since, now)
                .await
                .unwrap()
        }
    };
    assert!(claim("kw:a", 1_000, 1_000).await);
    assert!(
        !claim("kw:a", 1_000, 1_500).await,
        "fired at 1000, not before it"
    );
    assert!(claim("kw:b", 1_000, 1_500).await, "each rule apart");
    assert!(claim("kw:a", 1_001, 2_000).await, "its cooldown passed");
    assert!(
        !store
            .claim_automation(other.tenant.id, c.id, "kw:c", 0, 0)
            .await
            .unwrap(),
        "ACC-1: another shop's conversation"
    );

    // The buyer writes, an agent takes it: it waits for an idle nudge, until one is claimed.
    let asked = send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, shop.buyer.id, "q1", "在吗"),
    )
    .await;
    let since = asked.conversation.last_buyer_message_at.unwrap();
    store
        .claim_conversation(tenant, c.id, shop.agent.id, Claim::Grab)
        .await
        .unwrap()
        .unwrap();
    let later = now_ms() + 60_000;
    let idle = store.idle_conversations(later, 10).await.unwrap();
    assert_eq!(idle.len(), 1);
    assert_eq!(idle[0].conversation_id, c.id);
    assert!(idle[0].waiting_since >= since);
    assert_eq!(idle[0].last_agent_at, 0);
    assert!(
        store
            .idle_conversations(since - 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(claim("idle", idle[0].last_agent_at + 1, now_ms()).await);
    assert!(
        store
            .idle_conversations(later, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The agent answers and the buyer writes again: a new stretch, a new nudge.
    send(
        &store,
        text(c.id, tenant, SenderKind::Agent, shop.agent.id, "a1", "您好"),
    )
    .await;
    assert!(
        store
            .idle_conversations(later, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The first reply's wait is what the chat page's typical response time is measured on.
    let waits = store
        .recent_first_reply_waits(tenant, since - 1, 10)
        .await
        .unwrap();
    assert_eq!(waits.len(), 1);
    assert!(waits[0] >= 0);
    let elsewhere = store
        .recent_first_reply_waits(other.tenant.id, 0, 10)
        .await
        .unwrap();
    assert!(elsewhere.is_empty(), "ACC-1");
    assert_eq!(store.agents_online(tenant).await.unwrap(), 0);
    store
        .set_user_status(
            tenant,
            shop.agent.id,
            kefu_domain::account::AgentStatus::Online,
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.agents_online(tenant).await.unwrap(), 1);
    send(
        &store,
        text(
            c.id,
            tenant,
            SenderKind::Buyer,
            shop.buyer.id,
            "q2",
            "还在吗",
        ),
    )
    .await;
    let again = store.idle_conversations(later + 60_000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert!(again[0].last_agent_at > 0);
}
