//! The SQL of tenants (ACC-1): a shop or the platform desk, created with its default teams
//! in one transaction, and its settings (`tenant_settings`).

use kefu_domain::account::{IdentitySecrets, Tenant, TenantKind};
use kefu_domain::guard::ShopSettings;
use kefu_domain::money::Money;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::rows::TenantRow;
use crate::{Field, NewAudit, Result, Vault, unique_as_conflict};

pub(crate) async fn create_tenant(
    pool: &Pool<Db>,
    vault: &Vault,
    kind: TenantKind,
    slug: &str,
    name: &str,
    identity_secret: &str,
    audit: impl FnOnce(&Tenant) -> Vec<NewAudit> + Send,
) -> Result<Tenant> {
    let id = Uuid::now_v7().to_string();
    let sealed = vault.seal(Field::TenantIdentitySecret, &id, identity_secret)?;
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let row: TenantRow = sqlx::query_as(
        "INSERT INTO tenants (id, kind, slug, name, identity_secret, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id, kind, slug, name, timezone",
    )
    .bind(&id)
    .bind(kind.as_str())
    .bind(slug)
    .bind(name)
    .bind(sealed)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_as_conflict("tenant_slug_taken"))?;
    // ACC-6: every tenant starts with the default teams.
    for (key, team_name, target, _) in kefu_domain::guard::DEFAULT_TEAMS {
        sqlx::query(
            "INSERT INTO teams (tenant_id, team_key, name, response_target_seconds, created_at, \
             office_hours_only) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.id)
        .bind(key)
        .bind(team_name)
        .bind(target)
        .bind(now_ms())
        .bind(key == "after_sales")
        .execute(&mut *tx)
        .await?;
    }
    let tenant: Tenant = row.try_into()?;
    append_all(&mut tx, audit(&tenant)).await?;
    tx.commit().await?;
    Ok(tenant)
}

pub(crate) async fn tenant_by_slug(pool: &Pool<Db>, slug: &str) -> Result<Option<Tenant>> {
    let row: Option<TenantRow> =
        sqlx::query_as("SELECT id, kind, slug, name, timezone FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(pool)
            .await?;
    row.map(TryInto::try_into).transpose()
}

/// Every tenant, by slug: for the server's operator (`kefu shop list`), not for a request.
pub(crate) async fn tenants(pool: &Pool<Db>) -> Result<Vec<Tenant>> {
    let rows: Vec<TenantRow> =
        sqlx::query_as("SELECT id, kind, slug, name, timezone FROM tenants ORDER BY slug")
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Whether any tenant exists (the first run's check), without reading them.
pub(crate) async fn any_tenant(pool: &Pool<Db>) -> Result<bool> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM tenants LIMIT 1")
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

pub(crate) async fn tenant(pool: &Pool<Db>, id: Uuid) -> Result<Option<Tenant>> {
    let row: Option<TenantRow> =
        sqlx::query_as("SELECT id, kind, slug, name, timezone FROM tenants WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(pool)
            .await?;
    row.map(TryInto::try_into).transpose()
}

type SecretsRow = (String, Option<String>, Option<i64>, Option<i64>);

const SECRETS: &str = "SELECT identity_secret, previous_identity_secret, \
     previous_identity_secret_until, identity_secret_rotated_at FROM tenants WHERE id = $1";

fn open_secrets(vault: &Vault, id: &str, row: SecretsRow) -> Result<IdentitySecrets> {
    let (current, previous, previous_until, rotated_at) = row;
    Ok(IdentitySecrets {
        current: vault.open(Field::TenantIdentitySecret, id, &current)?,
        previous: previous
            .map(|p| vault.open(Field::TenantPreviousIdentitySecret, id, &p))
            .transpose()?,
        previous_until,
        rotated_at,
    })
}

pub(crate) async fn identity_secrets(
    pool: &Pool<Db>,
    vault: &Vault,
    id: Uuid,
) -> Result<Option<IdentitySecrets>> {
    let id = id.to_string();
    let row: Option<SecretsRow> = sqlx::query_as(SECRETS)
        .bind(&id)
        .fetch_optional(pool)
        .await?;
    row.map(|row| open_secrets(vault, &id, row)).transpose()
}

/// Replaces the secret; the one before it verifies until `grace_until` (none: at once).
pub(crate) async fn rotate_identity_secret(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    new_secret: &str,
    grace_until: Option<i64>,
    audit: impl FnOnce(&IdentitySecrets) -> Vec<NewAudit> + Send,
) -> Result<Option<IdentitySecrets>> {
    let id = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let Some(row) = sqlx::query_as::<_, SecretsRow>(SECRETS)
        .bind(&id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let before = open_secrets(vault, &id, row)?;
    let now = now_ms();
    let secrets = IdentitySecrets {
        current: new_secret.to_owned(),
        previous: grace_until.map(|_| before.current),
        previous_until: grace_until,
        rotated_at: Some(now),
    };
    let previous = secrets
        .previous
        .as_deref()
        .map(|p| vault.seal(Field::TenantPreviousIdentitySecret, &id, p))
        .transpose()?;
    sqlx::query(
        "UPDATE tenants SET identity_secret = $2, previous_identity_secret = $3, \
         previous_identity_secret_until = $4, identity_secret_rotated_at = $5 WHERE id = $1",
    )
    .bind(&id)
    .bind(vault.seal(Field::TenantIdentitySecret, &id, new_secret)?)
    .bind(previous)
    .bind(grace_until)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    append_all(&mut tx, audit(&secrets)).await?;
    tx.commit().await?;
    Ok(Some(secrets))
}

/// Ends a rotation's grace now: only the current secret verifies from here on.
pub(crate) async fn end_identity_grace(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    audit: Vec<NewAudit>,
) -> Result<bool> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let ended = sqlx::query(
        "UPDATE tenants SET previous_identity_secret = NULL, \
         previous_identity_secret_until = NULL \
         WHERE id = $1 AND previous_identity_secret IS NOT NULL",
    )
    .bind(tenant_id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if ended {
        append_all(&mut tx, audit).await?;
    }
    tx.commit().await?;
    Ok(ended)
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
                    refund_threshold_fen: Money::from_fen(refund_threshold_fen),
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
    audit: impl FnOnce(&ShopSettings) -> Vec<NewAudit> + Send,
) -> Result<()> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
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
    .bind(settings.refund_threshold_fen.fen())
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
    .execute(&mut *tx)
    .await?;
    append_all(&mut tx, audit(settings)).await?;
    tx.commit().await?;
    Ok(())
}
