//! The SQL of keeping spam out (WB-6): blocked buyers, and conversations closed as invalid
//! and restored.

use kefu_domain::conversation::{ConversationSummary, EventKind};
use kefu_domain::intake::{Block, BlockKind};
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::conversations::{conversation_in, insert_event};
use super::{BEGIN_WRITE, Db};
use crate::blocklist::NewBlock;
use crate::{NewAudit, Result, StoreError};

const SELECT: &str = "SELECT b.id, b.buyer_id, y.display_name, b.kind, b.note, b.blocked_by, \
     u.display_name, b.blocked_at, b.expires_at, b.lifted_by, b.lifted_at FROM blocked_buyers b \
     JOIN buyers y ON y.id = b.buyer_id JOIN users u ON u.id = b.blocked_by ";

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn from_row(row: Row) -> Result<Block> {
    let (id, buyer, buyer_name, kind, note, by, by_name, at, expires, lifted_by, lifted_at) = row;
    let uuid =
        |s: &str| Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("block {s}: {e}")));
    Ok(Block {
        id: uuid(&id)?,
        buyer_id: uuid(&buyer)?,
        buyer_name,
        kind: BlockKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("block kind {kind}")))?,
        note,
        blocked_by: uuid(&by)?,
        blocked_by_name: by_name,
        blocked_at: at,
        expires_at: expires,
        lifted_by: lifted_by.as_deref().map(uuid).transpose()?,
        lifted_at,
    })
}

async fn read(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<Block>> {
    let sql = format!("{SELECT}WHERE b.tenant_id = $1 AND b.id = $2");
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(from_row).transpose()
}

/// Closes a conversation as invalid with its event; false when it already was, or is none.
async fn invalidate_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant: &str,
    conversation: &str,
    data: serde_json::Value,
    actor: (SenderKind, Option<String>),
    now: i64,
) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE conversations SET status = 'invalid', assignee_id = NULL, robot_active = FALSE, \
         up_for_grabs = FALSE, awaiting_reply = FALSE, unread_count = 0, resolved_at = $3, \
         updated_at = $3 WHERE id = $1 AND tenant_id = $2 AND status <> 'invalid'",
    )
    .bind(conversation)
    .bind(tenant)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed > 0 {
        insert_event(
            conn,
            tenant,
            conversation,
            EventKind::Invalidated,
            actor.0,
            actor.1,
            None,
            data,
            now,
        )
        .await?;
    }
    Ok(changed > 0)
}

pub(crate) async fn block_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    new: &NewBlock<'_>,
    audit: impl FnOnce(&Block) -> Vec<NewAudit> + Send,
) -> Result<Option<(Block, Option<ConversationSummary>)>> {
    let NewBlock {
        buyer_id,
        kind,
        note,
        expires_at,
        by,
    } = *new;
    let (tenant, buyer) = (tenant_id.to_string(), buyer_id.to_string());
    let id = Uuid::new_v4().to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let current: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT current_conversation_id FROM buyers WHERE id = $1 AND tenant_id = $2",
    )
    .bind(&buyer)
    .bind(&tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((current,)) = current else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO blocked_buyers (id, tenant_id, buyer_id, kind, note, blocked_by, \
         blocked_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(&tenant)
    .bind(&buyer)
    .bind(kind.as_str())
    .bind(note)
    .bind(by.to_string())
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    let mut invalidated = None;
    if let Some(conversation) = current {
        let data = serde_json::json!({ "reason": kind.as_str(), "block_id": id });
        let actor = (SenderKind::Agent, Some(by.to_string()));
        if invalidate_in(&mut tx, &tenant, &conversation, data, actor, now).await? {
            invalidated = conversation_in(&mut tx, &tenant, &conversation).await?;
        }
    }
    let block = read(&mut tx, &tenant, &id)
        .await?
        .ok_or(StoreError::NotFound("block"))?;
    append_all(&mut tx, audit(&block)).await?;
    tx.commit().await?;
    Ok(Some((block, invalidated)))
}

pub(crate) async fn lift_block(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by: Uuid,
    audit: impl FnOnce(&Block) -> Vec<NewAudit> + Send,
) -> Result<Option<(Block, Vec<ConversationSummary>)>> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let lifted = sqlx::query(
        "UPDATE blocked_buyers SET lifted_by = $1, lifted_at = $2 \
         WHERE id = $3 AND tenant_id = $4 AND lifted_at IS NULL",
    )
    .bind(by.to_string())
    .bind(now)
    .bind(&id)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let Some(block) = read(&mut tx, &tenant, &id).await? else {
        return Ok(None);
    };
    let mut restored = vec![];
    if lifted > 0 {
        // The buyer's invalid conversations count again, resolved: their next message
        // reopens one as any buyer's would.
        let invalid: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM conversations WHERE tenant_id = $1 AND buyer_id = $2 \
             AND status = 'invalid'",
        )
        .bind(&tenant)
        .bind(block.buyer_id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        for (conversation,) in invalid {
            sqlx::query(
                "UPDATE conversations SET status = 'resolved', updated_at = $3 \
                 WHERE id = $1 AND tenant_id = $2 AND status = 'invalid'",
            )
            .bind(&conversation)
            .bind(&tenant)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let data = serde_json::json!({ "block_id": id });
            insert_event(
                &mut tx,
                &tenant,
                &conversation,
                EventKind::Restored,
                SenderKind::Agent,
                Some(by.to_string()),
                None,
                data,
                now,
            )
            .await?;
            restored.extend(conversation_in(&mut tx, &tenant, &conversation).await?);
        }
        append_all(&mut tx, audit(&block)).await?;
    }
    tx.commit().await?;
    Ok(Some((block, restored)))
}

pub(crate) async fn blocks(pool: &Pool<Db>, tenant_id: Uuid, limit: i64) -> Result<Vec<Block>> {
    let sql = format!("{SELECT}WHERE b.tenant_id = $1 ORDER BY b.blocked_at DESC, b.id LIMIT $2");
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant_id.to_string())
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(from_row).collect()
}

pub(crate) async fn active_block(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer_id: Uuid,
    now: i64,
) -> Result<Option<Block>> {
    let sql = format!(
        "{SELECT}WHERE b.tenant_id = $1 AND b.buyer_id = $2 AND b.lifted_at IS NULL \
         AND (b.expires_at IS NULL OR b.expires_at > $3) ORDER BY b.blocked_at DESC LIMIT 1"
    );
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant_id.to_string())
        .bind(buyer_id.to_string())
        .bind(now)
        .fetch_optional(pool)
        .await?;
    row.map(from_row).transpose()
}

pub(crate) async fn invalidate_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    reason: &str,
) -> Result<Option<ConversationSummary>> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let data = serde_json::json!({ "reason": reason });
    let changed = invalidate_in(
        &mut tx,
        &tenant,
        &id,
        data,
        (SenderKind::System, None),
        now_ms(),
    )
    .await?;
    let summary = if changed {
        conversation_in(&mut tx, &tenant, &id).await?
    } else {
        None
    };
    tx.commit().await?;
    Ok(summary)
}

pub(crate) async fn restore_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by: Uuid,
    audit: impl FnOnce(&ConversationSummary) -> Vec<NewAudit> + Send,
) -> Result<Option<ConversationSummary>> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let changed = sqlx::query(
        "UPDATE conversations SET status = 'open', resolved_at = NULL, cycle_started_at = $3, \
         awaiting_first_reply = TRUE, awaiting_reply = (last_buyer_message_at IS NOT NULL), \
         updated_at = $3 WHERE id = $1 AND tenant_id = $2 AND status = 'invalid'",
    )
    .bind(&id)
    .bind(&tenant)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    insert_event(
        &mut tx,
        &tenant,
        &id,
        EventKind::Restored,
        SenderKind::Agent,
        Some(by.to_string()),
        None,
        serde_json::json!({}),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &id).await?;
    if let Some(summary) = &summary {
        append_all(&mut tx, audit(summary)).await?;
    }
    tx.commit().await?;
    Ok(summary)
}
