//! Work orders (ESC-3): opened from a conversation, the list, the robot's after-sale flow;
//! moved, assigned, noted; reminded before their deadline and alerted after it by the
//! sweep; reopened by the buyer's reply; each change of status told to the buyer in their
//! conversation ("您的退款工单 … 处理中，预计 …").

use std::sync::Arc;

use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::NoticeKind;
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use kefu_domain::work_order::{
    self, Alarm, EventKind, Move, Opening, Source, WorkOrder, WorkOrderDraft, WorkOrderSettings,
};
use kefu_store::NewWorkOrderEvent;
use serde_json::json;
use tokio::sync::{Mutex, mpsc};
use uuid::Uuid;

use crate::AppState;
use crate::cases::notify::Notice;
use crate::desk::hooks::{Committed, MessageHook};
use crate::error::ApiError;

/// Orders the sweep handles per pass; the rest wait for the next pass, five seconds on.
const SWEEP_BATCH: i64 = 200;
/// Buyers' messages waiting for the desk to look at their conversation's orders.
const QUEUE: usize = 4_096;

/// Who changes an order: a person, or kefu itself (`None`: the sweep, the robot's flow).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Uuid,
    pub name: &'a str,
}

fn by(actor: Option<Actor<'_>>) -> Option<(Uuid, &str)> {
    actor.map(|a| (a.id, a.name))
}

/// The shop's kinds' targets and custom fields.
pub async fn settings(state: &AppState, tenant_id: Uuid) -> Result<WorkOrderSettings, ApiError> {
    Ok(state
        .store
        .shop_document::<WorkOrderSettings>(tenant_id)
        .await?
        .0)
}

/// Where a new order belongs besides its draft.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    pub conversation_id: Option<Uuid>,
    /// The hand-off case (of the conversation) or QA review it comes from.
    pub source_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub team: Option<String>,
    /// Tell the buyer in their conversation that it was opened.
    pub tell_buyer: bool,
}

/// Opens an order: its draft checked against the shop's settings, its conversation, order,
/// owner and team checked to be the shop's (the order the conversation's buyer's), its
/// deadline its target of office time from now.
pub async fn open(
    state: &AppState,
    tenant_id: Uuid,
    draft: WorkOrderDraft,
    placement: Placement,
    source: Source,
    actor: Option<Actor<'_>>,
) -> Result<WorkOrder, ApiError> {
    let settings = settings(state, tenant_id).await?;
    let draft = draft.checked(&settings)?;
    let conversation = match placement.conversation_id {
        Some(id) => Some(
            state
                .store
                .conversation(tenant_id, id)
                .await?
                .ok_or(ErrorCode::ConversationNotFound)?,
        ),
        None => None,
    };
    if let Some(order_no) = &draft.order_no {
        check_order(
            state,
            tenant_id,
            conversation.as_ref().map(|c| c.buyer_id),
            order_no,
        )
        .await?;
    }
    check_owner(
        state,
        tenant_id,
        placement.owner_id,
        placement.team.as_deref(),
    )
    .await?;
    check_source(
        state,
        tenant_id,
        source,
        placement.source_id,
        conversation.as_ref(),
    )
    .await?;
    let created = NewWorkOrderEvent::of(
        EventKind::Created,
        by(actor),
        json!({"source": source.as_str()}),
    );
    let order = file(
        state,
        tenant_id,
        draft,
        &settings,
        source,
        &placement,
        conversation.as_ref(),
        actor,
        &created,
    )
    .await?;
    if let Some(owner) = order.owner_id
        && Some(owner) != actor.map(|a| a.id)
    {
        notify(state, tenant_id, &order, Some(owner), "新工单").await;
    }
    if placement.tell_buyer {
        tell_buyer(state, tenant_id, &order).await;
    }
    Ok(order)
}

/// The robot's after-sale flow files the buyer's request (BOT-4) as an order of the
/// after-sales team, its first line carrying what kind of request it was and the photo the
/// buyer sent. The flow's reason is free text, so the kind's fields are not asked for.
pub async fn open_for_buyer(
    state: &AppState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    draft: WorkOrderDraft,
    after_sale_kind: &str,
    photo: Option<Uuid>,
) -> Result<WorkOrder, ApiError> {
    let conversation = state
        .store
        .conversation(tenant_id, conversation_id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let teams = state.store.teams(tenant_id).await?;
    let team = teams
        .into_iter()
        .find(|t| t.key == "after_sales")
        .map(|t| t.key);
    let created = NewWorkOrderEvent {
        attachment_id: photo,
        ..NewWorkOrderEvent::of(
            EventKind::Created,
            None,
            json!({"source": "robot", "after_sale_kind": after_sale_kind}),
        )
    };
    let placement = Placement {
        team,
        ..Placement::default()
    };
    let settings = settings(state, tenant_id).await?;
    file(
        state,
        tenant_id,
        draft,
        &settings,
        Source::Robot,
        &placement,
        Some(&conversation),
        None,
        &created,
    )
    .await
}

/// Stores a new order (checked by the caller): numbered (`AS` for the robot's, else `WO`),
/// its deadline its kind's target of office time from now; a refund or an exchange marks its
/// order's after-sale.
#[allow(clippy::too_many_arguments)]
async fn file(
    state: &AppState,
    tenant_id: Uuid,
    draft: WorkOrderDraft,
    settings: &WorkOrderSettings,
    source: Source,
    placement: &Placement,
    conversation: Option<&kefu_domain::conversation::ConversationSummary>,
    actor: Option<Actor<'_>>,
    created: &NewWorkOrderEvent,
) -> Result<WorkOrder, ApiError> {
    let now = now_ms();
    let id = Uuid::now_v7();
    let prefix = match source {
        Source::Robot => "AS",
        _ => "WO",
    };
    let schedule = crate::desk::dispatch::office_schedule(state, tenant_id).await;
    let order = WorkOrder::open(
        draft,
        Opening {
            id,
            number: work_order::number(prefix, id, now),
            source,
            source_id: placement.source_id,
            conversation_id: conversation.map(|c| c.id),
            buyer_id: conversation.map(|c| c.buyer_id),
            owner_id: placement.owner_id,
            team: placement.team.clone(),
            created_by: actor.map(|a| a.id),
            now,
        },
        settings,
        schedule.as_ref(),
    );
    let marks = matches!(
        order.kind,
        work_order::WorkOrderKind::Refund | work_order::WorkOrderKind::Exchange
    );
    let order = state
        .store
        .create_work_order(tenant_id, &order, created, marks)
        .await?;
    metrics::counter!("kefu_work_orders_opened_total").increment(1);
    Ok(order)
}

/// An order named on a work order must be the shop's, and the conversation's buyer's when
/// it has one.
async fn check_order(
    state: &AppState,
    tenant_id: Uuid,
    buyer_id: Option<Uuid>,
    order_no: &str,
) -> Result<(), ApiError> {
    let order = state
        .store
        .order(tenant_id, order_no)
        .await?
        .ok_or(ErrorCode::OrderNotFound)?;
    if let Some(buyer_id) = buyer_id {
        let buyer = state.store.buyer(tenant_id, buyer_id).await?;
        let member = buyer.as_ref().and_then(crate::desk::cards::member_of);
        if member != Some(order.buyer_id.as_str()) {
            return Err(ErrorCode::OrderNotFound.into());
        }
    }
    Ok(())
}

/// A work order from a hand-off names one of its conversation's cases; one from QA a review
/// of the shop (of its conversation, when it has one); the others name nothing.
async fn check_source(
    state: &AppState,
    tenant_id: Uuid,
    source: Source,
    source_id: Option<Uuid>,
    conversation: Option<&kefu_domain::conversation::ConversationSummary>,
) -> Result<(), ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidWorkOrder,
            "the source names a hand-off of its conversation or a QA review",
        )
    };
    match (source, source_id) {
        (Source::Agent | Source::Robot | Source::Phone, None) => Ok(()),
        (Source::Handoff, Some(id)) => {
            let conversation = conversation.ok_or_else(invalid)?;
            let cases = state.store.handoffs(tenant_id, conversation.id).await?;
            match cases.iter().any(|c| c.id == id) {
                true => Ok(()),
                false => Err(ErrorCode::HandoffNotFound.into()),
            }
        }
        (Source::Qa, Some(id)) => {
            let review = state
                .store
                .qa_review(tenant_id, id)
                .await?
                .ok_or(ErrorCode::QaReviewNotFound)?;
            match conversation {
                Some(c) if c.id != review.conversation_id => Err(invalid()),
                _ => Ok(()),
            }
        }
        _ => Err(invalid()),
    }
}

/// The owner must be an enabled account of the shop, the team one of its teams.
async fn check_owner(
    state: &AppState,
    tenant_id: Uuid,
    owner: Option<Uuid>,
    team: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(owner) = owner {
        let user = state.store.user(tenant_id, owner).await?;
        if user.is_none_or(|u| u.disabled) {
            return Err(ErrorCode::AssigneeNotFound.into());
        }
    }
    if let Some(team) = team {
        let teams = state.store.teams(tenant_id).await?;
        if !teams.iter().any(|t| t.key == team) {
            return Err(ErrorCode::UnknownTeam.into());
        }
    }
    Ok(())
}

/// The order, or `work_order_not_found`.
pub async fn get(state: &AppState, tenant_id: Uuid, id: Uuid) -> Result<WorkOrder, ApiError> {
    Ok(state
        .store
        .work_order(tenant_id, id)
        .await?
        .ok_or(ErrorCode::WorkOrderNotFound)?)
}

/// A change someone asks for, besides the history it leaves.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub status: Option<Move>,
    pub priority: Option<work_order::Priority>,
    /// A new owner (`Some(None)`: nobody) and team.
    pub owner: Option<Option<Uuid>>,
    pub team: Option<Option<String>>,
    /// A new draft (title, description, order, items, amount, fields; its kind stays).
    pub draft: Option<WorkOrderDraft>,
    /// Why, for the history.
    pub note: String,
}

/// Applies `change` to the order as read at `version` (the current one when `None`):
/// `work_order_changed` when someone changed it since. The buyer hears of a new status.
pub async fn change(
    state: &AppState,
    tenant_id: Uuid,
    id: Uuid,
    version: Option<i64>,
    change: Change,
    actor: Option<Actor<'_>>,
) -> Result<WorkOrder, ApiError> {
    let current = get(state, tenant_id, id).await?;
    if version.is_some_and(|v| v != current.version) {
        return Err(ErrorCode::WorkOrderChanged.into());
    }
    let now = now_ms();
    // Read only what the change needs: an assignment reads neither the settings nor the
    // office hours, a move (a buyer's reply, a bulk close) only the office hours.
    let settings = match change.draft.is_some() || change.priority.is_some() {
        true => settings(state, tenant_id).await?,
        false => WorkOrderSettings::default(),
    };
    let schedule = match change.status.is_some() || change.priority.is_some() {
        true => crate::desk::dispatch::office_schedule(state, tenant_id).await,
        false => None,
    };
    let mut next = current.clone();
    let mut events = vec![];
    if let Some(draft) = change.draft {
        let mut draft = draft;
        draft.kind = current.kind;
        draft.priority = change.priority.unwrap_or(current.priority);
        let draft = draft.checked(&settings)?;
        if let Some(order_no) = &draft.order_no
            && current.order_no.as_ref() != Some(order_no)
        {
            check_order(state, tenant_id, current.buyer_id, order_no).await?;
        }
        let edited = json!({
            "title": (draft.title != current.title).then_some(&draft.title),
            "order_no": (draft.order_no != current.order_no).then_some(&draft.order_no),
            "amount_fen": (draft.amount_fen != current.amount_fen).then_some(draft.amount_fen),
            "fields": (draft.fields != current.fields).then_some(&draft.fields),
            "items": (draft.items != current.items).then_some(&draft.items),
            "description": draft.description != current.description,
        });
        next.title = draft.title;
        next.description = draft.description;
        next.order_no = draft.order_no;
        next.items = draft.items;
        next.amount_fen = draft.amount_fen;
        next.fields = draft.fields;
        if next != current {
            next.updated_at = now;
            events.push(NewWorkOrderEvent::of(EventKind::Edited, by(actor), edited));
        }
    }
    if let Some(priority) = change.priority
        && priority != current.priority
    {
        next = next.reprioritised(priority, &settings, schedule.as_ref(), now);
        events.push(NewWorkOrderEvent::of(
            EventKind::Edited,
            by(actor),
            json!({"priority": {"from": current.priority, "to": priority}, "deadline_at": next.deadline_at}),
        ));
    }
    let owner = change.owner.unwrap_or(current.owner_id);
    let team = change.team.clone().unwrap_or_else(|| current.team.clone());
    if owner != current.owner_id || team != current.team {
        check_owner(state, tenant_id, owner, team.as_deref()).await?;
        next.owner_id = owner;
        next.team = team.clone();
        next.updated_at = now;
        events.push(NewWorkOrderEvent::of(
            EventKind::Assigned,
            by(actor),
            json!({"owner_id": owner, "team": team, "from_owner_id": current.owner_id}),
        ));
    }
    if let Some(step) = change.status {
        let moved = next.moved(step, now, schedule.as_ref())?;
        events.push(NewWorkOrderEvent {
            body: change.note.trim().to_owned(),
            ..NewWorkOrderEvent::of(
                EventKind::Moved,
                by(actor),
                json!({"from": next.status, "to": moved.status, "move": step, "deadline_at": moved.deadline_at}),
            )
        });
        next = moved;
    }
    if events.is_empty() {
        return Ok(current);
    }
    let saved = state
        .store
        .save_work_order(tenant_id, &next, &events)
        .await?
        .ok_or(ErrorCode::WorkOrderChanged)?;
    if saved.owner_id != current.owner_id
        && let Some(owner) = saved.owner_id
        && Some(owner) != actor.map(|a| a.id)
    {
        notify(state, tenant_id, &saved, Some(owner), "工单转给了你").await;
    }
    if saved.status != current.status {
        tell_buyer(state, tenant_id, &saved).await;
    }
    Ok(saved)
}

/// Tells the buyer where their order is, in its conversation (once per version).
async fn tell_buyer(state: &AppState, tenant_id: Uuid, order: &WorkOrder) {
    let Some(conversation_id) = order.conversation_id else {
        return;
    };
    let zone = crate::reports::zone_of(state, tenant_id).await;
    let text = work_order::progress_text(order, zone);
    let key = format!("wo-{}-{}", order.id, order.version);
    crate::cases::tell_buyer(state, tenant_id, conversation_id, key, &text).await;
}

/// A notice in the workbench: to one account, or (`None`) to everyone who reads reports.
async fn notify(
    state: &AppState,
    tenant_id: Uuid,
    order: &WorkOrder,
    to: Option<Uuid>,
    what: &str,
) {
    let notice = Notice {
        event: None,
        kind: NoticeKind::WorkOrder,
        title: format!("{what}：{} {}", order.number, order.title),
        link: format!("/agent/work-orders?order={}", order.id),
        to,
        level: None,
        data: serde_json::Value::Null,
    };
    crate::cases::notify::announce(state, tenant_id, notice).await;
}

/// The sweep (every five seconds, by the jobs' leader): each order whose alarm is due rings
/// once, written only from the version read, so two processes never ring it twice.
pub async fn sweep(state: &AppState) {
    let now = now_ms();
    let due = match state.store.due_work_orders(now, SWEEP_BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::warn!(%error, "could not list work orders due");
            return;
        }
    };
    for (tenant_id, order) in due {
        let Some((alarm, next)) = order.rung(now) else {
            continue;
        };
        let event = NewWorkOrderEvent::of(
            alarm.event(),
            None,
            json!({"deadline_at": order.deadline_at}),
        );
        match state
            .store
            .save_work_order(tenant_id, &next, &[event])
            .await
        {
            Ok(Some(saved)) => {
                metrics::counter!("kefu_work_order_alarms_total", "alarm" => alarm_name(alarm))
                    .increment(1);
                match alarm {
                    Alarm::Remind => {
                        notify(state, tenant_id, &saved, saved.owner_id, "工单即将到期").await;
                    }
                    Alarm::Overdue => {
                        if saved.owner_id.is_some() {
                            notify(state, tenant_id, &saved, saved.owner_id, "工单已超时").await;
                        }
                        overdue(state, tenant_id, &saved).await;
                    }
                    Alarm::AutoClose => {}
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not ring a work order's alarm"),
        }
    }
}

/// A work order past its deadline: the team is told, and the shop's webhooks; it is
/// escalated (ESC-1).
async fn overdue(state: &AppState, tenant_id: Uuid, order: &WorkOrder) {
    let notice = Notice {
        event: Some(kefu_domain::notify::NotifyEvent::WorkOrderOverdue),
        kind: NoticeKind::WorkOrder,
        title: format!("工单已超时：{} {}", order.number, order.title),
        link: format!("/agent/work-orders?order={}", order.id),
        to: None,
        level: None,
        data: json!({ "work_order": order }),
    };
    crate::cases::notify::announce(state, tenant_id, notice).await;
    if let Err(error) = crate::cases::escalations::work_order_missed(state, tenant_id, order).await
    {
        tracing::warn!(%error, "could not escalate an overdue work order");
    }
}

fn alarm_name(alarm: Alarm) -> &'static str {
    match alarm {
        Alarm::Remind => "remind",
        Alarm::Overdue => "overdue",
        Alarm::AutoClose => "auto_close",
    }
}

/// The buyer wrote: orders of theirs in that conversation waiting for them go on, and one
/// resolved is reopened. Told by the writer's hooks; worked through on a task of its own.
/// A buyer's reply: the shop and the conversation.
type Reply = (Uuid, Uuid);

#[derive(Clone)]
pub struct WorkOrderDesk {
    jobs: mpsc::Sender<Reply>,
    inbox: Arc<Mutex<Option<mpsc::Receiver<Reply>>>>,
}

impl Default for WorkOrderDesk {
    fn default() -> WorkOrderDesk {
        let (jobs, inbox) = mpsc::channel(QUEUE);
        WorkOrderDesk {
            jobs,
            inbox: Arc::new(Mutex::new(Some(inbox))),
        }
    }
}

impl MessageHook for WorkOrderDesk {
    fn committed(&self, c: &Committed<'_>) {
        if c.message.sender_kind == SenderKind::Buyer
            && self
                .jobs
                .try_send((c.conversation.tenant_id, c.conversation.id))
                .is_err()
        {
            metrics::counter!("kefu_work_order_replies_dropped_total").increment(1);
        }
    }
}

/// How many buyers' replies are looked up in one read.
const REPLIES_A_READ: usize = 256;

/// Works through buyers' replies until the process stops: those waiting at once are looked up
/// in one read (most conversations have no order), each conversation once.
pub async fn run_forever(state: AppState) {
    let Some(mut inbox) = state.work_orders.inbox.lock().await.take() else {
        return;
    };
    let mut replies = Vec::with_capacity(REPLIES_A_READ);
    while inbox.recv_many(&mut replies, REPLIES_A_READ).await > 0 {
        replies.sort_unstable();
        replies.dedup();
        if let Err(error) = buyers_replied(&state, &replies).await {
            tracing::warn!(%error, "could not move work orders on buyers' replies");
        }
        replies.clear();
    }
}

async fn buyers_replied(state: &AppState, replies: &[Reply]) -> Result<(), ApiError> {
    // A failed read is tried once more before the batch is given up (and counted).
    let orders = match state.store.work_orders_awaiting_buyer(replies).await {
        Ok(orders) => orders,
        Err(_) => {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            match state.store.work_orders_awaiting_buyer(replies).await {
                Ok(orders) => orders,
                Err(error) => {
                    metrics::counter!("kefu_work_order_replies_dropped_total")
                        .increment(replies.len() as u64);
                    return Err(error.into());
                }
            }
        }
    };
    // One order that cannot move does not hold up the others.
    for (tenant_id, order) in orders {
        let step = Change {
            status: Some(Move::BuyerReplied),
            ..Change::default()
        };
        match change(state, tenant_id, order.id, Some(order.version), step, None).await {
            Ok(_) => {}
            Err(error) if error.code() == ErrorCode::WorkOrderChanged => {}
            Err(error) => {
                tracing::warn!(%error, order = %order.id, "a buyer's reply did not move their work order");
            }
        }
    }
    Ok(())
}
