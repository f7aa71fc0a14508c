//! `/escalations`: escalation (ESC-1): the shop's escalations (the cockpit lists those not
//! handled), an agent escalating a conversation or work order, taking one up and handling it
//! at its level, and the shop's rules. `/notify`: where notifications go besides kefu
//! (webhooks, phones), a test, and the delivery log.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::escalation::{Escalation, EscalationRules, Level, Status, Subject, Trigger};
use kefu_domain::frames::NoticeKind;
use kefu_domain::notify::{NotifyEvent, NotifySettings};
use kefu_domain::role::Permission;
use kefu_store::{Delivery, EscalationQuery};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Agent;
use crate::cases::escalations::{self as cases, Raise};
use crate::cases::notify::{self, Notice};
use crate::error::{ApiError, ErrorBody};
use crate::http::automation::save_document;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

const MAX_LIST: i64 = 200;
const MAX_LOG: i64 = 200;

/// An escalation with the names the cockpit shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationView {
    #[serde(flatten)]
    pub escalation: Escalation,
    /// The conversation's buyer, if it has one.
    pub buyer_name: Option<String>,
    pub raised_by_name: Option<String>,
    pub owner_name: Option<String>,
    /// The work order's number, if one.
    pub work_order_number: Option<String>,
    /// Whether the caller may take up and handle it (its level's permission).
    pub may_handle: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationList {
    pub escalations: Vec<EscalationView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EscalationListQuery {
    /// `active` (open and taken: the cockpit's), `open`, `taken`, `handled` or `all`.
    pub status: Option<String>,
    pub conversation_id: Option<Uuid>,
    pub work_order_id: Option<Uuid>,
    /// 1–200, 50 by default.
    pub limit: Option<i64>,
}

fn statuses(status: Option<&str>) -> Result<Vec<Status>, ApiError> {
    Ok(match status.unwrap_or("active") {
        "active" => vec![Status::Open, Status::Taken],
        "all" => vec![],
        other => vec![Status::parse(other).ok_or(ErrorCode::InvalidEscalation)?],
    })
}

/// The shop's people by id, as their names read (display name, else username): read once
/// per answer, not once per escalation.
async fn names(state: &AppState, tenant_id: Uuid) -> Result<BTreeMap<Uuid, String>, ApiError> {
    Ok(state
        .store
        .team(tenant_id)
        .await?
        .into_iter()
        .map(|u| {
            let name = match u.display_name.as_str() {
                "" => u.username,
                name => name.to_owned(),
            };
            (u.id, name)
        })
        .collect())
}

async fn view(
    state: &AppState,
    agent: &Agent,
    names: &BTreeMap<Uuid, String>,
    escalation: Escalation,
) -> Result<EscalationView, ApiError> {
    let tenant = agent.tenant_id();
    let buyer_name = match escalation.conversation_id {
        Some(id) => state
            .store
            .conversation(tenant, id)
            .await?
            .map(|c| c.buyer_name),
        None => None,
    };
    let work_order_number = match escalation.work_order_id {
        Some(id) => state.store.work_order(tenant, id).await?.map(|o| o.number),
        None => None,
    };
    let name = |id: Option<Uuid>| id.and_then(|id| names.get(&id).cloned());
    Ok(EscalationView {
        buyer_name,
        raised_by_name: name(escalation.raised_by),
        owner_name: name(escalation.owner_id),
        work_order_number,
        may_handle: agent.may(escalation.level.permission()),
        escalation,
    })
}

/// The shop's escalations, newest raised first: by default those not handled (the cockpit's
/// list), or by status, conversation or work order.
#[utoipa::path(get, operation_id = "escalations", path = "/api/v1/escalations", tag = "escalations", params(EscalationListQuery),
    responses((status = 200, body = EscalationList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<EscalationListQuery>,
) -> Result<Json<EscalationList>, ApiError> {
    agent.require(Permission::EscalationRaise)?;
    let query = EscalationQuery {
        statuses: statuses(q.status.as_deref())?,
        conversation_id: q.conversation_id,
        work_order_id: q.work_order_id,
        limit: q.limit.unwrap_or(50).clamp(1, MAX_LIST),
    };
    let found = state.store.escalations(agent.tenant_id(), &query).await?;
    let names = names(&state, agent.tenant_id()).await?;
    let mut escalations = Vec::with_capacity(found.len());
    for e in found {
        escalations.push(view(&state, &agent, &names, e).await?);
    }
    Ok(Json(EscalationList { escalations }))
}

/// An agent escalates a conversation or a work order (one of the two).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EscalateInput {
    pub conversation_id: Option<Uuid>,
    pub work_order_id: Option<Uuid>,
    /// `one`, `two` or `three`; level 3 (a public-opinion crisis) needs a reason.
    pub level: Level,
    /// Why (1–500 characters).
    pub reason: String,
}

/// Escalates a conversation or work order to the level the agent chose (never down: one
/// already higher stays so). The new level is told at once (in kefu, webhooks, phones).
#[utoipa::path(post, operation_id = "escalate", path = "/api/v1/escalations", tag = "escalations", request_body = EscalateInput,
    responses((status = 200, body = EscalationView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn escalate(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(input): ApiJson<EscalateInput>,
) -> Result<Json<EscalationView>, ApiError> {
    agent.require(Permission::EscalationRaise)?;
    let tenant = agent.tenant_id();
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > kefu_domain::escalation::MAX_NOTE_CHARS {
        return Err(ErrorCode::InvalidEscalation.into());
    }
    let subject = match (input.conversation_id, input.work_order_id) {
        (Some(id), None) => {
            state
                .store
                .conversation(tenant, id)
                .await?
                .ok_or(ErrorCode::ConversationNotFound)?;
            Subject::Conversation(id)
        }
        (None, Some(id)) => {
            let order = state
                .store
                .work_order(tenant, id)
                .await?
                .ok_or(ErrorCode::WorkOrderNotFound)?;
            Subject::WorkOrder {
                id,
                conversation_id: order.conversation_id,
            }
        }
        _ => return Err(ErrorCode::InvalidEscalation.into()),
    };
    let raised = cases::raise(
        &state,
        tenant,
        Raise {
            subject,
            triggers: vec![Trigger::Agent],
            level: Some(input.level),
            reason,
            by: Some(agent.user.id),
        },
    )
    .await?
    .ok_or(ErrorCode::InvalidEscalation)?;
    Ok(Json(
        view(
            &state,
            &agent,
            &names(&state, agent.tenant_id()).await?,
            raised,
        )
        .await?,
    ))
}

/// The version the caller read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TakeInput {
    pub version: i64,
}

async fn at_its_level(
    state: &AppState,
    agent: &Agent,
    id: Uuid,
    version: i64,
) -> Result<Escalation, ApiError> {
    agent.require(Permission::EscalationRaise)?;
    let current = state
        .store
        .escalation(agent.tenant_id(), id)
        .await?
        .ok_or(ErrorCode::EscalationNotFound)?;
    agent.require(current.level.permission())?;
    if current.version != version {
        return Err(ErrorCode::EscalationChanged.into());
    }
    Ok(current)
}

/// Takes an escalation up: level 1 any agent, level 2 `escalation.handle`, level 3
/// `escalation.crisis`. Stops its clock.
#[utoipa::path(post, operation_id = "take_escalation", path = "/api/v1/escalations/{id}/take", tag = "escalations", params(("id" = Uuid, Path)),
    request_body = TakeInput,
    responses((status = 200, body = EscalationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn take(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<TakeInput>,
) -> Result<Json<EscalationView>, ApiError> {
    let current = at_its_level(&state, &agent, id, input.version).await?;
    let taken = cases::take(&state, agent.tenant_id(), &current, agent.user.id).await?;
    Ok(Json(
        view(
            &state,
            &agent,
            &names(&state, agent.tenant_id()).await?,
            taken,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HandleInput {
    pub version: i64,
    /// What was done (1–500 characters).
    pub outcome: String,
}

/// Marks an escalation handled, with what was done: it leaves the cockpit.
#[utoipa::path(post, operation_id = "handle_escalation", path = "/api/v1/escalations/{id}/handle", tag = "escalations", params(("id" = Uuid, Path)),
    request_body = HandleInput,
    responses((status = 200, body = EscalationView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn handle(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<HandleInput>,
) -> Result<Json<EscalationView>, ApiError> {
    let current = at_its_level(&state, &agent, id, input.version).await?;
    let done = cases::handle(
        &state,
        agent.tenant_id(),
        &current,
        agent.user.id,
        &input.outcome,
    )
    .await?;
    Ok(Json(
        view(
            &state,
            &agent,
            &names(&state, agent.tenant_id()).await?,
            done,
        )
        .await?,
    ))
}

/// The shop's escalation rules.
#[utoipa::path(get, operation_id = "escalation_rules", path = "/api/v1/escalations/rules", tag = "escalations",
    responses((status = 200, body = EscalationRules)))]
pub async fn rules(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<EscalationRules>, ApiError> {
    agent.require(Permission::EscalationRaise)?;
    let (rules, _) = state
        .store
        .shop_document::<EscalationRules>(agent.tenant_id())
        .await?;
    Ok(Json(rules))
}

/// Saves the escalation rules (`escalation.handle`); audited. Messages from then on are
/// read against them.
#[utoipa::path(put, operation_id = "put_escalation_rules", path = "/api/v1/escalations/rules", tag = "escalations", request_body = EscalationRules,
    responses((status = 200, body = EscalationRules), (status = 400, body = ErrorBody)))]
pub async fn put_rules(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(rules): ApiJson<EscalationRules>,
) -> Result<Json<EscalationRules>, ApiError> {
    agent.require(Permission::EscalationHandle)?;
    rules.check()?;
    save_document(&state, &agent, &rules, "escalation_rules.change").await?;
    cases::forget_rules(&state, agent.tenant_id());
    Ok(Json(rules))
}

/// Where the shop's notifications go besides kefu.
#[utoipa::path(get, operation_id = "notify_settings", path = "/api/v1/notify/settings", tag = "escalations",
    responses((status = 200, body = NotifySettings)))]
pub async fn notify_settings(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<NotifySettings>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let (settings, _) = state
        .store
        .shop_document::<NotifySettings>(agent.tenant_id())
        .await?;
    Ok(Json(settings))
}

/// Saves the webhooks and phones (`settings.manage`); audited.
#[utoipa::path(put, operation_id = "put_notify_settings", path = "/api/v1/notify/settings", tag = "escalations", request_body = NotifySettings,
    responses((status = 200, body = NotifySettings), (status = 400, body = ErrorBody)))]
pub async fn put_notify_settings(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(settings): ApiJson<NotifySettings>,
) -> Result<Json<NotifySettings>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let settings = settings.checked()?;
    save_document(&state, &agent, &settings, "notify_settings.change").await?;
    Ok(Json(settings))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    /// Deliveries queued (webhooks that take the test).
    pub queued: usize,
}

/// Sends a `test` event to the webhooks that take it; see it in the delivery log.
#[utoipa::path(post, operation_id = "test_notify", path = "/api/v1/notify/test", tag = "escalations",
    responses((status = 202, body = Queued)))]
pub async fn test(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    agent.require(Permission::SettingsManage)?;
    let tenant = agent.tenant_id();
    let (settings, _) = state.store.shop_document::<NotifySettings>(tenant).await?;
    let slug = state
        .store
        .tenant(tenant)
        .await?
        .map(|t| t.slug)
        .unwrap_or_default();
    let notice = Notice {
        event: Some(NotifyEvent::Test),
        kind: NoticeKind::Escalation,
        title: "测试通知".to_owned(),
        link: "/agent/cockpit?tab=notify".to_owned(),
        to: Some(agent.user.id),
        level: None,
        data: json!({ "by": agent.user.username }),
    };
    let deliveries = notify::deliveries_for(&settings, &slug, &notice, kefu_domain::time::now_ms());
    state.store.queue_deliveries(tenant, &deliveries).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Queued {
            queued: deliveries.len(),
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryLog {
    pub deliveries: Vec<Delivery>,
}

/// The delivery log, newest first (30 days): each webhook call and text message, its tries
/// and how the last went. Phone numbers are masked.
#[utoipa::path(get, operation_id = "notify_deliveries", path = "/api/v1/notify/deliveries", tag = "escalations",
    responses((status = 200, body = DeliveryLog)))]
pub async fn deliveries(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<DeliveryLog>, ApiError> {
    agent.require(Permission::SettingsManage)?;
    let mut deliveries = state.store.deliveries(agent.tenant_id(), MAX_LOG).await?;
    for d in &mut deliveries {
        if d.channel == "sms" {
            d.target = kefu_domain::account::mask_phone(&d.target);
        }
    }
    Ok(Json(DeliveryLog { deliveries }))
}
