//! Approvals (ACC-5): concurrent decisions have one winner, nobody approves their own request,
//! and an approved request is carried out on its order in the same transaction.

use kefu_domain::commerce::{AfterSaleStatus, PaymentStatus};
use kefu_domain::guard::{ApprovalKind, ApprovalStatus};
use kefu_domain::money::Money;
use kefu_domain::role::Role;
use kefu_store::{NewApproval, Store, StoreError};
use uuid::Uuid;

use crate::{order, user};

on_both_backends!(concurrent_decisions_have_one_winner);
on_both_backends!(an_approved_request_is_carried_out_on_its_order);

fn request<'a>(
    tenant_id: Uuid,
    kind: ApprovalKind,
    order_no: &'a str,
    amount_fen: Option<i64>,
    payload: serde_json::Value,
    requested_by: Uuid,
) -> NewApproval<'a> {
    NewApproval {
        tenant_id,
        kind,
        conversation_id: None,
        order_no,
        amount_fen: amount_fen.map(Money::from_fen),
        payload,
        reason: "买家要求",
        requested_by,
    }
}

async fn concurrent_decisions_have_one_winner(store: Store) {
    let shop = crate::shop(&store, "race").await;
    let asker = shop.agent.id;
    let (boss_a, boss_b) = (
        shop.boss.id,
        user(&store, shop.tenant.id, "race-admin", Role::SuperAdmin, None)
            .await
            .id,
    );
    store
        .upsert_orders(
            shop.tenant.id,
            &[order("O1", "m1", "P1", 1_795_000_000_000)],
        )
        .await
        .unwrap();
    for round in 0..5 {
        let pending = store
            .create_approval(
                &request(
                    shop.tenant.id,
                    ApprovalKind::Refund,
                    "O1",
                    Some(50 + round),
                    serde_json::json!({}),
                    asker,
                ),
                false,
                |_| vec![],
            )
            .await
            .unwrap();
        assert_eq!(pending.status, ApprovalStatus::Pending);
        let (a, b) = tokio::join!(
            store.decide_approval(shop.tenant.id, pending.id, true, boss_a, "", |_| vec![]),
            store.decide_approval(
                shop.tenant.id,
                pending.id,
                round % 2 == 0,
                boss_b,
                "no",
                |_| vec![]
            ),
        );
        let winners = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
        assert_eq!(winners, 1, "round {round}: {a:?} {b:?}");
        let loser = if a.is_ok() { b } else { a };
        assert!(matches!(
            loser,
            Err(StoreError::Conflict("already_decided"))
        ));
    }
    let own = store
        .create_approval(
            &request(
                shop.tenant.id,
                ApprovalKind::Compensation,
                "O1",
                Some(1),
                serde_json::json!({}),
                boss_a,
            ),
            false,
            |_| vec![],
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .decide_approval(shop.tenant.id, own.id, true, boss_a, "", |_| vec![])
            .await,
        Err(StoreError::Conflict("own_request"))
    ));
}

async fn an_approved_request_is_carried_out_on_its_order(store: Store) {
    let shop = crate::shop(&store, "refunds").await;
    let other = crate::shop(&store, "elsewhere").await;
    let (tenant, asker, boss) = (shop.tenant.id, shop.agent.id, shop.boss.id);
    store
        .upsert_orders(
            tenant,
            &[
                order("R1", "m1", "P1", 1_795_000_000_000),
                order("R2", "m1", "P1", 1_795_000_000_000),
                order("L1", "m1", "P1", 1_795_000_000_000),
            ],
        )
        .await
        .unwrap();

    // A compensation a permitted requester carries out at once: executed, order untouched.
    let done = store
        .create_approval(
            &request(
                tenant,
                ApprovalKind::Compensation,
                "R1",
                Some(500),
                serde_json::json!({ "coupon": "C10" }),
                boss,
            ),
            true,
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(done.status, ApprovalStatus::Executed);
    assert!(done.executed_at.is_some());
    assert_eq!(done.payload["coupon"], "C10");
    assert_eq!(done.requested_by_name, shop.boss.display_name);

    // Two requests wait, oldest first in the queue.
    let refund = store
        .create_approval(
            &request(
                tenant,
                ApprovalKind::Refund,
                "R1",
                Some(40),
                serde_json::json!({}),
                asker,
            ),
            false,
            |_| vec![],
        )
        .await
        .unwrap();
    crate::tick().await;
    let logistics = store
        .create_approval(
            &request(
                tenant,
                ApprovalKind::LogisticsChange,
                "L1",
                None,
                serde_json::json!({ "logistics_company": "中通快递", "tracking_no": "ZT9" }),
                asker,
            ),
            false,
            |_| vec![],
        )
        .await
        .unwrap();
    let queue: Vec<Uuid> = store
        .approvals(tenant, Some(ApprovalStatus::Pending), 10)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(queue, [refund.id, logistics.id]);

    // A partial refund: the order is partially refunded and its after-sale case refunded.
    let approved = store
        .decide_approval(tenant, refund.id, true, boss, "核实无误", |_| vec![])
        .await
        .unwrap();
    assert_eq!(approved.status, ApprovalStatus::Executed);
    assert_eq!(
        (
            approved.decided_by,
            approved.decided_by_name.as_deref(),
            approved.decision_reason.as_str()
        ),
        (
            Some(boss),
            Some(shop.boss.display_name.as_str()),
            "核实无误"
        )
    );
    let r1 = store.order(tenant, "R1").await.unwrap().unwrap();
    assert_eq!(
        (r1.payment_status, r1.after_sale_status),
        (PaymentStatus::PartiallyRefunded, AfterSaleStatus::Refunded)
    );

    // A logistics change rewrites the order's carrier and tracking number.
    store
        .decide_approval(tenant, logistics.id, true, boss, "", |_| vec![])
        .await
        .unwrap();
    let l1 = store.order(tenant, "L1").await.unwrap().unwrap();
    assert_eq!(
        (l1.logistics_company.as_deref(), l1.tracking_no.as_deref()),
        (Some("中通快递"), Some("ZT9"))
    );

    // A full refund, rejected: nothing happens to the order.
    crate::tick().await;
    let full = store
        .create_approval(
            &request(
                tenant,
                ApprovalKind::Refund,
                "R2",
                Some(100),
                serde_json::json!({}),
                asker,
            ),
            false,
            |_| vec![],
        )
        .await
        .unwrap();
    let rejected = store
        .decide_approval(tenant, full.id, false, boss, "已超售后期", |_| vec![])
        .await
        .unwrap();
    assert_eq!(rejected.status, ApprovalStatus::Rejected);
    assert_eq!(rejected.executed_at, None);
    let r2 = store.order(tenant, "R2").await.unwrap().unwrap();
    assert_eq!(r2.payment_status, PaymentStatus::Paid);
    assert_eq!(
        store.approval(tenant, full.id).await.unwrap(),
        Some(rejected)
    );

    // The history, newest first; nothing of it is visible to another shop (ACC-1).
    let all: Vec<Uuid> = store
        .approvals(tenant, None, 10)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0], full.id);
    let executed = store
        .approvals(tenant, Some(ApprovalStatus::Executed), 10)
        .await
        .unwrap();
    assert_eq!(executed.len(), 3);
    assert_eq!(
        store.approval(other.tenant.id, full.id).await.unwrap(),
        None
    );
    assert!(matches!(
        store
            .decide_approval(
                other.tenant.id,
                full.id,
                true,
                other.boss.id,
                "",
                |_| vec![]
            )
            .await,
        Err(StoreError::NotFound("approval"))
    ));
}
