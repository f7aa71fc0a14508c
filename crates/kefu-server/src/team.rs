//! The team and its guard rails over HTTP (ACC-2, ACC-3, ACC-4, ACC-6): sub-accounts up to
//! the shop's cap, roles, permission groups granted with an expiry, probation, teams with
//! their response targets, and the shop's settings. Every change lands in the audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::account::{AccountView, User, parse_phone};
use kefu_domain::guard::{DEFAULT_TEAMS, Grant, PermissionGroup, ShopSettings, Team};
use kefu_domain::role::{Permission, Role};
use kefu_domain::time::now_ms;
use kefu_store::{AccountChange, NewUser, PhoneCodeCheck};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::audit;
use crate::auth::{self, Agent};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

const DAY_MS: i64 = 86_400_000;

/// An account as the caller may see it: the full phone number only for the account itself
/// and super admins (ACC-2).
fn view(agent: &Agent, user: User) -> AccountView {
    let phone = if agent.user.id == user.id || agent.user.role == Role::SuperAdmin {
        user.phone.clone()
    } else {
        None
    };
    AccountView { user, phone }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub accounts: Vec<AccountView>,
    /// How many the shop may have, disabled ones included.
    pub max_accounts: i64,
}

/// Every account of the shop, disabled ones included.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "team",
    responses((status = 200, body = AccountList), (status = 403, body = ErrorBody)))]
pub async fn accounts(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<AccountList>, ApiError> {
    if !agent.may(Permission::AccountManage) {
        agent.require(Permission::TeamManage)?;
    }
    let accounts = state.store.accounts(agent.tenant_id()).await?;
    let max_accounts = state
        .store
        .shop_settings(agent.tenant_id())
        .await?
        .max_accounts;
    Ok(Json(AccountList {
        accounts: accounts.into_iter().map(|u| view(&agent, u)).collect(),
        max_accounts,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAccount {
    /// 3–32 characters: lower-case letters, digits, `-`, `_`, `.`.
    pub username: String,
    pub display_name: String,
    /// At least 8 characters.
    pub password: String,
    /// A mainland mobile number.
    pub phone: String,
    pub role: Role,
    /// A team key (`pre_sales`, `after_sales`, `qa`, or a custom team).
    #[serde(default)]
    pub team: Option<String>,
}

fn check_username(name: &str) -> Result<String, ApiError> {
    let name = name.trim().to_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::bad_request(
            "invalid_username",
            "a username is 3–32 lower-case letters, digits, '-', '_' or '.'",
        ))
    }
}

fn check_display_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "a display name is 1–40 characters",
        ));
    }
    Ok(name)
}

async fn check_team(state: &AppState, tenant_id: Uuid, team: Option<&str>) -> Result<(), ApiError> {
    let Some(team) = team else { return Ok(()) };
    let known = state.store.teams(tenant_id).await?;
    if known.iter().any(|t| t.key == team) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "unknown_team",
            "no team with that key",
        ))
    }
}

/// Creates a sub-account (ACC-2). A new agent starts in probation (ACC-4).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "team", request_body = NewAccount,
    responses((status = 201, body = AccountView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    agent.require(Permission::AccountManage)?;
    let tenant_id = agent.tenant_id();
    let username = check_username(&new.username)?;
    let display_name = check_display_name(&new.display_name)?;
    if new.password.chars().count() < 8 || new.password.len() > 128 {
        return Err(ApiError::bad_request(
            "weak_password",
            "a password is 8 to 128 characters",
        ));
    }
    let phone = parse_phone(&new.phone).ok_or_else(|| {
        ApiError::bad_request("invalid_phone", "a mainland mobile number, 11 digits")
    })?;
    let team = new.team.as_deref().map(str::trim).filter(|t| !t.is_empty());
    check_team(&state, tenant_id, team).await?;
    let settings = state.store.shop_settings(tenant_id).await?;
    if state.store.count_accounts(tenant_id).await? >= settings.max_accounts {
        return Err(ApiError::Conflict("account_limit_reached"));
    }
    let probation_until =
        (new.role == Role::Agent).then(|| now_ms() + settings.probation_days * DAY_MS);
    let password_hash = auth::hash_password(new.password).await?;
    let user = state
        .store
        .create_user(&NewUser {
            tenant_id,
            username: &username,
            display_name,
            password_hash: &password_hash,
            role: new.role,
            team,
            phone: Some(&phone),
            probation_until,
            created_by: Some(agent.user.id),
        })
        .await?;
    audit::record(
        &state,
        &agent,
        "account.create",
        &format!("user:{}", user.id),
        serde_json::json!({
            "username": user.username, "role": user.role, "team": user.team,
            "probation_until": user.probation_until,
        }),
    )
    .await;
    Ok((StatusCode::CREATED, Json(view(&agent, user))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountUpdate {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    /// A team key; an empty string takes the account out of its team.
    #[serde(default)]
    pub team: Option<String>,
    /// The most conversations the router gives them at once, 0–50 (WB-4). A supervisor
    /// (`team.manage`) may change only this.
    #[serde(default)]
    pub max_concurrent: Option<i64>,
}

/// Changes an account's name, role or team.
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "team", request_body = AccountUpdate,
    responses((status = 200, body = AccountView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_account(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(update): ApiJson<AccountUpdate>,
) -> Result<Json<AccountView>, ApiError> {
    let only_cap = update.display_name.is_none() && update.role.is_none() && update.team.is_none();
    if !(only_cap && agent.may(Permission::TeamManage)) {
        agent.require(Permission::AccountManage)?;
    }
    if update
        .max_concurrent
        .is_some_and(|cap| !(0..=50).contains(&cap))
    {
        return Err(ApiError::bad_request(
            "invalid_cap",
            "an agent takes 0 to 50 conversations at once",
        ));
    }
    let tenant_id = agent.tenant_id();
    let before = state
        .store
        .user(tenant_id, id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let display_name = update
        .display_name
        .as_deref()
        .map(check_display_name)
        .transpose()?;
    let team = update.team.as_deref().map(str::trim);
    let team = team.map(|t| Some(t).filter(|t| !t.is_empty()));
    if let Some(Some(key)) = team {
        check_team(&state, tenant_id, Some(key)).await?;
    }
    if id == agent.user.id && update.role.is_some_and(|r| r != before.role) {
        return Err(ApiError::bad_request(
            "cannot_change_own_role",
            "ask another super admin to change your role",
        ));
    }
    let user = state
        .store
        .update_account(
            tenant_id,
            id,
            &AccountChange {
                display_name,
                role: update.role,
                team,
                max_concurrent: update.max_concurrent,
                ..AccountChange::default()
            },
        )
        .await?;
    if user.role != before.role {
        audit::record(
            &state,
            &agent,
            "role.change",
            &format!("user:{id}"),
            serde_json::json!({ "from": before.role, "to": user.role }),
        )
        .await;
    }
    if user.team != before.team
        || user.display_name != before.display_name
        || user.max_concurrent != before.max_concurrent
    {
        audit::record(
            &state,
            &agent,
            "account.change",
            &format!("user:{id}"),
            serde_json::json!({
                "team": { "from": before.team, "to": user.team },
                "display_name": { "from": before.display_name, "to": user.display_name },
                "max_concurrent": { "from": before.max_concurrent, "to": user.max_concurrent },
            }),
        )
        .await;
    }
    Ok(Json(view(&agent, user)))
}

async fn set_disabled(
    state: &AppState,
    agent: &Agent,
    id: Uuid,
    disabled: bool,
) -> Result<Json<AccountView>, ApiError> {
    agent.require(Permission::AccountManage)?;
    if id == agent.user.id {
        return Err(ApiError::bad_request(
            "cannot_disable_self",
            "you cannot disable your own account",
        ));
    }
    let user = state
        .store
        .update_account(
            agent.tenant_id(),
            id,
            &AccountChange {
                disabled: Some(disabled),
                ..AccountChange::default()
            },
        )
        .await?;
    let action = if disabled {
        "account.disable"
    } else {
        "account.enable"
    };
    audit::record(
        state,
        agent,
        action,
        &format!("user:{id}"),
        serde_json::json!({ "username": user.username }),
    )
    .await;
    Ok(Json(view(agent, user)))
}

/// Disables an account: it is signed out everywhere and cannot sign in.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", tag = "team",
    responses((status = 200, body = AccountView), (status = 404, body = ErrorBody)))]
pub async fn disable_account(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AccountView>, ApiError> {
    set_disabled(&state, &agent, id, true).await
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", tag = "team",
    responses((status = 200, body = AccountView), (status = 404, body = ErrorBody)))]
pub async fn enable_account(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AccountView>, ApiError> {
    set_disabled(&state, &agent, id, false).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ProbationChange {
    /// End probation now: the account's full role applies.
    Pass,
    /// Add days (1–8); probation never runs past 15 days from now.
    Extend { days: i64 },
}

/// ACC-4: a supervisor passes a new agent early or extends their probation.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/probation", tag = "team", request_body = ProbationChange,
    responses((status = 200, body = AccountView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn change_probation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<ProbationChange>,
) -> Result<Json<AccountView>, ApiError> {
    agent.require(Permission::TeamManage)?;
    let tenant_id = agent.tenant_id();
    let now = now_ms();
    let before = state
        .store
        .user(tenant_id, id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let (until, action) = match change {
        ProbationChange::Pass => (None, "probation.pass"),
        ProbationChange::Extend { days } => {
            if !(1..=8).contains(&days) {
                return Err(ApiError::bad_request(
                    "bad_probation_days",
                    "extend by 1 to 8 days",
                ));
            }
            let from = before.probation_until.filter(|u| *u > now).unwrap_or(now);
            (
                Some((from + days * DAY_MS).min(now + 15 * DAY_MS)),
                "probation.extend",
            )
        }
    };
    let user = state
        .store
        .update_account(
            tenant_id,
            id,
            &AccountChange {
                probation_until: Some(until),
                ..AccountChange::default()
            },
        )
        .await?;
    audit::record(
        &state,
        &agent,
        action,
        &format!("user:{id}"),
        serde_json::json!({ "from": before.probation_until, "to": until }),
    )
    .await;
    Ok(Json(view(&agent, user)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub groups: Vec<PermissionGroup>,
    pub grants: Vec<Grant>,
    /// Every permission there is, for the editor.
    pub permissions: Vec<Permission>,
}

#[utoipa::path(get, path = "/api/v1/permission-groups", tag = "team",
    responses((status = 200, body = GroupList), (status = 403, body = ErrorBody)))]
pub async fn groups(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<GroupList>, ApiError> {
    agent.require(Permission::AccountManage)?;
    Ok(Json(GroupList {
        groups: state.store.groups(agent.tenant_id()).await?,
        grants: state.store.grants(agent.tenant_id()).await?,
        permissions: Permission::ALL.to_vec(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroup {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Permission names, e.g. `["refund.approve", "report.view"]`.
    pub permissions: Vec<String>,
}

/// Defines a permission group (权限组, ACC-3).
#[utoipa::path(post, path = "/api/v1/permission-groups", tag = "team", request_body = NewGroup,
    responses((status = 201, body = PermissionGroup), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(new): ApiJson<NewGroup>,
) -> Result<(StatusCode, Json<PermissionGroup>), ApiError> {
    agent.require(Permission::AccountManage)?;
    let name = check_display_name(&new.name)?;
    if new.description.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "invalid_description",
            "a description is at most 200 characters",
        ));
    }
    let mut permissions = vec![];
    for name in &new.permissions {
        let p = Permission::parse(name).ok_or_else(|| {
            ApiError::bad_request("unknown_permission", format!("no permission `{name}`"))
        })?;
        if !permissions.contains(&p) {
            permissions.push(p);
        }
    }
    if permissions.is_empty() {
        return Err(ApiError::bad_request(
            "unknown_permission",
            "a group holds at least one permission",
        ));
    }
    let group = state
        .store
        .create_group(
            agent.tenant_id(),
            name,
            new.description.trim(),
            &permissions,
        )
        .await?;
    audit::record(
        &state,
        &agent,
        "group.create",
        &format!("group:{}", group.id),
        serde_json::json!({ "name": group.name, "permissions": group.permissions }),
    )
    .await;
    Ok((StatusCode::CREATED, Json(group)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantRequest {
    /// Accounts of this shop (at most 500 at once).
    pub user_ids: Vec<Uuid>,
    /// The grant ends then (epoch ms), e.g. when the promotion ends; none: until revoked.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Granted {
    pub granted: u64,
}

/// Grants a group to many accounts at once, maybe until a time.
#[utoipa::path(post, path = "/api/v1/permission-groups/{id}/grants", tag = "team", request_body = GrantRequest,
    responses((status = 200, body = Granted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn grant(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<GrantRequest>,
) -> Result<Json<Granted>, ApiError> {
    agent.require(Permission::AccountManage)?;
    if request.user_ids.is_empty() || request.user_ids.len() > 500 {
        return Err(ApiError::bad_request(
            "invalid_accounts",
            "grant to 1 to 500 accounts at once",
        ));
    }
    if request.expires_at.is_some_and(|t| t <= now_ms()) {
        return Err(ApiError::bad_request(
            "expiry_in_the_past",
            "a grant's expiry is in the future",
        ));
    }
    let granted = state
        .store
        .grant_group(
            agent.tenant_id(),
            id,
            &request.user_ids,
            agent.user.id,
            request.expires_at,
        )
        .await?;
    audit::record(
        &state,
        &agent,
        "group.grant",
        &format!("group:{id}"),
        serde_json::json!({ "user_ids": request.user_ids, "expires_at": request.expires_at }),
    )
    .await;
    Ok(Json(Granted { granted }))
}

/// Takes a group away from an account.
#[utoipa::path(delete, path = "/api/v1/permission-groups/{id}/grants/{user_id}", tag = "team",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::AccountManage)?;
    if !state
        .store
        .revoke_group(agent.tenant_id(), id, user_id)
        .await?
    {
        return Err(ApiError::NotFound("grant"));
    }
    audit::record(
        &state,
        &agent,
        "group.revoke",
        &format!("group:{id}"),
        serde_json::json!({ "user_id": user_id }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

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
#[utoipa::path(put, path = "/api/v1/teams/{key}", tag = "team", request_body = TeamUpdate,
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
        return Err(ApiError::bad_request(
            "invalid_team",
            "a team key is 2–32 lower-case letters, digits or '_'",
        ));
    }
    if !(5..=7 * 86_400).contains(&update.response_target_seconds) {
        return Err(ApiError::bad_request(
            "invalid_target",
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
                        ApiError::bad_request(
                            "invalid_strategy",
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
    state.store.upsert_team(agent.tenant_id(), &team).await?;
    audit::record(
        &state,
        &agent,
        "team.change",
        &format!("team:{}", team.key),
        serde_json::json!({
            "name": team.name,
            "response_target_seconds": team.response_target_seconds,
            "require_tag": team.require_tag,
            "strategy": team.strategy,
            "office_hours_only": team.office_hours_only,
            "grab_mode": team.grab_mode,
        }),
    )
    .await;
    let teams = state.store.teams(agent.tenant_id()).await?;
    Ok(Json(
        teams
            .into_iter()
            .find(|t| t.key == team.key)
            .unwrap_or(team),
    ))
}

/// The shop's guard-rail settings; every team member may read them (an agent sees whether a
/// refund will need approval).
#[utoipa::path(get, path = "/api/v1/settings", tag = "team",
    responses((status = 200, body = ShopSettings)))]
pub async fn settings(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<ShopSettings>, ApiError> {
    agent.require(Permission::TeamRead)?;
    Ok(Json(state.store.shop_settings(agent.tenant_id()).await?))
}

#[utoipa::path(put, path = "/api/v1/settings", tag = "team", request_body = ShopSettings,
    responses((status = 200, body = ShopSettings), (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(settings): ApiJson<ShopSettings>,
) -> Result<Json<ShopSettings>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let settings = settings.check().map_err(|code| {
        ApiError::bad_request(
            code,
            "refund threshold 0–1,000,000 yuan, probation 7–15 days, 1–10,000 accounts; \
             office hours: weekdays 1–7 and open before close as HH:MM",
        )
    })?;
    let before = state.store.shop_settings(agent.tenant_id()).await?;
    state
        .store
        .set_shop_settings(agent.tenant_id(), &settings)
        .await?;
    audit::record(
        &state,
        &agent,
        "settings.change",
        "settings",
        serde_json::json!({ "from": before, "to": settings }),
    )
    .await;
    Ok(Json(settings))
}

/// How long a phone code lives, and how often one may be asked for.
const CODE_TTL_MS: i64 = 10 * 60_000;
const CODE_INTERVAL_MS: i64 = 60_000;
const CODE_ATTEMPTS: i64 = 5;

/// Sends a six-digit code to the caller's own phone number (ACC-2).
#[utoipa::path(post, path = "/api/v1/me/phone/code", tag = "team",
    responses((status = 204), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_phone_code(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<StatusCode, ApiError> {
    let Some(phone) = agent.user.phone.clone() else {
        return Err(ApiError::bad_request(
            "no_phone",
            "the account has no phone number",
        ));
    };
    if agent.user.phone_verified {
        return Err(ApiError::bad_request(
            "phone_already_verified",
            "the phone number is verified already",
        ));
    }
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let stored = state
        .store
        .put_phone_code(
            agent.user.id,
            &auth::sha256_hex(&format!("{}:{code}", agent.user.id)),
            now_ms() + CODE_TTL_MS,
            CODE_INTERVAL_MS,
        )
        .await?;
    if !stored {
        return Err(ApiError::RateLimited);
    }
    let text = format!("【客服】您的验证码是 {code}，10 分钟内有效。");
    let url = &state.settings.auth.sms_webhook_url;
    if url.is_empty() {
        tracing::warn!(
            phone = %kefu_domain::account::mask_phone(&phone),
            %code,
            "no SMS gateway configured (auth.sms_webhook_url): the verification code is logged"
        );
    } else {
        let sent = reqwest::Client::new()
            .post(url)
            .timeout(std::time::Duration::from_secs(10))
            .json(&serde_json::json!({ "phone": phone, "code": code, "text": text }))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        if let Err(error) = sent {
            tracing::error!(%error, "the SMS gateway refused the verification code");
            return Err(ApiError::Unavailable);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PhoneCode {
    pub code: String,
}

/// Proves the caller holds their phone number with the code sent to it.
#[utoipa::path(post, path = "/api/v1/me/phone/verify", tag = "team", request_body = PhoneCode,
    responses((status = 200, body = AccountView), (status = 400, body = ErrorBody)))]
pub async fn verify_phone(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(sent): ApiJson<PhoneCode>,
) -> Result<Json<AccountView>, ApiError> {
    let code = sent.code.trim();
    let hash = auth::sha256_hex(&format!("{}:{code}", agent.user.id));
    match state
        .store
        .check_phone_code(agent.user.id, &hash, CODE_ATTEMPTS)
        .await?
    {
        PhoneCodeCheck::Verified => {}
        PhoneCodeCheck::Wrong => {
            return Err(ApiError::bad_request(
                "wrong_code",
                "that is not the code we sent",
            ));
        }
        PhoneCodeCheck::Expired | PhoneCodeCheck::NoCode => {
            return Err(ApiError::bad_request(
                "code_expired",
                "ask for a new code; the last one expired",
            ));
        }
        PhoneCodeCheck::TooManyAttempts => {
            return Err(ApiError::bad_request(
                "too_many_attempts",
                "too many wrong codes; ask for a new one",
            ));
        }
    }
    audit::record(
        &state,
        &agent,
        "account.phone_verified",
        &format!("user:{}", agent.user.id),
        serde_json::json!({}),
    )
    .await;
    let user = state
        .store
        .user(agent.tenant_id(), agent.user.id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(Json(view(&agent, user)))
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
