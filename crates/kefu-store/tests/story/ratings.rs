//! The satisfaction rating (KPI-3): an invitation per resolution, rated once by its buyer
//! within a day, invited again at most once, each step an event.

use kefu_domain::conversation::EventKind;
use kefu_domain::rating::{RATING_TTL_MS, RatingInput};
use kefu_domain::time::now_ms;
use kefu_store::{RatingChange, Store};

on_both_backends!(ratings_are_invited_given_once_and_reinvited_once);

async fn ratings_are_invited_given_once_and_reinvited_once(store: Store) {
    let shop = crate::shop(&store, "ratings").await;
    let other = crate::shop(&store, "no-ratings").await;
    let tenant = shop.tenant.id;
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    // The buyer leaves: resolved by them.
    let ended = store
        .end_by_buyer(tenant, c.id, shop.buyer.id)
        .await
        .unwrap();
    assert_eq!(
        ended.status,
        kefu_domain::conversation::ConversationStatus::Resolved
    );
    let now = now_ms();
    let invited = store
        .invite_rating(tenant, c.id, Some(shop.agent.id), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invited.expires_at, now + RATING_TTL_MS);
    assert_eq!(invited.agent_name.as_deref(), Some("ratings-agent"));
    assert_eq!(
        store
            .invite_rating(other.tenant.id, c.id, None, now)
            .await
            .unwrap(),
        None,
        "ACC-1"
    );
    assert_eq!(
        store.rating(other.tenant.id, invited.id).await.unwrap(),
        None
    );

    let five = RatingInput {
        stars: 5,
        reasons: vec!["回复及时".into()],
        comment: "很专业".into(),
    }
    .check()
    .unwrap();
    // Only the conversation's buyer rates it.
    assert_eq!(
        store
            .rate(tenant, invited.id, other.buyer.id, &five, now + 1)
            .await
            .unwrap(),
        RatingChange::NotFound
    );
    let RatingChange::Done(rated) = store
        .rate(tenant, invited.id, shop.buyer.id, &five, now + 1)
        .await
        .unwrap()
    else {
        panic!("rated");
    };
    assert_eq!((rated.stars, rated.comment.as_str()), (Some(5), "很专业"));
    assert_eq!(rated.reasons, ["回复及时"]);
    assert_eq!(
        store
            .rate(tenant, invited.id, shop.buyer.id, &five, now + 2)
            .await
            .unwrap(),
        RatingChange::Closed,
        "once"
    );
    assert_eq!(
        store
            .reinvite_rating(tenant, invited.id, shop.boss.id, now + 3)
            .await
            .unwrap(),
        RatingChange::Closed,
        "rated: nothing to ask again"
    );

    // A day later, unrated: expired; invited again once, then rated.
    let old = store
        .invite_rating(tenant, c.id, Some(shop.agent.id), now - RATING_TTL_MS - 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .rate(tenant, old.id, shop.buyer.id, &five, now)
            .await
            .unwrap(),
        RatingChange::Expired
    );
    let RatingChange::Done(again) = store
        .reinvite_rating(tenant, old.id, shop.boss.id, now)
        .await
        .unwrap()
    else {
        panic!("invited again");
    };
    assert!(again.reinvited && again.expires_at == now + RATING_TTL_MS);
    assert_eq!(
        store
            .reinvite_rating(tenant, old.id, shop.boss.id, now)
            .await
            .unwrap(),
        RatingChange::Closed,
        "at most once"
    );
    let two = RatingInput {
        stars: 2,
        reasons: vec!["回复太慢".into()],
        comment: String::new(),
    }
    .check()
    .unwrap();
    assert!(matches!(
        store
            .rate(tenant, old.id, shop.buyer.id, &two, now + 1)
            .await
            .unwrap(),
        RatingChange::Done(_)
    ));
    let all = store.conversation_ratings(tenant, c.id).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        store
            .conversation_ratings(other.tenant.id, c.id)
            .await
            .unwrap()
            .is_empty()
    );
    let events = store.conversation_events(tenant, c.id).await.unwrap();
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == EventKind::RatingInvited)
            .count(),
        3
    );
    let bad: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.kind == EventKind::Rated)
        .map(|e| &e.data)
        .collect();
    assert_eq!(bad.len(), 2);
    assert_eq!(
        (bad[1]["stars"].as_i64(), bad[1]["bad"].as_bool()),
        (Some(2), Some(true))
    );
}
