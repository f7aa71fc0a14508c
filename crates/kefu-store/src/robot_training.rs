//! The robot's training loop (BOT-5): its misses, the review queue of proposals, and the
//! shops due a run (SQL: `sql/robot_training.rs`).

use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A question the robot missed, with the first reply a person gave after it (BOT-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotMiss {
    pub text: String,
    pub human_answer: Option<String>,
}

/// A proposal for the review queue.
#[derive(Debug, Clone)]
pub struct NewProposal {
    /// `new_entry` or `similar`.
    pub kind: String,
    pub entry_id: Option<String>,
    pub body: serde_json::Value,
    /// How many times buyers asked.
    pub asked: i64,
}

/// A stored proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRow {
    pub id: Uuid,
    pub kind: String,
    pub entry_id: Option<String>,
    pub body: serde_json::Value,
    pub asked: i64,
    pub status: String,
    pub created_at: i64,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
}

impl Store {
    /// The robot's misses since `since`, newest first, with the human replies after them.
    pub async fn robot_misses(
        &self,
        tenant_id: Uuid,
        since: i64,
        limit: i64,
    ) -> Result<Vec<RobotMiss>> {
        dispatch!(self, robot_training::robot_misses(tenant_id, since, limit))
    }

    /// Replaces the pending proposals with a new run's; returns how many.
    pub async fn replace_proposals(
        &self,
        tenant_id: Uuid,
        proposals: &[NewProposal],
    ) -> Result<u64> {
        dispatch!(
            self,
            robot_training::replace_proposals(tenant_id, proposals)
        )
    }

    pub async fn proposals(
        &self,
        tenant_id: Uuid,
        status: &str,
        limit: i64,
    ) -> Result<Vec<ProposalRow>> {
        dispatch!(self, robot_training::proposals(tenant_id, status, limit))
    }

    pub async fn proposal(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<ProposalRow>> {
        dispatch!(self, robot_training::proposal(tenant_id, id))
    }

    /// Approves (writing the entry) or rejects a pending proposal; false when it was not.
    pub async fn decide_proposal(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        approved: Option<(&str, &serde_json::Value)>,
        by: Uuid,
        audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(
            self,
            robot_training::decide_proposal(tenant_id, id, approved, by, audit)
        )
    }

    /// Shops with the robot on whose misses were last analysed before `before`.
    pub async fn robots_due_for_training(&self, before: i64) -> Result<Vec<Uuid>> {
        dispatch!(self, robot_training::robots_due_for_training(before))
    }
}
