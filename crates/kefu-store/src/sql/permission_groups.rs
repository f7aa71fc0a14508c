//! The SQL of permission groups (ACC-3): the groups, their grants to accounts, and what an
//! account holds through them.

use kefu_domain::guard::{Grant, PermissionGroup};
use kefu_domain::role::{Permission, Permissions};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::rows::{GrantRow, GroupRow, to_json};
use crate::{NewAudit, Result, StoreError, unique_as_conflict};

pub(crate) async fn create_group(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    name: &str,
    description: &str,
    permissions: &[Permission],
    audit: impl FnOnce(&PermissionGroup) -> Vec<NewAudit> + Send,
) -> Result<PermissionGroup> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO permission_groups (id, tenant_id, name, description, permissions, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .bind(name)
    .bind(description)
    .bind(to_json(&names)?)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(unique_as_conflict("group_name_taken"))?;
    let group = PermissionGroup {
        id,
        name: name.to_owned(),
        description: description.to_owned(),
        permissions: permissions.to_vec(),
        created_at: now,
    };
    append_all(&mut tx, audit(&group)).await?;
    tx.commit().await?;
    Ok(group)
}

pub(crate) async fn groups(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<PermissionGroup>> {
    let rows: Vec<GroupRow> = sqlx::query_as(
        "SELECT id, name, description, permissions, created_at FROM permission_groups \
         WHERE tenant_id = $1 ORDER BY name",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Grants a group to accounts of the same tenant (again: a new expiry); returns how many.
pub(crate) async fn grant_group(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    group_id: Uuid,
    user_ids: &[Uuid],
    granted_by: Uuid,
    expires_at: Option<i64>,
    audit: impl FnOnce(&u64) -> Vec<NewAudit> + Send,
) -> Result<u64> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let group: Option<(String,)> =
        sqlx::query_as("SELECT id FROM permission_groups WHERE id = $1 AND tenant_id = $2")
            .bind(group_id.to_string())
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?;
    if group.is_none() {
        return Err(StoreError::NotFound("group"));
    }
    let mut granted = 0;
    for user in user_ids {
        granted += sqlx::query(
            "INSERT INTO permission_grants (group_id, user_id, tenant_id, granted_by, \
             granted_at, expires_at) SELECT $1, u.id, $3, $4, $5, $6 FROM users u \
             WHERE u.id = $2 AND u.tenant_id = $3 \
             ON CONFLICT (group_id, user_id) DO UPDATE SET granted_by = excluded.granted_by, \
             granted_at = excluded.granted_at, expires_at = excluded.expires_at",
        )
        .bind(group_id.to_string())
        .bind(user.to_string())
        .bind(&tenant)
        .bind(granted_by.to_string())
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    if granted != user_ids.len() as u64 {
        return Err(StoreError::NotFound("user"));
    }
    append_all(&mut tx, audit(&granted)).await?;
    tx.commit().await?;
    Ok(granted)
}

pub(crate) async fn revoke_group(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    group_id: Uuid,
    user_id: Uuid,
    audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let revoked = sqlx::query(
        "DELETE FROM permission_grants WHERE group_id = $1 AND user_id = $2 AND tenant_id = $3",
    )
    .bind(group_id.to_string())
    .bind(user_id.to_string())
    .bind(tenant_id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if revoked {
        append_all(&mut tx, audit(&revoked)).await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// Grants of the tenant, expired ones included, by group then account.
pub(crate) async fn grants(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<Grant>> {
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT pg.group_id, g.name AS group_name, pg.user_id, pg.granted_by, pg.granted_at, \
         pg.expires_at FROM permission_grants pg JOIN permission_groups g ON g.id = pg.group_id \
         WHERE pg.tenant_id = $1 ORDER BY g.name, pg.user_id",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The permissions an account holds through groups right now (unexpired grants).
pub(crate) async fn granted_permissions(
    pool: &Pool<Db>,
    user_id: Uuid,
    now: i64,
) -> Result<Permissions> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT g.permissions FROM permission_grants pg \
         JOIN permission_groups g ON g.id = pg.group_id \
         WHERE pg.user_id = $1 AND (pg.expires_at IS NULL OR pg.expires_at > $2)",
    )
    .bind(user_id.to_string())
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut held = Permissions::NONE;
    for (json,) in rows {
        let names: Vec<String> = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("group permissions: {e}")))?;
        let list: Vec<Permission> = names.iter().filter_map(|n| Permission::parse(n)).collect();
        held = held.union(Permissions::of(&list));
    }
    Ok(held)
}
