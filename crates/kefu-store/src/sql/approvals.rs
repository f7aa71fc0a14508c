//! The SQL of approvals (ACC-5): a sensitive operation requested, decided once, and carried
//! out in the transaction that approves it.

use kefu_domain::guard::{Approval, ApprovalKind, ApprovalStatus};
use kefu_domain::money::Money;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::rows::ApprovalRow;
use crate::{NewApproval, NewAudit, Result, StoreError};

macro_rules! approval_select {
    () => {
        "SELECT a.id, a.kind, a.conversation_id, a.order_no, a.amount_fen, a.payload, a.reason, \
         a.requested_by, r.display_name AS requested_by_name, a.requested_at, a.status, \
         a.decided_by, d.display_name AS decided_by_name, a.decided_at, a.decision_reason, \
         a.executed_at FROM approvals a JOIN users r ON r.id = a.requested_by \
         LEFT JOIN users d ON d.id = a.decided_by "
    };
}

/// Records a request; `execute_now` for one a permitted requester may carry out at once,
/// which then runs in the same transaction.
pub(crate) async fn create_approval(
    pool: &Pool<Db>,
    new: &NewApproval<'_>,
    execute_now: bool,
    audit: impl FnOnce(&Approval) -> Vec<NewAudit> + Send,
) -> Result<Approval> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let tenant = new.tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO approvals (id, tenant_id, kind, conversation_id, order_no, amount_fen, \
         payload, reason, requested_by, requested_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(new.kind.as_str())
    .bind(new.conversation_id.map(|c| c.to_string()))
    .bind(new.order_no)
    .bind(new.amount_fen.map(Money::fen))
    .bind(new.payload.to_string())
    .bind(new.reason)
    .bind(new.requested_by.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if execute_now {
        sqlx::query("UPDATE approvals SET status = 'approved' WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        execute_in(&mut tx, &tenant, &id.to_string()).await?;
    }
    let approval = approval_in(&mut tx, &tenant, &id.to_string())
        .await?
        .ok_or(StoreError::NotFound("approval"))?;
    append_all(&mut tx, audit(&approval)).await?;
    tx.commit().await?;
    Ok(approval)
}

async fn approval_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<Approval>> {
    let row: Option<ApprovalRow> = sqlx::query_as(concat!(
        approval_select!(),
        "WHERE a.id = $1 AND a.tenant_id = $2"
    ))
    .bind(id)
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn approval(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<Approval>> {
    let mut conn = pool.acquire().await?;
    approval_in(&mut conn, &tenant_id.to_string(), &id.to_string()).await
}

/// The queue (`Some(Pending)`, oldest first) or any status, newest first.
pub(crate) async fn approvals(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    status: Option<ApprovalStatus>,
    limit: i64,
) -> Result<Vec<Approval>> {
    let rows: Vec<ApprovalRow> = sqlx::query_as(concat!(
        approval_select!(),
        "WHERE a.tenant_id = $1 AND ($2 = 'all' OR a.status = $2) \
         ORDER BY CASE WHEN $2 = 'pending' THEN a.requested_at ELSE -a.requested_at END \
         LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(status.map_or("all", ApprovalStatus::as_str))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Decides a pending request once: approving also executes it, in the same transaction. A
/// second decision, concurrent or later, finds it no longer pending: `Conflict`.
pub(crate) async fn decide_approval(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    approve: bool,
    decided_by: Uuid,
    reason: &str,
    audit: impl FnOnce(&Approval) -> Vec<NewAudit> + Send,
) -> Result<Approval> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let decided = sqlx::query(
        "UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, \
         decision_reason = $4 WHERE id = $5 AND tenant_id = $6 AND status = 'pending' \
         AND requested_by <> $2",
    )
    .bind(if approve { "approved" } else { "rejected" })
    .bind(decided_by.to_string())
    .bind(now_ms())
    .bind(reason)
    .bind(id.to_string())
    .bind(&tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let Some(current) = approval_in(&mut tx, &tenant, &id.to_string()).await? else {
        return Err(StoreError::NotFound("approval"));
    };
    if decided == 0 {
        return Err(if current.requested_by == decided_by {
            StoreError::Conflict("own_request")
        } else {
            StoreError::Conflict("already_decided")
        });
    }
    if approve {
        execute_in(&mut tx, &tenant, &id.to_string()).await?;
    }
    let after = approval_in(&mut tx, &tenant, &id.to_string())
        .await?
        .ok_or(StoreError::NotFound("approval"))?;
    append_all(&mut tx, audit(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Carries out an approved request exactly once: the status moves approved → executed under
/// its WHERE clause, and only the statement that moved it changes the order.
async fn execute_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant: &str,
    id: &str,
) -> Result<()> {
    let now = now_ms();
    let moved = sqlx::query(
        "UPDATE approvals SET status = 'executed', executed_at = $1 \
         WHERE id = $2 AND tenant_id = $3 AND status = 'approved'",
    )
    .bind(now)
    .bind(id)
    .bind(tenant)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(StoreError::Conflict("already_decided"));
    }
    let approval = approval_in(conn, tenant, id)
        .await?
        .ok_or(StoreError::NotFound("approval"))?;
    match approval.kind {
        ApprovalKind::Refund => {
            // Refunded in full or in part; the after-sale case ends refunded.
            sqlx::query(
                "UPDATE orders SET payment_status = CASE WHEN $1 >= paid_fen THEN 'refunded' \
                 ELSE 'partially_refunded' END, after_sale_status = 'refunded', \
                 content_hash = 'changed-by-kefu', updated_at = $2 \
                 WHERE tenant_id = $3 AND order_no = $4",
            )
            .bind(approval.amount_fen.map_or(0, Money::fen))
            .bind(now)
            .bind(tenant)
            .bind(&approval.order_no)
            .execute(&mut *conn)
            .await?;
        }
        ApprovalKind::LogisticsChange => {
            sqlx::query(
                "UPDATE orders SET logistics_company = $1, tracking_no = $2, \
                 content_hash = 'changed-by-kefu', updated_at = $3 \
                 WHERE tenant_id = $4 AND order_no = $5",
            )
            .bind(approval.payload["logistics_company"].as_str())
            .bind(approval.payload["tracking_no"].as_str())
            .bind(now)
            .bind(tenant)
            .bind(&approval.order_no)
            .execute(&mut *conn)
            .await?;
        }
        // A compensation (coupon, cash back) leaves the order as it is.
        ApprovalKind::Compensation => {}
    }
    Ok(())
}
