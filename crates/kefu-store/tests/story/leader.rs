//! Which process runs the background jobs (`Store::lead`): on PostgreSQL one at a time, and
//! another once the leader's connection is gone; SQLite's single process always leads.

use std::time::Duration;

use kefu_store::Store;

const KEY: i64 = 42;

async fn leader(store: Store) {
    let mut first = store.lead(KEY).await.unwrap().expect("nobody leads yet");
    assert!(first.holds().await);
    if store.backend_name() == "sqlite" {
        assert!(store.lead(KEY).await.unwrap().is_some());
        return;
    }
    assert!(
        store.lead(KEY).await.unwrap().is_none(),
        "one leader at a time"
    );
    drop(first);
    // The lock goes with its connection, once the server has noticed it closed.
    let mut second = None;
    for _ in 0..100 {
        second = store.lead(KEY).await.unwrap();
        if second.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut second = second.expect("another process leads once the first is gone");
    assert!(second.holds().await);
}

on_both_backends!(leader);
