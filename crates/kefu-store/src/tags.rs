//! Tags (WB-5): a shop's custom tags and each conversation's tags (SQL: `sql/tags.rs`).

use kefu_domain::conversation::ConversationSummary;
use kefu_domain::tags::Tag;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

impl Store {
    pub async fn custom_tags(&self, tenant_id: Uuid) -> Result<Vec<Tag>> {
        dispatch!(self, tags::custom_tags(tenant_id))
    }

    pub async fn add_custom_tag(
        &self,
        tenant_id: Uuid,
        key: &str,
        name: &str,
        audit: impl FnOnce(&Tag) -> Vec<NewAudit> + Send,
    ) -> Result<Tag> {
        dispatch!(self, tags::add_custom_tag(tenant_id, key, name, audit))
    }

    /// Replaces a conversation's tags (keys already checked by the caller).
    pub async fn set_conversation_tags(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        tags: &[String],
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            tags::set_conversation_tags(tenant_id, conversation_id, tags, by)
        )
    }
}
