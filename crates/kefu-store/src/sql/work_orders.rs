//! The SQL of work orders (ESC-3): the order stored whole, each change guarded by its
//! version; its history appended in the same transaction.

use kefu_domain::commerce::AfterSaleStatus;
use kefu_domain::time::now_ms;
use kefu_domain::work_order::{EventKind, Priority, Source, Status, WorkOrder, WorkOrderKind};
use sqlx::query::QueryAs;
use sqlx::{Pool, QueryBuilder, Transaction};
use uuid::Uuid;

use super::{BEGIN_WRITE, Db};
use crate::rows::{json, opt_uuid, parsed, uuid};
use crate::work_orders::{
    NewWorkOrderEvent, OwnerFilter, WorkOrderEvent, WorkOrderQuery, WorkOrderView,
};
use crate::{Result, StoreError, unique_as_conflict};

macro_rules! order_columns {
    () => {
        "id, number, kind, title, description, status, priority, source, source_id, \
         conversation_id, buyer_id, order_no, items, amount_fen, fields, owner_id, team, target_ms, deadline_at, \
         paused_at, reminded_at, overdue_at, created_by, created_at, updated_at, resolved_at, \
         closed_at, version"
    };
}

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: String,
    number: String,
    kind: String,
    title: String,
    description: String,
    status: String,
    priority: String,
    source: String,
    source_id: Option<String>,
    conversation_id: Option<String>,
    buyer_id: Option<String>,
    order_no: Option<String>,
    items: String,
    amount_fen: Option<i64>,
    fields: String,
    owner_id: Option<String>,
    team: Option<String>,
    target_ms: i64,
    deadline_at: i64,
    paused_at: Option<i64>,
    reminded_at: Option<i64>,
    overdue_at: Option<i64>,
    created_by: Option<String>,
    created_at: i64,
    updated_at: i64,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    version: i64,
}

impl TryFrom<OrderRow> for WorkOrder {
    type Error = StoreError;
    fn try_from(r: OrderRow) -> Result<WorkOrder> {
        Ok(WorkOrder {
            id: uuid(&r.id)?,
            number: r.number,
            kind: parsed(&r.kind, WorkOrderKind::parse, "work order kind")?,
            title: r.title,
            description: r.description,
            status: parsed(&r.status, Status::parse, "work order status")?,
            priority: parsed(&r.priority, Priority::parse, "work order priority")?,
            source: parsed(&r.source, Source::parse, "work order source")?,
            source_id: opt_uuid(r.source_id.as_deref())?,
            conversation_id: opt_uuid(r.conversation_id.as_deref())?,
            buyer_id: opt_uuid(r.buyer_id.as_deref())?,
            order_no: r.order_no,
            items: json(&r.items, "work order items")?,
            amount_fen: r.amount_fen,
            fields: json(&r.fields, "work order fields")?,
            owner_id: opt_uuid(r.owner_id.as_deref())?,
            team: r.team,
            target_ms: r.target_ms,
            deadline_at: r.deadline_at,
            paused_at: r.paused_at,
            reminded_at: r.reminded_at,
            overdue_at: r.overdue_at,
            created_by: opt_uuid(r.created_by.as_deref())?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            resolved_at: r.resolved_at,
            closed_at: r.closed_at,
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    at: i64,
    actor_id: Option<String>,
    actor_name: String,
    kind: String,
    body: String,
    data: String,
    to_buyer: bool,
    attachment_id: Option<String>,
}

impl TryFrom<EventRow> for WorkOrderEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<WorkOrderEvent> {
        Ok(WorkOrderEvent {
            id: uuid(&r.id)?,
            at: r.at,
            actor_id: opt_uuid(r.actor_id.as_deref())?,
            actor_name: r.actor_name,
            kind: parsed(&r.kind, EventKind::parse, "work order event")?,
            body: r.body,
            data: json(&r.data, "work order event data")?,
            to_buyer: r.to_buyer,
            attachment_id: opt_uuid(r.attachment_id.as_deref())?,
            attachment_url: None,
        })
    }
}

fn text_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

async fn insert_event(
    tx: &mut Transaction<'_, Db>,
    tenant: &str,
    order: &str,
    at: i64,
    event: &NewWorkOrderEvent,
) -> Result<WorkOrderEvent> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO work_order_events (id, tenant_id, work_order_id, at, actor_id, actor_name, \
         kind, body, data, to_buyer, attachment_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.to_string())
    .bind(tenant)
    .bind(order)
    .bind(at)
    .bind(event.actor_id.map(|a| a.to_string()))
    .bind(&event.actor_name)
    .bind(event.kind.as_str())
    .bind(&event.body)
    .bind(event.data.to_string())
    .bind(event.to_buyer)
    .bind(event.attachment_id.map(|a| a.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(WorkOrderEvent {
        id,
        at,
        actor_id: event.actor_id,
        actor_name: event.actor_name.clone(),
        kind: event.kind,
        body: event.body.clone(),
        data: event.data.clone(),
        to_buyer: event.to_buyer,
        attachment_id: event.attachment_id,
        attachment_url: None,
    })
}

async fn read(tx: &mut Transaction<'_, Db>, tenant: &str, id: &str) -> Result<Option<WorkOrder>> {
    let row: Option<OrderRow> = sqlx::query_as(concat!(
        "SELECT ",
        order_columns!(),
        " FROM work_orders WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn create_work_order(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    order: &WorkOrder,
    created: &NewWorkOrderEvent,
    mark_after_sale: bool,
) -> Result<WorkOrder> {
    let tenant = tenant_id.to_string();
    let id = order.id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(concat!(
        "INSERT INTO work_orders (",
        order_columns!(),
        ", tenant_id, alarm_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, 0, $28, $29)"
    ))
    .bind(&id)
    .bind(&order.number)
    .bind(order.kind.as_str())
    .bind(&order.title)
    .bind(&order.description)
    .bind(order.status.as_str())
    .bind(order.priority.as_str())
    .bind(order.source.as_str())
    .bind(order.source_id.map(|c| c.to_string()))
    .bind(order.conversation_id.map(|c| c.to_string()))
    .bind(order.buyer_id.map(|b| b.to_string()))
    .bind(&order.order_no)
    .bind(text_of(&order.items))
    .bind(order.amount_fen)
    .bind(text_of(&order.fields))
    .bind(order.owner_id.map(|o| o.to_string()))
    .bind(&order.team)
    .bind(order.target_ms)
    .bind(order.deadline_at)
    .bind(order.paused_at)
    .bind(order.reminded_at)
    .bind(order.overdue_at)
    .bind(order.created_by.map(|c| c.to_string()))
    .bind(order.created_at)
    .bind(order.updated_at)
    .bind(order.resolved_at)
    .bind(order.closed_at)
    .bind(&tenant)
    .bind(order.alarm().map(|(_, at)| at))
    .execute(&mut *tx)
    .await
    .map_err(unique_as_conflict("work_order_exists"))?;
    insert_event(&mut tx, &tenant, &id, order.created_at, created).await?;
    if let (true, Some(order_no)) = (mark_after_sale, &order.order_no) {
        sqlx::query(
            "UPDATE orders SET after_sale_status = $1, updated_at = $2 \
             WHERE tenant_id = $3 AND order_no = $4",
        )
        .bind(AfterSaleStatus::Requested.as_str())
        .bind(order.created_at)
        .bind(&tenant)
        .bind(order_no)
        .execute(&mut *tx)
        .await?;
    }
    let stored = read(&mut tx, &tenant, &id)
        .await?
        .ok_or(StoreError::NotFound("work_order"))?;
    tx.commit().await?;
    Ok(stored)
}

pub(crate) async fn work_order(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<WorkOrder>> {
    let row: Option<OrderRow> = sqlx::query_as(concat!(
        "SELECT ",
        order_columns!(),
        " FROM work_orders WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// The filters' shared WHERE clause: `$1` the tenant, then each filter with `''` (or 0) for
/// "any". Statuses are `,a,b,` matched with LIKE, the same on both backends.
macro_rules! order_filters {
    () => {
        " FROM work_orders WHERE tenant_id = $1 \
          AND ($2 = '' OR $2 LIKE '%,' || status || ',%') \
          AND ($3 = '' OR kind = $3) AND ($4 = '' OR priority = $4) \
          AND ($5 = '' OR owner_id = $5 OR ($5 = '-' AND owner_id IS NULL)) \
          AND ($6 = '' OR team = $6) \
          AND ($7 = 0 OR (deadline_at < $7 AND paused_at IS NULL \
               AND status IN ('new', 'in_progress'))) \
          AND ($8 = '' OR conversation_id = $8) AND ($9 = '' OR buyer_id = $9) \
          AND ($10 = '' OR order_no = $10) \
          AND ($11 = '' OR LOWER(number) LIKE LOWER($12) ESCAPE '\\' \
               OR LOWER(title) LIKE LOWER($12) ESCAPE '\\')"
    };
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

type Binds = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
);

type Filtered<'q, O> = QueryAs<'q, Db, O, <Db as sqlx::Database>::Arguments>;

/// `query` with the list's filters bound as `$1` … `$12` (`order_filters!`).
fn filtered<'q, O>(query: Filtered<'q, O>, tenant_id: Uuid, q: &WorkOrderQuery) -> Filtered<'q, O> {
    let b = binds(tenant_id, q);
    query
        .bind(b.0)
        .bind(b.1)
        .bind(b.2)
        .bind(b.3)
        .bind(b.4)
        .bind(b.5)
        .bind(b.6)
        .bind(b.7)
        .bind(b.8)
        .bind(b.9)
        .bind(b.11)
        .bind(b.10)
}

fn binds(tenant_id: Uuid, q: &WorkOrderQuery) -> Binds {
    let statuses = match q.statuses.as_slice() {
        [] => String::new(),
        list => format!(
            ",{},",
            list.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    let owner = match q.owner {
        None => String::new(),
        Some(OwnerFilter::Nobody) => "-".to_owned(),
        Some(OwnerFilter::Person(id)) => id.to_string(),
    };
    let text = q.text.clone().unwrap_or_default();
    (
        tenant_id.to_string(),
        statuses,
        q.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        q.priority
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        owner,
        q.team.clone().unwrap_or_default(),
        q.overdue_at.unwrap_or(0),
        q.conversation_id.map(|c| c.to_string()).unwrap_or_default(),
        q.buyer_id.map(|b| b.to_string()).unwrap_or_default(),
        q.order_no.clone().unwrap_or_default(),
        format!("%{}%", like_escape(&text)),
        text,
    )
}

pub(crate) async fn work_orders(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    q: &WorkOrderQuery,
) -> Result<Vec<WorkOrder>> {
    let query = sqlx::query_as(concat!(
        "SELECT ",
        order_columns!(),
        order_filters!(),
        " ORDER BY CASE WHEN $13 = 1 THEN deadline_at ELSE -created_at END, id \
          LIMIT $14 OFFSET $15"
    ));
    let rows: Vec<OrderRow> = filtered(query, tenant_id, q)
        .bind(i64::from(q.by_deadline))
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn count_work_orders(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    q: &WorkOrderQuery,
) -> Result<i64> {
    let query = sqlx::query_as(concat!("SELECT COUNT(*)", order_filters!()));
    let (count,): (i64,) = filtered(query, tenant_id, q).fetch_one(pool).await?;
    Ok(count)
}

pub(crate) async fn save_work_order(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    next: &WorkOrder,
    events: &[NewWorkOrderEvent],
) -> Result<Option<WorkOrder>> {
    let tenant = tenant_id.to_string();
    let id = next.id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let changed = sqlx::query(
        "UPDATE work_orders SET kind = $1, title = $2, description = $3, status = $4, \
         priority = $5, order_no = $6, items = $7, amount_fen = $8, fields = $9, owner_id = $10, \
         team = $11, target_ms = $12, deadline_at = $13, paused_at = $14, reminded_at = $15, \
         overdue_at = $16, alarm_at = $17, updated_at = $18, resolved_at = $19, closed_at = $20, \
         version = version + 1 \
         WHERE tenant_id = $21 AND id = $22 AND version = $23",
    )
    .bind(next.kind.as_str())
    .bind(&next.title)
    .bind(&next.description)
    .bind(next.status.as_str())
    .bind(next.priority.as_str())
    .bind(&next.order_no)
    .bind(text_of(&next.items))
    .bind(next.amount_fen)
    .bind(text_of(&next.fields))
    .bind(next.owner_id.map(|o| o.to_string()))
    .bind(&next.team)
    .bind(next.target_ms)
    .bind(next.deadline_at)
    .bind(next.paused_at)
    .bind(next.reminded_at)
    .bind(next.overdue_at)
    .bind(next.alarm().map(|(_, at)| at))
    .bind(next.updated_at)
    .bind(next.resolved_at)
    .bind(next.closed_at)
    .bind(&tenant)
    .bind(&id)
    .bind(next.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    for event in events {
        insert_event(&mut tx, &tenant, &id, next.updated_at, event).await?;
    }
    let stored = read(&mut tx, &tenant, &id).await?;
    tx.commit().await?;
    Ok(stored)
}

pub(crate) async fn add_work_order_event(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    event: &NewWorkOrderEvent,
) -> Result<WorkOrderEvent> {
    let tenant = tenant_id.to_string();
    let order = id.to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let touched =
        sqlx::query("UPDATE work_orders SET updated_at = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(now)
            .bind(&tenant)
            .bind(&order)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if touched == 0 {
        return Err(StoreError::NotFound("work_order"));
    }
    let stored = insert_event(&mut tx, &tenant, &order, now, event).await?;
    tx.commit().await?;
    Ok(stored)
}

pub(crate) async fn work_order_events(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Vec<WorkOrderEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, at, actor_id, actor_name, kind, body, data, to_buyer, attachment_id \
         FROM work_order_events WHERE tenant_id = $1 AND work_order_id = $2 ORDER BY at, id",
    )
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn due_work_orders(
    pool: &Pool<Db>,
    now: i64,
    limit: i64,
) -> Result<Vec<(Uuid, WorkOrder)>> {
    #[derive(sqlx::FromRow)]
    struct Due {
        tenant_id: String,
        #[sqlx(flatten)]
        order: OrderRow,
    }
    let rows: Vec<Due> = sqlx::query_as(concat!(
        "SELECT tenant_id, ",
        order_columns!(),
        " FROM work_orders WHERE alarm_at IS NOT NULL AND alarm_at <= $1 \
          ORDER BY alarm_at, id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| Ok((uuid(&r.tenant_id)?, r.order.try_into()?)))
        .collect()
}

pub(crate) async fn work_orders_awaiting_buyer(
    pool: &Pool<Db>,
    conversations: &[(Uuid, Uuid)],
) -> Result<Vec<(Uuid, WorkOrder)>> {
    #[derive(sqlx::FromRow)]
    struct Awaiting {
        tenant_id: String,
        #[sqlx(flatten)]
        order: OrderRow,
    }
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    // The conversation index first (one probe per conversation), then the shop and status.
    let mut query: QueryBuilder<Db> = QueryBuilder::new(concat!(
        "SELECT tenant_id, ",
        order_columns!(),
        " FROM work_orders WHERE status IN ('waiting_buyer', 'resolved') AND ("
    ));
    let mut alternatives = query.separated(" OR ");
    for (tenant_id, conversation_id) in conversations {
        alternatives.push("(tenant_id = ");
        alternatives.push_bind_unseparated(tenant_id.to_string());
        alternatives.push_unseparated(" AND conversation_id = ");
        alternatives.push_bind_unseparated(conversation_id.to_string());
        alternatives.push_unseparated(")");
    }
    query.push(") ORDER BY created_at, id");
    let rows: Vec<Awaiting> = query.build_query_as().fetch_all(pool).await?;
    rows.into_iter()
        .map(|r| Ok((uuid(&r.tenant_id)?, r.order.try_into()?)))
        .collect()
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: String,
    name: String,
    filters: String,
    created_at: i64,
}

impl TryFrom<ViewRow> for WorkOrderView {
    type Error = StoreError;
    fn try_from(r: ViewRow) -> Result<WorkOrderView> {
        Ok(WorkOrderView {
            id: uuid(&r.id)?,
            name: r.name,
            filters: json(&r.filters, "work order view")?,
            created_at: r.created_at,
        })
    }
}

pub(crate) async fn work_order_views(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    account_id: Uuid,
) -> Result<Vec<WorkOrderView>> {
    let rows: Vec<ViewRow> = sqlx::query_as(
        "SELECT id, name, filters, created_at FROM work_order_views \
         WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at, id",
    )
    .bind(tenant_id.to_string())
    .bind(account_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn save_work_order_view(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    account_id: Uuid,
    name: &str,
    filters: &serde_json::Value,
) -> Result<WorkOrderView> {
    let row: ViewRow = sqlx::query_as(
        "INSERT INTO work_order_views (id, tenant_id, account_id, name, filters, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (tenant_id, account_id, name) DO UPDATE SET filters = excluded.filters \
         RETURNING id, name, filters, created_at",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(tenant_id.to_string())
    .bind(account_id.to_string())
    .bind(name)
    .bind(filters.to_string())
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    row.try_into()
}

pub(crate) async fn delete_work_order_view(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    account_id: Uuid,
    id: Uuid,
) -> Result<bool> {
    let gone = sqlx::query(
        "DELETE FROM work_order_views WHERE tenant_id = $1 AND account_id = $2 AND id = $3",
    )
    .bind(tenant_id.to_string())
    .bind(account_id.to_string())
    .bind(id.to_string())
    .execute(pool)
    .await?
    .rows_affected();
    Ok(gone > 0)
}
