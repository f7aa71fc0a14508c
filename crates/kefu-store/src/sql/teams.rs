//! The SQL of teams (ACC-6): their settings and members, and each agent's numbers for the
//! supervisor's live view (WB-9).

use kefu_domain::guard::Team;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::rows::uuid;
use crate::{AgentActivity, NewAudit, Result};

/// The tenant's teams with their active members (the defaults come with the tenant).
pub(crate) async fn teams(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<Team>> {
    let tenant = tenant_id.to_string();
    type Row = (String, String, i64, bool, String, bool, bool, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.team_key, t.name, t.response_target_seconds, t.require_tag, t.strategy, \
         t.grab_mode, t.office_hours_only, CAST(COUNT(u.id) AS BIGINT) FROM teams t \
         LEFT JOIN users u ON u.tenant_id = t.tenant_id AND u.team = t.team_key AND NOT u.disabled \
         WHERE t.tenant_id = $1 GROUP BY t.team_key, t.name, t.response_target_seconds, \
         t.require_tag, t.strategy, t.grab_mode, t.office_hours_only, t.created_at \
         ORDER BY t.created_at, t.team_key",
    )
    .bind(&tenant)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(key, name, target, require_tag, strategy, grab_mode, office_hours_only, members)| {
                Team {
                    key,
                    name,
                    response_target_seconds: target,
                    require_tag,
                    strategy,
                    grab_mode,
                    office_hours_only,
                    members,
                }
            },
        )
        .collect())
}

pub(crate) async fn upsert_team(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    team: &Team,
    audit: impl FnOnce(&Team) -> Vec<NewAudit> + Send,
) -> Result<()> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO teams (tenant_id, team_key, name, response_target_seconds, created_at, \
         require_tag, strategy, grab_mode, office_hours_only) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (tenant_id, team_key) DO UPDATE SET name = excluded.name, \
         response_target_seconds = excluded.response_target_seconds, \
         require_tag = excluded.require_tag, strategy = excluded.strategy, \
         grab_mode = excluded.grab_mode, office_hours_only = excluded.office_hours_only",
    )
    .bind(tenant_id.to_string())
    .bind(&team.key)
    .bind(&team.name)
    .bind(team.response_target_seconds)
    .bind(now_ms())
    .bind(team.require_tag)
    .bind(&team.strategy)
    .bind(team.grab_mode)
    .bind(team.office_hours_only)
    .execute(&mut *tx)
    .await?;
    append_all(&mut tx, audit(team)).await?;
    tx.commit().await?;
    Ok(())
}

/// Per agent: open conversations assigned (load), and since `since`: replies sent,
/// conversations resolved, first replies and their waits.
pub(crate) async fn team_activity(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since: i64,
) -> Result<std::collections::HashMap<Uuid, AgentActivity>> {
    let tenant = tenant_id.to_string();
    let mut activity: std::collections::HashMap<Uuid, AgentActivity> =
        std::collections::HashMap::new();
    let loads: Vec<(String, i64)> = sqlx::query_as(
        "SELECT assignee_id, CAST(COUNT(*) AS BIGINT) FROM conversations \
         WHERE tenant_id = $1 AND status = 'open' AND assignee_id IS NOT NULL \
         GROUP BY assignee_id",
    )
    .bind(&tenant)
    .fetch_all(pool)
    .await?;
    for (user, load) in loads {
        activity.entry(uuid(&user)?).or_default().load = load;
    }
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT actor_id, kind, CAST(COUNT(*) AS BIGINT) FROM conversation_events \
         WHERE tenant_id = $1 AND at >= $2 AND actor_id IS NOT NULL \
         AND kind IN ('agent_message', 'resolved') GROUP BY actor_id, kind",
    )
    .bind(&tenant)
    .bind(since)
    .fetch_all(pool)
    .await?;
    for (user, kind, count) in counts {
        let entry = activity.entry(uuid(&user)?).or_default();
        match kind.as_str() {
            "agent_message" => entry.replies = count,
            _ => entry.resolved = count,
        }
    }
    let waits: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor_id, data FROM conversation_events \
         WHERE tenant_id = $1 AND at >= $2 AND actor_id IS NOT NULL AND kind = 'first_reply'",
    )
    .bind(&tenant)
    .bind(since)
    .fetch_all(pool)
    .await?;
    for (user, data) in waits {
        let wait = serde_json::from_str::<serde_json::Value>(&data)
            .ok()
            .and_then(|d| d["wait_ms"].as_i64())
            .unwrap_or(0);
        let entry = activity.entry(uuid(&user)?).or_default();
        entry.first_replies += 1;
        entry.first_reply_wait_ms_total += wait;
    }
    Ok(activity)
}
