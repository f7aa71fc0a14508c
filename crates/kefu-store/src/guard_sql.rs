// The SQL of the team's guard rails (ACC-2 … ACC-6): accounts, permission groups, teams,
// shop settings, approvals and the audit chain. Included beside `sql.rs`, compiled for each
// backend the same way.

use kefu_domain::guard::{
    Approval, ApprovalKind, ApprovalStatus, AuditEntry, GENESIS_HASH, Grant,
    PermissionGroup, ShopSettings, Team, audit_hash,
};
use kefu_domain::role::{Permission, Permissions, Role};
use kefu_domain::conversation::InternalNote;
use kefu_domain::routing::{
    AgentSnapshot, ChannelPriority, RouterState, RoutingRule, Strategy, Waiting,
};
use kefu_domain::tags::Tag;

use crate::rows::{ApprovalRow, AuditRow, GrantRow, GroupRow};
use crate::{
    AccountChange, AgentActivity, Stranded, AuditFilter, AuditVerdict, NewApproval, NewAudit, PhoneCodeCheck,
};

// Accounts

/// Every account of the tenant, disabled ones included, by username.
pub(crate) async fn accounts(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(
        "SELECT id, tenant_id, username, display_name, role, team, status, phone, \
         probation_until, disabled, phone_verified_at, break_reason, break_until, max_concurrent FROM users WHERE tenant_id = $1 ORDER BY username",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
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
    tenant_id: Uuid,
    id: Uuid,
    change: &AccountChange<'_>,
) -> Result<User> {
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
    .execute(pool)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::NotFound("user"));
    }
    if change.disabled == Some(true) {
        sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
            .bind(id.to_string())
            .execute(pool)
            .await?;
    }
    user(pool, tenant_id, id)
        .await?
        .ok_or(StoreError::NotFound("user"))
}

// Permission groups (ACC-3)

pub(crate) async fn create_group(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    name: &str,
    description: &str,
    permissions: &[Permission],
) -> Result<PermissionGroup> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let names: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
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
    .execute(pool)
    .await
    .map_err(unique_as_conflict("group_name_taken"))?;
    Ok(PermissionGroup {
        id,
        name: name.to_owned(),
        description: description.to_owned(),
        permissions: permissions.to_vec(),
        created_at: now,
    })
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
    tx.commit().await?;
    Ok(granted)
}

pub(crate) async fn revoke_group(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    group_id: Uuid,
    user_id: Uuid,
) -> Result<bool> {
    Ok(sqlx::query(
        "DELETE FROM permission_grants WHERE group_id = $1 AND user_id = $2 AND tenant_id = $3",
    )
    .bind(group_id.to_string())
    .bind(user_id.to_string())
    .bind(tenant_id.to_string())
    .execute(pool)
    .await?
    .rows_affected()
        > 0)
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

// Teams and settings (ACC-6, ACC-4, ACC-5)

/// The tenant's teams with their active members (the defaults come with the tenant).
pub(crate) async fn teams(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<Team>> {
    let tenant = tenant_id.to_string();
    type Row = (String, String, i64, bool, String, bool, bool, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.team_key, t.name, t.response_target_seconds, t.require_tag, t.strategy, \
         t.grab_mode, t.office_hours_only, CAST(COUNT(u.id) AS BIGINT) FROM teams t \
         LEFT JOIN users u ON u.tenant_id = t.tenant_id AND u.team = t.team_key AND NOT u.disabled \
         WHERE t.tenant_id = $1 GROUP BY t.team_key, t.name, t.response_target_seconds, \
         t.require_tag, t.strategy, t.grab_mode, t.office_hours_only, t.created_at \
         ORDER BY t.created_at, t.team_key",
    )
    .bind(&tenant)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(key, name, target, require_tag, strategy, grab_mode, office_hours_only, members)| {
                Team {
                    key,
                    name,
                    response_target_seconds: target,
                    require_tag,
                    strategy,
                    grab_mode,
                    office_hours_only,
                    members,
                }
            },
        )
        .collect())
}

pub(crate) async fn upsert_team(pool: &Pool<Db>, tenant_id: Uuid, team: &Team) -> Result<()> {
    sqlx::query(
        "INSERT INTO teams (tenant_id, team_key, name, response_target_seconds, created_at, \
         require_tag, strategy, grab_mode, office_hours_only) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (tenant_id, team_key) DO UPDATE SET name = excluded.name, \
         response_target_seconds = excluded.response_target_seconds, \
         require_tag = excluded.require_tag, strategy = excluded.strategy, \
         grab_mode = excluded.grab_mode, office_hours_only = excluded.office_hours_only",
    )
    .bind(tenant_id.to_string())
    .bind(&team.key)
    .bind(&team.name)
    .bind(team.response_target_seconds)
    .bind(now_ms())
    .bind(team.require_tag)
    .bind(&team.strategy)
    .bind(team.grab_mode)
    .bind(team.office_hours_only)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn shop_settings(pool: &Pool<Db>, tenant_id: Uuid) -> Result<ShopSettings> {
    let row: Option<(i64, i64, i64, bool, Option<String>)> = sqlx::query_as(
        "SELECT refund_threshold_fen, probation_days, max_accounts, routing_enabled, \
         office_hours FROM tenant_settings WHERE tenant_id = $1",
    )
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(row
        .map(
            |(refund_threshold_fen, probation_days, max_accounts, routing_enabled, hours)| {
                ShopSettings {
                    refund_threshold_fen,
                    probation_days,
                    max_accounts,
                    routing_enabled,
                    // Stored only after `check`; anything unreadable means around the clock.
                    office_hours: hours.and_then(|h| serde_json::from_str(&h).ok()),
                }
            },
        )
        .unwrap_or_default())
}

pub(crate) async fn set_shop_settings(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    settings: &ShopSettings,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tenant_settings (tenant_id, refund_threshold_fen, probation_days, \
         max_accounts, updated_at, routing_enabled, office_hours) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (tenant_id) DO UPDATE \
         SET refund_threshold_fen = excluded.refund_threshold_fen, \
         probation_days = excluded.probation_days, max_accounts = excluded.max_accounts, \
         updated_at = excluded.updated_at, routing_enabled = excluded.routing_enabled, \
         office_hours = excluded.office_hours",
    )
    .bind(tenant_id.to_string())
    .bind(settings.refund_threshold_fen)
    .bind(settings.probation_days)
    .bind(settings.max_accounts)
    .bind(now_ms())
    .bind(settings.routing_enabled)
    .bind(
        settings
            .office_hours
            .as_ref()
            .and_then(|h| serde_json::to_string(h).ok()),
    )
    .execute(pool)
    .await?;
    Ok(())
}

// Approvals (ACC-5)

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
    .bind(new.amount_fen)
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
    tx.commit().await?;
    Ok(approval)
}

async fn approval_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<Approval>> {
    let row: Option<ApprovalRow> =
        sqlx::query_as(concat!(approval_select!(), "WHERE a.id = $1 AND a.tenant_id = $2"))
            .bind(id)
            .bind(tenant)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(TryInto::try_into).transpose()
}

pub(crate) async fn approval(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<Option<Approval>> {
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
            .bind(approval.amount_fen.unwrap_or(0))
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

// The audit chain (ACC-5)

/// Appends an entry to the tenant's chain. Two appends racing for the same seq: the primary
/// key refuses one, which reads the new head and tries again.
pub(crate) async fn append_audit(pool: &Pool<Db>, new: &NewAudit<'_>) -> Result<AuditEntry> {
    let tenant = new.tenant_id.to_string();
    let detail = new.detail.to_string();
    for _ in 0..20 {
        let mut tx = pool.begin_with(BEGIN_WRITE).await?;
        let head: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(&tenant)
        .fetch_optional(&mut *tx)
        .await?;
        let (seq, prev_hash) = match head {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let at = now_ms();
        let hash = audit_hash(
            new.tenant_id,
            seq,
            at,
            new.actor_id,
            new.actor_name,
            new.action,
            new.target,
            &detail,
            &prev_hash,
        );
        let inserted = sqlx::query(
            "INSERT INTO audit_log (tenant_id, seq, at, actor_id, actor_name, action, target, \
             detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&tenant)
        .bind(seq)
        .bind(at)
        .bind(new.actor_id.map(|a| a.to_string()))
        .bind(new.actor_name)
        .bind(new.action)
        .bind(new.target)
        .bind(&detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {
                tx.commit().await?;
                return Ok(AuditEntry {
                    seq,
                    at,
                    actor_id: new.actor_id,
                    actor_name: new.actor_name.to_owned(),
                    action: new.action.to_owned(),
                    target: new.target.to_owned(),
                    detail: new.detail.clone(),
                    prev_hash,
                    hash,
                });
            }
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                tx.rollback().await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict("audit_busy"))
}

/// Entries by filter, newest first.
pub(crate) async fn audit_entries(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    filter: &AuditFilter<'_>,
) -> Result<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash \
         FROM audit_log WHERE tenant_id = $1 \
         AND ($2 = '' OR actor_id = $2) AND ($3 = '' OR action = $3 OR action LIKE $4) \
         AND at >= $5 AND at < $6 ORDER BY seq DESC LIMIT $7",
    )
    .bind(tenant_id.to_string())
    .bind(filter.actor_id.map(|a| a.to_string()).unwrap_or_default())
    .bind(filter.action.unwrap_or_default())
    .bind(format!("{}.%", filter.action.unwrap_or_default()))
    .bind(filter.from.unwrap_or(i64::MIN))
    .bind(filter.to.unwrap_or(i64::MAX))
    .bind(filter.limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Walks each tenant's chain (or one tenant's) from the start, recomputing every hash.
pub(crate) async fn verify_audit(pool: &Pool<Db>, tenant_id: Option<Uuid>) -> Result<AuditVerdict> {
    let tenants: Vec<(String,)> = match tenant_id {
        Some(t) => vec![(t.to_string(),)],
        None => {
            sqlx::query_as("SELECT DISTINCT tenant_id FROM audit_log ORDER BY tenant_id")
                .fetch_all(pool)
                .await?
        }
    };
    let mut verdict = AuditVerdict::default();
    for (tenant,) in tenants {
        let tenant_uuid = uuid(&tenant)?;
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash \
             FROM audit_log WHERE tenant_id = $1 ORDER BY seq",
        )
        .bind(&tenant)
        .fetch_all(pool)
        .await?;
        let mut prev = GENESIS_HASH.to_owned();
        for (expected_seq, row) in (1..).zip(rows) {
            verdict.checked += 1;
            let actor = row.actor_id.as_deref().map(uuid).transpose()?;
            let recomputed = audit_hash(
                tenant_uuid,
                row.seq,
                row.at,
                actor,
                &row.actor_name,
                &row.action,
                &row.target,
                &row.detail,
                &prev,
            );
            let problem = if row.seq != expected_seq {
                Some(format!("entry {expected_seq} is missing"))
            } else if row.prev_hash != prev {
                Some("its link to the previous entry is wrong".to_owned())
            } else if row.hash != recomputed {
                Some("its content does not match its hash".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                verdict.broken.push((tenant_uuid, row.seq, problem));
                break;
            }
            prev = row.hash;
        }
    }
    Ok(verdict)
}

// Phone verification (ACC-2)

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
    tx.commit().await?;
    Ok(PhoneCodeCheck::Verified)
}

/// Records a phone as verified by other means (the demo's accounts, an operator's import).
pub(crate) async fn mark_phone_verified(pool: &Pool<Db>, tenant_id: Uuid, user_id: Uuid) -> Result<()> {
    sqlx::query("UPDATE users SET phone_verified_at = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(now_ms())
        .bind(user_id.to_string())
        .bind(tenant_id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

// Tags (WB-5)

pub(crate) async fn custom_tags(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<Tag>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT tag_key, name FROM custom_tags WHERE tenant_id = $1 ORDER BY created_at, tag_key",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, name)| Tag {
            key,
            name,
            group: "custom".to_owned(),
            builtin: false,
        })
        .collect())
}

pub(crate) async fn add_custom_tag(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    key: &str,
    name: &str,
) -> Result<Tag> {
    sqlx::query(
        "INSERT INTO custom_tags (tenant_id, tag_key, name, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant_id.to_string())
    .bind(key)
    .bind(name)
    .bind(now_ms())
    .execute(pool)
    .await
    .map_err(unique_as_conflict("tag_exists"))?;
    Ok(Tag {
        key: key.to_owned(),
        name: name.to_owned(),
        group: "custom".to_owned(),
        builtin: false,
    })
}

pub(crate) async fn set_conversation_tags(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    tags: &[String],
    by: Uuid,
) -> Result<ConversationSummary> {
    let (tenant, id) = (tenant_id.to_string(), conversation_id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let current: Option<(String,)> =
        sqlx::query_as("SELECT tags FROM conversations WHERE id = $1 AND tenant_id = $2")
            .bind(&id)
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((current,)) = current else {
        return Err(StoreError::NotFound("conversation"));
    };
    let before: Vec<String> = serde_json::from_str(&current)
        .map_err(|e| StoreError::Corrupt(format!("conversation tags: {e}")))?;
    let added: Vec<&String> = tags.iter().filter(|t| !before.contains(t)).collect();
    let removed: Vec<&String> = before.iter().filter(|t| !tags.contains(t)).collect();
    if added.is_empty() && removed.is_empty() {
        let summary = conversation_in(&mut tx, &tenant, &id).await?;
        tx.commit().await?;
        return summary.ok_or(StoreError::NotFound("conversation"));
    }
    for tag in &removed {
        sqlx::query("DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag_key = $2")
            .bind(&id)
            .bind(tag.as_str())
            .execute(&mut *tx)
            .await?;
    }
    for tag in &added {
        sqlx::query(
            "INSERT INTO conversation_tags (conversation_id, tag_key, tenant_id, tagged_by, \
             tagged_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(tag.as_str())
        .bind(&tenant)
        .bind(by.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE conversations SET tags = $1, updated_at = $2 WHERE id = $3")
        .bind(to_json(&tags)?)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    insert_event(
        &mut tx,
        &tenant,
        &id,
        EventKind::Tagged,
        SenderKind::Agent,
        Some(by.to_string()),
        None,
        serde_json::json!({ "added": added, "removed": removed }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &id).await?;
    tx.commit().await?;
    summary.ok_or(StoreError::NotFound("conversation"))
}

// Routing rules (WB-4)

pub(crate) async fn routing_rules(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<RoutingRule>> {
    let rows: Vec<(String, String, i64, String, String, bool)> = sqlx::query_as(
        "SELECT id, name, position, conditions, team, enabled FROM routing_rules \
         WHERE tenant_id = $1 ORDER BY position, id",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, name, position, conditions, team, enabled)| {
            Ok(RoutingRule {
                id: uuid(&id)?,
                name,
                position: i32::try_from(position)
                    .map_err(|_| StoreError::Corrupt(format!("rule position {position}")))?,
                conditions: serde_json::from_str(&conditions)
                    .map_err(|e| StoreError::Corrupt(format!("rule conditions: {e}")))?,
                team,
                enabled,
            })
        })
        .collect()
}

/// Replaces the tenant's rules with `rules`, in one transaction.
pub(crate) async fn replace_routing_rules(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    rules: &[RoutingRule],
) -> Result<()> {
    let tenant = tenant_id.to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query("DELETE FROM routing_rules WHERE tenant_id = $1")
        .bind(&tenant)
        .execute(&mut *tx)
        .await?;
    for rule in rules {
        sqlx::query(
            "INSERT INTO routing_rules (id, tenant_id, name, position, conditions, team, enabled, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(rule.id.to_string())
        .bind(&tenant)
        .bind(&rule.name)
        .bind(i64::from(rule.position))
        .bind(to_json(&rule.conditions)?)
        .bind(&rule.team)
        .bind(rule.enabled)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

// The supervisor's live view (WB-9)

/// Per agent: open conversations assigned (load), and since `since`: replies sent,
/// conversations resolved, first replies and their waits.
pub(crate) async fn team_activity(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since: i64,
) -> Result<std::collections::HashMap<Uuid, AgentActivity>> {
    let tenant = tenant_id.to_string();
    let mut activity: std::collections::HashMap<Uuid, AgentActivity> =
        std::collections::HashMap::new();
    let loads: Vec<(String, i64)> = sqlx::query_as(
        "SELECT assignee_id, CAST(COUNT(*) AS BIGINT) FROM conversations \
         WHERE tenant_id = $1 AND status = 'open' AND assignee_id IS NOT NULL \
         GROUP BY assignee_id",
    )
    .bind(&tenant)
    .fetch_all(pool)
    .await?;
    for (user, load) in loads {
        activity.entry(uuid(&user)?).or_default().load = load;
    }
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT actor_id, kind, CAST(COUNT(*) AS BIGINT) FROM conversation_events \
         WHERE tenant_id = $1 AND at >= $2 AND actor_id IS NOT NULL \
         AND kind IN ('agent_message', 'resolved') GROUP BY actor_id, kind",
    )
    .bind(&tenant)
    .bind(since)
    .fetch_all(pool)
    .await?;
    for (user, kind, count) in counts {
        let entry = activity.entry(uuid(&user)?).or_default();
        match kind.as_str() {
            "agent_message" => entry.replies = count,
            _ => entry.resolved = count,
        }
    }
    let waits: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor_id, data FROM conversation_events \
         WHERE tenant_id = $1 AND at >= $2 AND actor_id IS NOT NULL AND kind = 'first_reply'",
    )
    .bind(&tenant)
    .bind(since)
    .fetch_all(pool)
    .await?;
    for (user, data) in waits {
        let wait = serde_json::from_str::<serde_json::Value>(&data)
            .ok()
            .and_then(|d| d["wait_ms"].as_i64())
            .unwrap_or(0);
        let entry = activity.entry(uuid(&user)?).or_default();
        entry.first_replies += 1;
        entry.first_reply_wait_ms_total += wait;
    }
    Ok(activity)
}

// Transfers and internal notes (WB-1)

/// Hands a conversation to a colleague (`to_user`) or back to a team's queue (`to_team`,
/// unassigned), recording who, to whom and the note in the event log.
pub(crate) async fn transfer_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    to_user: Option<Uuid>,
    to_team: Option<&str>,
    note: &str,
    by: Uuid,
) -> Result<ConversationSummary> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let previous: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT assignee_id, team FROM conversations WHERE id = $1 AND tenant_id = $2",
    )
    .bind(&conversation)
    .bind(&tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((previous, previous_team)) = previous else {
        return Err(StoreError::NotFound("conversation"));
    };
    let team = match (to_user, to_team) {
        (Some(user_id), _) => {
            let row: Option<(Option<String>,)> = sqlx::query_as(
                "SELECT team FROM users WHERE id = $1 AND tenant_id = $2 AND NOT disabled",
            )
            .bind(user_id.to_string())
            .bind(&tenant)
            .fetch_optional(&mut *tx)
            .await?;
            row.ok_or(StoreError::NotFound("assignee"))?.0.or(previous_team)
        }
        (None, team) => team.map(str::to_owned),
    };
    sqlx::query(
        "UPDATE conversations SET assignee_id = $1, team = $2, updated_at = $3 \
         WHERE id = $4 AND tenant_id = $5",
    )
    .bind(to_user.map(|u| u.to_string()))
    .bind(&team)
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .execute(&mut *tx)
    .await?;
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::Transferred,
        SenderKind::Agent,
        Some(by.to_string()),
        None,
        serde_json::json!({
            "previous_assignee_id": previous, "to_user_id": to_user, "to_team": team,
            "note": note,
        }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    summary.ok_or(StoreError::NotFound("conversation"))
}

pub(crate) async fn add_note(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    author: &User,
    body: &str,
    mentions: &[Uuid],
    whisper: bool,
) -> Result<InternalNote> {
    let id = Uuid::now_v7();
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO conversation_notes (id, tenant_id, conversation_id, author_id, body, \
         mentions, whisper, created_at) SELECT $1, $2, c.id, $4, $5, $6, $7, $8 \
         FROM conversations c WHERE c.id = $3 AND c.tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .bind(author.id.to_string())
    .bind(body)
    .bind(to_json(&mentions)?)
    .bind(whisper)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::NotFound("conversation"));
    }
    Ok(InternalNote {
        id,
        conversation_id,
        author_id: author.id,
        author_name: author.display_name.clone(),
        body: body.to_owned(),
        mentions: mentions.to_vec(),
        whisper,
        created_at: now,
    })
}

pub(crate) async fn notes(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Vec<InternalNote>> {
    let rows: Vec<(String, String, String, String, String, bool, i64)> = sqlx::query_as(
        "SELECT n.id, n.author_id, u.display_name, n.body, n.mentions, n.whisper, n.created_at \
         FROM conversation_notes n JOIN users u ON u.id = n.author_id \
         WHERE n.tenant_id = $1 AND n.conversation_id = $2 ORDER BY n.created_at, n.id",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, author, author_name, body, mentions, whisper, created_at)| {
            Ok(InternalNote {
                id: uuid(&id)?,
                conversation_id,
                author_id: uuid(&author)?,
                author_name,
                body,
                mentions: serde_json::from_str(&mentions)
                    .map_err(|e| StoreError::Corrupt(format!("note mentions: {e}")))?,
                whisper,
                created_at,
            })
        })
        .collect()
}

// The router (WB-4)

/// Tenants whose router is on.
pub(crate) async fn routing_tenants(pool: &Pool<Db>) -> Result<Vec<Uuid>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT tenant_id FROM tenant_settings WHERE routing_enabled")
            .fetch_all(pool)
            .await?;
    rows.iter().map(|(t,)| uuid(t)).collect()
}

/// Sets a conversation's team once (routing decides it when the conversation opens).
pub(crate) async fn set_conversation_team(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    team: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE conversations SET team = $1 WHERE id = $2 AND tenant_id = $3 AND team IS NULL",
    )
    .bind(team)
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .execute(pool)
    .await?;
    Ok(())
}

/// What the router decides over, read fresh: agents with their loads and caps, the waiting
/// conversations (open, unassigned, the buyer waiting for an answer; those without a team
/// wait for `default_team`), each team's strategy.
/// The second value maps each waiting conversation to its buyer.
pub(crate) async fn routing_snapshot(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    default_team: &str,
) -> Result<(RouterState, std::collections::HashMap<Uuid, Uuid>)> {
    let tenant = tenant_id.to_string();
    let agents: Vec<(String, Option<String>, String, i64, i64)> = sqlx::query_as(
        "SELECT u.id, u.team, u.status, u.max_concurrent, \
         CAST((SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id \
         AND c.status = 'open') AS BIGINT) \
         FROM users u WHERE u.tenant_id = $1 AND NOT u.disabled",
    )
    .bind(&tenant)
    .fetch_all(pool)
    .await?;
    type WaitingRow = (String, String, String, String, i64, i64, Option<String>);
    // With the agent it was taken from when they went away (sticky).
    let waiting: Vec<WaitingRow> = sqlx::query_as(
        "SELECT c.id, COALESCE(c.team, $2), c.entry, c.buyer_id, c.cycle_started_at, \
         CAST(COALESCE((SELECT b.vip_level FROM buyers b WHERE b.id = c.buyer_id), 0) AS BIGINT), \
         c.last_assignee_id \
         FROM conversations c \
         WHERE c.tenant_id = $1 AND c.status = 'open' AND c.assignee_id IS NULL \
         AND c.last_buyer_message_at IS NOT NULL AND c.awaiting_reply AND NOT c.up_for_grabs \
         AND NOT c.robot_active",
    )
    .bind(&tenant)
    .bind(default_team)
    .fetch_all(pool)
    .await?;
    let strategies: Vec<(String, String)> =
        sqlx::query_as("SELECT team_key, strategy FROM teams WHERE tenant_id = $1")
            .bind(&tenant)
            .fetch_all(pool)
            .await?;
    let mut state = RouterState::default();
    for (id, team, status, cap, load) in agents {
        state.agents.push(AgentSnapshot {
            id: uuid(&id)?,
            team,
            status: AgentStatus::parse(&status).unwrap_or(AgentStatus::Offline),
            load: u32::try_from(load).unwrap_or(u32::MAX),
            cap: u32::try_from(cap).unwrap_or(0),
            last_assigned_at: 0,
        });
    }
    let mut buyers = std::collections::HashMap::new();
    for (id, team, entry, buyer, since, vip, last) in waiting {
        let id = uuid(&id)?;
        buyers.insert(id, uuid(&buyer)?);
        state.queue.push(Waiting {
            conversation_id: id,
            team,
            priority: ChannelPriority::of_entry(Entry::parse(&entry).unwrap_or(Entry::ShopHome)),
            vip_level: u8::try_from(vip.clamp(0, 9)).unwrap_or(0),
            waiting_since: since,
            last_agent: last.as_deref().map(uuid).transpose()?,
        });
    }
    for (team, strategy) in strategies {
        if let Some(strategy) = Strategy::parse(&strategy) {
            state.strategies.insert(team, strategy);
        }
    }
    Ok((state, buyers))
}

/// Gives a waiting conversation to `agent` unless someone got it first (another process, an
/// agent who replied): exactly one owner. `None` when it was no longer waiting.
pub(crate) async fn claim_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    agent: Uuid,
    claim: crate::Claim,
) -> Result<Option<ConversationSummary>> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if claim != crate::Claim::Grab {
        // Under the agent's row lock: their status and load cannot change underneath.
        // Only a compile-time constant is spliced in.
        let agent_row: Option<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT status, max_concurrent FROM users WHERE id = $1 AND tenant_id = $2 \
             AND NOT disabled{LOCK_ROW}"
        )))
        .bind(agent.to_string())
        .bind(&tenant)
        .fetch_optional(&mut *tx)
        .await?;
        let (load,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM conversations \
             WHERE assignee_id = $1 AND status = 'open'",
        )
        .bind(agent.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let available = match claim {
            crate::Claim::Route => |status: &str| status == "online",
            _ => |status: &str| status == "online" || status == "busy",
        };
        if !matches!(agent_row, Some((status, cap)) if available(&status) && load < cap) {
            tx.rollback().await?;
            return Ok(None);
        }
    }
    let claimed = sqlx::query(
        "UPDATE conversations SET assignee_id = $1, updated_at = $2, up_for_grabs = FALSE \
         WHERE id = $3 AND tenant_id = $4 AND assignee_id IS NULL AND status = 'open' \
         AND (up_for_grabs OR $5)",
    )
    .bind(agent.to_string())
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .bind(claim != crate::Claim::GrabOffered)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::Assigned,
        SenderKind::System,
        None,
        None,
        serde_json::json!({
            "assignee_id": agent, "previous_assignee_id": null,
            "reason": match claim { crate::Claim::Route => "routing", _ => "grab" },
        }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Conversations of routed shops whose agent went away or offline, or left the buyer waiting
/// past twice the team's target: (tenant, conversation, assignee, grab mode, reason,
/// waited ms).
pub(crate) async fn stranded(pool: &Pool<Db>, now: i64) -> Result<Vec<Stranded>> {
    type Row = (
        String,
        String,
        String,
        Option<bool>,
        String,
        Option<i64>,
        Option<i64>,
        Option<bool>,
        Option<i64>,
    );
    // Wall-clock time is never less than office time: past twice the target here is the
    // superset the caller narrows for teams that count office hours only.
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.tenant_id, c.id, c.assignee_id, t.grab_mode, u.status, \
         c.last_buyer_message_at, t.response_target_seconds, t.office_hours_only, \
         (SELECT MAX(e.at) FROM conversation_events e WHERE e.conversation_id = c.id \
         AND e.kind IN ('assigned', 'transferred')) \
         FROM conversations c JOIN users u ON u.id = c.assignee_id \
         JOIN tenant_settings s ON s.tenant_id = c.tenant_id AND s.routing_enabled \
         LEFT JOIN teams t ON t.tenant_id = c.tenant_id AND t.team_key = c.team \
         WHERE c.status = 'open' AND c.assignee_id IS NOT NULL AND (u.status IN \
         ('away', 'offline') OR (c.last_buyer_message_at IS NOT NULL AND c.awaiting_reply \
         AND c.last_buyer_message_at < $1 - 2000 * COALESCE(t.response_target_seconds, 7200)))",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(tenant, id, assignee, grab, status, last_buyer, target, office, assigned)| {
                Ok(Stranded {
                    tenant_id: uuid(&tenant)?,
                    conversation_id: uuid(&id)?,
                    assignee_id: uuid(&assignee)?,
                    grab_mode: grab.unwrap_or(false),
                    reason: if status == "away" || status == "offline" {
                        format!("agent_{status}")
                    } else {
                        "no_reply".to_owned()
                    },
                    waited_ms: last_buyer.map_or(0, |at| now - at),
                    waiting_since: last_buyer,
                    assigned_at: assigned,
                    target_ms: target.unwrap_or(7200) * 1000,
                    office_hours_only: office.unwrap_or(false),
                })
            },
        )
        .collect()
}

/// Takes a conversation back from `assignee` (if it is still theirs) into its team's queue.
pub(crate) async fn release_conversation(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    assignee: Uuid,
    reason: &str,
    up_for_grabs: bool,
) -> Result<Option<ConversationSummary>> {
    let (tenant, conversation) = (tenant_id.to_string(), id.to_string());
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let released = sqlx::query(
        "UPDATE conversations SET assignee_id = NULL, updated_at = $1, up_for_grabs = $5, \
         robot_active = FALSE, \
         last_assignee_id = CASE WHEN $6 = 'no_reply' THEN NULL ELSE assignee_id END \
         WHERE id = $2 AND tenant_id = $3 AND assignee_id = $4 AND status = 'open'",
    )
    .bind(now)
    .bind(&conversation)
    .bind(&tenant)
    .bind(assignee.to_string())
    .bind(up_for_grabs)
    .bind(reason)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if released == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::Stranded,
        SenderKind::System,
        None,
        None,
        serde_json::json!({ "previous_assignee_id": assignee, "reason": reason }),
        now,
    )
    .await?;
    let summary = conversation_in(&mut tx, &tenant, &conversation).await?;
    tx.commit().await?;
    Ok(summary)
}
