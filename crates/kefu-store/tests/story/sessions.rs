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

on_both_backends!(a_new_password_ends_the_ui_sessions_but_not_the_api_tokens);

/// Issue #15 (`kefu user reset-password`): the hash changes, UI sessions end, API tokens stay,
/// and the audit entry commits with the change.
async fn a_new_password_ends_the_ui_sessions_but_not_the_api_tokens(store: Store) {
    let shop = crate::shop(&store, "passwords").await;
    let agent = shop.agent;
    let hour = now_ms() + 3_600_000;
    for (hash, is_ui) in [("ui-session", true), ("api-token", false)] {
        store
            .create_session(hash, agent.id, is_ui, "x", "csrf", hour, |_| vec![])
            .await
            .unwrap();
    }
    let user = store
        .set_password(shop.tenant.id, agent.id, "new-hash", |user| {
            vec![kefu_store::NewAudit {
                tenant_id: user.tenant_id,
                actor_id: None,
                actor_name: "命令行".into(),
                action: "account.password_reset".into(),
                target: format!("user:{}", user.id),
                detail: serde_json::json!({}),
            }]
        })
        .await
        .unwrap();
    assert_eq!(user.id, agent.id);
    let (_, hash) = store
        .user_for_login(&agent.username)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hash, "new-hash");
    assert!(store.session("ui-session").await.unwrap().is_none());
    assert!(store.session("api-token").await.unwrap().is_some());
    let verdict = store.verify_audit(Some(shop.tenant.id)).await.unwrap();
    assert_eq!(verdict.checked, 1);
    // Another shop's account: not found, nothing changes.
    let other = crate::shop(&store, "elsewhere").await;
    assert!(
        store
            .set_password(other.tenant.id, agent.id, "x", |_| vec![])
            .await
            .is_err()
    );
    // The operator's list of tenants, by slug.
    let slugs: Vec<String> = store
        .tenants()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.slug)
        .collect();
    assert_eq!(slugs, ["elsewhere", "passwords"]);
    assert!(store.any_tenant().await.unwrap());
}
