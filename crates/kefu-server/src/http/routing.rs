//! Routing rules over HTTP (WB-4): the supervisor's ordered rules that send a conversation to a
//! team by entry, channel, category, SKU, issue type, language and VIP level, and the tester
//! that runs a sample conversation through rules (saved or not yet saved) and explains the
//! outcome. The decisions are `kefu_domain::routing`'s pure functions.

use axum::Json;
use axum::extract::State;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_domain::routing::{ConversationFacts, RouteDecision, RoutingRule, route_team};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Agent;
use crate::desk::dispatch::DEFAULT_TEAM;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;
use crate::{AppState, audit};

/// The most rules a shop keeps.
const MAX_RULES: usize = 100;

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    pub rules: Vec<RoutingRule>,
    pub default_team: String,
}

/// The shop's routing rules, in the order they are tried.
#[utoipa::path(get, path = "/api/v1/routing/rules", tag = "routing",
    responses((status = 200, body = RuleList)))]
pub async fn rules(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<RuleList>, ApiError> {
    agent.require(Permission::TeamRead)?;
    Ok(Json(RuleList {
        rules: state.store.routing_rules(agent.tenant_id()).await?,
        default_team: DEFAULT_TEAM.to_owned(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleInput {
    /// Keep a rule's id to edit it; a new rule gets one.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub name: String,
    pub conditions: Vec<kefu_domain::routing::Condition>,
    pub team: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RulesUpdate {
    /// Every rule, in the order they are to be tried.
    pub rules: Vec<RuleInput>,
}

/// Checks rules against the shop's teams; positions follow the list order.
async fn checked(
    state: &AppState,
    agent: &Agent,
    input: Vec<RuleInput>,
) -> Result<Vec<RoutingRule>, ApiError> {
    if input.len() > MAX_RULES {
        return Err(ApiError::new(
            ErrorCode::TooManyRules,
            "a shop keeps at most 100 rules",
        ));
    }
    let teams = state.store.teams(agent.tenant_id()).await?;
    let mut rules = Vec::with_capacity(input.len());
    for (n, rule) in input.into_iter().enumerate() {
        if rule.conditions.len() > 10 {
            return Err(ApiError::new(
                ErrorCode::BadRuleCondition,
                "a rule has at most 10 conditions",
            ));
        }
        let rule = RoutingRule {
            id: rule.id.unwrap_or_else(Uuid::now_v7),
            name: rule.name,
            position: i32::try_from(n + 1).unwrap_or(i32::MAX),
            conditions: rule.conditions,
            team: rule.team,
            enabled: rule.enabled,
        }
        .check()
        .map_err(|code| ApiError::new(code, format!("rule {} is not valid", n + 1)))?;
        if !teams.iter().any(|t| t.key == rule.team) {
            return Err(ApiError::new(
                ErrorCode::UnknownTeam,
                format!("rule {} sends to a team that does not exist", n + 1),
            ));
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// Replaces the shop's routing rules.
#[utoipa::path(put, path = "/api/v1/routing/rules", tag = "routing", request_body = RulesUpdate,
    responses((status = 200, body = RuleList), (status = 400, body = ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(update): ApiJson<RulesUpdate>,
) -> Result<Json<RuleList>, ApiError> {
    agent.require(Permission::TeamManage)?;
    let rules = checked(&state, &agent, update.rules).await?;
    state
        .store
        .replace_routing_rules(agent.tenant_id(), &rules, |_| {
            vec![audit::by(
                &agent,
                "routing.change",
                "routing",
                serde_json::json!({ "rules": rules.len() }),
            )]
        })
        .await?;
    Ok(Json(RuleList {
        rules,
        default_team: DEFAULT_TEAM.to_owned(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RouteTest {
    /// A sample conversation.
    pub facts: ConversationFacts,
    /// Rules to try instead of the saved ones (the editor's unsaved state).
    #[serde(default)]
    pub rules: Option<Vec<RuleInput>>,
}

/// Runs a sample conversation through the rules and says which team it would reach, and why.
#[utoipa::path(post, path = "/api/v1/routing/test", tag = "routing", request_body = RouteTest,
    responses((status = 200, body = RouteDecision), (status = 400, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(test): ApiJson<RouteTest>,
) -> Result<Json<RouteDecision>, ApiError> {
    agent.require(Permission::TeamRead)?;
    let rules = match test.rules {
        Some(input) => checked(&state, &agent, input).await?,
        None => state.store.routing_rules(agent.tenant_id()).await?,
    };
    Ok(Json(route_team(&rules, &test.facts, DEFAULT_TEAM)))
}
