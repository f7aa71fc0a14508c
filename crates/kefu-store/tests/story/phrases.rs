//! Quick phrases (WB-3): the shop's, a team's and an agent's own, each reader seeing what is
//! theirs, edits keeping scope and owner, usage counts, and the audit entry with the change.

use kefu_domain::phrases::{PhraseInput, PhraseScope};
use kefu_store::{NewAudit, Store, Visible};

on_both_backends!(phrases_are_kept_by_scope_and_counted);

fn input(scope: PhraseScope, team: Option<&str>, text: &str) -> PhraseInput {
    PhraseInput {
        scope,
        team: team.map(str::to_owned),
        category: Some("物流".to_owned()),
        shortcut: Some("WL".to_owned()),
        text: text.to_owned(),
        image: None,
        product_code: None,
    }
}

async fn phrases_are_kept_by_scope_and_counted(store: Store) {
    let shop = crate::shop(&store, "phrases").await;
    let other = crate::shop(&store, "no-phrases").await;
    let (tenant, boss, agent) = (shop.tenant.id, &shop.boss, &shop.agent);
    let audited = |what: &str| {
        vec![NewAudit {
            tenant_id: tenant,
            actor_id: Some(boss.id),
            actor_name: boss.display_name.clone(),
            action: what.to_owned(),
            target: "phrase".to_owned(),
            detail: serde_json::json!({}),
        }]
    };
    let shop_wide = input(PhraseScope::Shop, None, "亲，{订单号}已发货")
        .check()
        .unwrap();
    let added = store
        .add_phrase(tenant, None, &shop_wide, |_| audited("phrase.create"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(added.shortcut.as_deref(), Some("wl"));
    let team = input(PhraseScope::Team, Some("after_sales"), "退款已处理")
        .check()
        .unwrap();
    store
        .add_phrase(tenant, None, &team, |_| vec![])
        .await
        .unwrap();
    let own = input(PhraseScope::Personal, None, "我的话术")
        .check()
        .unwrap();
    let mine = store
        .add_phrase(tenant, Some(agent.id), &own, |_| vec![])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mine.owner_id, Some(agent.id));

    // The agent (pre-sales) sees the shop's and their own; the whole shop lists three.
    let seen = store
        .phrases(
            tenant,
            Visible::Agent {
                id: agent.id,
                team: "pre_sales",
            },
        )
        .await
        .unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].initials, "qddhyfh");
    assert_eq!(store.phrases(tenant, Visible::All).await.unwrap().len(), 3);
    assert!(
        store
            .phrases(other.tenant.id, Visible::All)
            .await
            .unwrap()
            .is_empty()
    );

    // Edited: text and initials change, the scope and owner stay.
    let edited = input(PhraseScope::Shop, None, "您好").check().unwrap();
    let saved = store
        .update_phrase(tenant, mine.id, &edited, |_| vec![])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (saved.text.as_str(), saved.scope, saved.owner_id),
        ("您好", PhraseScope::Personal, Some(agent.id))
    );
    assert_eq!(store.phrase(tenant, mine.id).await.unwrap(), Some(saved));
    assert_eq!(
        store
            .update_phrase(other.tenant.id, mine.id, &edited, |_| vec![])
            .await
            .unwrap(),
        None
    );

    // Counted, deleted, and the shop phrase's audit entry is there.
    assert!(store.phrase_used(tenant, added.id).await.unwrap());
    assert!(!store.phrase_used(other.tenant.id, added.id).await.unwrap());
    assert_eq!(
        store.phrase(tenant, added.id).await.unwrap().unwrap().uses,
        1
    );
    assert!(
        store
            .delete_phrase(tenant, mine.id, |_| vec![])
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_phrase(tenant, mine.id, |_| vec![])
            .await
            .unwrap()
    );
    let log = store
        .audit_entries(
            tenant,
            &kefu_store::AuditFilter {
                action: Some("phrase"),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.action == "phrase.create"), "{log:?}");
}
