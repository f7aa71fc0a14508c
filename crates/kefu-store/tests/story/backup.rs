//! Backups (issue #15): a logical export from one snapshot, imported into an empty database of
//! the other backend, holds the same shop: messages, sealed secrets, an intact audit chain.

use std::collections::BTreeMap;

use kefu_domain::message::SenderKind;
use kefu_store::backup::{Dump, Load, TableShape};
use kefu_store::{NewAudit, Store, scratch};
use serde_json::Value;

on_both_backends!(a_backup_moves_a_shop_to_the_other_backend);

/// An export held in memory, read back from the start on each import.
#[derive(Default)]
struct Rows {
    tables: Vec<(TableShape, Vec<Vec<Value>>)>,
    read: BTreeMap<String, usize>,
}

impl Dump for Rows {
    fn table(&mut self, shape: &TableShape) -> kefu_store::Result<()> {
        self.tables.push((shape.clone(), vec![]));
        Ok(())
    }

    fn row(&mut self, values: Vec<Value>) -> kefu_store::Result<()> {
        self.tables.last_mut().unwrap().1.push(values);
        Ok(())
    }
}

impl Load for Rows {
    fn tables(&self) -> Vec<TableShape> {
        self.tables.iter().map(|(s, _)| s.clone()).collect()
    }

    fn next_rows(&mut self, table: &str, max: usize) -> kefu_store::Result<Vec<Vec<Value>>> {
        let (_, rows) = self.tables.iter().find(|(s, _)| s.name == table).unwrap();
        let at = self.read.entry(table.to_owned()).or_default();
        let batch: Vec<_> = rows.iter().skip(*at).take(max).cloned().collect();
        *at += batch.len();
        Ok(batch)
    }
}

async fn a_backup_moves_a_shop_to_the_other_backend(store: Store) {
    let shop = crate::shop(&store, "moving").await;
    let conversation = crate::conversation(&store, shop.tenant.id, &shop.buyer).await;
    for i in 0..5 {
        crate::send(
            &store,
            crate::text(
                conversation.id,
                shop.tenant.id,
                SenderKind::Buyer,
                shop.buyer.id,
                &format!("m{i}"),
                "你好，想问一下发货",
            ),
        )
        .await;
    }
    store
        .set_password(shop.tenant.id, shop.agent.id, "new-hash", |user| {
            vec![NewAudit {
                tenant_id: user.tenant_id,
                actor_id: None,
                actor_name: "命令行".into(),
                action: "account.password_reset".into(),
                target: format!("user:{}", user.id),
                detail: serde_json::json!({}),
            }]
        })
        .await
        .unwrap();
    let mut rows = Rows::default();
    let version = store.export(&mut rows).await.unwrap();
    assert_eq!(version, store.schema_version().await.unwrap());
    assert!(version >= 11, "{version}");
    let count = |name: &str| {
        rows.tables
            .iter()
            .find(|(s, _)| s.name == name)
            .map_or(0, |(_, r)| r.len())
    };
    assert_eq!(count("messages"), 5);
    assert_eq!(count("tenants"), 1);
    assert!(
        !rows.tables.iter().any(|(s, _)| s.name.starts_with("_sqlx")),
        "the migrations' own table is not data"
    );

    // The other backend, sealing with the same keys.
    let vault = store.vault().clone();
    let dir = std::env::temp_dir().join(format!("kefu-story-{}", uuid::Uuid::new_v4()));
    let (other, url) = match store.backend_name() {
        "sqlite" => {
            let url = scratch::create_database().await.unwrap();
            (Store::connect(&url, vault).await.unwrap(), Some(url))
        }
        _ => {
            std::fs::create_dir_all(&dir).unwrap();
            let url = Store::sqlite_url_in(&dir);
            (Store::connect(&url, vault).await.unwrap(), None)
        }
    };
    let written = other.import(&mut rows).await.unwrap();
    assert_eq!(written["messages"], 5);
    assert_eq!(written["tenants"], 1);
    let read = |s: Store| async move {
        s.messages(shop.tenant.id, conversation.id, 0, None, 100)
            .await
            .unwrap()
    };
    assert_eq!(read(other.clone()).await, read(store.clone()).await);
    assert_eq!(
        other
            .identity_secrets(shop.tenant.id)
            .await
            .unwrap()
            .unwrap()
            .current,
        "secret",
        "sealed values open with the same keys"
    );
    let verdict = other.verify_audit(None).await.unwrap();
    assert!(
        verdict.broken.is_empty() && verdict.checked > 0,
        "{verdict:?}"
    );
    // Importing again replaces what is there: nothing doubles.
    rows.read.clear();
    let again = other.import(&mut rows).await.unwrap();
    assert_eq!(again, written);
    assert_eq!(read(other.clone()).await.len(), 5);
    // A new message continues the conversation's seq after the restored ones.
    let next = crate::send(
        &other,
        crate::text(
            conversation.id,
            shop.tenant.id,
            SenderKind::Buyer,
            shop.buyer.id,
            "after-restore",
            "还在吗",
        ),
    )
    .await;
    assert_eq!(next.message.seq, 6);

    other.close().await;
    match url {
        Some(url) => crate::drop_database(&url).await,
        None => {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
