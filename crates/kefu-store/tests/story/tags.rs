//! Tags (WB-5): a shop adds its own tags; a conversation's tags are replaced whole, each
//! change logged with what was added and removed, and lists filter by tag.

use kefu_domain::conversation::EventKind;
use kefu_domain::tags::Tag;
use kefu_store::{StatusFilter, Store, StoreError};

on_both_backends!(a_conversation_is_tagged_and_found_by_tag);

async fn a_conversation_is_tagged_and_found_by_tag(store: Store) {
    let shop = crate::shop(&store, "tags").await;
    let other = crate::shop(&store, "no-tags").await;
    let (tenant, agent) = (shop.tenant.id, shop.agent.id);
    assert!(store.custom_tags(tenant).await.unwrap().is_empty());
    let gift = store
        .add_custom_tag(tenant, "gift", "赠品", |_| vec![])
        .await
        .unwrap();
    assert_eq!(
        gift,
        Tag {
            key: "gift".into(),
            name: "赠品".into(),
            group: "custom".into(),
            builtin: false
        }
    );
    assert!(matches!(
        store
            .add_custom_tag(tenant, "gift", "又一个", |_| vec![])
            .await,
        Err(StoreError::Conflict("tag_exists"))
    ));
    crate::tick().await;
    let late = store
        .add_custom_tag(tenant, "late", "迟发", |_| vec![])
        .await
        .unwrap();
    assert_eq!(store.custom_tags(tenant).await.unwrap(), [gift, late]);
    assert!(store.custom_tags(other.tenant.id).await.unwrap().is_empty());

    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let tagged = store
        .set_conversation_tags(tenant, c.id, &["refund".into(), "gift".into()], agent)
        .await
        .unwrap();
    assert_eq!(tagged.tags, ["refund", "gift"]);
    let by_tag = |tag: &'static str| {
        let store = store.clone();
        async move {
            store
                .list_conversations(tenant, StatusFilter::All, Some(tag), 10)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(by_tag("gift").await, [c.id]);
    store
        .set_conversation_tags(tenant, c.id, &["refund".into(), "gift".into()], agent)
        .await
        .unwrap();
    let kept = store
        .set_conversation_tags(tenant, c.id, &["refund".into()], agent)
        .await
        .unwrap();
    assert_eq!(kept.tags, ["refund"]);
    assert!(by_tag("gift").await.is_empty());
    assert_eq!(by_tag("refund").await, [c.id]);
    let tagged: Vec<serde_json::Value> = store
        .conversation_events(tenant, c.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Tagged)
        .map(|e| e.data)
        .collect();
    assert_eq!(
        tagged,
        [
            serde_json::json!({ "added": ["refund", "gift"], "removed": [] }),
            serde_json::json!({ "added": [], "removed": ["gift"] }),
        ],
        "an unchanged set is not logged"
    );
    assert!(matches!(
        store
            .set_conversation_tags(other.tenant.id, c.id, &["x".into()], other.agent.id)
            .await,
        Err(StoreError::NotFound("conversation"))
    ));
}
