//! `cargo xtask bench`: many WebSocket buyers on loopback against a release `kefu demo`,
//! reporting durable messages/s and ack latency, next to the raw SQLite insert rates at the
//! same durability (WAL, synchronous=FULL) measured in the same run on the same machine.

use std::collections::HashMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

struct Plan {
    connections: usize,
    seconds: u64,
    paced_rate: u64,
}

/// Builds kefu and this tool with optimisations, then runs the benchmark optimised: the load
/// generator and the raw SQLite baseline must not be handicapped by a debug build.
pub fn build_and_run(args: &[String]) -> anyhow::Result<()> {
    crate::release_then(&["kefu", "xtask"], "bench-run", args)
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let plan = Plan {
        connections: if quick { 100 } else { 250 },
        seconds: if quick { 3 } else { 10 },
        paced_rate: 5_000,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(bench(plan))
}

async fn bench(plan: Plan) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    println!("== raw SQLite baseline (WAL, synchronous=FULL) ==");
    let per_commit = raw_sqlite(&dir.join("per-row.db"), 1, 2_000).await?;
    println!("one row per transaction:    {per_commit:>9.0} rows/s");
    let batched = raw_sqlite(&dir.join("batched.db"), 512, 200_000).await?;
    println!("512 rows per transaction:   {batched:>9.0} rows/s  (one INSERT per row)");
    let ceiling = raw_sqlite_multirow(&dir.join("multirow.db"), 400, 500_000).await?;
    println!("400-row INSERTs, 1 per tx:  {ceiling:>9.0} rows/s  (the ceiling)");

    let (mut server, addr) = start_kefu(&dir.join("kefu"))?;
    if let Ok(pid_file) = std::env::var("KEFU_BENCH_PID_FILE") {
        std::fs::write(pid_file, server.id().to_string())?;
    }
    let result = load(&plan, &addr).await;
    let burst = first_acks(&addr, 500).await;
    let _ = server.kill();
    let _ = server.wait();
    let (throughput, saturated, paced) = result?;

    println!(
        "\n== kefu: {} WebSocket buyers on loopback ==",
        plan.connections
    );
    println!("durable messages/s (closed loop):   {throughput:>9.0}");
    println!(
        "ack latency at saturation: p50 {:.1} ms, p99 {:.1} ms",
        ms(saturated.value_at_quantile(0.5)),
        ms(saturated.value_at_quantile(0.99))
    );
    println!(
        "ack latency at {} msg/s:        p50 {:.1} ms, p99 {:.1} ms ({} samples)",
        plan.paced_rate,
        ms(paced.value_at_quantile(0.5)),
        ms(paced.value_at_quantile(0.99)),
        paced.len()
    );
    let burst = burst?;
    println!(
        "first ack of 500 buyers opening conversations at once: p50 {:.1} ms, p99 {:.1} ms \
         ({:.1}x the paced p99)",
        ms(burst.value_at_quantile(0.5)),
        ms(burst.value_at_quantile(0.99)),
        burst.value_at_quantile(0.99) as f64 / paced.value_at_quantile(0.99).max(1) as f64
    );
    println!("\n== ratios ==");
    println!(
        "kefu / one-row-per-transaction SQLite: {:.1}x  (group commit at work)",
        throughput / per_commit
    );
    println!(
        "kefu / 512-rows-per-transaction SQLite: {:.2}x",
        throughput / batched
    );
    println!(
        "kefu / multi-row SQLite ceiling:        {:.2}  (kefu also writes events and conversations, and fans out)",
        throughput / ceiling
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `count` new buyers, connected and idle, send their first message (which opens their
/// conversation) at the same instant; the time to each one's ack, in microseconds.
async fn first_acks(addr: &str, count: usize) -> anyhow::Result<Histogram<u64>> {
    let sockets = connect_buyers(addr, count).await?;
    let start = Arc::new(tokio::sync::Barrier::new(count));
    let mut waits = vec![];
    for (n, mut ws) in sockets.into_iter().enumerate() {
        let start = start.clone();
        waits.push(tokio::spawn(async move {
            let id = format!("first-{n}");
            let frame =
                json!({"type": "send", "client_msg_id": id, "kind": "text", "body": "在吗？"});
            start.wait().await;
            let sent = Instant::now();
            ws.send(Message::Text(frame.to_string().into())).await?;
            while let Some(message) = ws.next().await {
                if let Message::Text(text) = message?
                    && text.as_str().contains("\"ack\"")
                {
                    return anyhow::Ok(sent.elapsed().as_micros() as u64);
                }
            }
            bail!("the socket closed before its ack")
        }));
    }
    let mut latencies = Histogram::<u64>::new(3)?;
    for wait in waits {
        latencies.record(wait.await??)?;
    }
    Ok(latencies)
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

async fn raw_connection(path: &std::path::Path) -> anyhow::Result<SqliteConnection> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    sqlx::query(
        "CREATE TABLE messages (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, \
         seq BIGINT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL)",
    )
    .execute(&mut conn)
    .await?;
    Ok(conn)
}

/// The fastest way to land rows durably here: multi-row INSERTs, one per transaction.
pub(crate) async fn raw_sqlite_multirow(
    path: &std::path::Path,
    rows_per_insert: usize,
    rows: usize,
) -> anyhow::Result<f64> {
    let mut conn = raw_connection(path).await?;
    let started = Instant::now();
    let mut written = 0usize;
    while written < rows {
        let mut tx = conn.begin().await?;
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO messages (id, conversation_id, seq, body, created_at) ",
        );
        q.push_values(written..written + rows_per_insert, |mut row, n| {
            row.push_bind(uuid::Uuid::now_v7().to_string())
                .push_bind("c")
                .push_bind(n as i64)
                .push_bind("你好，我的快递三天没动了")
                .push_bind(0i64);
        });
        q.build().persistent(false).execute(&mut *tx).await?;
        tx.commit().await?;
        written += rows_per_insert;
    }
    Ok(written as f64 / started.elapsed().as_secs_f64())
}

async fn raw_sqlite(path: &std::path::Path, batch: usize, rows: usize) -> anyhow::Result<f64> {
    let mut conn = raw_connection(path).await?;
    let started = Instant::now();
    let mut written = 0;
    while written < rows {
        let mut tx = conn.begin().await?;
        for _ in 0..batch {
            sqlx::query(
                "INSERT INTO messages (id, conversation_id, seq, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind("c")
            .bind(written as i64)
            .bind("你好，我的快递三天没动了")
            .bind(0i64)
            .execute(&mut *tx)
            .await?;
            written += 1;
        }
        tx.commit().await?;
    }
    Ok(written as f64 / started.elapsed().as_secs_f64())
}

pub(crate) fn start_kefu(data_dir: &std::path::Path) -> anyhow::Result<(Child, String)> {
    start_kefu_with(data_dir, None)
}

/// `kefu demo` in `data_dir`, on SQLite there or on `database_url`.
pub(crate) fn start_kefu_with(
    data_dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<(Child, String)> {
    let mut command = Command::new("target/release/kefu");
    command
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command
        .env("KEFU_LIMITS__MESSAGES_PER_SECOND", "1000000")
        .envs(crate::ONE_ADDRESS_LOAD)
        // `KEFU_BENCH_LOG` (e.g. `warn,sqlx::query=debug`) to see what a run does.
        .env(
            "KEFU_LOG",
            std::env::var("KEFU_BENCH_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::piped())
        .spawn()
        .context("starting target/release/kefu")?;
    let stdout = child.stdout.take().context("kefu stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line?;
        if let Some(rest) = line.split("is running at http://").nth(1) {
            let addr = rest.trim().to_owned();
            // kefu's log (stdout) shown only when asked for.
            let shown = std::env::var_os("KEFU_BENCH_LOG").is_some();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    if shown {
                        eprintln!("{line}");
                    }
                }
            });
            return Ok((child, addr));
        }
    }
    bail!("kefu exited before it listened")
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect_buyers(addr: &str, count: usize) -> anyhow::Result<Vec<Ws>> {
    let http = reqwest::Client::new();
    let mut sockets = Vec::with_capacity(count);
    for _ in 0..count {
        let session: Value = http
            .post(format!("http://{addr}/api/v1/buyer/session"))
            .json(&json!({"shop": "shanye-tea"}))
            .send()
            .await?
            .json()
            .await?;
        let token = session["buyer_token"].as_str().context("buyer token")?;
        // Browsers send WebSocket frames without Nagle's delay; so does this load.
        let (ws, _) = tokio_tungstenite::connect_async_with_config(
            format!("ws://{addr}/api/v1/buyer/ws?token={token}"),
            None,
            true,
        )
        .await?;
        sockets.push(ws);
    }
    Ok(sockets)
}

type Latencies = Arc<Mutex<Histogram<u64>>>;

/// What kefu says of its own commits, to see where the time goes.
async fn print_server_metrics(addr: &str) {
    let Ok(response) = reqwest::Client::new()
        .get(format!("http://{addr}/metrics"))
        .bearer_auth(crate::BENCH_METRICS_TOKEN)
        .send()
        .await
    else {
        return;
    };
    let text = response.text().await.unwrap_or_default();
    println!("\n-- kefu /metrics during the closed loop --");
    for line in text.lines() {
        if (line.starts_with("kefu_commit") || line.starts_with("kefu_ack"))
            && (line.contains("quantile=\"0.5\"")
                || line.contains("quantile=\"0.99\"")
                || line.contains("_count"))
        {
            println!("{line}");
        }
    }
}

async fn load(plan: &Plan, addr: &str) -> anyhow::Result<(f64, Histogram<u64>, Histogram<u64>)> {
    let sockets = connect_buyers(addr, plan.connections).await?;
    // Phase 1: every buyer sends as fast as its acks come back (4 in flight each).
    let acked = Arc::new(AtomicU64::new(0));
    let saturated: Latencies = Arc::new(Mutex::new(Histogram::new(3)?));
    let deadline = Instant::now() + Duration::from_secs(plan.seconds + 1);
    let mut tasks = vec![];
    for (n, ws) in sockets.into_iter().enumerate() {
        let (acked, latencies) = (acked.clone(), saturated.clone());
        tasks.push(tokio::spawn(buyer_loop(
            ws, n, None, deadline, acked, latencies,
        )));
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // warm-up
    let from = acked.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(plan.seconds)).await;
    let throughput =
        (acked.load(Ordering::Relaxed) - from) as f64 / started.elapsed().as_secs_f64();
    print_server_metrics(addr).await;
    let mut sockets = vec![];
    for task in tasks {
        sockets.push(task.await??);
    }

    // Phase 2: the same buyers, paced to a fixed total rate.
    let paced: Latencies = Arc::new(Mutex::new(Histogram::new(3)?));
    let per_socket = plan.paced_rate as f64 / plan.connections as f64;
    let interval = Duration::from_secs_f64(1.0 / per_socket);
    let deadline = Instant::now() + Duration::from_secs(plan.seconds);
    let mut tasks = vec![];
    for (n, ws) in sockets.into_iter().enumerate() {
        let latencies = paced.clone();
        let acked = Arc::new(AtomicU64::new(0));
        tasks.push(tokio::spawn(buyer_loop(
            ws,
            n + 1_000_000,
            Some(interval),
            deadline,
            acked,
            latencies,
        )));
    }
    for task in tasks {
        task.await??;
    }
    let saturated = saturated.lock().await.clone();
    let paced = paced.lock().await.clone();
    Ok((throughput, saturated, paced))
}

/// Sends text messages until `deadline`: closed loop with 4 in flight, or one every
/// `interval`. Records send→ack latency in microseconds.
async fn buyer_loop(
    mut ws: Ws,
    id: usize,
    interval: Option<Duration>,
    deadline: Instant,
    acked: Arc<AtomicU64>,
    latencies: Latencies,
) -> anyhow::Result<Ws> {
    let mut in_flight: HashMap<String, Instant> = HashMap::new();
    let mut sent = 0u64;
    let mut local = Histogram::<u64>::new(3)?;
    let mut ticker = tokio::time::interval(interval.unwrap_or(Duration::from_secs(3600)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Spread paced senders over the interval.
    if let Some(interval) = interval {
        tokio::time::sleep(interval.mul_f64((id % 97) as f64 / 97.0)).await;
    }
    let mut send_one = async |ws: &mut Ws,
                              in_flight: &mut HashMap<String, Instant>|
           -> anyhow::Result<()> {
        sent += 1;
        let client_msg_id = format!("b{id}-{sent}");
        let frame = json!({"type": "send", "client_msg_id": client_msg_id, "kind": "text", "body": "你好，我的快递三天没动了"});
        in_flight.insert(client_msg_id, Instant::now());
        ws.send(Message::Text(frame.to_string().into())).await?;
        Ok(())
    };
    if interval.is_none() {
        for _ in 0..4 {
            send_one(&mut ws, &mut in_flight).await?;
        }
    }
    loop {
        let now = Instant::now();
        if now >= deadline && in_flight.is_empty() {
            break;
        }
        if now >= deadline + Duration::from_secs(5) {
            bail!("{} acks never came", in_flight.len());
        }
        tokio::select! {
            _ = ticker.tick(), if interval.is_some() && now < deadline => {
                send_one(&mut ws, &mut in_flight).await?;
            }
            frame = tokio::time::timeout(Duration::from_millis(200), ws.next()) => {
                let Ok(frame) = frame else { continue };
                let Some(frame) = frame else { bail!("kefu closed the socket") };
                let Message::Text(text) = frame? else { continue };
                let value: Value = serde_json::from_str(text.as_str())?;
                match value["type"].as_str() {
                    Some("ack") => {
                        let key = value["client_msg_id"].as_str().unwrap_or_default();
                        if let Some(at) = in_flight.remove(key) {
                            local.record(at.elapsed().as_micros() as u64)?;
                            acked.fetch_add(1, Ordering::Relaxed);
                            if interval.is_none() && Instant::now() < deadline {
                                send_one(&mut ws, &mut in_flight).await?;
                            }
                        }
                    }
                    Some("error") => bail!("kefu refused a send: {value}"),
                    _ => {}
                }
            }
        }
    }
    latencies.lock().await.add(&local)?;
    Ok(ws)
}
