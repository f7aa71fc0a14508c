//! Tenants (ACC-1): a shop is found by slug and id, keeps its identity secret to itself, and
//! keeps its settings apart from every other shop's.

use kefu_domain::account::TenantKind;
use kefu_domain::guard::ShopSettings;
use kefu_domain::hours::OfficeHours;
use kefu_domain::money::Money;
use kefu_store::{Store, StoreError};
use uuid::Uuid;

on_both_backends!(a_shop_is_found_by_slug_and_id);
on_both_backends!(a_shop_keeps_its_own_settings);

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
    assert_eq!(
        store.tenant_identity_secret(shop.id).await.unwrap(),
        Some("identity-secret".to_owned())
    );
    assert_eq!(
        store.tenant_identity_secret(desk.id).await.unwrap(),
        Some("desk-secret".to_owned())
    );
    assert_eq!(
        store.tenant_identity_secret(Uuid::new_v4()).await.unwrap(),
        None
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
