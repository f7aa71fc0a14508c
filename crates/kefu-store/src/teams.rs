//! Teams (ACC-6) and each agent's numbers for the supervisor's live view (WB-9) (SQL:
//! `sql/teams.rs`).

use kefu_domain::guard::Team;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// One agent's numbers for the supervisor's live view (WB-9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentActivity {
    /// Open conversations assigned now.
    pub load: i64,
    pub replies: i64,
    pub resolved: i64,
    pub first_replies: i64,
    pub first_reply_wait_ms_total: i64,
}

impl Store {
    pub async fn teams(&self, tenant_id: Uuid) -> Result<Vec<Team>> {
        dispatch!(self, teams::teams(tenant_id))
    }

    pub async fn upsert_team(
        &self,
        tenant_id: Uuid,
        team: &Team,
        audit: impl FnOnce(&Team) -> Vec<NewAudit> + Send,
    ) -> Result<()> {
        dispatch!(self, teams::upsert_team(tenant_id, team, audit))
    }

    pub async fn team_activity(
        &self,
        tenant_id: Uuid,
        since: i64,
    ) -> Result<std::collections::HashMap<Uuid, AgentActivity>> {
        dispatch!(self, teams::team_activity(tenant_id, since))
    }
}
