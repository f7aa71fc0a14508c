//! The SQL of handoff cases (CH-5): an order handed to its fulfilment partner, opened and
//! closed, each opening logged in the conversation's events.

use kefu_domain::commerce::HandoffCase;
use kefu_domain::conversation::EventKind;
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::conversations::insert_event;
use super::{BEGIN_WRITE, Db};
use crate::rows::HandoffRow;
use crate::{NewHandoff, Result, StoreError, unique_as_conflict};

/// Opens a handoff case and records it in the conversation's event log, in one transaction.
pub(crate) async fn create_handoff(pool: &Pool<Db>, new: &NewHandoff<'_>) -> Result<HandoffCase> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let tenant = new.tenant_id.to_string();
    let conversation = new.conversation_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let buyer_name: (String,) =
        sqlx::query_as("SELECT buyer_name FROM conversations WHERE id = $1 AND tenant_id = $2")
            .bind(&conversation)
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("conversation"))?;
    sqlx::query(
        "INSERT INTO handoff_cases (id, tenant_id, conversation_id, order_no, partner_name, \
         handoff_url, shared, note, status, due_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11)",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(&conversation)
    .bind(new.order_no)
    .bind(&new.partner.name)
    .bind(&new.partner.handoff_url)
    .bind(new.shared.to_string())
    .bind(new.note)
    .bind(new.due_at)
    .bind(new.created_by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(unique_as_conflict("handoff_exists"))?;
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::HandedOff,
        SenderKind::Agent,
        Some(new.created_by.to_string()),
        None,
        serde_json::json!({
            "case_id": id,
            "order_no": new.order_no,
            "partner": new.partner.name,
            "due_at": new.due_at,
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HandoffCase {
        id,
        conversation_id: new.conversation_id,
        order_no: new.order_no.to_owned(),
        partner_name: new.partner.name.clone(),
        handoff_url: new.partner.handoff_url.clone(),
        shared: new.shared.clone(),
        note: new.note.to_owned(),
        status: "open".to_owned(),
        due_at: new.due_at,
        created_by: new.created_by,
        created_at: now,
        closed_at: None,
        resolution: String::new(),
        buyer_name: buyer_name.0,
    })
}

macro_rules! handoff_select {
    () => {
        "SELECT h.id, h.conversation_id, h.order_no, h.partner_name, h.handoff_url, h.shared, \
         h.note, h.status, h.due_at, h.created_by, h.created_at, h.closed_at, h.resolution, \
         c.buyer_name FROM handoff_cases h JOIN conversations c ON c.id = h.conversation_id "
    };
}

pub(crate) async fn handoffs(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Vec<HandoffCase>> {
    let rows: Vec<HandoffRow> = sqlx::query_as(concat!(
        handoff_select!(),
        "WHERE h.tenant_id = $1 AND h.conversation_id = $2 ORDER BY h.created_at DESC"
    ))
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The shop's handoff cases: open ones by due date, or all, newest first.
pub(crate) async fn handoff_cases(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<HandoffCase>> {
    let rows: Vec<HandoffRow> = sqlx::query_as(concat!(
        handoff_select!(),
        "WHERE h.tenant_id = $1 AND ($2 = 'all' OR h.status = $2) \
         ORDER BY CASE WHEN h.status = 'open' THEN 0 ELSE 1 END, \
         CASE WHEN h.status = 'open' THEN h.due_at ELSE -h.created_at END LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(status.unwrap_or("all"))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Closes an open case with its resolution; `Conflict("handoff_closed")` when it already was.
pub(crate) async fn close_handoff(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    resolution: &str,
) -> Result<HandoffCase> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let closed = sqlx::query(
        "UPDATE handoff_cases SET status = 'closed', closed_at = $1, resolution = $2 \
         WHERE id = $3 AND tenant_id = $4 AND status = 'open'",
    )
    .bind(now_ms())
    .bind(resolution)
    .bind(id.to_string())
    .bind(&tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let row: Option<HandoffRow> = sqlx::query_as(concat!(
        handoff_select!(),
        "WHERE h.id = $1 AND h.tenant_id = $2"
    ))
    .bind(id.to_string())
    .bind(&tenant)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    match (row, closed) {
        (None, _) => Err(StoreError::NotFound("handoff")),
        (Some(_), 0) => Err(StoreError::Conflict("handoff_closed")),
        (Some(row), _) => row.try_into(),
    }
}
