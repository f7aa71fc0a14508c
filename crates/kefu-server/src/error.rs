//! The one API error type. Each variant's doc names its HTTP status; the body is always
//! `{code, message}` with a stable snake_case `code` that clients translate. No HTTP types
//! here: `desk` returns these too, and `http::error` turns them into responses (internal
//! errors logged once there and answered with a bare 500).

use kefu_domain::frames::FrameError;
use kefu_domain::message::ContentError;
use kefu_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed; `code` says how.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// 401: no valid session, token or buyer token.
    #[error("sign in first")]
    Unauthenticated,
    /// 401: wrong username or password.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// 403: signed in, but the role does not allow this (ACC-3).
    #[error("your role does not allow this")]
    Forbidden,
    /// 403 with its own code, e.g. `order_not_yours`.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// 403: a cookie-authenticated change without the matching `X-CSRF-Token`.
    #[error("missing or wrong X-CSRF-Token header")]
    CsrfFailed,
    /// 404: no such thing in the caller's tenant (other tenants' things look the same, ACC-1).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the change conflicts with what is stored.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// 413: the upload is larger than the limit for its type.
    #[error("the file is larger than {limit_mib} MiB")]
    FileTooLarge { limit_mib: usize },
    /// 413: the request body is over the limit.
    #[error("the request body is too large")]
    BodyTooLarge,
    /// 415: the upload's content is not an accepted picture or file type.
    #[error("this file type is not accepted")]
    UnsupportedFileType,
    /// 429: too many attempts; try again later.
    #[error("too many requests; try again shortly")]
    RateLimited,
    /// 503: the server is shutting down or the database is unreachable.
    #[error("the service is unavailable")]
    Unavailable,
    /// 500: a bug or an outage; details are in the server log only.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthenticated | ApiError::InvalidCredentials => 401,
            ApiError::Forbidden | ApiError::CsrfFailed | ApiError::Refused { .. } => 403,
            ApiError::NotFound(_) => 404,
            ApiError::Conflict(_) => 409,
            ApiError::FileTooLarge { .. } => 413,
            ApiError::BodyTooLarge => 413,
            ApiError::UnsupportedFileType => 415,
            ApiError::RateLimited => 429,
            ApiError::Unavailable => 503,
            ApiError::Internal(_) => 500,
        }
    }

    /// The stable code. Every code is listed in `docs/http-api.md` (checked by the tidy test).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. } => code,
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Forbidden => "forbidden",
            ApiError::Refused { code, .. } => code,
            ApiError::CsrfFailed => "csrf_failed",
            ApiError::NotFound(thing) => match *thing {
                "conversation" => "conversation_not_found",
                "attachment" => "attachment_not_found",
                "buyer" => "buyer_not_found",
                "shop" => "shop_not_found",
                "assignee" => "assignee_not_found",
                "order" => "order_not_found",
                "product" => "product_not_found",
                "handoff" => "handoff_not_found",
                "user" => "user_not_found",
                "group" => "group_not_found",
                "grant" => "grant_not_found",
                "approval" => "approval_not_found",
                "flow" => "flow_not_found",
                "proposal" => "proposal_not_found",
                _ => "not_found",
            },
            ApiError::Conflict(code) => code,
            ApiError::FileTooLarge { .. } => "file_too_large",
            ApiError::BodyTooLarge => "body_too_large",
            ApiError::UnsupportedFileType => "unsupported_file_type",
            ApiError::RateLimited => "rate_limited",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(thing) => ApiError::NotFound(thing),
            StoreError::Conflict(code) => ApiError::Conflict(code),
            StoreError::WriterGone => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<ContentError> for ApiError {
    fn from(e: ContentError) -> ApiError {
        ApiError::bad_request(e.code().as_str(), e.to_string())
    }
}

impl From<FrameError> for ApiError {
    fn from(e: FrameError) -> ApiError {
        ApiError::bad_request(e.code().as_str(), e.to_string())
    }
}
