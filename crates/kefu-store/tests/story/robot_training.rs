//! The robot's training loop (BOT-5): the questions it missed, each with the first reply a
//! person gave after it; the review queue replaced by each run, its proposals decided once
//! (an approval writes the entry); and which shops are due a run.

use kefu_domain::message::SenderKind;
use kefu_domain::robot::{RobotMode, RobotSettings};
use kefu_domain::time::now_ms;
use kefu_store::{NewProposal, NewRobotLog, ProposalRow, RobotMiss, Store};
use uuid::Uuid;

use crate::{send, text};

on_both_backends!(misses_become_proposals_that_are_decided_once);

fn proposal(kind: &str, question: &str, asked: i64) -> NewProposal {
    NewProposal {
        kind: kind.into(),
        entry_id: (kind == "similar").then(|| "shipping".to_owned()),
        body: serde_json::json!({ "question": question }),
        asked,
    }
}

async fn misses_become_proposals_that_are_decided_once(store: Store) {
    let shop = crate::shop(&store, "training").await;
    let idle = crate::shop(&store, "no-training").await;
    let (tenant, agent, boss, buyer) = (shop.tenant.id, shop.agent.id, shop.boss.id, &shop.buyer);
    let on = RobotSettings {
        mode: RobotMode::RobotFirst,
        ..RobotSettings::default()
    };
    store
        .set_robot_settings(tenant, &on, |_| vec![])
        .await
        .unwrap();
    let start = now_ms();
    assert_eq!(
        store.robots_due_for_training(start).await.unwrap(),
        [tenant]
    );

    // Two misses in one conversation, and an answer the robot got right.
    let c = crate::conversation(&store, tenant, buyer).await;
    let log = |text: &'static str, action: &'static str, reason: Option<&'static str>| {
        let store = store.clone();
        async move {
            store
                .log_robot(&NewRobotLog {
                    tenant_id: tenant,
                    conversation_id: Some(c.id),
                    text,
                    action,
                    entry_id: None,
                    reason,
                    confidence: 0.1,
                    choices: &[],
                })
                .await
                .unwrap();
        }
    };
    log("能开发票吗", "handoff", Some("unknown")).await;
    log("几天到", "answer", None).await;
    crate::tick().await;
    send(
        &store,
        text(
            c.id,
            tenant,
            SenderKind::Agent,
            agent,
            "a",
            "可以开电子发票",
        ),
    )
    .await;
    crate::tick().await;
    log("发票抬头怎么改", "clarify", None).await;
    log("转人工", "handoff", Some("asked_for_human")).await;
    let misses = store.robot_misses(tenant, start, 10).await.unwrap();
    assert_eq!(
        misses,
        [
            RobotMiss {
                text: "发票抬头怎么改".into(),
                human_answer: None
            },
            RobotMiss {
                text: "能开发票吗".into(),
                human_answer: Some("可以开电子发票".into())
            },
        ],
        "newest first, each with the first person's reply after it"
    );
    assert_eq!(store.robot_misses(tenant, start, 1).await.unwrap().len(), 1);
    assert!(
        store
            .robot_misses(idle.tenant.id, start, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A run replaces the pending queue and is noted: the shop is not due again until later.
    let stored = store
        .replace_proposals(
            tenant,
            &[
                proposal("new_entry", "能开发票吗", 2),
                proposal("similar", "几天能到", 5),
            ],
        )
        .await
        .unwrap();
    assert_eq!(stored, 2);
    assert!(
        store
            .robots_due_for_training(start)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.robots_due_for_training(now_ms() + 1).await.unwrap(),
        [tenant]
    );
    let pending: Vec<ProposalRow> = store.proposals(tenant, "pending", 10).await.unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|p| (
                p.kind.as_str(),
                p.entry_id.as_deref(),
                p.asked,
                p.status.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("similar", Some("shipping"), 5, "pending"),
            ("new_entry", None, 2, "pending")
        ],
        "the most asked first"
    );
    let (similar, invoice) = (pending[0].clone(), pending[1].clone());
    assert_eq!(invoice.body["question"], "能开发票吗");
    assert_eq!(
        store.proposal(tenant, invoice.id).await.unwrap(),
        Some(invoice.clone())
    );
    assert_eq!(
        store.proposal(idle.tenant.id, invoice.id).await.unwrap(),
        None
    );

    // Approved: the entry is written and the version moves. Decided once.
    let version = store.robot_settings(tenant).await.unwrap().kb_version;
    let entry = serde_json::json!({ "question": "能开发票吗", "answer": { "text": "可以" } });
    assert!(
        store
            .decide_proposal(
                tenant,
                invoice.id,
                Some(("invoice", &entry)),
                boss,
                |_| vec![]
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .decide_proposal(tenant, invoice.id, None, boss, |_| vec![])
            .await
            .unwrap()
    );
    let entries = store.kb_entries(tenant).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.id.as_str(), &e.body))
            .collect::<Vec<_>>(),
        [("invoice", &entry)]
    );
    assert_eq!(
        store.robot_settings(tenant).await.unwrap().kb_version,
        version + 1
    );
    let decided = store.proposal(tenant, invoice.id).await.unwrap().unwrap();
    assert_eq!(
        (decided.status.as_str(), decided.decided_by),
        ("approved", Some(boss))
    );
    assert!(decided.decided_at.is_some());
    assert!(
        store
            .decide_proposal(tenant, similar.id, None, boss, |_| vec![])
            .await
            .unwrap()
    );
    assert_eq!(
        store.proposals(tenant, "rejected", 10).await.unwrap()[0].id,
        similar.id
    );
    assert!(
        !store
            .decide_proposal(idle.tenant.id, Uuid::new_v4(), None, boss, |_| vec![])
            .await
            .unwrap()
    );

    // The next run replaces only what is still pending.
    store
        .replace_proposals(tenant, &[proposal("new_entry", "能寄到国外吗", 1)])
        .await
        .unwrap();
    let pending = store.proposals(tenant, "pending", 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].body["question"], "能寄到国外吗");
    assert_eq!(
        store.proposals(tenant, "approved", 10).await.unwrap(),
        [decided]
    );
}
