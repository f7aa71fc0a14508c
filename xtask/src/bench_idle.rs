//! `cargo xtask bench-idle`: what an idle WebSocket costs kefu, and how fast one message
//! reaches 10,000 sockets (issue #14, CH-1, LIVE-2). Beside each kefu figure, the same
//! measured in the same run on a bare tokio-tungstenite server tuned the same way (2 KiB read
//! buffer, no write buffer), which holds nothing per socket but the socket itself.
//!
//! Bytes per idle connection = growth of the server's resident memory (`/proc/<pid>/status`
//! VmRSS) while the sockets open, divided by their number. Buyer sessions are created before
//! the first reading, so the database's cache is not counted as socket cost.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The same tuning as kefu's sockets (`http/realtime.rs`), on both ends of every socket here.
fn tuned() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(2 * 1024)
        .write_buffer_size(0)
}

pub fn build_and_run(args: &[String]) -> anyhow::Result<()> {
    crate::release_then(&["kefu", "xtask"], "bench-idle-run", args)
}

/// `--counts 1000,10000` (idle sockets per step) and `--fanout 10000`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let counts: Vec<usize> = match value("--counts") {
        Some(list) => list
            .split(',')
            .map(|n| n.trim().parse())
            .collect::<Result<_, _>>()
            .context("--counts takes numbers separated by commas")?,
        None => vec![1_000, 5_000, 10_000],
    };
    let fanout: usize = value("--fanout").map_or(Ok(10_000), |n| n.parse())?;
    let needed = counts.iter().copied().max().unwrap_or(0).max(fanout) + 200;
    let allowed = open_files_limit();
    if needed as u64 > allowed {
        bail!(
            "{needed} sockets need as many open files in this process and in the server, and \
             this machine allows {allowed} per process (`ulimit -Hn`); ask for fewer"
        );
    }
    tokio::runtime::Runtime::new()?.block_on(async {
        println!("idle WebSocket connections: server resident memory per connection (bytes),");
        println!("over all N sockets and over the second N/2 (the marginal socket)");
        println!(
            "{:>8} {:>10} {:>10} {:>15} {:>15} {:>15}",
            "sockets", "kefu all", "bare all", "kefu marginal", "bare marginal", "marginal ratio"
        );
        for &n in &counts {
            let (kefu, kefu_marginal) = kefu_idle(n).await?;
            let (bare, bare_marginal) = bare_idle(n).await?;
            println!(
                "{n:>8} {kefu:>10.0} {bare:>10.0} {kefu_marginal:>15.0} {bare_marginal:>15.0} {:>15.2}",
                kefu_marginal / bare_marginal.max(1.0)
            );
        }
        println!("\none message to {fanout} sockets: until the last socket has it");
        let kefu = kefu_fanout(fanout).await?;
        let bare = bare_fanout(fanout).await?;
        println!(
            "  kefu {:.1} ms, bare {:.1} ms, ratio {:.2}",
            ms(kefu),
            ms(bare),
            kefu.as_secs_f64() / bare.as_secs_f64().max(1e-9)
        );
        anyhow::Ok(())
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// This process's hard limit on open files; the soft limit is raised to it.
fn open_files_limit() -> u64 {
    let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(4))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024)
}

fn rss_bytes(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS")?;
    Ok(kb * 1024.0)
}

/// Lets the server settle (tasks parked, buffers returned) before a reading.
async fn settled_rss(pid: u32) -> anyhow::Result<f64> {
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    rss_bytes(pid)
}

struct Server {
    child: Child,
    addr: String,
    _dir: Option<std::path::PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self._dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn start_kefu() -> anyhow::Result<Server> {
    let dir = std::env::temp_dir().join(format!("kefu-bench-idle-{}", uuid::Uuid::new_v4()));
    let (child, addr) = crate::bench::start_kefu(&dir)?;
    Ok(Server {
        child,
        addr,
        _dir: Some(dir),
    })
}

fn start_bare() -> anyhow::Result<Server> {
    let mut child = Command::new("target/release/xtask")
        .arg("bench-idle-bare")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the bare server")?;
    let stdout = child.stdout.take().context("bare server stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let addr = lines
        .next()
        .context("the bare server said nothing")??
        .trim()
        .to_owned();
    Ok(Server {
        child,
        addr,
        _dir: None,
    })
}

async fn connect(url: &str) -> anyhow::Result<Ws> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(tuned()), true).await?;
    Ok(ws)
}

/// Buyer tokens of new buyers of the demo tea shop.
pub(crate) async fn buyer_tokens(addr: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let http = reqwest::Client::new();
    let mut tokens = Vec::with_capacity(n);
    for _ in 0..n {
        let session: Value = http
            .post(format!("http://{addr}/api/v1/buyer/session"))
            .json(&json!({"shop": "shanye-tea"}))
            .send()
            .await?
            .json()
            .await?;
        tokens.push(
            session["buyer_token"]
                .as_str()
                .context("buyer token")?
                .to_owned(),
        );
    }
    Ok(tokens)
}

/// Opens a socket per URL, reading each socket's first frame (its hello) so the server has
/// finished setting it up; the sockets stay open and idle.
async fn open_all(urls: Vec<String>) -> anyhow::Result<Vec<Ws>> {
    let mut sockets = Vec::with_capacity(urls.len());
    for chunk in urls.chunks(200) {
        let opened = futures::future::join_all(chunk.iter().map(|url| async move {
            let mut ws = connect(url).await?;
            ws.next().await.context("no hello")??;
            anyhow::Ok(ws)
        }))
        .await;
        for ws in opened {
            sockets.push(ws?);
        }
    }
    Ok(sockets)
}

/// Growth per socket while `urls` open: over all of them, and over the second half only (the
/// marginal cost of one more socket, once caches that do not grow with sockets, like
/// SQLite's page cache per pooled connection, have filled).
async fn growth(pid: u32, urls: Vec<String>) -> anyhow::Result<(f64, f64)> {
    let half = urls.len() / 2;
    let mut urls = urls;
    let second = urls.split_off(half);
    let before = settled_rss(pid).await?;
    let first_half = open_all(urls).await?;
    let middle = settled_rss(pid).await?;
    let second_half = open_all(second).await?;
    let after = settled_rss(pid).await?;
    let n = (first_half.len() + second_half.len()) as f64;
    let marginal = (after - middle) / second_half.len().max(1) as f64;
    drop((first_half, second_half));
    Ok(((after - before) / n, marginal))
}

async fn kefu_idle(n: usize) -> anyhow::Result<(f64, f64)> {
    let server = start_kefu()?;
    let tokens = buyer_tokens(&server.addr, n).await?;
    let urls = tokens
        .iter()
        .map(|t| format!("ws://{}/api/v1/buyer/ws?token={t}", server.addr))
        .collect();
    growth(server.child.id(), urls).await
}

async fn bare_idle(n: usize) -> anyhow::Result<(f64, f64)> {
    let server = start_bare()?;
    // One socket first, so the runtime's own start-up is not counted.
    let _warm = open_all(vec![format!("ws://{}/", server.addr)]).await?;
    let urls = (0..n).map(|_| format!("ws://{}/", server.addr)).collect();
    growth(server.child.id(), urls).await
}

/// Waits on every socket for a text frame that contains `marker`; returns when the last has.
async fn all_hear(sockets: Vec<Ws>, marker: Arc<str>) -> anyhow::Result<Instant> {
    let waits = sockets.into_iter().map(|mut ws| {
        let marker = marker.clone();
        tokio::spawn(async move {
            while let Some(frame) = ws.next().await {
                if let Message::Text(text) = frame?
                    && text.as_str().contains(&*marker)
                {
                    return anyhow::Ok(Instant::now());
                }
            }
            bail!("a socket closed before the message came")
        })
    });
    let mut last = None::<Instant>;
    for heard in futures::future::join_all(waits).await {
        let at = heard??;
        last = Some(last.map_or(at, |l| l.max(at)));
    }
    last.context("no sockets")
}

async fn kefu_fanout(n: usize) -> anyhow::Result<Duration> {
    let server = start_kefu()?;
    let addr = &server.addr;
    let http = reqwest::Client::new();
    let token = crate::crash::sign_in(&http, addr).await?;

    let urls = (0..n)
        .map(|_| format!("ws://{addr}/api/v1/agent/ws?token={token}"))
        .collect();
    let agents = open_all(urls).await?;
    let buyer = buyer_tokens(addr, 1).await?;
    let mut buyer = connect(&format!("ws://{addr}/api/v1/buyer/ws?token={}", buyer[0])).await?;
    buyer.next().await.context("no hello")??;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let marker: Arc<str> = Arc::from(format!("fanout-{}", uuid::Uuid::new_v4()));
    let heard = tokio::spawn(all_hear(agents, marker.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = Instant::now();
    let frame =
        json!({"type": "send", "client_msg_id": "fanout-1", "kind": "text", "body": &*marker});
    buyer.send(Message::Text(frame.to_string().into())).await?;
    Ok(heard.await??.duration_since(sent))
}

async fn bare_fanout(n: usize) -> anyhow::Result<Duration> {
    let server = start_bare()?;
    let url = format!("ws://{}/", server.addr);
    let listeners = open_all((0..n).map(|_| url.clone()).collect()).await?;
    let mut speaker = open_all(vec![url]).await?.remove(0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let marker: Arc<str> = Arc::from(format!("fanout-{}", uuid::Uuid::new_v4()));
    let heard = tokio::spawn(all_hear(listeners, marker.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = Instant::now();
    let frame = json!({"type": "message", "body": &*marker});
    speaker
        .send(Message::Text(frame.to_string().into()))
        .await?;
    Ok(heard.await??.duration_since(sent))
}

/// `xtask bench-idle-bare`: the baseline. Every text a client sends goes to every client (a
/// tokio broadcast channel, as kefu fans out); it prints its address, then serves.
pub fn bare_server() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        let (fan, _) = broadcast::channel::<Arc<str>>(1024);
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let fan = fan.clone();
            tokio::spawn(async move {
                let Ok(mut ws) =
                    tokio_tungstenite::accept_async_with_config(stream, Some(tuned())).await
                else {
                    return;
                };
                let mut events = fan.subscribe();
                if ws
                    .send(Message::Text("{\"type\":\"hello\"}".into()))
                    .await
                    .is_err()
                {
                    return;
                }
                loop {
                    tokio::select! {
                        inbound = ws.next() => match inbound {
                            Some(Ok(Message::Text(text))) => {
                                let _ = fan.send(Arc::from(text.as_str()));
                            }
                            Some(Ok(_)) => {}
                            _ => return,
                        },
                        event = events.recv() => match event {
                            Ok(text) => {
                                if ws.send(Message::Text((*text).into())).await.is_err() {
                                    return;
                                }
                            }
                            Err(broadcast::error::RecvError::Lagged(_)) => {}
                            Err(broadcast::error::RecvError::Closed) => return,
                        },
                    }
                }
            });
        }
    })
}
