//! `cargo xtask bench-channels` (issue #21, CH-3): how many buyer messages a second kefu takes
//! from WeChat's safe-mode callback (the signature checked, the message decrypted and read,
//! stored through the desk's door, answered `success`), beside the chat page's own HTTP send
//! in the same run, on the same demo shop: the same number of buyers, the same number of
//! requests in flight, one message per request. WeChat's replies go to a local stand-in of its
//! API that answers every call at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use kefu_channels::wxcrypt::WxCrypt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BUYERS: usize = 200;
const IN_FLIGHT: usize = 64;
const SECONDS: u64 = 10;
const TOKEN: &str = "benchtoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APP_ID: &str = "wxbench000000001";

pub fn build_and_run() -> anyhow::Result<()> {
    crate::release_then(&["kefu", "xtask"], "bench-channels-run", &[])
}

pub fn run() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(bench())
}

/// A stand-in for WeChat's API: every request gets an access token and `errcode` 0.
async fn fake_wechat() -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let body =
                        r#"{"errcode":0,"errmsg":"ok","access_token":"BENCH","expires_in":7200}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(format!("http://{addr}"))
}

async fn bench() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-bench-channels-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let api_base = fake_wechat().await?;
    let (mut server, addr) = crate::bench::start_kefu(&dir.join("kefu"))?;
    let result = measure(&addr, &api_base).await;
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let (web, wechat) = result?;
    println!(
        "\n== {BUYERS} buyers, {IN_FLIGHT} requests in flight, {SECONDS} s each, one message per request =="
    );
    println!("chat page, POST /api/v1/buyer/messages:          {web:>8.0} messages/s");
    println!("WeChat safe mode, POST /hooks/wechat-mp/{{id}}:    {wechat:>8.0} messages/s");
    println!("ratio (WeChat / chat page): {:.2}", wechat / web.max(1.0));
    Ok(())
}

async fn measure(addr: &str, api_base: &str) -> anyhow::Result<(f64, f64)> {
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    let me: Value = http
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({"username": "tea-admin", "password": "kefu-demo-2026"}))
        .send()
        .await?
        .json()
        .await?;
    let csrf = me["csrf_token"].as_str().context("csrf token")?.to_owned();
    let channel: Value = http
        .post(format!("http://{addr}/api/v1/channels"))
        .header("x-csrf-token", &csrf)
        .json(
            &json!({"kind": "wechat_mp", "app_id": APP_ID, "app_secret": "s", "token": TOKEN,
                      "aes_key": AES_KEY, "mode": "safe", "api_base": api_base}),
        )
        .send()
        .await?
        .json()
        .await?;
    let channel_id = channel["id"].as_str().context("the channel")?.to_owned();

    // The chat page: buyer sessions, then sends over HTTP.
    let tokens = crate::bench_idle::buyer_tokens(addr, BUYERS).await?;
    let tokens = Arc::new(tokens);
    let url = format!("http://{addr}/api/v1/buyer/messages");
    let web = closed_loop(move |client, n| {
        let token = tokens[n % BUYERS].clone();
        let url = url.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"client_msg_id": format!("b{n}"), "kind": "text", "body": "你好，请问什么时候发货"}))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;

    // WeChat: each request a buyer's text message, encrypted and signed as WeChat does.
    let crypt = Arc::new(WxCrypt::new(TOKEN, AES_KEY, APP_ID)?);
    let url = format!("http://{addr}/hooks/wechat-mp/{channel_id}");
    let wechat = closed_loop(move |client, n| {
        let crypt = crypt.clone();
        let url = url.clone();
        async move {
            let xml = format!(
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>\n<FromUserName><![CDATA[oBench{:05}]]></FromUserName>\n<CreateTime>1800000000</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[你好，请问什么时候发货]]></Content>\n<MsgId>{}</MsgId>\n</xml>",
                n % BUYERS,
                9_000_000_000u64 + n as u64
            );
            let Ok(encrypted) = crypt.encrypt(&xml) else {
                return false;
            };
            let now_s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default()
                .to_string();
            let (timestamp, nonce) = (now_s.as_str(), format!("{n}"));
            let query = [
                ("signature", crypt.sign_plain(timestamp, &nonce)),
                ("timestamp", timestamp.to_owned()),
                ("nonce", nonce.clone()),
                ("encrypt_type", "aes".to_owned()),
                ("msg_signature", crypt.sign(timestamp, &nonce, &encrypted)),
            ];
            client
                .post(url)
                .query(&query)
                .body(format!("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    Ok((web, wechat))
}

/// Requests `send(client, n)` from `IN_FLIGHT` tasks for `SECONDS` after a second's warm-up;
/// the successful ones per second.
async fn closed_loop<F, Fut>(send: F) -> f64
where
    F: Fn(reqwest::Client, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let send = Arc::new(send);
    let counter = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = Instant::now() + Duration::from_secs(SECONDS + 1);
    let client = reqwest::Client::new();
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (send, counter, next, measuring, client) = (
                send.clone(),
                counter.clone(),
                next.clone(),
                measuring.clone(),
                client.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < stop {
                    let n = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if send(client.clone(), n).await && measuring.load(Ordering::Relaxed) {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    for task in tasks {
        let _ = task.await;
    }
    counter.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
