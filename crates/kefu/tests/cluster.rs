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

mod common;

use common::ONE_ADDRESS;

const NATS_URL: &str = "nats://127.0.0.1:4222";

/// The key file beside a process's data directory, shared with its siblings.
fn shared_key_file(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.parent().unwrap_or(data_dir).join("kefu.keys")
}

async fn start(args: &[&str], data_dir: &std::path::Path) -> (Child, String) {
    let mut command = common::kefu(args, data_dir);
    // Every process on one database seals with the same keys.
    command.arg("--key-file").arg(shared_key_file(data_dir));
    common::listening(command).await
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON frame, failing after 10 s.
async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

/// The next frame of `kind`, skipping others.
async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let frame = next_frame(ws).await;
        if frame["type"] == kind {
            return frame;
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
    let api_token = sign_in(&http, &addr_b, "tea-pre1").await;
    let mut agent = open_socket(&format!("ws://{addr_b}/api/v1/agent/ws?token={api_token}")).await;

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
    // The ack and the buyer's own message come back in either order (the message is
    // published before the ack, and comes back through NATS).
    let (mut ack, mut mine) = (None, None);
    while ack.is_none() || mine.is_none() {
        let frame = next_frame(&mut buyer).await;
        match frame["type"].as_str() {
            Some("ack") => ack = Some(frame),
            Some("message") => mine = Some(frame),
            _ => {}
        }
    }
    let conversation = ack.unwrap()["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(mine.unwrap()["message"]["seq"], 1);
    let seen = next_of(&mut agent, "message").await;
    assert_eq!(seen["message"]["body"], "跨进程你好");

    let reply = json!({"type": "send", "conversation_id": conversation, "client_msg_id": "y1", "kind": "text", "body": "收到，来自另一台机器"});
    send_frame(&mut agent, &reply).await;
    assert_eq!(next_of(&mut agent, "ack").await["seq"], 2);
    let heard = next_of(&mut buyer, "message").await;
    assert_eq!(heard["message"]["body"], "收到，来自另一台机器");
    assert_eq!(heard["message"]["seq"], 2);

    let typing = json!({"type": "typing", "conversation_id": conversation});
    send_frame(&mut agent, &typing).await;
    assert_eq!(next_of(&mut buyer, "typing").await["party"], "agent");
    let _ = std::fs::remove_dir_all(dir);
}

/// Issue #15: with NATS, uploads live in its object store: a picture uploaded through one
/// process (with a data directory of its own) downloads through another, whole or by `Range`.
#[tokio::test]
async fn an_upload_through_one_process_downloads_through_another() {
    let database_url = kefu_store::scratch::create_database().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kefu-files-{}", uuid::Uuid::new_v4()));
    let flags = [
        "--database-url",
        database_url.as_str(),
        "--nats-url",
        NATS_URL,
    ];
    let (_a, addr_a) = start(&[&["demo"][..], &flags].concat(), &dir.join("a")).await;
    let (_b, addr_b) = start(&[&["serve"][..], &flags].concat(), &dir.join("b")).await;
    let http = reqwest::Client::new();
    let session = post_json(
        http.post(format!("http://{addr_a}/api/v1/buyer/session")),
        json!({"shop": "shanye-tea"}),
    )
    .await;
    let picture: Vec<u8> =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"
            .iter()
            .copied()
            .chain((0..300_000u32).map(|i| (i % 253) as u8))
            .collect();
    let uploaded: Value = http
        .post(format!("http://{addr_a}/api/v1/buyer/attachments"))
        .bearer_auth(session["buyer_token"].as_str().unwrap())
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(picture.clone()).file_name("实拍.png"),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = uploaded["url"].as_str().unwrap();
    assert!(
        !dir.join("a").join("attachments").exists(),
        "nothing on process A's disk: the file is in NATS"
    );

    let whole = http
        .get(format!("http://{addr_b}{link}"))
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), picture.as_slice());

    // A phone seeking: a part from the middle, and the end.
    let part = http
        .get(format!("http://{addr_b}{link}"))
        .header("range", "bytes=100000-100099")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100000-100099/{}", picture.len()).as_str()
    );
    assert_eq!(
        part.bytes().await.unwrap().as_ref(),
        &picture[100_000..100_100]
    );
    let tail = http
        .get(format!("http://{addr_b}{link}"))
        .header("range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.bytes().await.unwrap().as_ref(),
        &picture[picture.len() - 10..]
    );
    let past = http
        .get(format!("http://{addr_b}{link}"))
        .header("range", format!("bytes={}-", picture.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), 416);
    assert_eq!(
        past.headers()["content-range"],
        format!("bytes */{}", picture.len()).as_str()
    );

    // `kefu backup` reads the upload from NATS; a restore onto one disk holds it.
    let archive = dir.join("cluster.backup");
    let keys = shared_key_file(&dir.join("a"));
    let output = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["backup", "--out"])
        .arg(&archive)
        .args(["--data-dir"])
        .arg(dir.join("c"))
        .args(flags)
        .arg("--key-file")
        .arg(&keys)
        .env("KEFU_LOG", "warn")
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("1 attachments"), "{said}");
    let restored = dir.join("restored");
    let output = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .arg("restore")
        .arg(&archive)
        .arg("--data-dir")
        .arg(&restored)
        .arg("--key-file")
        .arg(&keys)
        .env("KEFU_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let id = link
        .trim_start_matches("/files/")
        .split('?')
        .next()
        .unwrap();
    let on_disk = std::fs::read_dir(restored.join("attachments"))
        .unwrap()
        .flatten()
        .map(|tenant| tenant.path().join(id))
        .find(|p| p.exists())
        .expect("the upload restored onto the disk");
    assert_eq!(std::fs::read(on_disk).unwrap(), picture);
    let _ = std::fs::remove_dir_all(dir);
}

/// Signs `username` in on `addr` and returns an API token for it.
async fn sign_in(http: &reqwest::Client, addr: &str, username: &str) -> String {
    let login = http
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": "kefu-demo-2026"}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = login.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tokens = http
        .post(format!("http://{addr}/api/v1/auth/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf);
    post_json(tokens, json!({"name": "cluster test"})).await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get_json(http: &reqwest::Client, url: String, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `(assignee, number of assigned events)` of a conversation.
async fn owners(http: &reqwest::Client, addr: &str, token: &str, id: &str) -> (Value, usize) {
    let summary = get_json(
        http,
        format!("http://{addr}/api/v1/conversations/{id}"),
        token,
    )
    .await;
    let events = get_json(
        http,
        format!("http://{addr}/api/v1/conversations/{id}/events"),
        token,
    )
    .await;
    let assigned = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "assigned")
        .count();
    (summary["assignee_id"].clone(), assigned)
}

/// WB-4: both processes run the router over one PostgreSQL database; buyers arrive on both at
/// once, agents sit on different processes, and still every conversation has exactly one
/// owner and no agent goes past their cap.
#[tokio::test]
async fn two_routers_on_one_database_give_each_conversation_one_owner() {
    let database_url = kefu_store::scratch::create_database().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kefu-cluster-routing-{}", std::process::id()));
    let flags = [
        "--database-url",
        database_url.as_str(),
        "--nats-url",
        NATS_URL,
    ];
    let (_a, addr_a) = start(&[&["demo"][..], &flags].concat(), &dir.join("a")).await;
    let (_b, addr_b) = start(&[&["serve"][..], &flags].concat(), &dir.join("b")).await;
    let http = reqwest::Client::new();

    // The demo's open conversations are resolved first: only this test's buyers queue.
    let admin = sign_in(&http, &addr_a, "tea-admin").await;
    let open = get_json(
        &http,
        format!("http://{addr_a}/api/v1/conversations?status=open&limit=200"),
        &admin,
    )
    .await;
    for c in open["conversations"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let resolved = http
            .post(format!("http://{addr_a}/api/v1/conversations/{id}/resolve"))
            .bearer_auth(&admin)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert!(resolved.status().is_success(), "{resolved:?}");
    }
    // The admin turns routing on; each pre-sales agent may take 3 conversations.
    let settings = http
        .put(format!("http://{addr_a}/api/v1/settings"))
        .bearer_auth(&admin)
        .json(&json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 200, "routing_enabled": true}))
        .send()
        .await
        .unwrap();
    assert!(settings.status().is_success());
    let live = get_json(&http, format!("http://{addr_a}/api/v1/team/live"), &admin).await;
    let mut caps = std::collections::HashMap::new();
    for agent in live["agents"].as_array().unwrap() {
        let name = agent["user"]["username"].as_str().unwrap();
        if name == "tea-pre1" || name == "tea-pre2" {
            let id = agent["user"]["id"].as_str().unwrap().to_owned();
            let cap = agent["load"].as_i64().unwrap() + 3;
            let patched = http
                .patch(format!("http://{addr_a}/api/v1/accounts/{id}"))
                .bearer_auth(&admin)
                .json(&json!({"max_concurrent": cap}))
                .send()
                .await
                .unwrap();
            assert!(patched.status().is_success());
            caps.insert(id, cap);
        }
    }
    assert_eq!(caps.len(), 2);

    // One agent on each process comes online by opening the workbench.
    let pre1 = sign_in(&http, &addr_a, "tea-pre1").await;
    let pre2 = sign_in(&http, &addr_b, "tea-pre2").await;
    let _pre1_ws = open_socket(&format!("ws://{addr_a}/api/v1/agent/ws?token={pre1}")).await;
    let _pre2_ws = open_socket(&format!("ws://{addr_b}/api/v1/agent/ws?token={pre2}")).await;

    // Twenty buyers write at once, half to each process.
    let sends = (0..20).map(|i| {
        let http = http.clone();
        let addr = if i % 2 == 0 { &addr_a } else { &addr_b }.clone();
        async move {
            let session = post_json(
                http.post(format!("http://{addr}/api/v1/buyer/session")),
                json!({"shop": "shanye-tea"}),
            )
            .await;
            let sent = post_json(
                http.post(format!("http://{addr}/api/v1/buyer/messages"))
                    .bearer_auth(session["buyer_token"].as_str().unwrap()),
                json!({"client_msg_id": format!("r{i}"), "kind": "text", "body": "这款茶还有货吗"}),
            )
            .await;
            sent["conversation_id"].as_str().unwrap().to_owned()
        }
    });
    let conversations = futures::future::join_all(sends).await;

    // Six are served (three each), fourteen wait; nobody is served twice.
    let mut served = 0;
    for _ in 0..100 {
        served = 0;
        for id in &conversations {
            let (assignee, _) = owners(&http, &addr_b, &admin, id).await;
            served += usize::from(!assignee.is_null());
        }
        if served == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut by_agent = std::collections::HashMap::new();
    for id in &conversations {
        let (assignee, _) = owners(&http, &addr_b, &admin, id).await;
        *by_agent.entry(assignee.to_string()).or_insert(0) += 1;
    }
    assert_eq!(
        served, 6,
        "both agents filled to their caps: {by_agent:?} {caps:?}"
    );
    // Let both routers run a few more passes over the same state.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for id in &conversations {
        let (assignee, assigned) = owners(&http, &addr_a, &admin, id).await;
        assert!(assigned <= 1, "{id} was assigned {assigned} times");
        assert_eq!(assigned, usize::from(!assignee.is_null()));
    }
    let live = get_json(&http, format!("http://{addr_b}/api/v1/team/live"), &admin).await;
    for agent in live["agents"].as_array().unwrap() {
        if let Some(cap) = caps.get(agent["user"]["id"].as_str().unwrap()) {
            assert_eq!(agent["load"].as_i64().unwrap(), *cap, "{agent}");
        }
    }

    // pre2 (on B) resolves one of theirs: the head of the queue is served next, once.
    let pre2_id =
        get_json(&http, format!("http://{addr_b}/api/v1/auth/me"), &pre2).await["user"]["id"]
            .clone();
    let mut theirs = None;
    for id in &conversations {
        if owners(&http, &addr_b, &admin, id).await.0 == pre2_id {
            theirs = Some(id.clone());
            break;
        }
    }
    let theirs = theirs.expect("pre2 serves someone");
    let resolved = http
        .post(format!(
            "http://{addr_b}/api/v1/conversations/{theirs}/resolve"
        ))
        .bearer_auth(&pre2)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(resolved.status().is_success(), "{resolved:?}");
    let mut assignments = 0;
    for _ in 0..100 {
        assignments = 0;
        for id in &conversations {
            let (_, assigned) = owners(&http, &addr_a, &admin, id).await;
            assert!(assigned <= 1, "{id} was assigned {assigned} times");
            assignments += assigned;
        }
        if assignments == 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(assignments, 7, "the freed place went to a waiting buyer");
    let _ = std::fs::remove_dir_all(dir);
}

/// Starts `kefu serve` logging at info (to stdout), and forwards the lines that say it took
/// the jobs' lead (`jobs::run_forever`) to `led`, tagged with `name`.
async fn start_watching_the_lead(
    database_url: &str,
    data_dir: &std::path::Path,
    name: &'static str,
    led: tokio::sync::mpsc::UnboundedSender<&'static str>,
) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        // Every process on one database seals with the same keys.
        .arg("--key-file")
        .arg(shared_key_file(data_dir))
        .env("KEFU_LOG", "kefu_server=info")
        .envs(ONE_ADDRESS)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("this process runs the background jobs") {
                let _ = led.send(name);
            }
        }
    });
    child
}

/// Jobs (housekeeping, sweeps, training) run on one process of several, and another takes
/// them over when it goes (`Store::lead`, a PostgreSQL advisory lock).
#[tokio::test]
async fn one_process_runs_the_jobs_and_another_takes_over_when_it_goes() {
    let database_url = kefu_store::scratch::create_database().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kefu-lead-{}", std::process::id()));
    let (led, mut leaders) = tokio::sync::mpsc::unbounded_channel();
    let mut a = start_watching_the_lead(&database_url, &dir.join("a"), "a", led.clone()).await;
    let mut b = start_watching_the_lead(&database_url, &dir.join("b"), "b", led).await;
    let first = tokio::time::timeout(Duration::from_secs(30), leaders.recv())
        .await
        .expect("a leader within 30 s")
        .unwrap();
    // Several ticks later, still only one.
    let second = tokio::time::timeout(Duration::from_secs(12), leaders.recv()).await;
    assert!(second.is_err(), "two leaders: {first} and {second:?}");
    let (gone, other) = if first == "a" {
        (&mut a, "b")
    } else {
        (&mut b, "a")
    };
    gone.kill().await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(30), leaders.recv())
        .await
        .expect("another process leads within 30 s of the first one's end")
        .unwrap();
    assert_eq!(next, other);
}

/// Starts `kefu <args>` on PostgreSQL + NATS with the jobs' log line on stdout; returns the
/// process and its address, and tells `led` when it takes the jobs' lead.
async fn start_in_cluster(
    args: &[&str],
    data_dir: &std::path::Path,
    name: &'static str,
    led: tokio::sync::mpsc::UnboundedSender<&'static str>,
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--nats-url",
            NATS_URL,
            "--data-dir",
        ])
        .arg(data_dir)
        // Every process on one database seals with the same keys.
        .arg("--key-file")
        .arg(shared_key_file(data_dir))
        .env("KEFU_LOG", "warn,kefu_server::jobs=info")
        .envs(ONE_ADDRESS)
        .env("KEFU_LIMITS__MESSAGES_PER_SECOND", "10000")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (said_addr, addr) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut said_addr = Some(said_addr);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("is running at http://").nth(1)
                && let Some(tell) = said_addr.take()
            {
                let _ = tell.send(rest.trim().to_owned());
            }
            if line.contains("this process runs the background jobs") {
                let _ = led.send(name);
            }
        }
    });
    let addr = tokio::time::timeout(Duration::from_secs(60), addr)
        .await
        .expect("kefu listens within 60 s")
        .expect("kefu exited before it listened");
    (child, addr)
}

/// A buyer who sends until told to stop, resuming on `addr` (from their last ack) whenever
/// the socket drops; returns every ack as client id → seq.
async fn keep_sending(
    addrs: tokio::sync::watch::Receiver<String>,
    token: String,
    name: usize,
    stop: tokio::sync::watch::Receiver<bool>,
) -> std::collections::BTreeMap<String, i64> {
    let mut acked = std::collections::BTreeMap::new();
    let mut n = 0;
    'connect: while !*stop.borrow() {
        let addr = addrs.borrow().clone();
        let last = acked.values().copied().max().unwrap_or(0);
        let url = format!("ws://{addr}/api/v1/buyer/ws?token={token}&after_seq={last}");
        let Ok((mut ws, _)) = tokio_tungstenite::connect_async(url).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        while !*stop.borrow() {
            n += 1;
            let id = format!("b{name}-{n}");
            let frame = json!({"type": "send", "client_msg_id": id, "kind": "text", "body": format!("第{n}条")});
            if ws
                .send(Message::Text(frame.to_string().into()))
                .await
                .is_err()
            {
                continue 'connect;
            }
            loop {
                match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
                    Ok(Some(Ok(Message::Text(text)))) => {
                        let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                        if frame["type"] == "ack" && frame["client_msg_id"] == id.as_str() {
                            acked.insert(id.clone(), frame["seq"].as_i64().unwrap());
                            break;
                        }
                    }
                    Ok(Some(Ok(_))) => {}
                    // The process died under this send: it may or may not have been stored,
                    // and it is not counted as acknowledged.
                    _ => continue 'connect,
                }
            }
        }
    }
    acked
}

/// Issue #14: two processes on PostgreSQL + NATS, buyers talking through the one that runs
/// the jobs; it is killed (SIGKILL) under load. The buyers and the agent reconnect to the
/// other process, every acknowledged message is there once at its acked seq, new messages
/// still reach the agent live, and the other process takes the jobs over.
#[tokio::test]
async fn when_a_process_dies_under_load_its_clients_carry_on_at_the_other() {
    let database_url = kefu_store::scratch::create_database().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kefu-failover-{}", std::process::id()));
    let (led, mut leaders) = tokio::sync::mpsc::unbounded_channel();
    let db = ["--database-url", database_url.as_str()];
    let (a, addr_a) = start_in_cluster(
        &[&["demo"][..], &db].concat(),
        &dir.join("a"),
        "a",
        led.clone(),
    )
    .await;
    let (b, addr_b) =
        start_in_cluster(&[&["serve"][..], &db].concat(), &dir.join("b"), "b", led).await;
    let first = tokio::time::timeout(Duration::from_secs(30), leaders.recv())
        .await
        .expect("a leader within 30 s")
        .unwrap();
    let (mut doomed, doomed_addr, _survivor_process, survivor, survivor_addr) = if first == "a" {
        (a, addr_a, b, "b", addr_b)
    } else {
        (b, addr_b, a, "a", addr_a)
    };
    let http = reqwest::Client::new();

    // Six buyers and an agent, all on the process about to die.
    let (to, addrs) = tokio::sync::watch::channel(doomed_addr.clone());
    let (stop_all, stop) = tokio::sync::watch::channel(false);
    let mut buyers = vec![];
    for n in 0..6 {
        let session = post_json(
            http.post(format!("http://{doomed_addr}/api/v1/buyer/session")),
            json!({"shop": "shanye-tea"}),
        )
        .await;
        let token = session["buyer_token"].as_str().unwrap().to_owned();
        let sending = tokio::spawn(keep_sending(addrs.clone(), token.clone(), n, stop.clone()));
        buyers.push((token, sending));
    }
    let agent_token = sign_in(&http, &doomed_addr, "tea-admin").await;
    let agent_url = |addr: &str| format!("ws://{addr}/api/v1/agent/ws?token={agent_token}");
    let _before = open_socket(&agent_url(&doomed_addr)).await;

    tokio::time::sleep(Duration::from_millis(1_500)).await;
    doomed.start_kill().unwrap(); // SIGKILL
    doomed.wait().await.unwrap();
    to.send(survivor_addr.clone()).unwrap();
    let mut agent = open_socket(&agent_url(&survivor_addr)).await;
    // The agent hears the buyers, now talking through the survivor, live.
    next_of(&mut agent, "message").await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    stop_all.send(true).unwrap();

    let mut acknowledged = 0;
    for (token, sending) in buyers {
        let acked = sending.await.unwrap();
        let stored = get_json(
            &http,
            format!("http://{survivor_addr}/api/v1/buyer/messages?limit=500"),
            &token,
        )
        .await;
        let stored = stored["messages"].as_array().unwrap();
        for (seq, message) in (1..).zip(stored) {
            assert_eq!(message["seq"], seq, "no gap in the conversation");
        }
        for (id, seq) in &acked {
            let at: Vec<&Value> = stored
                .iter()
                .filter(|m| m["client_msg_id"] == id.as_str())
                .collect();
            assert_eq!(at.len(), 1, "acknowledged {id} stored {} times", at.len());
            assert_eq!(at[0]["seq"], *seq, "{id} kept its acked seq");
        }
        acknowledged += acked.len();
    }
    assert!(
        acknowledged > 50,
        "only {acknowledged} messages were acknowledged"
    );
    let next = tokio::time::timeout(Duration::from_secs(30), leaders.recv())
        .await
        .expect("the survivor takes the jobs over within 30 s")
        .unwrap();
    assert_eq!(next, survivor);
    let _ = std::fs::remove_dir_all(dir);
}

/// The events of the first work order titled `title`, as `(kind, count)` of the kinds asked.
async fn rings(http: &reqwest::Client, addr: &str, token: &str, title: &str) -> (usize, usize) {
    let list = get_json(
        http,
        format!("http://{addr}/api/v1/work-orders?status=all&q={title}"),
        token,
    )
    .await;
    let Some(id) = list["orders"][0]["id"].as_str() else {
        return (0, 0);
    };
    let detail = get_json(
        http,
        format!("http://{addr}/api/v1/work-orders/{id}"),
        token,
    )
    .await;
    let count = |kind: &str| {
        detail["events"]
            .as_array()
            .map_or(0, |e| e.iter().filter(|e| e["kind"] == kind).count())
    };
    (count("reminded"), count("overdue"))
}

/// The escalations (ESC-1) whose reason names `title`: an overdue work order's, by the sweep.
async fn escalations_about(
    http: &reqwest::Client,
    addr: &str,
    token: &str,
    title: &str,
) -> Vec<Value> {
    let list = get_json(
        http,
        format!("http://{addr}/api/v1/escalations?status=all&limit=200"),
        token,
    )
    .await;
    list["escalations"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|e| e["reason"].as_str().is_some_and(|r| r.contains(title)))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Issue #20 (ESC-3): work orders' deadlines are stored and swept by the process that leads:
/// with two processes on one database each order past its deadline is reminded and alerted
/// exactly once, and when the leader dies the other sweeps what falls due next, once.
#[tokio::test]
async fn two_processes_ring_each_work_orders_deadline_once() {
    let database_url = kefu_store::scratch::create_database().await.unwrap();
    let dir = std::env::temp_dir().join(format!("kefu-sweep-{}", uuid::Uuid::new_v4()));
    let (led, mut leaders) = tokio::sync::mpsc::unbounded_channel();
    let url = ["--database-url", database_url.as_str()];
    let (mut a, addr_a) = start_in_cluster(
        &[&["demo"][..], &url].concat(),
        &dir.join("a"),
        "a",
        led.clone(),
    )
    .await;
    let (mut b, addr_b) =
        start_in_cluster(&[&["serve"][..], &url].concat(), &dir.join("b"), "b", led).await;
    let http = reqwest::Client::new();
    let token = sign_in(&http, &addr_b, "tea-lead").await;
    // The demo's refund is past its deadline: reminded, then alerted, by whoever leads.
    let overdue = "茶叶罐压坏";
    for _ in 0..120 {
        if rings(&http, &addr_b, &token, overdue).await.1 > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(rings(&http, &addr_b, &token, overdue).await, (1, 1));
    // ESC-1: past its deadline, it is escalated to level 2, once.
    let raised = escalations_about(&http, &addr_b, &token, overdue).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(
        (&raised[0]["level"], &raised[0]["triggers"]),
        (&json!("two"), &json!(["missed_deadline"]))
    );

    // The leader goes; a callback falls due; the other process rings it, once.
    let first = leaders.try_recv().expect("a process leads");
    let (gone, survivor) = if first == "a" {
        (&mut a, &addr_b)
    } else {
        (&mut b, &addr_a)
    };
    gone.kill().await.unwrap();
    let token = sign_in(&http, survivor, "tea-lead").await;
    let opened = post_json(
        http.post(format!("http://{survivor}/api/v1/work-orders"))
            .bearer_auth(&token),
        json!({"kind": "callback", "title": "接管后到期的回电", "priority": "urgent"}),
    )
    .await;
    let db = sqlx::PgPool::connect(&database_url).await.unwrap();
    let now = kefu_domain::time::now_ms();
    sqlx::query("UPDATE work_orders SET deadline_at = $1, alarm_at = $2 WHERE id = $3")
        .bind(now - 60_000)
        .bind(now - 120_000)
        .bind(opened["id"].as_str().unwrap())
        .execute(&db)
        .await
        .unwrap();
    let due = "接管后到期的回电";
    for _ in 0..120 {
        if rings(&http, survivor, &token, due).await.1 > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert_eq!(rings(&http, survivor, &token, due).await, (1, 1));
    assert_eq!(rings(&http, survivor, &token, overdue).await, (1, 1));
    assert_eq!(
        escalations_about(&http, survivor, &token, due).await.len(),
        1
    );
    assert_eq!(
        escalations_about(&http, survivor, &token, overdue)
            .await
            .len(),
        1
    );
    let _ = std::fs::remove_dir_all(dir);
}
