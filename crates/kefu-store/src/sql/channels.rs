//! The SQL of channels (issue #21).

use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::channels::{ChannelChange, ChannelMove, ChannelRow, ChannelSeen, NewChannel};
use crate::rows::uuid;
use crate::{Field, NewAudit, NewDelivery, Result, Vault, unique_as_conflict};

macro_rules! channel_columns {
    () => {
        "id, tenant_id, kind, name, public_id, settings, secrets, paused, token_expires_at, \
         last_in_at, last_out_at, last_error, last_error_at, created_at, updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    tenant_id: String,
    kind: String,
    name: String,
    public_id: String,
    settings: String,
    secrets: String,
    paused: bool,
    token_expires_at: Option<i64>,
    last_in_at: Option<i64>,
    last_out_at: Option<i64>,
    last_error: String,
    last_error_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn open(self, vault: &Vault) -> Result<ChannelRow> {
        let secrets = vault.open(Field::ChannelSecrets, &self.id, &self.secrets)?;
        Ok(ChannelRow {
            id: uuid(&self.id)?,
            tenant_id: uuid(&self.tenant_id)?,
            kind: self.kind,
            name: self.name,
            public_id: self.public_id,
            settings: crate::rows::json(&self.settings, "channel settings")?,
            secrets: crate::rows::json(&secrets, "channel secrets")?,
            paused: self.paused,
            token_expires_at: self.token_expires_at,
            last_in_at: self.last_in_at,
            last_out_at: self.last_out_at,
            last_error: self.last_error,
            last_error_at: self.last_error_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) async fn create_channel(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    new: &NewChannel<'_>,
    audit: impl FnOnce(&ChannelRow) -> Vec<NewAudit> + Send,
) -> Result<ChannelRow> {
    let id = Uuid::now_v7().to_string();
    let secrets = vault.seal(Field::ChannelSecrets, &id, &new.secrets.to_string())?;
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: Row = sqlx::query_as(concat!(
        "INSERT INTO channels (id, tenant_id, kind, name, public_id, settings, secrets, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ",
        channel_columns!()
    ))
    .bind(&id)
    .bind(tenant_id.to_string())
    .bind(new.kind)
    .bind(new.name)
    .bind(new.public_id)
    .bind(new.settings.to_string())
    .bind(secrets)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_as_conflict("channel_exists"))?;
    let created = row.open(vault)?;
    append_all(&mut tx, audit(&created)).await?;
    tx.commit().await?;
    Ok(created)
}

pub(crate) async fn channels(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Option<Uuid>,
    id: Option<Uuid>,
) -> Result<Vec<ChannelRow>> {
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        channel_columns!(),
        " FROM channels WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR id = $2) \
         ORDER BY created_at, id"
    ))
    .bind(tenant_id.map(|t| t.to_string()))
    .bind(id.map(|i| i.to_string()))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| r.open(vault)).collect()
}

pub(crate) async fn update_channel(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    id: Uuid,
    change: ChannelChange<'_>,
    audit: impl FnOnce(&ChannelRow) -> Vec<NewAudit> + Send,
) -> Result<Option<ChannelRow>> {
    let secrets = change
        .secrets
        .map(|s| vault.seal(Field::ChannelSecrets, &id.to_string(), &s.to_string()))
        .transpose()?;
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: Option<Row> = sqlx::query_as(concat!(
        "UPDATE channels SET name = COALESCE($1, name), paused = COALESCE($2, paused), \
         settings = COALESCE($6, settings), secrets = COALESCE($7, secrets), \
         access_token = CASE WHEN $8 THEN NULL ELSE access_token END, \
         token_expires_at = CASE WHEN $8 THEN NULL ELSE token_expires_at END, \
         updated_at = $3 WHERE tenant_id = $4 AND id = $5 RETURNING ",
        channel_columns!()
    ))
    .bind(change.name)
    .bind(change.paused)
    .bind(now_ms())
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .bind(change.settings.map(|s| s.to_string()))
    .bind(secrets)
    .bind(change.forget_token)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let updated = row.open(vault)?;
    append_all(&mut tx, audit(&updated)).await?;
    tx.commit().await?;
    Ok(Some(updated))
}

pub(crate) async fn delete_channel(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    audit: impl FnOnce() -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    // Its cursors go with it (SQLite keeps foreign keys only where a connection asks).
    sqlx::query(
        "DELETE FROM channel_cursors WHERE channel_id IN \
         (SELECT id FROM channels WHERE tenant_id = $1 AND id = $2)",
    )
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query("DELETE FROM channels WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Ok(false);
    }
    append_all(&mut tx, audit()).await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn channel_seen(
    pool: &Pool<Db>,
    id: Uuid,
    seen: ChannelSeen<'_>,
    at: i64,
) -> Result<()> {
    let id = id.to_string();
    let query = match seen {
        ChannelSeen::In => sqlx::query(
            "UPDATE channels SET last_in_at = $1 WHERE id = $2 \
             AND (last_in_at IS NULL OR last_in_at < $1)",
        )
        .bind(at)
        .bind(&id),
        ChannelSeen::Out => sqlx::query(
            "UPDATE channels SET last_out_at = $1 WHERE id = $2 \
             AND (last_out_at IS NULL OR last_out_at < $1)",
        )
        .bind(at)
        .bind(&id),
        ChannelSeen::Error(error) => {
            sqlx::query("UPDATE channels SET last_error_at = $1, last_error = $2 WHERE id = $3")
                .bind(at)
                .bind(error.chars().take(300).collect::<String>())
                .bind(&id)
        }
    };
    query.execute(pool).await?;
    Ok(())
}

pub(crate) async fn channel_token(
    pool: &Pool<Db>,
    vault: &Vault,
    id: Uuid,
) -> Result<Option<(String, i64)>> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT access_token, token_expires_at FROM channels WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?;
    match row {
        Some((Some(sealed), Some(expires_at))) => Ok(Some((
            vault.open(Field::ChannelAccessToken, &id.to_string(), &sealed)?,
            expires_at,
        ))),
        _ => Ok(None),
    }
}

pub(crate) async fn save_channel_token(
    pool: &Pool<Db>,
    vault: &Vault,
    id: Uuid,
    token: &str,
    expires_at: i64,
) -> Result<()> {
    let sealed = vault.seal(Field::ChannelAccessToken, &id.to_string(), token)?;
    sqlx::query("UPDATE channels SET access_token = $1, token_expires_at = $2 WHERE id = $3")
        .bind(sealed)
        .bind(expires_at)
        .bind(id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn channel_cursor(pool: &Pool<Db>, id: Uuid, scope: &str) -> Result<String> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT cursor FROM channel_cursors WHERE channel_id = $1 AND scope = $2")
            .bind(id.to_string())
            .bind(scope)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(c,)| c).unwrap_or_default())
}

pub(crate) async fn save_channel_cursor(
    pool: &Pool<Db>,
    id: Uuid,
    scope: &str,
    (from, to): (&str, &str),
    at: i64,
) -> Result<bool> {
    let saved = sqlx::query(
        "INSERT INTO channel_cursors (channel_id, scope, cursor, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (channel_id, scope) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at \
         WHERE channel_cursors.cursor = $5",
    )
    .bind(id.to_string())
    .bind(scope)
    .bind(to)
    .bind(at)
    .bind(from)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(saved > 0)
}

pub(crate) async fn channel_cursors(pool: &Pool<Db>, kind: &str) -> Result<Vec<(Uuid, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT k.channel_id, k.scope FROM channel_cursors k JOIN channels c ON c.id = k.channel_id \
         WHERE c.kind = $1 ORDER BY k.channel_id, k.scope",
    )
    .bind(kind)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, scope)| Ok((uuid(&id)?, scope)))
        .collect()
}

pub(crate) async fn prune_channel_cursors(
    pool: &Pool<Db>,
    prefix: &str,
    before: i64,
) -> Result<u64> {
    let removed = sqlx::query(
        "DELETE FROM channel_cursors WHERE substr(scope, 1, length($1)) = $1 AND updated_at < $2",
    )
    .bind(prefix)
    .bind(before)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(removed)
}

pub(crate) async fn buyer_sent(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    buyer_id: Uuid,
    client_msg_id: &str,
) -> Result<bool> {
    let found: Option<(String,)> = sqlx::query_as(
        "SELECT m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.tenant_id = $1 AND c.buyer_id = $2 AND m.sender_id = $2 AND m.client_msg_id = $3 LIMIT 1",
    )
    .bind(tenant_id.to_string())
    .bind(buyer_id.to_string())
    .bind(client_msg_id)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

pub(crate) async fn queue_channel_deliveries(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    deliveries: &[NewDelivery],
    due_at: i64,
) -> Result<Vec<Uuid>> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let mut ids = Vec::with_capacity(deliveries.len());
    for d in deliveries {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO notify_deliveries (id, tenant_id, channel, target, event, body, status, \
             attempts, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8)",
        )
        .bind(id.to_string())
        .bind(tenant_id.to_string())
        .bind(d.channel)
        .bind(&d.target)
        .bind(d.event)
        .bind(&d.body)
        .bind(due_at)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}

pub(crate) async fn sent_since(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    since: i64,
) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM messages WHERE tenant_id = $1 AND conversation_id = $2 \
         AND sender_kind <> 'buyer' AND kind <> 'rating' AND created_at > $3",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .bind(since)
    .fetch_one(pool)
    .await?;
    Ok(n)
}

pub(crate) async fn create_channel_move(pool: &Pool<Db>, new: &ChannelMove) -> Result<()> {
    sqlx::query(
        "INSERT INTO channel_moves (token, tenant_id, channel_id, conversation_id, buyer_id, \
         moved_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&new.token)
    .bind(new.tenant_id.to_string())
    .bind(new.channel_id.to_string())
    .bind(new.conversation_id.to_string())
    .bind(new.buyer_id.to_string())
    .bind(new.moved_by.map(|u| u.to_string()))
    .bind(new.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn take_channel_move(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    channel_id: Uuid,
    token: &str,
    taken_by: Uuid,
) -> Result<Option<bool>> {
    let tenant = tenant_id.to_string();
    let channel = channel_id.to_string();
    let buyer = taken_by.to_string();
    let taken = sqlx::query(
        "UPDATE channel_moves SET taken_at = $1, taken_by = $2 WHERE token = $3 \
         AND tenant_id = $4 AND channel_id = $5 AND taken_at IS NULL",
    )
    .bind(now_ms())
    .bind(&buyer)
    .bind(token)
    .bind(&tenant)
    .bind(&channel)
    .execute(pool)
    .await?
    .rows_affected();
    if taken > 0 {
        return Ok(Some(true));
    }
    let by: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT taken_by FROM channel_moves WHERE token = $1 AND tenant_id = $2 \
         AND channel_id = $3",
    )
    .bind(token)
    .bind(&tenant)
    .bind(&channel)
    .fetch_optional(pool)
    .await?;
    Ok(match by {
        Some((Some(by),)) if by == buyer => Some(false),
        _ => None,
    })
}

pub(crate) async fn prune_untaken_channel_moves(pool: &Pool<Db>, before: i64) -> Result<u64> {
    let removed =
        sqlx::query("DELETE FROM channel_moves WHERE taken_at IS NULL AND created_at < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected();
    Ok(removed)
}

pub(crate) async fn channel_move(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    channel_id: Uuid,
    token: &str,
) -> Result<Option<ChannelMove>> {
    type MoveRow = (
        String,
        String,
        String,
        Option<String>,
        i64,
        Option<i64>,
        Option<String>,
    );
    let row: Option<MoveRow> = sqlx::query_as(
        "SELECT token, conversation_id, buyer_id, moved_by, created_at, taken_at, taken_by \
         FROM channel_moves WHERE token = $1 AND tenant_id = $2 AND channel_id = $3",
    )
    .bind(token)
    .bind(tenant_id.to_string())
    .bind(channel_id.to_string())
    .fetch_optional(pool)
    .await?;
    let Some((token, conversation, buyer, moved_by, created_at, taken_at, taken)) = row else {
        return Ok(None);
    };
    Ok(Some(ChannelMove {
        token,
        tenant_id,
        channel_id,
        conversation_id: uuid(&conversation)?,
        buyer_id: uuid(&buyer)?,
        moved_by: moved_by.as_deref().map(uuid).transpose()?,
        created_at,
        taken_at,
        taken_by: taken.as_deref().map(uuid).transpose()?,
    }))
}
