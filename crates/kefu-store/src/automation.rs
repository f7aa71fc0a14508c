//! Automatic replies (WB-2, issue #17): each shop's document, and when each reply last went
//! out in a conversation (SQL: `sql/automation.rs`).

use kefu_domain::automation::AutoReplies;
use kefu_domain::channel::Channel;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// An assigned conversation whose buyer has waited for the agent, for the idle nudge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleConversation {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub channel: Channel,
    /// Since when the agent has owed a reply: the buyer's last message or the assignment,
    /// whichever came later.
    pub waiting_since: i64,
    /// The agent's last message in it (0: none): a nudge goes out once after it.
    pub last_agent_at: i64,
}

impl Store {
    /// The shop's automatic replies (all off when it never saved any) and when they were
    /// saved (0: never), which is their version.
    pub async fn auto_replies(&self, tenant_id: Uuid) -> Result<(AutoReplies, i64)> {
        dispatch!(self, automation::auto_replies(tenant_id))
    }

    /// Saves the shop's automatic replies (checked by the caller) with their audit entries;
    /// returns their new version.
    pub async fn set_auto_replies(
        &self,
        tenant_id: Uuid,
        replies: &AutoReplies,
        audit: impl FnOnce(&AutoReplies) -> Vec<NewAudit> + Send,
    ) -> Result<i64> {
        dispatch!(
            self,
            automation::set_auto_replies(tenant_id, replies, audit)
        )
    }

    /// Records that `rule` goes out in the conversation now, unless it already went out at
    /// or after `not_since`: true when this caller is the one to send it (once, across
    /// processes).
    pub async fn claim_automation(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        rule: &str,
        not_since: i64,
        now: i64,
    ) -> Result<bool> {
        dispatch!(
            self,
            automation::claim_automation(tenant_id, conversation_id, rule, not_since, now)
        )
    }

    /// Open, assigned conversations of shops with automatic replies whose buyer has waited
    /// since `waiting_before` or longer with no nudge since the agent last wrote (at most
    /// `limit`, longest waiting first).
    pub async fn idle_conversations(
        &self,
        waiting_before: i64,
        limit: i64,
    ) -> Result<Vec<IdleConversation>> {
        dispatch!(self, automation::idle_conversations(waiting_before, limit))
    }
}
