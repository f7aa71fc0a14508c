//! The SQL of the robot's flows (BOT-4): the shop's flow definitions and the flow each
//! conversation is in.

use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::robot::bump_kb_version;
use super::{BEGIN_WRITE, Db};
use crate::{FlowRow, NewAudit, Result};

/// Every flow the shop defined, by id.
pub(crate) async fn robot_flows(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<FlowRow>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT flow_id, body, updated_at FROM robot_flows WHERE tenant_id = $1 ORDER BY flow_id",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, body, updated_at)| FlowRow {
            id,
            body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
            updated_at,
        })
        .collect())
}

/// Creates or replaces a flow; its triggers are in the robot, so the version moves.
pub(crate) async fn put_robot_flow(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: &str,
    body: &serde_json::Value,
    by: Option<Uuid>,
    audit: impl FnOnce(&()) -> Vec<NewAudit> + Send,
) -> Result<()> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO robot_flows (tenant_id, flow_id, body, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, flow_id) DO UPDATE SET \
         body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&tenant)
    .bind(id)
    .bind(body.to_string())
    .bind(now_ms())
    .bind(by.map(|u| u.to_string()))
    .execute(&mut *tx)
    .await?;
    bump_kb_version(&mut tx, &tenant).await?;
    append_all(&mut tx, audit(&())).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a flow (and ends its runs); false when there was none.
pub(crate) async fn delete_robot_flow(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: &str,
    audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let gone = sqlx::query("DELETE FROM robot_flows WHERE tenant_id = $1 AND flow_id = $2")
        .bind(&tenant)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        sqlx::query("DELETE FROM robot_flow_runs WHERE tenant_id = $1 AND flow_id = $2")
            .bind(&tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        bump_kb_version(&mut tx, &tenant).await?;
        append_all(&mut tx, audit(&gone)).await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// The flow a conversation is in: its id and state.
pub(crate) async fn flow_run(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Option<(String, serde_json::Value)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT flow_id, state FROM robot_flow_runs WHERE tenant_id = $1 AND conversation_id = $2",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, state)| Some((id, serde_json::from_str(&state).ok()?))))
}

/// Saves a conversation's flow state, or ends it (`None`). A run of another tenant's
/// conversation is left alone (ACC-1).
pub(crate) async fn set_flow_run(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    run: Option<(&str, &serde_json::Value)>,
) -> Result<()> {
    let (tenant, conversation) = (tenant_id.to_string(), conversation_id.to_string());
    match run {
        Some((flow_id, state)) => {
            sqlx::query(
                "INSERT INTO robot_flow_runs (conversation_id, tenant_id, flow_id, state, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id) DO UPDATE SET \
                 flow_id = excluded.flow_id, state = excluded.state, updated_at = excluded.updated_at \
                 WHERE robot_flow_runs.tenant_id = excluded.tenant_id",
            )
            .bind(&conversation)
            .bind(&tenant)
            .bind(flow_id)
            .bind(state.to_string())
            .bind(now_ms())
            .execute(pool)
            .await?;
        }
        None => {
            sqlx::query(
                "DELETE FROM robot_flow_runs WHERE tenant_id = $1 AND conversation_id = $2",
            )
            .bind(&tenant)
            .bind(&conversation)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}
