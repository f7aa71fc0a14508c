//! `cargo xtask bench-kpi` (issue #18): a month's team report over 1,000,000 conversations,
//! asked of a release `kefu demo` over HTTP (`GET /api/v1/kpi/scorecards` for the month), on
//! SQLite and on PostgreSQL. The month's conversations (100 agents, 31 days) are walked by
//! `kefu_domain::kpi::contributions` as the rollup job walks the log, summed per agent and day
//! and stored with `Store::replace_kpi_days`; the report reads those rows. Baseline in the
//! same run: the raw read of the same rows (one `SELECT` through sqlx, nothing parsed), the
//! least any report over stored rollups must do.

use std::time::Instant;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use kefu_domain::conversation::EventKind;
use kefu_domain::kpi::{self, ConversationLog, LoggedEvent, PlacedOrder};
use kefu_domain::message::SenderKind;
use kefu_store::{HourRow, KpiRow, Store};
use serde_json::{Value, json};
use uuid::Uuid;

const CONVERSATIONS: usize = 1_000_000;
const AGENTS: usize = 100;
const ASKS: usize = 200;

pub fn build_and_run() -> anyhow::Result<()> {
    crate::release_then(&["kefu", "xtask"], "bench-kpi-run", &[])
}

pub fn run() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let dir = std::env::temp_dir().join(format!("kefu-bench-kpi-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        println!("== a month's team report over {CONVERSATIONS} conversations, {AGENTS} agents ==");
        bench_on(&dir.join("sqlite"), None).await?;
        let url = "postgres://postgres@127.0.0.1:5432/kefu_bench_kpi";
        recreate_postgres("kefu_bench_kpi").await?;
        bench_on(&dir.join("postgres"), Some(url)).await?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
}

/// Signs in as the demo's admin: the API token and the shop's tenant id.
pub(crate) async fn signed_in_tenant(
    http: &reqwest::Client,
    addr: &str,
) -> anyhow::Result<(String, Uuid)> {
    let session = crate::crash::sign_in(http, addr).await?;
    let me: Value = http
        .get(format!("http://{addr}/api/v1/auth/me"))
        .bearer_auth(&session)
        .send()
        .await?
        .json()
        .await?;
    let tenant = me["user"]["tenant_id"]
        .as_str()
        .context("tenant")?
        .parse()?;
    Ok((session, tenant))
}

pub(crate) async fn recreate_postgres(name: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/test").await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    Ok(())
}

/// Last month, in Shanghai.
fn last_month() -> (NaiveDate, NaiveDate) {
    let today = kpi::local_day(chrono_tz::Asia::Shanghai, kefu_domain::time::now_ms());
    let first_this = today.with_day(1).unwrap_or(today);
    let last = first_this.pred_opt().unwrap_or(first_this);
    (last.with_day(1).unwrap_or(last), last)
}

/// One synthetic conversation: a buyer's turn or two, an agent's answers within seconds to
/// minutes, a resolution, a rating for one in five, an order for one in four.
pub(crate) fn conversation(n: usize, day_start: i64, agent: Uuid) -> ConversationLog {
    let at = day_start + ((n * 7_919) % 86_000) as i64 * 1_000;
    let ev =
        |kind: EventKind, actor_kind: SenderKind, actor_id: Option<Uuid>, at: i64, data: Value| {
            LoggedEvent {
                kind,
                actor_kind,
                actor_id,
                data,
                at,
            }
        };
    let wait = ((n * 31) % 240) as i64 * 1_000;
    let mut events = vec![
        ev(
            EventKind::Created,
            SenderKind::Buyer,
            None,
            at,
            json!({"entry": if n.is_multiple_of(10) { "live_room" } else { "shop_home" }}),
        ),
        ev(
            EventKind::BuyerMessage,
            SenderKind::Buyer,
            None,
            at,
            json!({}),
        ),
        ev(
            EventKind::Assigned,
            SenderKind::System,
            None,
            at + 500,
            json!({"assignee_id": agent}),
        ),
        ev(
            EventKind::AgentMessage,
            SenderKind::Agent,
            Some(agent),
            at + wait,
            json!({}),
        ),
        ev(
            EventKind::BuyerMessage,
            SenderKind::Buyer,
            None,
            at + wait + 20_000,
            json!({}),
        ),
        ev(
            EventKind::AgentMessage,
            SenderKind::Agent,
            Some(agent),
            at + wait + 50_000,
            json!({}),
        ),
        ev(
            EventKind::Resolved,
            SenderKind::Agent,
            Some(agent),
            at + wait + 90_000,
            json!({}),
        ),
    ];
    if n.is_multiple_of(5) {
        let stars = 1 + (n / 5 % 5) as i64;
        events.push(ev(
            EventKind::Rated,
            SenderKind::Buyer,
            None,
            at + wait + 120_000,
            json!({"stars": stars, "bad": stars <= 2, "agent_id": agent}),
        ));
    }
    let orders = if n.is_multiple_of(4) {
        vec![PlacedOrder {
            placed_at: at + wait + 3_600_000,
            paid_fen: 12_800,
        }]
    } else {
        vec![]
    };
    ConversationLog { events, orders }
}

async fn bench_on(dir: &std::path::Path, database_url: Option<&str>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let (mut server, addr) = crate::bench::start_kefu_with(dir, database_url)?;
    let result = measure(dir, database_url, &addr).await;
    let _ = server.kill();
    let _ = server.wait();
    result
}

async fn measure(
    dir: &std::path::Path,
    database_url: Option<&str>,
    addr: &str,
) -> anyhow::Result<()> {
    let backend = if database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let (session, tenant) = signed_in_tenant(&http, addr).await?;
    let settings =
        json!({"refund_threshold_fen": 50000, "probation_days": 7, "max_accounts": 1000});
    http.put(format!("{base}/api/v1/settings"))
        .bearer_auth(&session)
        .json(&settings)
        .send()
        .await?
        .error_for_status()?;
    let mut agents = Vec::with_capacity(AGENTS);
    for n in 0..AGENTS {
        let team = if n % 10 < 6 {
            "pre_sales"
        } else {
            "after_sales"
        };
        let created: Value = http
            .post(format!("{base}/api/v1/accounts"))
            .bearer_auth(&session)
            .json(&json!({
                "username": format!("bench-{n}"), "display_name": format!("客服{n}"),
                "password": "kefu-demo-2026", "phone": format!("1390000{n:04}"),
                "role": "agent", "team": team
            }))
            .send()
            .await?
            .json()
            .await?;
        agents.push(
            created["id"]
                .as_str()
                .context("account id")?
                .parse::<Uuid>()?,
        );
    }

    // The demo's own orders were just written: the rollups recompute their days until the
    // look-back for late commits has passed. Wait for that, so nothing rewrites the month
    // while it is measured.
    let settled = Instant::now();
    loop {
        let refreshed: Value = http
            .post(format!("{base}/api/v1/kpi/refresh"))
            .bearer_auth(&session)
            .send()
            .await?
            .json()
            .await?;
        if refreshed["days"] == 0 {
            break;
        }
        anyhow::ensure!(
            settled.elapsed().as_secs() < 180,
            "the rollups never settled"
        );
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
    let url = database_url.map_or_else(|| Store::sqlite_url_in(dir), str::to_owned);
    let vault = kefu_store::Vault::open_file(&dir.join("kefu.keys"))?;
    let store = Store::connect(&url, vault).await?;
    let zone = chrono_tz::Asia::Shanghai;
    let (first, last) = last_month();
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let per_day = CONVERSATIONS.div_ceil(days.len());
    let started = Instant::now();
    let mut stored = 0usize;
    for (d, day) in days.iter().enumerate() {
        let (start, _) = kpi::day_span(zone, *day, *day);
        let parts: Vec<kpi::Contribution> = (0..per_day)
            .flat_map(|i| {
                let n = d * per_day + i;
                kpi::contributions(&conversation(n, start, agents[n % AGENTS]), zone, None)
                    .into_iter()
                    .filter(|c| c.day == *day)
            })
            .collect();
        let cells: Vec<HourRow> = kpi::roll_up_hours(parts.clone())
            .into_iter()
            .map(|c| HourRow {
                day: c.day.format("%Y-%m-%d").to_string(),
                hour: c.hour,
                team: None,
                channel: "web".to_owned(),
                entry: c.entry.map(|e| e.as_str().to_owned()),
                tally: c.tally,
            })
            .collect();
        let rows: Vec<KpiRow> = kpi::roll_up(parts)
            .into_iter()
            .map(|c| KpiRow {
                day: c.day.format("%Y-%m-%d").to_string(),
                agent_id: c.agent,
                tally: c.tally,
            })
            .collect();
        stored += rows.len();
        let key = day.format("%Y-%m-%d").to_string();
        store
            .replace_kpi_days(
                tenant,
                &[key],
                &rows,
                &cells,
                &[],
                None,
                kefu_domain::time::now_ms(),
            )
            .await?;
    }
    println!(
        "\n-- {backend}: {} conversations walked and rolled up into {stored} rows in {:.1} s",
        per_day * days.len(),
        started.elapsed().as_secs_f64()
    );

    let (from, to) = (
        first.format("%Y-%m-%d").to_string(),
        last.format("%Y-%m-%d").to_string(),
    );
    let report_url = format!("{base}/api/v1/kpi/scorecards?from={from}&to={to}");
    let ask = || async {
        let response = http.get(&report_url).bearer_auth(&session).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        anyhow::ensure!(status.is_success(), "report: {status}");
        Ok::<usize, anyhow::Error>(body.len())
    };
    let check: Value = serde_json::from_slice(
        &http
            .get(&report_url)
            .bearer_auth(&session)
            .send()
            .await?
            .bytes()
            .await?,
    )?;
    let served: i64 = check["agents"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["metrics"]["served"].as_i64())
                .sum()
        })
        .unwrap_or(0);
    for _ in 0..20 {
        ask().await?;
    }
    let mut report_times = Vec::with_capacity(ASKS);
    let mut bytes = 0;
    for _ in 0..ASKS {
        let started = Instant::now();
        bytes = ask().await?;
        report_times.push(started.elapsed().as_micros() as u64);
    }
    let (raw, read) = raw_read(&url, tenant, &from, &to).await?;
    let after: Value = serde_json::from_slice(
        &http
            .get(&report_url)
            .bearer_auth(&session)
            .send()
            .await?
            .bytes()
            .await?,
    )?;
    anyhow::ensure!(
        after["agents"] == check["agents"],
        "the month changed while measured"
    );
    anyhow::ensure!(read == stored, "the raw read saw {read} rows of {stored}");
    report_times.sort_unstable();
    let p = |v: &[u64], q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize] as f64 / 1_000.0;
    println!(
        "report over HTTP: {served} conversations served by {} agents, {bytes} bytes",
        check["agents"].as_array().map_or(0, Vec::len)
    );
    println!(
        "  kefu report (HTTP, JSON):       p50 {:.1} ms, p99 {:.1} ms",
        p(&report_times, 0.5),
        p(&report_times, 0.99)
    );
    println!(
        "  raw SELECT of the same rows:    p50 {:.1} ms, p99 {:.1} ms",
        p(&raw, 0.5),
        p(&raw, 0.99)
    );
    println!(
        "  ratio (kefu / raw read):        p50 {:.1}×, p99 {:.1}×",
        p(&report_times, 0.5) / p(&raw, 0.5).max(0.001),
        p(&report_times, 0.99) / p(&raw, 0.99).max(0.001)
    );
    Ok(())
}

/// The floor: reading the month's rollup rows, nothing parsed.
async fn raw_read(
    url: &str,
    tenant: Uuid,
    from: &str,
    to: &str,
) -> anyhow::Result<(Vec<u64>, usize)> {
    let sql = "SELECT day, agent_id, tally FROM kpi_daily \
               WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, agent_id";
    let mut times = Vec::with_capacity(ASKS);
    let mut read = 0;
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await?;
        for i in 0..ASKS + 20 {
            let started = Instant::now();
            let rows: Vec<(String, String, String)> = sqlx::query_as(sql)
                .bind(tenant.to_string())
                .bind(from)
                .bind(to)
                .fetch_all(&pool)
                .await?;
            read = std::hint::black_box(rows).len();
            if i >= 20 {
                times.push(started.elapsed().as_micros() as u64);
            }
        }
    } else {
        let pool = sqlx::SqlitePool::connect(url).await?;
        for i in 0..ASKS + 20 {
            let started = Instant::now();
            let rows: Vec<(String, String, String)> = sqlx::query_as(sql)
                .bind(tenant.to_string())
                .bind(from)
                .bind(to)
                .fetch_all(&pool)
                .await?;
            read = std::hint::black_box(rows).len();
            if i >= 20 {
                times.push(started.elapsed().as_micros() as u64);
            }
        }
    }
    times.sort_unstable();
    Ok((times, read))
}
