//! Keeping spam out (WB-6, issue #17): blocked buyers, and conversations closed as invalid
//! and restored (SQL: `sql/blocklist.rs`).

use kefu_domain::conversation::ConversationSummary;
use kefu_domain::intake::{Block, BlockKind};
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A buyer to block: why, a note, until when (none: until lifted), by whom.
#[derive(Debug, Clone)]
pub struct NewBlock<'a> {
    pub buyer_id: Uuid,
    pub kind: BlockKind,
    pub note: &'a str,
    pub expires_at: Option<i64>,
    pub by: Uuid,
}

impl Store {
    /// Blocks a buyer and closes their current conversation as invalid, with the audit entry,
    /// in one transaction: the block and the conversation if it changed; `None` when the
    /// buyer is not the tenant's.
    pub async fn block_buyer(
        &self,
        tenant_id: Uuid,
        block: &NewBlock<'_>,
        audit: impl FnOnce(&Block) -> Vec<NewAudit> + Send,
    ) -> Result<Option<(Block, Option<ConversationSummary>)>> {
        dispatch!(self, blocklist::block_buyer(tenant_id, block, audit))
    }

    /// Lifts a block (once; audited) and restores the buyer's invalid conversations as
    /// resolved; `None` when there is no such block.
    pub async fn lift_block(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
        audit: impl FnOnce(&Block) -> Vec<NewAudit> + Send,
    ) -> Result<Option<(Block, Vec<ConversationSummary>)>> {
        dispatch!(self, blocklist::lift_block(tenant_id, id, by, audit))
    }

    /// The shop's blocks, newest first, lifted and expired ones too.
    pub async fn blocks(&self, tenant_id: Uuid, limit: i64) -> Result<Vec<Block>> {
        dispatch!(self, blocklist::blocks(tenant_id, limit))
    }

    /// The block in force on a buyer at `now`, if any.
    pub async fn active_block(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
        now: i64,
    ) -> Result<Option<Block>> {
        dispatch!(self, blocklist::active_block(tenant_id, buyer_id, now))
    }

    /// Closes a conversation as invalid for `reason` (the intake filter's); the conversation
    /// when it changed.
    pub async fn invalidate_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        reason: &str,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            blocklist::invalidate_conversation(tenant_id, id, reason)
        )
    }

    /// Counts an invalid conversation again, open for the team (audited); `None` when it is
    /// not invalid.
    pub async fn restore_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
        audit: impl FnOnce(&ConversationSummary) -> Vec<NewAudit> + Send,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            blocklist::restore_conversation(tenant_id, id, by, audit)
        )
    }
}
