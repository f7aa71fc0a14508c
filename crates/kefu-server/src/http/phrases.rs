//! `/phrases`: quick phrases (WB-3, issue #17). Every agent uses the shop's, their team's and
//! their own; supervisors (`team.manage`) write the shop's and the teams', each agent their
//! own. A search for a conversation comes back with the variables filled from it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::phrases::{self, Filled, Phrase, PhraseInput, PhraseScope, Searchable, Values};
use kefu_domain::role::Permission;
use kefu_store::Visible;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Agent;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{AppState, audit};

/// The most phrases one search answers with.
const MAX_LISTED: usize = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhraseQuery {
    /// Text, shortcut or pinyin initials ("fh" finds 发货); empty lists the most used.
    q: Option<String>,
    /// Fill the variables from this conversation.
    conversation: Option<Uuid>,
    /// `all`: every phrase of the shop, to manage them (`team.manage`).
    view: Option<String>,
    /// At most this many (default 50, at most 500).
    limit: Option<usize>,
}

/// A phrase, with its text filled for the conversation asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhraseView {
    #[serde(flatten)]
    pub phrase: Phrase,
    /// Whether the caller may change it.
    pub editable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filled: Option<Filled>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhraseList {
    pub phrases: Vec<PhraseView>,
    /// Phrases matching, before the limit.
    pub total: usize,
}

/// Whether `agent` may change a phrase of this scope and owner.
fn may_edit(agent: &Agent, scope: PhraseScope, owner: Option<Uuid>) -> bool {
    match scope {
        PhraseScope::Shop | PhraseScope::Team => agent.may(Permission::TeamManage),
        PhraseScope::Personal => owner == Some(agent.user.id),
    }
}

/// What the variables stand for in a conversation the caller may read.
async fn values_for(state: &AppState, agent: &Agent, id: Uuid) -> Result<Values, ApiError> {
    let tenant = agent.tenant_id();
    let conversation = state
        .store
        .conversation(tenant, id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let agent_name = Some(agent.user.display_name.clone());
    Ok(crate::desk::automation::values_of(state, &conversation, agent_name, None).await)
}

/// The quick phrases the caller may use (or, with `view=all`, every phrase of the shop),
/// searched by text, shortcut or pinyin initials, most used first.
#[utoipa::path(get, path = "/api/v1/phrases", tag = "conversations", params(PhraseQuery),
    responses((status = 200, body = PhraseList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn phrases(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<PhraseQuery>,
) -> Result<Json<PhraseList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let team = agent.user.team.clone().unwrap_or_default();
    let who = match query.view.as_deref() {
        Some("all") => {
            agent.require(Permission::TeamManage)?;
            Visible::All
        }
        None | Some("mine") => Visible::Agent {
            id: agent.user.id,
            team: &team,
        },
        Some(_) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                "view is mine or all",
            ));
        }
    };
    let rows = state.store.phrases(agent.tenant_id(), who).await?;
    let searchable: Vec<Searchable<'_>> = rows
        .iter()
        .map(|r| Searchable {
            text: &r.phrase.text,
            category: &r.phrase.category,
            shortcut: r.phrase.shortcut.as_deref(),
            initials: &r.initials,
            uses: r.phrase.uses,
        })
        .collect();
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_LISTED);
    let found = phrases::search(
        &searchable,
        query.q.as_deref().unwrap_or_default(),
        usize::MAX,
    );
    let values = match query.conversation {
        Some(id) => Some(values_for(&state, &agent, id).await?),
        None => None,
    };
    let total = found.len();
    let phrases = found
        .into_iter()
        .take(limit)
        .map(|i| {
            let phrase = rows[i].phrase.clone();
            PhraseView {
                editable: may_edit(&agent, phrase.scope, phrase.owner_id),
                filled: values.as_ref().map(|v| phrases::fill(&phrase.text, v)),
                phrase,
            }
        })
        .collect();
    Ok(Json(PhraseList { phrases, total }))
}

/// A checked phrase, or `invalid_phrase` with why.
/// The phrase checked, its picture one of the shop's uploaded pictures and its product one of
/// the shop's catalogue (what the composer sends after the text).
async fn checked(
    state: &AppState,
    tenant_id: Uuid,
    input: PhraseInput,
) -> Result<phrases::CheckedPhrase, ApiError> {
    let phrase = input
        .check()
        .map_err(|(code, why)| ApiError::new(code, why))?;
    if let Some(id) = phrase.image
        && crate::desk::robot::shop_picture(state, tenant_id, id)
            .await?
            .is_none()
    {
        return Err(ApiError::new(
            ErrorCode::AttachmentNotFound,
            "the picture is not one of the shop's uploaded pictures",
        ));
    }
    if let Some(code) = &phrase.product_code
        && state.store.product(tenant_id, code).await?.is_none()
    {
        return Err(ErrorCode::ProductNotFound.into());
    }
    Ok(phrase)
}

/// Adds a phrase: the shop's or a team's (`team.manage`), or the caller's own.
#[utoipa::path(post, path = "/api/v1/phrases", tag = "conversations", request_body = PhraseInput,
    responses((status = 201, body = Phrase), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "The picture or the product is not the shop's"), (status = 409, body = ErrorBody)))]
pub async fn add_phrase(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(input): ApiJson<PhraseInput>,
) -> Result<(StatusCode, Json<Phrase>), ApiError> {
    let owner = match input.scope {
        PhraseScope::Personal => {
            agent.require(Permission::ConversationReply)?;
            Some(agent.user.id)
        }
        PhraseScope::Shop | PhraseScope::Team => {
            agent.require(Permission::TeamManage)?;
            None
        }
    };
    let phrase = checked(&state, agent.tenant_id(), input).await?;
    let saved = state
        .store
        .add_phrase(agent.tenant_id(), owner, &phrase, |saved| {
            audited(&agent, "phrase.create", saved)
        })
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::PhraseLimitReached,
                "a shop keeps at most 20,000 quick phrases",
            )
        })?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// The audit entry of a change to the shop's or a team's phrase; an agent's own are theirs.
fn audited(agent: &Agent, action: &str, phrase: &Phrase) -> Vec<kefu_store::NewAudit> {
    match phrase.scope {
        PhraseScope::Personal => vec![],
        PhraseScope::Shop | PhraseScope::Team => vec![audit::by(
            agent,
            action,
            format!("phrase:{}", phrase.id),
            serde_json::json!({
                "scope": phrase.scope,
                "team": phrase.team,
                "category": phrase.category,
                "text": phrase.text,
            }),
        )],
    }
}

/// The phrase, if the caller may change it; `phrase_not_found` for another agent's own.
async fn editable(state: &AppState, agent: &Agent, id: Uuid) -> Result<Phrase, ApiError> {
    let phrase = state
        .store
        .phrase(agent.tenant_id(), id)
        .await?
        .filter(|p| p.scope != PhraseScope::Personal || p.owner_id == Some(agent.user.id))
        .ok_or(ErrorCode::PhraseNotFound)?;
    if !may_edit(agent, phrase.scope, phrase.owner_id) {
        return Err(ErrorCode::Forbidden.into());
    }
    Ok(phrase)
}

/// Rewrites a phrase (its scope and team stay).
#[utoipa::path(put, path = "/api/v1/phrases/{id}", tag = "conversations", params(("id" = Uuid, Path)), request_body = PhraseInput,
    responses((status = 200, body = Phrase), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_phrase(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<PhraseInput>,
) -> Result<Json<Phrase>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let before = editable(&state, &agent, id).await?;
    let phrase = checked(
        &state,
        agent.tenant_id(),
        PhraseInput {
            scope: before.scope,
            team: before.team.clone(),
            ..input
        },
    )
    .await?;
    let saved = state
        .store
        .update_phrase(agent.tenant_id(), id, &phrase, |saved| {
            audited(&agent, "phrase.update", saved)
        })
        .await?
        .ok_or(ErrorCode::PhraseNotFound)?;
    Ok(Json(saved))
}

/// Removes a phrase.
#[utoipa::path(delete, path = "/api/v1/phrases/{id}", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_phrase(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let before = editable(&state, &agent, id).await?;
    let gone = state
        .store
        .delete_phrase(agent.tenant_id(), id, |_| {
            audited(&agent, "phrase.delete", &before)
        })
        .await?;
    if !gone {
        return Err(ErrorCode::PhraseNotFound.into());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Counts one more sending of a phrase the caller may use (the most used come first).
#[utoipa::path(post, path = "/api/v1/phrases/{id}/used", tag = "conversations", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn phrase_used(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::ConversationReply)?;
    let usable = state
        .store
        .phrase(agent.tenant_id(), id)
        .await?
        .is_some_and(|p| p.usable_by(agent.user.id, agent.user.team.as_deref()));
    if !usable || !state.store.phrase_used(agent.tenant_id(), id).await? {
        return Err(ErrorCode::PhraseNotFound.into());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The shop's and teams' phrases as a CSV file (UTF-8 with a byte-order mark, for Excel):
/// `text,scope,team,category,shortcut,uses`, what `POST /imports/phrases` reads back.
#[utoipa::path(get, path = "/api/v1/phrases/export", tag = "conversations",
    responses((status = 200, body = String, content_type = "text/csv"), (status = 403, body = ErrorBody)))]
pub async fn export_phrases(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    agent.require(Permission::TeamManage)?;
    let rows = state.store.phrases(agent.tenant_id(), Visible::All).await?;
    let mut out = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let written = (|| -> Result<Vec<u8>, csv::Error> {
        out.write_record(["text", "scope", "team", "category", "shortcut", "uses"])?;
        for row in rows
            .iter()
            .filter(|r| r.phrase.scope != PhraseScope::Personal)
        {
            let p = &row.phrase;
            out.write_record([
                p.text.as_str(),
                p.scope.as_str(),
                p.team.as_deref().unwrap_or_default(),
                p.category.as_str(),
                p.shortcut.as_deref().unwrap_or_default(),
                &p.uses.to_string(),
            ])?;
        }
        out.into_inner().map_err(|e| e.into_error().into())
    })()
    .map_err(|e| ApiError::Internal(format!("writing phrases: {e}")))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"phrases.csv\"",
            ),
        ],
        written,
    )
        .into_response())
}
