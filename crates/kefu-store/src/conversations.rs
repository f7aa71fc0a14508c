//! Conversations: opening, reading, resolving, reopening, assigning and transferring, and
//! their event log (SQL: `sql/conversations.rs`).

use kefu_domain::account::Buyer;
use kefu_domain::channel::Entry;
use kefu_domain::commerce::EntryContext;
use kefu_domain::conversation::{ConversationEvent, ConversationStatus, ConversationSummary};
use uuid::Uuid;

use crate::{Result, Store};

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Only(ConversationStatus),
    All,
}

/// A conversation to open for a buyer's first message, with what the router and the robot
/// decided before it existed (its team; whether the robot serves it).
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub buyer: Buyer,
    pub entry: Entry,
    pub team: Option<String>,
    pub robot_active: bool,
}

impl Store {
    /// Opens conversations for many buyers in one transaction (one commit for a burst of
    /// first messages); a buyer who already has a current conversation gets it back as it is.
    /// Answers in the order asked.
    pub async fn open_conversations(
        &self,
        batch: &[NewConversation],
    ) -> Result<Vec<ConversationSummary>> {
        dispatch!(self, conversations::open_conversations(batch))
    }

    /// The buyer's current conversation, created (with its `created` event) if there is none.
    pub async fn open_conversation(
        &self,
        tenant_id: Uuid,
        buyer: &Buyer,
        entry: Entry,
        context: &EntryContext,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            conversations::open_conversation(tenant_id, buyer, entry, context)
        )
    }

    pub async fn current_conversation(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            conversations::current_conversation(tenant_id, buyer_id)
        )
    }

    pub async fn conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(self, conversations::conversation(tenant_id, id))
    }

    pub async fn list_conversations(
        &self,
        tenant_id: Uuid,
        filter: StatusFilter,
        tag: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        dispatch!(
            self,
            conversations::list_conversations(tenant_id, filter, tag, limit)
        )
    }

    /// The conversations of `ids` (at most 400; another shop's are left out), newest
    /// activity first.
    pub async fn conversations_by_ids(
        &self,
        tenant_id: Uuid,
        ids: &[Uuid],
    ) -> Result<Vec<ConversationSummary>> {
        dispatch!(self, conversations::conversations_by_ids(tenant_id, ids))
    }

    /// Open conversations waiting for an agent or (not `waiting`) with one, longest waiting
    /// first (DATA-1).
    pub async fn open_conversation_ids(
        &self,
        tenant_id: Uuid,
        waiting: bool,
        limit: i64,
    ) -> Result<Vec<Uuid>> {
        dispatch!(
            self,
            conversations::open_conversation_ids(tenant_id, waiting, limit)
        )
    }

    pub async fn conversations_of_buyer(
        &self,
        tenant_id: Uuid,
        buyer_id: Uuid,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        dispatch!(
            self,
            conversations::conversations_of_buyer(tenant_id, buyer_id, limit)
        )
    }

    /// The team read up to `seq`: the unread count drops to the buyer messages after it.
    pub async fn mark_read_by_agent(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        seq: i64,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::mark_read_by_agent(tenant_id, id, seq))
    }

    pub async fn mark_read_by_buyer(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        seq: i64,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::mark_read_by_buyer(tenant_id, id, seq))
    }

    /// Open → resolved, logged. Resolving a resolved conversation changes nothing.
    /// The buyer ends their own open conversation (resolved, the buyer the actor); callers
    /// check the conversation is theirs.
    pub async fn end_by_buyer(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        buyer: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::end_by_buyer(tenant_id, id, buyer))
    }

    pub async fn resolve_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::resolve_conversation(tenant_id, id, by))
    }

    /// Resolved → open by an agent, logged; a new first-response cycle starts.
    pub async fn reopen_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(self, conversations::reopen_conversation(tenant_id, id, by))
    }

    /// Gives the conversation to `assignee` (a user of the same tenant), logged.
    pub async fn assign_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        assignee: Uuid,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            conversations::assign_conversation(tenant_id, id, assignee, by)
        )
    }

    pub async fn transfer_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        to_user: Option<Uuid>,
        to_team: Option<&str>,
        note: &str,
        by: Uuid,
    ) -> Result<ConversationSummary> {
        dispatch!(
            self,
            conversations::transfer_conversation(tenant_id, id, to_user, to_team, note, by)
        )
    }

    /// The waits (ms) of the shop's first replies since `since`, newest first, at most
    /// `limit`: what the chat page's typical response time is measured from (issue #17).
    pub async fn recent_first_reply_waits(
        &self,
        tenant_id: Uuid,
        since: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        dispatch!(
            self,
            conversations::recent_first_reply_waits(tenant_id, since, limit)
        )
    }

    pub async fn conversation_events(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> Result<Vec<ConversationEvent>> {
        dispatch!(self, conversations::conversation_events(tenant_id, id))
    }

    /// Moves a conversation's whole history back by `by_ms` (demo seeding).
    pub async fn shift_conversation_back(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by_ms: i64,
    ) -> Result<()> {
        dispatch!(
            self,
            conversations::shift_conversation_back(tenant_id, id, by_ms)
        )
    }
}
