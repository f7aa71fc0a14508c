//! `/team`: who is on the team and, live, what each agent is doing (WB-9, WB-10).

use axum::Json;
use axum::extract::State;
use kefu_domain::account::User;
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamRoster {
    pub users: Vec<User>,
}

/// The caller's tenant's accounts.
#[utoipa::path(get, path = "/api/v1/team", tag = "team", responses((status = 200, body = TeamRoster)))]
pub async fn team(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<TeamRoster>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let users = state.store.team(agent.tenant_id()).await?;
    Ok(Json(TeamRoster { users }))
}

/// One agent in the supervisor's live view.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentLive {
    pub user: User,
    /// Open conversations assigned now.
    pub load: i64,
    /// Since midnight in the shop's time zone.
    pub replies_today: i64,
    pub resolved_today: i64,
    pub first_replies_today: i64,
    /// Average first-response time today, when there was one.
    pub avg_first_reply_ms: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamLive {
    pub agents: Vec<AgentLive>,
    /// Midnight today, China Standard Time, epoch ms.
    pub since: i64,
}

/// Everyone's status, break, load and today's numbers (WB-9); presence frames keep the
/// statuses live between reads.
#[utoipa::path(get, path = "/api/v1/team/live", tag = "team",
    responses((status = 200, body = TeamLive), (status = 403, body = ErrorBody)))]
pub async fn live(State(state): State<AppState>, agent: Agent) -> Result<Json<TeamLive>, ApiError> {
    if !agent.may(Permission::ReportView) {
        agent.require(Permission::TeamManage)?;
    }
    const DAY: i64 = 86_400_000;
    const CST: i64 = 8 * 3_600_000;
    let now = now_ms();
    let since = now - (now + CST).rem_euclid(DAY);
    let activity = state.store.team_activity(agent.tenant_id(), since).await?;
    let agents = state
        .store
        .team(agent.tenant_id())
        .await?
        .into_iter()
        .map(|user| {
            let a = activity.get(&user.id).copied().unwrap_or_default();
            AgentLive {
                user,
                load: a.load,
                replies_today: a.replies,
                resolved_today: a.resolved,
                first_replies_today: a.first_replies,
                avg_first_reply_ms: (a.first_replies > 0)
                    .then(|| a.first_reply_wait_ms_total / a.first_replies),
            }
        })
        .collect();
    Ok(Json(TeamLive { agents, since }))
}
