//! The SQL of automatic replies (WB-2): the shop's document and the replies that went out.

use kefu_domain::channel::Channel;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::automation::IdleConversation;
use crate::{NewAudit, Result, StoreError};

pub(crate) async fn shop_document(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    kind: &str,
) -> Result<Option<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT body, updated_at FROM shop_documents WHERE tenant_id = $1 AND kind = $2",
    )
    .bind(tenant_id.to_string())
    .bind(kind)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn set_shop_document(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    kind: &str,
    body: String,
    audit: Vec<NewAudit>,
) -> Result<i64> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    // A version moves forward even when two saves share a millisecond.
    let (at,): (i64,) = sqlx::query_as(
        "INSERT INTO shop_documents (tenant_id, kind, body, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, kind) DO UPDATE SET body = excluded.body, \
         updated_at = CASE WHEN excluded.updated_at > shop_documents.updated_at \
         THEN excluded.updated_at ELSE shop_documents.updated_at + 1 END \
         RETURNING updated_at",
    )
    .bind(tenant_id.to_string())
    .bind(kind)
    .bind(body)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    append_all(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(at)
}

pub(crate) async fn claim_automation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    rule: &str,
    not_since: i64,
    now: i64,
) -> Result<bool> {
    let claimed: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO automation_fired (tenant_id, conversation_id, rule, fired_at) \
         SELECT $1, id, $3, $5 FROM conversations WHERE id = $2 AND tenant_id = $1 \
         ON CONFLICT (conversation_id, rule) DO UPDATE SET fired_at = excluded.fired_at \
         WHERE automation_fired.fired_at < $4 RETURNING fired_at",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .bind(rule)
    .bind(not_since)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(claimed.is_some())
}

pub(crate) async fn idle_conversations(
    pool: &Pool<Db>,
    waiting_before: i64,
    limit: i64,
) -> Result<Vec<IdleConversation>> {
    type Row = (String, String, String, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT tenant_id, id, channel, last_buyer_message_at, assigned_at, last_agent_at \
         FROM (SELECT c.tenant_id, c.id, c.channel, c.last_buyer_message_at, \
         (SELECT MAX(e.at) FROM conversation_events e WHERE e.conversation_id = c.id \
         AND e.kind IN ('assigned', 'transferred')) AS assigned_at, \
         (SELECT MAX(m.created_at) FROM messages m WHERE m.conversation_id = c.id \
         AND m.sender_kind = 'agent') AS last_agent_at \
         FROM conversations c JOIN shop_documents d ON d.tenant_id = c.tenant_id \
         AND d.kind = 'auto_replies' \
         WHERE c.status = 'open' AND c.assignee_id IS NOT NULL AND c.awaiting_reply \
         AND c.last_buyer_message_at IS NOT NULL AND c.last_buyer_message_at <= $1) w \
         WHERE NOT EXISTS (SELECT 1 FROM automation_fired f WHERE f.conversation_id = w.id \
         AND f.rule = 'idle' AND f.fired_at > COALESCE(w.last_agent_at, 0)) \
         ORDER BY last_buyer_message_at LIMIT $2",
    )
    .bind(waiting_before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let uuid = |s: &str| {
        Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("conversation id {s}: {e}")))
    };
    rows.into_iter()
        .map(|(tenant, id, channel, last_buyer, assigned, last_agent)| {
            Ok(IdleConversation {
                tenant_id: uuid(&tenant)?,
                conversation_id: uuid(&id)?,
                channel: Channel::parse(&channel)
                    .ok_or_else(|| StoreError::Corrupt(format!("channel {channel}")))?,
                waiting_since: last_buyer.max(assigned.unwrap_or(0)),
                last_agent_at: last_agent.unwrap_or(0),
            })
        })
        .collect()
}
