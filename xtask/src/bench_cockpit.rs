//! `cargo xtask bench-cockpit` (issue #19): the data cockpit over 1,000,000 conversations and
//! their 8,000,000 logged events in one shop, asked of a release `kefu demo` over HTTP on
//! SQLite and on PostgreSQL. The conversations (29 days up to now) and their event logs are
//! written straight into the database; kefu's own rollup catch-up (`POST /kpi/refresh`) then
//! builds the daily and hourly rollups from the log, and is timed. Measured: the cockpit
//! (`GET /cockpit`), the four-week heatmap (`GET /cockpit/heatmap`), two drill-downs
//! (`GET /cockpit/drill`), the four-week funnel and who dropped (`GET /cockpit/funnel…`) and
//! the question topics (`GET /questions/topics`), next to the plain `SELECT count(*)` of the
//! rows they cover, in the same run.

use std::time::Instant;

use anyhow::Context;
use kefu_domain::kpi;
use serde_json::{Value, json};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::bench_kpi::{conversation, recreate_postgres, signed_in_tenant};

const CONVERSATIONS: usize = 1_000_000;
const DAYS: i64 = 29;
const AGENTS: usize = 100;
const ASKS: usize = 200;
/// Conversations left open (waiting or with an agent) at the end.
const OPEN: usize = 60;

pub fn build_and_run() -> anyhow::Result<()> {
    crate::release_then(&["kefu", "xtask"], "bench-cockpit-run", &[])
}

pub fn run() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let dir = std::env::temp_dir().join(format!("kefu-bench-cockpit-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        println!("== the cockpit over {CONVERSATIONS} conversations in {DAYS} days ==");
        bench_on(&dir.join("sqlite"), None).await?;
        let url = "postgres://postgres@127.0.0.1:5432/kefu_bench_cockpit";
        recreate_postgres("kefu_bench_cockpit").await?;
        bench_on(&dir.join("postgres"), Some(url)).await?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
}

async fn bench_on(dir: &std::path::Path, database_url: Option<&str>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let (mut server, addr) = crate::bench::start_kefu_with(dir, database_url)?;
    let result = measure(dir, database_url, &addr).await;
    let _ = server.kill();
    let _ = server.wait();
    result
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
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
    let url = database_url.map_or_else(|| kefu_store::Store::sqlite_url_in(dir), str::to_owned);
    let pool = if url.starts_with("postgres") {
        Pool::Postgres(sqlx::PgPool::connect(&url).await?)
    } else {
        Pool::Sqlite(sqlx::SqlitePool::connect(&url).await?)
    };

    let started = Instant::now();
    let events = on_pool!(&pool, p => fill(p, tenant).await?);
    println!(
        "\n-- {backend}: {CONVERSATIONS} conversations and {events} events written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // kefu's own catch-up builds the rollups from the log (the jobs' leader may be at it too).
    let started = Instant::now();
    let mut days = 0;
    loop {
        let refreshed: Value = http
            .post(format!("{base}/api/v1/kpi/refresh"))
            .bearer_auth(&session)
            .timeout(std::time::Duration::from_secs(3_600))
            .send()
            .await?
            .json()
            .await?;
        let n = refreshed["days"].as_i64().context("days")?;
        if n == 0 {
            break;
        }
        days += n;
    }
    println!(
        "rollups caught up from the log: {days} days recomputed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let zone = chrono_tz::Asia::Shanghai;
    let today = kpi::local_day(zone, kefu_domain::time::now_ms());
    // What one busy day costs to recompute: what a catch-up does to today while buyers write.
    let day = today.format("%Y-%m-%d").to_string();
    let mut rebuilds = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        http.post(format!("{base}/api/v1/kpi/rebuild"))
            .bearer_auth(&session)
            .json(&json!({"from": day, "to": day}))
            .timeout(std::time::Duration::from_secs(600))
            .send()
            .await?
            .error_for_status()?;
        rebuilds.push(started.elapsed().as_millis() as u64);
    }
    rebuilds.sort_unstable();
    println!(
        "one day's rollups recomputed from the log (today so far): median {} ms of 5",
        rebuilds[2]
    );
    let (today_start, _) = kpi::day_span(zone, today, today);
    let weeks_from = (today - chrono::Duration::days(28))
        .format("%Y-%m-%d")
        .to_string();
    let yesterday = (today - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let cockpit: Value = http
        .get(format!("{base}/api/v1/cockpit"))
        .bearer_auth(&session)
        .send()
        .await?
        .json()
        .await?;
    let received = cockpit["tiles"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["metric"] == "received"))
        .map(|t| t["value"].clone())
        .unwrap_or_default();
    println!("cockpit: {received} received today so far");

    let routes = [
        ("cockpit", "/api/v1/cockpit".to_owned()),
        (
            "heatmap (4 weeks)",
            "/api/v1/cockpit/heatmap?weeks=4".to_owned(),
        ),
        (
            "drill: served today",
            "/api/v1/cockpit/drill?metric=served".to_owned(),
        ),
        (
            "drill: bad reviews",
            "/api/v1/cockpit/drill?metric=bad_review_rate".to_owned(),
        ),
        (
            "funnel (4 weeks)",
            format!("/api/v1/cockpit/funnel?from={weeks_from}&to={day}"),
        ),
        (
            "funnel: who dropped",
            "/api/v1/cockpit/funnel/dropped".to_owned(),
        ),
        (
            "question topics (8 weeks)",
            "/api/v1/questions/topics?weeks=8".to_owned(),
        ),
    ];
    let tenant_s = tenant.to_string();
    let baselines: [(&str, String, Vec<String>); 3] = [
        (
            "count(*) of today's events",
            "SELECT COUNT(*) FROM conversation_events WHERE tenant_id = $1 AND at >= $2".to_owned(),
            vec![tenant_s.clone(), today_start.to_string()],
        ),
        (
            "count(*) of 4 weeks' hourly cells",
            "SELECT COUNT(*) FROM kpi_hourly WHERE tenant_id = $1 AND day >= $2 AND day <= $3"
                .to_owned(),
            vec![tenant_s.clone(), weeks_from, yesterday],
        ),
        (
            "count(*) of all the shop's events",
            "SELECT COUNT(*) FROM conversation_events WHERE tenant_id = $1".to_owned(),
            vec![tenant_s.clone()],
        ),
    ];
    let p = |v: &[u64], q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize] as f64 / 1_000.0;
    for (name, path) in routes {
        let mut times = Vec::with_capacity(ASKS);
        let mut bytes = 0;
        let route_started = Instant::now();
        for i in 0..ASKS + 20 {
            // A slow route is asked for a minute at most (and at least 20 times).
            if times.len() >= 20 && route_started.elapsed() > std::time::Duration::from_secs(60) {
                break;
            }
            let started = Instant::now();
            let response = http
                .get(format!("{base}{path}"))
                .bearer_auth(&session)
                .send()
                .await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            bytes = response.bytes().await?.len();
            if i >= 20 {
                times.push(started.elapsed().as_micros() as u64);
            }
        }
        times.sort_unstable();
        println!(
            "  {name:<26} (HTTP, {bytes:>7} bytes, {} asks): p50 {:>6.1} ms, p99 {:>6.1} ms",
            times.len(),
            p(&times, 0.5),
            p(&times, 0.99)
        );
    }
    for (name, sql, binds) in baselines {
        let mut times = Vec::with_capacity(ASKS);
        let mut rows = 0;
        for i in 0..ASKS / 4 + 5 {
            let started = Instant::now();
            rows = on_pool!(&pool, p => {
                let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql.clone()));
                for (j, b) in binds.iter().enumerate() {
                    // Times are numbers, the rest text.
                    q = if j == 1 && b.chars().all(|c| c.is_ascii_digit()) {
                        q.bind(b.parse::<i64>().unwrap_or_default())
                    } else {
                        q.bind(b.clone())
                    };
                }
                q.fetch_one(p).await?.0
            });
            if i >= 5 {
                times.push(started.elapsed().as_micros() as u64);
            }
        }
        times.sort_unstable();
        println!(
            "  {name:<34} ({rows:>8} rows): p50 {:>6.1} ms, p99 {:>6.1} ms",
            p(&times, 0.5),
            p(&times, 0.99)
        );
    }
    Ok(())
}

/// Writes the conversations and their logs: 29 days up to now, a buyer each day's share.
async fn fill<DB>(pool: &sqlx::Pool<DB>, tenant: Uuid) -> anyhow::Result<usize>
where
    DB: sqlx::Database,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    for<'c> &'c mut <DB as sqlx::Database>::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let now = kefu_domain::time::now_ms();
    let zone = chrono_tz::Asia::Shanghai;
    let today = kpi::local_day(zone, now);
    let first = today - chrono::Duration::days(DAYS - 1);
    let buyer = Uuid::now_v7().to_string();
    let tenant_s = tenant.to_string();
    let mut insert: QueryBuilder<DB> = QueryBuilder::new(
        "INSERT INTO buyers (id, tenant_id, channel, external_id, display_name, created_at, \
         last_seen_at) ",
    );
    insert.push_values([0], |mut b, _| {
        b.push_bind(buyer.clone())
            .push_bind(tenant_s.clone())
            .push_bind("web".to_owned())
            .push_bind("bench:1".to_owned())
            .push_bind("压测买家".to_owned())
            .push_bind(now)
            .push_bind(now);
    });
    insert.build().execute(pool).await?;
    let agents: Vec<Uuid> = (0..AGENTS).map(|_| Uuid::now_v7()).collect();
    let per_day = CONVERSATIONS / DAYS as usize;
    let mut written = 0usize;
    let mut events_written = 0usize;
    for d in 0..DAYS {
        let day = first + chrono::Duration::days(d);
        let (start, _) = kpi::day_span(zone, day, day);
        let squeeze = ((now - 300_000 - start) as f64 / 86_400_000.0).clamp(0.0, 1.0);
        let count = if d == DAYS - 1 {
            CONVERSATIONS - written
        } else {
            per_day
        };
        let mut conversations = Vec::with_capacity(count);
        let mut events = Vec::with_capacity(count * 8);
        for i in 0..count {
            let n = written + i;
            let log = conversation(n, start, agents[n % AGENTS]);
            // Today only up to now: its day is squeezed into the hours gone by.
            let at = |t: i64| {
                if day == today {
                    start + ((t - start) as f64 * squeeze) as i64
                } else {
                    t
                }
            };
            let id = Uuid::now_v7().to_string();
            let created = at(log.events[0].at);
            let last = log.events.last().map_or(created, |e| at(e.at));
            let open = n + OPEN >= CONVERSATIONS;
            conversations.push((id.clone(), created, last, open));
            let mut first_reply = true;
            for e in &log.events {
                if open && e.kind == kefu_domain::conversation::EventKind::Resolved {
                    continue;
                }
                events.push((
                    id.clone(),
                    e.kind.as_str(),
                    e.actor_kind.as_str(),
                    e.actor_id.map(|a| a.to_string()),
                    e.data.to_string(),
                    at(e.at),
                ));
                if first_reply && e.kind == kefu_domain::conversation::EventKind::AgentMessage {
                    first_reply = false;
                    events.push((
                        id.clone(),
                        "first_reply",
                        "agent",
                        e.actor_id.map(|a| a.to_string()),
                        json!({"wait_ms": e.at - log.events[0].at}).to_string(),
                        at(e.at),
                    ));
                }
            }
        }
        let mut tx = pool.begin().await?;
        for chunk in conversations.chunks(400) {
            let mut insert: QueryBuilder<DB> = QueryBuilder::new(
                "INSERT INTO conversations (id, tenant_id, buyer_id, buyer_name, channel, entry, \
                 status, cycle_started_at, last_message_at, created_at, updated_at) ",
            );
            insert.push_values(chunk, |mut b, (id, created, last, open)| {
                b.push_bind(id.clone())
                    .push_bind(tenant_s.clone())
                    .push_bind(buyer.clone())
                    .push_bind("压测买家".to_owned())
                    .push_bind("web".to_owned())
                    .push_bind("shop_home".to_owned())
                    .push_bind(if *open { "open" } else { "resolved" }.to_owned())
                    .push_bind(*created)
                    .push_bind(*last)
                    .push_bind(*created)
                    .push_bind(*last);
            });
            insert.build().execute(&mut *tx).await?;
        }
        for chunk in events.chunks(400) {
            let mut insert: QueryBuilder<DB> = QueryBuilder::new(
                "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor_kind, \
                 actor_id, data, at) ",
            );
            insert.push_values(chunk, |mut b, (id, kind, actor_kind, actor, data, at)| {
                b.push_bind(tenant_s.clone())
                    .push_bind(id.clone())
                    .push_bind((*kind).to_owned())
                    .push_bind((*actor_kind).to_owned())
                    .push_bind(actor.clone())
                    .push_bind(data.clone())
                    .push_bind(*at);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        written += count;
        events_written += events.len();
    }
    Ok(events_written)
}
