//! The SQL of the audit chain (ACC-5): each tenant's hash-linked log, appended under races
//! and verified from its start.

use kefu_domain::guard::{AuditEntry, GENESIS_HASH, audit_hash};
use kefu_domain::time::now_ms;
use sqlx::{Pool, Transaction};
use uuid::Uuid;

use super::{BEGIN_WRITE, Db, LOCK_AUDIT_CHAIN};
use crate::rows::{AuditRow, uuid};
use crate::{AuditFilter, AuditVerdict, NewAudit, Result};

/// Appends an entry to the tenant's chain, in a transaction of its own (an event that changes
/// nothing else: a failed sign-in).
pub(crate) async fn append_audit(pool: &Pool<Db>, new: &NewAudit) -> Result<AuditEntry> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let entry = append_in(&mut tx, new).await?;
    tx.commit().await?;
    Ok(entry)
}

/// Appends an entry to the tenant's chain inside the caller's write transaction, so the entry
/// commits with the change it records or not at all. Call it last in the transaction: on
/// PostgreSQL it takes the tenant's chain lock (a transaction-scoped advisory lock) and holds
/// it until commit, so appends follow one another; SQLite's write lock already does that.
pub(crate) async fn append_in(tx: &mut Transaction<'_, Db>, new: &NewAudit) -> Result<AuditEntry> {
    let tenant = new.tenant_id.to_string();
    if !LOCK_AUDIT_CHAIN.is_empty() {
        sqlx::query(LOCK_AUDIT_CHAIN)
            .bind(&tenant)
            .execute(&mut **tx)
            .await?;
    }
    let detail = new.detail.to_string();
    let head: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(&tenant)
    .fetch_optional(&mut **tx)
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
        &new.actor_name,
        &new.action,
        &new.target,
        &detail,
        &prev_hash,
    );
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, seq, at, actor_id, actor_name, action, target, \
         detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&tenant)
    .bind(seq)
    .bind(at)
    .bind(new.actor_id.map(|a| a.to_string()))
    .bind(&new.actor_name)
    .bind(&new.action)
    .bind(&new.target)
    .bind(&detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(AuditEntry {
        seq,
        at,
        actor_id: new.actor_id,
        actor_name: new.actor_name.clone(),
        action: new.action.clone(),
        target: new.target.clone(),
        detail: new.detail.clone(),
        prev_hash,
        hash,
    })
}

/// Appends what an audited change says about itself, inside the change's transaction.
pub(crate) async fn append_all(tx: &mut Transaction<'_, Db>, entries: Vec<NewAudit>) -> Result<()> {
    for entry in &entries {
        append_in(tx, entry).await?;
    }
    Ok(())
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
