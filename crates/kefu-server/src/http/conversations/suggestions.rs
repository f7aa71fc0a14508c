//! Replies the robot suggests to an agent for a conversation (BOT-6).

use axum::Json;
use axum::extract::State;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_robot::Action;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::desk::robot::robot_for;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;

/// A reply the robot suggests to an agent (BOT-3 assist).
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub probability: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    /// The buyer message they answer.
    pub message_seq: Option<i64>,
    pub suggestions: Vec<Suggestion>,
}

/// Suggested replies for the buyer's latest message in a conversation, best first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/suggestions", tag = "robot", params(("id" = Uuid, Path)),
    responses((status = 200, body = Suggestions), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Suggestions>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let conversation = state
        .store
        .conversation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let messages = state
        .store
        .messages(agent.tenant_id(), conversation.id, 0, Some(i64::MAX), 30)
        .await?;
    let latest = messages.iter().rev().find(|m| {
        m.sender_kind == kefu_domain::message::SenderKind::Buyer
            && m.kind == kefu_domain::message::MessageKind::Text
    });
    let Some(latest) = latest else {
        return Ok(Json(Suggestions {
            message_seq: None,
            suggestions: vec![],
        }));
    };
    let robot = robot_for(&state, agent.tenant_id()).await?;
    let context = crate::desk::robot::context_of(&state, &conversation).await;
    let decision = robot.decide(&latest.body, &context);
    let handed_off = matches!(
        decision.action,
        Action::Handoff { .. } | Action::Greet { .. }
    );
    let suggestions = decision
        .candidates
        .iter()
        .filter(|c| !handed_off || c.probability >= robot.answer_threshold(&context))
        .filter(|c| c.probability >= robot.thresholds.option)
        .take(3)
        .filter_map(|c| {
            robot
                .entries()
                .iter()
                .find(|e| e.id == c.id)
                .map(|e| Suggestion {
                    id: e.id.clone(),
                    question: e.question.clone(),
                    answer: e.answer.text.clone(),
                    probability: c.probability,
                })
        })
        .collect();
    Ok(Json(Suggestions {
        message_seq: Some(latest.seq),
        suggestions,
    }))
}
