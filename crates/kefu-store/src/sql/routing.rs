//! The SQL of the router (WB-4, WB-7, WB-8): routing rules, the snapshot it decides over,
//! claims that give a conversation exactly one owner, and taking stranded ones back.

use kefu_domain::account::AgentStatus;
use kefu_domain::channel::Entry;
use kefu_domain::conversation::{ConversationSummary, EventKind};
use kefu_domain::message::SenderKind;
use kefu_domain::routing::{
    AgentSnapshot, ChannelPriority, RouterState, RoutingRule, Strategy, Waiting,
};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::conversations::{conversation_in, insert_event};
use super::{BEGIN_WRITE, Db, LOCK_ROW};
use crate::rows::{to_json, uuid};
use crate::{NewAudit, Result, StoreError, Stranded};

pub(crate) async fn routing_rules(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<RoutingRule>> {
    let rows: Vec<(String, String, i64, String, String, bool)> = sqlx::query_as(
        "SELECT id, name, position, conditions, team, enabled FROM routing_rules \
         WHERE tenant_id = $1 ORDER BY position, id",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, name, position, conditions, team, enabled)| {
            Ok(RoutingRule {
                id: uuid(&id)?,
                name,
                position: i32::try_from(position)
                    .map_err(|_| StoreError::Corrupt(format!("rule position {position}")))?,
                conditions: serde_json::from_str(&conditions)
                    .map_err(|e| StoreError::Corrupt(format!("rule conditions: {e}")))?,
                team,
                enabled,
            })
        })
        .collect()
}

/// Replaces the tenant's rules with `rules`, in one transaction.
pub(crate) async fn replace_routing_rules(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    rules: &[RoutingRule],
    audit: impl FnOnce(&[RoutingRule]) -> Vec<NewAudit> + Send,
) -> Result<()> {
    let tenant = tenant_id.to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query("DELETE FROM routing_rules WHERE tenant_id = $1")
        .bind(&tenant)
        .execute(&mut *tx)
        .await?;
    for rule in rules {
        sqlx::query(
            "INSERT INTO routing_rules (id, tenant_id, name, position, conditions, team, enabled, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(rule.id.to_string())
        .bind(&tenant)
        .bind(&rule.name)
        .bind(i64::from(rule.position))
        .bind(to_json(&rule.conditions)?)
        .bind(&rule.team)
        .bind(rule.enabled)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    append_all(&mut tx, audit(rules)).await?;
    tx.commit().await?;
    Ok(())
}

/// Tenants whose router is on.
pub(crate) async fn routing_tenants(pool: &Pool<Db>) -> Result<Vec<Uuid>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT tenant_id FROM tenant_settings WHERE routing_enabled")
            .fetch_all(pool)
            .await?;
    rows.iter().map(|(t,)| uuid(t)).collect()
}

/// Sets a conversation's team once (routing decides it when the conversation opens).
pub(crate) async fn set_conversation_team(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    team: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE conversations SET team = $1 WHERE id = $2 AND tenant_id = $3 AND team IS NULL",
    )
    .bind(team)
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .execute(pool)
    .await?;
    Ok(())
}

/// What the router decides over, read fresh: agents with their loads and caps, the waiting
/// conversations (open, unassigned, the buyer waiting for an answer; those without a team
/// wait for `default_team`), each team's strategy.
/// The second value maps each waiting conversation to its buyer.
pub(crate) async fn routing_snapshot(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    default_team: &str,
) -> Result<(RouterState, std::collections::HashMap<Uuid, Uuid>)> {
    let tenant = tenant_id.to_string();
    let agents: Vec<(String, Option<String>, String, i64, i64)> = sqlx::query_as(
        "SELECT u.id, u.team, u.status, u.max_concurrent, \
         CAST((SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id \
         AND c.status = 'open') AS BIGINT) \
         FROM users u WHERE u.tenant_id = $1 AND NOT u.disabled",
    )
    .bind(&tenant)
    .fetch_all(pool)
    .await?;
    type WaitingRow = (String, String, String, String, i64, i64, Option<String>);
    // With the agent it was taken from when they went away (sticky).
    let waiting: Vec<WaitingRow> = sqlx::query_as(
        "SELECT c.id, COALESCE(c.team, $2), c.entry, c.buyer_id, c.cycle_started_at, \
         CAST(COALESCE((SELECT b.vip_level FROM buyers b WHERE b.id = c.buyer_id), 0) AS BIGINT), \
         c.last_assignee_id \
         FROM conversations c \
         WHERE c.tenant_id = $1 AND c.status = 'open' AND c.assignee_id IS NULL \
         AND c.last_buyer_message_at IS NOT NULL AND c.awaiting_reply AND NOT c.up_for_grabs \
         AND NOT c.robot_active",
    )
    .bind(&tenant)
    .bind(default_team)
    .fetch_all(pool)
    .await?;
    let strategies: Vec<(String, String)> =
        sqlx::query_as("SELECT team_key, strategy FROM teams WHERE tenant_id = $1")
            .bind(&tenant)
            .fetch_all(pool)
            .await?;
    let mut state = RouterState::default();
    for (id, team, status, cap, load) in agents {
        state.agents.push(AgentSnapshot {
            id: uuid(&id)?,
            team,
            status: AgentStatus::parse(&status).unwrap_or(AgentStatus::Offline),
            load: u32::try_from(load).unwrap_or(u32::MAX),
            cap: u32::try_from(cap).unwrap_or(0),
            last_assigned_at: 0,
        });
    }
    let mut buyers = std::collections::HashMap::new();
    for (id, team, entry, buyer, since, vip, last) in waiting {
        let id = uuid(&id)?;
        buyers.insert(id, uuid(&buyer)?);
        state.queue.push(Waiting {
            conversation_id: id,
            team,
            priority: ChannelPriority::of_entry(Entry::parse(&entry).unwrap_or(Entry::ShopHome)),
            vip_level: u8::try_from(vip.clamp(0, 9)).unwrap_or(0),
            waiting_since: since,
            last_agent: last.as_deref().map(uuid).transpose()?,
        });
    }
    for (team, strategy) in strategies {
        if let Some(strategy) = Strategy::parse(&strategy) {
            state.strategies.insert(team, strategy);
        }
    }
    Ok((state, buyers))
}

/// Gives a waiting conversation to `agent` unless someone got it first (another process, an
/// agent who replied): exactly one owner. `None` when it was no longer waiting.
pub(crate) async fn claim_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    agent: Uuid,
    claim: crate::Claim,
) -> Result<Option<ConversationSummary>> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if claim != crate::Claim::Grab {
        // Under the agent's row lock: their status and load cannot change underneath.
        // Only a compile-time constant is spliced in.
        let agent_row: Option<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT status, max_concurrent FROM users WHERE id = $1 AND tenant_id = $2 \
             AND NOT disabled{LOCK_ROW}"
        )))
        .bind(agent.to_string())
        .bind(&tenant)
        .fetch_optional(&mut *tx)
        .await?;
        let (load,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM conversations \
             WHERE assignee_id = $1 AND status = 'open'",
        )
        .bind(agent.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let available = match claim {
            crate::Claim::Route => |status: &str| status == "online",
            _ => |status: &str| status == "online" || status == "busy",
        };
        if !matches!(agent_row, Some((status, cap)) if available(&status) && load < cap) {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let claimed = sqlx::query(
        "UPDATE conversations SET assignee_id = $1, updated_at = $2, up_for_grabs = FALSE \
         WHERE id = $3 AND tenant_id = $4 AND assignee_id IS NULL AND status = 'open' \
         AND (up_for_grabs OR $5)",
    )
    .bind(agent.to_string())
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .bind(claim != crate::Claim::GrabOffered)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::Assigned,
        SenderKind::System,
        None,
        None,
        serde_json::json!({
            "assignee_id": agent, "previous_assignee_id": null,
            "reason": match claim { crate::Claim::Route => "routing", _ => "grab" },
        }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Conversations of routed shops whose agent went away or offline, or left the buyer waiting
/// past twice the team's target: (tenant, conversation, assignee, grab mode, reason,
/// waited ms).
pub(crate) async fn stranded(pool: &Pool<Db>, now: i64) -> Result<Vec<Stranded>> {
    type Row = (
        String,
        String,
        String,
        Option<bool>,
        String,
        Option<i64>,
        Option<i64>,
        Option<bool>,
        Option<i64>,
    );
    // Wall-clock time is never less than office time: past twice the target here is the
    // superset the caller narrows for teams that count office hours only.
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.tenant_id, c.id, c.assignee_id, t.grab_mode, u.status, \
         c.last_buyer_message_at, t.response_target_seconds, t.office_hours_only, \
         (SELECT MAX(e.at) FROM conversation_events e WHERE e.conversation_id = c.id \
         AND e.kind IN ('assigned', 'transferred')) \
         FROM conversations c JOIN users u ON u.id = c.assignee_id \
         JOIN tenant_settings s ON s.tenant_id = c.tenant_id AND s.routing_enabled \
         LEFT JOIN teams t ON t.tenant_id = c.tenant_id AND t.team_key = c.team \
         WHERE c.status = 'open' AND c.assignee_id IS NOT NULL AND (u.status IN \
         ('away', 'offline') OR (c.last_buyer_message_at IS NOT NULL AND c.awaiting_reply \
         AND c.last_buyer_message_at < $1 - 2000 * COALESCE(t.response_target_seconds, 7200)))",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(tenant, id, assignee, grab, status, last_buyer, target, office, assigned)| {
                Ok(Stranded {
                    tenant_id: uuid(&tenant)?,
                    conversation_id: uuid(&id)?,
                    assignee_id: uuid(&assignee)?,
                    grab_mode: grab.unwrap_or(false),
                    reason: if status == "away" || status == "offline" {
                        format!("agent_{status}")
                    } else {
                        "no_reply".to_owned()
                    },
                    waited_ms: last_buyer.map_or(0, |at| now - at),
                    waiting_since: last_buyer,
                    assigned_at: assigned,
                    target_ms: target.unwrap_or(7200) * 1000,
                    office_hours_only: office.unwrap_or(false),
                })
            },
        )
        .collect()
}

/// Takes a conversation back from `assignee` (if it is still theirs) into its team's queue.
pub(crate) async fn release_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    assignee: Uuid,
    reason: &str,
    up_for_grabs: bool,
) -> Result<Option<ConversationSummary>> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let released = sqlx::query(
        "UPDATE conversations SET assignee_id = NULL, updated_at = $1, up_for_grabs = $5, \
         robot_active = FALSE, \
         last_assignee_id = CASE WHEN $6 = 'no_reply' THEN NULL ELSE assignee_id END \
         WHERE id = $2 AND tenant_id = $3 AND assignee_id = $4 AND status = 'open'",
    )
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .bind(assignee.to_string())
    .bind(up_for_grabs)
    .bind(reason)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if released == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::Stranded,
        SenderKind::System,
        None,
        None,
        serde_json::json!({ "previous_assignee_id": assignee, "reason": reason }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    Ok(summary)
}

pub(crate) async fn waiting_on_channel(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    channel: kefu_domain::channel::Channel,
    account: &str,
) -> Result<u64> {
    let prefix = format!("{account}/");
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM conversations c JOIN buyers b ON b.id = c.buyer_id \
         WHERE c.tenant_id = $1 AND c.status = 'open' AND c.assignee_id IS NULL \
         AND c.channel = $2 AND NOT c.robot_active AND c.awaiting_reply \
         AND substr(b.external_id, 1, CAST($3 AS INTEGER)) = $4",
    )
    .bind(tenant_id.to_string())
    .bind(channel.as_str())
    .bind(i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX))
    .bind(&prefix)
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(count).unwrap_or_default())
}
