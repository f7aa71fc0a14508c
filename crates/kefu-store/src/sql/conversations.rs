//! The SQL of conversations: opening and re-entering, reading, the status changes (resolve,
//! reopen, assign, transfer) and the event log every change lands in.

use kefu_domain::account::Buyer;
use kefu_domain::channel::Entry;
use kefu_domain::commerce::EntryContext;
use kefu_domain::conversation::{ConversationEvent, ConversationSummary, EventKind};
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::accounts::user_exists;
use super::{BEGIN_WRITE, Db};
use crate::rows::{ConversationRow, EventRow};
use crate::{NewConversation, Result, StatusFilter, StoreError};

macro_rules! conversation_select {
    () => {
        "SELECT c.id, c.tenant_id, c.buyer_id, c.buyer_name, c.channel, c.entry, c.status, \
         c.assignee_id, u.display_name AS assignee_name, c.last_seq, c.last_message_preview, \
         c.last_message_at, c.unread_count, c.agent_read_seq, c.buyer_read_seq, c.created_at, \
         c.updated_at, c.context, c.tags, c.team, c.last_buyer_message_at, c.awaiting_reply, \
         c.robot_active, c.up_for_grabs FROM conversations c \
         LEFT JOIN users u ON u.id = c.assignee_id "
    };
}

pub(super) async fn insert_event(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant_id: &str,
    conversation_id: &str,
    kind: EventKind,
    actor_kind: SenderKind,
    actor_id: Option<String>,
    message_seq: Option<i64>,
    data: serde_json::Value,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor_kind, \
         actor_id, message_seq, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant_id)
    .bind(conversation_id)
    .bind(kind.as_str())
    .bind(actor_kind.as_str())
    .bind(actor_id)
    .bind(message_seq)
    .bind(data.to_string())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn open_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer: &Buyer,
    entry: Entry,
    context: &EntryContext,
) -> Result<ConversationSummary> {
    if let Some(current) = current_conversation(pool, tenant_id, buyer.id).await? {
        if context.is_empty() || (current.entry == entry && current.context == *context) {
            return Ok(current);
        }
        return enter_conversation(pool, tenant_id, buyer, current.id, entry, context).await;
    }
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let (id, claimed) =
        insert_claimed(&mut tx, buyer, entry, context, None, false, now_ms()).await?;
    if !claimed {
        // Another request opened one first; use theirs.
        tx.rollback().await?;
        return current_conversation(pool, tenant_id, buyer.id)
            .await?
            .ok_or(StoreError::NotFound("buyer"));
    }
    tx.commit().await?;
    conversation(pool, tenant_id, id)
        .await?
        .ok_or(StoreError::NotFound("conversation"))
}

/// Inserts a new conversation with its `created` event and makes it the buyer's current one;
/// `false` when the buyer got one meanwhile (what was inserted is then the caller's to undo).
async fn insert_claimed(
    tx: &mut sqlx::Transaction<'_, Db>,
    buyer: &Buyer,
    entry: Entry,
    context: &EntryContext,
    team: Option<&str>,
    robot_active: bool,
    now: i64,
) -> Result<(Uuid, bool)> {
    let id = Uuid::now_v7();
    let (tenant, buyer_id) = (buyer.tenant_id.to_string(), buyer.id.to_string());
    let context_json =
        serde_json::to_string(context).map_err(|e| StoreError::Corrupt(format!("context: {e}")))?;
    sqlx::query(
        "INSERT INTO conversations (id, tenant_id, buyer_id, buyer_name, channel, entry, status, \
         cycle_started_at, last_message_at, created_at, updated_at, context, team, robot_active) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7, $7, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(&buyer_id)
    .bind(&buyer.display_name)
    .bind(buyer.channel.as_str())
    .bind(entry.as_str())
    .bind(now)
    .bind(&context_json)
    .bind(team)
    .bind(robot_active)
    .execute(&mut **tx)
    .await?;
    insert_event(
        tx,
        &tenant,
        &id.to_string(),
        EventKind::Created,
        SenderKind::Buyer,
        Some(buyer_id.clone()),
        None,
        serde_json::json!({ "channel": buyer.channel, "entry": entry, "context": context }),
        now,
    )
    .await?;
    let claimed = sqlx::query(
        "UPDATE buyers SET current_conversation_id = $1 \
         WHERE id = $2 AND tenant_id = $3 AND current_conversation_id IS NULL",
    )
    .bind(id.to_string())
    .bind(&buyer_id)
    .bind(&tenant)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok((id, claimed > 0))
}

/// Opens many buyers' conversations in one transaction, with their team and robot decided
/// beforehand. A buyer whose current conversation exists (or appears meanwhile) keeps it.
pub(crate) async fn open_conversations(
    pool: &Pool<Db>,
    batch: &[NewConversation],
) -> Result<Vec<ConversationSummary>> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(batch.len());
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    for new in batch {
        let (tenant, buyer) = (new.buyer.tenant_id.to_string(), new.buyer.id.to_string());
        let current: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT current_conversation_id FROM buyers WHERE id = $1 AND tenant_id = $2",
        )
        .bind(&buyer)
        .bind(&tenant)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((current,)) = current else {
            return Err(StoreError::NotFound("buyer"));
        };
        if let Some(current) = current {
            ids.push((new.buyer.tenant_id, crate::rows::uuid(&current)?));
            continue;
        }
        let context = EntryContext::default();
        let team = new.team.as_deref();
        let (id, claimed) = insert_claimed(
            &mut tx,
            &new.buyer,
            new.entry,
            &context,
            team,
            new.robot_active,
            now,
        )
        .await?;
        if !claimed {
            // Another process opened one first (PostgreSQL): take back ours, use theirs.
            for undo in [
                "DELETE FROM conversation_events WHERE conversation_id = $1",
                "DELETE FROM conversations WHERE id = $1",
            ] {
                sqlx::query(undo)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            let (theirs,): (Option<String>,) = sqlx::query_as(
                "SELECT current_conversation_id FROM buyers WHERE id = $1 AND tenant_id = $2",
            )
            .bind(&buyer)
            .bind(&tenant)
            .fetch_one(&mut *tx)
            .await?;
            let theirs = theirs.ok_or(StoreError::NotFound("conversation"))?;
            ids.push((new.buyer.tenant_id, crate::rows::uuid(&theirs)?));
            continue;
        }
        ids.push((new.buyer.tenant_id, id));
    }
    tx.commit().await?;
    let mut opened = Vec::with_capacity(ids.len());
    for (tenant_id, id) in ids {
        opened.push(
            conversation(pool, tenant_id, id)
                .await?
                .ok_or(StoreError::NotFound("conversation"))?,
        );
    }
    Ok(opened)
}

/// The buyer came back into their conversation through another entry or about something
/// else: the conversation takes the new context and the event log records it.
async fn enter_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer: &Buyer,
    conversation_id: Uuid,
    entry: Entry,
    context: &EntryContext,
) -> Result<ConversationSummary> {
    let now = now_ms();
    let tenant = tenant_id.to_string();
    let id = conversation_id.to_string();
    let context_json =
        serde_json::to_string(context).map_err(|e| StoreError::Corrupt(format!("context: {e}")))?;
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "UPDATE conversations SET entry = $1, context = $2, updated_at = $3 \
         WHERE id = $4 AND tenant_id = $5",
    )
    .bind(entry.as_str())
    .bind(&context_json)
    .bind(now)
    .bind(&id)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?;
    insert_event(
        &mut tx,
        &tenant,
        &id,
        EventKind::Entered,
        SenderKind::Buyer,
        Some(buyer.id.to_string()),
        None,
        serde_json::json!({ "channel": buyer.channel, "entry": entry, "context": context }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &id)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    tx.commit().await?;
    Ok(summary)
}

pub(crate) async fn current_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer_id: Uuid,
) -> Result<Option<ConversationSummary>> {
    let row: Option<ConversationRow> = sqlx::query_as(concat!(
        conversation_select!(),
        "JOIN buyers b ON b.current_conversation_id = c.id \
         WHERE b.id = $1 AND b.tenant_id = $2 AND c.tenant_id = $2"
    ))
    .bind(buyer_id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(super) async fn conversation_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant_id: &str,
    id: &str,
) -> Result<Option<ConversationSummary>> {
    let row: Option<ConversationRow> = sqlx::query_as(concat!(
        conversation_select!(),
        "WHERE c.id = $1 AND c.tenant_id = $2"
    ))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<ConversationSummary>> {
    let mut conn = pool.acquire().await?;
    conversation_in(&mut conn, &tenant_id.to_string(), &id.to_string()).await
}

pub(crate) async fn list_conversations(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    filter: StatusFilter,
    tag: Option<&str>,
    limit: i64,
) -> Result<Vec<ConversationSummary>> {
    let status = match filter {
        StatusFilter::Only(s) => s.as_str(),
        StatusFilter::All => "all",
    };
    let rows: Vec<ConversationRow> = sqlx::query_as(concat!(
        conversation_select!(),
        "WHERE c.tenant_id = $1 AND ($2 = 'all' OR c.status = $2) \
         AND ($4 = '' OR EXISTS (SELECT 1 FROM conversation_tags t \
         WHERE t.conversation_id = c.id AND t.tag_key = $4)) \
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(status)
    .bind(limit)
    .bind(tag.unwrap_or_default())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The conversations of `ids` (those of the tenant), newest activity first.
pub(crate) async fn conversations_by_ids(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<ConversationSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Found by id: `|| ''` keeps SQLite's planner off the tenant's index, which for a long
    // list it prefers, reading all the tenant's conversations (issue #19's benchmark).
    let mut query: sqlx::QueryBuilder<Db> = sqlx::QueryBuilder::new(concat!(
        conversation_select!(),
        "WHERE c.tenant_id || '' = "
    ));
    query
        .push_bind(tenant_id.to_string())
        .push(" AND c.id IN (");
    let mut list = query.separated(", ");
    for id in ids.iter().take(crate::ROWS_PER_STATEMENT) {
        list.push_bind(id.to_string());
    }
    query.push(") ORDER BY c.last_message_at DESC, c.id DESC");
    let rows: Vec<ConversationRow> = query.build_query_as().fetch_all(pool).await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Open conversations waiting for an agent (no assignee, not with the robot) or, when not
/// `waiting`, with an agent; longest waiting first.
pub(crate) async fn open_conversation_ids(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    waiting: bool,
    limit: i64,
) -> Result<Vec<Uuid>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM conversations WHERE tenant_id = $1 AND status = 'open' \
         AND (($2 AND assignee_id IS NULL AND NOT robot_active) \
         OR (NOT $2 AND assignee_id IS NOT NULL)) ORDER BY last_message_at LIMIT $3",
    )
    .bind(tenant_id.to_string())
    .bind(waiting)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|(id,)| crate::rows::uuid(id)).collect()
}

/// A buyer's earlier conversations in this shop, newest first.
pub(crate) async fn conversations_of_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer_id: Uuid,
    limit: i64,
) -> Result<Vec<ConversationSummary>> {
    let rows: Vec<ConversationRow> = sqlx::query_as(concat!(
        conversation_select!(),
        "WHERE c.tenant_id = $1 AND c.buyer_id = $2 ORDER BY c.last_message_at DESC LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(buyer_id.to_string())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn mark_read_by_agent(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    seq: i64,
) -> Result<ConversationSummary> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "UPDATE conversations SET agent_read_seq = CASE WHEN $3 >= last_seq THEN last_seq \
         WHEN $3 > agent_read_seq THEN $3 ELSE agent_read_seq END, updated_at = $4 \
         WHERE id = $1 AND tenant_id = $2",
    )
    .bind(&id)
    .bind(&tenant)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE conversations SET unread_count = (SELECT CAST(COUNT(*) AS BIGINT) FROM messages m \
         WHERE m.conversation_id = conversations.id AND m.sender_kind = 'buyer' \
         AND m.seq > conversations.agent_read_seq) WHERE id = $1 AND tenant_id = $2",
    )
    .bind(&id)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &id).await?;
    tx.commit().await?;
    summary.ok_or(StoreError::NotFound("conversation"))
}

pub(crate) async fn mark_read_by_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    seq: i64,
) -> Result<ConversationSummary> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let mut conn = pool.acquire().await?;
    sqlx::query(
        "UPDATE conversations SET buyer_read_seq = CASE WHEN $3 >= last_seq THEN last_seq \
         WHEN $3 > buyer_read_seq THEN $3 ELSE buyer_read_seq END \
         WHERE id = $1 AND tenant_id = $2",
    )
    .bind(&id)
    .bind(&tenant)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    conversation_in(&mut conn, &tenant, &id)
        .await?
        .ok_or(StoreError::NotFound("conversation"))
}

/// Runs a guarded status change and logs it when it happened; returns the conversation.
async fn change_status(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    (actor_kind, by): (SenderKind, Uuid),
    update_sql: &'static str,
    kind: EventKind,
) -> Result<ConversationSummary> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let changed = sqlx::query(update_sql)
        .bind(&id)
        .bind(&tenant)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed > 0 {
        insert_event(
            &mut tx,
            &tenant,
            &id,
            kind,
            actor_kind,
            Some(by.to_string()),
            None,
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    let summary = conversation_in(&mut tx, &tenant, &id).await?;
    tx.commit().await?;
    summary.ok_or(StoreError::NotFound("conversation"))
}

pub(crate) async fn resolve_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by: Uuid,
) -> Result<ConversationSummary> {
    change_status(
        pool,
        tenant_id,
        id,
        (SenderKind::Agent, by),
        "UPDATE conversations SET status = 'resolved', resolved_at = $3, updated_at = $3 \
         WHERE id = $1 AND tenant_id = $2 AND status = 'open'",
        EventKind::Resolved,
    )
    .await
}

/// The buyer ends their conversation (issue #17: "the buyer leaves"): resolved, by them.
pub(crate) async fn end_by_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    buyer: Uuid,
) -> Result<ConversationSummary> {
    change_status(
        pool,
        tenant_id,
        id,
        (SenderKind::Buyer, buyer),
        "UPDATE conversations SET status = 'resolved', resolved_at = $3, updated_at = $3 \
         WHERE id = $1 AND tenant_id = $2 AND status = 'open'",
        EventKind::Resolved,
    )
    .await
}

pub(crate) async fn reopen_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by: Uuid,
) -> Result<ConversationSummary> {
    change_status(
        pool,
        tenant_id,
        id,
        (SenderKind::Agent, by),
        "UPDATE conversations SET status = 'open', resolved_at = NULL, cycle_started_at = $3, \
         awaiting_first_reply = TRUE, updated_at = $3 \
         WHERE id = $1 AND tenant_id = $2 AND status = 'resolved'",
        EventKind::Reopened,
    )
    .await
}

pub(crate) async fn assign_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    assignee: Uuid,
    by: Uuid,
) -> Result<ConversationSummary> {
    if !user_exists(pool, tenant_id, assignee).await? {
        return Err(StoreError::NotFound("assignee"));
    }
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let previous: Option<(Option<String>,)> =
        sqlx::query_as("SELECT assignee_id FROM conversations WHERE id = $1 AND tenant_id = $2")
            .bind(&id)
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((previous,)) = previous else {
        return Err(StoreError::NotFound("conversation"));
    };
    if previous.as_deref() != Some(assignee.to_string().as_str()) {
        sqlx::query(
            "UPDATE conversations SET assignee_id = $3, updated_at = $4 \
             WHERE id = $1 AND tenant_id = $2",
        )
        .bind(&id)
        .bind(&tenant)
        .bind(assignee.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_event(
            &mut tx,
            &tenant,
            &id,
            EventKind::Assigned,
            SenderKind::Agent,
            Some(by.to_string()),
            None,
            serde_json::json!({ "assignee_id": assignee, "previous_assignee_id": previous }),
            now,
        )
        .await?;
    }
    let summary = conversation_in(&mut tx, &tenant, &id).await?;
    tx.commit().await?;
    summary.ok_or(StoreError::NotFound("conversation"))
}

/// Hands a conversation to a colleague (`to_user`) or back to a team's queue (`to_team`,
/// unassigned), recording who, to whom and the note in the event log.
pub(crate) async fn transfer_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    to_user: Option<Uuid>,
    to_team: Option<&str>,
    note: &str,
    by: Uuid,
) -> Result<ConversationSummary> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let previous: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT assignee_id, team FROM conversations WHERE id = $1 AND tenant_id = $2",
    )
    .bind(&conversation)
    .bind(&tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((previous, previous_team)) = previous else {
        return Err(StoreError::NotFound("conversation"));
    };
    let team = match (to_user, to_team) {
        (Some(user_id), _) => {
            let row: Option<(Option<String>,)> = sqlx::query_as(
                "SELECT team FROM users WHERE id = $1 AND tenant_id = $2 AND NOT disabled",
            )
            .bind(user_id.to_string())
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?;
            row.ok_or(StoreError::NotFound("assignee"))?
                .0
                .or(previous_team)
        }
        (None, team) => team.map(str::to_owned),
    };
    sqlx::query(
        "UPDATE conversations SET assignee_id = $1, team = $2, updated_at = $3 \
         WHERE id = $4 AND tenant_id = $5",
    )
    .bind(to_user.map(|u| u.to_string()))
    .bind(&team)
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?;
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::Transferred,
        SenderKind::Agent,
        Some(by.to_string()),
        None,
        serde_json::json!({
            "previous_assignee_id": previous, "to_user_id": to_user, "to_team": team,
            "note": note,
        }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    summary.ok_or(StoreError::NotFound("conversation"))
}

pub(crate) async fn conversation_events(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Vec<ConversationEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, conversation_id, kind, actor_kind, actor_id, message_seq, data, at \
         FROM conversation_events WHERE conversation_id = $1 AND tenant_id = $2 ORDER BY id",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Moves a whole conversation back in time by `by_ms`: its messages, events and times keep
/// their spacing. Used to seed demo history that reads like the past.
pub(crate) async fn shift_conversation_back(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by_ms: i64,
) -> Result<()> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let statements = [
        "UPDATE messages SET created_at = created_at - $3 \
         WHERE conversation_id = $1 AND tenant_id = $2",
        "UPDATE conversation_events SET at = at - $3 \
         WHERE conversation_id = $1 AND tenant_id = $2",
        "UPDATE conversations SET created_at = created_at - $3, updated_at = updated_at - $3, \
         last_message_at = last_message_at - $3, cycle_started_at = cycle_started_at - $3, \
         last_buyer_message_at = last_buyer_message_at - $3, resolved_at = resolved_at - $3 \
         WHERE id = $1 AND tenant_id = $2",
    ];
    for sql in statements {
        sqlx::query(sql)
            .bind(&id)
            .bind(&tenant)
            .bind(by_ms)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn recent_first_reply_waits(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT data FROM conversation_events WHERE tenant_id = $1 AND kind = 'first_reply' \
         AND at >= $2 ORDER BY at DESC LIMIT $3",
    )
    .bind(tenant_id.to_string())
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|(data,)| {
            serde_json::from_str::<serde_json::Value>(data)
                .ok()
                .and_then(|d| d["wait_ms"].as_i64())
        })
        .collect())
}
