//! A shop's documents of rules (issue #17: automatic replies, WB-2; the intake filter, WB-6),
//! and when each automatic reply last went out in a conversation (SQL: `sql/automation.rs`).

use kefu_domain::automation::AutoReplies;
use kefu_domain::channel::Channel;
use kefu_domain::intake::IntakeFilter;
use uuid::Uuid;

use crate::{NewAudit, Result, Store, StoreError};

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

/// A shop's document of rules, stored whole as JSON under its kind (issue #17).
pub trait ShopDocument: serde::Serialize + serde::de::DeserializeOwned + Default {
    const KIND: &'static str;
}

impl ShopDocument for AutoReplies {
    const KIND: &'static str = "auto_replies";
}

impl ShopDocument for IntakeFilter {
    const KIND: &'static str = "intake_filter";
}

impl Store {
    /// The shop's document of kind `T` (its default when it never saved one) and its version
    /// (0: never saved).
    pub async fn shop_document<T: ShopDocument>(&self, tenant_id: Uuid) -> Result<(T, i64)> {
        let stored = dispatch!(self, automation::shop_document(tenant_id, T::KIND))?;
        match stored {
            None => Ok((T::default(), 0)),
            Some((body, version)) => {
                let document = serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(format!("{} of {tenant_id}: {e}", T::KIND)))?;
                Ok((document, version))
            }
        }
    }

    /// Saves the shop's document (checked by the caller) with its audit entries, in one
    /// transaction; returns its new version.
    pub async fn set_shop_document<T: ShopDocument + Sync>(
        &self,
        tenant_id: Uuid,
        document: &T,
        audit: impl FnOnce(&T) -> Vec<NewAudit> + Send,
    ) -> Result<i64> {
        let body = serde_json::to_string(document)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", T::KIND)))?;
        let audit = audit(document);
        dispatch!(
            self,
            automation::set_shop_document(tenant_id, T::KIND, body, audit)
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

impl ShopDocument for kefu_domain::kpi::KpiRules {
    const KIND: &'static str = "kpi_rules";
}

impl ShopDocument for kefu_domain::qa::Rubric {
    const KIND: &'static str = "qa_rubric";
}

impl ShopDocument for kefu_domain::anomaly::AlertRules {
    const KIND: &'static str = "alert_rules";
}

impl ShopDocument for kefu_domain::work_order::WorkOrderSettings {
    const KIND: &'static str = "work_order_settings";
}

impl ShopDocument for kefu_domain::escalation::EscalationRules {
    const KIND: &'static str = "escalation_rules";
}

impl ShopDocument for kefu_domain::playbook::Playbooks {
    const KIND: &'static str = "playbooks";
}

impl ShopDocument for kefu_domain::notify::NotifySettings {
    const KIND: &'static str = "notify_settings";
}
