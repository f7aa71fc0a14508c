//! The one API error type. Every error is an `ErrorCode` (its stable snake_case string and its
//! HTTP status, `kefu_domain::error_code`) with a message for people; the body is always
//! `{code, message}`, and clients translate the code, never the message. No HTTP types here:
//! `desk` returns these too, and `http::error` turns them into responses (internal errors
//! logged once there and answered with a bare 500).

use kefu_domain::commerce::InputError;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::FrameError;
use kefu_domain::message::ContentError;
use kefu_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Refused with `code`, answered with the code's status (`ErrorCode::status`: 400 for a
    /// malformed request, 404 for `…_not_found`, 409 for a conflict, …); `message` says why.
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    /// 500 `internal`: a bug or an outage; the detail goes to the server log only.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// `code` with a message of its own.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError::Refused {
            code,
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        self.code().status()
    }

    /// The stable code. Every code is listed in `docs/http-api.md` (checked by the tidy test).
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Refused { code, .. } => *code,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

impl From<ErrorCode> for ApiError {
    /// `code` with its usual message: a few fixed sentences, `conversation not found` for
    /// `conversation_not_found`, `conflict: already_taken` for a conflict.
    fn from(code: ErrorCode) -> ApiError {
        let message = match code {
            ErrorCode::Unauthenticated => "sign in first",
            ErrorCode::InvalidCredentials => "wrong username or password",
            ErrorCode::Forbidden => "your role does not allow this",
            ErrorCode::CsrfFailed => "missing or wrong X-CSRF-Token header",
            ErrorCode::BodyTooLarge => "the request body is too large",
            ErrorCode::UnsupportedFileType => "this file type is not accepted",
            ErrorCode::RateLimited => "too many requests; try again shortly",
            ErrorCode::Unavailable => "the service is unavailable",
            ErrorCode::Internal => "internal error",
            _ if code.status() == 409 => return ApiError::new(code, format!("conflict: {code}")),
            _ => return ApiError::new(code, code.as_str().replace('_', " ")),
        };
        ApiError::new(code, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            // The store names the thing (`"conversation"`) and the conflict's code as text;
            // the tidy test checks that each names an `ErrorCode`.
            StoreError::NotFound(thing) => ErrorCode::parse(&format!("{thing}_not_found"))
                .unwrap_or(ErrorCode::NotFound)
                .into(),
            StoreError::Conflict(code) => match ErrorCode::parse(code) {
                Some(code) => code.into(),
                None => ApiError::Internal(format!("a conflict with no error code: {code}")),
            },
            StoreError::WriterGone => ErrorCode::Unavailable.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> ApiError {
        ApiError::new(e.code, e.message)
    }
}

impl From<ContentError> for ApiError {
    fn from(e: ContentError) -> ApiError {
        ApiError::new(e.code(), e.to_string())
    }
}

impl From<FrameError> for ApiError {
    fn from(e: FrameError) -> ApiError {
        ApiError::new(e.code(), e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_bring_their_status_and_usual_message() {
        let e = ApiError::from(ErrorCode::ConversationNotFound);
        assert_eq!(
            (e.status(), e.to_string().as_str()),
            (404, "conversation not found")
        );
        let e = ApiError::from(ErrorCode::AlreadyTaken);
        assert_eq!(
            (e.status(), e.to_string().as_str()),
            (409, "conflict: already_taken")
        );
        let e = ApiError::new(ErrorCode::InvalidJson, "expected a string");
        assert_eq!(e.status(), 400);
        assert_eq!(e.body().message, "expected a string");
        assert_eq!(
            ApiError::from(ErrorCode::Forbidden).to_string(),
            "your role does not allow this"
        );
    }

    #[test]
    fn internal_details_stay_out_of_the_body() {
        let body = ApiError::Internal("disk full at /var/lib/kefu".into()).body();
        assert_eq!(body.code, ErrorCode::Internal);
        assert_eq!(body.message, "internal error");
    }

    #[test]
    fn store_errors_keep_their_codes() {
        let code = |e: StoreError| ApiError::from(e).code();
        assert_eq!(
            code(StoreError::NotFound("conversation")),
            ErrorCode::ConversationNotFound
        );
        assert_eq!(
            code(StoreError::NotFound("assignee")),
            ErrorCode::AssigneeNotFound
        );
        assert_eq!(
            code(StoreError::NotFound("anything else")),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(StoreError::Conflict("handoff_closed")),
            ErrorCode::HandoffClosed
        );
        assert_eq!(
            code(StoreError::Conflict("no such code")),
            ErrorCode::Internal
        );
        assert_eq!(code(StoreError::WriterGone), ErrorCode::Unavailable);
    }
}
