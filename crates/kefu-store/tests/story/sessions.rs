//! UI sessions and API tokens: found by the hash of their secret until they expire or are
//! deleted.

use kefu_domain::time::now_ms;
use kefu_store::Store;

on_both_backends!(a_session_is_found_by_its_hash_until_it_ends);

async fn a_session_is_found_by_its_hash_until_it_ends(store: Store) {
    let shop = crate::shop(&store, "sessions").await;
    let agent = shop.agent;
    let hour = now_ms() + 3_600_000;
    store
        .create_session(
            "ui-hash",
            agent.id,
            true,
            "Firefox",
            "csrf-ui",
            hour,
            |_| vec![],
        )
        .await
        .unwrap();
    store
        .create_session(
            "api-hash",
            agent.id,
            false,
            "ERP sync",
            "csrf-api",
            hour,
            |_| vec![],
        )
        .await
        .unwrap();
    store
        .create_session(
            "old-hash",
            agent.id,
            true,
            "old",
            "csrf-old",
            now_ms() - 1,
            |_| vec![],
        )
        .await
        .unwrap();
    let ui = store.session("ui-hash").await.unwrap().unwrap();
    assert_eq!(
        (ui.user, ui.csrf_token.as_str(), ui.is_ui),
        (agent.clone(), "csrf-ui", true)
    );
    let api = store.session("api-hash").await.unwrap().unwrap();
    assert_eq!((api.user.id, api.is_ui), (agent.id, false));
    assert!(
        store.session("old-hash").await.unwrap().is_none(),
        "expired"
    );
    assert!(store.session("no-such-hash").await.unwrap().is_none());
    store.delete_session("ui-hash").await.unwrap();
    assert!(store.session("ui-hash").await.unwrap().is_none());
    assert!(store.session("api-hash").await.unwrap().is_some());
}
