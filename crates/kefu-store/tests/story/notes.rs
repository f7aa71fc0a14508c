//! Notes: agents' internal notes on a conversation, with mentions and whispers (WB-1), and
//! notes on a buyer, newest first (CH-6); neither reaches into another shop.

use kefu_store::{Store, StoreError};

on_both_backends!(notes_stay_with_their_conversation_and_buyer);

async fn notes_stay_with_their_conversation_and_buyer(store: Store) {
    let shop = crate::shop(&store, "notes").await;
    let other = crate::shop(&store, "no-notes").await;
    let (tenant, agent, boss, buyer) = (shop.tenant.id, &shop.agent, &shop.boss, &shop.buyer);
    let c = crate::conversation(&store, tenant, buyer).await;
    let note = store
        .add_note(tenant, c.id, agent, "@主管 这单要退款", &[boss.id], false)
        .await
        .unwrap();
    assert_eq!(
        (
            note.conversation_id,
            note.author_id,
            note.author_name.as_str(),
            note.mentions.as_slice(),
            note.whisper
        ),
        (
            c.id,
            agent.id,
            agent.display_name.as_str(),
            &[boss.id][..],
            false
        )
    );
    crate::tick().await;
    let whisper = store
        .add_note(tenant, c.id, boss, "同意", &[], true)
        .await
        .unwrap();
    assert_eq!(
        store.notes(tenant, c.id).await.unwrap(),
        [note, whisper],
        "oldest first"
    );
    assert!(matches!(
        store
            .add_note(other.tenant.id, c.id, &other.agent, "越权", &[], false)
            .await,
        Err(StoreError::NotFound("conversation"))
    ));
    assert!(store.notes(other.tenant.id, c.id).await.unwrap().is_empty());

    let first = store
        .add_buyer_note(tenant, buyer.id, agent, "老客户，爱喝龙井")
        .await
        .unwrap();
    crate::tick().await;
    let second = store
        .add_buyer_note(tenant, buyer.id, boss, "上次退过货")
        .await
        .unwrap();
    assert_eq!(
        (
            first.buyer_id,
            first.author_name.as_str(),
            first.body.as_str()
        ),
        (buyer.id, agent.display_name.as_str(), "老客户，爱喝龙井")
    );
    assert_eq!(
        store.buyer_notes(tenant, buyer.id).await.unwrap(),
        [second, first],
        "newest first"
    );
    assert!(matches!(
        store
            .add_buyer_note(other.tenant.id, buyer.id, &other.agent, "越权")
            .await,
        Err(StoreError::NotFound("buyer"))
    ));
    assert!(
        store
            .buyer_notes(other.tenant.id, buyer.id)
            .await
            .unwrap()
            .is_empty()
    );
}
