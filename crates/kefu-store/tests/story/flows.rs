//! The robot's flows (BOT-4): a flow is put, replaced, read back and deleted, each change
//! moving the knowledge base version; a conversation's run is saved, changed and ended, and
//! deleting its flow ends it too.

use kefu_store::{FlowRow, Store};

on_both_backends!(a_flow_and_its_runs_are_kept_until_deleted);

async fn a_flow_and_its_runs_are_kept_until_deleted(store: Store) {
    let shop = crate::shop(&store, "flows").await;
    let other = crate::shop(&store, "no-flows").await;
    let (tenant, boss) = (shop.tenant.id, shop.boss.id);
    let version = || {
        let store = store.clone();
        async move { store.robot_settings(tenant).await.unwrap().kb_version }
    };
    assert!(store.robot_flows(tenant).await.unwrap().is_empty());
    let refund = serde_json::json!({ "name": "退款", "triggers": ["退款"], "steps": [] });
    store
        .put_robot_flow(tenant, "refund", &refund, Some(boss), |_| vec![])
        .await
        .unwrap();
    assert_eq!(version().await, 1);
    let exchange = serde_json::json!({ "name": "换货", "triggers": ["换货"], "steps": [] });
    store
        .put_robot_flow(tenant, "exchange", &exchange, None, |_| vec![])
        .await
        .unwrap();
    let flows = store.robot_flows(tenant).await.unwrap();
    assert_eq!(
        flows
            .iter()
            .map(|f| (f.id.as_str(), &f.body))
            .collect::<Vec<_>>(),
        [("exchange", &exchange), ("refund", &refund)],
        "by id"
    );
    let longer = serde_json::json!({ "name": "退款", "triggers": ["退款", "退钱"], "steps": [] });
    store
        .put_robot_flow(tenant, "refund", &longer, Some(boss), |_| vec![])
        .await
        .unwrap();
    let replaced: FlowRow = store.robot_flows(tenant).await.unwrap().remove(1);
    assert_eq!((replaced.id.as_str(), &replaced.body), ("refund", &longer));
    assert_eq!(version().await, 3);
    assert!(store.robot_flows(other.tenant.id).await.unwrap().is_empty());

    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    assert_eq!(store.flow_run(tenant, c.id).await.unwrap(), None);
    let asked = serde_json::json!({ "step": "order", "slots": {} });
    store
        .set_flow_run(tenant, c.id, Some(("refund", &asked)))
        .await
        .unwrap();
    assert_eq!(
        store.flow_run(tenant, c.id).await.unwrap(),
        Some(("refund".to_owned(), asked))
    );
    let filled = serde_json::json!({ "step": "reason", "slots": { "order": "T1" } });
    store
        .set_flow_run(tenant, c.id, Some(("refund", &filled)))
        .await
        .unwrap();
    assert_eq!(
        store.flow_run(tenant, c.id).await.unwrap(),
        Some(("refund".to_owned(), filled.clone()))
    );
    assert_eq!(store.flow_run(other.tenant.id, c.id).await.unwrap(), None);
    let theirs = serde_json::json!({ "step": "hijack" });
    store
        .set_flow_run(other.tenant.id, c.id, Some(("refund", &theirs)))
        .await
        .unwrap();
    assert_eq!(
        store.flow_run(tenant, c.id).await.unwrap(),
        Some(("refund".to_owned(), filled.clone())),
        "ACC-1: another shop cannot write this conversation's run"
    );
    store.set_flow_run(tenant, c.id, None).await.unwrap();
    assert_eq!(store.flow_run(tenant, c.id).await.unwrap(), None);

    store
        .set_flow_run(tenant, c.id, Some(("refund", &filled)))
        .await
        .unwrap();
    assert!(
        store
            .delete_robot_flow(tenant, "refund", |_| vec![])
            .await
            .unwrap()
    );
    assert_eq!(
        store.flow_run(tenant, c.id).await.unwrap(),
        None,
        "its runs end with it"
    );
    assert_eq!(version().await, 4);
    assert!(
        !store
            .delete_robot_flow(tenant, "refund", |_| vec![])
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_robot_flow(other.tenant.id, "exchange", |_| vec![])
            .await
            .unwrap()
    );
    assert_eq!(version().await, 4);
    assert_eq!(store.robot_flows(tenant).await.unwrap().len(), 1);
}
