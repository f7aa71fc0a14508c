//! Work orders (ESC-3): opened (the robot's marking their order's after-sale), listed by
//! every filter, changed only from the version read, their history kept; the sweep's list
//! across shops; a person's saved views. Nothing crosses shops.

use std::collections::BTreeMap;

use kefu_domain::commerce::AfterSaleStatus;
use kefu_domain::work_order::{
    self, EventKind, Move, Opening, Priority, Source, Status, WorkOrder, WorkOrderDraft,
    WorkOrderItem, WorkOrderKind, WorkOrderSettings,
};
use kefu_store::{NewWorkOrderEvent, OwnerFilter, Store, WorkOrderQuery};
use serde_json::json;
use uuid::Uuid;

use crate::order;

on_both_backends!(orders_are_followed_to_their_end);
on_both_backends!(buyers_replies_find_the_orders_waiting_for_them);

fn draft(kind: WorkOrderKind, title: &str, order_no: Option<&str>) -> WorkOrderDraft {
    WorkOrderDraft {
        kind,
        title: title.into(),
        description: "盒子压坏了".into(),
        priority: Priority::Normal,
        order_no: order_no.map(Into::into),
        items: vec![WorkOrderItem {
            sku_code: "P1-1".into(),
            title: "商品".into(),
            quantity: 1,
        }],
        amount_fen: Some(12_800),
        fields: BTreeMap::new(),
    }
}

fn open(
    draft: WorkOrderDraft,
    conversation: Option<Uuid>,
    owner: Option<Uuid>,
    now: i64,
) -> WorkOrder {
    let id = Uuid::now_v7();
    WorkOrder::open(
        draft,
        Opening {
            id,
            number: work_order::number("WO", id, now),
            source: Source::Agent,
            source_id: None,
            conversation_id: conversation,
            buyer_id: None,
            owner_id: owner,
            team: Some("after_sales".into()),
            created_by: owner,
            now,
        },
        &WorkOrderSettings::default(),
        None,
    )
}

async fn orders_are_followed_to_their_end(store: Store) {
    let shop = crate::shop(&store, "orders").await;
    let other = crate::shop(&store, "other-orders").await;
    let tenant = shop.tenant.id;
    store
        .upsert_orders(tenant, &[order("A1", "m1", "P1", 1_795_000_000_000)])
        .await
        .unwrap();
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let now = kefu_domain::time::now_ms();
    let agent = (shop.agent.id, shop.agent.display_name.as_str());

    // The robot's request marks its order.
    let refund = open(
        draft(WorkOrderKind::Refund, "破损退款", Some("A1")),
        Some(c.id),
        None,
        now,
    );
    let created = NewWorkOrderEvent {
        body: "买家上传了照片".into(),
        attachment_id: Some(Uuid::now_v7()),
        ..NewWorkOrderEvent::of(
            EventKind::Created,
            None,
            json!({"after_sale_kind": "return_refund"}),
        )
    };
    let refund = store
        .create_work_order(tenant, &refund, &created, true)
        .await
        .unwrap();
    assert_eq!((refund.version, refund.status), (0, Status::New));
    let order_now = store.order(tenant, "A1").await.unwrap().unwrap();
    assert_eq!(order_now.after_sale_status, AfterSaleStatus::Requested);
    let callback = open(
        draft(WorkOrderKind::Callback, "回电说明", None),
        None,
        Some(shop.agent.id),
        now + 1,
    );
    let callback = store
        .create_work_order(
            tenant,
            &callback,
            &NewWorkOrderEvent::of(EventKind::Created, Some(agent), json!({})),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .work_order(tenant, callback.id)
            .await
            .unwrap()
            .as_ref(),
        Some(&callback)
    );

    // Every filter narrows; newest first unless by deadline.
    let list = |q: WorkOrderQuery| {
        let store = store.clone();
        async move {
            let q = WorkOrderQuery { limit: 50, ..q };
            let found = store.work_orders(tenant, &q).await.unwrap();
            assert_eq!(
                store.count_work_orders(tenant, &q).await.unwrap(),
                found.len() as i64 + q.offset
            );
            found.into_iter().map(|o| o.number).collect::<Vec<_>>()
        }
    };
    let (r, cb) = (refund.number.clone(), callback.number.clone());
    assert_eq!(
        list(WorkOrderQuery::default()).await,
        [cb.clone(), r.clone()]
    );
    let by_deadline = WorkOrderQuery {
        by_deadline: true,
        ..Default::default()
    };
    assert_eq!(list(by_deadline).await, [cb.clone(), r.clone()]);
    let mine = WorkOrderQuery {
        owner: Some(OwnerFilter::Person(shop.agent.id)),
        ..Default::default()
    };
    assert_eq!(list(mine).await, std::slice::from_ref(&cb));
    let nobody = WorkOrderQuery {
        owner: Some(OwnerFilter::Nobody),
        ..Default::default()
    };
    assert_eq!(list(nobody).await, std::slice::from_ref(&r));
    let refunds = WorkOrderQuery {
        kind: Some(WorkOrderKind::Refund),
        ..Default::default()
    };
    assert_eq!(list(refunds).await, std::slice::from_ref(&r));
    let of_chat = WorkOrderQuery {
        conversation_id: Some(c.id),
        ..Default::default()
    };
    assert_eq!(list(of_chat).await, std::slice::from_ref(&r));
    let of_order = WorkOrderQuery {
        order_no: Some("A1".into()),
        ..Default::default()
    };
    assert_eq!(list(of_order).await, std::slice::from_ref(&r));
    let by_text = WorkOrderQuery {
        text: Some("回电".into()),
        ..Default::default()
    };
    assert_eq!(list(by_text).await, std::slice::from_ref(&cb));
    let wild = WorkOrderQuery {
        text: Some("%".into()),
        ..Default::default()
    };
    assert!(list(wild).await.is_empty());
    let team = WorkOrderQuery {
        team: Some("after_sales".into()),
        priority: Some(Priority::Normal),
        ..Default::default()
    };
    assert_eq!(list(team).await.len(), 2);
    let late = WorkOrderQuery {
        overdue_at: Some(now + 49 * 3_600_000),
        ..Default::default()
    };
    assert_eq!(list(late).await, [cb.clone(), r.clone()]);
    let page = WorkOrderQuery {
        offset: 1,
        ..Default::default()
    };
    assert_eq!(list(page).await, std::slice::from_ref(&r));

    // A change from the version read, with its lines; a stale one writes nothing.
    let started = refund.moved(Move::Start, now + 10, None).unwrap();
    let moved = NewWorkOrderEvent::of(
        EventKind::Moved,
        Some(agent),
        json!({"from": "new", "to": "in_progress"}),
    );
    let saved = store
        .save_work_order(tenant, &started, std::slice::from_ref(&moved))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((saved.version, saved.status), (1, Status::InProgress));
    assert_eq!(
        store
            .save_work_order(tenant, &started, &[moved])
            .await
            .unwrap(),
        None
    );
    let open_only = WorkOrderQuery {
        statuses: vec![Status::InProgress],
        ..Default::default()
    };
    assert_eq!(list(open_only).await, std::slice::from_ref(&r));
    let note = NewWorkOrderEvent {
        body: "已联系仓库".into(),
        to_buyer: true,
        ..NewWorkOrderEvent::of(EventKind::Comment, Some(agent), json!({}))
    };
    store
        .add_work_order_event(tenant, refund.id, &note)
        .await
        .unwrap();
    let history = store.work_order_events(tenant, refund.id).await.unwrap();
    let kinds: Vec<_> = history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::Created, EventKind::Moved, EventKind::Comment]
    );
    assert_eq!(
        (history[0].actor_id, history[0].attachment_id),
        (None, created.attachment_id)
    );
    assert_eq!(
        (history[2].body.as_str(), history[2].to_buyer),
        ("已联系仓库", true)
    );

    // The sweep's list: alarms due across shops, soonest first.
    let due = store
        .due_work_orders(now + 30 * 3_600_000, 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter()
            .map(|(t, o)| (*t, o.number.clone()))
            .collect::<Vec<_>>(),
        [(tenant, cb.clone()), (tenant, r.clone())]
    );
    assert!(store.due_work_orders(now, 10).await.unwrap().is_empty());

    // Saved views: one name each, replaced when saved again.
    let filters = json!({"status": "open", "owner": "me"});
    let view = store
        .save_work_order_view(tenant, shop.agent.id, "我的", &filters)
        .await
        .unwrap();
    let again = store
        .save_work_order_view(tenant, shop.agent.id, "我的", &json!({"kind": "refund"}))
        .await
        .unwrap();
    assert_eq!(again.id, view.id);
    let views = store.work_order_views(tenant, shop.agent.id).await.unwrap();
    assert_eq!(
        (views.len(), &views[0].filters),
        (1, &json!({"kind": "refund"}))
    );
    assert!(
        store
            .work_order_views(tenant, shop.boss.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Another shop sees none of it.
    let o = other.tenant.id;
    assert_eq!(store.work_order(o, refund.id).await.unwrap(), None);
    assert!(
        store
            .work_orders(
                o,
                &WorkOrderQuery {
                    limit: 9,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .work_order_events(o, refund.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .add_work_order_event(o, refund.id, &note)
            .await
            .is_err()
    );
    assert_eq!(store.save_work_order(o, &saved, &[]).await.unwrap(), None);
    assert!(
        !store
            .delete_work_order_view(o, shop.agent.id, view.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_work_order_view(tenant, shop.agent.id, view.id)
            .await
            .unwrap()
    );
    assert!(
        store
            .work_order_views(tenant, shop.agent.id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A batch of buyers' replies (shop, conversation) finds, in one read, the orders of those
/// conversations that wait for their buyer or are resolved; none of another shop's, none
/// still in progress.
async fn buyers_replies_find_the_orders_waiting_for_them(store: Store) {
    let shop = crate::shop(&store, "replies").await;
    let other = crate::shop(&store, "replies-elsewhere").await;
    let tenant = shop.tenant.id;
    let c1 = crate::conversation(&store, tenant, &shop.buyer).await;
    let elsewhere = crate::conversation(&store, other.tenant.id, &other.buyer).await;
    let now = kefu_domain::time::now_ms();
    let created = || NewWorkOrderEvent::of(EventKind::Created, None, json!({}));
    let mut saved = Vec::new();
    for (i, (moves, conversation)) in [
        (vec![Move::Start, Move::WaitForBuyer], c1.id),
        (vec![Move::Start, Move::Resolve], c1.id),
        (vec![Move::Start], c1.id),
    ]
    .into_iter()
    .enumerate()
    {
        let mut order = open(
            draft(WorkOrderKind::Refund, &format!("单{i}"), None),
            Some(conversation),
            None,
            now + i as i64,
        );
        order = store
            .create_work_order(tenant, &order, &created(), false)
            .await
            .unwrap();
        for by in moves {
            let next = order.moved(by, now + 10, None).unwrap();
            order = store
                .save_work_order(tenant, &next, &[])
                .await
                .unwrap()
                .unwrap();
        }
        saved.push(order);
    }
    // The other shop's conversation has an order waiting too: a pair names one shop's one
    // conversation, never a shop's and another's.
    let theirs = open(
        draft(WorkOrderKind::Refund, "别家的单", None),
        Some(elsewhere.id),
        None,
        now,
    );
    let mut theirs = store
        .create_work_order(other.tenant.id, &theirs, &created(), false)
        .await
        .unwrap();
    for by in [Move::Start, Move::WaitForBuyer] {
        let next = theirs.moved(by, now + 10, None).unwrap();
        theirs = store
            .save_work_order(other.tenant.id, &next, &[])
            .await
            .unwrap()
            .unwrap();
    }
    let found = store
        .work_orders_awaiting_buyer(&[
            (tenant, c1.id),
            (tenant, elsewhere.id),
            (other.tenant.id, c1.id),
        ])
        .await
        .unwrap();
    let found: Vec<(Uuid, Status)> = found.into_iter().map(|(t, o)| (t, o.status)).collect();
    assert_eq!(
        found,
        [(tenant, Status::WaitingBuyer), (tenant, Status::Resolved)]
    );
    assert!(
        store
            .work_orders_awaiting_buyer(&[(other.tenant.id, c1.id), (tenant, elsewhere.id)])
            .await
            .unwrap()
            .is_empty()
    );
    let found = store
        .work_orders_awaiting_buyer(&[(other.tenant.id, elsewhere.id)])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0, found[0].1.id), (other.tenant.id, theirs.id));
    assert!(
        store
            .work_orders_awaiting_buyer(&[])
            .await
            .unwrap()
            .is_empty()
    );
}
