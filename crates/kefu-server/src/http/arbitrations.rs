//! `/arbitrations`: arbitration by the platform (ACC-1, ESC-1), as each side sees it. The
//! platform's desk lists every case filed with it, reads the shop's conversation and order
//! (read-only), asks for evidence and rules; a shop lists its own cases with its arbitration
//! rate, sends evidence and carries rulings out. `/buyer/arbitration`: the buyer asks for the
//! platform to step in, follows the case and sends evidence.

use axum::Json;
use axum::extract::State;
use kefu_domain::account::TenantKind;
use kefu_domain::arbitration::{Arbitration, Party, RulingKind, Status};
use kefu_domain::commerce::Order;
use kefu_domain::conversation::EventKind;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::Message;
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, BuyerCaller};
use crate::cases::arbitration::{self as cases, Actor};
use crate::error::{ApiError, ErrorBody};
use crate::http::conversations::{MessagesQuery, message_page};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

const RATE_WINDOW_MS: i64 = 30 * 24 * 3_600_000;

/// Which side of its cases the caller is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ArbitrationSide)]
pub enum Side {
    Platform,
    Shop,
}

/// A shop's arbitration rate: cases filed against it per conversation, the last 30 days.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArbitrationRate {
    pub cases: i64,
    /// Conversations begun (or begun again) in the same 30 days.
    pub conversations: i64,
    /// Cases per 100 conversations.
    pub per_hundred: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArbitrationList {
    /// False on a deployment without a platform desk: there is no arbitration.
    pub enabled: bool,
    pub side: Side,
    pub cases: Vec<Arbitration>,
    /// The shop's rate (shops only).
    pub rate: Option<ArbitrationRate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArbitrationQuery {
    /// `active` (not closed: the default), `open`, `awaiting_evidence`, `ruled`, `closed` or
    /// `all`.
    pub status: Option<String>,
}

fn statuses(status: Option<&str>) -> Result<Vec<Status>, ApiError> {
    Ok(match status.unwrap_or("active") {
        "active" => vec![Status::Open, Status::AwaitingEvidence, Status::Ruled],
        "all" => vec![],
        other => vec![Status::parse(other).ok_or(ErrorCode::InvalidArbitration)?],
    })
}

/// Which side the caller's tenant is on: the platform desk, or a shop.
pub(crate) async fn side_of(state: &AppState, agent: &Agent) -> Result<Side, ApiError> {
    let tenant = state
        .store
        .tenant(agent.tenant_id())
        .await?
        .ok_or(ErrorCode::Forbidden)?;
    Ok(match tenant.kind {
        TenantKind::Platform => Side::Platform,
        TenantKind::Shop => Side::Shop,
    })
}

fn who(agent: &Agent) -> Actor<'_> {
    Actor {
        tenant_id: agent.tenant_id(),
        id: Some(agent.user.id),
        name: agent.name(),
    }
}

/// The caller's side's cases, newest first; for a shop, its rate.
#[utoipa::path(get, operation_id = "arbitrations", path = "/api/v1/arbitrations", tag = "escalations", params(ArbitrationQuery),
    responses((status = 200, body = ArbitrationList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ArbitrationQuery>,
) -> Result<Json<ArbitrationList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let statuses = statuses(q.status.as_deref())?;
    let side = side_of(&state, &agent).await?;
    let enabled = cases::platform(&state).await?.is_some();
    let tenant = agent.tenant_id();
    let cases = state.store.arbitrations(tenant, &statuses, 200).await?;
    let rate = match side {
        Side::Platform => None,
        Side::Shop => {
            let now = now_ms();
            let since = now - RATE_WINDOW_MS;
            let cases = state.store.count_arbitrations(tenant, since).await?;
            let conversations = state
                .store
                .count_events(
                    tenant,
                    &[EventKind::Created, EventKind::Reopened],
                    since,
                    now + 1,
                )
                .await?;
            let per_hundred = match conversations {
                0 => 0.0,
                n => (cases as f64) * 100.0 / (n as f64),
            };
            Some(ArbitrationRate {
                cases,
                conversations,
                per_hundred,
            })
        }
    };
    Ok(Json(ArbitrationList {
        enabled,
        side,
        cases,
        rate,
    }))
}

/// A case with what the platform reads to rule it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArbitrationDetail {
    pub case: Arbitration,
    pub side: Side,
    /// The shop's conversation with the buyer (read-only for the platform), oldest first.
    pub messages: Vec<Message>,
    /// The case's order, if it names one.
    pub order: Option<Order>,
    /// Signed links of the evidence's files, by attachment id.
    pub files: std::collections::BTreeMap<Uuid, String>,
}

async fn case_for(state: &AppState, agent: &Agent, id: Uuid) -> Result<Arbitration, ApiError> {
    state
        .store
        .arbitration(agent.tenant_id(), id)
        .await?
        .ok_or_else(|| ErrorCode::ArbitrationNotFound.into())
}

async fn detail(
    state: &AppState,
    case: Arbitration,
    side: Side,
) -> Result<ArbitrationDetail, ApiError> {
    let page = MessagesQuery {
        after_seq: None,
        before_seq: None,
        limit: Some(500),
    };
    let messages = message_page(state, case.shop_id, case.conversation_id, &page)
        .await?
        .messages;
    let order = match &case.order_no {
        Some(no) => state.store.order(case.shop_id, no).await?,
        None => None,
    };
    let files = case
        .evidence
        .iter()
        .filter_map(|e| e.attachment_id)
        .map(|id| (id, state.keys.file_url(id)))
        .collect();
    Ok(ArbitrationDetail {
        case,
        side,
        messages,
        order,
        files,
    })
}

/// One case of the caller's side, with the conversation, the order and the evidence's files.
#[utoipa::path(get, operation_id = "arbitration", path = "/api/v1/arbitrations/{id}", tag = "escalations", params(("id" = Uuid, Path)),
    responses((status = 200, body = ArbitrationDetail), (status = 404, body = ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ArbitrationDetail>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let case = case_for(&state, &agent, id).await?;
    let side = side_of(&state, &agent).await?;
    Ok(Json(detail(&state, case, side).await?))
}

/// A case as read at `version`, for the platform's desk (`arbitration.rule`) or the shop
/// (`escalation.handle`).
async fn to_act_on(
    state: &AppState,
    agent: &Agent,
    id: Uuid,
    version: i64,
    as_side: Side,
) -> Result<Arbitration, ApiError> {
    agent.require(match as_side {
        Side::Platform => Permission::ArbitrationRule,
        Side::Shop => Permission::EscalationHandle,
    })?;
    if side_of(state, agent).await? != as_side {
        return Err(ErrorCode::Forbidden.into());
    }
    let case = case_for(state, agent, id).await?;
    if case.version != version {
        return Err(ErrorCode::ArbitrationClosed.into());
    }
    Ok(case)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AskEvidence {
    pub version: i64,
    /// `buyer` or `shop`.
    pub party: Party,
    /// What to send (1–1,000 characters).
    pub text: String,
}

/// The platform's desk asks the buyer or the shop for evidence, due in 24 hours; they are told
/// (the buyer in their conversation).
#[utoipa::path(post, operation_id = "ask_arbitration_evidence", path = "/api/v1/arbitrations/{id}/evidence-requests", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = AskEvidence,
    responses((status = 200, body = ArbitrationDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn ask_evidence(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AskEvidence>,
) -> Result<Json<ArbitrationDetail>, ApiError> {
    let case = to_act_on(&state, &agent, id, input.version, Side::Platform).await?;
    let case = cases::ask_evidence(&state, &case, input.party, &input.text, who(&agent)).await?;
    Ok(Json(detail(&state, case, Side::Platform).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddEvidence {
    pub version: i64,
    /// What it shows (1–1,000 characters).
    pub text: String,
    /// An upload of the shop's (`POST /api/v1/attachments`).
    pub attachment_id: Option<Uuid>,
}

async fn shop_file(
    state: &AppState,
    tenant_id: Uuid,
    id: Option<Uuid>,
) -> Result<Option<Uuid>, ApiError> {
    match id {
        Some(id) => Ok(Some(
            state
                .store
                .attachment(id)
                .await?
                .filter(|a| a.tenant_id == tenant_id)
                .ok_or(ErrorCode::AttachmentNotFound)?
                .attachment
                .id,
        )),
        None => Ok(None),
    }
}

/// The shop sends evidence, before the ruling; the platform's desk is told.
#[utoipa::path(post, operation_id = "add_arbitration_evidence", path = "/api/v1/arbitrations/{id}/evidence", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = AddEvidence,
    responses((status = 200, body = ArbitrationDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn add_evidence(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AddEvidence>,
) -> Result<Json<ArbitrationDetail>, ApiError> {
    let case = to_act_on(&state, &agent, id, input.version, Side::Shop).await?;
    let file = shop_file(&state, agent.tenant_id(), input.attachment_id).await?;
    let case =
        cases::add_evidence(&state, &case, Party::Shop, &input.text, file, who(&agent)).await?;
    Ok(Json(detail(&state, case, Side::Shop).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RulingInput {
    pub version: i64,
    pub kind: RulingKind,
    /// What the shop pays (fen), for a refund or a compensation.
    pub amount_fen: Option<i64>,
    /// Why (1–1,000 characters).
    pub reason: String,
}

/// The platform's desk rules; audited in both sides' chains. A refund or compensation is the
/// shop's to carry out within 48 hours; no action closes the case.
#[utoipa::path(post, operation_id = "rule_arbitration", path = "/api/v1/arbitrations/{id}/ruling", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = RulingInput,
    responses((status = 200, body = ArbitrationDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn rule(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<RulingInput>,
) -> Result<Json<ArbitrationDetail>, ApiError> {
    let case = to_act_on(&state, &agent, id, input.version, Side::Platform).await?;
    let case = cases::rule(
        &state,
        &case,
        input.kind,
        input.amount_fen,
        &input.reason,
        who(&agent),
    )
    .await?;
    Ok(Json(detail(&state, case, Side::Platform).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplyInput {
    pub version: i64,
    /// How the ruling was carried out (1–1,000 characters).
    pub note: String,
}

/// The shop carried the ruling out; the platform's desk and the buyer are told.
#[utoipa::path(post, operation_id = "comply_arbitration", path = "/api/v1/arbitrations/{id}/comply", tag = "escalations",
    params(("id" = Uuid, Path)), request_body = ComplyInput,
    responses((status = 200, body = ArbitrationDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn comply(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ComplyInput>,
) -> Result<Json<ArbitrationDetail>, ApiError> {
    let case = to_act_on(&state, &agent, id, input.version, Side::Shop).await?;
    let case = cases::comply(&state, &case, &input.note, who(&agent)).await?;
    Ok(Json(detail(&state, case, Side::Shop).await?))
}

/// What the buyer sees of arbitration.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerArbitration {
    /// The buyer may ask now: a platform desk exists, the shop has answered, no case is open.
    pub available: bool,
    /// Their conversation's latest case.
    pub case: Option<Arbitration>,
}

/// Whether the buyer may ask the platform to step in, and their case.
#[utoipa::path(get, operation_id = "buyer_arbitration", path = "/api/v1/buyer/arbitration", tag = "buyer",
    responses((status = 200, body = BuyerArbitration), (status = 401, body = ErrorBody)))]
pub async fn buyer_view(
    State(state): State<AppState>,
    caller: BuyerCaller,
) -> Result<Json<BuyerArbitration>, ApiError> {
    let (available, case) =
        cases::for_buyer(&state, caller.claims.tenant, caller.claims.sub).await?;
    Ok(Json(BuyerArbitration { available, case }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FileArbitration {
    /// What the buyer wants the platform to look at (1–1,000 characters).
    pub reason: String,
}

/// The buyer asks the platform to step in on their conversation, once the shop has answered:
/// the conversation is escalated to level 2 and the platform's desk gets the case.
#[utoipa::path(post, operation_id = "file_arbitration", path = "/api/v1/buyer/arbitration", tag = "buyer", request_body = FileArbitration,
    responses((status = 200, body = BuyerArbitration), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn buyer_file(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiJson(input): ApiJson<FileArbitration>,
) -> Result<Json<BuyerArbitration>, ApiError> {
    let case = cases::file(
        &state,
        caller.claims.tenant,
        caller.claims.sub,
        &input.reason,
    )
    .await?;
    Ok(Json(BuyerArbitration {
        available: false,
        case: Some(case),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuyerEvidence {
    /// What it shows (1–1,000 characters).
    pub text: String,
    /// The buyer's upload (`POST /api/v1/buyer/attachments`).
    pub attachment_id: Option<Uuid>,
}

/// The buyer sends evidence for their open case.
#[utoipa::path(post, operation_id = "buyer_arbitration_evidence", path = "/api/v1/buyer/arbitration/evidence", tag = "buyer",
    request_body = BuyerEvidence,
    responses((status = 200, body = BuyerArbitration), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn buyer_evidence(
    State(state): State<AppState>,
    caller: BuyerCaller,
    ApiJson(input): ApiJson<BuyerEvidence>,
) -> Result<Json<BuyerArbitration>, ApiError> {
    let tenant = caller.claims.tenant;
    let (_, case) = cases::for_buyer(&state, tenant, caller.claims.sub).await?;
    let case = case
        .filter(|c| c.buyer_id == caller.claims.sub && c.status != Status::Closed)
        .ok_or(ErrorCode::ArbitrationNotFound)?;
    let file = shop_file(&state, tenant, input.attachment_id).await?;
    let buyer = Actor {
        tenant_id: tenant,
        id: None,
        name: &case.buyer_name.clone(),
    };
    let case = cases::add_evidence(&state, &case, Party::Buyer, &input.text, file, buyer).await?;
    Ok(Json(BuyerArbitration {
        available: false,
        case: Some(case),
    }))
}
