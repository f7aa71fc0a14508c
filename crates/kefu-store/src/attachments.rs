//! Attachments: an upload's metadata, where its bytes are, and the sweep of uploads nothing
//! carries (SQL: `sql/attachments.rs`).

use kefu_domain::message::Attachment;
use uuid::Uuid;

use crate::{Result, Store};

/// A file's metadata, recorded after its bytes are safely on disk.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub uploader_kind: &'a str,
    pub uploader_id: Uuid,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
}

/// Where an attachment's bytes live, for serving them.
#[derive(Debug, Clone)]
pub struct StoredAttachment {
    pub attachment: Attachment,
    pub tenant_id: Uuid,
    pub storage_key: String,
}

impl Store {
    pub async fn insert_attachment(&self, new: &NewAttachment<'_>) -> Result<Attachment> {
        dispatch!(self, attachments::insert_attachment(new))
    }

    pub async fn attachment(&self, id: Uuid) -> Result<Option<StoredAttachment>> {
        dispatch!(self, attachments::attachment(id))
    }

    /// Uploads older than `created_before` that no message carries (at most 1,000 a call):
    /// `(id, storage key)`.
    pub async fn unsent_attachments(&self, created_before: i64) -> Result<Vec<(Uuid, String)>> {
        dispatch!(self, attachments::unsent_attachments(created_before))
    }

    /// Forgets an upload, unless a message carries it by now. True when it was deleted.
    pub async fn delete_unsent_attachment(&self, id: Uuid) -> Result<bool> {
        dispatch!(self, attachments::delete_unsent_attachment(id))
    }
}
