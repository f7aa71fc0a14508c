//! `/robot/proposals` (BOT-5): the training loop's review queue. A person approves a
//! proposal (a new entry, or new similar questions for an entry) or rejects it, and a
//! rejected question is not proposed again; a run can be started on demand.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use kefu_store::ProposalRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::jobs::training::{strings, train};
use crate::{AppState, audit};

/// A proposal in the review queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: Uuid,
    /// `new_entry` or `similar`.
    pub kind: String,
    pub entry_id: Option<String>,
    pub entry_question: Option<String>,
    pub question: String,
    pub similar: Vec<String>,
    pub answer: String,
    /// How many times buyers asked.
    pub count: i64,
    pub examples: Vec<String>,
    pub human_answers: Vec<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub created_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

fn view(row: ProposalRow, decided_by: Option<String>) -> ProposalView {
    let b = &row.body;
    ProposalView {
        id: row.id,
        kind: row.kind,
        entry_id: row.entry_id,
        entry_question: b["entry_question"].as_str().map(str::to_owned),
        question: b["question"].as_str().unwrap_or_default().to_owned(),
        similar: strings(&b["similar"]),
        answer: b["answer"].as_str().unwrap_or_default().to_owned(),
        count: row.asked,
        examples: strings(&b["examples"]),
        human_answers: strings(&b["human_answers"]),
        status: row.status,
        created_at: row.created_at,
        decided_by,
        decided_at: row.decided_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingRun {
    /// Proposals this run made (pending ones from before are replaced).
    pub created: u64,
    /// Proposals now waiting for review.
    pub pending: u64,
}

/// Analyses the robot's misses now (it also runs weekly).
#[utoipa::path(post, path = "/api/v1/robot/proposals/run", tag = "robot",
    responses((status = 200, body = TrainingRun), (status = 403, body = ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<TrainingRun>, ApiError> {
    agent.require(Permission::KbManage)?;
    let created = train(&state, agent.tenant_id()).await?;
    let pending = state
        .store
        .proposals(agent.tenant_id(), "pending", 1_000)
        .await?
        .len() as u64;
    Ok(Json(TrainingRun { created, pending }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// `pending` (the default), `approved` or `rejected`.
    pub status: Option<String>,
}

/// The review queue.
#[utoipa::path(get, path = "/api/v1/robot/proposals", tag = "robot", params(ProposalQuery),
    responses((status = 200, body = Vec<ProposalView>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<ProposalQuery>,
) -> Result<Json<Vec<ProposalView>>, ApiError> {
    agent.require(Permission::KbManage)?;
    let status = query.status.as_deref().unwrap_or("pending");
    if !["pending", "approved", "rejected"].contains(&status) {
        return Err(ApiError::new(
            ErrorCode::BadStatus,
            "status is pending, approved or rejected",
        ));
    }
    let rows = state
        .store
        .proposals(agent.tenant_id(), status, 500)
        .await?;
    // Each decider's name once, however many proposals they decided.
    let mut names: std::collections::HashMap<Uuid, Option<String>> = Default::default();
    let mut views = vec![];
    for row in rows {
        let by = match row.decided_by {
            Some(user) if !names.contains_key(&user) => {
                let name = state
                    .store
                    .user(agent.tenant_id(), user)
                    .await?
                    .map(|u| u.display_name);
                names.insert(user, name.clone());
                name
            }
            Some(user) => names.get(&user).cloned().flatten(),
            None => None,
        };
        views.push(view(row, by));
    }
    Ok(Json(views))
}

/// What the reviewer changed before approving; missing fields keep the proposal's.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProposalEdit {
    pub question: Option<String>,
    pub similar: Option<Vec<String>>,
    pub answer: Option<String>,
    /// For a new entry: its id (else one is made up).
    pub entry_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Approved {
    pub entry: super::KbEntryView,
}

async fn pending(state: &AppState, agent: &Agent, id: Uuid) -> Result<ProposalRow, ApiError> {
    let row = state
        .store
        .proposal(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::ProposalNotFound)?;
    if row.status != "pending" {
        return Err(ErrorCode::ProposalDecided.into());
    }
    Ok(row)
}

/// Approves a proposal: a new entry, or the phrasings added to the entry's similar
/// questions. The robot is rebuilt with it.
#[utoipa::path(post, operation_id = "approve_proposal", path = "/api/v1/robot/proposals/{id}/approve", tag = "robot", params(("id" = Uuid, Path)),
    request_body = ProposalEdit,
    responses((status = 200, body = Approved), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    body: axum::body::Bytes,
) -> Result<Json<Approved>, ApiError> {
    agent.require(Permission::KbManage)?;
    // The body is optional: nothing edited approves the proposal as it is.
    let edit: ProposalEdit = match body.iter().all(u8::is_ascii_whitespace) {
        true => ProposalEdit::default(),
        false => serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?,
    };
    let row = pending(&state, &agent, id).await?;
    let proposal = view(row, None);
    let similar = edit.similar.unwrap_or(proposal.similar);
    let stored = state.store.kb_entries(agent.tenant_id()).await?;
    let entry = match (proposal.kind.as_str(), &proposal.entry_id) {
        ("similar", Some(entry_id)) => {
            let stored = stored
                .into_iter()
                .find(|r| &r.id == entry_id)
                .ok_or(ErrorCode::KbEntryNotFound)?;
            let mut entry: kefu_robot::Entry = serde_json::from_value(stored.body)
                .map_err(|e| ApiError::Internal(format!("a stored entry: {e}")))?;
            for text in similar.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                if text != entry.question && !entry.similar.iter().any(|s| s == text) {
                    entry.similar.push(text.to_owned());
                }
            }
            entry
        }
        // A new entry never replaces one of the same id.
        _ if edit
            .entry_id
            .as_ref()
            .is_some_and(|id| stored.iter().any(|r| &r.id == id)) =>
        {
            return Err(ErrorCode::KbEntryExists.into());
        }
        _ => kefu_robot::Entry {
            id: edit
                .entry_id
                .unwrap_or_else(|| format!("learned-{}", &id.simple().to_string()[20..])),
            question: edit.question.unwrap_or(proposal.question).trim().to_owned(),
            similar: similar
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            answer: kefu_robot::Answer {
                text: edit.answer.unwrap_or(proposal.answer).trim().to_owned(),
                ..Default::default()
            },
            ..Default::default()
        },
    };
    entry
        .check()
        .map_err(|code| ApiError::new(code, "the entry needs an id, a question and an answer"))?;
    let body = serde_json::to_value(&entry).map_err(|e| ApiError::Internal(e.to_string()))?;
    if !state
        .store
        .decide_proposal(
            agent.tenant_id(),
            id,
            Some((&entry.id, &body)),
            agent.user.id,
            |_| {
                vec![audit::by(
                    &agent,
                    "kb.proposal_approve",
                    format!("kb:{}", entry.id),
                    serde_json::json!({ "proposal": id, "kind": proposal.kind }),
                )]
            },
        )
        .await?
    {
        return Err(ErrorCode::ProposalDecided.into());
    }
    crate::desk::robot::rebuild_soon(&state, agent.tenant_id());
    Ok(Json(Approved {
        entry: super::KbEntryView::new(&state, body, now_ms()),
    }))
}

/// Rejects a proposal; its questions are not proposed again.
#[utoipa::path(post, operation_id = "reject_proposal", path = "/api/v1/robot/proposals/{id}/reject", tag = "robot", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::KbManage)?;
    pending(&state, &agent, id).await?;
    if !state
        .store
        .decide_proposal(agent.tenant_id(), id, None, agent.user.id, |_| {
            vec![audit::by(
                &agent,
                "kb.proposal_reject",
                format!("proposal:{id}"),
                serde_json::json!({}),
            )]
        })
        .await?
    {
        return Err(ErrorCode::ProposalDecided.into());
    }
    Ok(StatusCode::NO_CONTENT)
}
