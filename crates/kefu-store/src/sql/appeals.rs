//! The SQL of appeals (SELF-3).

use kefu_domain::appeal::{Appeal, Status};
use sqlx::Pool;
use uuid::Uuid;

use super::Db;
use crate::Result;
use crate::appeals::AppealScope;
use crate::rows::{json, to_json};

#[derive(sqlx::FromRow)]
struct AppealRow {
    body: String,
    version: i64,
}

fn read(row: AppealRow) -> Result<Appeal> {
    let mut appeal: Appeal = json(&row.body, "appeal")?;
    appeal.version = row.version;
    Ok(appeal)
}

pub(crate) async fn create_appeal(
    pool: &Pool<Db>,
    filer_tenant_id: Uuid,
    filer_id: Uuid,
    a: &Appeal,
) -> Result<Appeal> {
    let row: AppealRow = sqlx::query_as(
        "INSERT INTO appeals (id, platform_id, filer_tenant_id, filer_id, number, status, body, \
         alarm_at, queued_at, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0) RETURNING body, version",
    )
    .bind(a.id.to_string())
    .bind(a.platform_id.to_string())
    .bind(filer_tenant_id.to_string())
    .bind(filer_id.to_string())
    .bind(&a.number)
    .bind(a.status.as_str())
    .bind(to_json(a)?)
    .bind(a.alarm_at())
    .bind(a.queued_at)
    .bind(a.created_at)
    .bind(a.updated_at)
    .fetch_one(pool)
    .await?;
    read(row)
}

pub(crate) async fn appeal(pool: &Pool<Db>, viewer: Uuid, id: Uuid) -> Result<Option<Appeal>> {
    let row: Option<AppealRow> = sqlx::query_as(
        "SELECT body, version FROM appeals WHERE id = $1 \
         AND (platform_id = $2 OR filer_tenant_id = $2)",
    )
    .bind(id.to_string())
    .bind(viewer.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(read).transpose()
}

pub(crate) async fn appeals(
    pool: &Pool<Db>,
    scope: &AppealScope,
    statuses: &[Status],
    limit: i64,
) -> Result<Vec<Appeal>> {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let status = |n: usize| names.get(n).copied().unwrap_or("");
    let rows: Vec<AppealRow> = match scope {
        AppealScope::Platform(platform) => {
            sqlx::query_as(
                "SELECT body, version FROM appeals WHERE platform_id = $1 \
                 AND ($2 = '' OR status = $2 OR status = $3 OR status = $4) \
                 ORDER BY queued_at, id LIMIT $5",
            )
            .bind(platform.to_string())
            .bind(status(0))
            .bind(status(1))
            .bind(status(2))
            .bind(limit.clamp(1, 500))
            .fetch_all(pool)
            .await?
        }
        AppealScope::Filer(tenant, who) => {
            sqlx::query_as(
                "SELECT body, version FROM appeals WHERE filer_tenant_id = $1 \
                 AND ($2 = '' OR filer_id = $2) \
                 AND ($3 = '' OR status = $3 OR status = $4 OR status = $5) \
                 ORDER BY created_at DESC, id DESC LIMIT $6",
            )
            .bind(tenant.to_string())
            .bind(who.map(|w| w.to_string()).unwrap_or_default())
            .bind(status(0))
            .bind(status(1))
            .bind(status(2))
            .bind(limit.clamp(1, 500))
            .fetch_all(pool)
            .await?
        }
    };
    rows.into_iter().map(read).collect()
}

pub(crate) async fn save_appeal(pool: &Pool<Db>, next: &Appeal) -> Result<Option<Appeal>> {
    let row: Option<AppealRow> = sqlx::query_as(
        "UPDATE appeals SET status = $1, body = $2, alarm_at = $3, queued_at = $4, updated_at = $5, \
         version = version + 1 WHERE id = $6 AND version = $7 RETURNING body, version",
    )
    .bind(next.status.as_str())
    .bind(to_json(next)?)
    .bind(next.alarm_at())
    .bind(next.queued_at)
    .bind(next.updated_at)
    .bind(next.id.to_string())
    .bind(next.version)
    .fetch_optional(pool)
    .await?;
    row.map(read).transpose()
}

pub(crate) async fn due_appeals(pool: &Pool<Db>, now: i64, limit: i64) -> Result<Vec<Appeal>> {
    let rows: Vec<AppealRow> = sqlx::query_as(
        "SELECT body, version FROM appeals WHERE alarm_at IS NOT NULL AND alarm_at <= $1 \
         ORDER BY alarm_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(read).collect()
}
