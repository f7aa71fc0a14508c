//! `/appeals`: appeals to the platform (SELF-3) as each side sees them: the platform's desk
//! works its queue (oldest first, against the 15-minute target), takes appeals up and
//! decides; a shop files its own and reopens one once. `/buyer/appeals`: a buyer of the
//! official desk files, follows and reopens theirs.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use kefu_domain::appeal::{self, Appeal, AppealKind, AppealTemplate, Filer, Outcome, Status};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::role::Permission;
use kefu_store::AppealScope;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, BuyerCaller};
use crate::cases::appeals::{self as cases, Filing};
use crate::error::{ApiError, ErrorBody};
use crate::http::arbitrations::{Side, side_of};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

const MAX_LIST: i64 = 200;

/// Appeals with their files' signed links.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppealList {
    pub side: Side,
    /// The templates the caller may file from.
    pub templates: Vec<AppealTemplate>,
    /// The platform's target, in minutes from filing (or reopening) to being taken up.
    pub target_minutes: i64,
    pub appeals: Vec<Appeal>,
    /// Signed links of the appeals' files, by attachment id.
    pub files: BTreeMap<Uuid, String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppealQuery {
    /// `active` (pending and in review: the default), `pending`, `in_review`, `decided` or `all`.
    pub status: Option<String>,
}

fn statuses(status: Option<&str>) -> Result<Vec<Status>, ApiError> {
    Ok(match status.unwrap_or("active") {
        "active" => vec![Status::Pending, Status::InReview],
        "all" => vec![],
        other => vec![Status::parse(other).ok_or(ErrorCode::InvalidAppeal)?],
    })
}

fn templates_for(buyers: bool) -> Vec<AppealTemplate> {
    appeal::templates()
        .into_iter()
        .filter(|t| if buyers { t.for_buyers } else { t.for_shops })
        .collect()
}

fn linked(
    state: &AppState,
    side: Side,
    templates: Vec<AppealTemplate>,
    appeals: Vec<Appeal>,
) -> AppealList {
    let files = appeals
        .iter()
        .flat_map(|a| a.files.iter().map(|f| f.attachment_id))
        .map(|id| (id, state.keys.file_url(id)))
        .collect();
    AppealList {
        side,
        templates,
        target_minutes: appeal::TARGET_MINUTES,
        appeals,
        files,
    }
}

/// The platform's queue (oldest first), or the appeals a shop filed (newest first).
#[utoipa::path(get, operation_id = "appeals", path = "/api/v1/appeals", tag = "escalations", params(AppealQuery),
    responses((status = 200, body = AppealList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<AppealQuery>,
) -> Result<Json<AppealList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let statuses = statuses(q.status.as_deref())?;
    let side = side_of(&state, &agent).await?;
    let scope = match side {
        Side::Platform => AppealScope::Platform(agent.tenant_id()),
        Side::Shop => AppealScope::Filer(agent.tenant_id(), None),
    };
    let appeals = state.store.appeals(&scope, &statuses, MAX_LIST).await?;
    Ok(Json(linked(&state, side, templates_for(false), appeals)))
}

/// What is filed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FileAppeal {
    pub kind: AppealKind,
    pub order_no: Option<String>,
    /// The description (1–2,000 characters), from the kind's template.
    pub description: String,
    /// The filer's uploads (pictures, PDF, video), at most 9.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// A shop files an appeal with the platform's desk (`escalation.handle`).
#[utoipa::path(post, operation_id = "file_appeal", path = "/api/v1/appeals", tag = "escalations", request_body = FileAppeal,
    responses((status = 200, body = AppealList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(input): ApiJson<FileAppeal>,
) -> Result<Json<AppealList>, ApiError> {
    agent.require(Permission::EscalationHandle)?;
    if side_of(&state, &agent).await? != Side::Shop {
        return Err(ErrorCode::Forbidden.into());
    }
    let filing = Filing {
        kind: input.kind,
        order_no: input.order_no,
        description: &input.description,
        attachment_ids: &input.attachment_ids,
    };
    let filed = cases::file_as_shop(
        &state,
        agent.tenant_id(),
        (agent.user.id, agent.name()),
        filing,
    )
    .await?;
    Ok(Json(linked(
        &state,
        Side::Shop,
        templates_for(false),
        vec![filed],
    )))
}

async fn at_version(
    state: &AppState,
    agent: &Agent,
    id: Uuid,
    version: i64,
) -> Result<Appeal, ApiError> {
    let appeal = state
        .store
        .appeal(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::AppealNotFound)?;
    if appeal.version != version {
        return Err(ErrorCode::AppealClosed.into());
    }
    Ok(appeal)
}

async fn as_platform(
    state: &AppState,
    agent: &Agent,
    id: Uuid,
    version: i64,
) -> Result<Appeal, ApiError> {
    agent.require(Permission::ArbitrationRule)?;
    if side_of(state, agent).await? != Side::Platform {
        return Err(ErrorCode::Forbidden.into());
    }
    at_version(state, agent, id, version).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TakeAppeal {
    pub version: i64,
}

/// The platform's desk takes an appeal up (`arbitration.rule`): its clock stops.
#[utoipa::path(post, operation_id = "take_appeal", path = "/api/v1/appeals/{id}/take", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = TakeAppeal,
    responses((status = 200, body = AppealList), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn take(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<TakeAppeal>,
) -> Result<Json<AppealList>, ApiError> {
    let appeal = as_platform(&state, &agent, id, input.version).await?;
    let taken = cases::take(&state, &appeal, (agent.user.id, agent.name())).await?;
    Ok(Json(linked(&state, Side::Platform, vec![], vec![taken])))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecideAppeal {
    pub version: i64,
    pub outcome: Outcome,
    /// Why (1–2,000 characters); the filer reads it.
    pub reason: String,
}

/// The platform's desk decides (`arbitration.rule`); the filer is told (a buyer in their
/// conversation with the desk, a shop by a notice).
#[utoipa::path(post, operation_id = "decide_appeal", path = "/api/v1/appeals/{id}/decision", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = DecideAppeal,
    responses((status = 200, body = AppealList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<DecideAppeal>,
) -> Result<Json<AppealList>, ApiError> {
    let appeal = as_platform(&state, &agent, id, input.version).await?;
    let by = (agent.user.id, agent.name());
    let decided = cases::decide(&state, &appeal, input.outcome, &input.reason, by).await?;
    Ok(Json(linked(&state, Side::Platform, vec![], vec![decided])))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReopenAppeal {
    pub version: i64,
    /// The new facts (1–2,000 characters).
    pub facts: String,
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// A shop reopens its decided appeal once, with new evidence (`escalation.handle`).
#[utoipa::path(post, operation_id = "reopen_appeal", path = "/api/v1/appeals/{id}/reopen", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = ReopenAppeal,
    responses((status = 200, body = AppealList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ReopenAppeal>,
) -> Result<Json<AppealList>, ApiError> {
    agent.require(Permission::EscalationHandle)?;
    if side_of(&state, &agent).await? != Side::Shop {
        return Err(ErrorCode::Forbidden.into());
    }
    let appeal = at_version(&state, &agent, id, input.version).await?;
    let again = cases::reopen(
        &state,
        &appeal,
        agent.tenant_id(),
        &input.facts,
        &input.attachment_ids,
    )
    .await?;
    Ok(Json(linked(
        &state,
        Side::Shop,
        templates_for(false),
        vec![again],
    )))
}

/// A buyer's appeals on the official desk (newest first), and the templates they may file from.
#[utoipa::path(get, operation_id = "buyer_appeals", path = "/api/v1/buyer/appeals", tag = "buyer",
    responses((status = 200, body = AppealList), (status = 401, body = ErrorBody)))]
pub async fn buyer_list(
    State(state): State<AppState>,
    caller: BuyerCaller,
) -> Result<Json<AppealList>, ApiError> {
    let scope = AppealScope::Filer(caller.claims.tenant, Some(caller.claims.sub));
    let appeals = state.store.appeals(&scope, &[], MAX_LIST).await?;
    Ok(Json(linked(
        &state,
        Side::Shop,
        templates_for(true),
        appeals,
    )))
}

/// A buyer of the official desk files an appeal (`invalid_appeal` on a shop's chat page).
#[utoipa::path(post, operation_id = "buyer_file_appeal", path = "/api/v1/buyer/appeals", tag = "buyer", request_body = FileAppeal,
    responses((status = 200, body = AppealList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn buyer_file(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiJson(input): ApiJson<FileAppeal>,
) -> Result<Json<AppealList>, ApiError> {
    let filing = Filing {
        kind: input.kind,
        order_no: input.order_no,
        description: &input.description,
        attachment_ids: &input.attachment_ids,
    };
    let filed =
        cases::file_as_buyer(&state, caller.claims.tenant, caller.claims.sub, filing).await?;
    Ok(Json(linked(
        &state,
        Side::Shop,
        templates_for(true),
        vec![filed],
    )))
}

/// A buyer reopens their decided appeal once, with new evidence.
#[utoipa::path(post, operation_id = "buyer_reopen_appeal", path = "/api/v1/buyer/appeals/{id}/reopen", tag = "buyer",
    params(("id" = Uuid, Path)), request_body = ReopenAppeal,
    responses((status = 200, body = AppealList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn buyer_reopen(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ReopenAppeal>,
) -> Result<Json<AppealList>, ApiError> {
    let tenant = caller.claims.tenant;
    let appeal = state
        .store
        .appeal(tenant, id)
        .await?
        .filter(
            |a| matches!(&a.filer, Filer::Buyer { buyer_id, .. } if *buyer_id == caller.claims.sub),
        )
        .ok_or(ErrorCode::AppealNotFound)?;
    if appeal.version != input.version {
        return Err(ErrorCode::AppealClosed.into());
    }
    let again = cases::reopen(&state, &appeal, tenant, &input.facts, &input.attachment_ids).await?;
    Ok(Json(linked(
        &state,
        Side::Shop,
        templates_for(true),
        vec![again],
    )))
}
