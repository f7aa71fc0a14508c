//! `/me`: the caller's own availability (WB-9) and verifying the caller's phone number.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::account::{AccountView, AgentStatus, User};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::time::now_ms;
use kefu_store::PhoneCodeCheck;
use serde::Deserialize;
use utoipa::ToSchema;

use super::accounts::view;
use crate::auth::{self, Agent};
use crate::desk::outbound::announce_presence;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiJson;
use crate::{AppState, audit};

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusChange {
    /// `online`, `busy` (no new assignments), `away` (a break, 小休) or `offline`.
    pub status: String,
    /// For a break: why (1–40 characters), e.g. 午饭, 培训.
    #[serde(default)]
    pub reason: Option<String>,
    /// For a break: how long, 1–120 minutes; back online by itself after.
    #[serde(default)]
    pub minutes: Option<i64>,
}

/// Sets the caller's availability (WB-9) and tells the team.
#[utoipa::path(put, path = "/api/v1/me/status", tag = "team", request_body = StatusChange,
    responses((status = 200, body = User), (status = 400, body = ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<StatusChange>,
) -> Result<Json<User>, ApiError> {
    let status = AgentStatus::parse(&request.status).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidStatus,
            "status is online, busy, away or offline",
        )
    })?;
    let on_break = match status {
        AgentStatus::Away => {
            let reason = request
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty() && r.chars().count() <= 40)
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidBreak,
                        "a break needs a reason (1–40 characters)",
                    )
                })?;
            let minutes = request
                .minutes
                .filter(|m| (1..=120).contains(m))
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidBreak, "a break lasts 1 to 120 minutes")
                })?;
            Some((reason.to_owned(), now_ms() + minutes * 60_000))
        }
        _ => None,
    };
    state
        .store
        .set_user_status(
            agent.tenant_id(),
            agent.user.id,
            status,
            on_break.as_ref().map(|(r, until)| (r.as_str(), *until)),
        )
        .await?;
    announce_presence(
        &state,
        agent.tenant_id(),
        agent.user.id,
        status,
        on_break.clone(),
    )
    .await;
    state.dispatcher.wake();
    let (break_reason, break_until) = on_break.unzip();
    Ok(Json(User {
        status,
        break_reason,
        break_until,
        ..agent.user
    }))
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
        return Err(ApiError::new(
            ErrorCode::NoPhone,
            "the account has no phone number",
        ));
    };
    if agent.user.phone_verified {
        return Err(ApiError::new(
            ErrorCode::PhoneAlreadyVerified,
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
        return Err(ErrorCode::RateLimited.into());
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
            return Err(ErrorCode::Unavailable.into());
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
        .check_phone_code(agent.user.id, &hash, CODE_ATTEMPTS, |_| {
            vec![audit::by(
                &agent,
                "account.phone_verified",
                format!("user:{}", agent.user.id),
                serde_json::json!({}),
            )]
        })
        .await?
    {
        PhoneCodeCheck::Verified => {}
        PhoneCodeCheck::Wrong => {
            return Err(ApiError::new(
                ErrorCode::WrongCode,
                "that is not the code we sent",
            ));
        }
        PhoneCodeCheck::Expired | PhoneCodeCheck::NoCode => {
            return Err(ApiError::new(
                ErrorCode::CodeExpired,
                "ask for a new code; the last one expired",
            ));
        }
        PhoneCodeCheck::TooManyAttempts => {
            return Err(ApiError::new(
                ErrorCode::TooManyAttempts,
                "too many wrong codes; ask for a new one",
            ));
        }
    }
    let user = state
        .store
        .user(agent.tenant_id(), agent.user.id)
        .await?
        .ok_or(ErrorCode::UserNotFound)?;
    Ok(Json(view(&agent, user)))
}
