//! `/accounts` (ACC-2, ACC-3, ACC-4): sub-accounts up to the shop's cap, roles, disabling,
//! and probation. Every change lands in the audit log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::account::{AccountView, User};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::{Permission, Role};
use kefu_domain::time::now_ms;
use kefu_store::AccountChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::{self, AccountRequest, Actor, check_display_name, check_team};
use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath};
use crate::{AppState, audit};

const DAY_MS: i64 = 86_400_000;

/// An account as the caller may see it: the full phone number only for the account itself
/// and super admins (ACC-2).
pub(super) fn view(agent: &Agent, user: User) -> AccountView {
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

/// Creates a sub-account (ACC-2). A new agent starts in probation (ACC-4).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "team", request_body = NewAccount,
    responses((status = 201, body = AccountView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    agent.require(Permission::AccountManage)?;
    let user = accounts::create_account(
        &state.store,
        agent.tenant_id(),
        &Actor::of(&agent),
        AccountRequest {
            username: &new.username,
            display_name: &new.display_name,
            password: new.password,
            phone: Some(&new.phone),
            role: new.role,
            team: new.team.as_deref(),
        },
    )
    .await?;
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
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "team", params(("id" = Uuid, Path)), request_body = AccountUpdate,
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
        return Err(ApiError::new(
            ErrorCode::InvalidCap,
            "an agent takes 0 to 50 conversations at once",
        ));
    }
    let tenant_id = agent.tenant_id();
    let before = state
        .store
        .user(tenant_id, id)
        .await?
        .ok_or(ErrorCode::UserNotFound)?;
    let display_name = update
        .display_name
        .as_deref()
        .map(check_display_name)
        .transpose()?;
    let team = update.team.as_deref().map(str::trim);
    let team = team.map(|t| Some(t).filter(|t| !t.is_empty()));
    if let Some(Some(key)) = team {
        check_team(&state.store, tenant_id, Some(key)).await?;
    }
    if id == agent.user.id && update.role.is_some_and(|r| r != before.role) {
        return Err(ApiError::new(
            ErrorCode::CannotChangeOwnRole,
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
            |before, user| {
                let mut entries = vec![];
                if user.role != before.role {
                    entries.push(audit::by(
                        &agent,
                        "role.change",
                        format!("user:{id}"),
                        serde_json::json!({ "from": before.role, "to": user.role }),
                    ));
                }
                if user.team != before.team
                    || user.display_name != before.display_name
                    || user.max_concurrent != before.max_concurrent
                {
                    entries.push(audit::by(
                        &agent,
                        "account.change",
                        format!("user:{id}"),
                        serde_json::json!({
                            "team": { "from": before.team, "to": user.team },
                            "display_name": { "from": before.display_name, "to": user.display_name },
                            "max_concurrent": { "from": before.max_concurrent, "to": user.max_concurrent },
                        }),
                    ));
                }
                entries
            },
        )
        .await?;
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
        return Err(ApiError::new(
            ErrorCode::CannotDisableSelf,
            "you cannot disable your own account",
        ));
    }
    let action = if disabled {
        "account.disable"
    } else {
        "account.enable"
    };
    let user = state
        .store
        .update_account(
            agent.tenant_id(),
            id,
            &AccountChange {
                disabled: Some(disabled),
                ..AccountChange::default()
            },
            |_, user| {
                vec![audit::by(
                    agent,
                    action,
                    format!("user:{id}"),
                    serde_json::json!({ "username": user.username }),
                )]
            },
        )
        .await?;
    Ok(Json(view(agent, user)))
}

/// Disables an account: it is signed out everywhere and cannot sign in.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", tag = "team", params(("id" = Uuid, Path)),
    responses((status = 200, body = AccountView), (status = 404, body = ErrorBody)))]
pub async fn disable_account(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AccountView>, ApiError> {
    set_disabled(&state, &agent, id, true).await
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", tag = "team", params(("id" = Uuid, Path)),
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

/// ACC-4: a supervisor passes a new agent early or extends their probation; not their own.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/probation", tag = "team", params(("id" = Uuid, Path)), request_body = ProbationChange,
    responses((status = 200, body = AccountView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn change_probation(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<ProbationChange>,
) -> Result<Json<AccountView>, ApiError> {
    agent.require(Permission::TeamManage)?;
    if id == agent.user.id {
        // Probation takes away what changing it needs: nobody could lift it again.
        return Err(ApiError::new(
            ErrorCode::CannotChangeOwnProbation,
            "ask another supervisor to change your probation",
        ));
    }
    let tenant_id = agent.tenant_id();
    let now = now_ms();
    let before = state
        .store
        .user(tenant_id, id)
        .await?
        .ok_or(ErrorCode::UserNotFound)?;
    let (until, action) = match change {
        ProbationChange::Pass => (None, "probation.pass"),
        ProbationChange::Extend { days } => {
            if !(1..=8).contains(&days) {
                return Err(ApiError::new(
                    ErrorCode::BadProbationDays,
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
            |before, _| {
                vec![audit::by(
                    &agent,
                    action,
                    format!("user:{id}"),
                    serde_json::json!({ "from": before.probation_until, "to": until }),
                )]
            },
        )
        .await?;
    Ok(Json(view(&agent, user)))
}
