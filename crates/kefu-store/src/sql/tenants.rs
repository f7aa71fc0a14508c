//! The SQL of tenants (ACC-1): a shop or the platform desk, created with its default teams
//! in one transaction, and its settings (`tenant_settings`).

use kefu_domain::account::{Tenant, TenantKind};
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

pub(crate) async fn tenant_identity_secret(
    pool: &Pool<Db>,
    vault: &Vault,
    id: Uuid,
) -> Result<Option<String>> {
    let id = id.to_string();
    let row: Option<(String,)> =
        sqlx::query_as("SELECT identity_secret FROM tenants WHERE id = $1")
            .bind(&id)
            .fetch_optional(pool)
            .await?;
    row.map(|(stored,)| vault.open(Field::TenantIdentitySecret, &id, &stored))
        .transpose()
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
