//! Commerce (CH-2, CH-5, CH-6): products and orders are upserted idempotently, found per
//! member and per shop, carry their fulfilment partner, and conversations remember what they
//! were opened about.

use kefu_domain::account::TenantKind;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::{EntryContext, Partner, ProductInput, ShippingStatus, SkuInput};
use kefu_domain::conversation::EventKind;
use kefu_domain::money::Money;
use kefu_store::{Store, UpsertCounts};

use crate::order;

on_both_backends!(products_and_orders_are_upserted_and_found);

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
            price_fen: Money::from_fen(price_fen),
            stock: 5,
        }],
    }
    .check()
    .unwrap()
}

/// Products and orders are upserted idempotently, found per member and per shop, carry
/// their fulfilment partner, and conversations remember what they were opened about.
async fn products_and_orders_are_upserted_and_found(store: Store) {
    let shop = store
        .create_tenant(TenantKind::Shop, "tea", "茶铺", "s", |_| vec![])
        .await
        .unwrap();
    let other = store
        .create_tenant(TenantKind::Shop, "digital", "数码", "s", |_| vec![])
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
        Money::from_fen(90)
    );
    assert!(store.product(other.id, "P1").await.unwrap().is_none());
    let found = store.products(shop.id, "TOU", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].partner.as_ref(), Some(&ctrip));
    assert_eq!(
        store.products(shop.id, "tou", 10).await.unwrap(),
        found,
        "the search ignores case on both backends"
    );
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
