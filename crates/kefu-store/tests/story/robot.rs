//! The robot (BOT-1 … BOT-3): its settings and lexicons, the knowledge base written then
//! read back with its version moving on every change, the conversations it serves and hands
//! off, and its log.

use kefu_domain::conversation::EventKind;
use kefu_domain::robot::{RobotMode, RobotSettings};
use kefu_domain::time::now_ms;
use kefu_store::{KbRow, NewRobotLog, Store, UpsertCounts};
use uuid::Uuid;

on_both_backends!(settings_and_the_knowledge_base_move_the_version);
on_both_backends!(the_robot_serves_a_conversation_and_hands_it_off);
on_both_backends!(the_robot_log_is_read_per_conversation_and_since);

async fn settings_and_the_knowledge_base_move_the_version(store: Store) {
    let shop = crate::shop(&store, "robot").await;
    let other = crate::shop(&store, "no-robot").await;
    let (tenant, boss) = (shop.tenant.id, shop.boss.id);
    let version = || {
        let store = store.clone();
        async move { store.robot_settings(tenant).await.unwrap().kb_version }
    };
    assert_eq!(
        store.robot_settings(tenant).await.unwrap(),
        RobotSettings::default()
    );
    let lexicon = serde_json::json!({ "synonyms": [["快递", "物流"]] });
    let saved = store
        .set_robot_settings(
            tenant,
            &RobotSettings {
                mode: RobotMode::RobotFirst,
                night_only: false,
                lexicon: lexicon.clone(),
                kb_version: 99,
                answer_threshold: Some(0.6),
            },
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            saved.mode,
            saved.night_only,
            &saved.lexicon,
            saved.kb_version,
            saved.answer_threshold
        ),
        (RobotMode::RobotFirst, false, &lexicon, 1, Some(0.6)),
        "the store keeps the version, not the caller"
    );
    let night = store
        .set_robot_settings(
            tenant,
            &RobotSettings {
                night_only: true,
                ..saved.clone()
            },
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        (night.night_only, night.kb_version),
        (true, 1),
        "same lexicon"
    );
    let terms = serde_json::json!({ "terms": ["龙井"] });
    let relexed = store
        .set_robot_settings(
            tenant,
            &RobotSettings {
                lexicon: terms.clone(),
                ..night
            },
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!((&relexed.lexicon, relexed.kb_version), (&terms, 2));
    assert_eq!(store.robot_settings(tenant).await.unwrap(), relexed);

    let shipping = serde_json::json!({ "question": "几天发货", "answer": { "text": "48小时内" } });
    let refund =
        serde_json::json!({ "question": "怎么退款", "answer": { "text": "在订单页申请" } });
    let counts = store
        .upsert_kb_entries(
            tenant,
            &[
                ("shipping".to_owned(), shipping.clone()),
                ("refund".to_owned(), refund.clone()),
            ],
            Some(boss),
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            created: 2,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(version().await, 3);
    let entries = store.kb_entries(tenant).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.id.as_str(), &e.body))
            .collect::<Vec<_>>(),
        [("refund", &refund), ("shipping", &shipping)],
        "by id"
    );
    let same = store
        .upsert_kb_entries(
            tenant,
            &[("refund".to_owned(), refund.clone())],
            None,
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(same.unchanged, 1);
    assert_eq!(version().await, 3, "nothing changed, nothing to rebuild");
    let faster = serde_json::json!({ "question": "几天发货", "answer": { "text": "24小时内" } });
    let changed = store
        .upsert_kb_entries(
            tenant,
            &[("shipping".to_owned(), faster.clone())],
            None,
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(changed.updated, 1);
    assert_eq!(version().await, 4);
    assert_eq!(store.kb_version(tenant).await.unwrap(), 4);

    // Issue #16: an import computed from the entries at a version writes only if the base is
    // still there; a change made in between wins and the import starts again.
    let more = serde_json::json!({ "question": "几天发货", "similar": ["拍了几天寄"], "answer": { "text": "24小时内" } });
    let stale = store
        .upsert_kb_entries_at(tenant, &[("shipping".to_owned(), more.clone())], 3)
        .await
        .unwrap();
    assert_eq!(stale, None, "the base moved on from 3");
    assert_eq!(store.kb_entries(tenant).await.unwrap()[1].body, faster);
    let fresh = store
        .upsert_kb_entries_at(tenant, &[("shipping".to_owned(), more.clone())], 4)
        .await
        .unwrap();
    assert_eq!(fresh.map(|c| c.updated), Some(1));
    assert_eq!(version().await, 5);
    store
        .upsert_kb_entries(
            tenant,
            &[("shipping".to_owned(), faster.clone())],
            None,
            |_| vec![],
        )
        .await
        .unwrap();
    assert_eq!(version().await, 6);

    // A change made from the settings as they stand, read in its own transaction.
    let (before, after) = store
        .update_robot_settings(
            tenant,
            |now| RobotSettings {
                answer_threshold: Some(0.7),
                ..now.clone()
            },
            |before, after| {
                assert_eq!(before.answer_threshold, Some(0.6));
                assert_eq!(after.answer_threshold, Some(0.7));
                vec![]
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (before.lexicon, after.lexicon.clone()),
        (terms.clone(), terms.clone())
    );
    assert_eq!(after.kb_version, 6, "the same lexicon keeps the version");
    let shipping_row: &KbRow = &store.kb_entries(tenant).await.unwrap()[1];
    assert_eq!(shipping_row.body, faster);

    assert!(
        store
            .delete_kb_entry(tenant, "refund", |_| vec![])
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_kb_entry(tenant, "refund", |_| vec![])
            .await
            .unwrap()
    );
    assert_eq!(version().await, 7);
    assert_eq!(store.kb_entries(tenant).await.unwrap().len(), 1);
    assert!(store.kb_entries(other.tenant.id).await.unwrap().is_empty());
    assert!(
        !store
            .delete_kb_entry(other.tenant.id, "shipping", |_| vec![])
            .await
            .unwrap()
    );
    assert_eq!(
        store.robot_settings(other.tenant.id).await.unwrap(),
        RobotSettings::default()
    );
}

async fn the_robot_serves_a_conversation_and_hands_it_off(store: Store) {
    let shop = crate::shop(&store, "desk-robot").await;
    let (tenant, agent) = (shop.tenant.id, shop.agent.id);
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    store.adopt_conversation(tenant, c.id).await.unwrap();
    let served = store.conversation(tenant, c.id).await.unwrap().unwrap();
    assert!(served.robot_active);
    assert_eq!(
        store.readopt_conversation(tenant, c.id).await.unwrap(),
        None,
        "already serving it"
    );
    let data = serde_json::json!({ "reason": "asked_for_human", "guess": "refund" });
    let handed = store
        .robot_handoff(tenant, c.id, data.clone())
        .await
        .unwrap()
        .unwrap();
    assert!(!handed.robot_active);
    assert_eq!(
        store
            .robot_handoff(tenant, c.id, data.clone())
            .await
            .unwrap(),
        None,
        "once"
    );
    let events = store.conversation_events(tenant, c.id).await.unwrap();
    let handoffs: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.kind == EventKind::RobotHandoff)
        .map(|e| &e.data)
        .collect();
    assert_eq!(handoffs, [&data]);

    // A person has it; the buyer comes back after it was resolved: the robot takes it again,
    // and the person is remembered for the next handoff.
    store
        .assign_conversation(tenant, c.id, agent, agent)
        .await
        .unwrap();
    store.adopt_conversation(tenant, c.id).await.unwrap();
    assert!(
        !store
            .conversation(tenant, c.id)
            .await
            .unwrap()
            .unwrap()
            .robot_active,
        "adopting leaves an assigned conversation alone"
    );
    let again = store
        .readopt_conversation(tenant, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.robot_active, again.assignee_id), (true, None));
    let last = store.conversation_events(tenant, c.id).await.unwrap();
    let stranded = last.last().unwrap();
    assert_eq!(stranded.kind, EventKind::Stranded);
    assert_eq!(stranded.data["reason"], "robot_first");
    assert_eq!(stranded.data["previous_assignee_id"], agent.to_string());
    store
        .robot_handoff(tenant, c.id, data)
        .await
        .unwrap()
        .unwrap();
    let (state, _) = store.routing_snapshot(tenant, "pre_sales").await.unwrap();
    assert!(state.queue.is_empty(), "nobody wrote yet");
    store
        .resolve_conversation(tenant, c.id, agent)
        .await
        .unwrap();
    assert_eq!(
        store.readopt_conversation(tenant, c.id).await.unwrap(),
        None,
        "only open conversations"
    );
    assert_eq!(
        store
            .readopt_conversation(tenant, Uuid::new_v4())
            .await
            .unwrap(),
        None
    );
}

async fn the_robot_log_is_read_per_conversation_and_since(store: Store) {
    let shop = crate::shop(&store, "robot-log").await;
    let other = crate::shop(&store, "no-robot-log").await;
    let tenant = shop.tenant.id;
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    let since = now_ms();
    let choices = ["shipping".to_owned(), "refund".to_owned()];
    let lines = [
        ("你好", "greet", None, None, 1.0, &[][..]),
        ("发货", "clarify", None, None, 0.4, &choices[..]),
        ("几天发货", "answer", Some("shipping"), None, 0.92, &[][..]),
        (
            "人工",
            "handoff",
            None,
            Some("asked_for_human"),
            0.0,
            &[][..],
        ),
    ];
    for (text, action, entry_id, reason, confidence, choices) in lines {
        store
            .log_robot(&NewRobotLog {
                tenant_id: tenant,
                conversation_id: Some(c.id),
                text,
                action,
                entry_id,
                reason,
                confidence,
                choices,
            })
            .await
            .unwrap();
        crate::tick().await;
    }
    store
        .log_robot(&NewRobotLog {
            tenant_id: tenant,
            conversation_id: None,
            text: "测试台提问",
            action: "answer",
            entry_id: Some("shipping"),
            reason: None,
            confidence: 0.8,
            choices: &[],
        })
        .await
        .unwrap();

    let of = store.robot_log_of(tenant, c.id, 3).await.unwrap();
    assert_eq!(
        of.iter().map(|l| l.action.as_str()).collect::<Vec<_>>(),
        ["handoff", "answer", "clarify"],
        "newest first, at most the limit"
    );
    assert_eq!(
        (of[0].conversation_id, of[0].reason.as_deref()),
        (Some(c.id), Some("asked_for_human"))
    );
    assert_eq!(
        (of[1].entry_id.as_deref(), of[1].confidence),
        (Some("shipping"), 0.92)
    );
    assert_eq!(of[2].choices, choices);
    let all = store.robot_log_since(tenant, since).await.unwrap();
    assert_eq!(
        all.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        ["你好", "发货", "几天发货", "人工", "测试台提问"],
        "oldest first"
    );
    assert_eq!(all[4].conversation_id, None);
    assert!(
        store
            .robot_log_since(tenant, now_ms() + 60_000)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .robot_log_of(other.tenant.id, c.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
