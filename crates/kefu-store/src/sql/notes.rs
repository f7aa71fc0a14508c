//! The SQL of notes: agents' internal notes on a conversation (WB-1) and notes on a buyer
//! (CH-6).

use kefu_domain::account::User;
use kefu_domain::commerce::BuyerNote;
use kefu_domain::conversation::InternalNote;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::Db;
use crate::rows::{NoteRow, to_json, uuid};
use crate::{Result, StoreError};

pub(crate) async fn add_note(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    author: &User,
    body: &str,
    mentions: &[Uuid],
    whisper: bool,
) -> Result<InternalNote> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO conversation_notes (id, tenant_id, conversation_id, author_id, body, \
         mentions, whisper, created_at) SELECT $1, $2, c.id, $4, $5, $6, $7, $8 \
         FROM conversations c WHERE c.id = $3 AND c.tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .bind(author.id.to_string())
    .bind(body)
    .bind(to_json(&mentions)?)
    .bind(whisper)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::NotFound("conversation"));
    }
    Ok(InternalNote {
        id,
        conversation_id,
        author_id: author.id,
        author_name: author.display_name.clone(),
        body: body.to_owned(),
        mentions: mentions.to_vec(),
        whisper,
        created_at: now,
    })
}

pub(crate) async fn notes(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Vec<InternalNote>> {
    let rows: Vec<(String, String, String, String, String, bool, i64)> = sqlx::query_as(
        "SELECT n.id, n.author_id, u.display_name, n.body, n.mentions, n.whisper, n.created_at \
         FROM conversation_notes n JOIN users u ON u.id = n.author_id \
         WHERE n.tenant_id = $1 AND n.conversation_id = $2 ORDER BY n.created_at, n.id",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(id, author, author_name, body, mentions, whisper, created_at)| {
                Ok(InternalNote {
                    id: uuid(&id)?,
                    conversation_id,
                    author_id: uuid(&author)?,
                    author_name,
                    body,
                    mentions: serde_json::from_str(&mentions)
                        .map_err(|e| StoreError::Corrupt(format!("note mentions: {e}")))?,
                    whisper,
                    created_at,
                })
            },
        )
        .collect()
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
