//! The SQL of after-sale requests (BOT-4): filed by a flow for a buyer, marking their order.

use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::{BEGIN_WRITE, Db};
use crate::{AfterSaleRow, NewAfterSale, Result};

type AfterSaleTuple = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    i64,
);

macro_rules! after_sale_columns {
    () => {
        "id, case_no, order_no, conversation_id, member_id, kind, sku_code, item_title, reason, \
         detail, photo_attachment_id, status, created_at"
    };
}

fn after_sale_row(t: AfterSaleTuple) -> AfterSaleRow {
    let (
        id,
        case_no,
        order_no,
        conversation,
        member_id,
        kind,
        sku,
        title,
        reason,
        detail,
        photo,
        status,
        at,
    ) = t;
    AfterSaleRow {
        id: id.parse().unwrap_or_default(),
        case_no,
        order_no,
        conversation_id: conversation.and_then(|c| c.parse().ok()),
        member_id,
        kind,
        sku_code: sku,
        item_title: title,
        reason,
        detail,
        photo_attachment_id: photo.and_then(|p| p.parse().ok()),
        status,
        created_at: at,
    }
}

/// Records an after-sale request and marks its order `requested`, in one transaction.
pub(crate) async fn create_after_sale(
    pool: &Pool<Db>,
    new: &NewAfterSale<'_>,
) -> Result<AfterSaleRow> {
    let tenant = new.tenant_id.to_string();
    let now = now_ms();
    let id = Uuid::now_v7();
    // AS + the day + six digits of the id's random part: unique per shop in practice, and
    // the unique index turns the rare clash into an error rather than a duplicate.
    let day = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.format("%Y%m%d").to_string())
        .unwrap_or_default();
    let case_no = format!("AS{day}{:06}", id.as_u128() % 1_000_000);
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO after_sale_requests (id, tenant_id, case_no, order_no, conversation_id, \
         member_id, kind, sku_code, item_title, reason, detail, photo_attachment_id, status, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'requested', $13)",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(&case_no)
    .bind(new.order_no)
    .bind(new.conversation_id.map(|c| c.to_string()))
    .bind(new.member_id)
    .bind(new.kind)
    .bind(new.sku_code)
    .bind(new.item_title)
    .bind(new.reason)
    .bind(new.detail)
    .bind(new.photo_attachment_id.map(|p| p.to_string()))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE orders SET after_sale_status = 'requested', updated_at = $1 \
         WHERE tenant_id = $2 AND order_no = $3",
    )
    .bind(now)
    .bind(&tenant)
    .bind(new.order_no)
    .execute(&mut *tx)
    .await?;
    let row: AfterSaleTuple = sqlx::query_as(concat!(
        "SELECT ",
        after_sale_columns!(),
        " FROM after_sale_requests WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(after_sale_row(row))
}

/// The shop's after-sale requests, newest first.
pub(crate) async fn after_sales(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    limit: i64,
) -> Result<Vec<AfterSaleRow>> {
    let rows: Vec<AfterSaleTuple> = sqlx::query_as(concat!(
        "SELECT ",
        after_sale_columns!(),
        " FROM after_sale_requests WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(tenant_id.to_string())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(after_sale_row).collect())
}
