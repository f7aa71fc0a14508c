//! Handoff cases (CH-5): an order handed to its fulfilment partner is opened once per order
//! and conversation, listed open-first by due date, and closed once with its resolution.

use kefu_domain::commerce::Partner;
use kefu_domain::conversation::EventKind;
use kefu_domain::time::now_ms;
use kefu_store::{NewHandoff, Store, StoreError};
use uuid::Uuid;

on_both_backends!(a_handoff_is_opened_once_and_closed_once);

async fn a_handoff_is_opened_once_and_closed_once(store: Store) {
    let shop = crate::shop(&store, "handoffs").await;
    let other = crate::shop(&store, "no-handoffs").await;
    let (tenant, agent) = (shop.tenant.id, shop.agent.id);
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let partner = Partner {
        name: "携程".into(),
        handoff_url: "https://partner.example/cases".into(),
        shared_fields: vec!["order_no".into()],
    };
    let due = now_ms() + 3 * 86_400_000;
    let new = |order_no, due_at| NewHandoff {
        tenant_id: tenant,
        conversation_id: c.id,
        order_no,
        partner: &partner,
        shared: serde_json::json!({ "order_no": order_no }),
        note: "酒店改期",
        due_at,
        created_by: agent,
    };
    let first = store.create_handoff(&new("T1", due)).await.unwrap();
    assert_eq!(
        (
            first.conversation_id,
            first.order_no.as_str(),
            first.partner_name.as_str(),
            first.status.as_str()
        ),
        (c.id, "T1", "携程", "open")
    );
    assert_eq!(first.buyer_name, shop.buyer.display_name);
    assert!(matches!(
        store.create_handoff(&new("T1", due)).await,
        Err(StoreError::Conflict("handoff_exists"))
    ));
    crate::tick().await;
    let sooner = store
        .create_handoff(&new("T2", due - 86_400_000))
        .await
        .unwrap();
    let mut elsewhere = new("T3", due);
    elsewhere.tenant_id = other.tenant.id;
    assert!(matches!(
        store.create_handoff(&elsewhere).await,
        Err(StoreError::NotFound("conversation"))
    ));
    let logged = store.conversation_events(tenant, c.id).await.unwrap();
    let handed: Vec<&serde_json::Value> = logged
        .iter()
        .filter(|e| e.kind == EventKind::HandedOff)
        .map(|e| &e.data)
        .collect();
    assert_eq!(handed.len(), 2);
    assert_eq!(handed[0]["order_no"], "T1");

    let ids = |cases: Vec<kefu_domain::commerce::HandoffCase>| {
        cases.into_iter().map(|h| h.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.handoffs(tenant, c.id).await.unwrap()),
        [sooner.id, first.id],
        "newest first"
    );
    assert_eq!(store.handoffs(tenant, c.id).await.unwrap()[1], first);
    assert_eq!(
        ids(store.handoff_cases(tenant, Some("open"), 10).await.unwrap()),
        [sooner.id, first.id],
        "open ones by due date"
    );

    let closed = store
        .close_handoff(tenant, first.id, "已改期")
        .await
        .unwrap();
    assert_eq!(
        (closed.status.as_str(), closed.resolution.as_str()),
        ("closed", "已改期")
    );
    assert!(closed.closed_at.is_some());
    assert!(matches!(
        store.close_handoff(tenant, first.id, "again").await,
        Err(StoreError::Conflict("handoff_closed"))
    ));
    assert!(matches!(
        store.close_handoff(other.tenant.id, sooner.id, "x").await,
        Err(StoreError::NotFound("handoff"))
    ));
    assert!(matches!(
        store.close_handoff(tenant, Uuid::new_v4(), "x").await,
        Err(StoreError::NotFound("handoff"))
    ));
    assert_eq!(
        ids(store.handoff_cases(tenant, Some("open"), 10).await.unwrap()),
        [sooner.id]
    );
    assert_eq!(
        ids(store
            .handoff_cases(tenant, Some("closed"), 10)
            .await
            .unwrap()),
        [first.id]
    );
    assert_eq!(
        ids(store.handoff_cases(tenant, None, 10).await.unwrap()),
        [sooner.id, first.id],
        "open first, then the closed"
    );
    assert!(
        store
            .handoff_cases(other.tenant.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
