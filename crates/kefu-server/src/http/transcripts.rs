//! Evidence (issue #20): `/buyer/transcript`, a buyer's conversation with the shop as a sealed
//! HTML file to keep or attach to an appeal; `/transcripts/verify`, the check that a file is
//! exactly as kefu sealed it.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, BuyerCaller};
use crate::cases::transcript;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiBytes;

/// The buyer's current conversation as a sealed HTML file (a download).
#[utoipa::path(get, operation_id = "buyer_transcript", path = "/api/v1/buyer/transcript", tag = "buyer",
    responses((status = 200, body = String, content_type = "text/html"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: BuyerCaller,
) -> Result<Response, ApiError> {
    let file = transcript::export(&state, caller.claims.tenant, caller.claims.sub).await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.html,
    )
        .into_response())
}

/// What a checked transcript is.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptCheck {
    /// Exactly as kefu sealed it: not a character changed.
    pub valid: bool,
    /// The conversation it is of (when valid).
    pub conversation_id: Option<Uuid>,
}

/// Checks a transcript file (sent as the body): whether it is exactly as kefu sealed it.
#[utoipa::path(post, operation_id = "verify_transcript", path = "/api/v1/transcripts/verify", tag = "escalations",
    request_body(content = String, description = "the transcript file", content_type = "text/html"),
    responses((status = 200, body = TranscriptCheck), (status = 400, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    agent: Agent,
    ApiBytes(body): ApiBytes,
) -> Result<Json<TranscriptCheck>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let html = std::str::from_utf8(&body).map_err(|_| ErrorCode::InvalidTranscript)?;
    let verified = transcript::verify(&state, html);
    Ok(Json(TranscriptCheck {
        valid: verified.is_some(),
        conversation_id: verified.map(|v| v.conversation_id),
    }))
}
