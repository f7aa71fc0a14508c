//! The data cockpit (issue #19): what is happening now, agents online per hour, the log's
//! events by kind, the conversations behind a number, and alerts kept once per window.

use kefu_domain::account::AgentStatus;
use kefu_domain::anomaly::AlertKind;
use kefu_domain::conversation::EventKind;
use kefu_domain::health::{HealthReport, ReportKind};
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use kefu_store::{NewAlert, NewRobotLog, Store, StoreError};
use uuid::Uuid;

use crate::{send, text};

on_both_backends!(the_cockpit_reads_now_and_keeps_alerts_once);

async fn the_cockpit_reads_now_and_keeps_alerts_once(store: Store) {
    let shop = crate::shop(&store, "cockpit").await;
    let other = crate::shop(&store, "no-cockpit").await;
    let tenant = shop.tenant.id;
    let before = now_ms();
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, shop.buyer.id, "b1", "在吗"),
    )
    .await;
    let after = now_ms() + 1;

    // Now: one buyer waits for an agent; none online.
    let live = store.live_counts(tenant).await.unwrap();
    assert_eq!((live.waiting, live.serving, live.agents_online), (1, 0, 0));
    assert_eq!(
        store.open_conversation_ids(tenant, true, 10).await.unwrap(),
        vec![c.id]
    );
    store
        .assign_conversation(tenant, c.id, shop.agent.id, shop.boss.id)
        .await
        .unwrap();
    store
        .set_user_status(tenant, shop.agent.id, AgentStatus::Online, None)
        .await
        .unwrap();
    let live = store.live_counts(tenant).await.unwrap();
    assert_eq!((live.waiting, live.serving, live.agents_online), (0, 1, 1));
    assert_eq!(
        store
            .open_conversation_ids(tenant, false, 10)
            .await
            .unwrap(),
        vec![c.id]
    );
    assert!(
        store
            .open_conversation_ids(other.tenant.id, false, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Staffing: a minute counts once, into its hour, for the shop and the agent's team.
    let minute = now_ms() - now_ms().rem_euclid(60_000);
    let hour = minute - minute.rem_euclid(3_600_000);
    store.sample_staffing(minute).await.unwrap();
    store.sample_staffing(minute).await.unwrap();
    let staffed = store
        .staffing(tenant, hour, hour + 3_600_000, "")
        .await
        .unwrap();
    assert_eq!(staffed, vec![(hour, 1)]);
    let team = shop.agent.team.clone().unwrap_or_default();
    if !team.is_empty() {
        assert_eq!(
            store
                .staffing(tenant, hour, hour + 3_600_000, &team)
                .await
                .unwrap(),
            vec![(hour, 1)]
        );
    }
    assert!(
        store
            .staffing(other.tenant.id, hour, hour + 3_600_000, "")
            .await
            .unwrap()
            .is_empty()
    );

    // The log's events by kind and time, newest first; counted; another shop's apart.
    let created = store
        .events_of_kinds(
            tenant,
            &[EventKind::Created, EventKind::Assigned],
            before - 1,
            now_ms() + 1,
            10,
        )
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(created[0].kind, EventKind::Assigned);
    assert!(created.iter().all(|e| e.conversation_id == c.id));
    assert_eq!(
        store
            .count_events(tenant, &[EventKind::Created], before - 1, after)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_events(other.tenant.id, &[EventKind::Created], before - 1, after)
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .events_of_kinds(tenant, &[], 0, after, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The conversations behind a number, only the shop's own.
    let found = store
        .conversations_by_ids(tenant, &[c.id, Uuid::now_v7()])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        store
            .conversations_by_ids(other.tenant.id, &[c.id])
            .await
            .unwrap()
            .is_empty()
    );

    // An alert is kept once per kind, subject and window, and acknowledged once.
    let alert = NewAlert {
        kind: AlertKind::Surge,
        subject: "product:TEA-1".to_owned(),
        label: "明前龙井".to_owned(),
        window_start: hour,
        observed: 9.0,
        expected: 1.5,
        evidence: serde_json::json!({"conversations": [c.id]}),
    };
    assert!(store.add_alert(tenant, &alert, now_ms()).await.unwrap());
    assert!(!store.add_alert(tenant, &alert, now_ms()).await.unwrap());
    let open = store.alerts(tenant, true, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].evidence["conversations"][0], c.id.to_string());
    assert!(
        store
            .alerts(other.tenant.id, false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let acked = store
        .acknowledge_alert(tenant, open[0].id, shop.boss.id, now_ms())
        .await
        .unwrap();
    assert_eq!(acked.acknowledged_by, Some(shop.boss.id));
    let again = store
        .acknowledge_alert(tenant, open[0].id, shop.agent.id, now_ms())
        .await
        .unwrap();
    assert_eq!(again.acknowledged_by, Some(shop.boss.id));
    assert!(store.alerts(tenant, true, 10).await.unwrap().is_empty());
    assert_eq!(store.alerts(tenant, false, 10).await.unwrap().len(), 1);
    assert!(matches!(
        store
            .acknowledge_alert(other.tenant.id, open[0].id, other.boss.id, now_ms())
            .await,
        Err(StoreError::NotFound("alert"))
    ));

    // What the robot was asked, grouped by the entry it matched, else the words (DATA-2).
    let no_choices: Vec<String> = Vec::new();
    for (text, entry) in [
        ("多久发货", Some("ship")),
        ("几天发货", Some("ship")),
        ("能开发票吗", None),
    ] {
        store
            .log_robot(&NewRobotLog {
                tenant_id: tenant,
                conversation_id: Some(c.id),
                text,
                action: if entry.is_some() { "answer" } else { "handoff" },
                entry_id: entry,
                reason: None,
                confidence: 0.9,
                choices: &no_choices,
            })
            .await
            .unwrap();
    }
    let topics = store
        .robot_topics(tenant, before - 1, now_ms() + 1, 10)
        .await
        .unwrap();
    assert_eq!(
        topics,
        vec![
            ("ship".to_owned(), true, 2, Some(c.id)),
            ("能开发票吗".to_owned(), false, 1, Some(c.id)),
        ]
    );
    assert!(
        store
            .robot_topics(other.tenant.id, before - 1, now_ms() + 1, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A health report is kept per kind and period, a new one replacing it.
    let mut report = HealthReport {
        kind: ReportKind::Daily,
        period: "2026-12-05".to_owned(),
        generated_at: 1,
        metrics: vec![],
        worst_hours: vec![],
        top_questions: vec![],
        complaint_products: vec![],
        agents_below: vec![],
        biggest_changes: vec![],
        growing_topics: vec![],
        outcomes: vec![],
    };
    store.save_health_report(tenant, &report).await.unwrap();
    report.generated_at = 2;
    store.save_health_report(tenant, &report).await.unwrap();
    assert_eq!(
        store
            .health_report(tenant, ReportKind::Daily, "2026-12-05")
            .await
            .unwrap(),
        Some(report.clone())
    );
    assert_eq!(
        store
            .health_reports(tenant, ReportKind::Daily, 10)
            .await
            .unwrap(),
        vec![("2026-12-05".to_owned(), 2)]
    );
    assert!(
        store
            .health_reports(tenant, ReportKind::Monthly, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .health_report(other.tenant.id, ReportKind::Daily, "2026-12-05")
            .await
            .unwrap(),
        None
    );
}
