//! The server's own rows: the database answers, and a server-wide secret is made once and
//! then shared by every process.

use kefu_store::Store;

on_both_backends!(a_server_secret_is_made_once_and_shared);

async fn a_server_secret_is_made_once_and_shared(store: Store) {
    store.ping().await.unwrap();
    let first = store
        .server_secret("buyer_tokens", "fresh-1")
        .await
        .unwrap();
    assert_eq!(first, "fresh-1");
    let again = store
        .server_secret("buyer_tokens", "fresh-2")
        .await
        .unwrap();
    assert_eq!(again, "fresh-1", "the first process's secret stays");
    let other = store.server_secret("file_links", "links").await.unwrap();
    assert_eq!(other, "links");
    store.close().await;
    assert!(
        store.ping().await.is_err(),
        "a closed store answers no more"
    );
}

/// Issue #15: a PostgreSQL that requires TLS (a cloud one) is reached, `sslmode` in the URL
/// honoured, and the connection is encrypted. Skipped, saying so, where the server has no TLS.
#[tokio::test]
async fn postgres_is_reached_over_tls_when_the_url_asks_for_it() {
    let url = kefu_store::scratch::create_database().await.unwrap();
    let plain = sqlx::PgPool::connect(&url).await.unwrap();
    let (ssl,): (String,) = sqlx::query_as("SHOW ssl").fetch_one(&plain).await.unwrap();
    plain.close().await;
    if ssl != "on" {
        eprintln!("this PostgreSQL has ssl = {ssl}: nothing to test");
        crate::drop_database(&url).await;
        return;
    }
    let tls = format!("{url}?sslmode=require");
    let store = Store::connect(&tls, kefu_store::Vault::in_memory())
        .await
        .unwrap();
    store.ping().await.unwrap();
    store.close().await;
    let db = sqlx::PgPool::connect(&tls).await.unwrap();
    let (encrypted,): (bool,) =
        sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&db)
            .await
            .unwrap();
    db.close().await;
    assert!(encrypted, "the connection is TLS");
    crate::drop_database(&url).await;
}
