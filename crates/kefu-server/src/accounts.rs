//! Shops and their accounts as the API and the command line create and change them (ACC-1 …
//! ACC-4, issue #15): one set of rules and the same audit entry for each change, whoever
//! makes it — a super admin in the team page or an operator with `kefu user add`.

use kefu_domain::account::{Tenant, TenantKind, User, parse_phone};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Role;
use kefu_domain::time::now_ms;
use kefu_store::{NewUser, Store};
use uuid::Uuid;

use crate::audit;
use crate::auth::{self, Agent};
use crate::error::ApiError;

const DAY_MS: i64 = 86_400_000;

/// Who makes a change, as the audit log names them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub name: String,
}

impl Actor {
    pub fn of(agent: &Agent) -> Actor {
        Actor {
            id: Some(agent.user.id),
            name: agent.user.display_name.clone(),
        }
    }

    /// An operator at the server's command line.
    pub fn command_line() -> Actor {
        Actor {
            id: None,
            name: "命令行".to_owned(),
        }
    }

    fn entry(
        &self,
        tenant_id: Uuid,
        action: &str,
        target: String,
        detail: serde_json::Value,
    ) -> kefu_store::NewAudit {
        audit::by_actor(tenant_id, self.id, &self.name, action, target, detail)
    }
}

/// A new account as a super admin or an operator asks for it.
#[derive(Debug)]
pub struct AccountRequest<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: String,
    /// Required from the team page (ACC-2); optional from the command line.
    pub phone: Option<&'a str>,
    pub role: Role,
    pub team: Option<&'a str>,
}

pub fn check_username(name: &str) -> Result<String, ApiError> {
    let name = name.trim().to_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidUsername,
            "a username is 3–32 lower-case letters, digits, '-', '_' or '.'",
        ))
    }
}

pub fn check_display_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(ApiError::new(
            ErrorCode::InvalidName,
            "a display name is 1–40 characters",
        ));
    }
    Ok(name)
}

pub fn check_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < 8 || password.len() > 128 {
        return Err(ApiError::new(
            ErrorCode::WeakPassword,
            "a password is 8 to 128 characters",
        ));
    }
    Ok(())
}

/// A mainland mobile number, normalised, if one is given.
pub fn check_phone(phone: Option<&str>) -> Result<Option<String>, ApiError> {
    phone
        .map(|p| {
            parse_phone(p).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidPhone,
                    "a mainland mobile number, 11 digits",
                )
            })
        })
        .transpose()
}

/// A shop's or the platform desk's slug: 2–32 lower-case letters, digits and `-`, as it
/// appears in chat links (`/chat/{slug}`).
pub fn check_slug(slug: &str) -> Result<String, ApiError> {
    let slug = slug.trim().to_lowercase();
    let ok = (2..=32).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug)
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidSlug,
            "a shop's slug is 2–32 lower-case letters, digits or '-'",
        ))
    }
}

pub async fn check_team(
    store: &Store,
    tenant_id: Uuid,
    team: Option<&str>,
) -> Result<(), ApiError> {
    let Some(team) = team else { return Ok(()) };
    let known = store.teams(tenant_id).await?;
    if known.iter().any(|t| t.key == team) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UnknownTeam,
            "no team with that key",
        ))
    }
}

/// Creates a sub-account (ACC-2) within the shop's cap; a new agent starts in probation
/// (ACC-4). Audited as `account.create`.
pub async fn create_account(
    store: &Store,
    tenant_id: Uuid,
    actor: &Actor,
    request: AccountRequest<'_>,
) -> Result<User, ApiError> {
    let username = check_username(request.username)?;
    let display_name = check_display_name(request.display_name)?;
    check_password(&request.password)?;
    let phone = request
        .phone
        .map(|p| {
            parse_phone(p).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidPhone,
                    "a mainland mobile number, 11 digits",
                )
            })
        })
        .transpose()?;
    let team = request.team.map(str::trim).filter(|t| !t.is_empty());
    check_team(store, tenant_id, team).await?;
    let settings = store.shop_settings(tenant_id).await?;
    if store.count_accounts(tenant_id).await? >= settings.max_accounts {
        return Err(ErrorCode::AccountLimitReached.into());
    }
    let probation_until =
        (request.role == Role::Agent).then(|| now_ms() + settings.probation_days * DAY_MS);
    let password_hash = auth::hash_password(request.password).await?;
    let user = store
        .create_user(
            &NewUser {
                tenant_id,
                username: &username,
                display_name,
                password_hash: &password_hash,
                role: request.role,
                team,
                phone: phone.as_deref(),
                probation_until,
                created_by: actor.id,
            },
            |user| {
                vec![actor.entry(
                    tenant_id,
                    "account.create",
                    format!("user:{}", user.id),
                    serde_json::json!({
                        "username": user.username, "role": user.role, "team": user.team,
                        "probation_until": user.probation_until,
                    }),
                )]
            },
        )
        .await?;
    Ok(user)
}

/// Sets a new password and signs the account out of the UI everywhere. Audited as
/// `account.password_reset`.
pub async fn reset_password(
    store: &Store,
    tenant_id: Uuid,
    actor: &Actor,
    user_id: Uuid,
    password: String,
) -> Result<User, ApiError> {
    check_password(&password)?;
    let password_hash = auth::hash_password(password).await?;
    let user = store
        .set_password(tenant_id, user_id, &password_hash, |user| {
            vec![actor.entry(
                tenant_id,
                "account.password_reset",
                format!("user:{}", user.id),
                serde_json::json!({ "username": user.username }),
            )]
        })
        .await?;
    Ok(user)
}

/// Creates a shop or the platform's desk (ACC-1), with a fresh identity secret and the
/// default teams. Audited as `tenant.create` in the new tenant's own log.
pub async fn create_tenant(
    store: &Store,
    actor: &Actor,
    kind: TenantKind,
    slug: &str,
    name: &str,
) -> Result<Tenant, ApiError> {
    let slug = check_slug(slug)?;
    let name = check_display_name(name)?;
    let tenant = store
        .create_tenant(kind, &slug, name, &auth::random_secret(), |tenant| {
            vec![actor.entry(
                tenant.id,
                "tenant.create",
                format!("tenant:{}", tenant.id),
                serde_json::json!({ "kind": tenant.kind, "slug": tenant.slug, "name": tenant.name }),
            )]
        })
        .await?;
    Ok(tenant)
}
