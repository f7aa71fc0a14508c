//! The audit chain (ACC-5): concurrent appends make one unbroken chain, an edited entry breaks
//! it where it was edited, and entries are listed by actor, action family and time.

use kefu_domain::guard::GENESIS_HASH;
use kefu_store::{AuditFilter, NewAudit, Store};
use uuid::Uuid;

on_both_backends!(entries_are_listed_by_actor_action_and_time);

fn entry(tenant_id: Uuid, actor_id: Option<Uuid>, action: &str, target: &str) -> NewAudit {
    NewAudit {
        tenant_id,
        actor_id,
        actor_name: "小雨".to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: serde_json::json!({ "target": target }),
    }
}

/// Twenty racing appends, then `tamper(tenant, 7)`: the chain breaks at `shows_at`.
async fn the_chain_survives_races_and_shows_tampering(
    store: Store,
    tamper: impl AsyncFnOnce(Uuid, i64),
    shows_at: i64,
) {
    let shop = crate::shop(&store, "chain").await;
    let mut tasks = vec![];
    for n in 0..20 {
        let store = store.clone();
        let tenant = shop.tenant.id;
        tasks.push(tokio::spawn(async move {
            store
                .append_audit(&NewAudit {
                    tenant_id: tenant,
                    actor_id: None,
                    actor_name: "system".to_owned(),
                    action: "test.append".to_owned(),
                    target: format!("n:{n}"),
                    detail: serde_json::json!({ "n": n }),
                })
                .await
                .unwrap()
                .seq
        }));
    }
    let mut seqs = vec![];
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=20).collect::<Vec<i64>>());
    let verdict = store.verify_audit(Some(shop.tenant.id)).await.unwrap();
    assert_eq!((verdict.checked, verdict.broken.len()), (20, 0));
    tamper(shop.tenant.id, 7).await;
    let verdict = store.verify_audit(None).await.unwrap();
    assert_eq!(verdict.broken.len(), 1);
    assert_eq!(
        (verdict.broken[0].0, verdict.broken[0].1),
        (shop.tenant.id, shows_at)
    );
}

#[tokio::test]
async fn the_chain_survives_races_and_shows_tampering_on_sqlite() {
    let (store, dir) = crate::sqlite().await;
    let url = Store::sqlite_url_in(&dir);
    the_chain_survives_races_and_shows_tampering(
        store,
        async |tenant, seq| {
            let db = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query(
                "UPDATE audit_log SET actor_name = 'mallory' WHERE tenant_id = $1 AND seq = $2",
            )
            .bind(tenant.to_string())
            .bind(seq)
            .execute(&db)
            .await
            .unwrap();
            db.close().await;
        },
        7,
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_chain_survives_races_and_shows_tampering_on_postgres() {
    let (store, url) = crate::postgres().await;
    the_chain_survives_races_and_shows_tampering(
        store.clone(),
        async |tenant, seq| {
            let db = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query("DELETE FROM audit_log WHERE tenant_id = $1 AND seq = $2")
                .bind(tenant.to_string())
                .bind(seq)
                .execute(&db)
                .await
                .unwrap();
            db.close().await;
        },
        8, // a deleted entry 7 shows as entry 8 linking to nothing
    )
    .await;
    store.close().await;
    crate::drop_database(&url).await;
}

async fn entries_are_listed_by_actor_action_and_time(store: Store) {
    let shop = crate::shop(&store, "ledger").await;
    let other = crate::shop(&store, "other-ledger").await;
    let (tenant, agent, boss) = (shop.tenant.id, shop.agent.id, shop.boss.id);
    let first = store
        .append_audit(&entry(tenant, Some(agent), "refund.request", "order:R1"))
        .await
        .unwrap();
    assert_eq!((first.seq, first.prev_hash.as_str()), (1, GENESIS_HASH));
    assert_eq!(first.detail["target"], "order:R1");
    crate::tick().await;
    let second = store
        .append_audit(&entry(tenant, Some(boss), "refund.approve", "order:R1"))
        .await
        .unwrap();
    assert_eq!(
        (second.seq, second.prev_hash.as_str()),
        (2, first.hash.as_str())
    );
    crate::tick().await;
    let third = store
        .append_audit(&entry(tenant, Some(boss), "account.create", "user:x"))
        .await
        .unwrap();
    store
        .append_audit(&entry(other.tenant.id, None, "refund.request", "order:X"))
        .await
        .unwrap();

    let seqs = |entries: Vec<kefu_domain::guard::AuditEntry>| {
        entries.iter().map(|e| e.seq).collect::<Vec<_>>()
    };
    let everything = AuditFilter {
        limit: 50,
        ..AuditFilter::default()
    };
    let all = store.audit_entries(tenant, &everything).await.unwrap();
    assert_eq!(seqs(all.clone()), [3, 2, 1], "newest first, this shop only");
    assert_eq!(all[2], first);
    let family = AuditFilter {
        action: Some("refund"),
        ..everything.clone()
    };
    assert_eq!(
        seqs(store.audit_entries(tenant, &family).await.unwrap()),
        [2, 1]
    );
    let exact = AuditFilter {
        action: Some("refund.approve"),
        ..everything.clone()
    };
    assert_eq!(
        seqs(store.audit_entries(tenant, &exact).await.unwrap()),
        [2]
    );
    let by_boss = AuditFilter {
        actor_id: Some(boss),
        ..everything.clone()
    };
    assert_eq!(
        seqs(store.audit_entries(tenant, &by_boss).await.unwrap()),
        [3, 2]
    );
    let window = AuditFilter {
        from: Some(second.at),
        to: Some(third.at),
        ..everything.clone()
    };
    assert_eq!(
        seqs(store.audit_entries(tenant, &window).await.unwrap()),
        [2]
    );
    let one = AuditFilter {
        limit: 1,
        ..everything
    };
    assert_eq!(seqs(store.audit_entries(tenant, &one).await.unwrap()), [3]);
    let verdict = store.verify_audit(None).await.unwrap();
    assert_eq!((verdict.checked, verdict.broken.len()), (4, 0));
}

on_both_backends!(a_change_commits_with_its_audit_entries_or_not_at_all);

/// ACC-5 (issue #14): an audited change and its entries commit in one transaction. A process
/// that dies while the entries are written (here: the closure that makes them panics) keeps
/// neither; changes racing on one shop each keep their entry, in one unbroken chain.
async fn a_change_commits_with_its_audit_entries_or_not_at_all(store: Store) {
    use kefu_domain::role::Role;
    use kefu_store::AccountChange;

    let shop = crate::shop(&store, "atomic").await;
    let (tenant, agent) = (shop.tenant.id, shop.agent.id);
    let promote = AccountChange {
        role: Some(Role::Supervisor),
        ..AccountChange::default()
    };
    let died = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .update_account(tenant, agent, &promote, |_, _| {
                    panic!("the process dies between the change and its record")
                })
                .await
        }
    })
    .await;
    assert!(died.is_err_and(|e| e.is_panic()));
    let kept = store.user(tenant, agent).await.unwrap().unwrap();
    assert_eq!(kept.role, Role::Agent, "the change went without its record");
    let all = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    assert!(store.audit_entries(tenant, &all).await.unwrap().is_empty());

    let mut tasks = vec![];
    for n in 0..12 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("小雨{n}");
            let change = AccountChange {
                display_name: Some(&name),
                ..AccountChange::default()
            };
            store
                .update_account(tenant, agent, &change, |before, after| {
                    vec![NewAudit {
                        detail: serde_json::json!({
                            "from": before.display_name, "to": after.display_name,
                        }),
                        ..entry(tenant, None, "account.change", &format!("user:{agent}"))
                    }]
                })
                .await
                .unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let entries = store.audit_entries(tenant, &all).await.unwrap();
    assert_eq!(entries.len(), 12);
    // Each entry saw the name the previous change left: the changes and the chain agree.
    let mut names: Vec<(i64, String, String)> = entries
        .iter()
        .map(|e| {
            let text = |k: &str| e.detail[k].as_str().unwrap_or_default().to_owned();
            (e.seq, text("from"), text("to"))
        })
        .collect();
    names.sort();
    for pair in names.windows(2) {
        assert_eq!(
            pair[0].2, pair[1].1,
            "entries out of step with changes: {pair:?}"
        );
    }
    let last = store.user(tenant, agent).await.unwrap().unwrap();
    assert_eq!(names.last().map(|n| n.2.clone()), Some(last.display_name));
    let verdict = store.verify_audit(Some(tenant)).await.unwrap();
    assert_eq!((verdict.checked, verdict.broken.len()), (12, 0));
}
