//! `cargo xtask bench-routing`: the router with 500 agents and 10,000 waiting conversations
//! (issue #5). The pure decision (`kefu_domain::routing::dispatch`) is timed next to the
//! least any router must do with such a queue, sorting it, in the same run; then the whole
//! database path on SQLite (snapshot, decide, one compare-and-set per assignment).

use std::time::Instant;

use kefu_domain::account::{AgentStatus, TenantKind};
use kefu_domain::routing::{
    AgentSnapshot, ChannelPriority, RouterState, Strategy, Waiting, dispatch, queue_order,
    queue_positions,
};
use kefu_store::Store;
use uuid::Uuid;

const AGENTS: usize = 500;
const WAITING: usize = 10_000;
const TEAMS: [&str; 5] = ["pre_sales", "after_sales", "vip", "live", "global"];

pub fn build_and_run() -> anyhow::Result<()> {
    crate::release_then(&["xtask"], "bench-routing-run", &[])
}

fn state() -> RouterState {
    let mut state = RouterState::default();
    for n in 0..AGENTS {
        state.agents.push(AgentSnapshot {
            id: Uuid::now_v7(),
            team: Some(TEAMS[n % TEAMS.len()].to_owned()),
            status: if n % 10 == 9 {
                AgentStatus::Away
            } else {
                AgentStatus::Online
            },
            load: (n % 3) as u32,
            cap: 5,
            last_assigned_at: (n as i64) * 1_000,
        });
    }
    for n in 0..WAITING {
        state.queue.push(Waiting {
            conversation_id: Uuid::now_v7(),
            team: TEAMS[n % TEAMS.len()].to_owned(),
            priority: match n % 7 {
                0 => ChannelPriority::LiveStream,
                1 => ChannelPriority::VideoComment,
                _ => ChannelPriority::DirectMessage,
            },
            vip_level: (n % 4) as u8,
            waiting_since: 1_795_000_000_000 + n as i64,
            last_agent: None,
        });
    }
    state
        .strategies
        .insert("after_sales".to_owned(), Strategy::RoundRobin);
    state
}

pub fn run() -> anyhow::Result<()> {
    println!("== {AGENTS} agents (90 % online, caps 5), {WAITING} waiting conversations ==");
    let rounds = 20;
    let mut sort_ns = 0u128;
    let mut dispatch_ns = 0u128;
    let mut positions_ns = 0u128;
    let mut assigned = 0;
    for _ in 0..rounds {
        let base = state();
        let mut queue = base.queue.clone();
        let started = Instant::now();
        queue.sort_by(queue_order);
        sort_ns += started.elapsed().as_nanos();

        let mut s = base.clone();
        let started = Instant::now();
        assigned = dispatch(&mut s, 1_795_000_100_000).len();
        dispatch_ns += started.elapsed().as_nanos();

        let started = Instant::now();
        let places = queue_positions(&s, 180_000);
        positions_ns += started.elapsed().as_nanos();
        std::hint::black_box(places);
    }
    let ms = |ns: u128| ns as f64 / rounds as f64 / 1e6;
    println!("baseline: sort the queue          {:>8.2} ms", ms(sort_ns));
    println!(
        "dispatch (assigns {assigned:>5})         {:>8.2} ms   ({:.1}× the sort)",
        ms(dispatch_ns),
        dispatch_ns as f64 / sort_ns as f64
    );
    println!(
        "queue positions of the rest       {:>8.2} ms   ({:.1}× the sort)",
        ms(positions_ns),
        positions_ns as f64 / sort_ns as f64
    );
    tokio::runtime::Runtime::new()?.block_on(database_path())
}

/// Snapshot from SQLite, decide, claim every assignment with a compare-and-set.
async fn database_path() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-bench-routing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::connect(&Store::sqlite_url_in(&dir), kefu_store::Vault::in_memory()).await?;
    let tenant = store
        .create_tenant(TenantKind::Shop, "bench", "压测", "s", |_| vec![])
        .await?;
    let db = sqlx::SqlitePool::connect(&Store::sqlite_url_in(&dir)).await?;
    let mut tx = db.begin().await?;
    for n in 0..AGENTS {
        sqlx::query(
            "INSERT INTO users (id, tenant_id, username, display_name, password_hash, role, team, \
             status, created_at, max_concurrent) VALUES ($1, $2, $3, $4, 'x', 'agent', $5, $6, 0, 5)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(tenant.id.to_string())
        .bind(format!("agent-{n}"))
        .bind(format!("客服{n}"))
        .bind(TEAMS[n % TEAMS.len()])
        .bind(if n % 10 == 9 { "away" } else { "online" })
        .execute(&mut *tx)
        .await?;
    }
    let buyer = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO buyers (id, tenant_id, channel, external_id, display_name, created_at, \
         last_seen_at) VALUES ($1, $2, 'web', 'bench', '买家', 0, 0)",
    )
    .bind(&buyer)
    .bind(tenant.id.to_string())
    .execute(&mut *tx)
    .await?;
    for n in 0..WAITING {
        sqlx::query(
            "INSERT INTO conversations (id, tenant_id, buyer_id, buyer_name, channel, entry, \
             status, cycle_started_at, last_message_at, created_at, updated_at, team, \
             last_buyer_message_at) VALUES ($1, $2, $3, '买家', 'web', 'shop_home', 'open', $4, \
             $4, $4, $4, $5, $4)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(tenant.id.to_string())
        .bind(&buyer)
        .bind(1_795_000_000_000i64 + n as i64)
        .bind(TEAMS[n % TEAMS.len()])
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    db.close().await;

    let started = Instant::now();
    let (mut snapshot, _) = store.routing_snapshot(tenant.id, "pre_sales").await?;
    let snapshot_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let assignments = dispatch(&mut snapshot, 1_795_000_100_000);
    let decide_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let mut claimed = 0;
    for a in &assignments {
        if store
            .claim_conversation(
                tenant.id,
                a.conversation_id,
                a.agent_id,
                kefu_store::Claim::Route,
            )
            .await?
            .is_some()
        {
            claimed += 1;
        }
    }
    let claim_s = started.elapsed().as_secs_f64();
    println!("\n== the database path on SQLite ==");
    println!("snapshot ({AGENTS} agents, {WAITING} waiting)   {snapshot_ms:>8.1} ms");
    println!("decide                               {decide_ms:>8.1} ms");
    println!(
        "claim {claimed} conversations          {:>8.1} ms   ({:.0} assignments/s, {:.2} ms each)",
        claim_s * 1e3,
        claimed as f64 / claim_s,
        claim_s * 1e3 / claimed.max(1) as f64
    );
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
