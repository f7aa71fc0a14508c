//! The SQL of attachments: an upload's metadata, and the sweep of uploads that nothing
//! carries.

use kefu_domain::message::Attachment;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::Db;
use crate::rows::{AttachmentRow, uuid};
use crate::{NewAttachment, Result, StoredAttachment};

pub(crate) async fn insert_attachment(
    pool: &Pool<Db>,
    new: &NewAttachment<'_>,
) -> Result<Attachment> {
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
                         AND k.body LIKE '%' || a.id || '%') \
         AND NOT EXISTS (SELECT 1 FROM phrases p WHERE p.tenant_id = a.tenant_id \
                         AND p.image_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM work_order_events w WHERE w.attachment_id = a.id) \
         AND NOT EXISTS (SELECT 1 FROM arbitrations r WHERE r.shop_id = a.tenant_id \
                         AND r.body LIKE '%' || a.id || '%') \
         AND NOT EXISTS (SELECT 1 FROM appeals p WHERE p.filer_tenant_id = a.tenant_id \
                         AND p.body LIKE '%' || a.id || '%') \
         LIMIT 1000",
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
                         AND k.body LIKE '%' || $1 || '%') \
         AND NOT EXISTS (SELECT 1 FROM phrases p WHERE p.tenant_id = attachments.tenant_id \
                         AND p.image_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM work_order_events w WHERE w.attachment_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM arbitrations r WHERE r.shop_id = attachments.tenant_id \
                         AND r.body LIKE '%' || $1 || '%') \
         AND NOT EXISTS (SELECT 1 FROM appeals p WHERE p.filer_tenant_id = attachments.tenant_id \
                         AND p.body LIKE '%' || $1 || '%')",
    )
    .bind(id.to_string())
    .execute(pool)
    .await?
    .rows_affected();
    Ok(deleted > 0)
}
