//! Keeping spam out (WB-6): a block closes the buyer's conversation as invalid with the audit
//! entry, the buyer's messages still go in; lifting restores it; the filter's invalidation and
//! a supervisor's restore; the intake filter as a shop document.

use kefu_domain::conversation::{ConversationStatus, EventKind};
use kefu_domain::intake::{BlockKind, IntakeFilter};
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use kefu_store::{AuditFilter, NewAudit, NewBlock, Store};

use crate::{send, text};

on_both_backends!(blocks_invalidate_and_lifting_restores);

async fn blocks_invalidate_and_lifting_restores(store: Store) {
    let shop = crate::shop(&store, "blocks").await;
    let other = crate::shop(&store, "no-blocks").await;
    let tenant = shop.tenant.id;
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, shop.buyer.id, "q1", "广告"),
    )
    .await;
    let audited = |what: &str| {
        vec![NewAudit {
            tenant_id: tenant,
            actor_id: Some(shop.agent.id),
            actor_name: shop.agent.display_name.clone(),
            action: what.to_owned(),
            target: "buyer".to_owned(),
            detail: serde_json::json!({}),
        }]
    };
    let new = NewBlock {
        buyer_id: shop.buyer.id,
        kind: BlockKind::Ad,
        note: "发广告",
        expires_at: None,
        by: shop.agent.id,
    };
    assert!(
        store
            .block_buyer(other.tenant.id, &new, |_| vec![])
            .await
            .unwrap()
            .is_none(),
        "ACC-1: another shop's buyer"
    );
    let (block, invalid) = store
        .block_buyer(tenant, &new, |_| audited("buyer.block"))
        .await
        .unwrap()
        .unwrap();
    let invalid = invalid.unwrap();
    assert_eq!(invalid.status, ConversationStatus::Invalid);
    assert!(!invalid.awaiting_reply && invalid.unread_count == 0);
    assert!(block.active(now_ms()));
    assert_eq!(
        store
            .active_block(tenant, shop.buyer.id, now_ms())
            .await
            .unwrap(),
        Some(block.clone())
    );
    assert_eq!(store.blocks(tenant, 10).await.unwrap().len(), 1);
    assert!(store.blocks(other.tenant.id, 10).await.unwrap().is_empty());
    let filter = AuditFilter {
        actor_id: None,
        action: Some("buyer"),
        from: None,
        to: None,
        limit: 10,
    };
    let audit = store.audit_entries(tenant, &filter).await.unwrap();
    assert_eq!(audit[0].action, "buyer.block");

    // The buyer writes on: stored, still invalid, waiting for nobody.
    let more = send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, shop.buyer.id, "q2", "再发"),
    )
    .await;
    assert_eq!(more.conversation.status, ConversationStatus::Invalid);
    assert!(!more.conversation.awaiting_reply);

    let (lifted, restored) = store
        .lift_block(tenant, block.id, shop.boss.id, |_| audited("buyer.unblock"))
        .await
        .unwrap()
        .unwrap();
    assert!(!lifted.active(now_ms()));
    assert_eq!(restored[0].status, ConversationStatus::Resolved);
    assert_eq!(
        store
            .active_block(tenant, shop.buyer.id, now_ms())
            .await
            .unwrap(),
        None
    );
    let (_, again) = store
        .lift_block(tenant, block.id, shop.boss.id, |_| vec![])
        .await
        .unwrap()
        .unwrap();
    assert!(again.is_empty(), "lifted once");

    // The filter closes it as invalid; a supervisor restores it, open and awaiting a reply.
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, shop.buyer.id, "q3", "在吗"),
    )
    .await;
    let flagged = store
        .invalidate_conversation(tenant, c.id, "keyword:加微信")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(flagged.status, ConversationStatus::Invalid);
    assert!(
        store
            .invalidate_conversation(tenant, c.id, "rate")
            .await
            .unwrap()
            .is_none()
    );
    let back = store
        .restore_conversation(tenant, c.id, shop.boss.id, |_| vec![])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.status, ConversationStatus::Open);
    assert!(back.awaiting_reply);
    let kinds: Vec<EventKind> = store
        .conversation_events(tenant, c.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == EventKind::Invalidated)
            .count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == EventKind::Restored).count(),
        2
    );

    // The intake filter is a shop document like the automatic replies.
    let filter = IntakeFilter {
        enabled: true,
        ..IntakeFilter::default()
    };
    store
        .set_shop_document(tenant, &filter, |_| vec![])
        .await
        .unwrap();
    assert!(
        store
            .shop_document::<IntakeFilter>(tenant)
            .await
            .unwrap()
            .0
            .enabled
    );
    assert_eq!(
        store
            .shop_document::<IntakeFilter>(other.tenant.id)
            .await
            .unwrap()
            .1,
        0
    );
}
