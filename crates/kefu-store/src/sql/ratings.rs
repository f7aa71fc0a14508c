//! The SQL of the satisfaction rating (KPI-3): invitations, ratings, and their events.

use kefu_domain::conversation::EventKind;
use kefu_domain::message::SenderKind;
use kefu_domain::rating::{CheckedRating, RATING_TTL_MS, Rating, is_bad};
use sqlx::Pool;
use uuid::Uuid;

use super::conversations::insert_event;
use super::{BEGIN_WRITE, Db, LOCK_ROW};
use crate::ratings::RatingChange;
use crate::{Result, StoreError};

const SELECT: &str = "SELECT r.id, r.conversation_id, r.agent_id, u.display_name, r.invited_at, \
     r.expires_at, r.reinvited, r.stars, r.reasons, r.comment, r.rated_at FROM ratings r \
     LEFT JOIN users u ON u.id = r.agent_id ";

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    bool,
    Option<i64>,
    String,
    String,
    Option<i64>,
);

fn from_row(row: Row) -> Result<Rating> {
    let (id, conversation, agent, agent_name, invited, expires, again, stars, reasons, comment, at) =
        row;
    let uuid = |s: &str| {
        Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("rating id {s}: {e}")))
    };
    Ok(Rating {
        id: uuid(&id)?,
        conversation_id: uuid(&conversation)?,
        agent_id: agent.as_deref().map(uuid).transpose()?,
        agent_name,
        invited_at: invited,
        expires_at: expires,
        reinvited: again,
        stars: stars.and_then(|s| u8::try_from(s).ok()),
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        comment,
        rated_at: at,
    })
}

async fn read(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant_id: Uuid,
    id: Uuid,
    lock: &str,
) -> Result<Option<Rating>> {
    if !lock.is_empty() {
        // The rating's row alone (PostgreSQL locks no row of an outer join's nullable side).
        let sql = format!("SELECT id FROM ratings WHERE tenant_id = $1 AND id = $2{lock}");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant_id.to_string())
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    }
    let sql = format!("{SELECT}WHERE r.tenant_id = $1 AND r.id = $2");
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(from_row).transpose()
}

pub(crate) async fn invite_rating(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    agent_id: Option<Uuid>,
    now: i64,
) -> Result<Option<Rating>> {
    let id = Uuid::new_v4();
    let (tenant, conversation) = (tenant_id.to_string(), conversation_id.to_string());
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let inserted = sqlx::query(
        "INSERT INTO ratings (id, tenant_id, conversation_id, agent_id, invited_at, expires_at) \
         SELECT $1, tenant_id, id, $4, $5, $6 FROM conversations WHERE id = $3 AND tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(&conversation)
    .bind(agent_id.map(|a| a.to_string()))
    .bind(now)
    .bind(now + RATING_TTL_MS)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    let data = serde_json::json!({ "rating_id": id, "agent_id": agent_id, "again": false });
    insert_event(
        &mut tx,
        &tenant,
        &conversation,
        EventKind::RatingInvited,
        SenderKind::Automation,
        None,
        None,
        data,
        now,
    )
    .await?;
    let invited = read(&mut tx, tenant_id, id, "").await?;
    tx.commit().await?;
    Ok(invited)
}

pub(crate) async fn rating(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<Option<Rating>> {
    let mut conn = pool.acquire().await?;
    read(&mut conn, tenant_id, id, "").await
}

pub(crate) async fn conversation_ratings(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Vec<Rating>> {
    let sql = format!(
        "{SELECT}WHERE r.tenant_id = $1 AND r.conversation_id = $2 ORDER BY r.invited_at, r.id"
    );
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant_id.to_string())
        .bind(conversation_id.to_string())
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(from_row).collect()
}

pub(crate) async fn rate(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    buyer_id: Uuid,
    given: &CheckedRating,
    now: i64,
) -> Result<RatingChange> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let Some(current) = read(&mut tx, tenant_id, id, LOCK_ROW).await? else {
        return Ok(RatingChange::NotFound);
    };
    let (owner,): (String,) =
        sqlx::query_as("SELECT buyer_id FROM conversations WHERE id = $1 AND tenant_id = $2")
            .bind(current.conversation_id.to_string())
            .bind(tenant_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
    if owner != buyer_id.to_string() {
        return Ok(RatingChange::NotFound);
    }
    if current.stars.is_some() {
        return Ok(RatingChange::Closed);
    }
    if now >= current.expires_at {
        return Ok(RatingChange::Expired);
    }
    let reasons = serde_json::json!(given.reasons).to_string();
    sqlx::query(
        "UPDATE ratings SET stars = $1, reasons = $2, comment = $3, rated_at = $4 \
         WHERE id = $5 AND tenant_id = $6 AND stars IS NULL",
    )
    .bind(i64::from(given.stars))
    .bind(reasons)
    .bind(&given.comment)
    .bind(now)
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .execute(&mut *tx)
    .await?;
    // The team's views hear of it with the conversation's next summary.
    sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2 AND tenant_id = $3")
        .bind(now)
        .bind(current.conversation_id.to_string())
        .bind(tenant_id.to_string())
        .execute(&mut *tx)
        .await?;
    let data = serde_json::json!({
        "rating_id": id,
        "stars": given.stars,
        "reasons": given.reasons,
        "agent_id": current.agent_id,
        "bad": is_bad(given.stars),
    });
    insert_event(
        &mut tx,
        &tenant_id.to_string(),
        &current.conversation_id.to_string(),
        EventKind::Rated,
        SenderKind::Buyer,
        Some(buyer_id.to_string()),
        None,
        data,
        now,
    )
    .await?;
    let rated = read(&mut tx, tenant_id, id, "").await?;
    tx.commit().await?;
    Ok(rated.map_or(RatingChange::NotFound, RatingChange::Done))
}

pub(crate) async fn reinvite_rating(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by: Uuid,
    now: i64,
) -> Result<RatingChange> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let Some(current) = read(&mut tx, tenant_id, id, LOCK_ROW).await? else {
        return Ok(RatingChange::NotFound);
    };
    if !current.may_reinvite() {
        return Ok(RatingChange::Closed);
    }
    sqlx::query(
        "UPDATE ratings SET reinvited = TRUE, invited_at = $1, expires_at = $2 \
         WHERE id = $3 AND tenant_id = $4 AND stars IS NULL AND NOT reinvited",
    )
    .bind(now)
    .bind(now + RATING_TTL_MS)
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .execute(&mut *tx)
    .await?;
    let data = serde_json::json!({ "rating_id": id, "agent_id": current.agent_id, "again": true });
    insert_event(
        &mut tx,
        &tenant_id.to_string(),
        &current.conversation_id.to_string(),
        EventKind::RatingInvited,
        SenderKind::Agent,
        Some(by.to_string()),
        None,
        data,
        now,
    )
    .await?;
    let again = read(&mut tx, tenant_id, id, "").await?;
    tx.commit().await?;
    Ok(again.map_or(RatingChange::NotFound, RatingChange::Done))
}
