// Every SQL text kefu runs, written once in the portable subset and compiled for each backend
// (`lib.rs` includes this file with `Db` = Sqlite and = Postgres). Only this file writes SQL.

#[allow(unused_imports)]
use kefu_domain::account::{AgentStatus, Buyer, Tenant, TenantKind, User};
use kefu_domain::channel::Entry;
use kefu_domain::commerce::{
    BuyerNote, EntryContext, HandoffCase, Order, OrderInput, OrderItem, Partner, Product, ProductInput,
};
use kefu_domain::conversation::{
    ConversationEvent, ConversationState, ConversationStatus, ConversationSummary, EventKind,
};
use kefu_domain::message::{Attachment, Message, SenderKind};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use crate::rows::{
    uuid, AttachmentRow, BuyerRow, ConversationRow, EventRow, HandoffRow, MessageRow, NoteRow,
    OrderRow, ProductRow, TenantRow, UserRow,
};
use crate::writer::{AppendRequest, Appended};
use crate::{
    NewAttachment, NewHandoff, NewUser, Result, SessionInfo, StatusFilter, StoreError,
    StoredAttachment, UpsertCounts,
};

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

macro_rules! message_select {
    () => {
        "SELECT m.id, m.conversation_id, m.seq, m.sender_kind, m.sender_id, m.sender_name, \
         m.client_msg_id, m.kind, m.body, m.created_at, m.attachment_id, a.file_name, \
         a.content_type, a.size_bytes \
         FROM messages m LEFT JOIN attachments a ON a.id = m.attachment_id "
    };
}

pub(crate) async fn ping(pool: &Pool<Db>) -> Result<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

pub(crate) async fn server_secret(pool: &Pool<Db>, name: &str, fresh: &str) -> Result<String> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .bind(now_ms())
    .execute(pool)
    .await?;
    let (value,): (String,) = sqlx::query_as("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(value)
}

// Tenants

pub(crate) async fn create_tenant(
    pool: &Pool<Db>,
    kind: TenantKind,
    slug: &str,
    name: &str,
    identity_secret: &str,
) -> Result<Tenant> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: TenantRow = sqlx::query_as(
        "INSERT INTO tenants (id, kind, slug, name, identity_secret, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id, kind, slug, name, timezone",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(kind.as_str())
    .bind(slug)
    .bind(name)
    .bind(identity_secret)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_as_conflict("tenant_slug_taken"))?;
    // ACC-6: every tenant starts with the default teams.
    for (key, team_name, target, _) in kefu_domain::guard::DEFAULT_TEAMS {
        sqlx::query(
            "INSERT INTO teams (tenant_id, team_key, name, response_target_seconds, created_at, \
             office_hours_only) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.id)
        .bind(key)
        .bind(team_name)
        .bind(target)
        .bind(now_ms())
        .bind(key == "after_sales")
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    row.try_into()
}

pub(crate) async fn tenant_by_slug(pool: &Pool<Db>, slug: &str) -> Result<Option<Tenant>> {
    let row: Option<TenantRow> =
        sqlx::query_as("SELECT id, kind, slug, name, timezone FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(pool)
            .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn tenant(pool: &Pool<Db>, id: Uuid) -> Result<Option<Tenant>> {
    let row: Option<TenantRow> =
        sqlx::query_as("SELECT id, kind, slug, name, timezone FROM tenants WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn tenant_identity_secret(pool: &Pool<Db>, id: Uuid) -> Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT identity_secret FROM tenants WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(s,)| s))
}

// Users and sessions

pub(crate) async fn create_user(pool: &Pool<Db>, user: &NewUser<'_>) -> Result<User> {
    let row: UserRow = sqlx::query_as(
        "INSERT INTO users (id, tenant_id, username, display_name, password_hash, role, team, \
         phone, created_at, probation_until, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(user.tenant_id.to_string())
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(user.team)
    .bind(user.phone)
    .bind(now_ms())
    .bind(user.probation_until)
    .bind(user.created_by.map(|id| id.to_string()))
    .fetch_one(pool)
    .await
    .map_err(unique_as_conflict("username_taken"))?;
    row.try_into()
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

pub(crate) async fn user_for_login(
    pool: &Pool<Db>,
    username: &str,
) -> Result<Option<(User, String)>> {
    let row: Option<LoginRow> = sqlx::query_as(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent, password_hash \
         FROM users WHERE username = $1 AND NOT disabled",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((r.user.try_into()?, r.password_hash)))
        .transpose()
}

pub(crate) async fn user(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent FROM users WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn team(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent FROM users WHERE tenant_id = $1 AND NOT disabled \
         ORDER BY username",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn set_user_status(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    user_id: Uuid,
    status: AgentStatus,
    break_until: Option<(&str, i64)>,
) -> Result<()> {
    sqlx::query(
        "UPDATE users SET status = $1, break_reason = $2, break_until = $3 \
         WHERE id = $4 AND tenant_id = $5",
    )
    .bind(status.as_str())
    .bind(break_until.map(|(reason, _)| reason))
    .bind(break_until.map(|(_, until)| until))
    .bind(user_id.to_string())
    .bind(tenant_id.to_string())
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends breaks whose time is up (WB-9): those agents are online again. Returns them.
pub(crate) async fn end_breaks(pool: &Pool<Db>, now: i64) -> Result<Vec<(Uuid, Uuid)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "UPDATE users SET status = 'online', break_reason = NULL, break_until = NULL \
         WHERE status = 'away' AND break_until IS NOT NULL AND break_until <= $1 \
         RETURNING tenant_id, id",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(tenant, id)| Ok((uuid(&tenant)?, uuid(&id)?)))
        .collect()
}

pub(crate) async fn create_session(
    pool: &Pool<Db>,
    token_hash: &str,
    user_id: Uuid,
    is_ui: bool,
    name: &str,
    csrf_token: &str,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO auth_sessions (token_hash, user_id, kind, name, csrf_token, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(user_id.to_string())
    .bind(if is_ui { "ui" } else { "api" })
    .bind(name)
    .bind(csrf_token)
    .bind(now_ms())
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf_token: String,
    kind: String,
}

pub(crate) async fn session(pool: &Pool<Db>, token_hash: &str) -> Result<Option<SessionInfo>> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT u.id, u.tenant_id, u.username, u.display_name, u.role, u.team, u.status, \
         u.phone, u.probation_until, u.disabled, u.phone_verified_at, u.break_reason, \
         u.break_until, u.max_concurrent, \
         s.csrf_token, s.kind FROM auth_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
    )
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionInfo {
            user: r.user.try_into()?,
            csrf_token: r.csrf_token,
            is_ui: r.kind == "ui",
        })
    })
    .transpose()
}

pub(crate) async fn delete_session(pool: &Pool<Db>, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

// Buyers

pub(crate) async fn upsert_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    channel: kefu_domain::channel::Channel,
    external_id: &str,
    display_name: &str,
) -> Result<Buyer> {
    let now = now_ms();
    let row: BuyerRow = sqlx::query_as(
        "INSERT INTO buyers (id, tenant_id, channel, external_id, display_name, created_at, \
         last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (tenant_id, channel, external_id) DO UPDATE SET last_seen_at = $6 \
         RETURNING id, tenant_id, channel, external_id, display_name, created_at, last_seen_at, \
         vip_level",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(tenant_id.to_string())
    .bind(channel.as_str())
    .bind(external_id)
    .bind(display_name)
    .bind(now)
    .fetch_one(pool)
    .await?;
    row.try_into()
}

/// The member level the shop's site vouched for (WB-4); routing and the queue use it.
pub(crate) async fn set_buyer_vip(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    vip_level: u8,
) -> Result<()> {
    sqlx::query("UPDATE buyers SET vip_level = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(i64::from(vip_level))
        .bind(id.to_string())
        .bind(tenant_id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn buyer(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<Option<Buyer>> {
    let row: Option<BuyerRow> = sqlx::query_as(
        "SELECT id, tenant_id, channel, external_id, display_name, created_at, last_seen_at, \
         vip_level FROM buyers WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

// Conversations

async fn insert_event(
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
    let id = Uuid::now_v7();
    let now = now_ms();
    let tenant = tenant_id.to_string();
    let context_json = serde_json::to_string(context)
        .map_err(|e| StoreError::Corrupt(format!("context: {e}")))?;
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO conversations (id, tenant_id, buyer_id, buyer_name, channel, entry, status, \
         cycle_started_at, last_message_at, created_at, updated_at, context) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7, $7, $7, $8)",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(buyer.id.to_string())
    .bind(&buyer.display_name)
    .bind(buyer.channel.as_str())
    .bind(entry.as_str())
    .bind(now)
    .bind(&context_json)
    .execute(&mut *tx)
    .await?;
    insert_event(
        &mut tx,
        &tenant,
        &id.to_string(),
        EventKind::Created,
        SenderKind::Buyer,
        Some(buyer.id.to_string()),
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
    .bind(buyer.id.to_string())
    .bind(&tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
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
    let context_json = serde_json::to_string(context)
        .map_err(|e| StoreError::Corrupt(format!("context: {e}")))?;
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

async fn conversation_in(
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
    by: Uuid,
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
            SenderKind::Agent,
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
        by,
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
        by,
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
    if user(pool, tenant_id, assignee).await?.is_none() {
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

// Messages

pub(crate) async fn messages(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    after_seq: i64,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = match before_seq {
        None => {
            sqlx::query_as(concat!(
                message_select!(),
                "WHERE m.conversation_id = $1 AND m.tenant_id = $2 AND m.seq > $3 \
                 ORDER BY m.seq LIMIT $4"
            ))
            .bind(conversation_id.to_string())
            .bind(tenant_id.to_string())
            .bind(after_seq)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        Some(before) => {
            let mut rows: Vec<MessageRow> = sqlx::query_as(concat!(
                message_select!(),
                "WHERE m.conversation_id = $1 AND m.tenant_id = $2 AND m.seq > $3 AND m.seq < $4 \
                 ORDER BY m.seq DESC LIMIT $5"
            ))
            .bind(conversation_id.to_string())
            .bind(tenant_id.to_string())
            .bind(after_seq)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.reverse();
            rows
        }
    };
    rows.into_iter().map(TryInto::try_into).collect()
}

/// A conversation as the writer holds it while a batch is applied.
#[derive(sqlx::FromRow, Clone)]
struct WriterConversation {
    id: String,
    tenant_id: String,
    buyer_id: String,
    buyer_name: String,
    channel: String,
    entry: String,
    status: String,
    assignee_id: Option<String>,
    assignee_name: Option<String>,
    awaiting_first_reply: bool,
    awaiting_reply: bool,
    cycle_started_at: i64,
    last_seq: i64,
    last_message_preview: String,
    last_message_at: i64,
    unread_count: i64,
    agent_read_seq: i64,
    buyer_read_seq: i64,
    last_buyer_message_at: Option<i64>,
    resolved_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    context: String,
    tags: String,
    team: Option<String>,
    robot_active: bool,
    up_for_grabs: bool,
}

impl WriterConversation {
    /// The summary the batch leaves behind, without reading it back.
    fn summary(&self) -> Result<ConversationSummary> {
        ConversationRow {
            id: self.id.clone(),
            tenant_id: self.tenant_id.clone(),
            buyer_id: self.buyer_id.clone(),
            buyer_name: self.buyer_name.clone(),
            channel: self.channel.clone(),
            entry: self.entry.clone(),
            status: self.status.clone(),
            assignee_id: self.assignee_id.clone(),
            assignee_name: self.assignee_name.clone(),
            last_seq: self.last_seq,
            last_message_preview: self.last_message_preview.clone(),
            last_message_at: self.last_message_at,
            unread_count: self.unread_count,
            agent_read_seq: self.agent_read_seq,
            buyer_read_seq: self.buyer_read_seq,
            created_at: self.created_at,
            updated_at: self.updated_at,
            context: self.context.clone(),
            tags: self.tags.clone(),
            team: self.team.clone(),
            last_buyer_message_at: self.last_buyer_message_at,
            awaiting_reply: self.awaiting_reply,
            robot_active: self.robot_active,
            up_for_grabs: self.up_for_grabs,
        }
        .try_into()
    }
}

struct NewEvent {
    conversation_id: String,
    tenant_id: String,
    kind: EventKind,
    actor_kind: SenderKind,
    actor_id: Option<String>,
    message_seq: Option<i64>,
    data: String,
}

struct NewMessage {
    id: Uuid,
    tenant_id: String,
    conversation_id: String,
    seq: i64,
    channel: String,
}

/// Rows per multi-row statement; keeps every statement far below both backends' bind limits.
const ROWS_PER_STATEMENT: usize = 400;

/// Appends a batch in one transaction with a fixed number of statements, whatever its size:
/// read the conversations (locked, on PostgreSQL), earlier copies of retried sends and the
/// attachments; apply the state machine in memory in arrival order; then write all messages,
/// all events and all conversation changes with one multi-row statement each.
pub(crate) async fn append_batch(
    pool: &Pool<Db>,
    batch: &[AppendRequest],
) -> Result<Vec<Result<Appended>>> {
    let mut conn = pool.acquire().await?;
    append_batch_on(&mut conn, batch).await
}

/// A connection of its own for the group-commit writer: its page cache stays warm.
pub(crate) async fn writer_connection(pool: &Pool<Db>) -> Result<<Db as sqlx::Database>::Connection> {
    Ok(pool.acquire().await?.detach())
}

/// Most sends are new, so the batch is first written without looking for earlier copies:
/// the unique index on (conversation, sender, client id) notices a retried send, and then
/// the batch is rolled back and written again, this time answering retries with their first
/// copies.
pub(crate) async fn append_batch_on(
    conn: &mut <Db as sqlx::Database>::Connection,
    batch: &[AppendRequest],
) -> Result<Vec<Result<Appended>>> {
    match write_batch(conn, batch, false).await? {
        Some(results) => Ok(results),
        None => write_batch(conn, batch, true)
            .await?
            .ok_or(StoreError::Conflict("message_conflict")),
    }
}

/// Writes the batch in one transaction; `None` when a send turned out to be a retry that
/// `check_retries` did not look for (nothing was written).
async fn write_batch(
    conn: &mut <Db as sqlx::Database>::Connection,
    batch: &[AppendRequest],
    check_retries: bool,
) -> Result<Option<Vec<Result<Appended>>>> {
    use sqlx::Connection;
    if batch.is_empty() {
        return Ok(Some(vec![]));
    }
    let now = now_ms();
    let mut tx = conn.begin_with(BEGIN_WRITE).await?;

    let mut conversation_ids: Vec<String> =
        batch.iter().map(|r| r.conversation_id.to_string()).collect();
    conversation_ids.sort();
    conversation_ids.dedup();
    let mut conversations: std::collections::HashMap<String, WriterConversation> =
        std::collections::HashMap::new();
    for chunk in conversation_ids.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT c.id, c.tenant_id, c.buyer_id, c.buyer_name, c.channel, c.entry, c.status, \
             c.assignee_id, u.display_name AS assignee_name, c.awaiting_first_reply, \
             c.awaiting_reply, \
             c.cycle_started_at, c.last_seq, c.last_message_preview, c.last_message_at, \
             c.unread_count, c.agent_read_seq, c.buyer_read_seq, c.last_buyer_message_at, \
             c.resolved_at, c.created_at, c.updated_at, c.context, c.tags, c.team, \
             c.robot_active, c.up_for_grabs FROM conversations c \
             LEFT JOIN users u ON u.id = c.assignee_id WHERE c.id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        q.push(LOCK_ROWS);
        let rows: Vec<WriterConversation> =
            q.build_query_as().persistent(false).fetch_all(&mut *tx).await?;
        conversations.extend(rows.into_iter().map(|c| (c.id.clone(), c)));
    }

    // Earlier copies of sends that carry a client id: a retry is answered with them.
    let mut earlier: std::collections::HashMap<(String, String, String), Message> =
        std::collections::HashMap::new();
    let retries: Vec<(String, String, &str)> = batch
        .iter()
        .filter(|_| check_retries)
        .filter_map(|r| match (r.sender_id, r.client_msg_id.as_deref()) {
            (Some(sender), Some(client)) => {
                Some((r.conversation_id.to_string(), sender.to_string(), client))
            }
            _ => None,
        })
        .collect();
    // One exact (conversation, sender, client id) term per send: each is a probe of the
    // unique index, answered from the index alone. Only hits (real retries) are read whole.
    let mut hits: Vec<(String, String, String)> = vec![];
    for chunk in retries.chunks(ROWS_PER_STATEMENT / 3) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT conversation_id, sender_id, client_msg_id FROM messages WHERE ",
        );
        for (i, (conversation, sender, client)) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { " OR (" });
            q.push("conversation_id = ").push_bind(conversation.as_str());
            q.push(" AND sender_id = ").push_bind(sender.as_str());
            q.push(" AND client_msg_id = ").push_bind(*client);
            q.push(")");
        }
        let rows: Vec<(String, String, String)> =
            q.build_query_as().persistent(false).fetch_all(&mut *tx).await?;
        hits.extend(rows);
    }
    for (conversation, sender, client) in hits {
        let row: MessageRow = sqlx::query_as(concat!(
            message_select!(),
            "WHERE m.conversation_id = $1 AND m.sender_id = $2 AND m.client_msg_id = $3"
        ))
        .bind(&conversation)
        .bind(&sender)
        .bind(&client)
        .fetch_one(&mut *tx)
        .await?;
        earlier.insert((conversation, sender, client), row.try_into()?);
    }

    let attachment_ids: Vec<String> = batch
        .iter()
        .filter_map(|r| r.content.attachment_id.map(|id| id.to_string()))
        .collect();
    let mut attachments: std::collections::HashMap<String, AttachmentRow> =
        std::collections::HashMap::new();
    for chunk in attachment_ids.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, tenant_id, file_name, content_type, size_bytes, storage_key \
             FROM attachments WHERE id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        let rows: Vec<AttachmentRow> =
            q.build_query_as().persistent(false).fetch_all(&mut *tx).await?;
        attachments.extend(rows.into_iter().map(|a| (a.id.clone(), a)));
    }

    // Apply every send in arrival order.
    enum Outcome {
        /// With whether it reopened a resolved conversation.
        Stored(Message, bool),
        Duplicate(Message),
        Refused(StoreError),
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut new_messages: Vec<(NewMessage, &AppendRequest)> = vec![];
    let mut events: Vec<NewEvent> = vec![];
    let mut touched: Vec<String> = vec![];
    for r in batch {
        let tenant = r.tenant_id.to_string();
        let conversation_id = r.conversation_id.to_string();
        let sender_id = r.sender_id.map(|id| id.to_string());
        let Some(c) = conversations
            .get_mut(&conversation_id)
            .filter(|c| c.tenant_id == tenant)
        else {
            outcomes.push(Outcome::Refused(StoreError::NotFound("conversation")));
            continue;
        };
        let retry_key = match (&sender_id, &r.client_msg_id) {
            (Some(sender), Some(client)) => {
                Some((conversation_id.clone(), sender.clone(), client.clone()))
            }
            _ => None,
        };
        if let Some(first) = retry_key.as_ref().and_then(|k| earlier.get(k)) {
            outcomes.push(Outcome::Duplicate(first.clone()));
            continue;
        }
        let attachment = match r.content.attachment_id {
            None => None,
            Some(id) => match attachments.get(&id.to_string()).filter(|a| a.tenant_id == tenant) {
                Some(a) => Some(Attachment {
                    id,
                    file_name: a.file_name.clone(),
                    content_type: a.content_type.clone(),
                    size_bytes: a.size_bytes,
                    url: String::new(),
                }),
                None => {
                    outcomes.push(Outcome::Refused(StoreError::NotFound("attachment")));
                    continue;
                }
            },
        };

        let state = ConversationState {
            status: ConversationStatus::parse(&c.status)
                .ok_or_else(|| StoreError::Corrupt(format!("bad status `{}`", c.status)))?,
            assignee_id: c.assignee_id.as_deref().map(uuid).transpose()?,
            awaiting_first_reply: c.awaiting_first_reply,
        };
        let effects = state.effects_of(r.sender_kind);
        let assigns = effects.assigns_to_sender && sender_id.is_some();
        let wait_ms = now - c.cycle_started_at;
        c.last_seq += 1;
        let seq = c.last_seq;
        c.last_message_preview = r.content.preview();
        c.last_message_at = now;
        c.updated_at = now;
        if effects.reopens {
            c.status = ConversationStatus::Open.as_str().to_owned();
            c.resolved_at = None;
            c.cycle_started_at = now;
            c.awaiting_first_reply = true;
        }
        match r.sender_kind {
            SenderKind::Buyer => {
                c.unread_count += 1;
                c.last_buyer_message_at = Some(now);
                c.awaiting_reply = true;
            }
            SenderKind::Agent => {
                c.awaiting_first_reply = false;
                c.awaiting_reply = false;
                c.unread_count = 0;
                c.agent_read_seq = seq;
            }
            SenderKind::System | SenderKind::Bot => {}
        }
        if assigns {
            c.assignee_id = sender_id.clone();
            c.assignee_name = Some(r.sender_name.clone());
        }

        let mut event = |kind, message_seq, data: serde_json::Value| {
            events.push(NewEvent {
                conversation_id: conversation_id.clone(),
                tenant_id: tenant.clone(),
                kind,
                actor_kind: r.sender_kind,
                actor_id: sender_id.clone(),
                message_seq,
                data: data.to_string(),
            })
        };
        if effects.reopens {
            event(EventKind::Reopened, None, serde_json::json!({}));
        }
        let message_kind = match r.sender_kind {
            SenderKind::Buyer => EventKind::BuyerMessage,
            _ => EventKind::AgentMessage,
        };
        event(
            message_kind,
            Some(seq),
            serde_json::json!({ "kind": r.content.kind, "sender": r.sender_kind }),
        );
        if effects.first_reply {
            event(
                EventKind::FirstReply,
                Some(seq),
                serde_json::json!({ "wait_ms": wait_ms }),
            );
        }
        if assigns {
            event(
                EventKind::Assigned,
                None,
                serde_json::json!({ "assignee_id": sender_id, "previous_assignee_id": null, "reason": "first_reply" }),
            );
        }

        let message = Message {
            id: Uuid::now_v7(),
            conversation_id: r.conversation_id,
            seq,
            sender_kind: r.sender_kind,
            sender_id: r.sender_id,
            sender_name: r.sender_name.clone(),
            client_msg_id: r.client_msg_id.clone(),
            kind: r.content.kind,
            body: r.content.body.clone(),
            attachment,
            created_at: now,
        };
        if let Some(key) = retry_key {
            earlier.insert(key, message.clone());
        }
        new_messages.push((
            NewMessage {
                id: message.id,
                tenant_id: tenant,
                conversation_id: conversation_id.clone(),
                seq,
                channel: c.channel.clone(),
            },
            r,
        ));
        touched.push(conversation_id);
        outcomes.push(Outcome::Stored(message, effects.reopens));
    }

    for chunk in new_messages.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO messages (id, tenant_id, conversation_id, seq, sender_kind, sender_id, \
             sender_name, client_msg_id, kind, body, attachment_id, channel, external_id, \
             created_at) ",
        );
        q.push_values(chunk, |mut row, (m, r)| {
            row.push_bind(m.id.to_string())
                .push_bind(m.tenant_id.as_str())
                .push_bind(m.conversation_id.as_str())
                .push_bind(m.seq)
                .push_bind(r.sender_kind.as_str())
                .push_bind(r.sender_id.map(|id| id.to_string()))
                .push_bind(r.sender_name.as_str())
                .push_bind(r.client_msg_id.as_deref())
                .push_bind(r.content.kind.as_str())
                .push_bind(r.content.body.as_str())
                .push_bind(r.content.attachment_id.map(|id| id.to_string()))
                .push_bind(m.channel.as_str())
                .push_bind(r.external_id.as_deref())
                .push_bind(now);
        });
        q.push(" ON CONFLICT DO NOTHING");
        let inserted = q.build().persistent(false).execute(&mut *tx).await?.rows_affected();
        if inserted < chunk.len() as u64 {
            // A retried send we did not look for: write the batch again, looking.
            tx.rollback().await?;
            return if check_retries {
                Err(StoreError::Conflict("message_conflict"))
            } else {
                Ok(None)
            };
        }
    }
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO conversation_events (tenant_id, conversation_id, kind, actor_kind, \
             actor_id, message_seq, data, at) ",
        );
        q.push_values(chunk, |mut row, e| {
            row.push_bind(e.tenant_id.as_str())
                .push_bind(e.conversation_id.as_str())
                .push_bind(e.kind.as_str())
                .push_bind(e.actor_kind.as_str())
                .push_bind(e.actor_id.as_deref())
                .push_bind(e.message_seq)
                .push_bind(e.data.as_str())
                .push_bind(now);
        });
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    touched.sort();
    touched.dedup();
    let changed: Vec<&WriterConversation> =
        touched.iter().filter_map(|id| conversations.get(id)).collect();
    for chunk in changed.chunks(ROWS_PER_STATEMENT) {
        // VALUES columns are column1…column13 on both backends; casts give PostgreSQL the types.
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE conversations SET \
            status = v.column2, assignee_id = v.column3, \
            awaiting_first_reply = CAST(v.column4 AS BOOLEAN), \
            cycle_started_at = CAST(v.column5 AS BIGINT), last_seq = CAST(v.column6 AS BIGINT), \
            last_message_preview = v.column7, last_message_at = CAST(v.column8 AS BIGINT), \
            unread_count = CAST(v.column9 AS BIGINT), agent_read_seq = CAST(v.column10 AS BIGINT), \
            last_buyer_message_at = CAST(v.column11 AS BIGINT), \
            resolved_at = CAST(v.column12 AS BIGINT), updated_at = CAST(v.column8 AS BIGINT), \
            awaiting_reply = CAST(v.column13 AS BOOLEAN) \
            FROM (");
        q.push_values(chunk, |mut row, c| {
            row.push_bind(c.id.as_str())
                .push_bind(c.status.as_str())
                .push_bind(c.assignee_id.as_deref())
                .push_bind(c.awaiting_first_reply)
                .push_bind(c.cycle_started_at)
                .push_bind(c.last_seq)
                .push_bind(c.last_message_preview.as_str())
                .push_bind(c.last_message_at)
                .push_bind(c.unread_count)
                .push_bind(c.agent_read_seq)
                .push_bind(c.last_buyer_message_at)
                .push_bind(c.resolved_at)
                .push_bind(c.awaiting_reply);
        });
        q.push(") AS v WHERE conversations.id = v.column1");
        q.build().persistent(false).execute(&mut *tx).await?;
    }

    tx.commit().await?;

    Ok(Some(outcomes
        .into_iter()
        .map(|outcome| {
            let (message, duplicate, reopened) = match outcome {
                Outcome::Refused(e) => return Err(e),
                Outcome::Stored(m, reopened) => (m, false, reopened),
                Outcome::Duplicate(m) => (m, true, false),
            };
            let conversation = conversations
                .get(&message.conversation_id.to_string())
                .ok_or(StoreError::NotFound("conversation"))?
                .summary()?;
            Ok(Appended {
                message,
                conversation,
                duplicate,
                reopened,
            })
        })
        .collect()))
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

// Attachments

pub(crate) async fn insert_attachment(pool: &Pool<Db>, new: &NewAttachment<'_>) -> Result<Attachment> {
    sqlx::query(
        "INSERT INTO attachments (id, tenant_id, uploader_kind, uploader_id, file_name, \
         content_type, size_bytes, sha256, storage_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new.id.to_string())
    .bind(new.tenant_id.to_string())
    .bind(new.uploader_kind)
    .bind(new.uploader_id.to_string())
    .bind(new.file_name)
    .bind(new.content_type)
    .bind(new.size_bytes)
    .bind(new.sha256)
    .bind(new.storage_key)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(Attachment {
        id: new.id,
        file_name: new.file_name.to_owned(),
        content_type: new.content_type.to_owned(),
        size_bytes: new.size_bytes,
        url: String::new(),
    })
}

pub(crate) async fn attachment(pool: &Pool<Db>, id: Uuid) -> Result<Option<StoredAttachment>> {
    let row: Option<AttachmentRow> = sqlx::query_as(
        "SELECT id, tenant_id, file_name, content_type, size_bytes, storage_key \
         FROM attachments WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(StoredAttachment {
            tenant_id: uuid(&r.tenant_id)?,
            storage_key: r.storage_key,
            attachment: Attachment {
                id: uuid(&r.id)?,
                file_name: r.file_name,
                content_type: r.content_type,
                size_bytes: r.size_bytes,
                url: String::new(),
            },
        })
    })
    .transpose()
}

pub(crate) async fn unsent_attachments(
    pool: &Pool<Db>,
    created_before: i64,
) -> Result<Vec<(Uuid, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.id, a.storage_key FROM attachments a WHERE a.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM kb_entries k WHERE k.tenant_id = a.tenant_id \
                         AND k.body LIKE '%' || a.id || '%') LIMIT 1000",
    )
    .bind(created_before)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, key)| Ok((uuid(&id)?, key)))
        .collect()
}

pub(crate) async fn delete_unsent_attachment(pool: &Pool<Db>, id: Uuid) -> Result<bool> {
    let deleted = sqlx::query(
        "DELETE FROM attachments WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.attachment_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM kb_entries k WHERE k.tenant_id = attachments.tenant_id \
                         AND k.body LIKE '%' || $1 || '%')",
    )
    .bind(id.to_string())
    .execute(pool)
    .await?
    .rows_affected();
    Ok(deleted > 0)
}

// Commerce (CH-2, CH-5, CH-6)

fn content_hash<T: serde::Serialize>(value: &T) -> Result<String> {
    use sha2::Digest;
    let bytes =
        serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("hashing: {e}")))?;
    Ok(hex::encode(&sha2::Sha256::digest(&bytes)[..16]))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encoding: {e}")))
}

/// The stored hash (and id) of each of `codes` already in `table`, by code.
async fn known_hashes(
    conn: &mut <Db as sqlx::Database>::Connection,
    table: &'static str,
    code_column: &'static str,
    tenant: &str,
    codes: &[&str],
) -> Result<std::collections::HashMap<String, (String, String)>> {
    let mut known = std::collections::HashMap::new();
    for chunk in codes.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {code_column}, id, content_hash FROM {table} WHERE tenant_id = "
        ));
        q.push_bind(tenant);
        q.push(format!(" AND {code_column} IN ("));
        let mut list = q.separated(", ");
        for code in chunk {
            list.push_bind(*code);
        }
        q.push(")");
        let rows: Vec<(String, String, String)> =
            q.build_query_as().persistent(false).fetch_all(&mut *conn).await?;
        known.extend(rows.into_iter().map(|(code, id, hash)| (code, (id, hash))));
    }
    Ok(known)
}

/// What to write of `records` given the stored (id, hash) by code: the new and the changed,
/// each with its hash and id (stored, or fresh), the ids of the changed, and the counts.
type Classified<'a, T> = (Vec<(&'a T, String, String)>, Vec<String>, UpsertCounts);

fn classify<'a, T: serde::Serialize>(
    records: &'a [T],
    code: impl Fn(&T) -> &String,
    known: &std::collections::HashMap<String, (String, String)>,
) -> Result<Classified<'a, T>> {
    let mut counts = UpsertCounts::default();
    let mut writes = vec![];
    let mut changed = vec![];
    for record in records {
        let hash = content_hash(record)?;
        match known.get(code(record)) {
            Some((_, stored)) if *stored == hash => counts.unchanged += 1,
            Some((id, _)) => {
                counts.updated += 1;
                changed.push(id.clone());
                writes.push((record, hash, id.clone()));
            }
            None => {
                counts.created += 1;
                writes.push((record, hash, Uuid::now_v7().to_string()));
            }
        }
    }
    Ok((writes, changed, counts))
}

/// Inserts new products and updates changed ones, in one transaction; products whose
/// content is unchanged are not written. Inputs must have passed `ProductInput::check`.
pub(crate) async fn upsert_products(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    products: &[ProductInput],
) -> Result<UpsertCounts> {
    if products.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let now = now_ms();
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let codes: Vec<&str> = products.iter().map(|p| p.code.as_str()).collect();
    let known = known_hashes(&mut tx, "products", "code", &tenant, &codes).await?;
    let (writes, _, counts) = classify(products, |p| &p.code, &known)?;
    for chunk in writes.chunks(ROWS_PER_STATEMENT / 2) {
        let rows = chunk
            .iter()
            .map(|(p, hash, id)| {
                Ok((
                    *p,
                    hash.as_str(),
                    id.as_str(),
                    to_json(&p.attributes)?,
                    p.partner.as_ref().map(to_json).transpose()?,
                    to_json(&p.skus)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO products (id, tenant_id, code, title, category, image_url, attributes, \
             partner, skus, price_fen, stock, content_hash, created_at, updated_at) ",
        );
        q.push_values(rows, |mut row, (p, hash, id, attributes, partner, skus)| {
            row.push_bind(id.to_owned())
                .push_bind(tenant.clone())
                .push_bind(p.code.clone())
                .push_bind(p.title.clone())
                .push_bind(p.category.clone())
                .push_bind(p.image_url.clone())
                .push_bind(attributes)
                .push_bind(partner)
                .push_bind(skus)
                .push_bind(p.skus.iter().map(|s| s.price_fen).min().unwrap_or(0))
                .push_bind(p.skus.iter().map(|s| s.stock).sum::<i64>())
                .push_bind(hash.to_owned())
                .push_bind(now)
                .push_bind(now);
        });
        q.push(
            " ON CONFLICT (tenant_id, code) DO UPDATE SET title = excluded.title, \
             category = excluded.category, image_url = excluded.image_url, \
             attributes = excluded.attributes, partner = excluded.partner, skus = excluded.skus, \
             price_fen = excluded.price_fen, stock = excluded.stock, \
             content_hash = excluded.content_hash, updated_at = excluded.updated_at",
        );
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(counts)
}

/// Inserts new orders and updates changed ones (their item rows replaced), in one
/// transaction. Inputs must have passed `OrderInput::check`.
pub(crate) async fn upsert_orders(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    orders: &[OrderInput],
) -> Result<UpsertCounts> {
    if orders.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let now = now_ms();
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let codes: Vec<&str> = orders.iter().map(|o| o.order_no.as_str()).collect();
    let known = known_hashes(&mut tx, "orders", "order_no", &tenant, &codes).await?;
    let (writes, replaced, counts) = classify(orders, |o| &o.order_no, &known)?;
    for chunk in replaced.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM order_items WHERE order_id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    for chunk in writes.chunks(ROWS_PER_STATEMENT / 2) {
        let rows = chunk
            .iter()
            .map(|(o, hash, id)| Ok((*o, hash.as_str(), id.as_str(), to_json(&o.items)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO orders (id, tenant_id, order_no, buyer_id, buyer_name, placed_at, items, \
             total_fen, paid_fen, payment_status, shipping_status, after_sale_status, \
             logistics_company, tracking_no, content_hash, created_at, updated_at) ",
        );
        q.push_values(rows, |mut row, (o, hash, id, items)| {
            row.push_bind(id.to_owned())
                .push_bind(tenant.clone())
                .push_bind(o.order_no.clone())
                .push_bind(o.buyer_id.clone())
                .push_bind(o.buyer_name.clone())
                .push_bind(o.placed_at)
                .push_bind(items)
                .push_bind(o.total_fen)
                .push_bind(o.paid_fen)
                .push_bind(o.payment_status.as_str())
                .push_bind(o.shipping_status.as_str())
                .push_bind(o.after_sale_status.as_str())
                .push_bind(o.logistics_company.clone())
                .push_bind(o.tracking_no.clone())
                .push_bind(hash.to_owned())
                .push_bind(now)
                .push_bind(now);
        });
        q.push(
            " ON CONFLICT (tenant_id, order_no) DO UPDATE SET buyer_id = excluded.buyer_id, \
             buyer_name = excluded.buyer_name, placed_at = excluded.placed_at, \
             items = excluded.items, total_fen = excluded.total_fen, \
             paid_fen = excluded.paid_fen, payment_status = excluded.payment_status, \
             shipping_status = excluded.shipping_status, \
             after_sale_status = excluded.after_sale_status, \
             logistics_company = excluded.logistics_company, \
             tracking_no = excluded.tracking_no, content_hash = excluded.content_hash, \
             updated_at = excluded.updated_at",
        );
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    let lines: Vec<(&str, i64, &OrderItem)> = writes
        .iter()
        .flat_map(|(o, _, id)| {
            o.items
                .iter()
                .enumerate()
                .map(move |(n, item)| (id.as_str(), n as i64, item))
        })
        .collect();
    for chunk in lines.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO order_items (order_id, line, tenant_id, product_code, sku_code, \
             quantity, unit_price_fen) ",
        );
        q.push_values(chunk, |mut row, (id, line, item)| {
            row.push_bind(*id)
                .push_bind(*line)
                .push_bind(tenant.as_str())
                .push_bind(item.product_code.as_str())
                .push_bind(item.sku_code.as_str())
                .push_bind(item.quantity)
                .push_bind(item.unit_price_fen);
        });
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(counts)
}

macro_rules! product_select {
    () => {
        "SELECT id, code, title, category, image_url, attributes, partner, skus, price_fen, \
         stock, updated_at FROM products "
    };
}

macro_rules! order_select {
    () => {
        "SELECT id, tenant_id, order_no, buyer_id, buyer_name, placed_at, items, total_fen, \
         paid_fen, payment_status, shipping_status, after_sale_status, logistics_company, \
         tracking_no, updated_at FROM orders "
    };
}

pub(crate) async fn product(pool: &Pool<Db>, tenant_id: Uuid, code: &str) -> Result<Option<Product>> {
    let row: Option<ProductRow> =
        sqlx::query_as(concat!(product_select!(), "WHERE tenant_id = $1 AND code = $2"))
            .bind(tenant_id.to_string())
            .bind(code)
            .fetch_optional(pool)
            .await?;
    row.map(TryInto::try_into).transpose()
}

/// Products whose code, title or category contains `search` (all when empty), by code.
pub(crate) async fn products(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    search: &str,
    limit: i64,
) -> Result<Vec<Product>> {
    let pattern = format!("%{}%", like_escape(search));
    let rows: Vec<ProductRow> = sqlx::query_as(concat!(
        product_select!(),
        "WHERE tenant_id = $1 AND ($2 = '' OR code LIKE $3 ESCAPE '\\' \
         OR title LIKE $3 ESCAPE '\\' OR category LIKE $3 ESCAPE '\\') \
         ORDER BY code LIMIT $4"
    ))
    .bind(tenant_id.to_string())
    .bind(search)
    .bind(pattern)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Fills in each order's fulfilment partner: the first of its products that has one.
async fn with_partners(
    pool: &Pool<Db>,
    rows: Vec<OrderRow>,
) -> Result<Vec<(Uuid, Order)>> {
    let mut orders = rows
        .into_iter()
        .map(|r| Ok((uuid(&r.tenant_id)?, Order::try_from(r)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut wanted: Vec<(String, String)> = orders
        .iter()
        .flat_map(|(tenant, o)| {
            o.items
                .iter()
                .map(move |i| (tenant.to_string(), i.product_code.clone()))
        })
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut partners: std::collections::HashMap<(String, String), Partner> =
        std::collections::HashMap::new();
    for chunk in wanted.chunks(ROWS_PER_STATEMENT / 2) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT tenant_id, code, partner FROM products WHERE partner IS NOT NULL AND (",
        );
        for (n, (tenant, code)) in chunk.iter().enumerate() {
            q.push(if n == 0 { "(tenant_id = " } else { " OR (tenant_id = " });
            q.push_bind(tenant.as_str());
            q.push(" AND code = ").push_bind(code.as_str()).push(")");
        }
        q.push(")");
        let rows: Vec<(String, String, String)> =
            q.build_query_as().persistent(false).fetch_all(pool).await?;
        for (tenant, code, partner) in rows {
            let partner = serde_json::from_str(&partner)
                .map_err(|e| StoreError::Corrupt(format!("bad product partner: {e}")))?;
            partners.insert((tenant, code), partner);
        }
    }
    for (tenant, order) in &mut orders {
        let tenant = tenant.to_string();
        order.partner = order
            .items
            .iter()
            .find_map(|i| partners.get(&(tenant.clone(), i.product_code.clone())))
            .cloned();
    }
    Ok(orders)
}

pub(crate) async fn order(pool: &Pool<Db>, tenant_id: Uuid, order_no: &str) -> Result<Option<Order>> {
    let row: Option<OrderRow> =
        sqlx::query_as(concat!(order_select!(), "WHERE tenant_id = $1 AND order_no = $2"))
            .bind(tenant_id.to_string())
            .bind(order_no)
            .fetch_optional(pool)
            .await?;
    Ok(with_partners(pool, row.into_iter().collect())
        .await?
        .pop()
        .map(|(_, o)| o))
}

/// A member's orders in this shop, newest first.
pub(crate) async fn orders_of_member(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    member_id: &str,
    limit: i64,
) -> Result<Vec<Order>> {
    let rows: Vec<OrderRow> = sqlx::query_as(concat!(
        order_select!(),
        "WHERE tenant_id = $1 AND buyer_id = $2 ORDER BY placed_at DESC, order_no DESC LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(member_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(with_partners(pool, rows)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect())
}

/// A member's orders in every shop, newest first, with the shop each is from. Only the
/// platform's official desk asks this (CH-2).
pub(crate) async fn orders_of_member_everywhere(
    pool: &Pool<Db>,
    member_id: &str,
    limit: i64,
) -> Result<Vec<(Uuid, Order)>> {
    let rows: Vec<OrderRow> = sqlx::query_as(concat!(
        order_select!(),
        "WHERE buyer_id = $1 ORDER BY placed_at DESC, order_no DESC LIMIT $2"
    ))
    .bind(member_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    with_partners(pool, rows).await
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

/// Opens a handoff case and records it in the conversation's event log, in one transaction.
pub(crate) async fn create_handoff(pool: &Pool<Db>, new: &NewHandoff<'_>) -> Result<HandoffCase> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let tenant = new.tenant_id.to_string();
    let conversation = new.conversation_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let buyer_name: (String,) =
        sqlx::query_as("SELECT buyer_name FROM conversations WHERE id = $1 AND tenant_id = $2")
            .bind(&conversation)
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("conversation"))?;
    sqlx::query(
        "INSERT INTO handoff_cases (id, tenant_id, conversation_id, order_no, partner_name, \
         handoff_url, shared, note, status, due_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11)",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(&conversation)
    .bind(new.order_no)
    .bind(&new.partner.name)
    .bind(&new.partner.handoff_url)
    .bind(new.shared.to_string())
    .bind(new.note)
    .bind(new.due_at)
    .bind(new.created_by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(unique_as_conflict("handoff_exists"))?;
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::HandedOff,
        SenderKind::Agent,
        Some(new.created_by.to_string()),
        None,
        serde_json::json!({
            "case_id": id,
            "order_no": new.order_no,
            "partner": new.partner.name,
            "due_at": new.due_at,
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HandoffCase {
        id,
        conversation_id: new.conversation_id,
        order_no: new.order_no.to_owned(),
        partner_name: new.partner.name.clone(),
        handoff_url: new.partner.handoff_url.clone(),
        shared: new.shared.clone(),
        note: new.note.to_owned(),
        status: "open".to_owned(),
        due_at: new.due_at,
        created_by: new.created_by,
        created_at: now,
        closed_at: None,
        resolution: String::new(),
        buyer_name: buyer_name.0,
    })
}

macro_rules! handoff_select {
    () => {
        "SELECT h.id, h.conversation_id, h.order_no, h.partner_name, h.handoff_url, h.shared, \
         h.note, h.status, h.due_at, h.created_by, h.created_at, h.closed_at, h.resolution, \
         c.buyer_name FROM handoff_cases h JOIN conversations c ON c.id = h.conversation_id "
    };
}

pub(crate) async fn handoffs(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Vec<HandoffCase>> {
    let rows: Vec<HandoffRow> = sqlx::query_as(concat!(
        handoff_select!(),
        "WHERE h.tenant_id = $1 AND h.conversation_id = $2 ORDER BY h.created_at DESC"
    ))
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The shop's handoff cases: open ones by due date, or all, newest first.
pub(crate) async fn handoff_cases(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<HandoffCase>> {
    let rows: Vec<HandoffRow> = sqlx::query_as(concat!(
        handoff_select!(),
        "WHERE h.tenant_id = $1 AND ($2 = 'all' OR h.status = $2) \
         ORDER BY CASE WHEN h.status = 'open' THEN 0 ELSE 1 END, \
         CASE WHEN h.status = 'open' THEN h.due_at ELSE -h.created_at END LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(status.unwrap_or("all"))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Closes an open case with its resolution; `Conflict("handoff_closed")` when it already was.
pub(crate) async fn close_handoff(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    resolution: &str,
) -> Result<HandoffCase> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let closed = sqlx::query(
        "UPDATE handoff_cases SET status = 'closed', closed_at = $1, resolution = $2 \
         WHERE id = $3 AND tenant_id = $4 AND status = 'open'",
    )
    .bind(now_ms())
    .bind(resolution)
    .bind(id.to_string())
    .bind(&tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let row: Option<HandoffRow> = sqlx::query_as(concat!(
        handoff_select!(),
        "WHERE h.id = $1 AND h.tenant_id = $2"
    ))
    .bind(id.to_string())
    .bind(&tenant)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    match (row, closed) {
        (None, _) => Err(StoreError::NotFound("handoff")),
        (Some(_), 0) => Err(StoreError::Conflict("handoff_closed")),
        (Some(row), _) => row.try_into(),
    }
}

pub(crate) async fn add_buyer_note(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer_id: Uuid,
    author: &User,
    body: &str,
) -> Result<BuyerNote> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO buyer_notes (id, tenant_id, buyer_id, author_id, body, created_at) \
         SELECT $1, $2, b.id, $4, $5, $6 FROM buyers b WHERE b.id = $3 AND b.tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .bind(buyer_id.to_string())
    .bind(author.id.to_string())
    .bind(body)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::NotFound("buyer"));
    }
    Ok(BuyerNote {
        id,
        buyer_id,
        author_id: author.id,
        author_name: author.display_name.clone(),
        body: body.to_owned(),
        created_at: now,
    })
}

/// A buyer's notes, newest first.
pub(crate) async fn buyer_notes(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer_id: Uuid,
) -> Result<Vec<BuyerNote>> {
    let rows: Vec<NoteRow> = sqlx::query_as(
        "SELECT n.id, n.buyer_id, n.author_id, u.display_name AS author_name, n.body, \
         n.created_at FROM buyer_notes n JOIN users u ON u.id = n.author_id \
         WHERE n.tenant_id = $1 AND n.buyer_id = $2 ORDER BY n.created_at DESC, n.id DESC",
    )
    .bind(tenant_id.to_string())
    .bind(buyer_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

fn unique_as_conflict(code: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(code),
        _ => StoreError::Database(e),
    }
}
