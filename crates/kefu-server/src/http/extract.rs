//! Request extractors that answer bad input with kefu's `{code, message}` errors instead of
//! axum's plain-text rejections.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum_extra::extract::CookieJar;
use kefu_domain::error_code::ErrorCode;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::{
    Agent, BuyerCaller, CSRF_HEADER, SESSION_COOKIE, authenticate_agent, constant_time_eq,
};
use crate::error::ApiError;

/// Whether reading a body failed because it stalled (`RequestBodyTimeoutLayer`).
fn body_timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// A JSON body. Malformed JSON, bad UTF-8, wrong field types and a missing content type are
/// `400 invalid_json`; too large is `413 body_too_large`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ErrorCode::BodyTooLarge.into())
            }
            Err(e) if body_timed_out(&e) => Err(ApiError::new(
                ErrorCode::RequestTimeout,
                "the request body stalled; send it again",
            )),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidJson, e.body_text())),
        }
    }
}

/// A raw body (an imported file). Too large is `413 body_too_large`; a body that stalls or
/// breaks off is `408 request_timeout`.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S> FromRequest<S> for ApiBytes
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(ApiBytes(bytes)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ErrorCode::BodyTooLarge.into())
            }
            Err(e) => Err(ApiError::new(
                ErrorCode::RequestTimeout,
                format!("the request body could not be read; send it again ({e})"),
            )),
        }
    }
}

/// Query parameters, with `400 invalid_query` on bad ones.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidQuery, e.body_text())),
        }
    }
}

/// Path parameters, with `400 invalid_path` when one does not parse (a malformed id, say).
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(e) => Err(ApiError::new(ErrorCode::InvalidPath, e.body_text())),
        }
    }
}

/// A WebSocket upgrade, with `400 websocket_expected` when the request is plain HTTP (axum's
/// own rejection is a plain-text body without a code).
pub struct ApiWebSocket(pub WebSocketUpgrade);

impl<S> FromRequestParts<S> for ApiWebSocket
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match WebSocketUpgrade::from_request_parts(parts, state).await {
            Ok(upgrade) => Ok(ApiWebSocket(upgrade)),
            Err(e) => Err(ApiError::new(
                ErrorCode::WebsocketExpected,
                format!("this route takes a WebSocket: {}", e.body_text()),
            )),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Agent, ApiError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let cookie = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
        let agent = authenticate_agent(state, bearer(parts), cookie.as_deref()).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if agent.by_cookie && !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !constant_time_eq(sent.as_bytes(), agent.csrf_token.as_bytes()) {
                return Err(ErrorCode::CsrfFailed.into());
            }
        }
        Ok(agent)
    }
}

impl FromRequestParts<AppState> for BuyerCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<BuyerCaller, ApiError> {
        let token = bearer(parts).ok_or(ErrorCode::Unauthenticated)?;
        let claims = state
            .keys
            .verify_buyer_token(token)
            .ok_or(ErrorCode::Unauthenticated)?;
        Ok(BuyerCaller { claims })
    }
}
