//! The SQL of playbook runs (ESC-2).

use kefu_domain::playbook::PlaybookRun;
use sqlx::Pool;
use uuid::Uuid;

use super::Db;
use crate::rows::{json, to_json};
use crate::{Result, unique_as_conflict};

#[derive(sqlx::FromRow)]
struct RunRow {
    run: String,
    version: i64,
}

fn read(row: RunRow) -> Result<PlaybookRun> {
    let mut run: PlaybookRun = json(&row.run, "playbook run")?;
    run.version = row.version;
    Ok(run)
}

pub(crate) async fn create_playbook_run(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    run: &PlaybookRun,
) -> Result<PlaybookRun> {
    let row: RunRow = sqlx::query_as(
        "INSERT INTO playbook_runs (id, tenant_id, conversation_id, key, run, started_at, \
         finished_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING run, version",
    )
    .bind(run.id.to_string())
    .bind(tenant_id.to_string())
    .bind(run.conversation_id.to_string())
    .bind(&run.key)
    .bind(to_json(run)?)
    .bind(run.started_at)
    .bind(run.finished_at)
    .fetch_one(pool)
    .await
    .map_err(unique_as_conflict("playbook_run_exists"))?;
    read(row)
}

pub(crate) async fn playbook_run(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<PlaybookRun>> {
    let row: Option<RunRow> =
        sqlx::query_as("SELECT run, version FROM playbook_runs WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id.to_string())
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?;
    row.map(read).transpose()
}

pub(crate) async fn playbook_runs(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Vec<PlaybookRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(
        "SELECT run, version FROM playbook_runs WHERE tenant_id = $1 AND conversation_id = $2 \
         ORDER BY started_at DESC, id DESC LIMIT 50",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(read).collect()
}

pub(crate) async fn save_playbook_run(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    next: &PlaybookRun,
) -> Result<Option<PlaybookRun>> {
    let row: Option<RunRow> = sqlx::query_as(
        "UPDATE playbook_runs SET run = $1, finished_at = $2, version = version + 1 \
         WHERE tenant_id = $3 AND id = $4 AND version = $5 RETURNING run, version",
    )
    .bind(to_json(next)?)
    .bind(next.finished_at)
    .bind(tenant_id.to_string())
    .bind(next.id.to_string())
    .bind(next.version)
    .fetch_optional(pool)
    .await?;
    row.map(read).transpose()
}
