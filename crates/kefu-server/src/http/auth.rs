//! `/auth`: signing in and out, the caller's session, and API tokens.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use kefu_domain::account::{AccountView, Tenant, User};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Agent, SESSION_COOKIE};
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;
use crate::{AppState, audit};

/// Longer usernames do not exist; refusing them early keeps the limiter's keys small.
const MAX_USERNAME_BYTES: usize = 64;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Who is signed in, and the token to echo in `X-CSRF-Token` on changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The account, with its own full phone number.
    pub user: AccountView,
    pub tenant: Tenant,
    pub csrf_token: String,
    /// What the account may do now (role, group grants, probation); the UI shows only these.
    pub permissions: Vec<Permission>,
    /// In probation until then (ACC-4).
    pub probation_until: Option<i64>,
}

async fn me_of(state: &AppState, user: User, csrf_token: String) -> Result<Me, ApiError> {
    let tenant = state
        .store
        .tenant(user.tenant_id)
        .await?
        .ok_or_else(|| ApiError::Internal("user without tenant".into()))?;
    let permissions = auth::permissions_of(state, &user).await?.list();
    let probation_until = user
        .probation_until
        .filter(|until| *until > kefu_domain::time::now_ms());
    let phone = user.phone.clone();
    Ok(Me {
        user: AccountView { user, phone },
        tenant,
        csrf_token,
        permissions,
        probation_until,
    })
}

/// Signs in and sets the `kefu_session` cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<(CookieJar, Json<Me>), ApiError> {
    let username = request.username.trim().to_lowercase();
    if username.is_empty() || username.len() > MAX_USERNAME_BYTES {
        return Err(ErrorCode::InvalidCredentials.into());
    }
    if state.login_limiter.check_key(&username).is_err() {
        tracing::warn!(%username, %peer, "login rate limit hit");
        return Err(ErrorCode::RateLimited.into());
    }
    let Some((user, hash)) = state.store.user_for_login(&username).await? else {
        // Spend the same time as a real check, so timing does not reveal usernames.
        let _ = auth::hash_password(request.password).await;
        return Err(ErrorCode::InvalidCredentials.into());
    };
    if !auth::verify_password(request.password, hash).await {
        let failed = audit::by_actor(
            user.tenant_id,
            Some(user.id),
            &user.display_name,
            "login.failed",
            format!("user:{}", user.id),
            serde_json::json!({ "peer": peer.ip().to_string() }),
        );
        audit::record_event(&state, failed).await;
        return Err(ErrorCode::InvalidCredentials.into());
    }
    sign_in(&state, peer, jar, user).await
}

/// Starts a UI session for `user` (the `kefu_session` cookie), audited as `login`.
pub(crate) async fn sign_in(
    state: &AppState,
    peer: SocketAddr,
    jar: CookieJar,
    user: User,
) -> Result<(CookieJar, Json<Me>), ApiError> {
    let token = auth::random_secret();
    let csrf_token = auth::random_secret();
    let hours = state.settings.auth.session_hours;
    state
        .store
        .create_session(
            &auth::sha256_hex(&token),
            user.id,
            true,
            "ui",
            &csrf_token,
            now_ms() + hours * 3600 * 1000,
            |_| {
                vec![audit::by_actor(
                    user.tenant_id,
                    Some(user.id),
                    &user.display_name,
                    "login",
                    format!("user:{}", user.id),
                    serde_json::json!({ "peer": peer.ip().to_string() }),
                )]
            },
        )
        .await?;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.auth.secure_cookies)
        .max_age(time_hours(hours))
        .build();
    let me = me_of(state, user, csrf_token).await?;
    Ok((jar.add(cookie), Json(me)))
}

fn time_hours(hours: i64) -> time::Duration {
    time::Duration::hours(hours)
}

/// Ends the session behind the cookie or token used.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    agent: Agent,
    jar: CookieJar,
) -> Result<impl IntoResponse, ApiError> {
    state.store.delete_session(&agent.token_hash).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, StatusCode::NO_CONTENT))
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, agent: Agent) -> Result<Json<Me>, ApiError> {
    Ok(Json(me_of(&state, agent.user, agent.csrf_token).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for, e.g. "order system".
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    /// Send as `Authorization: Bearer …`. Shown once; kefu keeps only its hash.
    pub token: String,
    pub expires_at: i64,
}

/// Creates an API token acting as the caller, valid for a year.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = TokenCreated)))]
pub async fn create_token(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::new(
            ErrorCode::InvalidName,
            "name the token (1–100 characters)",
        ));
    }
    let token = auth::random_secret();
    let expires_at = now_ms() + 365 * 24 * 3600 * 1000;
    state
        .store
        .create_session(
            &auth::sha256_hex(&token),
            agent.user.id,
            false,
            name,
            &auth::random_secret(),
            expires_at,
            |_| {
                vec![audit::by(
                    &agent,
                    "token.create",
                    format!("user:{}", agent.user.id),
                    serde_json::json!({ "name": name, "expires_at": expires_at }),
                )]
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated { token, expires_at }),
    ))
}
