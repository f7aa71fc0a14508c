//! The SQL of accounts (ACC-2 … ACC-4): users, the login lookup, agent status and breaks,
//! account changes, and phone verification.

use kefu_domain::account::{AgentStatus, User};
use kefu_domain::role::Role;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db, LOCK_ROW};
use crate::rows::{UserRow, uuid};
use crate::{
    AccountChange, Field, NewAudit, NewUser, PhoneCodeCheck, Result, StoreError, Vault,
    unique_as_conflict,
};

pub(crate) async fn create_user(
    pool: &Pool<Db>,
    vault: &Vault,
    user: &NewUser<'_>,
    audit: impl FnOnce(&User) -> Vec<NewAudit> + Send,
) -> Result<User> {
    let id = Uuid::now_v7().to_string();
    let phone = vault.seal_opt(Field::UserPhone, &id, user.phone)?;
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: UserRow = sqlx::query_as(
        "INSERT INTO users (id, tenant_id, username, display_name, password_hash, role, team, \
         phone, created_at, probation_until, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent",
    )
    .bind(&id)
    .bind(user.tenant_id.to_string())
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(user.team)
    .bind(phone)
    .bind(now_ms())
    .bind(user.probation_until)
    .bind(user.created_by.map(|id| id.to_string()))
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_as_conflict("username_taken"))?;
    let created = row.open(vault)?;
    append_all(&mut tx, audit(&created)).await?;
    tx.commit().await?;
    Ok(created)
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

pub(crate) async fn user_for_login(
    pool: &Pool<Db>,
    vault: &Vault,
    username: &str,
) -> Result<Option<(User, String)>> {
    let row: Option<LoginRow> = sqlx::query_as(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent, password_hash \
         FROM users WHERE username = $1 AND NOT disabled",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((r.user.open(vault)?, r.password_hash)))
        .transpose()
}

pub(crate) async fn user(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<User>> {
    user_in(&mut *pool.acquire().await?, vault, tenant_id, id, "").await
}

/// Whether the tenant has the account.
pub(crate) async fn user_exists(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<bool> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT id FROM users WHERE id = $1 AND tenant_id = $2")
            .bind(id.to_string())
            .bind(tenant_id.to_string())
            .fetch_optional(pool)
            .await?;
    Ok(row.is_some())
}

/// The account on the caller's connection; `lock` is `""` or `LOCK_ROW`.
async fn user_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    vault: &Vault,
    tenant_id: Uuid,
    id: Uuid,
    lock: &'static str,
) -> Result<Option<User>> {
    // Only a compile-time constant is spliced in.
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent \
         FROM users WHERE id = $1 AND tenant_id = $2{lock}"
    )))
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| r.open(vault)).transpose()
}

pub(crate) async fn team(pool: &Pool<Db>, vault: &Vault, tenant_id: Uuid) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent FROM users WHERE tenant_id = $1 AND NOT disabled \
         ORDER BY username",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| r.open(vault)).collect()
}

pub(crate) async fn set_user_status(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    user_id: Uuid,
    status: AgentStatus,
    break_until: Option<(&str, i64)>,
) -> Result<()> {
    let (tenant, user) = (tenant_id.to_string(), user_id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let changed = sqlx::query(
        "UPDATE users SET status = $1, break_reason = $2, break_until = $3 \
         WHERE id = $4 AND tenant_id = $5",
    )
    .bind(status.as_str())
    .bind(break_until.map(|(reason, _)| reason))
    .bind(break_until.map(|(_, until)| until))
    .bind(&user)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed > 0 {
        // A break (issue #18): the one before ends now; a new one begins.
        end_open_break(&mut tx, &tenant, &user, now).await?;
        if let Some((reason, _)) = break_until {
            sqlx::query(
                "INSERT INTO agent_breaks (tenant_id, user_id, reason, started_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, user_id, started_at) DO NOTHING",
            )
            .bind(&tenant)
            .bind(&user)
            .bind(reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn end_open_break(
    tx: &mut sqlx::Transaction<'_, Db>,
    tenant: &str,
    user: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE agent_breaks SET ended_at = $3 \
         WHERE tenant_id = $1 AND user_id = $2 AND ended_at IS NULL",
    )
    .bind(tenant)
    .bind(user)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends breaks whose time is up (WB-9): those agents are online again. Returns them.
pub(crate) async fn end_breaks(pool: &Pool<Db>, now: i64) -> Result<Vec<(Uuid, Uuid)>> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "UPDATE users SET status = 'online', break_reason = NULL, break_until = NULL \
         WHERE status = 'away' AND break_until IS NOT NULL AND break_until <= $1 \
         RETURNING tenant_id, id",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for (tenant, user) in &rows {
        end_open_break(&mut tx, tenant, user, now).await?;
    }
    tx.commit().await?;
    rows.into_iter()
        .map(|(tenant, id)| Ok((uuid(&tenant)?, uuid(&id)?)))
        .collect()
}

/// Every account of the tenant, disabled ones included, by username.
pub(crate) async fn accounts(pool: &Pool<Db>, vault: &Vault, tenant_id: Uuid) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent FROM users WHERE tenant_id = $1 ORDER BY username",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|r| r.open(vault)).collect()
}

pub(crate) async fn count_accounts(pool: &Pool<Db>, tenant_id: Uuid) -> Result<i64> {
    let (count,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE tenant_id = $1")
            .bind(tenant_id.to_string())
            .fetch_one(pool)
            .await?;
    Ok(count)
}

/// Changes what is given (`None` keeps the value); returns the account after.
pub(crate) async fn update_account(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    id: Uuid,
    change: &AccountChange<'_>,
    audit: impl FnOnce(&User, &User) -> Vec<NewAudit> + Send,
) -> Result<User> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let before = user_in(&mut tx, vault, tenant_id, id, LOCK_ROW)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let updated = sqlx::query(
        "UPDATE users SET display_name = COALESCE($1, display_name), role = COALESCE($2, role), \
         team = CASE WHEN $3 THEN $4 ELSE team END, disabled = COALESCE($5, disabled), \
         probation_until = CASE WHEN $6 THEN $7 ELSE probation_until END, \
         max_concurrent = COALESCE($10, max_concurrent) \
         WHERE id = $8 AND tenant_id = $9",
    )
    .bind(change.display_name)
    .bind(change.role.map(Role::as_str))
    .bind(change.team.is_some())
    .bind(change.team.flatten())
    .bind(change.disabled)
    .bind(change.probation_until.is_some())
    .bind(change.probation_until.flatten())
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .bind(change.max_concurrent)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::NotFound("user"));
    }
    if change.disabled == Some(true) {
        sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    let after = user_in(&mut tx, vault, tenant_id, id, "")
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    append_all(&mut tx, audit(&before, &after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets the account's password hash and ends its UI sessions (API tokens stay); returns the
/// account.
pub(crate) async fn set_password(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    id: Uuid,
    password_hash: &str,
    audit: impl FnOnce(&User) -> Vec<NewAudit> + Send,
) -> Result<User> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let user = user_in(&mut tx, vault, tenant_id, id, LOCK_ROW)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(password_hash)
        .bind(id.to_string())
        .bind(tenant_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1 AND kind = 'ui'")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    append_all(&mut tx, audit(&user)).await?;
    tx.commit().await?;
    Ok(user)
}

/// Replaces the account's outstanding code; `false` when one was sent less than
/// `min_interval_ms` ago (nothing changes then).
pub(crate) async fn put_phone_code(
    pool: &Pool<Db>,
    user_id: Uuid,
    code_hash: &str,
    expires_at: i64,
    min_interval_ms: i64,
) -> Result<bool> {
    let now = now_ms();
    let written = sqlx::query(
        "INSERT INTO phone_codes (user_id, code_hash, sent_at, expires_at, attempts) \
         VALUES ($1, $2, $3, $4, 0) ON CONFLICT (user_id) DO UPDATE SET \
         code_hash = excluded.code_hash, sent_at = excluded.sent_at, \
         expires_at = excluded.expires_at, attempts = 0 \
         WHERE phone_codes.sent_at <= $5",
    )
    .bind(user_id.to_string())
    .bind(code_hash)
    .bind(now)
    .bind(expires_at)
    .bind(now - min_interval_ms)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(written > 0)
}

/// Checks a code against the outstanding one, counting the attempt; marks the phone
/// verified on a match and forgets the code.
pub(crate) async fn check_phone_code(
    pool: &Pool<Db>,
    user_id: Uuid,
    code_hash: &str,
    max_attempts: i64,
    audit: impl FnOnce(&PhoneCodeCheck) -> Vec<NewAudit> + Send,
) -> Result<PhoneCodeCheck> {
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT code_hash, expires_at, attempts FROM phone_codes WHERE user_id = $1",
    )
    .bind(user_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((stored, expires_at, attempts)) = row else {
        return Ok(PhoneCodeCheck::NoCode);
    };
    if expires_at <= now {
        return Ok(PhoneCodeCheck::Expired);
    }
    if attempts >= max_attempts {
        return Ok(PhoneCodeCheck::TooManyAttempts);
    }
    if stored != code_hash {
        sqlx::query("UPDATE phone_codes SET attempts = attempts + 1 WHERE user_id = $1")
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(PhoneCodeCheck::Wrong);
    }
    sqlx::query("DELETE FROM phone_codes WHERE user_id = $1")
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET phone_verified_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    append_all(&mut tx, audit(&PhoneCodeCheck::Verified)).await?;
    tx.commit().await?;
    Ok(PhoneCodeCheck::Verified)
}

/// Records a phone as verified by other means (the demo's accounts, an operator's import).
pub(crate) async fn mark_phone_verified(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<()> {
    sqlx::query("UPDATE users SET phone_verified_at = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(now_ms())
        .bind(user_id.to_string())
        .bind(tenant_id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn agents_online(pool: &Pool<Db>, tenant_id: Uuid) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND status = 'online' AND NOT disabled",
    )
    .bind(tenant_id.to_string())
    .fetch_one(pool)
    .await?;
    Ok(n)
}
