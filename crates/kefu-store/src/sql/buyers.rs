//! The SQL of buyers (CH-6): found or created by their channel's id, and the member level
//! the shop's site vouched for.

use kefu_domain::account::Buyer;
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::Db;
use crate::Result;
use crate::rows::BuyerRow;

pub(crate) async fn upsert_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    channel: kefu_domain::channel::Channel,
    external_id: &str,
    display_name: &str,
) -> Result<Buyer> {
    let now = now_ms();
    let row: BuyerRow = sqlx::query_as(
        "INSERT INTO buyers (id, tenant_id, channel, external_id, display_name, created_at, \
         last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (tenant_id, channel, external_id) DO UPDATE SET last_seen_at = $6 \
         RETURNING id, tenant_id, channel, external_id, display_name, created_at, last_seen_at, \
         vip_level",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(tenant_id.to_string())
    .bind(channel.as_str())
    .bind(external_id)
    .bind(display_name)
    .bind(now)
    .fetch_one(pool)
    .await?;
    row.try_into()
}

/// The member level the shop's site vouched for (WB-4); routing and the queue use it.
pub(crate) async fn set_buyer_vip(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    vip_level: u8,
) -> Result<()> {
    sqlx::query("UPDATE buyers SET vip_level = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(i64::from(vip_level))
        .bind(id.to_string())
        .bind(tenant_id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn buyer(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<Option<Buyer>> {
    let row: Option<BuyerRow> = sqlx::query_as(
        "SELECT id, tenant_id, channel, external_id, display_name, created_at, last_seen_at, \
         vip_level FROM buyers WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}
