//! `/work-orders`: work orders (ESC-3): the list with its filters, saved views, bulk changes
//! and CSV export; one order with its history; opening, moving, assigning, editing and
//! noting; the kinds' targets and fields. `/buyer/work-orders`: a buyer's own, as the chat
//! page shows their progress.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::MessageKind;
use kefu_domain::role::Permission;
use kefu_domain::time::now_ms;
use kefu_domain::work_order::{
    self, Due, Move, Priority, Source, Status, WorkOrder, WorkOrderDraft, WorkOrderKind,
    WorkOrderSettings,
};
use kefu_store::{NewWorkOrderEvent, OwnerFilter, WorkOrderEvent, WorkOrderQuery, WorkOrderView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, BuyerCaller};
use crate::cases::work_orders::{self as cases, Actor, Change, Placement};
use crate::desk::inbound::{self, SendMessage};
use crate::error::{ApiError, ErrorBody};
use crate::http::automation::save_document;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

/// A page holds at most this many orders; an export at most `MAX_EXPORT`.
const MAX_PAGE: i64 = 100;
const MAX_EXPORT: i64 = 10_000;
const MAX_BULK: usize = 200;
const MAX_VIEWS: usize = 50;
const MAX_VIEW_NAME_CHARS: usize = 30;
const MAX_NOTE_CHARS: usize = 2_000;

fn actor(agent: &Agent) -> Actor<'_> {
    Actor {
        id: agent.user.id,
        name: &agent.user.display_name,
    }
}

/// An order as lists show it: with where it stands against its deadline now.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderLine {
    #[serde(flatten)]
    pub order: WorkOrder,
    /// `None` while it waits or once it is done.
    pub due: Option<Due>,
}

fn line(order: WorkOrder, now: i64) -> WorkOrderLine {
    WorkOrderLine {
        due: order.due(now),
        order,
    }
}

#[derive(Debug, Default, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct WorkOrderListQuery {
    /// `open` (default: every status before resolved), `done` (resolved or closed), `all`,
    /// or one status.
    pub status: Option<String>,
    pub kind: Option<WorkOrderKind>,
    pub priority: Option<Priority>,
    /// `me`, `none` (nobody has it yet) or an account id.
    pub owner: Option<String>,
    pub team: Option<String>,
    /// Only open orders past their deadline.
    pub overdue: Option<bool>,
    pub conversation_id: Option<Uuid>,
    pub order_no: Option<String>,
    /// In the number or the title.
    pub q: Option<String>,
    /// `deadline` (soonest first, the default for open orders) or `newest`.
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 1–100 (default 50).
    pub page_size: Option<i64>,
}

impl WorkOrderListQuery {
    fn query(&self, agent: &Agent, now: i64) -> Result<WorkOrderQuery, ApiError> {
        let bad = |what: &str| ApiError::new(ErrorCode::InvalidQuery, what.to_owned());
        let statuses = match self.status.as_deref() {
            None | Some("open") => Status::ALL.into_iter().filter(|s| s.is_open()).collect(),
            Some("done") => vec![Status::Resolved, Status::Closed],
            Some("all") => vec![],
            Some(one) => vec![
                Status::parse(one).ok_or_else(|| bad("status is open, done, all or a status"))?,
            ],
        };
        let owner = match self.owner.as_deref() {
            None | Some("") => None,
            Some("me") => Some(OwnerFilter::Person(agent.user.id)),
            Some("none") => Some(OwnerFilter::Nobody),
            Some(id) => Some(OwnerFilter::Person(
                id.parse()
                    .map_err(|_| bad("owner is me, none or an account id"))?,
            )),
        };
        let by_deadline = match self.sort.as_deref() {
            None => statuses.iter().all(|s| s.is_open()) && !statuses.is_empty(),
            Some("deadline") => true,
            Some("newest") => false,
            Some(_) => return Err(bad("sort is deadline or newest")),
        };
        let size = self.page_size.unwrap_or(50);
        let page = self.page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&size) || !(1..=10_000).contains(&page) {
            return Err(bad("page from 1, page_size 1–100"));
        }
        let text = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        Ok(WorkOrderQuery {
            statuses,
            kind: self.kind,
            priority: self.priority,
            owner,
            team: self.team.clone().filter(|t| !t.is_empty()),
            overdue_at: self.overdue.unwrap_or(false).then_some(now),
            conversation_id: self.conversation_id,
            buyer_id: None,
            order_no: self.order_no.clone().filter(|o| !o.is_empty()),
            text: text.map(|t| t.chars().take(64).collect()),
            by_deadline,
            offset: (page - 1) * size,
            limit: size,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderList {
    pub orders: Vec<WorkOrderLine>,
    /// How many match, over every page.
    pub total: i64,
}

/// The shop's work orders by the filters, a page at a time.
#[utoipa::path(get, operation_id = "work_orders", path = "/api/v1/work-orders", tag = "work_orders", params(WorkOrderListQuery),
    responses((status = 200, body = WorkOrderList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<WorkOrderListQuery>,
) -> Result<Json<WorkOrderList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let now = now_ms();
    let query = query.query(&agent, now)?;
    let tenant = agent.tenant_id();
    let total = state.store.count_work_orders(tenant, &query).await?;
    let orders = state.store.work_orders(tenant, &query).await?;
    Ok(Json(WorkOrderList {
        orders: orders.into_iter().map(|o| line(o, now)).collect(),
        total,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenWorkOrder {
    #[serde(flatten)]
    pub draft: WorkOrderDraft,
    /// The conversation it comes from (its buyer's order only).
    #[serde(default)]
    pub conversation_id: Option<Uuid>,
    /// Who has it (yourself without `work_order.manage`), or nobody yet.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub team: Option<String>,
    /// Tell the buyer in the conversation that it was opened (default true).
    #[serde(default = "yes")]
    pub tell_buyer: bool,
    /// `handoff` (a partner hand-off case of the conversation) or `qa` (a QA review) with
    /// `source_id`; a person's own otherwise.
    #[serde(default)]
    pub source: Option<Source>,
    #[serde(default)]
    pub source_id: Option<Uuid>,
}

fn yes() -> bool {
    true
}

/// Opens a work order, from a conversation or on its own; its deadline is its kind's target
/// of office time from now, scaled by its priority.
#[utoipa::path(post, operation_id = "open_work_order", path = "/api/v1/work-orders", tag = "work_orders", request_body = OpenWorkOrder,
    responses((status = 201, body = WorkOrderLine), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<OpenWorkOrder>,
) -> Result<(StatusCode, Json<WorkOrderLine>), ApiError> {
    agent.require(Permission::WorkOrderHandle)?;
    if request.owner_id.is_some_and(|o| o != agent.user.id) {
        agent.require(Permission::WorkOrderManage)?;
    }
    let source = match request.source {
        None | Some(Source::Agent) => Source::Agent,
        Some(Source::Handoff) => Source::Handoff,
        Some(Source::Qa) => Source::Qa,
        Some(Source::Robot) => {
            return Err(ApiError::new(
                ErrorCode::InvalidWorkOrder,
                "only the robot files as the robot",
            ));
        }
        Some(Source::Phone) => {
            return Err(ApiError::new(
                ErrorCode::InvalidWorkOrder,
                "only the phone line files its callbacks",
            ));
        }
    };
    let placement = Placement {
        conversation_id: request.conversation_id,
        source_id: request.source_id,
        owner_id: request.owner_id,
        team: request.team.filter(|t| !t.is_empty()),
        tell_buyer: request.tell_buyer,
    };
    let order = cases::open(
        &state,
        agent.tenant_id(),
        request.draft,
        placement,
        source,
        Some(actor(&agent)),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(line(order, now_ms()))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderDetail {
    #[serde(flatten)]
    pub line: WorkOrderLine,
    /// Every change, note, reminder and alert, oldest first.
    pub events: Vec<WorkOrderEvent>,
}

/// The event with its attachment's signed link.
fn linked(state: &AppState, mut event: WorkOrderEvent) -> WorkOrderEvent {
    event.attachment_url = event.attachment_id.map(|id| state.keys.file_url(id));
    event
}

async fn detail(
    state: &AppState,
    tenant: Uuid,
    order: WorkOrder,
) -> Result<WorkOrderDetail, ApiError> {
    let events = state.store.work_order_events(tenant, order.id).await?;
    let events = events.into_iter().map(|e| linked(state, e)).collect();
    Ok(WorkOrderDetail {
        line: line(order, now_ms()),
        events,
    })
}

/// One order with its history.
#[utoipa::path(get, operation_id = "work_order", path = "/api/v1/work-orders/{id}", tag = "work_orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = WorkOrderDetail), (status = 404, body = ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WorkOrderDetail>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let order = cases::get(&state, agent.tenant_id(), id).await?;
    Ok(Json(detail(&state, agent.tenant_id(), order).await?))
}

/// Applies a person's change to the order as read at `version`: the order after it.
async fn changed(
    state: &AppState,
    agent: &Agent,
    id: Uuid,
    version: i64,
    change: Change,
) -> Result<Json<WorkOrderDetail>, ApiError> {
    let tenant = agent.tenant_id();
    let order = cases::change(state, tenant, id, Some(version), change, Some(actor(agent))).await?;
    Ok(Json(detail(state, tenant, order).await?))
}

/// Someone else's order needs `work_order.manage`; one's own, or one nobody has yet, not.
async fn may_work_on(state: &AppState, agent: &Agent, id: Uuid) -> Result<WorkOrder, ApiError> {
    agent.require(Permission::WorkOrderHandle)?;
    let order = cases::get(state, agent.tenant_id(), id).await?;
    if order.owner_id.is_some_and(|o| o != agent.user.id) {
        agent.require(Permission::WorkOrderManage)?;
    }
    Ok(order)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveWorkOrder {
    /// The version the caller read (`work_order_changed` when it moved on since).
    pub version: i64,
    #[serde(rename = "move")]
    pub step: Move,
    /// Why, for the history (at most 2,000 characters).
    #[serde(default)]
    pub note: String,
}

/// Moves an order along its statuses (start, wait for the buyer or a third party, resume,
/// resolve, close, reopen); the buyer is told its new status in the conversation.
#[utoipa::path(post, operation_id = "move_work_order", path = "/api/v1/work-orders/{id}/moves", tag = "work_orders", params(("id" = Uuid, Path)), request_body = MoveWorkOrder,
    responses((status = 200, body = WorkOrderDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn move_order(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<MoveWorkOrder>,
) -> Result<Json<WorkOrderDetail>, ApiError> {
    may_work_on(&state, &agent, id).await?;
    if request.note.chars().count() > MAX_NOTE_CHARS || request.step == Move::BuyerReplied {
        return Err(ErrorCode::InvalidWorkOrder.into());
    }
    let change = Change {
        status: Some(request.step),
        note: request.note,
        ..Change::default()
    };
    changed(&state, &agent, id, request.version, change).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignWorkOrder {
    pub version: i64,
    /// The person who has it from now (nobody: `null`).
    pub owner_id: Option<Uuid>,
    /// The team it belongs to (`null`: none).
    pub team: Option<String>,
}

/// Gives an order to someone (taking it yourself needs only `work_order.handle`) or a team.
#[utoipa::path(put, operation_id = "assign_work_order", path = "/api/v1/work-orders/{id}/owner", tag = "work_orders", params(("id" = Uuid, Path)), request_body = AssignWorkOrder,
    responses((status = 200, body = WorkOrderDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AssignWorkOrder>,
) -> Result<Json<WorkOrderDetail>, ApiError> {
    may_work_on(&state, &agent, id).await?;
    if request.owner_id.is_some_and(|o| o != agent.user.id) {
        agent.require(Permission::WorkOrderManage)?;
    }
    let change = Change {
        owner: Some(request.owner_id),
        team: Some(request.team.filter(|t| !t.is_empty())),
        ..Change::default()
    };
    changed(&state, &agent, id, request.version, change).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditWorkOrder {
    pub version: i64,
    /// Its kind stays; a new priority scales its target again.
    #[serde(flatten)]
    pub draft: WorkOrderDraft,
}

/// Edits an order's title, description, priority, order, items, amount and custom fields.
#[utoipa::path(put, operation_id = "edit_work_order", path = "/api/v1/work-orders/{id}", tag = "work_orders", params(("id" = Uuid, Path)), request_body = EditWorkOrder,
    responses((status = 200, body = WorkOrderDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<EditWorkOrder>,
) -> Result<Json<WorkOrderDetail>, ApiError> {
    may_work_on(&state, &agent, id).await?;
    let change = Change {
        priority: Some(request.draft.priority),
        draft: Some(request.draft),
        ..Change::default()
    };
    changed(&state, &agent, id, request.version, change).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteWorkOrder {
    /// 1–2,000 characters (may be empty with an attachment).
    #[serde(default)]
    pub text: String,
    /// Sent to the buyer in the order's conversation too (needs `conversation.reply`).
    #[serde(default)]
    pub to_buyer: bool,
    /// An upload (`POST /attachments`) the note carries.
    #[serde(default)]
    pub attachment_id: Option<Uuid>,
}

/// Adds a note to an order's history: internal, or sent to the buyer as your message.
#[utoipa::path(post, operation_id = "note_work_order", path = "/api/v1/work-orders/{id}/notes", tag = "work_orders", params(("id" = Uuid, Path)), request_body = NoteWorkOrder,
    responses((status = 201, body = WorkOrderEvent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn note(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<NoteWorkOrder>,
) -> Result<(StatusCode, Json<WorkOrderEvent>), ApiError> {
    let order = may_work_on(&state, &agent, id).await?;
    let text = request.text.trim();
    let count = text.chars().count();
    if count > MAX_NOTE_CHARS || (count == 0 && request.attachment_id.is_none()) {
        return Err(ApiError::new(
            ErrorCode::MessageEmpty,
            "a note is 1–2,000 characters or an attachment",
        ));
    }
    let attachment = match request.attachment_id {
        Some(id) => Some(
            state
                .store
                .attachment(id)
                .await?
                .filter(|a| a.tenant_id == agent.tenant_id())
                .ok_or(ErrorCode::AttachmentNotFound)?,
        ),
        None => None,
    };
    if request.to_buyer {
        agent.require(Permission::ConversationReply)?;
        let conversation = order
            .conversation_id
            .ok_or(ErrorCode::ConversationRequired)?;
        let key = Uuid::now_v7();
        if !text.is_empty() {
            let send = SendMessage {
                client_msg_id: format!("won-{key}"),
                kind: MessageKind::Text,
                body: text.to_owned(),
                attachment_id: None,
            };
            inbound::send_as_agent(&state, &agent, conversation, send).await?;
        }
        if let Some(a) = &attachment {
            let kind = match a.attachment.content_type.starts_with("image/") {
                true => MessageKind::Image,
                false => MessageKind::File,
            };
            let send = SendMessage {
                client_msg_id: format!("woa-{key}"),
                kind,
                body: a.attachment.file_name.clone(),
                attachment_id: Some(a.attachment.id),
            };
            inbound::send_as_agent(&state, &agent, conversation, send).await?;
        }
    }
    let event = NewWorkOrderEvent {
        body: text.to_owned(),
        to_buyer: request.to_buyer,
        attachment_id: request.attachment_id,
        ..NewWorkOrderEvent::of(
            work_order::EventKind::Comment,
            Some((agent.user.id, agent.user.display_name.as_str())),
            serde_json::json!({}),
        )
    };
    let stored = state
        .store
        .add_work_order_event(agent.tenant_id(), id, &event)
        .await?;
    Ok((StatusCode::CREATED, Json(linked(&state, stored))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WorkOrderBulkChange {
    /// 1–200 orders.
    pub ids: Vec<Uuid>,
    #[serde(default, rename = "move")]
    pub step: Option<Move>,
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Give them all to this person (with `assign`).
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// Assign them (to `owner_id`, nobody when it is absent).
    #[serde(default)]
    pub assign: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderBulkFailure {
    pub id: Uuid,
    pub code: ErrorCode,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderBulkResult {
    pub changed: usize,
    /// Orders left as they were, and why (`work_order_transition`, …).
    pub failed: Vec<WorkOrderBulkFailure>,
}

/// The same change to many orders: each changed on its own, those it does not apply to left
/// as they were and listed.
#[utoipa::path(post, operation_id = "bulk_work_orders", path = "/api/v1/work-orders/bulk", tag = "work_orders", request_body = WorkOrderBulkChange,
    responses((status = 200, body = WorkOrderBulkResult), (status = 400, body = ErrorBody)))]
pub async fn bulk(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<WorkOrderBulkChange>,
) -> Result<Json<WorkOrderBulkResult>, ApiError> {
    agent.require(Permission::WorkOrderManage)?;
    let nothing = request.step.is_none() && request.priority.is_none() && !request.assign;
    if request.ids.is_empty()
        || request.ids.len() > MAX_BULK
        || nothing
        || request.step == Some(Move::BuyerReplied)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidWorkOrder,
            "1–200 ids and a move, a priority or an owner",
        ));
    }
    let mut result = WorkOrderBulkResult {
        changed: 0,
        failed: vec![],
    };
    for id in request.ids {
        let change = Change {
            status: request.step,
            priority: request.priority,
            owner: request.assign.then_some(request.owner_id),
            ..Change::default()
        };
        match cases::change(
            &state,
            agent.tenant_id(),
            id,
            None,
            change,
            Some(actor(&agent)),
        )
        .await
        {
            Ok(_) => result.changed += 1,
            Err(ApiError::Refused { code, .. }) => {
                result.failed.push(WorkOrderBulkFailure { id, code })
            }
            Err(error) => return Err(error),
        }
    }
    Ok(Json(result))
}

/// The orders the filters find (up to 10,000, every page) as a CSV file for Excel.
#[utoipa::path(get, operation_id = "export_work_orders", path = "/api/v1/work-orders/export", tag = "work_orders", params(WorkOrderListQuery),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 400, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(query): ApiQuery<WorkOrderListQuery>,
) -> Result<Response, ApiError> {
    agent.require(Permission::WorkOrderManage)?;
    let now = now_ms();
    let mut query = query.query(&agent, now)?;
    query.offset = 0;
    query.limit = MAX_EXPORT;
    let tenant = agent.tenant_id();
    let orders = state.store.work_orders(tenant, &query).await?;
    let names: BTreeMap<Uuid, String> = state
        .store
        .team(tenant)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let zone = crate::reports::zone_of(&state, tenant).await;
    let time = |at: Option<i64>| {
        at.and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let mut out = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let written = (|| -> Result<Vec<u8>, csv::Error> {
        out.write_record([
            "工单号",
            "类型",
            "标题",
            "状态",
            "优先级",
            "负责人",
            "团队",
            "订单号",
            "金额(元)",
            "截止时间",
            "是否超时",
            "创建时间",
            "解决时间",
            "来源",
        ])?;
        for o in &orders {
            let owner = o
                .owner_id
                .and_then(|id| names.get(&id))
                .cloned()
                .unwrap_or_default();
            let overdue = matches!(o.due(now), Some(Due::Overdue)) || o.overdue_at.is_some();
            out.write_record([
                o.number.as_str(),
                o.kind.as_str(),
                o.title.as_str(),
                o.status.as_str(),
                o.priority.as_str(),
                owner.as_str(),
                o.team.as_deref().unwrap_or_default(),
                o.order_no.as_deref().unwrap_or_default(),
                &o.amount_fen
                    .map(|f| format!("{}.{:02}", f / 100, f % 100))
                    .unwrap_or_default(),
                &time(Some(o.deadline_at)),
                if overdue { "是" } else { "否" },
                &time(Some(o.created_at)),
                &time(o.resolved_at),
                o.source.as_str(),
            ])?;
        }
        out.into_inner().map_err(|e| e.into_error().into())
    })()
    .map_err(|e| ApiError::Internal(format!("writing work orders: {e}")))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"work-orders.csv\"",
            ),
        ],
        written,
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderViewList {
    pub views: Vec<WorkOrderView>,
}

/// The caller's saved views of the list.
#[utoipa::path(get, operation_id = "work_order_views", path = "/api/v1/work-orders/views", tag = "work_orders",
    responses((status = 200, body = WorkOrderViewList)))]
pub async fn views(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<WorkOrderViewList>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    let views = state
        .store
        .work_order_views(agent.tenant_id(), agent.user.id)
        .await?;
    Ok(Json(WorkOrderViewList { views }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SaveWorkOrderView {
    /// 1–30 characters; saving a name again replaces that view.
    pub name: String,
    /// The list's filters (the query parameters of `GET /work-orders`).
    pub filters: WorkOrderListQuery,
}

/// Saves the list's filters under a name, for the caller only.
#[utoipa::path(post, operation_id = "save_work_order_view", path = "/api/v1/work-orders/views", tag = "work_orders", request_body = SaveWorkOrderView,
    responses((status = 201, body = WorkOrderView), (status = 400, body = ErrorBody)))]
pub async fn save_view(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(request): ApiJson<SaveWorkOrderView>,
) -> Result<(StatusCode, Json<WorkOrderView>), ApiError> {
    agent.require(Permission::ConversationRead)?;
    let name = request.name.trim();
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidWorkOrderView,
            "a view is a name of 1–30 characters and the list's filters",
        )
    };
    if !(1..=MAX_VIEW_NAME_CHARS).contains(&name.chars().count()) {
        return Err(invalid());
    }
    request
        .filters
        .query(&agent, now_ms())
        .map_err(|_| invalid())?;
    let tenant = agent.tenant_id();
    let existing = state.store.work_order_views(tenant, agent.user.id).await?;
    if existing.len() >= MAX_VIEWS && !existing.iter().any(|v| v.name == name) {
        return Err(invalid());
    }
    let filters =
        serde_json::to_value(&request.filters).map_err(|e| ApiError::Internal(e.to_string()))?;
    let view = state
        .store
        .save_work_order_view(tenant, agent.user.id, name, &filters)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Deletes one of the caller's views.
#[utoipa::path(delete, operation_id = "delete_work_order_view", path = "/api/v1/work-orders/views/{id}", tag = "work_orders", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_view(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    agent.require(Permission::ConversationRead)?;
    match state
        .store
        .delete_work_order_view(agent.tenant_id(), agent.user.id, id)
        .await?
    {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ErrorCode::WorkOrderViewNotFound.into()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkOrderSettingsView {
    pub settings: WorkOrderSettings,
    /// Each kind's default target in office hours, for the kinds the shop leaves alone.
    pub default_hours: BTreeMap<WorkOrderKind, u32>,
    /// 0: never saved (the defaults).
    pub version: i64,
}

async fn settings_view(state: &AppState, tenant: Uuid) -> Result<WorkOrderSettingsView, ApiError> {
    let (settings, version) = state
        .store
        .shop_document::<WorkOrderSettings>(tenant)
        .await?;
    Ok(WorkOrderSettingsView {
        settings,
        default_hours: WorkOrderKind::ALL
            .into_iter()
            .map(|k| (k, k.default_target_hours()))
            .collect(),
        version,
    })
}

/// The kinds' targets and custom fields.
#[utoipa::path(get, operation_id = "work_order_settings", path = "/api/v1/work-orders/settings", tag = "work_orders",
    responses((status = 200, body = WorkOrderSettingsView)))]
pub async fn settings(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Json<WorkOrderSettingsView>, ApiError> {
    agent.require(Permission::ConversationRead)?;
    Ok(Json(settings_view(&state, agent.tenant_id()).await?))
}

/// Saves the kinds' targets and custom fields; audited. New orders use them; open ones keep
/// their deadlines.
#[utoipa::path(put, operation_id = "put_work_order_settings", path = "/api/v1/work-orders/settings", tag = "work_orders", request_body = WorkOrderSettings,
    responses((status = 200, body = WorkOrderSettingsView), (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(settings): ApiJson<WorkOrderSettings>,
) -> Result<Json<WorkOrderSettingsView>, ApiError> {
    agent.require(Permission::WorkOrderManage)?;
    settings.check()?;
    save_document(&state, &agent, &settings, "work_order_settings.change").await?;
    Ok(Json(settings_view(&state, agent.tenant_id()).await?))
}

/// What a buyer sees of their own order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerWorkOrder {
    pub id: Uuid,
    pub number: String,
    pub kind: WorkOrderKind,
    pub title: String,
    pub status: Status,
    pub order_no: Option<String>,
    /// When it is expected done, while it is open and not waiting.
    pub expected_at: Option<i64>,
    pub updated_at: i64,
    /// The line the chat shows ("您的退款工单 … 处理中，预计 …").
    pub progress: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerWorkOrders {
    pub orders: Vec<BuyerWorkOrder>,
}

/// The caller's (a buyer's) work orders with this shop, newest first: their progress.
#[utoipa::path(get, operation_id = "buyer_work_orders", path = "/api/v1/buyer/work-orders", tag = "buyer",
    responses((status = 200, body = BuyerWorkOrders), (status = 401, body = ErrorBody)))]
pub async fn buyer_orders(
    State(state): State<AppState>,
    caller: BuyerCaller,
) -> Result<Json<BuyerWorkOrders>, ApiError> {
    let tenant = caller.claims.tenant;
    let query = WorkOrderQuery {
        buyer_id: Some(caller.claims.sub),
        limit: 20,
        ..WorkOrderQuery::default()
    };
    let zone = crate::reports::zone_of(&state, tenant).await;
    let orders = state.store.work_orders(tenant, &query).await?;
    Ok(Json(BuyerWorkOrders {
        orders: orders
            .into_iter()
            .map(|o| BuyerWorkOrder {
                progress: work_order::progress_text(&o, zone),
                expected_at: (o.status.is_open() && o.paused_at.is_none()).then_some(o.deadline_at),
                id: o.id,
                number: o.number,
                kind: o.kind,
                title: o.title,
                status: o.status,
                order_no: o.order_no,
                updated_at: o.updated_at,
            })
            .collect(),
    }))
}
