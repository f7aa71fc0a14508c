//! `/teams` (ACC-2, WB-4): the shop's teams, their members' share and response targets.

use axum::Json;
use axum::extract::State;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::guard::{DEFAULT_TEAMS, Team};
use kefu_domain::role::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::accounts::check_display_name;
use crate::audit;
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};

/// One team's share of the active accounts beside the split the seed suggests (60/30/10).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamShare {
    pub key: String,
    pub members: i64,
    pub share_percent: f64,
    pub suggested_percent: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    pub teams: Vec<Team>,
    pub split: Vec<TeamShare>,
}

/// Teams, their response targets and the current split (ACC-6).
#[utoipa::path(get, path = "/api/v1/teams", tag = "team",
    responses((status = 200, body = TeamList)))]
pub async fn teams(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<TeamList>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let teams = state.store.teams(agent.tenant_id()).await?;
    let total: i64 = teams.iter().map(|t| t.members).sum();
    let split = teams
        .iter()
        .map(|t| TeamShare {
            key: t.key.clone(),
            members: t.members,
            share_percent: if total == 0 {
                0.0
            } else {
                (t.members as f64 * 1000.0 / total as f64).round() / 10.0
            },
            suggested_percent: DEFAULT_TEAMS
                .iter()
                .find(|(key, ..)| *key == t.key)
                .map(|(.., percent)| *percent),
        })
        .collect();
    Ok(Json(TeamList { teams, split }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamUpdate {
    pub name: String,
    /// First-response target, 5 seconds to 7 days.
    pub response_target_seconds: i64,
    /// Its agents must tag a conversation before resolving it (WB-5).
    #[serde(default)]
    pub require_tag: bool,
    /// `least_loaded` (default), `round_robin` or `sticky` (WB-4).
    #[serde(default)]
    pub strategy: Option<String>,
    /// Offer stranded conversations to the team's idle agents to grab (WB-8).
    #[serde(default)]
    pub grab_mode: bool,
    /// Count the response target in the shop's office hours only (WB-7); absent keeps the
    /// team's setting.
    #[serde(default)]
    pub office_hours_only: Option<bool>,
}

/// Creates a custom team or changes one's name and target.
#[utoipa::path(put, path = "/api/v1/teams/{key}", tag = "team", params(("key" = String, Path)), request_body = TeamUpdate,
    responses((status = 200, body = Team), (status = 400, body = ErrorBody)))]
pub async fn put_team(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(key): ApiPath<String>,
    ApiJson(update): ApiJson<TeamUpdate>,
) -> Result<Json<Team>, ApiError> {
    agent.require(Permission::TeamManage)?;
    let key = key.trim().to_lowercase();
    let key_ok = (2..=32).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        return Err(ApiError::new(
            ErrorCode::InvalidTeam,
            "a team key is 2–32 lower-case letters, digits or '_'",
        ));
    }
    if !(5..=7 * 86_400).contains(&update.response_target_seconds) {
        return Err(ApiError::new(
            ErrorCode::InvalidTarget,
            "a response target is 5 seconds to 7 days",
        ));
    }
    // A PUT without a strategy or office-hours flag keeps the team's.
    let existing = state
        .store
        .teams(agent.tenant_id())
        .await?
        .into_iter()
        .find(|t| t.key == key);
    let existing_office_hours = existing.as_ref().is_some_and(|t| t.office_hours_only);
    let existing_strategy = existing.map_or_else(|| "least_loaded".to_owned(), |t| t.strategy);
    let team = Team {
        key,
        name: check_display_name(&update.name)?.to_owned(),
        response_target_seconds: update.response_target_seconds,
        require_tag: update.require_tag,
        strategy: update
            .strategy
            .as_deref()
            .map(|s| {
                kefu_domain::routing::Strategy::parse(s)
                    .map(|s| s.as_str().to_owned())
                    .ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InvalidStrategy,
                            "least_loaded, round_robin or sticky",
                        )
                    })
            })
            .transpose()?
            .unwrap_or(existing_strategy),
        grab_mode: update.grab_mode,
        office_hours_only: update.office_hours_only.unwrap_or(existing_office_hours),
        members: 0,
    };
    state
        .store
        .upsert_team(agent.tenant_id(), &team, |_| {
            vec![audit::by(
                &agent,
                "team.change",
                format!("team:{}", team.key),
                serde_json::json!({
                    "name": team.name,
                    "response_target_seconds": team.response_target_seconds,
                    "require_tag": team.require_tag,
                    "strategy": team.strategy,
                    "office_hours_only": team.office_hours_only,
                    "grab_mode": team.grab_mode,
                }),
            )]
        })
        .await?;
    let teams = state.store.teams(agent.tenant_id()).await?;
    Ok(Json(
        teams
            .into_iter()
            .find(|t| t.key == team.key)
            .unwrap_or(team),
    ))
}
