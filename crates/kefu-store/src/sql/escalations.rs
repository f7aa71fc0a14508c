//! The SQL of escalations and deliveries (ESC-1).

use kefu_domain::escalation::{Escalation, Level, Status};
use sqlx::Pool;
use uuid::Uuid;

use super::{BEGIN_WRITE, Db};
use crate::escalations::{Delivery, DeliveryTry, EscalationQuery, NewDelivery};
use crate::rows::{json, opt_uuid, parsed, to_json, uuid};
use crate::{Result, unique_as_conflict};

macro_rules! escalation_columns {
    () => {
        "id, subject, conversation_id, work_order_id, level, triggers, reason, raised_by, status, \
         owner_id, due_at, overdue_at, created_at, raised_at, updated_at, taken_at, handled_at, \
         outcome, version"
    };
}

macro_rules! delivery_columns {
    () => {
        "id, tenant_id, channel, target, event, body, status, attempts, next_at, last_error, \
         response_status, created_at, sent_at"
    };
}

#[derive(sqlx::FromRow)]
struct EscalationRow {
    id: String,
    subject: String,
    conversation_id: Option<String>,
    work_order_id: Option<String>,
    level: String,
    triggers: String,
    reason: String,
    raised_by: Option<String>,
    status: String,
    owner_id: Option<String>,
    due_at: Option<i64>,
    overdue_at: Option<i64>,
    created_at: i64,
    raised_at: i64,
    updated_at: i64,
    taken_at: Option<i64>,
    handled_at: Option<i64>,
    outcome: String,
    version: i64,
}

impl TryFrom<EscalationRow> for Escalation {
    type Error = crate::StoreError;
    fn try_from(r: EscalationRow) -> Result<Escalation> {
        Ok(Escalation {
            id: uuid(&r.id)?,
            subject: r.subject,
            conversation_id: opt_uuid(r.conversation_id.as_deref())?,
            work_order_id: opt_uuid(r.work_order_id.as_deref())?,
            level: parsed(&r.level, Level::parse, "escalation level")?,
            triggers: json(&r.triggers, "escalation triggers")?,
            reason: r.reason,
            raised_by: opt_uuid(r.raised_by.as_deref())?,
            status: parsed(&r.status, Status::parse, "escalation status")?,
            owner_id: opt_uuid(r.owner_id.as_deref())?,
            due_at: r.due_at,
            overdue_at: r.overdue_at,
            created_at: r.created_at,
            raised_at: r.raised_at,
            updated_at: r.updated_at,
            taken_at: r.taken_at,
            handled_at: r.handled_at,
            outcome: r.outcome,
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    tenant_id: String,
    channel: String,
    target: String,
    event: String,
    body: String,
    status: String,
    attempts: i64,
    next_at: Option<i64>,
    last_error: String,
    response_status: Option<i64>,
    created_at: i64,
    sent_at: Option<i64>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = crate::StoreError;
    fn try_from(r: DeliveryRow) -> Result<Delivery> {
        Ok(Delivery {
            id: uuid(&r.id)?,
            tenant_id: uuid(&r.tenant_id)?,
            channel: r.channel,
            target: r.target,
            event: r.event,
            body: r.body,
            status: r.status,
            attempts: r.attempts,
            next_at: r.next_at,
            last_error: r.last_error,
            response_status: r.response_status,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

pub(crate) async fn create_escalation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    e: &Escalation,
) -> Result<Escalation> {
    let row: EscalationRow = sqlx::query_as(concat!(
        "INSERT INTO escalations (",
        escalation_columns!(),
        ", tenant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, 0, $19) RETURNING ",
        escalation_columns!()
    ))
    .bind(e.id.to_string())
    .bind(&e.subject)
    .bind(e.conversation_id.map(|c| c.to_string()))
    .bind(e.work_order_id.map(|w| w.to_string()))
    .bind(e.level.as_str())
    .bind(to_json(&e.triggers)?)
    .bind(&e.reason)
    .bind(e.raised_by.map(|r| r.to_string()))
    .bind(e.status.as_str())
    .bind(e.owner_id.map(|o| o.to_string()))
    .bind(e.due_at)
    .bind(e.overdue_at)
    .bind(e.created_at)
    .bind(e.raised_at)
    .bind(e.updated_at)
    .bind(e.taken_at)
    .bind(e.handled_at)
    .bind(&e.outcome)
    .bind(tenant_id.to_string())
    .fetch_one(pool)
    .await
    .map_err(unique_as_conflict("escalation_changed"))?;
    row.try_into()
}

pub(crate) async fn escalation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Escalation>> {
    let row: Option<EscalationRow> = sqlx::query_as(concat!(
        "SELECT ",
        escalation_columns!(),
        " FROM escalations WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn open_escalation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    subject: &str,
) -> Result<Option<Escalation>> {
    let row: Option<EscalationRow> = sqlx::query_as(concat!(
        "SELECT ",
        escalation_columns!(),
        " FROM escalations WHERE tenant_id = $1 AND subject = $2 AND status <> 'handled'"
    ))
    .bind(tenant_id.to_string())
    .bind(subject)
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn escalations(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    q: &EscalationQuery,
) -> Result<Vec<Escalation>> {
    let statuses: Vec<&str> = q.statuses.iter().map(|s| s.as_str()).collect();
    let rows: Vec<EscalationRow> = sqlx::query_as(concat!(
        "SELECT ",
        escalation_columns!(),
        " FROM escalations WHERE tenant_id = $1 \
          AND ($2 = '' OR status = $2 OR status = $3 OR status = $4) \
          AND ($5 = '' OR conversation_id = $5) AND ($6 = '' OR work_order_id = $6) \
          ORDER BY raised_at DESC, id DESC LIMIT $7"
    ))
    .bind(tenant_id.to_string())
    .bind(statuses.first().copied().unwrap_or(""))
    .bind(statuses.get(1).copied().unwrap_or(""))
    .bind(statuses.get(2).copied().unwrap_or(""))
    .bind(q.conversation_id.map(|c| c.to_string()).unwrap_or_default())
    .bind(q.work_order_id.map(|w| w.to_string()).unwrap_or_default())
    .bind(q.limit.clamp(1, 500))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn save_escalation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    next: &Escalation,
) -> Result<Option<Escalation>> {
    let row: Option<EscalationRow> = sqlx::query_as(concat!(
        "UPDATE escalations SET work_order_id = $1, level = $2, triggers = $3, reason = $4, \
         status = $5, owner_id = $6, due_at = $7, overdue_at = $8, raised_at = $9, \
         updated_at = $10, taken_at = $11, handled_at = $12, outcome = $13, version = version + 1 \
         WHERE tenant_id = $14 AND id = $15 AND version = $16 RETURNING ",
        escalation_columns!()
    ))
    .bind(next.work_order_id.map(|w| w.to_string()))
    .bind(next.level.as_str())
    .bind(to_json(&next.triggers)?)
    .bind(&next.reason)
    .bind(next.status.as_str())
    .bind(next.owner_id.map(|o| o.to_string()))
    .bind(next.due_at)
    .bind(next.overdue_at)
    .bind(next.raised_at)
    .bind(next.updated_at)
    .bind(next.taken_at)
    .bind(next.handled_at)
    .bind(&next.outcome)
    .bind(tenant_id.to_string())
    .bind(next.id.to_string())
    .bind(next.version)
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn due_escalations(
    pool: &Pool<Db>,
    now: i64,
    limit: i64,
) -> Result<Vec<(Uuid, Escalation)>> {
    #[derive(sqlx::FromRow)]
    struct Due {
        tenant_id: String,
        #[sqlx(flatten)]
        escalation: EscalationRow,
    }
    let rows: Vec<Due> = sqlx::query_as(concat!(
        "SELECT tenant_id, ",
        escalation_columns!(),
        " FROM escalations WHERE due_at IS NOT NULL AND due_at <= $1 AND status = 'open' \
          ORDER BY due_at, id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| Ok((uuid(&r.tenant_id)?, r.escalation.try_into()?)))
        .collect()
}

pub(crate) async fn queue_deliveries(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    deliveries: &[NewDelivery],
) -> Result<()> {
    let now = kefu_domain::time::now_ms();
    let mut tx = pool.begin().await?;
    for d in deliveries {
        sqlx::query(
            "INSERT INTO notify_deliveries (id, tenant_id, channel, target, event, body, status, \
             attempts, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(tenant_id.to_string())
        .bind(d.channel)
        .bind(&d.target)
        .bind(d.event)
        .bind(&d.body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn due_deliveries(pool: &Pool<Db>, now: i64, limit: i64) -> Result<Vec<Delivery>> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM notify_deliveries WHERE next_at IS NOT NULL AND next_at <= $1 \
          AND status = 'pending' ORDER BY next_at, id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn record_delivery(
    pool: &Pool<Db>,
    id: Uuid,
    tried: &DeliveryTry,
) -> Result<bool> {
    Ok(record_deliveries(pool, &[(id, tried)]).await? > 0)
}

pub(crate) async fn record_deliveries(
    pool: &Pool<Db>,
    tries: &[(Uuid, &DeliveryTry)],
) -> Result<u64> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let mut changed = 0;
    for (id, tried) in tries {
        let sent_at = (tried.status == "sent").then_some(tried.at);
        changed += sqlx::query(
            "UPDATE notify_deliveries SET status = $1, attempts = attempts + 1, next_at = $2, \
             last_error = $3, response_status = $4, sent_at = $5 \
             WHERE id = $6 AND status = 'pending'",
        )
        .bind(tried.status)
        .bind(tried.next_at)
        .bind(&tried.error)
        .bind(tried.response_status)
        .bind(sent_at)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(changed)
}

pub(crate) async fn deliveries(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    limit: i64,
) -> Result<Vec<Delivery>> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM notify_deliveries WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(tenant_id.to_string())
    .bind(limit.clamp(1, 500))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn prune_deliveries(pool: &Pool<Db>, before: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM notify_deliveries WHERE status <> 'pending' AND created_at < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
