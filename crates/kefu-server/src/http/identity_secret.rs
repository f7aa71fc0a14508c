//! `/settings/identity-secret` (CH-2, issue #15): the secret a shop's backend signs member
//! tokens and entry links with. Only a super admin sees it, on request, and rotates it with a
//! grace period in which the old one still verifies; each look and each change is audited.

use axum::Json;
use axum::extract::State;
use kefu_domain::account::{IdentitySecrets, MAX_IDENTITY_GRACE_HOURS};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::{Permission, Role};
use kefu_domain::time::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Agent};
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;
use crate::{AppState, audit};

const HOUR_MS: i64 = 3_600_000;
/// What the settings page offers first: a day to switch the shop's backend over.
const DEFAULT_GRACE_HOURS: u32 = 24;

/// Where the secret stands, without the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentitySecretStatus {
    /// When the current secret replaced another (ms); `null` if it never was rotated.
    pub rotated_at: Option<i64>,
    /// Until when the previous secret still verifies (ms); `null` when it does not.
    pub previous_valid_until: Option<i64>,
}

/// The secret itself, shown once to the super admin who asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedIdentitySecret {
    pub secret: String,
    #[serde(flatten)]
    pub status: IdentitySecretStatus,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RotateIdentitySecret {
    /// How long the old secret keeps verifying, 0–168 hours (default 24); 0 ends it now.
    #[serde(default = "default_grace")]
    pub grace_hours: u32,
}

fn default_grace() -> u32 {
    DEFAULT_GRACE_HOURS
}

fn status(secrets: &IdentitySecrets) -> IdentitySecretStatus {
    IdentitySecretStatus {
        rotated_at: secrets.rotated_at,
        previous_valid_until: secrets.grace_until(now_ms()),
    }
}

/// The secret signs any member's identity, so a permission group cannot hand it out: the
/// caller must be the shop's super admin.
fn require_super_admin(agent: &Agent) -> Result<(), ApiError> {
    agent.require(Permission::SettingsManage)?;
    match agent.user.role {
        Role::SuperAdmin => Ok(()),
        _ => Err(ErrorCode::Forbidden.into()),
    }
}

async fn secrets(state: &AppState, agent: &Agent) -> Result<IdentitySecrets, ApiError> {
    Ok(state
        .store
        .identity_secrets(agent.tenant_id())
        .await?
        .ok_or(ErrorCode::ShopNotFound)?)
}

/// Whether the secret was rotated and whether the old one still verifies.
#[utoipa::path(get, path = "/api/v1/settings/identity-secret", tag = "team",
    responses((status = 200, body = IdentitySecretStatus), (status = 403, body = ErrorBody)))]
pub async fn identity_secret(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<IdentitySecretStatus>, ApiError> {
    require_super_admin(&agent)?;
    Ok(Json(status(&secrets(&state, &agent).await?)))
}

/// Shows the current secret (audited as `identity_secret.reveal`).
#[utoipa::path(post, path = "/api/v1/settings/identity-secret/reveal", tag = "team",
    responses((status = 200, body = RevealedIdentitySecret), (status = 403, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<RevealedIdentitySecret>, ApiError> {
    require_super_admin(&agent)?;
    let secrets = secrets(&state, &agent).await?;
    state
        .store
        .append_audit(&audit::by(
            &agent,
            "identity_secret.reveal",
            "identity_secret",
            serde_json::json!({}),
        ))
        .await?;
    Ok(Json(RevealedIdentitySecret {
        status: status(&secrets),
        secret: secrets.current,
    }))
}

/// A new secret, shown once; the old one verifies for `grace_hours` more (audited as
/// `identity_secret.rotate`).
#[utoipa::path(post, path = "/api/v1/settings/identity-secret/rotate", tag = "team",
    request_body = RotateIdentitySecret,
    responses((status = 200, body = RevealedIdentitySecret), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn rotate(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<RotateIdentitySecret>,
) -> Result<Json<RevealedIdentitySecret>, ApiError> {
    require_super_admin(&agent)?;
    if request.grace_hours > MAX_IDENTITY_GRACE_HOURS {
        return Err(ApiError::new(
            ErrorCode::InvalidGrace,
            "grace_hours is 0–168: how long the old secret keeps verifying",
        ));
    }
    let grace_until =
        (request.grace_hours > 0).then(|| now_ms() + i64::from(request.grace_hours) * HOUR_MS);
    let secrets = state
        .store
        .rotate_identity_secret(
            agent.tenant_id(),
            &auth::random_secret(),
            grace_until,
            |_| {
                vec![audit::by(
                    &agent,
                    "identity_secret.rotate",
                    "identity_secret",
                    serde_json::json!({
                        "grace_hours": request.grace_hours,
                        "previous_valid_until": grace_until,
                    }),
                )]
            },
        )
        .await?
        .ok_or(ErrorCode::ShopNotFound)?;
    Ok(Json(RevealedIdentitySecret {
        status: status(&secrets),
        secret: secrets.current,
    }))
}

/// Stops the previous secret verifying now, once the shop's backend signs with the new one
/// (audited as `identity_secret.end_grace`; nothing to end is not an error).
#[utoipa::path(delete, path = "/api/v1/settings/identity-secret/previous", tag = "team",
    responses((status = 200, body = IdentitySecretStatus), (status = 403, body = ErrorBody)))]
pub async fn end_grace(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<IdentitySecretStatus>, ApiError> {
    require_super_admin(&agent)?;
    state
        .store
        .end_identity_grace(
            agent.tenant_id(),
            vec![audit::by(
                &agent,
                "identity_secret.end_grace",
                "identity_secret",
                serde_json::json!({}),
            )],
        )
        .await?;
    Ok(Json(status(&secrets(&state, &agent).await?)))
}
