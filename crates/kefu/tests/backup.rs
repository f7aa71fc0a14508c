//! `kefu backup` and `kefu restore` as an operator runs them (issue #15 part 4): a backup made
//! while buyers keep sending, restored into a new data directory on SQLite and into an empty
//! PostgreSQL database, holds every message acknowledged before the backup began, message by
//! message; a restore refuses a non-empty directory and a database that holds a shop.

#![allow(clippy::unwrap_used)] // tests state their expectations by unwrapping

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

mod common;

const BUYERS: usize = 6;

/// `kefu demo` or `kefu serve` on `data_dir`, and its address.
async fn start(command: &str, data_dir: &std::path::Path) -> (Child, String) {
    let mut kefu = common::kefu(&[command], data_dir);
    kefu.env("KEFU_LIMITS__MESSAGES_PER_SECOND", "10000");
    common::listening(kefu).await
}

/// `kefu ARGS`, its exit code and what it printed.
async fn kefu(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .env("KEFU_LOG", "warn")
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

/// A buyer sending one message after another, each after the last one's ack, until `stop`;
/// every acknowledged client id goes into `acked`.
async fn keep_sending(
    addr: String,
    name: usize,
    acked: Arc<Mutex<Vec<String>>>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let session: Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/buyer/session"))
        .json(&json!({"shop": "shanye-tea"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["buyer_token"].as_str().unwrap();
    let url = format!("ws://{addr}/api/v1/buyer/ws?token={token}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut n = 0;
    while !*stop.borrow() {
        n += 1;
        let id = format!("backup-b{name}-{n}");
        let frame = json!({"type": "send", "client_msg_id": id, "kind": "text", "body": format!("第{n}条：发货了吗")});
        ws.send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
        loop {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                panic!("the socket closed under load");
            };
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            if frame["type"] == "ack" && frame["client_msg_id"] == id.as_str() {
                acked.lock().unwrap().push(id);
                break;
            }
        }
    }
}

async fn client_ids_in(url: &str) -> BTreeSet<String> {
    use sqlx::Connection;
    let query = "SELECT client_msg_id FROM messages WHERE client_msg_id LIKE 'backup-%'";
    let ids: Vec<(String,)> = if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(query).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(query).fetch_all(&mut conn).await.unwrap()
    };
    ids.into_iter().map(|(id,)| id).collect()
}

async fn storage_keys_in(url: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let keys: Vec<(String,)> = sqlx::query_as("SELECT storage_key FROM attachments")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    keys.into_iter().map(|(k,)| k).collect()
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn a_backup_under_load_restores_every_acknowledged_message_on_sqlite_and_postgres() {
    let root = std::env::temp_dir().join(format!("kefu-backup-{}", uuid::Uuid::new_v4()));
    let live = root.join("live");
    let (mut server, addr) = start("demo", &live).await;

    // A picture uploaded before the backup travels with it.
    let picture: Vec<u8> = PNG
        .iter()
        .copied()
        .chain((0..50_000u32).map(|i| (i % 251) as u8))
        .collect();
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("http://{addr}/api/v1/buyer/session"))
        .json(&json!({"shop": "shanye-tea"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uploaded = http
        .post(format!("http://{addr}/api/v1/buyer/attachments"))
        .bearer_auth(session["buyer_token"].as_str().unwrap())
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(picture.clone()).file_name("发票.png"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 201);

    let acked = Arc::new(Mutex::new(Vec::new()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let buyers: Vec<_> = (0..BUYERS)
        .map(|b| {
            tokio::spawn(keep_sending(
                addr.clone(),
                b,
                acked.clone(),
                stopped.clone(),
            ))
        })
        .collect();
    // Let traffic build up, then back up while it goes on.
    while acked.lock().unwrap().len() < 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before: Vec<String> = acked.lock().unwrap().clone();
    let archive = root.join("kefu.backup");
    let out = archive.to_str().unwrap().to_owned();
    let live_dir = live.to_str().unwrap().to_owned();
    let (code, text) = kefu(&["backup", "--out", &out, "--data-dir", &live_dir]).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("backed up sqlite"), "{text}");
    let during = acked.lock().unwrap().len() - before.len();
    stop.send(true).unwrap();
    for buyer in buyers {
        buyer.await.unwrap();
    }
    server.kill().await.unwrap();
    assert!(during > 0, "buyers kept sending while the backup ran");

    let keys = live.join("kefu.keys");
    let keys = keys.to_str().unwrap();
    // Into a new SQLite data directory.
    let restored = root.join("restored");
    let restored_dir = restored.to_str().unwrap().to_owned();
    let (code, text) = kefu(&[
        "restore",
        &out,
        "--data-dir",
        &restored_dir,
        "--key-file",
        keys,
    ])
    .await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("audit chain verified"), "{text}");
    let in_sqlite =
        client_ids_in(&format!("sqlite://{}", restored.join("kefu.db").display())).await;
    let lost: Vec<&String> = before
        .iter()
        .filter(|id| !in_sqlite.contains(*id))
        .collect();
    let keys_restored =
        storage_keys_in(&format!("sqlite://{}", restored.join("kefu.db").display())).await;
    assert_eq!(keys_restored.len(), 1);
    assert_eq!(
        std::fs::read(restored.join(&keys_restored[0])).unwrap(),
        picture
    );
    assert!(
        lost.is_empty(),
        "{} acknowledged before the backup are missing: {lost:?}",
        lost.len()
    );

    // Into an empty PostgreSQL database: the same messages.
    let url = kefu_store::scratch::create_database().await.unwrap();
    let on_pg = root.join("on-postgres");
    let on_pg_dir = on_pg.to_str().unwrap().to_owned();
    let (code, text) = kefu(&[
        "restore",
        &out,
        "--data-dir",
        &on_pg_dir,
        // The spelling; --database-url is the same flag.
        "--database",
        &url,
        "--key-file",
        keys,
    ])
    .await;
    assert_eq!(code, 0, "{text}");
    let in_postgres = client_ids_in(&url).await;
    assert_eq!(in_postgres, in_sqlite);

    // The restored SQLite directory serves: its shop's admin signs in.
    let (mut again, again_addr) = start("serve", &restored).await;
    let login = reqwest::Client::new()
        .post(format!("http://{again_addr}/api/v1/auth/login"))
        .json(&json!({"username": "tea-admin", "password": "kefu-demo-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    again.kill().await.unwrap();

    // Refused: a directory that is not empty, and a database that holds a shop.
    let (code, text) = kefu(&[
        "restore",
        &out,
        "--data-dir",
        &restored_dir,
        "--key-file",
        keys,
    ])
    .await;
    assert_ne!(code, 0);
    assert!(text.contains("not empty"), "{text}");
    let other = root.join("other");
    let other_dir = other.to_str().unwrap().to_owned();
    let (code, text) = kefu(&[
        "restore",
        &out,
        "--data-dir",
        &other_dir,
        "--database-url",
        &url,
        "--key-file",
        keys,
    ])
    .await;
    assert_ne!(code, 0);
    assert!(text.contains("already holds a shop"), "{text}");
    assert!(!other.exists(), "a refused restore leaves nothing behind");
    // A damaged archive is refused.
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    let damaged = root.join("damaged.backup");
    std::fs::write(&damaged, bytes).unwrap();
    let (code, _) = kefu(&[
        "restore",
        damaged.to_str().unwrap(),
        "--data-dir",
        root.join("from-damaged").to_str().unwrap(),
        "--key-file",
        keys,
    ])
    .await;
    assert_ne!(code, 0);

    let _ = std::fs::remove_dir_all(&root);
}
