//! Sealed fields (issue #14, ACC-1): phone numbers and secrets are ciphertext in the
//! database, open only with the key file, only in their own row, and survive a rotation; a
//! database written before sealing is sealed at its next start; the wrong key file is
//! refused at start.

use kefu_domain::role::Role;
use kefu_store::{NewUser, Store, StoreError, Vault};
use uuid::Uuid;

/// The database underneath the store, for reading and altering what it holds.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn texts(&self, sql: &'static str) -> Vec<String> {
        let rows: Vec<(String,)> = match self {
            Raw::Sqlite(db) => sqlx::query_as(sql).fetch_all(db).await.unwrap(),
            Raw::Postgres(db) => sqlx::query_as(sql).fetch_all(db).await.unwrap(),
        };
        rows.into_iter().map(|(text,)| text).collect()
    }

    async fn exec(&self, sql: &'static str, a: &str, b: &str) {
        match self {
            Raw::Sqlite(db) => {
                sqlx::query(sql).bind(a).bind(b).execute(db).await.unwrap();
            }
            Raw::Postgres(db) => {
                sqlx::query(sql).bind(a).bind(b).execute(db).await.unwrap();
            }
        };
    }
}

#[tokio::test]
async fn sealed_fields_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("kefu-vault-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = Store::sqlite_url_in(&dir);
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
    let raw = Raw::Sqlite(
        sqlx::SqlitePool::connect_with(options.create_if_missing(true))
            .await
            .unwrap(),
    );
    sealed_fields(&url, &dir, raw).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sealed_fields_on_postgres() {
    let url = kefu_store::scratch::create_database().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kefu-vault-{}", Uuid::new_v4()));
    let raw = Raw::Postgres(sqlx::PgPool::connect(&url).await.unwrap());
    sealed_fields(&url, &dir, raw).await;
    crate::drop_database(&url).await;
    let _ = std::fs::remove_dir_all(dir);
}

async fn sealed_fields(url: &str, dir: &std::path::Path, raw: Raw) {
    let key_file = dir.join("keys").join("kefu.keys");
    let store = Store::connect(url, Vault::open_file(&key_file).unwrap())
        .await
        .unwrap();
    let shop = crate::shop(&store, "vault-shop").await;
    let with_phone = |username: &'static str, phone: &'static str| NewUser {
        tenant_id: shop.tenant.id,
        username,
        display_name: username,
        password_hash: "hash",
        role: Role::Agent,
        team: None,
        phone: Some(phone),
        probation_until: None,
        created_by: None,
    };
    let alice = store
        .create_user(&with_phone("alice", "13812345678"), |_| vec![])
        .await
        .unwrap();
    let bob = store
        .create_user(&with_phone("bob", "13987654321"), |_| vec![])
        .await
        .unwrap();
    assert_eq!(alice.phone.as_deref(), Some("13812345678"));
    assert_eq!(alice.phone_masked.as_deref(), Some("138****5678"));
    let order = crate::order("V1", "m1", "P1", 1_795_000_000_000);
    let counts = store
        .upsert_orders(shop.tenant.id, std::slice::from_ref(&order))
        .await
        .unwrap();
    assert_eq!(counts.created, 1);
    let stored = store.order(shop.tenant.id, "V1").await.unwrap().unwrap();
    assert_eq!(stored.receiver, order.receiver);
    let masked = stored.receiver_masked.unwrap();
    assert_eq!(
        (masked.name.as_str(), masked.phone.as_str()),
        ("王**", "138****5678")
    );
    // The same order again is unchanged; another receiver phone is a change.
    let again = store
        .upsert_orders(shop.tenant.id, std::slice::from_ref(&order))
        .await
        .unwrap();
    assert_eq!(again.unchanged, 1);
    let mut moved = order.clone();
    if let Some(r) = moved.receiver.as_mut() {
        r.phone = "13812345679".into();
    }
    let changed = store.upsert_orders(shop.tenant.id, &[moved]).await.unwrap();
    assert_eq!(changed.updated, 1);

    // Underneath: ciphertext only.
    let phones = raw
        .texts("SELECT phone FROM users WHERE phone IS NOT NULL")
        .await;
    assert_eq!(phones.len(), 2);
    let secrets = raw.texts("SELECT identity_secret FROM tenants").await;
    let server = raw.texts("SELECT value FROM server_secrets").await;
    let receivers = raw.texts("SELECT receiver FROM orders").await;
    for stored in phones
        .iter()
        .chain(&secrets)
        .chain(&server)
        .chain(&receivers)
    {
        assert!(stored.starts_with("enc:v1:"), "{stored}");
        assert!(
            !stored.contains("1381234") && !stored.contains("secret"),
            "{stored}"
        );
        assert!(!stored.contains("文三路"), "{stored}");
    }
    // Nor does the order's content hash tell a guessed receiver from another.
    let hashes = raw.texts("SELECT content_hash FROM orders").await;
    let unkeyed = {
        use sha2::Digest;
        let bytes = serde_json::to_vec(&order).unwrap();
        hex::encode(&sha2::Sha256::digest(&bytes)[..16])
    };
    assert!(!hashes.contains(&unkeyed));
    assert_eq!(
        store
            .identity_secrets(shop.tenant.id)
            .await
            .unwrap()
            .map(|s| s.current)
            .as_deref(),
        Some("secret")
    );
    let read = store.user(shop.tenant.id, alice.id).await.unwrap().unwrap();
    assert_eq!(read.phone.as_deref(), Some("13812345678"));

    // A ciphertext copied into another row does not open there.
    let alice_sealed = raw
        .texts("SELECT phone FROM users WHERE username = 'alice'")
        .await
        .remove(0);
    let bob_sealed = raw
        .texts("SELECT phone FROM users WHERE username = 'bob'")
        .await
        .remove(0);
    raw.exec(
        "UPDATE users SET phone = $1 WHERE id = $2",
        &alice_sealed,
        &bob.id.to_string(),
    )
    .await;
    assert!(matches!(
        store.user(shop.tenant.id, bob.id).await,
        Err(StoreError::Corrupt(_))
    ));
    raw.exec(
        "UPDATE users SET phone = $1 WHERE id = $2",
        &bob_sealed,
        &bob.id.to_string(),
    )
    .await;

    // Rotation: a new key seals, every value is resealed, the old key retires.
    let old = store.vault().primary_key_id();
    let new = store.vault().add_key().unwrap();
    let resealed = store.reseal().await.unwrap();
    assert_eq!(
        resealed as usize,
        phones.len() + secrets.len() + server.len() + receivers.len()
    );
    let counts = store.sealed_counts().await.unwrap();
    assert!(
        counts
            .keys()
            .all(|(key, _)| key.as_deref() == Some(new.as_str()))
    );
    assert!(
        store.retire_key(&new).await.is_err(),
        "the sealing key stays"
    );
    store.retire_key(&old).await.unwrap();
    assert_eq!(store.vault().key_ids(), vec![new.clone()]);
    let read = store.user(shop.tenant.id, bob.id).await.unwrap().unwrap();
    assert_eq!(read.phone.as_deref(), Some("13987654321"));
    store.close().await;

    // Another key file: refused at start, naming the key it lacks.
    let stranger = Vault::open_file(&dir.join("other.keys")).unwrap();
    match Store::connect(url, stranger).await {
        Err(StoreError::KeyMissing { key, .. }) => assert_eq!(key, new),
        other => panic!("expected the missing key, got {other:?}"),
    }

    // A database from before sealing (plaintext, no vault check) is sealed at start.
    raw.exec(
        "UPDATE users SET phone = $1 WHERE id = $2",
        "13700001111",
        &bob.id.to_string(),
    )
    .await;
    raw.exec(
        "DELETE FROM server_secrets WHERE name = $1 OR name = $2",
        "vault_check",
        "",
    )
    .await;
    let store = Store::connect(url, Vault::open_file(&key_file).unwrap())
        .await
        .unwrap();
    let bob_stored = raw
        .texts("SELECT phone FROM users WHERE username = 'bob'")
        .await
        .remove(0);
    assert!(
        bob_stored.starts_with(&format!("enc:v1:{new}:")),
        "{bob_stored}"
    );
    let read = store.user(shop.tenant.id, bob.id).await.unwrap().unwrap();
    assert_eq!(read.phone.as_deref(), Some("13700001111"));
    store.close().await;
}
