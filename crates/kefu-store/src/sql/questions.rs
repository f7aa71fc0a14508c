//! The SQL of question mining (DATA-5).

use std::collections::HashMap;

use sqlx::{Pool, QueryBuilder};
use uuid::Uuid;

use super::{BEGIN_WRITE, Db, LOCK_QUESTION_WEEKS};
use crate::questions::{
    AskedQuestion, MinedWeek, NewTopicProblem, ProblemRow, TopicRow, TopicWeek,
};
use crate::robot_training::NewProposal;
use crate::rows::uuid;
use crate::{Result, StoreError};

pub(crate) async fn buyer_questions(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    start: i64,
    end: i64,
    limit: i64,
) -> Result<Vec<AskedQuestion>> {
    // The log's (tenant, kind, time) index finds the buyers' messages; each is read by its
    // primary key.
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT e.conversation_id, c.context, m.body, e.at FROM conversation_events e \
         JOIN messages m ON m.conversation_id = e.conversation_id AND m.seq = e.message_seq \
         JOIN conversations c ON c.id = e.conversation_id \
         WHERE e.tenant_id = $1 AND e.kind = 'buyer_message' AND e.at >= $2 AND e.at < $3 \
         AND m.kind = 'text' ORDER BY e.at, e.id LIMIT $4",
    )
    .bind(tenant_id.to_string())
    .bind(start)
    .bind(end)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut products: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (conversation, context, body, at) in rows {
        let product = match products.get(&conversation) {
            Some(product) => product.clone(),
            None => {
                let context: serde_json::Value = serde_json::from_str(&context).unwrap_or_default();
                let product = context["product_code"].as_str().unwrap_or("").to_owned();
                products.insert(conversation.clone(), product.clone());
                product
            }
        };
        out.push(AskedQuestion {
            conversation_id: uuid(&conversation)?,
            product_code: product,
            text: body,
            at,
        });
    }
    Ok(out)
}

type TopicTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

macro_rules! topic_select {
    () => {
        "SELECT id, label, keywords, centroid, first_week, last_week, proposal_id \
         FROM question_topics"
    };
}

fn topic_row(row: TopicTuple) -> Result<TopicRow> {
    let (id, label, keywords, centroid, first_week, last_week, proposal) = row;
    let corrupt = |what: &str, e: serde_json::Error| {
        StoreError::Corrupt(format!("question topic {id} {what}: {e}"))
    };
    Ok(TopicRow {
        id: uuid(&id)?,
        label,
        keywords: serde_json::from_str(&keywords).map_err(|e| corrupt("keywords", e))?,
        centroid: serde_json::from_str(&centroid).map_err(|e| corrupt("centroid", e))?,
        first_week,
        last_week,
        proposal_id: proposal.as_deref().map(uuid).transpose()?,
    })
}

pub(crate) async fn question_topics(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since_week: &str,
) -> Result<Vec<TopicRow>> {
    let rows: Vec<TopicTuple> = sqlx::query_as(concat!(
        topic_select!(),
        " WHERE tenant_id = $1 AND last_week >= $2 ORDER BY first_week, id"
    ))
    .bind(tenant_id.to_string())
    .bind(since_week)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(topic_row).collect()
}

pub(crate) async fn question_topic(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<TopicRow>> {
    let row: Option<TopicTuple> = sqlx::query_as(concat!(
        topic_select!(),
        " WHERE id = $1 AND tenant_id = $2"
    ))
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(topic_row).transpose()
}

pub(crate) async fn save_question_week(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    mined: &MinedWeek<'_>,
) -> Result<()> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    if !LOCK_QUESTION_WEEKS.is_empty() {
        sqlx::query(LOCK_QUESTION_WEEKS)
            .bind(&tenant)
            .execute(&mut *tx)
            .await?;
    }
    for delete in [
        "DELETE FROM question_topic_weeks WHERE tenant_id = $1 AND week = $2",
        "DELETE FROM question_weeks WHERE tenant_id = $1 AND week = $2",
    ] {
        sqlx::query(delete)
            .bind(&tenant)
            .bind(mined.week)
            .execute(&mut *tx)
            .await?;
    }
    for topic in mined.new_topics {
        sqlx::query(
            "INSERT INTO question_topics (id, tenant_id, label, keywords, centroid, first_week, \
             last_week, created_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(topic.id.to_string())
        .bind(&tenant)
        .bind(&topic.label)
        .bind(crate::rows::to_json(&topic.keywords)?)
        .bind(crate::rows::to_json(&topic.centroid)?)
        .bind(mined.week)
        .bind(mined.mined_at)
        .execute(&mut *tx)
        .await?;
    }
    for (product, asked) in mined.asked {
        sqlx::query(
            "INSERT INTO question_weeks (tenant_id, week, product_code, asked, mined_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&tenant)
        .bind(mined.week)
        .bind(product)
        .bind(asked)
        .bind(mined.mined_at)
        .execute(&mut *tx)
        .await?;
    }
    if !mined.asked.iter().any(|(product, _)| product.is_empty()) {
        // The mark that the week was mined, when nobody asked without a product.
        sqlx::query(
            "INSERT INTO question_weeks (tenant_id, week, product_code, asked, mined_at) \
             VALUES ($1, $2, '', 0, $3)",
        )
        .bind(&tenant)
        .bind(mined.week)
        .bind(mined.mined_at)
        .execute(&mut *tx)
        .await?;
    }
    for row in mined.rows {
        sqlx::query(
            "INSERT INTO question_topic_weeks (tenant_id, week, topic_id, product_code, \
             conversations, examples) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&tenant)
        .bind(mined.week)
        .bind(row.topic_id.to_string())
        .bind(&row.product_code)
        .bind(row.conversations)
        .bind(row.examples.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE question_topics SET last_week = $3 \
             WHERE id = $1 AND tenant_id = $2 AND last_week < $3",
        )
        .bind(row.topic_id.to_string())
        .bind(&tenant)
        .bind(mined.week)
        .execute(&mut *tx)
        .await?;
    }
    // Topics an earlier mining of this week found and this one did not: forgotten, unless a
    // person acted on them or another week has them.
    sqlx::query(
        "DELETE FROM question_topics WHERE tenant_id = $1 AND first_week = $2 \
         AND proposal_id IS NULL \
         AND NOT EXISTS (SELECT 1 FROM topic_problems p WHERE p.topic_id = question_topics.id) \
         AND NOT EXISTS (SELECT 1 FROM question_topic_weeks w \
                         WHERE w.topic_id = question_topics.id)",
    )
    .bind(&tenant)
    .bind(mined.week)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn mined_weeks(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since_week: &str,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT week, mined_at FROM question_weeks \
         WHERE tenant_id = $1 AND week >= $2 AND product_code = '' ORDER BY week",
    )
    .bind(tenant_id.to_string())
    .bind(since_week)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn topic_counts(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    from_week: &str,
    to_week: &str,
    product: Option<&str>,
) -> Result<(Vec<(Uuid, String, i64)>, Vec<(String, i64)>)> {
    let tenant = tenant_id.to_string();
    let mut query: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT topic_id, week, CAST(SUM(conversations) AS BIGINT) FROM question_topic_weeks WHERE tenant_id = ",
    );
    query
        .push_bind(&tenant)
        .push(" AND week >= ")
        .push_bind(from_week)
        .push(" AND week <= ")
        .push_bind(to_week);
    if let Some(product) = product {
        query.push(" AND product_code = ").push_bind(product);
    }
    query.push(" GROUP BY topic_id, week ORDER BY topic_id, week");
    let rows: Vec<(String, String, i64)> = query.build_query_as().fetch_all(pool).await?;
    let counts = rows
        .into_iter()
        .map(|(topic, week, n)| Ok((uuid(&topic)?, week, n)))
        .collect::<Result<Vec<_>>>()?;
    let mut query: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT week, CAST(SUM(asked) AS BIGINT) FROM question_weeks WHERE tenant_id = ",
    );
    query
        .push_bind(&tenant)
        .push(" AND week >= ")
        .push_bind(from_week)
        .push(" AND week <= ")
        .push_bind(to_week);
    if let Some(product) = product {
        query.push(" AND product_code = ").push_bind(product);
    }
    query.push(" GROUP BY week ORDER BY week");
    let totals: Vec<(String, i64)> = query.build_query_as().fetch_all(pool).await?;
    Ok((counts, totals))
}

pub(crate) async fn asking_products(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    from_week: &str,
    to_week: &str,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT product_code, CAST(SUM(asked) AS BIGINT) FROM question_weeks \
         WHERE tenant_id = $1 AND week >= $2 AND week <= $3 AND product_code <> '' \
         GROUP BY product_code ORDER BY SUM(asked) DESC, product_code",
    )
    .bind(tenant_id.to_string())
    .bind(from_week)
    .bind(to_week)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn topic_weeks(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    topic_id: Uuid,
    from_week: &str,
    to_week: &str,
) -> Result<Vec<TopicWeek>> {
    let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT week, product_code, conversations, examples FROM question_topic_weeks \
         WHERE topic_id = $1 AND tenant_id = $2 AND week >= $3 AND week <= $4 \
         ORDER BY week DESC, conversations DESC, product_code",
    )
    .bind(topic_id.to_string())
    .bind(tenant_id.to_string())
    .bind(from_week)
    .bind(to_week)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(week, product_code, conversations, examples)| {
            Ok(TopicWeek {
                week,
                product_code,
                conversations,
                examples: serde_json::from_str(&examples)
                    .map_err(|e| StoreError::Corrupt(format!("topic {topic_id} examples: {e}")))?,
            })
        })
        .collect()
}

pub(crate) async fn propose_topic(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    topic_id: Uuid,
    proposal: &NewProposal,
) -> Result<Option<Uuid>> {
    let tenant = tenant_id.to_string();
    let id = Uuid::now_v7();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let updated =
        sqlx::query("UPDATE question_topics SET proposal_id = $3 WHERE id = $1 AND tenant_id = $2")
            .bind(topic_id.to_string())
            .bind(&tenant)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO robot_proposals (id, tenant_id, kind, entry_id, body, asked, status, \
         created_at, source) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, 'mining')",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(&proposal.kind)
    .bind(&proposal.entry_id)
    .bind(proposal.body.to_string())
    .bind(proposal.asked)
    .bind(kefu_domain::time::now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

type ProblemTuple = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

macro_rules! problem_select {
    () => {
        "SELECT id, topic_id, product_code, owner_id, note, status, fixed_on, created_by, \
         created_at, updated_at FROM topic_problems"
    };
}

fn problem_row(row: ProblemTuple) -> Result<ProblemRow> {
    let (id, topic, product_code, owner, note, status, fixed_on, by, created_at, updated_at) = row;
    Ok(ProblemRow {
        id: uuid(&id)?,
        topic_id: uuid(&topic)?,
        product_code,
        owner_id: uuid(&owner)?,
        note,
        status,
        fixed_on,
        created_by: uuid(&by)?,
        created_at,
        updated_at,
    })
}

pub(crate) async fn add_topic_problem(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    problem: &NewTopicProblem,
) -> Result<ProblemRow> {
    let id = Uuid::now_v7();
    let now = kefu_domain::time::now_ms();
    sqlx::query(
        "INSERT INTO topic_problems (id, tenant_id, topic_id, product_code, owner_id, note, \
         status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $8)",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .bind(problem.topic_id.to_string())
    .bind(&problem.product_code)
    .bind(problem.owner_id.to_string())
    .bind(&problem.note)
    .bind(problem.created_by.to_string())
    .bind(now)
    .execute(pool)
    .await?;
    topic_problem(pool, tenant_id, id)
        .await?
        .ok_or(StoreError::NotFound("problem"))
}

pub(crate) async fn topic_problems(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    status: Option<&str>,
    topic_id: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ProblemRow>> {
    let mut query: QueryBuilder<Db> =
        QueryBuilder::new(concat!(problem_select!(), " WHERE tenant_id = "));
    query.push_bind(tenant_id.to_string());
    if let Some(status) = status {
        query.push(" AND status = ").push_bind(status.to_owned());
    }
    if let Some(topic) = topic_id {
        query.push(" AND topic_id = ").push_bind(topic.to_string());
    }
    query
        .push(" ORDER BY created_at DESC, id DESC LIMIT ")
        .push_bind(limit);
    let rows: Vec<ProblemTuple> = query.build_query_as().fetch_all(pool).await?;
    rows.into_iter().map(problem_row).collect()
}

pub(crate) async fn topic_problem(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<ProblemRow>> {
    let row: Option<ProblemTuple> = sqlx::query_as(concat!(
        problem_select!(),
        " WHERE id = $1 AND tenant_id = $2"
    ))
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(problem_row).transpose()
}

pub(crate) async fn set_problem_fixed(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    fixed_on: Option<&str>,
    now: i64,
) -> Result<Option<ProblemRow>> {
    let status = if fixed_on.is_some() { "fixed" } else { "open" };
    let updated = sqlx::query(
        "UPDATE topic_problems SET status = $3, fixed_on = $4, updated_at = $5 \
         WHERE id = $1 AND tenant_id = $2",
    )
    .bind(id.to_string())
    .bind(tenant_id.to_string())
    .bind(status)
    .bind(fixed_on)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    topic_problem(pool, tenant_id, id).await
}
