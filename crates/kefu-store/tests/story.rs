//! One storage story, told against SQLite and PostgreSQL alike: a shop, its agent and a buyer
//! talk; the conversation is resolved and reopened; every step lands in the event log.

#![allow(clippy::unwrap_used)] // tests state their expectations by unwrapping

use kefu_domain::account::TenantKind;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::{
    AfterSaleStatus, EntryContext, OrderInput, OrderItem, Partner, PaymentStatus, ProductInput,
    ShippingStatus, SkuInput,
};
use kefu_domain::conversation::{ConversationStatus, EventKind};
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::role::Role;
use kefu_store::writer::Writer;
use kefu_store::{AppendRequest, NewUser, StatusFilter, Store, StoreError, UpsertCounts, scratch};
use uuid::Uuid;

async fn sqlite() -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("kefu-story-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&Store::sqlite_url_in(&dir)).await.unwrap();
    (store, dir)
}

async fn postgres() -> Store {
    Store::connect(&scratch::create_database().await.unwrap())
        .await
        .unwrap()
}

fn text(
    conversation: Uuid,
    tenant: Uuid,
    sender: SenderKind,
    who: Uuid,
    id: &str,
    body: &str,
) -> AppendRequest {
    AppendRequest {
        tenant_id: tenant,
        conversation_id: conversation,
        sender_kind: sender,
        sender_id: Some(who),
        sender_name: "someone".into(),
        client_msg_id: Some(id.into()),
        content: MessageContent::parse(MessageKind::Text, body, None).unwrap(),
        external_id: None,
    }
}

async fn story(store: Store) {
    let shop = store
        .create_tenant(TenantKind::Shop, "story-shop", "故事小店", "secret")
        .await
        .unwrap();
    let other = store
        .create_tenant(TenantKind::Shop, "other-shop", "别人的店", "secret")
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_tenant(TenantKind::Shop, "story-shop", "重名", "s")
            .await,
        Err(StoreError::Conflict("tenant_slug_taken"))
    ));
    let agent = store
        .create_user(&NewUser {
            tenant_id: shop.id,
            username: "story-agent",
            display_name: "小雨",
            password_hash: "hash",
            role: Role::Agent,
            team: Some("pre_sales"),
            phone: None,
            probation_until: None,
            created_by: None,
        })
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

#[tokio::test]
async fn the_story_holds_on_sqlite() {
    let (store, dir) = sqlite().await;
    story(store).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_story_holds_on_postgres() {
    story(postgres().await).await;
}

fn product(code: &str, price_fen: i64, partner: Option<Partner>) -> ProductInput {
    ProductInput {
        code: code.into(),
        title: format!("商品 {code}"),
        category: "绿茶".into(),
        image_url: None,
        attributes: Default::default(),
        partner,
        skus: vec![SkuInput {
            code: format!("{code}-1"),
            name: "250g".into(),
            price_fen,
            stock: 5,
        }],
    }
    .check()
    .unwrap()
}

fn order(order_no: &str, member: &str, product_code: &str, placed_at: i64) -> OrderInput {
    OrderInput {
        order_no: order_no.into(),
        buyer_id: member.into(),
        buyer_name: "小王".into(),
        placed_at,
        items: vec![OrderItem {
            product_code: product_code.into(),
            sku_code: format!("{product_code}-1"),
            title: "商品".into(),
            quantity: 1,
            unit_price_fen: 100,
        }],
        total_fen: 100,
        paid_fen: 100,
        payment_status: PaymentStatus::Paid,
        shipping_status: ShippingStatus::Shipped,
        after_sale_status: AfterSaleStatus::None,
        logistics_company: Some("顺丰速运".into()),
        tracking_no: Some("SF1".into()),
    }
    .check()
    .unwrap()
}

/// Products and orders are upserted idempotently, found per member and per shop, carry
/// their fulfilment partner, and conversations remember what they were opened about.
async fn commerce_story(store: Store) {
    let shop = store
        .create_tenant(TenantKind::Shop, "tea", "茶铺", "s")
        .await
        .unwrap();
    let other = store
        .create_tenant(TenantKind::Shop, "digital", "数码", "s")
        .await
        .unwrap();
    let ctrip = Partner {
        name: "携程".into(),
        handoff_url: "https://partner.example/ctrip".into(),
        shared_fields: vec!["order_no".into()],
    };
    let products = vec![
        product("P1", 100, None),
        product("TOUR", 9_900, Some(ctrip.clone())),
    ];
    let counts = store.upsert_products(shop.id, &products).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            created: 2,
            updated: 0,
            unchanged: 0
        }
    );
    let counts = store.upsert_products(shop.id, &products).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            created: 0,
            updated: 0,
            unchanged: 2
        }
    );
    let cheaper = vec![product("P1", 90, None)];
    let counts = store.upsert_products(shop.id, &cheaper).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            created: 0,
            updated: 1,
            unchanged: 0
        }
    );
    assert_eq!(
        store
            .product(shop.id, "P1")
            .await
            .unwrap()
            .unwrap()
            .price_fen,
        90
    );
    assert!(store.product(other.id, "P1").await.unwrap().is_none());
    let found = store.products(shop.id, "TOU", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].partner.as_ref(), Some(&ctrip));
    assert_eq!(store.products(shop.id, "", 10).await.unwrap().len(), 2);
    assert!(store.products(shop.id, "%", 10).await.unwrap().is_empty());

    let orders = vec![
        order("T1", "m1", "P1", 1_795_000_000_000),
        order("T2", "m1", "TOUR", 1_795_100_000_000),
        order("T3", "m2", "P1", 1_795_000_000_000),
    ];
    let counts = store.upsert_orders(shop.id, &orders).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            created: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let mut changed = orders.clone();
    changed[0].shipping_status = ShippingStatus::Delivered;
    let extra = changed[0].items[0].clone();
    changed[0].items.push(extra);
    let counts = store.upsert_orders(shop.id, &changed).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            created: 0,
            updated: 1,
            unchanged: 2
        }
    );
    let t1 = store.order(shop.id, "T1").await.unwrap().unwrap();
    assert_eq!(t1.shipping_status, ShippingStatus::Delivered);
    assert_eq!(t1.items.len(), 2);
    assert_eq!(t1.partner, None);
    let mine = store.orders_of_member(shop.id, "m1", 10).await.unwrap();
    assert_eq!(
        mine.iter().map(|o| o.order_no.as_str()).collect::<Vec<_>>(),
        ["T2", "T1"],
        "newest first"
    );
    assert_eq!(
        mine[0].partner.as_ref(),
        Some(&ctrip),
        "CH-5: the tour's partner"
    );
    assert!(
        store.order(other.id, "T1").await.unwrap().is_none(),
        "ACC-1"
    );
    store
        .upsert_orders(other.id, &[order("D1", "m1", "X", 1_795_200_000_000)])
        .await
        .unwrap();
    let everywhere = store.orders_of_member_everywhere("m1", 10).await.unwrap();
    assert_eq!(everywhere.len(), 3);
    assert_eq!(everywhere[0], (other.id, everywhere[0].1.clone()));

    // A conversation remembers its entry and context; re-entering about another order
    // updates it and lands in the event log.
    let buyer = store
        .upsert_buyer(shop.id, Channel::Web, "member:m1", "小王")
        .await
        .unwrap();
    let about_t1 = EntryContext {
        order_no: Some("T1".into()),
        ..Default::default()
    };
    let c = store
        .open_conversation(shop.id, &buyer, Entry::OrderCard, &about_t1)
        .await
        .unwrap();
    assert_eq!((c.entry, &c.context), (Entry::OrderCard, &about_t1));
    let same = store
        .open_conversation(shop.id, &buyer, Entry::ShopHome, &EntryContext::default())
        .await
        .unwrap();
    assert_eq!(same.context, about_t1, "a plain visit keeps the context");
    let about_tour = EntryContext {
        product_code: Some("TOUR".into()),
        room_id: Some("room-9".into()),
        ..Default::default()
    };
    let moved = store
        .open_conversation(shop.id, &buyer, Entry::LiveRoom, &about_tour)
        .await
        .unwrap();
    assert_eq!(
        (moved.id, moved.entry, &moved.context),
        (c.id, Entry::LiveRoom, &about_tour)
    );
    let events = store.conversation_events(shop.id, c.id).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Created, EventKind::Entered]);
    assert_eq!(events[0].data["context"]["order_no"], "T1");
    assert_eq!(events[1].data["entry"], "live_room");
    assert_eq!(events[1].data["context"]["room_id"], "room-9");
    let history = store
        .conversations_of_buyer(shop.id, buyer.id, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn the_commerce_story_holds_on_sqlite() {
    let (store, _dir) = sqlite().await;
    commerce_story(store).await;
}

#[tokio::test]
async fn the_commerce_story_holds_on_postgres() {
    commerce_story(postgres().await).await;
}

/// ACC-5 at the storage boundary: concurrent decisions have one winner, concurrent audit
/// appends make one unbroken chain, and an edited entry breaks it where it was edited.
async fn guard_story(store: Store, tamper: impl AsyncFnOnce(Uuid, i64), shows_at: i64) {
    use kefu_domain::guard::{ApprovalKind, ApprovalStatus};
    use kefu_store::{NewApproval, NewAudit};
    let shop = store
        .create_tenant(TenantKind::Shop, "guard", "护栏小店", "s")
        .await
        .unwrap();
    let mut people = vec![];
    for (name, role) in [
        ("asker", Role::Agent),
        ("boss-a", Role::Supervisor),
        ("boss-b", Role::SuperAdmin),
    ] {
        people.push(
            store
                .create_user(&NewUser {
                    tenant_id: shop.id,
                    username: name,
                    display_name: name,
                    password_hash: "x",
                    role,
                    team: None,
                    phone: Some("13800000000"),
                    probation_until: None,
                    created_by: None,
                })
                .await
                .unwrap(),
        );
    }
    store
        .upsert_orders(shop.id, &[order("O1", "m1", "P1", 1_795_000_000_000)])
        .await
        .unwrap();
    for round in 0..5 {
        let pending = store
            .create_approval(
                &NewApproval {
                    tenant_id: shop.id,
                    kind: ApprovalKind::Refund,
                    conversation_id: None,
                    order_no: "O1",
                    amount_fen: Some(50 + round),
                    payload: serde_json::json!({}),
                    reason: "race",
                    requested_by: people[0].id,
                },
                false,
            )
            .await
            .unwrap();
        assert_eq!(pending.status, ApprovalStatus::Pending);
        let (a, b) = tokio::join!(
            store.decide_approval(shop.id, pending.id, true, people[1].id, ""),
            store.decide_approval(shop.id, pending.id, round % 2 == 0, people[2].id, "no"),
        );
        let winners = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
        assert_eq!(winners, 1, "round {round}: {a:?} {b:?}");
        let loser = if a.is_ok() { b } else { a };
        assert!(matches!(
            loser,
            Err(StoreError::Conflict("already_decided"))
        ));
    }
    let own = store
        .create_approval(
            &NewApproval {
                tenant_id: shop.id,
                kind: ApprovalKind::Compensation,
                conversation_id: None,
                order_no: "O1",
                amount_fen: Some(1),
                payload: serde_json::json!({}),
                reason: "mine",
                requested_by: people[1].id,
            },
            false,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .decide_approval(shop.id, own.id, true, people[1].id, "")
            .await,
        Err(StoreError::Conflict("own_request"))
    ));

    // Twenty concurrent appends: one chain, every seq once.
    let mut tasks = vec![];
    for n in 0..20 {
        let store = store.clone();
        let tenant = shop.id;
        tasks.push(tokio::spawn(async move {
            store
                .append_audit(&NewAudit {
                    tenant_id: tenant,
                    actor_id: None,
                    actor_name: "system",
                    action: "test.append",
                    target: &format!("n:{n}"),
                    detail: serde_json::json!({ "n": n }),
                })
                .await
                .unwrap()
                .seq
        }));
    }
    let mut seqs = vec![];
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=20).collect::<Vec<i64>>());
    let verdict = store.verify_audit(Some(shop.id)).await.unwrap();
    assert_eq!((verdict.checked, verdict.broken.len()), (20, 0));
    tamper(shop.id, 7).await;
    let verdict = store.verify_audit(None).await.unwrap();
    assert_eq!(verdict.broken.len(), 1);
    assert_eq!(
        (verdict.broken[0].0, verdict.broken[0].1),
        (shop.id, shows_at)
    );
}

#[tokio::test]
async fn the_guard_story_holds_on_sqlite() {
    let (store, dir) = sqlite().await;
    let url = Store::sqlite_url_in(&dir);
    guard_story(
        store,
        async |tenant, seq| {
            let db = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query(
                "UPDATE audit_log SET actor_name = 'mallory' WHERE tenant_id = $1 AND seq = $2",
            )
            .bind(tenant.to_string())
            .bind(seq)
            .execute(&db)
            .await
            .unwrap();
            db.close().await;
        },
        7,
    )
    .await;
}

#[tokio::test]
async fn the_guard_story_holds_on_postgres() {
    let url = scratch::create_database().await.unwrap();
    let store = Store::connect(&url).await.unwrap();
    guard_story(
        store,
        async |tenant, seq| {
            let db = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query("DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2")
                .bind(tenant.to_string())
                .bind(seq)
                .execute(&db)
                .await
                .unwrap();
            db.close().await;
        },
        8,
    ) // a deleted entry 7 shows as entry 8 linking to nothing
    .await;
}

/// WB-7: "awaiting a reply" follows who wrote last, even when one commit carries both.
#[tokio::test]
async fn awaiting_reply_follows_who_wrote_last_within_one_batch() {
    let (store, _dir) = sqlite().await;
    let shop = store
        .create_tenant(TenantKind::Shop, "wait", "等待", "s")
        .await
        .unwrap();
    let agent = store
        .create_user(&NewUser {
            tenant_id: shop.id,
            username: "wait-agent",
            display_name: "客服",
            password_hash: "x",
            role: Role::Agent,
            team: None,
            phone: None,
            probation_until: None,
            created_by: None,
        })
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
