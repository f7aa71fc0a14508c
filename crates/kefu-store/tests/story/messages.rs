//! Messages: a shop, its agent and a buyer talk through the group-commit writer; seqs stay
//! gap-free, retries land once, the conversation is resolved and reopened, and every step
//! lands in the event log.

use kefu_domain::account::TenantKind;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::EntryContext;
use kefu_domain::conversation::{ConversationStatus, EventKind};
use kefu_domain::message::SenderKind;
use kefu_domain::role::Role;
use kefu_store::writer::Writer;
use kefu_store::{NewUser, StatusFilter, Store, StoreError};

use crate::text;

on_both_backends!(a_shop_its_agent_and_a_buyer_talk);
on_both_backends!(awaiting_reply_follows_who_wrote_last_within_one_batch);
on_both_backends!(the_writer_connection_appends_like_the_pool);

async fn a_shop_its_agent_and_a_buyer_talk(store: Store) {
    let shop = store
        .create_tenant(
            TenantKind::Shop,
            "story-shop",
            "故事小店",
            "secret",
            |_| vec![],
        )
        .await
        .unwrap();
    let other = store
        .create_tenant(
            TenantKind::Shop,
            "other-shop",
            "别人的店",
            "secret",
            |_| vec![],
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_tenant(TenantKind::Shop, "story-shop", "重名", "s", |_| vec![])
            .await,
        Err(StoreError::Conflict("tenant_slug_taken"))
    ));
    let agent = store
        .create_user(
            &NewUser {
                tenant_id: shop.id,
                username: "story-agent",
                display_name: "小雨",
                password_hash: "hash",
                role: Role::Agent,
                team: Some("pre_sales"),
                phone: None,
                probation_until: None,
                created_by: None,
            },
            |_| vec![],
        )
        .await
        .unwrap();
    let (found, hash) = store.user_for_login("story-agent").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (agent.id, "hash"));

    let buyer = store
        .upsert_buyer(shop.id, Channel::Web, "anon:1", "访客")
        .await
        .unwrap();
    let again = store
        .upsert_buyer(shop.id, Channel::Web, "anon:1", "访客")
        .await
        .unwrap();
    assert_eq!(buyer.id, again.id, "a channel id maps to one buyer");

    let conversation = store
        .open_conversation(shop.id, &buyer, Entry::ShopHome, &EntryContext::default())
        .await
        .unwrap();
    let same = store
        .open_conversation(shop.id, &buyer, Entry::ShopHome, &EntryContext::default())
        .await
        .unwrap();
    assert_eq!(
        conversation.id, same.id,
        "a buyer has one current conversation"
    );

    // Group commit: three messages, one transaction, seqs 1..3 in order.
    let (writer, task) = Writer::spawn(store.clone());
    let batch = [
        text(
            conversation.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            "b1",
            "你好",
        ),
        text(
            conversation.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            "b2",
            "在吗",
        ),
        text(
            conversation.id,
            shop.id,
            SenderKind::Agent,
            agent.id,
            "a1",
            "您好，在的",
        ),
    ];
    let results = store.append_batch(&batch).await.unwrap();
    let seqs: Vec<i64> = results
        .iter()
        .map(|r| r.as_ref().unwrap().message.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    let after = &results[2].as_ref().unwrap().conversation;
    assert_eq!(
        after.assignee_id,
        Some(agent.id),
        "the first replier takes it"
    );
    assert_eq!(after.unread_count, 0);

    // A retried send is stored once and answered with the first copy.
    let retry = writer
        .append(text(
            conversation.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            "b2",
            "在吗",
        ))
        .await
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.message.seq, 2);

    // Within one batch: a repeated client id is a duplicate, a send to a conversation of
    // another tenant is refused, and neither disturbs its neighbours.
    let mixed = [
        text(
            conversation.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            "twice",
            "重复",
        ),
        text(
            conversation.id,
            other.id,
            SenderKind::Buyer,
            buyer.id,
            "wrong-shop",
            "越权",
        ),
        text(
            conversation.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            "twice",
            "重复",
        ),
    ];
    let results = store.append_batch(&mixed).await.unwrap();
    let first = results[0].as_ref().unwrap();
    assert!(matches!(
        results[1],
        Err(StoreError::NotFound("conversation"))
    ));
    let again = results[2].as_ref().unwrap();
    assert!(!first.duplicate && again.duplicate);
    assert_eq!((first.message.seq, again.message.id), (4, first.message.id));

    // Concurrent sends through the writer keep seqs gap-free.
    let sends = (0..40).map(|i| {
        let writer = writer.clone();
        let request = text(
            conversation.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            &format!("c{i}"),
            "并发",
        );
        async move { writer.append(request).await.unwrap().message.seq }
    });
    let mut seqs = futures_join(sends).await;
    seqs.sort_unstable();
    assert_eq!(seqs, (5..45).collect::<Vec<i64>>());

    let messages = store
        .messages(shop.id, conversation.id, 0, None, 500)
        .await
        .unwrap();
    assert_eq!(messages.len(), 44);
    assert!(messages.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    let page = store
        .messages(shop.id, conversation.id, 0, Some(10), 3)
        .await
        .unwrap();
    assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), [7, 8, 9]);

    let read = store
        .mark_read_by_agent(shop.id, conversation.id, 40)
        .await
        .unwrap();
    assert_eq!(
        read.unread_count, 4,
        "buyer messages 41..44 are still unread"
    );

    // Resolve, then the buyer writes again: reopened, with a fresh first-reply cycle.
    let resolved = store
        .resolve_conversation(shop.id, conversation.id, agent.id)
        .await
        .unwrap();
    assert_eq!(resolved.status, ConversationStatus::Resolved);
    let reopened = writer
        .append(text(
            conversation.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            "late",
            "还有个问题",
        ))
        .await
        .unwrap();
    assert_eq!(reopened.conversation.status, ConversationStatus::Open);
    writer
        .append(text(
            conversation.id,
            shop.id,
            SenderKind::Agent,
            agent.id,
            "a2",
            "请讲",
        ))
        .await
        .unwrap();

    let kinds: Vec<EventKind> = store
        .conversation_events(shop.id, conversation.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    let count = |k: EventKind| kinds.iter().filter(|x| **x == k).count();
    assert_eq!(kinds[0], EventKind::Created);
    assert_eq!(count(EventKind::FirstReply), 2, "one per cycle");
    assert_eq!(count(EventKind::Resolved), 1);
    assert_eq!(count(EventKind::Reopened), 1);
    assert_eq!(count(EventKind::Assigned), 1);
    assert_eq!(count(EventKind::BuyerMessage), 44);
    assert_eq!(count(EventKind::AgentMessage), 2);

    // ACC-1: the other shop sees nothing of this one.
    assert!(
        store
            .conversation(other.id, conversation.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .messages(other.id, conversation.id, 0, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.buyer(other.id, buyer.id).await.unwrap().is_none());
    assert!(matches!(
        store
            .resolve_conversation(other.id, conversation.id, agent.id)
            .await,
        Err(StoreError::NotFound("conversation"))
    ));
    let foreign = writer
        .append(text(
            conversation.id,
            other.id,
            SenderKind::Agent,
            agent.id,
            "x",
            "越权",
        ))
        .await;
    assert!(matches!(foreign, Err(StoreError::NotFound("conversation"))));
    assert!(
        store
            .list_conversations(other.id, StatusFilter::All, None, 50)
            .await
            .unwrap()
            .is_empty()
    );

    drop(writer);
    task.await.unwrap();
}

async fn futures_join<F: std::future::Future<Output = i64> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<i64> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = vec![];
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// WB-7: "awaiting a reply" follows who wrote last, even when one commit carries both.
async fn awaiting_reply_follows_who_wrote_last_within_one_batch(store: Store) {
    let shop = store
        .create_tenant(TenantKind::Shop, "wait", "等待", "s", |_| vec![])
        .await
        .unwrap();
    let agent = store
        .create_user(
            &NewUser {
                tenant_id: shop.id,
                username: "wait-agent",
                display_name: "客服",
                password_hash: "x",
                role: Role::Agent,
                team: None,
                phone: None,
                probation_until: None,
                created_by: None,
            },
            |_| vec![],
        )
        .await
        .unwrap();
    let buyer = store
        .upsert_buyer(shop.id, Channel::Web, "anon:w", "访客")
        .await
        .unwrap();
    let c = store
        .open_conversation(shop.id, &buyer, Entry::ShopHome, &EntryContext::default())
        .await
        .unwrap();
    let both = [
        text(c.id, shop.id, SenderKind::Buyer, buyer.id, "w1", "在吗"),
        text(c.id, shop.id, SenderKind::Agent, agent.id, "w2", "在的"),
    ];
    let results = store.append_batch(&both).await.unwrap();
    let after = results.last().unwrap().as_ref().unwrap();
    assert!(
        !after.conversation.awaiting_reply,
        "the agent answered in the same commit"
    );
    let again = store
        .append_batch(&[text(
            c.id,
            shop.id,
            SenderKind::Buyer,
            buyer.id,
            "w3",
            "还有问题",
        )])
        .await
        .unwrap();
    assert!(again[0].as_ref().unwrap().conversation.awaiting_reply);
    let stored = store.conversation(shop.id, c.id).await.unwrap().unwrap();
    assert!(stored.awaiting_reply);
}

/// The writer's own connection appends exactly as the pool does.
async fn the_writer_connection_appends_like_the_pool(store: Store) {
    let shop = crate::shop(&store, "writer").await;
    let c = crate::conversation(&store, shop.tenant.id, &shop.buyer).await;
    let mut connection = store.writer_connection().await.unwrap();
    let batch = [
        text(
            c.id,
            shop.tenant.id,
            SenderKind::Buyer,
            shop.buyer.id,
            "q",
            "发货了吗",
        ),
        text(
            c.id,
            shop.tenant.id,
            SenderKind::Agent,
            shop.agent.id,
            "a",
            "今天发",
        ),
    ];
    let results = connection.append_batch(&batch).await.unwrap();
    let stored: Vec<(i64, &str)> = results
        .iter()
        .map(|r| {
            let m = &r.as_ref().unwrap().message;
            (m.seq, m.body.as_str())
        })
        .collect();
    assert_eq!(stored, [(1, "发货了吗"), (2, "今天发")]);
    let read: Vec<String> = store
        .messages(shop.tenant.id, c.id, 0, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(read, ["发货了吗", "今天发"]);
}
