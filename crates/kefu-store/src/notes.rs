//! Notes: internal notes on a conversation (WB-1) and notes on a buyer (CH-6) (SQL:
//! `sql/notes.rs`).

use kefu_domain::account::User;
use kefu_domain::commerce::BuyerNote;
use kefu_domain::conversation::InternalNote;
use uuid::Uuid;

use crate::{Result, Store};

impl Store {
    pub async fn add_note(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        author: &User,
        body: &str,
        mentions: &[Uuid],
        whisper: bool,
    ) -> Result<InternalNote> {
        dispatch!(
            self,
            notes::add_note(tenant_id, conversation_id, author, body, mentions, whisper)
        )
    }

    pub async fn notes(&self, tenant_id: Uuid, conversation_id: Uuid) -> Result<Vec<InternalNote>> {
        dispatch!(self, notes::notes(tenant_id, conversation_id))
    }

    pub async fn add_buyer_note(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
        author: &User,
        body: &str,
    ) -> Result<BuyerNote> {
        dispatch!(
            self,
            notes::add_buyer_note(tenant_id, buyer_id, author, body)
        )
    }

    pub async fn buyer_notes(&self, tenant_id: Uuid, buyer_id: Uuid) -> Result<Vec<BuyerNote>> {
        dispatch!(self, notes::buyer_notes(tenant_id, buyer_id))
    }
}
