//! The SQL of quality inspection (KPI-3): candidates, the sample, reviews and averages.

use std::collections::HashMap;

use kefu_domain::qa::{Candidate, CheckedScore, QaReview, ReviewStatus};
use sqlx::{Pool, QueryBuilder};
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db, LOCK_ROW};
use crate::qa::{NewQaReview, QaChange, QaFilter};
use crate::rows::uuid;
use crate::{NewAudit, ROWS_PER_STATEMENT, Result, StoreError};

const SELECT: &str = "SELECT q.id, q.conversation_id, c.buyer_name, q.agent_id, a.display_name AS agent_name, \
     q.day, q.reasons, q.forbidden_hits, q.status, q.inspector_id, i.display_name AS inspector_name, q.items, \
     q.comments, q.score, q.scored_at, q.appeal, q.appealed_at, q.decided_by, q.decision, \
     q.final_score, q.decided_at, q.created_at FROM qa_reviews q \
     JOIN conversations c ON c.id = q.conversation_id \
     LEFT JOIN users a ON a.id = q.agent_id LEFT JOIN users i ON i.id = q.inspector_id ";

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    conversation_id: String,
    buyer_name: String,
    agent_id: Option<String>,
    agent_name: Option<String>,
    day: String,
    reasons: String,
    forbidden_hits: String,
    status: String,
    inspector_id: Option<String>,
    inspector_name: Option<String>,
    items: String,
    comments: String,
    score: Option<f64>,
    scored_at: Option<i64>,
    appeal: Option<String>,
    appealed_at: Option<i64>,
    decided_by: Option<String>,
    decision: Option<String>,
    final_score: Option<f64>,
    decided_at: Option<i64>,
    created_at: i64,
}

fn json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("qa {what}: {e}")))
}

fn from_row(r: Row) -> Result<QaReview> {
    let opt = |s: Option<String>| s.as_deref().map(uuid).transpose();
    Ok(QaReview {
        id: uuid(&r.id)?,
        conversation_id: uuid(&r.conversation_id)?,
        buyer_name: r.buyer_name,
        agent_id: opt(r.agent_id)?,
        agent_name: r.agent_name,
        reasons: json(&r.reasons, "reasons")?,
        forbidden_hits: json(&r.forbidden_hits, "hits")?,
        status: ReviewStatus::parse(&r.status)
            .ok_or_else(|| StoreError::Corrupt(format!("qa status {}", r.status)))?,
        inspector_id: opt(r.inspector_id)?,
        inspector_name: r.inspector_name,
        items: json(&r.items, "items")?,
        comments: json(&r.comments, "comments")?,
        score: r.score,
        scored_at: r.scored_at,
        appeal: r.appeal,
        appealed_at: r.appealed_at,
        decided_by: opt(r.decided_by)?,
        decision: r.decision,
        final_score: r.final_score.or(r.score),
        decided_at: r.decided_at,
        created_at: r.created_at,
        day: r.day,
    })
}

pub(crate) async fn qa_candidates(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    start: i64,
    end: i64,
) -> Result<Vec<Candidate>> {
    let tenant = tenant_id.to_string();
    let replies: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT conversation_id, actor_id, CAST(COUNT(*) AS BIGINT) FROM conversation_events \
         WHERE tenant_id = $1 AND kind = 'agent_message' AND actor_kind = 'agent' \
         AND actor_id IS NOT NULL AND at >= $2 AND at < $3 GROUP BY conversation_id, actor_id",
    )
    .bind(&tenant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let flags: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conversation_id, kind, data FROM conversation_events \
         WHERE tenant_id = $1 AND kind IN ('rated', 'transferred') AND at >= $2 AND at < $3",
    )
    .bind(&tenant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let complaints: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT t.conversation_id FROM conversation_tags t \
         JOIN conversation_events e ON e.conversation_id = t.conversation_id \
         WHERE t.tenant_id = $1 AND t.tag_key = 'complaint' AND e.tenant_id = $1 \
         AND e.kind = 'agent_message' AND e.at >= $2 AND e.at < $3",
    )
    .bind(&tenant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let mut by_conversation: HashMap<String, (String, i64)> = HashMap::new();
    for (conversation, agent, count) in replies {
        let best = by_conversation
            .entry(conversation)
            .or_insert((agent.clone(), count));
        if count > best.1 {
            *best = (agent, count);
        }
    }
    let mut out: HashMap<String, Candidate> = HashMap::new();
    for (conversation, (agent, _)) in by_conversation {
        out.insert(
            conversation.clone(),
            Candidate {
                conversation_id: uuid(&conversation)?,
                agent_id: Some(uuid(&agent)?),
                bad_rating: false,
                complaint: false,
                transferred: false,
                forbidden_word: false,
            },
        );
    }
    for (conversation, kind, data) in flags {
        if let Some(c) = out.get_mut(&conversation) {
            let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
            match kind.as_str() {
                "rated" => c.bad_rating |= data["bad"].as_bool().unwrap_or(false),
                _ => c.transferred = true,
            }
        }
    }
    for (conversation,) in complaints {
        if let Some(c) = out.get_mut(&conversation) {
            c.complaint = true;
        }
    }
    let mut list: Vec<Candidate> = out.into_values().collect();
    list.sort_by_key(|c| c.conversation_id);
    Ok(list)
}

pub(crate) async fn agent_texts(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    start: i64,
    end: i64,
) -> Result<Vec<(Uuid, i64, String)>> {
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT conversation_id, seq, body FROM messages WHERE tenant_id = $1 \
         AND sender_kind = 'agent' AND kind = 'text' AND created_at >= $2 AND created_at < $3 \
         ORDER BY conversation_id, seq",
    )
    .bind(tenant_id.to_string())
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(c, seq, body)| Ok((uuid(&c)?, seq, body)))
        .collect()
}

pub(crate) async fn add_qa_sample(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    day: &str,
    reviews: &[NewQaReview],
    now: i64,
) -> Result<u64> {
    let tenant = tenant_id.to_string();
    let mut added = 0;
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    for chunk in reviews.chunks(ROWS_PER_STATEMENT) {
        let mut encoded = Vec::with_capacity(chunk.len());
        for r in chunk {
            let reasons = serde_json::to_string(&r.reasons)
                .map_err(|e| StoreError::Corrupt(format!("qa reasons: {e}")))?;
            let hits = serde_json::to_string(&r.forbidden_hits)
                .map_err(|e| StoreError::Corrupt(format!("qa hits: {e}")))?;
            encoded.push((r, reasons, hits));
        }
        let mut insert: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO qa_reviews (id, tenant_id, conversation_id, agent_id, day, reasons, \
             forbidden_hits, status, created_at) ",
        );
        insert.push_values(encoded, |mut b, (r, reasons, hits)| {
            b.push_bind(Uuid::now_v7().to_string())
                .push_bind(&tenant)
                .push_bind(r.conversation_id.to_string())
                .push_bind(r.agent_id.map(|a| a.to_string()))
                .push_bind(day)
                .push_bind(reasons)
                .push_bind(hits)
                .push_bind(ReviewStatus::Pending.as_str())
                .push_bind(now);
        });
        insert.push(" ON CONFLICT (tenant_id, conversation_id, day) DO NOTHING");
        added += insert.build().execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(added)
}

pub(crate) async fn qa_reviews(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    filter: &QaFilter,
) -> Result<Vec<QaReview>> {
    let mut query: QueryBuilder<Db> = QueryBuilder::new(SELECT);
    query
        .push("WHERE q.tenant_id = ")
        .push_bind(tenant_id.to_string());
    if let Some(day) = &filter.day {
        query.push(" AND q.day = ").push_bind(day.clone());
    }
    if let Some(status) = filter.status {
        query.push(" AND q.status = ").push_bind(status.as_str());
    }
    if let Some(agent) = filter.agent_id {
        query
            .push(" AND q.agent_id = ")
            .push_bind(agent.to_string());
    }
    query.push(" ORDER BY q.day DESC, q.created_at, q.id LIMIT 500");
    let rows: Vec<Row> = query.build_query_as().fetch_all(pool).await?;
    rows.into_iter().map(from_row).collect()
}

async fn read(
    conn: &mut <Db as sqlx::Database>::Connection,
    tenant: &str,
    id: &str,
    lock: &str,
) -> Result<Option<QaReview>> {
    let sql = if lock.is_empty() {
        format!("{SELECT}WHERE q.tenant_id = $1 AND q.id = $2")
    } else {
        // Lock the review's row alone (no row of an outer join's nullable side).
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM qa_reviews WHERE tenant_id = $1 AND id = $2{lock}"
        )))
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        format!("{SELECT}WHERE q.tenant_id = $1 AND q.id = $2")
    };
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(from_row).transpose()
}

pub(crate) async fn qa_review(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<QaReview>> {
    let mut conn = pool.acquire().await?;
    read(&mut conn, &tenant_id.to_string(), &id.to_string(), "").await
}

/// A change to a review, and the statuses it may be made from.
enum Step<'a> {
    Score {
        inspector: Uuid,
        score: &'a CheckedScore,
    },
    Appeal {
        agent: Uuid,
        text: &'a str,
    },
    Decide {
        by: Uuid,
        text: &'a str,
        score: Option<f64>,
    },
}

impl Step<'_> {
    fn from(&self) -> &'static [ReviewStatus] {
        match self {
            Step::Score { .. } => &[ReviewStatus::Pending, ReviewStatus::Scored],
            Step::Appeal { .. } => &[ReviewStatus::Scored],
            Step::Decide { .. } => &[ReviewStatus::Appealed],
        }
    }
}

/// Makes `step` on the review under a lock when its status allows it, with its audit
/// entries in the same transaction.
async fn change(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    step: Step<'_>,
    audit: impl FnOnce(&QaReview) -> Vec<NewAudit> + Send,
    now: i64,
) -> Result<QaChange> {
    let (tenant, id) = (tenant_id.to_string(), id.to_string());
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let Some(review) = read(&mut tx, &tenant, &id, LOCK_ROW).await? else {
        return Ok(QaChange::NotFound);
    };
    // An agent appeals only their own review; another's is "not found".
    if let Step::Appeal { agent, .. } = step
        && review.agent_id != Some(agent)
    {
        return Ok(QaChange::NotFound);
    }
    if !step.from().contains(&review.status) {
        return Ok(QaChange::Closed);
    }
    let query = match step {
        Step::Score { inspector, score } => sqlx::query(
            "UPDATE qa_reviews SET status = 'scored', items = $3, comments = $4, score = $5, \
             inspector_id = $6, scored_at = $7 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&tenant)
        .bind(&id)
        .bind(to_json(&score.items)?)
        .bind(to_json(&score.comments)?)
        .bind(score.score)
        .bind(inspector.to_string())
        .bind(now),
        Step::Appeal { text, .. } => sqlx::query(
            "UPDATE qa_reviews SET status = 'appealed', appeal = $3, appealed_at = $4 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&tenant)
        .bind(&id)
        .bind(text.to_owned())
        .bind(now),
        Step::Decide { by, text, score } => sqlx::query(
            "UPDATE qa_reviews SET status = 'decided', decision = $3, \
             final_score = COALESCE($4, score), decided_by = $5, decided_at = $6 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&tenant)
        .bind(&id)
        .bind(text.to_owned())
        .bind(score)
        .bind(by.to_string())
        .bind(now),
    };
    query.execute(&mut *tx).await?;
    let changed = read(&mut tx, &tenant, &id, "")
        .await?
        .ok_or(StoreError::NotFound("qa_review"))?;
    append_all(&mut tx, audit(&changed)).await?;
    tx.commit().await?;
    Ok(QaChange::Done(Box::new(changed)))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("qa review: {e}")))
}

pub(crate) async fn score_qa_review(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    inspector: Uuid,
    score: &CheckedScore,
    now: i64,
) -> Result<QaChange> {
    let step = Step::Score { inspector, score };
    change(pool, tenant_id, id, step, |_| Vec::new(), now).await
}

pub(crate) async fn appeal_qa_review(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    agent: Uuid,
    text: &str,
    now: i64,
) -> Result<QaChange> {
    let step = Step::Appeal { agent, text };
    change(pool, tenant_id, id, step, |_| Vec::new(), now).await
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn decide_qa_review(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by: Uuid,
    decision: &str,
    score: Option<f64>,
    audit: impl FnOnce(&QaReview) -> Vec<NewAudit> + Send,
    now: i64,
) -> Result<QaChange> {
    let step = Step::Decide {
        by,
        text: decision,
        score,
    };
    change(pool, tenant_id, id, step, audit, now).await
}

pub(crate) async fn qa_averages(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    from: &str,
    to: &str,
) -> Result<Vec<(Uuid, f64, i64)>> {
    let rows: Vec<(String, f64, i64)> = sqlx::query_as(
        "SELECT agent_id, AVG(COALESCE(final_score, score)), CAST(COUNT(*) AS BIGINT) \
         FROM qa_reviews WHERE tenant_id = $1 AND day >= $2 AND day <= $3 \
         AND agent_id IS NOT NULL AND score IS NOT NULL GROUP BY agent_id",
    )
    .bind(tenant_id.to_string())
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(agent, score, n)| Ok((uuid(&agent)?, (score * 10.0).round() / 10.0, n)))
        .collect()
}
