//! The SQL of buyers (CH-6): found or created by their channel's id, and the member level
//! the shop's site vouched for.

use kefu_domain::account::Buyer;
use kefu_domain::profile::{BuyerKey, BuyerKeyKind};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db, LOCK_BUYER_LINKS, LOCK_ROW};
use crate::rows::BuyerRow;
use crate::{NewAudit, Result};

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

pub(crate) async fn buyer_by_external(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    channel: kefu_domain::channel::Channel,
    external_id: &str,
) -> Result<Option<(Buyer, Option<Uuid>)>> {
    #[derive(sqlx::FromRow)]
    struct Seen {
        #[sqlx(flatten)]
        buyer: BuyerRow,
        current_conversation_id: Option<String>,
    }
    let row: Option<Seen> = sqlx::query_as(
        "SELECT id, tenant_id, channel, external_id, display_name, created_at, last_seen_at, \
         vip_level, current_conversation_id FROM buyers \
         WHERE tenant_id = $1 AND channel = $2 AND external_id = $3",
    )
    .bind(tenant_id.to_string())
    .bind(channel.as_str())
    .bind(external_id)
    .fetch_optional(pool)
    .await?;
    row.map(|seen| {
        let current = seen
            .current_conversation_id
            .as_deref()
            .map(crate::rows::uuid)
            .transpose()?;
        Ok((seen.buyer.try_into()?, current))
    })
    .transpose()
}

/// The profile key of a buyer: its profile's id, or its own.
async fn profile_key(
    tx: &mut sqlx::Transaction<'_, Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<String>> {
    let key: Option<(String,)> = sqlx::query_as(
        // Locked: two merges at once must not key a buyer to a profile that is moving.
        sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(profile_id, id) FROM buyers WHERE id = $1 AND tenant_id = $2{LOCK_ROW}"
        )),
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(key.map(|(k,)| k))
}

/// The buyers of `id`'s profile, `id`'s first, then the oldest first.
pub(crate) async fn buyer_profile(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Vec<Buyer>> {
    let rows: Vec<BuyerRow> = sqlx::query_as(
        "SELECT b.id, b.tenant_id, b.channel, b.external_id, b.display_name, b.created_at, \
         b.last_seen_at, b.vip_level FROM buyers b, buyers me \
         WHERE me.id = $1 AND me.tenant_id = $2 AND b.tenant_id = $2 \
         AND COALESCE(b.profile_id, b.id) = COALESCE(me.profile_id, me.id) \
         ORDER BY CASE WHEN b.id = $1 THEN 0 ELSE 1 END, b.created_at, b.id",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// Puts `other`'s whole profile into `keep`'s; false when either is not the shop's.
pub(crate) async fn merge_buyers(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    keep: Uuid,
    other: Uuid,
    audit: impl FnOnce() -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let (Some(into), Some(from)) = (
        profile_key(&mut tx, tenant_id, keep).await?,
        profile_key(&mut tx, tenant_id, other).await?,
    ) else {
        return Ok(false);
    };
    if into != from {
        sqlx::query(
            "UPDATE buyers SET profile_id = $1 WHERE tenant_id = $2 \
             AND (COALESCE(profile_id, id) = $3 OR id = $1)",
        )
        .bind(&into)
        .bind(tenant_id.to_string())
        .bind(&from)
        .execute(&mut *tx)
        .await?;
    }
    append_all(&mut tx, audit()).await?;
    tx.commit().await?;
    Ok(true)
}

/// Takes a buyer out of their profile (a profile of one again); false when not the shop's.
/// When it was the profile's first buyer, the next oldest keys the rest.
pub(crate) async fn split_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    audit: impl FnOnce() -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let Some(key) = profile_key(&mut tx, tenant_id, id).await? else {
        return Ok(false);
    };
    let tenant = tenant_id.to_string();
    let me = id.to_string();
    sqlx::query("UPDATE buyers SET profile_id = NULL WHERE tenant_id = $1 AND id = $2")
        .bind(&tenant)
        .bind(&me)
        .execute(&mut *tx)
        .await?;
    let rest = if key == me {
        let next: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM buyers WHERE tenant_id = $1 AND profile_id = $2 \
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(&tenant)
        .bind(&me)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((next,)) = &next {
            sqlx::query(
                "UPDATE buyers SET profile_id = $1 WHERE tenant_id = $2 AND profile_id = $3",
            )
            .bind(next)
            .bind(&tenant)
            .bind(&me)
            .execute(&mut *tx)
            .await?;
        }
        next.map(|(n,)| n)
    } else {
        Some(key)
    };
    // A profile left with one buyer is that buyer's own again.
    if let Some(rest) = rest {
        let (left,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM buyers WHERE tenant_id = $1 AND profile_id = $2")
                .bind(&tenant)
                .bind(&rest)
                .fetch_one(&mut *tx)
                .await?;
        if left < 2 {
            sqlx::query(
                "UPDATE buyers SET profile_id = NULL WHERE tenant_id = $1 AND profile_id = $2",
            )
            .bind(&tenant)
            .bind(&rest)
            .execute(&mut *tx)
            .await?;
        }
    }
    append_all(&mut tx, audit()).await?;
    tx.commit().await?;
    Ok(true)
}

/// A key held by this many buyers already is not one person's: it links no one.
const MAX_KEY_HOLDERS: i64 = 5;

/// Gives a buyer `keys` (kept once each) and links them into one profile with the first
/// holder of each key new to them (the oldest profile keys them all). A key seen before
/// links nothing again, and a later buyer joins the first holder's profile alone, so a buyer
/// an agent split off stays apart. Returns the buyers linked; the audit is written only then.
pub(crate) async fn link_buyer(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    keys: &[BuyerKey],
    audit: impl FnOnce(&[Uuid]) -> Vec<NewAudit> + Send,
) -> Result<Vec<Uuid>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let tenant = tenant_id.to_string();
    let me = id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if !LOCK_BUYER_LINKS.is_empty() {
        sqlx::query(LOCK_BUYER_LINKS)
            .bind(&tenant)
            .execute(&mut *tx)
            .await?;
    }
    let Some(mine) = profile_key(&mut tx, tenant_id, id).await? else {
        return Ok(vec![]);
    };
    let now = now_ms();
    let mut others: Vec<String> = vec![];
    for key in keys {
        let added = sqlx::query(
            "INSERT INTO buyer_keys (tenant_id, kind, value, buyer_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&tenant)
        .bind(key.kind.as_str())
        .bind(&key.value)
        .bind(&me)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if added == 0 {
            continue;
        }
        // The key's first holder is who it names: a buyer split off that profile by hand
        // stays apart. A key many hold (a placeholder number, a shared address) names no one.
        let with: Vec<(String,)> = sqlx::query_as(
            "SELECT buyer_id FROM buyer_keys WHERE tenant_id = $1 AND kind = $2 AND value = $3 \
             AND buyer_id <> $4 ORDER BY created_at, buyer_id LIMIT $5",
        )
        .bind(&tenant)
        .bind(key.kind.as_str())
        .bind(&key.value)
        .bind(&me)
        .bind(MAX_KEY_HOLDERS)
        .fetch_all(&mut *tx)
        .await?;
        if with.len() < usize::try_from(MAX_KEY_HOLDERS).unwrap_or(usize::MAX) {
            others.extend(with.into_iter().take(1).map(|(b,)| b));
        }
    }
    let mut profiles = vec![mine];
    let mut linked = vec![];
    for other in others {
        let Ok(other_id) = other.parse::<Uuid>() else {
            continue;
        };
        let Some(theirs) = profile_key(&mut tx, tenant_id, other_id).await? else {
            continue;
        };
        if !profiles.contains(&theirs) {
            profiles.push(theirs);
            linked.push(other_id);
        }
    }
    if linked.is_empty() {
        tx.commit().await?;
        return Ok(linked);
    }
    // The oldest profile keys them all.
    let mut oldest: Option<(i64, String)> = None;
    for key in &profiles {
        let (created,): (i64,) =
            sqlx::query_as("SELECT created_at FROM buyers WHERE tenant_id = $1 AND id = $2")
                .bind(&tenant)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
        if oldest
            .as_ref()
            .is_none_or(|(at, k)| (created, key) < (*at, k))
        {
            oldest = Some((created, key.clone()));
        }
    }
    let Some((_, into)) = oldest else {
        return Ok(vec![]);
    };
    for from in profiles.iter().filter(|k| **k != into) {
        sqlx::query(
            "UPDATE buyers SET profile_id = $1 WHERE tenant_id = $2 \
             AND (COALESCE(profile_id, id) = $3 OR id = $1)",
        )
        .bind(&into)
        .bind(&tenant)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    }
    append_all(&mut tx, audit(&linked)).await?;
    tx.commit().await?;
    Ok(linked)
}

/// The keys a buyer carries (CH-6), the oldest first.
pub(crate) async fn buyer_keys(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Vec<BuyerKey>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, value FROM buyer_keys WHERE tenant_id = $1 AND buyer_id = $2 \
         ORDER BY created_at, kind, value",
    )
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, value)| {
            Some(BuyerKey {
                kind: BuyerKeyKind::parse(&kind)?,
                value,
            })
        })
        .collect())
}
