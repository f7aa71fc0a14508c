//! `cargo xtask crash [--cycles N] [--release]`: kefu killed with SIGKILL under load, again
//! and again, keeps everything it acknowledged (issue #14; CH-1, ACC-5).
//!
//! Each cycle starts `kefu demo` on the same data directory, puts it under load (buyers
//! sending over WebSocket, and a super admin renaming an agent and changing their role, both
//! audited), kills it at a random moment, and starts it again. Then every acknowledged
//! message must be stored once, at the seq its ack gave, with no gap in any conversation; and
//! the audit log must tell the agent's whole story: each acknowledged change has its entry,
//! entries follow one another (each `from` is the previous `to`), the last `to` is what the
//! account holds now, and `audit verify` finds the chain intact.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

const PASSWORD: &str = "kefu-demo-2026";
const BUYERS: usize = 8;

pub fn build_and_run(args: &[String]) -> anyhow::Result<()> {
    let release = args.iter().any(|a| a == "--release");
    let mut build = vec!["build", "--package", "kefu"];
    if release {
        build.push("--release");
    }
    crate::run("cargo", &build, None)?;
    let cycles: usize = args
        .iter()
        .position(|a| a == "--cycles")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(3), |n| n.parse())
        .context("--cycles takes a number")?;
    let binary = crate::target_dir()
        .join(if release { "release" } else { "debug" })
        .join("kefu");
    let binary = binary.to_string_lossy().into_owned();
    tokio::runtime::Runtime::new()?.block_on(crash(&binary, cycles))
}

/// What the server acknowledged: per buyer token, client id → (conversation, seq); and the
/// display names and roles the admin's changes were answered with since the last check.
#[derive(Default)]
struct Acked {
    messages: HashMap<String, BTreeMap<String, (String, i64)>>,
    names: Vec<String>,
    roles: Vec<String>,
}

struct Kefu {
    child: tokio::process::Child,
    addr: String,
}

async fn start(binary: &str, dir: &std::path::Path) -> anyhow::Result<Kefu> {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(binary)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("KEFU_LIMITS__MESSAGES_PER_SECOND", "100000")
        .envs(crate::ONE_ADDRESS_LOAD)
        .env("KEFU_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {binary}"))?;
    let stdout = child.stdout.take().context("kefu stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await? {
        if let Some(rest) = line.split("is running at http://").nth(1) {
            let addr = rest.trim().to_owned();
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(Kefu { child, addr });
        }
    }
    bail!("kefu exited before it listened")
}

async fn crash(binary: &str, cycles: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-crash-{}", uuid::Uuid::new_v4()));
    let http = reqwest::Client::new();
    let mut kefu = start(binary, &dir).await?;
    let tokens = crate::bench_idle::buyer_tokens(&kefu.addr, BUYERS).await?;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut started = std::time::Instant::now();
    for cycle in 0..cycles {
        let admin = sign_in(&http, &kefu.addr).await?;
        let running = Arc::new(AtomicBool::new(true));
        let mut load = vec![];
        for (b, token) in tokens.iter().enumerate() {
            load.push(tokio::spawn(buyer_load(
                kefu.addr.clone(),
                token.clone(),
                format!("c{cycle}b{b}"),
                acked.clone(),
                running.clone(),
            )));
        }
        load.push(tokio::spawn(admin_load(
            http.clone(),
            kefu.addr.clone(),
            admin,
            cycle,
            acked.clone(),
            running.clone(),
        )));
        // xorshift: a different moment of death each cycle, the same sequence each run.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        tokio::time::sleep(Duration::from_millis(300 + rng % 1_200)).await;
        kefu.child.start_kill()?; // SIGKILL
        kefu.child.wait().await?;
        running.store(false, Ordering::SeqCst);
        for task in load {
            let _ = task.await;
        }
        let restarted = std::time::Instant::now();
        kefu = start(binary, &dir).await?;
        let restart = restarted.elapsed();
        let (messages, changes) = verify(&http, &kefu.addr, &acked).await?;
        println!(
            "cycle {:>3}: killed, restarted in {:.2} s; {messages} acknowledged messages and \
             {changes} audited changes all kept",
            cycle + 1,
            restart.as_secs_f64()
        );
        if cycle == 0 {
            started = std::time::Instant::now();
        }
    }
    let _ = kefu.child.start_kill();
    let _ = kefu.child.wait().await;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{cycles} SIGKILL cycles in {:.0} s: nothing acknowledged was lost",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// An API token of the demo tea shop's super admin.
pub(crate) async fn sign_in(http: &reqwest::Client, addr: &str) -> anyhow::Result<String> {
    let login = http
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({"username": "tea-admin", "password": PASSWORD}))
        .send()
        .await?;
    ensure!(login.status().is_success(), "sign-in: {}", login.status());
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .context("session cookie")?
        .to_owned();
    let me: Value = login.json().await?;
    let token: Value = http
        .post(format!("http://{addr}/api/v1/auth/tokens"))
        .header("cookie", &cookie)
        .header(
            "x-csrf-token",
            me["csrf_token"].as_str().unwrap_or_default(),
        )
        .json(&json!({"name": "crash test"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(token["token"].as_str().context("API token")?.to_owned())
}

/// One buyer sending messages, each after the last one's ack, until the server dies.
async fn buyer_load(
    addr: String,
    token: String,
    prefix: String,
    acked: Arc<Mutex<Acked>>,
    running: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let url = format!("ws://{addr}/api/v1/buyer/ws?token={token}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    let mut n = 0;
    while running.load(Ordering::SeqCst) {
        n += 1;
        let id = format!("{prefix}m{n}");
        let frame = json!({"type": "send", "client_msg_id": id, "kind": "text", "body": format!("第{n}条")});
        ws.send(Message::Text(frame.to_string().into())).await?;
        loop {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                return Ok(()); // the server died; this send may or may not have been stored
            };
            let frame: Value = serde_json::from_str(text.as_str())?;
            if frame["type"] == "ack" && frame["client_msg_id"] == id.as_str() {
                let at = (
                    frame["conversation_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    frame["seq"].as_i64().unwrap_or_default(),
                );
                acked
                    .lock()
                    .await
                    .messages
                    .entry(token.clone())
                    .or_default()
                    .insert(id.clone(), at);
                break;
            }
        }
    }
    Ok(())
}

/// The super admin renames `tea-pre1` and flips their role, one change after another.
async fn admin_load(
    http: reqwest::Client,
    addr: String,
    token: String,
    cycle: usize,
    acked: Arc<Mutex<Acked>>,
    running: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let id = agent_id(&http, &addr, &token, "tea-pre1").await?;
    // Every change really changes something (a new name, the other role), so every
    // acknowledged one must have its entry; the role is read afresh each cycle, since a change
    // the crash cut off may have committed.
    let accounts = get(&http, &format!("http://{addr}/api/v1/accounts"), &token).await?;
    let mut role = accounts["accounts"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["id"] == id.as_str()))
        .and_then(|a| a["role"].as_str())
        .context("tea-pre1's role")?
        .to_owned();
    let mut n = 0;
    while running.load(Ordering::SeqCst) {
        n += 1;
        let (field, value) = if n % 2 == 0 {
            let other = if role == "agent" {
                "supervisor"
            } else {
                "agent"
            };
            ("role", other.to_owned())
        } else {
            ("display_name", format!("小雨{cycle}-{n}"))
        };
        let Ok(answer) = http
            .patch(format!("http://{addr}/api/v1/accounts/{id}"))
            .bearer_auth(&token)
            .json(&json!({ field: value }))
            .send()
            .await
        else {
            return Ok(());
        };
        if !answer.status().is_success() {
            return Ok(()); // the server is going; what it did is checked after the restart
        }
        let mut acked = acked.lock().await;
        if field == "role" {
            role.clone_from(&value);
            acked.roles.push(value);
        } else {
            acked.names.push(value);
        }
    }
    Ok(())
}

async fn agent_id(
    http: &reqwest::Client,
    addr: &str,
    token: &str,
    username: &str,
) -> anyhow::Result<String> {
    let accounts: Value = get(http, &format!("http://{addr}/api/v1/accounts"), token).await?;
    accounts["accounts"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["username"] == username))
        .and_then(|a| a["id"].as_str())
        .map(str::to_owned)
        .context("the demo agent tea-pre1")
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let answer = http.get(url).bearer_auth(token).send().await?;
    ensure!(
        answer.status().is_success(),
        "GET {url}: {}",
        answer.status()
    );
    Ok(answer.json().await?)
}

/// Checks everything acknowledged so far; returns how many messages and changes it checked.
async fn verify(
    http: &reqwest::Client,
    addr: &str,
    acked: &Mutex<Acked>,
) -> anyhow::Result<(usize, usize)> {
    let mut acked = acked.lock().await;
    let mut messages = 0;
    for (token, sent) in &acked.messages {
        let mut stored: Vec<Value> = vec![];
        loop {
            let after = stored.last().and_then(|m| m["seq"].as_i64()).unwrap_or(0);
            let page = get(
                http,
                &format!("http://{addr}/api/v1/buyer/messages?after_seq={after}&limit=500"),
                token,
            )
            .await?;
            let page = page["messages"].as_array().cloned().unwrap_or_default();
            if page.is_empty() {
                break;
            }
            stored.extend(page);
        }
        for (expected, message) in (1..).zip(&stored) {
            ensure!(
                message["seq"].as_i64() == Some(expected),
                "a gap before seq {expected}: {message}"
            );
        }
        let mut at: HashMap<&str, Vec<i64>> = HashMap::new();
        for message in &stored {
            if let Some(id) = message["client_msg_id"].as_str() {
                at.entry(id)
                    .or_default()
                    .push(message["seq"].as_i64().unwrap_or(-1));
            }
        }
        for (id, (_, seq)) in sent {
            let seqs = at.get(id.as_str()).cloned().unwrap_or_default();
            ensure!(
                seqs == [*seq],
                "acknowledged message {id} (seq {seq}) is stored at {seqs:?}"
            );
            messages += 1;
        }
    }

    let admin = sign_in(http, addr).await?;
    let id = agent_id(http, addr, &admin, "tea-pre1").await?;
    let account = get(http, &format!("http://{addr}/api/v1/accounts"), &admin).await?;
    let account = account["accounts"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["id"] == id.as_str()))
        .cloned()
        .context("tea-pre1")?;
    let target = format!("user:{id}");
    let story = |entries: &Value, key: Option<&str>| -> Vec<(String, String)> {
        let mut steps: Vec<(i64, String, String)> = entries["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["target"] == target.as_str())
            .filter_map(|e| {
                let d = match key {
                    Some(k) => &e["detail"][k],
                    None => &e["detail"],
                };
                let text = |v: &Value| v.as_str().map(str::to_owned);
                Some((e["seq"].as_i64()?, text(&d["from"])?, text(&d["to"])?))
            })
            .filter(|(_, from, to)| from != to)
            .collect();
        steps.sort();
        steps.into_iter().map(|(_, f, t)| (f, t)).collect()
    };
    let audit = async |action: &str| {
        let url = format!("http://{addr}/api/v1/audit?action={action}&limit=500");
        get(http, &url, &admin).await
    };
    let names = story(&audit("account.change").await?, Some("display_name"));
    let roles = story(&audit("role.change").await?, None);
    for (what, steps, now, wanted) in [
        ("name", &names, &account["display_name"], &acked.names),
        ("role", &roles, &account["role"], &acked.roles),
    ] {
        for pair in steps.windows(2) {
            ensure!(
                pair[0].1 == pair[1].0,
                "a {what} change committed without its audit entry: {pair:?}"
            );
        }
        if let Some(last) = steps.last() {
            ensure!(
                now.as_str() == Some(last.1.as_str()),
                "the account's {what} is {now}, the audit log's last says {}",
                last.1
            );
        }
        let recorded: Vec<&String> = steps.iter().map(|(_, to)| to).collect();
        for value in wanted {
            ensure!(
                recorded.contains(&value),
                "an acknowledged {what} change to {value} has no audit entry"
            );
        }
    }
    let verdict = get(http, &format!("http://{addr}/api/v1/audit/verify"), &admin).await?;
    ensure!(verdict["intact"] == true, "audit verify: {verdict}");
    // The changes are checked once (the log lists the newest 500 of each kind).
    let changes = acked.names.len() + acked.roles.len();
    acked.names.clear();
    acked.roles.clear();
    Ok((messages, changes))
}
