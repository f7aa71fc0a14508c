//! Two `kefu` processes on one PostgreSQL database with NATS between them: a buyer connected
//! to one and an agent connected to the other talk live.

#![allow(clippy::unwrap_used)] // tests state their expectations by unwrapping

use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;

const NATS_URL: &str = "nats://127.0.0.1:4222";

/// Starts `kefu <args>` and returns it with the address it printed.
async fn start(args: &[&str], data_dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("KEFU_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("is running at http://").nth(1) {
                return rest.trim().to_owned();
            }
        }
        panic!("kefu exited before it listened");
    })
    .await
    .unwrap();
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            if frame["type"] == kind {
                return frame;
            }
        }
    }
}

async fn send_frame(ws: &mut Ws, frame: &Value) {
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
}

async fn post_json(request: reqwest::RequestBuilder, body: Value) -> Value {
    request
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Connects and reads the `hello` frame.
async fn open_socket(url: &str) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    next_of(&mut ws, "hello").await;
    ws
}

#[tokio::test]
async fn a_buyer_on_one_process_and_an_agent_on_another_talk_live() {
    let database_url = kefu_store::scratch::create_database().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kefu-cluster-{}", std::process::id()));
    let flags = [
        "--database-url",
        database_url.as_str(),
        "--nats-url",
        NATS_URL,
    ];
    let (_a, addr_a) = start(&[&["demo"][..], &flags].concat(), &dir.join("a")).await;
    let (_b, addr_b) = start(&[&["serve"][..], &flags].concat(), &dir.join("b")).await;
    let http = reqwest::Client::new();

    // The agent signs in on process B and opens its socket there.
    let cookie_login = http
        .post(format!("http://{addr_b}/api/v1/auth/login"))
        .json(&json!({"username": "tea-pre1", "password": "kefu-demo-2026"}))
        .send()
        .await
        .unwrap();
    let cookie = cookie_login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = cookie_login.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tokens = http
        .post(format!("http://{addr_b}/api/v1/auth/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf);
    let api_token = post_json(tokens, json!({"name": "cluster test"})).await;
    let mut agent = open_socket(&format!(
        "ws://{addr_b}/api/v1/agent/ws?token={}",
        api_token["token"].as_str().unwrap()
    ))
    .await;

    // The buyer opens the chat on process A.
    let session = post_json(
        http.post(format!("http://{addr_a}/api/v1/buyer/session")),
        json!({"shop": "shanye-tea"}),
    )
    .await;
    let mut buyer = open_socket(&format!(
        "ws://{addr_a}/api/v1/buyer/ws?token={}&after_seq=0",
        session["buyer_token"].as_str().unwrap()
    ))
    .await;

    let send = json!({"type": "send", "client_msg_id": "x1", "kind": "text", "body": "跨进程你好"});
    send_frame(&mut buyer, &send).await;
    let ack = next_of(&mut buyer, "ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    let seen = next_of(&mut agent, "message").await;
    assert_eq!(seen["message"]["body"], "跨进程你好");

    let reply = json!({"type": "send", "conversation_id": conversation, "client_msg_id": "y1", "kind": "text", "body": "收到，来自另一台机器"});
    send_frame(&mut agent, &reply).await;
    assert_eq!(next_of(&mut agent, "ack").await["seq"], 2);
    let mine = next_of(&mut buyer, "message").await;
    assert_eq!(
        mine["message"]["seq"], 1,
        "the buyer's own message comes back first"
    );
    let heard = next_of(&mut buyer, "message").await;
    assert_eq!(heard["message"]["body"], "收到，来自另一台机器");
    assert_eq!(heard["message"]["seq"], 2);

    let typing = json!({"type": "typing", "conversation_id": conversation});
    send_frame(&mut agent, &typing).await;
    assert_eq!(next_of(&mut buyer, "typing").await["party"], "agent");
    let _ = std::fs::remove_dir_all(dir);
}
