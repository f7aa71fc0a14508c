//! The SQL of the robot's training loop (BOT-5): the questions it missed, the review queue
//! of proposals, and which shops are due a run.

use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::robot::bump_kb_version;
use super::{BEGIN_WRITE, Db};
use crate::{NewAudit, NewProposal, ProposalRow, Result, RobotMiss};

/// Questions the robot missed since `since`: clarified, or handed off as unknown or
/// misunderstood; each with the first text a person sent in that conversation after it.
pub(crate) async fn robot_misses(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since: i64,
    limit: i64,
) -> Result<Vec<RobotMiss>> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT l.text, (SELECT m.body FROM messages m WHERE m.conversation_id = l.conversation_id \
           AND m.sender_kind = 'agent' AND m.kind = 'text' AND m.created_at >= l.at \
           ORDER BY m.seq LIMIT 1) \
         FROM robot_log l WHERE l.tenant_id = $1 AND l.at >= $2 \
           AND (l.action = 'clarify' OR (l.action = 'handoff' \
                AND l.reason IN ('unknown', 'misunderstood'))) \
         ORDER BY l.at DESC LIMIT $3",
    )
    .bind(tenant_id.to_string())
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(text, human_answer)| RobotMiss { text, human_answer })
        .collect())
}

/// Replaces the shop's pending proposals with a new run's, and notes when it ran.
pub(crate) async fn replace_proposals(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    proposals: &[NewProposal],
) -> Result<u64> {
    let tenant = tenant_id.to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "DELETE FROM robot_proposals WHERE tenant_id = $1 AND status = 'pending' \
         AND source = 'training'",
    )
    .bind(&tenant)
    .execute(&mut *tx)
    .await?;
    for p in proposals {
        sqlx::query(
            "INSERT INTO robot_proposals (id, tenant_id, kind, entry_id, body, asked, status, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(&tenant)
        .bind(&p.kind)
        .bind(&p.entry_id)
        .bind(p.body.to_string())
        .bind(p.asked)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO robot_settings (tenant_id, trained_at, updated_at) VALUES ($1, $2, $2) \
         ON CONFLICT (tenant_id) DO UPDATE SET trained_at = excluded.trained_at",
    )
    .bind(&tenant)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(proposals.len() as u64)
}

type ProposalTuple = (
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

fn proposal_row(t: ProposalTuple) -> ProposalRow {
    let (id, kind, entry_id, body, asked, status, created_at, decided_by, decided_at) = t;
    ProposalRow {
        id: id.parse().unwrap_or_default(),
        kind,
        entry_id,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        asked,
        status,
        created_at,
        decided_by: decided_by.and_then(|u| u.parse().ok()),
        decided_at,
    }
}

macro_rules! proposal_columns {
    () => {
        "id, kind, entry_id, body, asked, status, created_at, decided_by, decided_at"
    };
}

/// The shop's proposals in one status, the most asked first.
pub(crate) async fn proposals(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    status: &str,
    limit: i64,
) -> Result<Vec<ProposalRow>> {
    let rows: Vec<ProposalTuple> = sqlx::query_as(concat!(
        "SELECT ",
        proposal_columns!(),
        " FROM robot_proposals WHERE tenant_id = $1 AND status = $2 \
         ORDER BY asked DESC, created_at DESC, id LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(status)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(proposal_row).collect())
}

pub(crate) async fn proposal(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<ProposalRow>> {
    let row: Option<ProposalTuple> = sqlx::query_as(concat!(
        "SELECT ",
        proposal_columns!(),
        " FROM robot_proposals WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(proposal_row))
}

/// Decides a pending proposal, once: false when it was no longer pending. An approval
/// writes its entry in the same transaction.
pub(crate) async fn decide_proposal(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    approved: Option<(&str, &serde_json::Value)>,
    by: Uuid,
    audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let tenant = tenant_id.to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let decided = sqlx::query(
        "UPDATE robot_proposals SET status = $1, decided_by = $2, decided_at = $3 \
         WHERE tenant_id = $4 AND id = $5 AND status = 'pending'",
    )
    .bind(if approved.is_some() {
        "approved"
    } else {
        "rejected"
    })
    .bind(by.to_string())
    .bind(now)
    .bind(&tenant)
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if !decided {
        tx.rollback().await?;
        return Ok(false);
    }
    if let Some((entry_id, body)) = approved {
        sqlx::query(
            "INSERT INTO kb_entries (tenant_id, entry_id, body, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, entry_id) DO UPDATE SET \
             body = excluded.body, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(&tenant)
        .bind(entry_id)
        .bind(body.to_string())
        .bind(now)
        .bind(by.to_string())
        .execute(&mut *tx)
        .await?;
        bump_kb_version(&mut tx, &tenant).await?;
    }
    append_all(&mut tx, audit(&true)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Shops whose robot is on and whose misses were last analysed before `before`.
pub(crate) async fn robots_due_for_training(pool: &Pool<Db>, before: i64) -> Result<Vec<Uuid>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT tenant_id FROM robot_settings WHERE mode <> 'off' AND trained_at < $1 \
         ORDER BY tenant_id",
    )
    .bind(before)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(|(t,)| t.parse().ok()).collect())
}
