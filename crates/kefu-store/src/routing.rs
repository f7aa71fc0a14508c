//! The router (WB-4, WB-7, WB-8): rules, its snapshot, claims, and stranded conversations
//! taken back (SQL: `sql/routing.rs`).

use kefu_domain::conversation::ConversationSummary;
use kefu_domain::routing::{RouterState, RoutingRule};
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A conversation the router takes back (WB-7, WB-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stranded {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub assignee_id: Uuid,
    /// Its team offers stranded conversations to grab.
    pub grab_mode: bool,
    /// `agent_away`, `agent_offline` or `no_reply`.
    pub reason: String,
    /// How long the buyer has waited, ms of wall-clock time.
    pub waited_ms: i64,
    /// When the unanswered buyer message came, for `no_reply`.
    pub waiting_since: Option<i64>,
    /// When the agent got it: a wait is counted from here at the earliest.
    pub assigned_at: Option<i64>,
    /// The team's response target, ms, and whether it counts office hours only (WB-7).
    pub target_ms: i64,
    pub office_hours_only: bool,
}

/// Who takes a waiting conversation: the router (within the agent's status and cap) or an
/// agent grabbing it (WB-8), recorded as the assignment's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    Route,
    /// Taken from the list (the router is off).
    Grab,
    /// Grabbed after being offered to the team (WB-8): only while it is up for grabs and the
    /// agent is under their cap.
    GrabOffered,
}

impl Store {
    pub async fn routing_rules(&self, tenant_id: Uuid) -> Result<Vec<RoutingRule>> {
        dispatch!(self, routing::routing_rules(tenant_id))
    }

    pub async fn replace_routing_rules(
        &self,
        tenant_id: Uuid,
        rules: &[RoutingRule],
        audit: impl FnOnce(&[RoutingRule]) -> Vec<NewAudit> + Send,
    ) -> Result<()> {
        dispatch!(
            self,
            routing::replace_routing_rules(tenant_id, rules, audit)
        )
    }

    pub async fn routing_tenants(&self) -> Result<Vec<Uuid>> {
        dispatch!(self, routing::routing_tenants())
    }

    pub async fn set_conversation_team(&self, tenant_id: Uuid, id: Uuid, team: &str) -> Result<()> {
        dispatch!(self, routing::set_conversation_team(tenant_id, id, team))
    }

    /// The router's snapshot, and each waiting conversation's buyer.
    pub async fn routing_snapshot(
        &self,
        tenant_id: Uuid,
        default_team: &str,
    ) -> Result<(RouterState, std::collections::HashMap<Uuid, Uuid>)> {
        dispatch!(self, routing::routing_snapshot(tenant_id, default_team))
    }

    /// Gives a waiting conversation to `agent`, unless someone got it first: exactly one
    /// owner. A [`Claim::Route`] also holds only while the agent is online and under their
    /// cap, checked under a lock on the agent, so two routers (processes) planning from the
    /// same snapshot cannot overfill them. `None` when the claim did not take.
    pub async fn claim_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        agent: Uuid,
        claim: Claim,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            routing::claim_conversation(tenant_id, id, agent, claim)
        )
    }

    pub async fn stranded(&self, now: i64) -> Result<Vec<Stranded>> {
        dispatch!(self, routing::stranded(now))
    }

    pub async fn release_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        assignee: Uuid,
        reason: &str,
        up_for_grabs: bool,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(
            self,
            routing::release_conversation(tenant_id, id, assignee, reason, up_for_grabs)
        )
    }

    /// Conversations from one account on `channel` (its buyers' ids start `{account}/`)
    /// waiting for an agent (open, unassigned, not the robot's, the buyer waiting for a
    /// reply): what a channel's overflow rule counts (CH-7).
    pub async fn waiting_on_channel(
        &self,
        tenant_id: Uuid,
        channel: kefu_domain::channel::Channel,
        account: &str,
    ) -> Result<u64> {
        dispatch!(
            self,
            routing::waiting_on_channel(tenant_id, channel, account)
        )
    }
}
