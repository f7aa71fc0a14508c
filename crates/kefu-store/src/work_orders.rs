//! Work orders (ESC-3): what outlives a chat, with an owner, an office-time deadline and a
//! history (SQL: `sql/work_orders.rs`). The order's rules are `kefu_domain::work_order`'s;
//! here it is stored whole, each change guarded by the version it was read at, so two
//! people (or two processes' sweeps) never both change one order from the same state.

use kefu_domain::work_order::{EventKind, Priority, Status, WorkOrder, WorkOrderKind};
use uuid::Uuid;

use crate::{Result, Store};

/// A line of an order's history about to be written.
#[derive(Debug, Clone)]
pub struct NewWorkOrderEvent {
    pub kind: EventKind,
    /// `None`: kefu itself (the sweep, the robot's flow).
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub body: String,
    pub data: serde_json::Value,
    pub to_buyer: bool,
    pub attachment_id: Option<Uuid>,
}

impl NewWorkOrderEvent {
    /// A line with nothing but its kind, actor and data.
    pub fn of(
        kind: EventKind,
        actor: Option<(Uuid, &str)>,
        data: serde_json::Value,
    ) -> NewWorkOrderEvent {
        NewWorkOrderEvent {
            kind,
            actor_id: actor.map(|a| a.0),
            actor_name: actor.map(|a| a.1.to_owned()).unwrap_or_default(),
            body: String::new(),
            data,
            to_buyer: false,
            attachment_id: None,
        }
    }
}

/// A stored line of an order's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct WorkOrderEvent {
    pub id: Uuid,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    /// Empty for kefu itself.
    pub actor_name: String,
    pub kind: EventKind,
    pub body: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// A note the buyer was sent, not an internal one.
    pub to_buyer: bool,
    pub attachment_id: Option<Uuid>,
    /// The attachment's signed link, filled in by the server that shows the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_url: Option<String>,
}

/// Whose orders a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerFilter {
    Person(Uuid),
    /// Waiting for someone to take them.
    Nobody,
}

/// Which orders a list shows and how; every filter narrows.
#[derive(Debug, Clone, Default)]
pub struct WorkOrderQuery {
    /// Empty: every status.
    pub statuses: Vec<Status>,
    pub kind: Option<WorkOrderKind>,
    pub priority: Option<Priority>,
    pub owner: Option<OwnerFilter>,
    pub team: Option<String>,
    /// Only open orders past their deadline (and not waiting) at `now`.
    pub overdue_at: Option<i64>,
    pub conversation_id: Option<Uuid>,
    pub buyer_id: Option<Uuid>,
    pub order_no: Option<String>,
    /// In the number or the title.
    pub text: Option<String>,
    /// Soonest deadline first (else newest first).
    pub by_deadline: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A person's saved filters of the list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct WorkOrderView {
    pub id: Uuid,
    pub name: String,
    /// The list's query parameters, as the UI sends them.
    #[schema(value_type = Object)]
    pub filters: serde_json::Value,
    pub created_at: i64,
}

impl Store {
    /// Stores a new order with its `created` line; when `mark_after_sale`, its order (if the
    /// shop has it) is marked as having an after-sale request, in the same transaction.
    pub async fn create_work_order(
        &self,
        tenant_id: Uuid,
        order: &WorkOrder,
        created: &NewWorkOrderEvent,
        mark_after_sale: bool,
    ) -> Result<WorkOrder> {
        dispatch!(
            self,
            work_orders::create_work_order(tenant_id, order, created, mark_after_sale)
        )
    }

    pub async fn work_order(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<WorkOrder>> {
        dispatch!(self, work_orders::work_order(tenant_id, id))
    }

    pub async fn work_orders(
        &self,
        tenant_id: Uuid,
        query: &WorkOrderQuery,
    ) -> Result<Vec<WorkOrder>> {
        dispatch!(self, work_orders::work_orders(tenant_id, query))
    }

    /// How many orders the query matches, without its offset and limit.
    pub async fn count_work_orders(&self, tenant_id: Uuid, query: &WorkOrderQuery) -> Result<i64> {
        dispatch!(self, work_orders::count_work_orders(tenant_id, query))
    }

    /// Writes `next` over the order if it is still at `next.version`, with its history lines;
    /// `None` when someone changed it meanwhile (nothing written).
    pub async fn save_work_order(
        &self,
        tenant_id: Uuid,
        next: &WorkOrder,
        events: &[NewWorkOrderEvent],
    ) -> Result<Option<WorkOrder>> {
        dispatch!(self, work_orders::save_work_order(tenant_id, next, events))
    }

    /// Adds a line that changes nothing else (a note), touching the order's `updated_at`.
    pub async fn add_work_order_event(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        event: &NewWorkOrderEvent,
    ) -> Result<WorkOrderEvent> {
        dispatch!(
            self,
            work_orders::add_work_order_event(tenant_id, id, event)
        )
    }

    /// The order's history, oldest first.
    pub async fn work_order_events(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> Result<Vec<WorkOrderEvent>> {
        dispatch!(self, work_orders::work_order_events(tenant_id, id))
    }

    /// The orders waiting for their buyer or resolved in any of these conversations (each a
    /// shop and a conversation), for the buyers' replies to move on: one read for a batch.
    pub async fn work_orders_awaiting_buyer(
        &self,
        conversations: &[(Uuid, Uuid)],
    ) -> Result<Vec<(Uuid, WorkOrder)>> {
        dispatch!(self, work_orders::work_orders_awaiting_buyer(conversations))
    }

    /// Orders of every shop whose alarm is due at `now` (the sweep's list; soonest first).
    pub async fn due_work_orders(&self, now: i64, limit: i64) -> Result<Vec<(Uuid, WorkOrder)>> {
        dispatch!(self, work_orders::due_work_orders(now, limit))
    }

    pub async fn work_order_views(
        &self,
        tenant_id: Uuid,
        account_id: Uuid,
    ) -> Result<Vec<WorkOrderView>> {
        dispatch!(self, work_orders::work_order_views(tenant_id, account_id))
    }

    /// Saves a view under its name (replacing the person's view of that name).
    pub async fn save_work_order_view(
        &self,
        tenant_id: Uuid,
        account_id: Uuid,
        name: &str,
        filters: &serde_json::Value,
    ) -> Result<WorkOrderView> {
        dispatch!(
            self,
            work_orders::save_work_order_view(tenant_id, account_id, name, filters)
        )
    }

    /// Deletes one of the person's views; false when there is none by that id.
    pub async fn delete_work_order_view(
        &self,
        tenant_id: Uuid,
        account_id: Uuid,
        id: Uuid,
    ) -> Result<bool> {
        dispatch!(
            self,
            work_orders::delete_work_order_view(tenant_id, account_id, id)
        )
    }
}
