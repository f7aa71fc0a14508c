//! The SQL of tags (WB-5): a shop's custom tags and the tags on each conversation.

use kefu_domain::conversation::{ConversationSummary, EventKind};
use kefu_domain::message::SenderKind;
use kefu_domain::tags::Tag;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::conversations::{conversation_in, insert_event};
use super::{BEGIN_WRITE, Db};
use crate::rows::to_json;
use crate::{NewAudit, Result, StoreError, unique_as_conflict};

pub(crate) async fn custom_tags(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<Tag>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT tag_key, name FROM custom_tags WHERE tenant_id = $1 ORDER BY created_at, tag_key",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, name)| Tag {
            key,
            name,
            group: "custom".to_owned(),
            builtin: false,
        })
        .collect())
}

pub(crate) async fn add_custom_tag(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    key: &str,
    name: &str,
    audit: impl FnOnce(&Tag) -> Vec<NewAudit> + Send,
) -> Result<Tag> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO custom_tags (tenant_id, tag_key, name, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant_id.to_string())
    .bind(key)
    .bind(name)
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .map_err(unique_as_conflict("tag_exists"))?;
    let tag = Tag {
        key: key.to_owned(),
        name: name.to_owned(),
        group: "custom".to_owned(),
        builtin: false,
    };
    append_all(&mut tx, audit(&tag)).await?;
    tx.commit().await?;
    Ok(tag)
}

pub(crate) async fn set_conversation_tags(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    tags: &[String],
    by: Uuid,
) -> Result<ConversationSummary> {
    let (tenant, id) = (tenant_id.to_string(), conversation_id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let current: Option<(String,)> =
        sqlx::query_as("SELECT tags FROM conversations WHERE id = $1 AND tenant_id = $2")
            .bind(&id)
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((current,)) = current else {
        return Err(StoreError::NotFound("conversation"));
    };
    let before: Vec<String> = serde_json::from_str(&current)
        .map_err(|e| StoreError::Corrupt(format!("conversation tags: {e}")))?;
    let added: Vec<&String> = tags.iter().filter(|t| !before.contains(t)).collect();
    let removed: Vec<&String> = before.iter().filter(|t| !tags.contains(t)).collect();
    if added.is_empty() && removed.is_empty() {
        let summary = conversation_in(&mut tx, &tenant, &id).await?;
        tx.commit().await?;
        return summary.ok_or(StoreError::NotFound("conversation"));
    }
    for tag in &removed {
        sqlx::query("DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag_key = $2")
            .bind(&id)
            .bind(tag.as_str())
            .execute(&mut *tx)
            .await?;
    }
    for tag in &added {
        sqlx::query(
            "INSERT INTO conversation_tags (conversation_id, tag_key, tenant_id, tagged_by, \
             tagged_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(tag.as_str())
        .bind(&tenant)
        .bind(by.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE conversations SET tags = $1, updated_at = $2 WHERE id = $3")
        .bind(to_json(&tags)?)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    insert_event(
        &mut tx,
        &tenant,
        &id,
        EventKind::Tagged,
        SenderKind::Agent,
        Some(by.to_string()),
        None,
        serde_json::json!({ "added": added, "removed": removed }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &id).await?;
    tx.commit().await?;
    summary.ok_or(StoreError::NotFound("conversation"))
}
