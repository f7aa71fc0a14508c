//! The SQL of UI sessions and API tokens: rows of `auth_sessions`, found by the hash of
//! their secret.

use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::rows::UserRow;
use crate::{NewAudit, Result, SessionInfo, Vault};

pub(crate) async fn create_session(
    pool: &Pool<Db>,
    token_hash: &str,
    user_id: Uuid,
    is_ui: bool,
    name: &str,
    csrf_token: &str,
    expires_at: i64,
    audit: impl FnOnce(&()) -> Vec<NewAudit> + Send,
) -> Result<()> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO auth_sessions (token_hash, user_id, kind, name, csrf_token, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(user_id.to_string())
    .bind(if is_ui { "ui" } else { "api" })
    .bind(name)
    .bind(csrf_token)
    .bind(now_ms())
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    append_all(&mut tx, audit(&())).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf_token: String,
    kind: String,
}

pub(crate) async fn session(
    pool: &Pool<Db>,
    vault: &Vault,
    token_hash: &str,
) -> Result<Option<SessionInfo>> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT u.id, u.tenant_id, u.username, u.display_name, u.role, u.team, u.status, \
         u.phone, u.probation_until, u.disabled, u.phone_verified_at, u.break_reason, \
         u.break_until, u.max_concurrent, \
         s.csrf_token, s.kind FROM auth_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
    )
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionInfo {
            user: r.user.open(vault)?,
            csrf_token: r.csrf_token,
            is_ui: r.kind == "ui",
        })
    })
    .transpose()
}

pub(crate) async fn delete_session(pool: &Pool<Db>, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}
