//! The SQL of arbitration cases (ACC-1, ESC-1).

use kefu_domain::arbitration::{Arbitration, Status};
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::rows::{json, to_json};
use crate::{NewAudit, Result, unique_as_conflict};

#[derive(sqlx::FromRow)]
struct CaseRow {
    body: String,
    version: i64,
}

fn read(row: CaseRow) -> Result<Arbitration> {
    let mut case: Arbitration = json(&row.body, "arbitration")?;
    case.version = row.version;
    Ok(case)
}

pub(crate) async fn create_arbitration(
    pool: &Pool<Db>,
    case: &Arbitration,
    audit: Vec<NewAudit>,
) -> Result<Arbitration> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: CaseRow = sqlx::query_as(
        "INSERT INTO arbitrations (id, shop_id, platform_id, conversation_id, number, status, body, \
         alarm_at, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0) RETURNING body, version",
    )
    .bind(case.id.to_string())
    .bind(case.shop_id.to_string())
    .bind(case.platform_id.to_string())
    .bind(case.conversation_id.to_string())
    .bind(&case.number)
    .bind(case.status.as_str())
    .bind(to_json(case)?)
    .bind(case.alarm_at())
    .bind(case.created_at)
    .bind(case.updated_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_as_conflict("arbitration_exists"))?;
    append_all(&mut tx, audit).await?;
    tx.commit().await?;
    read(row)
}

pub(crate) async fn arbitration(
    pool: &Pool<Db>,
    viewer: Uuid,
    id: Uuid,
) -> Result<Option<Arbitration>> {
    let viewer = viewer.to_string();
    let row: Option<CaseRow> = sqlx::query_as(
        "SELECT body, version FROM arbitrations WHERE id = $1 AND (shop_id = $2 OR platform_id = $2)",
    )
    .bind(id.to_string())
    .bind(&viewer)
    .fetch_optional(pool)
    .await?;
    row.map(read).transpose()
}

pub(crate) async fn arbitrations(
    pool: &Pool<Db>,
    viewer: Uuid,
    statuses: &[Status],
    limit: i64,
) -> Result<Vec<Arbitration>> {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let rows: Vec<CaseRow> = sqlx::query_as(
        "SELECT body, version FROM arbitrations WHERE (shop_id = $1 OR platform_id = $1) \
         AND ($2 = '' OR status = $2 OR status = $3 OR status = $4) \
         ORDER BY created_at DESC, id DESC LIMIT $5",
    )
    .bind(viewer.to_string())
    .bind(names.first().copied().unwrap_or(""))
    .bind(names.get(1).copied().unwrap_or(""))
    .bind(names.get(2).copied().unwrap_or(""))
    .bind(limit.clamp(1, 500))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(read).collect()
}

pub(crate) async fn open_arbitration(
    pool: &Pool<Db>,
    shop_id: Uuid,
    conversation_id: Uuid,
) -> Result<Option<Arbitration>> {
    let row: Option<CaseRow> = sqlx::query_as(
        "SELECT body, version FROM arbitrations WHERE shop_id = $1 AND conversation_id = $2 \
         AND status <> 'closed'",
    )
    .bind(shop_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(read).transpose()
}

pub(crate) async fn latest_arbitration(
    pool: &Pool<Db>,
    shop_id: Uuid,
    conversation_id: Uuid,
) -> Result<Option<Arbitration>> {
    let row: Option<CaseRow> = sqlx::query_as(
        "SELECT body, version FROM arbitrations WHERE shop_id = $1 AND conversation_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(shop_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(read).transpose()
}

pub(crate) async fn save_arbitration(
    pool: &Pool<Db>,
    next: &Arbitration,
    audit: Vec<NewAudit>,
) -> Result<Option<Arbitration>> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: Option<CaseRow> = sqlx::query_as(
        "UPDATE arbitrations SET status = $1, body = $2, alarm_at = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 RETURNING body, version",
    )
    .bind(next.status.as_str())
    .bind(to_json(next)?)
    .bind(next.alarm_at())
    .bind(next.updated_at)
    .bind(next.id.to_string())
    .bind(next.version)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    append_all(&mut tx, audit).await?;
    tx.commit().await?;
    read(row).map(Some)
}

pub(crate) async fn due_arbitrations(
    pool: &Pool<Db>,
    now: i64,
    limit: i64,
) -> Result<Vec<Arbitration>> {
    let rows: Vec<CaseRow> = sqlx::query_as(
        "SELECT body, version FROM arbitrations WHERE alarm_at IS NOT NULL AND alarm_at <= $1 \
         ORDER BY alarm_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(read).collect()
}

pub(crate) async fn count_arbitrations(pool: &Pool<Db>, shop_id: Uuid, since: i64) -> Result<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM arbitrations WHERE shop_id = $1 AND created_at >= $2")
            .bind(shop_id.to_string())
            .bind(since)
            .fetch_one(pool)
            .await?;
    Ok(n)
}
