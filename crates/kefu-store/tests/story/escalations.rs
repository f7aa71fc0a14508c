//! Escalations (ESC-1): one not handled per matter (a second is a conflict), raised and taken
//! only from the version read, listed by status and conversation, the sweep's list across
//! shops; and the outbound path's deliveries: queued, due, tried, logged, pruned. Nothing
//! crosses shops.

use kefu_domain::escalation::{Escalation, Level, Status, Subject, Trigger};
use kefu_domain::playbook::{PlaybookRun, Playbooks};
use kefu_store::{DeliveryTry, EscalationQuery, NewDelivery, Store, StoreError};
use uuid::Uuid;

on_both_backends!(escalations_go_up_and_are_told);
on_both_backends!(playbooks_run_on_conversations);
on_both_backends!(arbitration_is_between_a_shop_and_the_platform);
on_both_backends!(appeals_queue_on_the_platform);

async fn appeals_queue_on_the_platform(store: Store) {
    use kefu_domain::appeal::{Appeal, AppealKind, Filer, Outcome, Status as AppealStatus};
    use kefu_store::AppealScope;
    let platform = crate::shop(&store, "appeal-desk").await;
    let shop = crate::shop(&store, "appealing-shop").await;
    let stranger = crate::shop(&store, "appeal-stranger").await;
    let buyer = Filer::Buyer {
        buyer_id: platform.buyer.id,
        name: "王先生".into(),
    };
    let filed = Appeal::file(
        Uuid::now_v7(),
        "AP-1".into(),
        platform.tenant.id,
        buyer,
        AppealKind::Refund,
        None,
        "商家拒绝退款",
        &[],
        1_000,
    )
    .unwrap();
    let a = store
        .create_appeal(platform.tenant.id, platform.buyer.id, &filed)
        .await
        .unwrap();
    assert_eq!(a, filed);
    let by_shop = Appeal::file(
        Uuid::now_v7(),
        "AP-2".into(),
        platform.tenant.id,
        Filer::Shop {
            shop_id: shop.tenant.id,
            shop_name: "店".into(),
            user_id: shop.agent.id,
            name: "店长".into(),
        },
        AppealKind::Penalty,
        None,
        "裁定有误",
        &[],
        2_000,
    )
    .unwrap();
    let b = store
        .create_appeal(shop.tenant.id, shop.agent.id, &by_shop)
        .await
        .unwrap();
    // The platform's queue, oldest first; each filer's own; nobody else's.
    let queue = store
        .appeals(
            &AppealScope::Platform(platform.tenant.id),
            &[AppealStatus::Pending],
            10,
        )
        .await
        .unwrap();
    assert_eq!(queue, vec![a.clone(), b.clone()]);
    let mine = store
        .appeals(
            &AppealScope::Filer(platform.tenant.id, Some(platform.buyer.id)),
            &[],
            10,
        )
        .await
        .unwrap();
    assert_eq!(mine, vec![a.clone()]);
    let shops = store
        .appeals(&AppealScope::Filer(shop.tenant.id, None), &[], 10)
        .await
        .unwrap();
    assert_eq!(shops, vec![b.clone()]);
    assert_eq!(
        store.appeal(shop.tenant.id, b.id).await.unwrap(),
        Some(b.clone())
    );
    assert_eq!(
        store.appeal(platform.tenant.id, b.id).await.unwrap(),
        Some(b.clone())
    );
    assert_eq!(store.appeal(stranger.tenant.id, b.id).await.unwrap(), None);
    assert_eq!(store.appeal(shop.tenant.id, a.id).await.unwrap(), None);
    // Past its 15 minutes, due; decided, not.
    let target = a.due_at.unwrap();
    assert_eq!(
        store.due_appeals(target, 10).await.unwrap(),
        vec![a.clone()]
    );
    let desk = (platform.agent.id, "官方");
    let decided = a.decided(Outcome::Upheld, "支持退款", desk, 3_000).unwrap();
    let saved = store.save_appeal(&decided).await.unwrap().unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(store.save_appeal(&decided).await.unwrap(), None);
    assert!(
        store
            .due_appeals(target, 10)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != a.id)
    );
}

async fn arbitration_is_between_a_shop_and_the_platform(store: Store) {
    use kefu_domain::arbitration::{Arbitration, Filing, Party, RulingKind};
    let shop = crate::shop(&store, "arbitrated").await;
    let platform = crate::shop(&store, "the-platform").await;
    let stranger = crate::shop(&store, "stranger").await;
    let c = crate::conversation(&store, shop.tenant.id, &shop.buyer).await;
    let filing = |id| Filing {
        id,
        number: format!("AR{id}"),
        shop_id: shop.tenant.id,
        shop_name: shop.tenant.name.clone(),
        platform_id: platform.tenant.id,
        conversation_id: c.id,
        buyer_id: shop.buyer.id,
        buyer_name: shop.buyer.display_name.clone(),
        order_no: None,
    };
    let case = Arbitration::file(filing(Uuid::now_v7()), "商家不退款", 1_000).unwrap();
    let audit = |tenant_id, action: &str| kefu_store::NewAudit {
        tenant_id,
        actor_id: None,
        actor_name: "买家".into(),
        action: action.into(),
        target: "arbitration".into(),
        detail: serde_json::json!({}),
    };
    let stored = store
        .create_arbitration(&case, vec![audit(shop.tenant.id, "arbitration.file")])
        .await
        .unwrap();
    assert_eq!(stored, case);
    let again = Arbitration::file(filing(Uuid::now_v7()), "再申请", 1_001).unwrap();
    assert!(matches!(
        store.create_arbitration(&again, vec![]).await,
        Err(StoreError::Conflict("arbitration_exists"))
    ));
    // Each side reads it; nobody else.
    for viewer in [shop.tenant.id, platform.tenant.id] {
        assert_eq!(
            store.arbitration(viewer, case.id).await.unwrap(),
            Some(case.clone())
        );
        assert_eq!(store.arbitrations(viewer, &[], 10).await.unwrap().len(), 1);
    }
    assert_eq!(
        store
            .arbitration(stranger.tenant.id, case.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .arbitrations(stranger.tenant.id, &[], 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.open_arbitration(shop.tenant.id, c.id).await.unwrap(),
        Some(case.clone())
    );

    // Ruled with its audit entries in both chains; a stale write changes nothing.
    let ruled = case
        .evidence_added(Party::Buyer, "买家", "照片", None, 1_500)
        .unwrap()
        .ruled(
            RulingKind::Refund,
            Some(3_800),
            "商家退款",
            (platform.agent.id, "官方"),
            2_000,
        )
        .unwrap();
    let entries = vec![
        audit(platform.tenant.id, "arbitration.rule"),
        audit(shop.tenant.id, "arbitration.rule"),
    ];
    let saved = store
        .save_arbitration(&ruled, entries)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(store.save_arbitration(&ruled, vec![]).await.unwrap(), None);
    for tenant in [platform.tenant.id, shop.tenant.id] {
        let log = store
            .audit_entries(
                tenant,
                &kefu_store::AuditFilter {
                    limit: 10,
                    ..kefu_store::AuditFilter::default()
                },
            )
            .await
            .unwrap();
        assert!(
            log.iter().any(|e| e.action == "arbitration.rule"),
            "{tenant}"
        );
    }
    assert_eq!(
        store
            .arbitrations(
                platform.tenant.id,
                &[kefu_domain::arbitration::Status::Ruled],
                10
            )
            .await
            .unwrap()
            .len(),
        1
    );
    // Due at the shop's deadline, for the sweep.
    let deadline = saved.shop_deadline_at.unwrap();
    assert!(
        store
            .due_arbitrations(deadline - 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.due_arbitrations(deadline, 10).await.unwrap(),
        vec![saved.clone()]
    );
    assert_eq!(
        store.count_arbitrations(shop.tenant.id, 0).await.unwrap(),
        1
    );
    assert_eq!(
        store
            .count_arbitrations(shop.tenant.id, 1_001)
            .await
            .unwrap(),
        0
    );
    // Closed: the conversation may ask again.
    let closed = saved.complied("已退款", 3_000).unwrap();
    store
        .save_arbitration(&closed, vec![])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.open_arbitration(shop.tenant.id, c.id).await.unwrap(),
        None
    );
    store.create_arbitration(&again, vec![]).await.unwrap();
    let latest = store
        .latest_arbitration(shop.tenant.id, c.id)
        .await
        .unwrap();
    assert_eq!(latest.map(|l| l.id), Some(again.id));
}

async fn playbooks_run_on_conversations(store: Store) {
    let shop = crate::shop(&store, "playbooks").await;
    let other = crate::shop(&store, "other-playbooks").await;
    let tenant = shop.tenant.id;
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let all = Playbooks::default();
    let agent = (shop.agent.id, shop.agent.display_name.as_str());
    let run = PlaybookRun::start(
        Uuid::now_v7(),
        c.id,
        all.get("quality").unwrap(),
        agent,
        1_000,
    );
    let stored = store.create_playbook_run(tenant, &run).await.unwrap();
    assert_eq!(stored, run);
    // One running per conversation and playbook.
    let again = PlaybookRun {
        id: Uuid::now_v7(),
        ..run.clone()
    };
    assert!(matches!(
        store.create_playbook_run(tenant, &again).await,
        Err(StoreError::Conflict("playbook_run_exists"))
    ));
    let ticked = stored.ticked(0, true, agent, 2_000).unwrap();
    let saved = store
        .save_playbook_run(tenant, &ticked)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.version, 1);
    assert!(saved.done[0].is_some());
    assert_eq!(
        store.save_playbook_run(tenant, &ticked).await.unwrap(),
        None
    );
    assert_eq!(
        store.playbook_run(tenant, run.id).await.unwrap(),
        Some(saved.clone())
    );
    assert_eq!(
        store.playbook_run(other.tenant.id, run.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.playbook_runs(tenant, c.id).await.unwrap(),
        vec![saved.clone()]
    );
    assert!(
        store
            .playbook_runs(other.tenant.id, c.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Finished, another may start.
    let mut done = saved;
    for i in 1..done.steps.len() {
        done = done.ticked(i, true, agent, 3_000).unwrap();
    }
    let done = store
        .save_playbook_run(tenant, &done)
        .await
        .unwrap()
        .unwrap();
    assert!(done.finished_at.is_some());
    store.create_playbook_run(tenant, &again).await.unwrap();
    assert_eq!(store.playbook_runs(tenant, c.id).await.unwrap().len(), 2);
}

async fn escalations_go_up_and_are_told(store: Store) {
    let shop = crate::shop(&store, "escalating").await;
    let other = crate::shop(&store, "other-escalating").await;
    let tenant = shop.tenant.id;
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let now = kefu_domain::time::now_ms();
    let subject = Subject::Conversation(c.id);

    let complaint = Escalation::raise(
        Uuid::now_v7(),
        subject,
        &[Trigger::ComplaintWords],
        None,
        "我要投诉",
        None,
        now,
    )
    .unwrap();
    let stored = store.create_escalation(tenant, &complaint).await.unwrap();
    assert_eq!((stored.level, stored.version), (Level::One, 0));
    // A second escalation of the same matter is refused: the first is raised instead.
    let again = Escalation {
        id: Uuid::now_v7(),
        ..complaint.clone()
    };
    assert!(matches!(
        store.create_escalation(tenant, &again).await,
        Err(StoreError::Conflict("escalation_changed"))
    ));
    let open = store
        .open_escalation(tenant, &subject.key())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open, stored);
    assert_eq!(
        store.escalation(tenant, stored.id).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        store.escalation(other.tenant.id, stored.id).await.unwrap(),
        None
    );

    // Raised to level 2 from the version read; a stale write changes nothing.
    let two = stored
        .raised(&[Trigger::HighAmount], None, "", None, None, now + 1)
        .unwrap();
    let saved = store.save_escalation(tenant, &two).await.unwrap().unwrap();
    assert_eq!((saved.level, saved.version), (Level::Two, 1));
    assert_eq!(store.save_escalation(tenant, &two).await.unwrap(), None);
    assert_eq!(
        store
            .save_escalation(other.tenant.id, &saved)
            .await
            .unwrap(),
        None
    );

    // Due past its 30 minutes, in the sweep's list; not once taken.
    let later = now + 31 * 60_000;
    let due = store.due_escalations(later, 10).await.unwrap();
    assert_eq!(due, vec![(tenant, saved.clone())]);
    let taken = saved.taken(shop.agent.id, now + 2).unwrap();
    let taken = store
        .save_escalation(tenant, &taken)
        .await
        .unwrap()
        .unwrap();
    assert!(store.due_escalations(later, 10).await.unwrap().is_empty());

    let list = |statuses: Vec<Status>, conversation_id| {
        let store = store.clone();
        async move {
            store
                .escalations(
                    tenant,
                    &EscalationQuery {
                        statuses,
                        conversation_id,
                        work_order_id: None,
                        limit: 50,
                    },
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(list(vec![Status::Taken], None).await, vec![taken.clone()]);
    assert!(list(vec![Status::Open], None).await.is_empty());
    assert_eq!(list(vec![], Some(c.id)).await.len(), 1);
    assert!(list(vec![], Some(Uuid::now_v7())).await.is_empty());

    // Handled: the matter may be escalated anew.
    let done = taken.handled(shop.agent.id, "已退款", now + 3).unwrap();
    store.save_escalation(tenant, &done).await.unwrap().unwrap();
    assert_eq!(
        store.open_escalation(tenant, &subject.key()).await.unwrap(),
        None
    );
    store.create_escalation(tenant, &again).await.unwrap();
    assert_eq!(
        list(vec![Status::Open, Status::Taken, Status::Handled], None)
            .await
            .len(),
        2
    );

    // Deliveries: queued due at once, tried, backed off, logged newest first.
    let queued = [
        NewDelivery {
            channel: "webhook",
            target: "https://ops.example/hook".into(),
            event: "escalation.raised",
            body: "{}".into(),
        },
        NewDelivery {
            channel: "sms",
            target: "13800138000".into(),
            event: "escalation.raised",
            body: "【客服】升级".into(),
        },
    ];
    store.queue_deliveries(tenant, &queued).await.unwrap();
    let due = store
        .due_deliveries(kefu_domain::time::now_ms() + 1, 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 2);
    assert!(
        due.iter()
            .all(|d| d.tenant_id == tenant && d.status == "pending")
    );
    let hook = due.iter().find(|d| d.channel == "webhook").unwrap();
    let retry = DeliveryTry {
        status: "pending",
        next_at: Some(now + 10_000),
        error: "HTTP 500".into(),
        response_status: Some(500),
        at: now,
    };
    assert!(store.record_delivery(hook.id, &retry).await.unwrap());
    let sms = due.iter().find(|d| d.channel == "sms").unwrap();
    let sent = DeliveryTry {
        status: "sent",
        next_at: None,
        error: String::new(),
        response_status: Some(200),
        at: now,
    };
    assert!(store.record_delivery(sms.id, &sent).await.unwrap());
    assert!(!store.record_delivery(sms.id, &sent).await.unwrap());
    let log = store.deliveries(tenant, 10).await.unwrap();
    assert_eq!(log.len(), 2);
    let tried = log.iter().find(|d| d.id == hook.id).unwrap();
    assert_eq!(
        (tried.attempts, tried.response_status, tried.next_at),
        (1, Some(500), Some(now + 10_000))
    );
    assert!(
        store
            .deliveries(other.tenant.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Only finished ones are pruned.
    assert_eq!(store.prune_deliveries(i64::MAX).await.unwrap(), 1);
    assert_eq!(store.deliveries(tenant, 10).await.unwrap().len(), 1);
}
