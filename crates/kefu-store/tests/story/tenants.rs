//! Tenants (ACC-1): a shop is found by slug and id, keeps its identity secret to itself, and
//! keeps its settings apart from every other shop's.

use kefu_domain::account::TenantKind;
use kefu_domain::guard::ShopSettings;
use kefu_domain::hours::OfficeHours;
use kefu_domain::money::Money;
use kefu_domain::time::now_ms;
use kefu_store::{NewAudit, Store, StoreError};
use uuid::Uuid;

on_both_backends!(a_shop_is_found_by_slug_and_id);
on_both_backends!(a_shop_keeps_its_own_settings);
on_both_backends!(an_identity_secret_rotates_with_a_grace_period);

async fn a_shop_is_found_by_slug_and_id(store: Store) {
    assert!(
        !store.any_tenant().await.unwrap(),
        "a new database has none"
    );
    let shop = store
        .create_tenant(
            TenantKind::Shop,
            "tea-house",
            "茶馆",
            "identity-secret",
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        (shop.kind, shop.slug.as_str(), shop.name.as_str()),
        (TenantKind::Shop, "tea-house", "茶馆")
    );
    assert_eq!(shop.timezone, "Asia/Shanghai");
    let desk = store
        .create_tenant(
            TenantKind::Platform,
            "official",
            "官方客服",
            "desk-secret",
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(desk.kind, TenantKind::Platform);
    assert!(matches!(
        store
            .create_tenant(TenantKind::Shop, "tea-house", "重名", "s", |_| vec![])
            .await,
        Err(StoreError::Conflict("tenant_slug_taken"))
    ));

    assert_eq!(
        store.tenant_by_slug("tea-house").await.unwrap(),
        Some(shop.clone())
    );
    assert_eq!(store.tenant(desk.id).await.unwrap(), Some(desk.clone()));
    assert_eq!(store.tenant_by_slug("nobody").await.unwrap(), None);
    assert_eq!(store.tenant(Uuid::new_v4()).await.unwrap(), None);
    let secrets = |id| {
        let store = store.clone();
        async move { store.identity_secrets(id).await.unwrap() }
    };
    assert_eq!(secrets(shop.id).await.unwrap().current, "identity-secret");
    assert_eq!(secrets(desk.id).await.unwrap().current, "desk-secret");
    assert!(secrets(Uuid::new_v4()).await.is_none());
    assert_eq!(secrets(shop.id).await.unwrap().rotated_at, None);
}

/// CH-2, issue #15: a rotation keeps the old secret verifying through its grace, sealed, and
/// its audit entry commits with it; ending the grace early drops the old one.
async fn an_identity_secret_rotates_with_a_grace_period(store: Store) {
    let shop = crate::shop(&store, "rotating").await.tenant;
    let other = crate::shop(&store, "steady").await.tenant;
    let before = store.identity_secrets(other.id).await.unwrap().unwrap();
    let entry = |action: &str| NewAudit {
        tenant_id: shop.id,
        actor_id: None,
        actor_name: "命令行".into(),
        action: action.into(),
        target: "identity_secret".into(),
        detail: serde_json::json!({}),
    };
    let until = now_ms() + 3_600_000;
    let rotated = store
        .rotate_identity_secret(shop.id, "second", Some(until), |_| {
            vec![entry("identity_secret.rotate")]
        })
        .await
        .unwrap()
        .unwrap();
    let read = store.identity_secrets(shop.id).await.unwrap().unwrap();
    assert_eq!(read, rotated);
    assert_eq!(read.current, "second");
    assert_eq!(read.previous.as_deref(), Some("secret"));
    assert_eq!(read.previous_until, Some(until));
    assert!(read.rotated_at.is_some());
    assert_eq!(
        read.accepted(now_ms()).collect::<Vec<_>>(),
        ["second", "secret"]
    );
    assert_eq!(read.accepted(until).collect::<Vec<_>>(), ["second"]);
    // Another shop's secret is untouched; an unknown tenant rotates nothing.
    assert_eq!(
        store.identity_secrets(other.id).await.unwrap(),
        Some(before)
    );
    assert!(
        store
            .rotate_identity_secret(Uuid::new_v4(), "x", None, |_| vec![])
            .await
            .unwrap()
            .is_none()
    );
    // Ending the grace: once, audited once.
    assert!(
        store
            .end_identity_grace(shop.id, vec![entry("identity_secret.end_grace")])
            .await
            .unwrap()
    );
    assert!(
        !store
            .end_identity_grace(shop.id, vec![entry("identity_secret.end_grace")])
            .await
            .unwrap()
    );
    let read = store.identity_secrets(shop.id).await.unwrap().unwrap();
    assert_eq!((read.previous, read.previous_until), (None, None));
    // A rotation without grace keeps no previous secret.
    let third = store
        .rotate_identity_secret(shop.id, "third", None, |_| vec![])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.previous, None);
    let filter = kefu_store::AuditFilter {
        action: Some("identity_secret"),
        limit: 10,
        ..Default::default()
    };
    let entries = store.audit_entries(shop.id, &filter).await.unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        store
            .verify_audit(Some(shop.id))
            .await
            .unwrap()
            .broken
            .is_empty()
    );
}

async fn a_shop_keeps_its_own_settings(store: Store) {
    let shop = crate::shop(&store, "settings").await.tenant;
    let other = crate::shop(&store, "untouched").await.tenant;
    assert_eq!(
        store.shop_settings(shop.id).await.unwrap(),
        ShopSettings::default(),
        "a shop starts with the defaults"
    );
    let settings = ShopSettings {
        refund_threshold_fen: Money::from_fen(20_000),
        probation_days: 10,
        max_accounts: 5,
        routing_enabled: true,
        office_hours: Some(OfficeHours {
            days: vec![1, 2, 3, 4, 5],
            open: "09:00".into(),
            close: "18:00".into(),
        }),
    }
    .check()
    .unwrap();
    store
        .set_shop_settings(shop.id, &settings, |_| vec![])
        .await
        .unwrap();
    assert_eq!(store.shop_settings(shop.id).await.unwrap(), settings);
    let changed = ShopSettings {
        routing_enabled: false,
        office_hours: None,
        ..settings
    };
    store
        .set_shop_settings(shop.id, &changed, |_| vec![])
        .await
        .unwrap();
    assert_eq!(store.shop_settings(shop.id).await.unwrap(), changed);
    assert_eq!(
        store.shop_settings(other.id).await.unwrap(),
        ShopSettings::default()
    );
}
