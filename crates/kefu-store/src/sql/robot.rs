//! The SQL of the robot (BOT-1 … BOT-3): its settings, the knowledge base and its version,
//! the conversations it serves, and its log.

use kefu_domain::conversation::{ConversationSummary, EventKind};
use kefu_domain::message::SenderKind;
use kefu_domain::robot::{RobotLogEntry, RobotMode, RobotSettings};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::conversations::{conversation_in, insert_event};
use super::{BEGIN_WRITE, Db, LOCK_ROW};
use crate::{KbRow, NewAudit, NewRobotLog, Result, UpsertCounts};

pub(crate) async fn robot_settings(pool: &Pool<Db>, tenant_id: Uuid) -> Result<RobotSettings> {
    robot_settings_in(&mut *pool.acquire().await?, tenant_id, "").await
}

/// The settings on the caller's connection; `lock` is `""` or `LOCK_ROW`.
async fn robot_settings_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant_id: Uuid,
    lock: &'static str,
) -> Result<RobotSettings> {
    // Only a compile-time constant is spliced in.
    let row: Option<(String, bool, String, i64, Option<f64>)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT mode, night_only, lexicon, kb_version, answer_threshold FROM robot_settings \
             WHERE tenant_id = $1{lock}"
        )))
        .bind(tenant_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(
            |(mode, night_only, lexicon, kb_version, answer_threshold)| RobotSettings {
                mode: RobotMode::parse(&mode).unwrap_or_default(),
                night_only,
                lexicon: serde_json::from_str(&lexicon).unwrap_or_else(|_| serde_json::json!({})),
                kb_version,
                answer_threshold: answer_threshold.map(|t| t as f32),
            },
        )
        .unwrap_or_default())
}

/// Changes mode, night-only, lexicons and threshold as `change` makes them from the settings
/// as they stand, read in the same transaction (two saves at once cannot undo each other's
/// fields); a lexicon change bumps the knowledge base version. (before, after).
pub(crate) async fn update_robot_settings(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    change: impl FnOnce(&RobotSettings) -> RobotSettings + Send,
    audit: impl FnOnce(&RobotSettings, &RobotSettings) -> Vec<NewAudit> + Send,
) -> Result<(RobotSettings, RobotSettings)> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    // The row exists (with the defaults a shop without one reads) before it is read locked:
    // two first saves at once would otherwise both read "no row" and the later would undo
    // the earlier's fields (PostgreSQL locks rows, not their absence).
    sqlx::query(
        "INSERT INTO robot_settings (tenant_id, updated_at) VALUES ($1, $2) \
         ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant_id.to_string())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let before = robot_settings_in(&mut tx, tenant_id, LOCK_ROW).await?;
    let settings = change(&before);
    let lexicon = settings.lexicon.to_string();
    sqlx::query(
        "INSERT INTO robot_settings (tenant_id, mode, night_only, lexicon, kb_version, updated_at, \
         answer_threshold) VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT (tenant_id) DO UPDATE SET \
         mode = excluded.mode, night_only = excluded.night_only, lexicon = excluded.lexicon, \
         answer_threshold = excluded.answer_threshold, \
         updated_at = excluded.updated_at, kb_version = robot_settings.kb_version + \
         CASE WHEN robot_settings.lexicon = excluded.lexicon THEN 0 ELSE 1 END",
    )
    .bind(tenant_id.to_string())
    .bind(settings.mode.as_str())
    .bind(settings.night_only)
    .bind(&lexicon)
    .bind(now_ms())
    .bind(settings.answer_threshold.map(f64::from))
    .execute(&mut *tx)
    .await?;
    let saved = robot_settings_in(&mut tx, tenant_id, "").await?;
    append_all(&mut tx, audit(&before, &saved)).await?;
    tx.commit().await?;
    Ok((before, saved))
}

pub(super) async fn bump_kb_version(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant_id: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO robot_settings (tenant_id, kb_version, updated_at) VALUES ($1, 1, $2) \
         ON CONFLICT (tenant_id) DO UPDATE SET kb_version = robot_settings.kb_version + 1",
    )
    .bind(tenant_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every entry of the shop's knowledge base, by id.
pub(crate) async fn kb_entries(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<KbRow>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT entry_id, body, updated_at FROM kb_entries WHERE tenant_id = $1 ORDER BY entry_id",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, body, updated_at)| KbRow {
            id,
            body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
            updated_at,
        })
        .collect())
}

/// Inserts or replaces entries in one transaction: (new, updated, unchanged). With
/// `expect_version`, nothing is written (`None`) unless the knowledge base is still at that
/// version.
pub(crate) async fn upsert_kb_entries(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    entries: &[(String, serde_json::Value)],
    by: Option<Uuid>,
    expect_version: Option<i64>,
    audit: impl FnOnce(&UpsertCounts) -> Vec<NewAudit> + Send,
) -> Result<Option<UpsertCounts>> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if let Some(expected) = expect_version {
        // Only a compile-time constant is spliced in.
        let version: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT kb_version FROM robot_settings WHERE tenant_id = $1{LOCK_ROW}"
        )))
        .bind(&tenant)
        .fetch_optional(&mut *tx)
        .await?;
        if version.map_or(0, |(v,)| v) != expected {
            return Ok(None);
        }
    }
    let mut counts = UpsertCounts::default();
    let now = now_ms();
    for (id, body) in entries {
        let body = body.to_string();
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT body FROM kb_entries WHERE tenant_id = $1 AND entry_id = $2")
                .bind(&tenant)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            Some((old,)) if old == body => counts.unchanged += 1,
            Some(_) => {
                sqlx::query(
                    "UPDATE kb_entries SET body = $1, updated_at = $2, updated_by = $3 \
                     WHERE tenant_id = $4 AND entry_id = $5",
                )
                .bind(&body)
                .bind(now)
                .bind(by.map(|u| u.to_string()))
                .bind(&tenant)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                counts.updated += 1;
            }
            None => {
                sqlx::query(
                    "INSERT INTO kb_entries (tenant_id, entry_id, body, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&tenant)
                .bind(id)
                .bind(&body)
                .bind(now)
                .bind(by.map(|u| u.to_string()))
                .execute(&mut *tx)
                .await?;
                counts.created += 1;
            }
        }
    }
    if counts.created + counts.updated > 0 {
        bump_kb_version(&mut tx, &tenant).await?;
        append_all(&mut tx, audit(&counts)).await?;
    }
    tx.commit().await?;
    Ok(Some(counts))
}

/// Removes one entry; false when there was none.
pub(crate) async fn delete_kb_entry(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: &str,
    audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let gone = sqlx::query("DELETE FROM kb_entries WHERE tenant_id = $1 AND entry_id = $2")
        .bind(&tenant)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        bump_kb_version(&mut tx, &tenant).await?;
        append_all(&mut tx, audit(&gone)).await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// The robot starts serving a new conversation: the router leaves it alone (BOT-3).
pub(crate) async fn adopt_conversation(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE conversations SET robot_active = TRUE WHERE id = $1 AND tenant_id = $2 \
         AND assignee_id IS NULL AND status = 'open'",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .execute(pool)
    .await?;
    Ok(())
}

/// The robot takes back a conversation a returning buyer reopened: whoever had it is kept as
/// the last assignee (sticky routing brings the buyer back to them after a handoff). The
/// summary when it did.
pub(crate) async fn readopt_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<ConversationSummary>> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    // Only a compile-time constant is spliced in.
    let previous: Option<(Option<String>,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT assignee_id FROM conversations WHERE id = $1 AND tenant_id = $2 \
         AND status = 'open' AND NOT robot_active{LOCK_ROW}"
    )))
    .bind(&conversation)
    .bind(&tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((previous,)) = previous else {
        tx.rollback().await?;
        return Ok(None);
    };
    sqlx::query(
        "UPDATE conversations SET robot_active = TRUE, \
         last_assignee_id = COALESCE(assignee_id, last_assignee_id), assignee_id = NULL, \
         updated_at = $1 WHERE id = $2 AND tenant_id = $3",
    )
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?;
    if let Some(previous) = previous {
        insert_event(
            &mut tx,
            &tenant,
            &conversation,
            EventKind::Stranded,
            SenderKind::Bot,
            None,
            None,
            serde_json::json!({ "previous_assignee_id": previous, "reason": "robot_first" }),
            now,
        )
        .await?;
    }
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    Ok(summary)
}

/// The robot hands the conversation to people, once: the summary when it did.
pub(crate) async fn robot_handoff(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    data: serde_json::Value,
) -> Result<Option<ConversationSummary>> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let changed = sqlx::query(
        "UPDATE conversations SET robot_active = FALSE, updated_at = $1 \
         WHERE id = $2 AND tenant_id = $3 AND robot_active",
    )
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::RobotHandoff,
        SenderKind::Bot,
        None,
        None,
        data,
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    Ok(summary)
}

pub(crate) async fn log_robot(pool: &Pool<Db>, entry: &NewRobotLog<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO robot_log (id, tenant_id, conversation_id, at, text, action, entry_id, \
         reason, confidence, choices) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(entry.tenant_id.to_string())
    .bind(entry.conversation_id.map(|c| c.to_string()))
    .bind(now_ms())
    .bind(entry.text)
    .bind(entry.action)
    .bind(entry.entry_id)
    .bind(entry.reason)
    .bind(entry.confidence)
    .bind(serde_json::to_string(entry.choices).unwrap_or_else(|_| "[]".to_owned()))
    .execute(pool)
    .await?;
    Ok(())
}

type LogRow = (
    Option<String>,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    f64,
    String,
);

fn log_entry(row: LogRow) -> RobotLogEntry {
    let (conversation, at, text, action, entry_id, reason, confidence, choices) = row;
    RobotLogEntry {
        conversation_id: conversation.and_then(|c| c.parse().ok()),
        at,
        text,
        action,
        entry_id,
        reason,
        confidence,
        choices: serde_json::from_str(&choices).unwrap_or_default(),
    }
}

/// A conversation's robot log, newest first.
pub(crate) async fn robot_log_of(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    limit: i64,
) -> Result<Vec<RobotLogEntry>> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT conversation_id, at, text, action, entry_id, reason, confidence, choices \
         FROM robot_log WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY at DESC, id DESC \
         LIMIT $3",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(log_entry).collect())
}

/// The shop's robot log since `since` (epoch ms), oldest first, for metrics.
pub(crate) async fn robot_log_since(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since: i64,
) -> Result<Vec<RobotLogEntry>> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT conversation_id, at, text, action, entry_id, reason, confidence, choices \
         FROM robot_log WHERE tenant_id = $1 AND at >= $2 ORDER BY at, id",
    )
    .bind(tenant_id.to_string())
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(log_entry).collect())
}
