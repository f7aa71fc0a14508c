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
