//! `/setup` (issue #15): the first-run page's API. Open only while the server has no shop, and
//! only with the token printed at start.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use kefu_domain::account::TenantKind;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::accounts::{self, AccountRequest, Actor};
use crate::error::{ApiError, ErrorBody};
use crate::http::auth::{Me, sign_in};
use crate::http::extract::ApiJson;

#[derive(Debug, Serialize, ToSchema)]
pub struct SetupStatus {
    /// The server has no shop yet and its setup link works.
    pub open: bool,
}

/// Whether the first-run setup is open.
#[utoipa::path(get, path = "/api/v1/setup", tag = "auth",
    responses((status = 200, body = SetupStatus)))]
pub async fn setup_status(State(state): State<AppState>) -> Json<SetupStatus> {
    Json(SetupStatus {
        open: state.setup.is_open(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetupRequest {
    /// The token of the link printed when kefu started.
    pub token: String,
    /// `shop` for a single shop, `platform` for a platform's official desk.
    pub kind: TenantKind,
    pub slug: String,
    pub name: String,
    pub username: String,
    pub display_name: String,
    /// At least 8 characters.
    pub password: String,
    /// A mainland mobile number; may be left out.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Creates the first shop (or the platform desk) and its super admin, and signs them in. The
/// link's token works once.
#[utoipa::path(post, path = "/api/v1/setup", tag = "auth", request_body = SetupRequest,
    responses((status = 201, body = Me), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn setup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(request): ApiJson<SetupRequest>,
) -> Result<(StatusCode, CookieJar, Json<Me>), ApiError> {
    if !state.setup.is_open() {
        return Err(ApiError::new(
            ErrorCode::SetupDone,
            "this server is set up already: sign in",
        ));
    }
    if !state.setup.admits(&request.token) {
        return Err(ApiError::new(
            ErrorCode::InvalidSetupToken,
            "use the link kefu printed when it started",
        ));
    }
    // Everything checked before anything is created or the token is spent.
    accounts::check_slug(&request.slug)?;
    accounts::check_display_name(&request.name)?;
    accounts::check_username(&request.username)?;
    accounts::check_display_name(&request.display_name)?;
    accounts::check_password(&request.password)?;
    let phone = request
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    accounts::check_phone(phone)?;
    if !state.setup.close(&request.token) {
        return Err(ApiError::new(
            ErrorCode::SetupDone,
            "this server is set up already: sign in",
        ));
    }
    let actor = Actor {
        id: None,
        name: request.display_name.trim().to_owned(),
    };
    let tenant = match accounts::create_tenant(
        &state.store,
        &actor,
        request.kind,
        &request.slug,
        &request.name,
    )
    .await
    {
        Ok(tenant) => tenant,
        Err(error) => {
            state.setup.reopen(&request.token);
            return Err(error);
        }
    };
    let user = accounts::create_account(
        &state.store,
        tenant.id,
        &actor,
        AccountRequest {
            username: &request.username,
            display_name: &request.display_name,
            password: request.password,
            phone,
            role: Role::SuperAdmin,
            team: None,
        },
    )
    .await?;
    tracing::info!(shop = %tenant.slug, admin = %user.username, "first-run setup done");
    let (jar, me) = sign_in(&state, peer, jar, user).await?;
    Ok((StatusCode::CREATED, jar, me))
}
