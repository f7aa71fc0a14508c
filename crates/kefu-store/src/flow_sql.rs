// The SQL of the robot's flows (BOT-4) and training loop (BOT-5): flow definitions, the
// flow each conversation is in, after-sale requests, and the review queue. Included beside
// `robot_sql.rs`, compiled for each backend the same way.

use crate::{AfterSaleRow, FlowRow, NewAfterSale, NewProposal, ProposalRow, RobotMiss};

/// Every flow the shop defined, by id.
pub(crate) async fn robot_flows(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Vec<FlowRow>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT flow_id, body, updated_at FROM robot_flows WHERE tenant_id = $1 ORDER BY flow_id",
    )
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, body, updated_at)| FlowRow {
            id,
            body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
            updated_at,
        })
        .collect())
}

/// Creates or replaces a flow; its triggers are in the robot, so the version moves.
pub(crate) async fn put_robot_flow(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: &str,
    body: &serde_json::Value,
    by: Option<Uuid>,
) -> Result<()> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO robot_flows (tenant_id, flow_id, body, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, flow_id) DO UPDATE SET \
         body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&tenant)
    .bind(id)
    .bind(body.to_string())
    .bind(now_ms())
    .bind(by.map(|u| u.to_string()))
    .execute(&mut *tx)
    .await?;
    bump_kb_version(&mut tx, &tenant).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a flow (and ends its runs); false when there was none.
pub(crate) async fn delete_robot_flow(pool: &Pool<Db>, tenant_id: Uuid, id: &str) -> Result<bool> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let gone = sqlx::query("DELETE FROM robot_flows WHERE tenant_id = $1 AND flow_id = $2")
        .bind(&tenant)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        sqlx::query("DELETE FROM robot_flow_runs WHERE tenant_id = $1 AND flow_id = $2")
            .bind(&tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        bump_kb_version(&mut tx, &tenant).await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// The flow a conversation is in: its id and state.
pub(crate) async fn flow_run(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> Result<Option<(String, serde_json::Value)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT flow_id, state FROM robot_flow_runs WHERE tenant_id = $1 AND conversation_id = $2",
    )
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, state)| Some((id, serde_json::from_str(&state).ok()?))))
}

/// Saves a conversation's flow state, or ends it (`None`).
pub(crate) async fn set_flow_run(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    conversation_id: Uuid,
    run: Option<(&str, &serde_json::Value)>,
) -> Result<()> {
    let (tenant, conversation) = (tenant_id.to_string(), conversation_id.to_string());
    match run {
        Some((flow_id, state)) => {
            sqlx::query(
                "INSERT INTO robot_flow_runs (conversation_id, tenant_id, flow_id, state, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id) DO UPDATE SET \
                 flow_id = excluded.flow_id, state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(&conversation)
            .bind(&tenant)
            .bind(flow_id)
            .bind(state.to_string())
            .bind(now_ms())
            .execute(pool)
            .await?;
        }
        None => {
            sqlx::query(
                "DELETE FROM robot_flow_runs WHERE tenant_id = $1 AND conversation_id = $2",
            )
            .bind(&tenant)
            .bind(&conversation)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

type AfterSaleTuple = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    i64,
);

macro_rules! after_sale_columns {
    () => {
        "id, case_no, order_no, conversation_id, member_id, kind, sku_code, item_title, reason, \
         detail, photo_attachment_id, status, created_at"
    };
}

fn after_sale_row(t: AfterSaleTuple) -> AfterSaleRow {
    let (id, case_no, order_no, conversation, member_id, kind, sku, title, reason, detail, photo, status, at) =
        t;
    AfterSaleRow {
        id: id.parse().unwrap_or_default(),
        case_no,
        order_no,
        conversation_id: conversation.and_then(|c| c.parse().ok()),
        member_id,
        kind,
        sku_code: sku,
        item_title: title,
        reason,
        detail,
        photo_attachment_id: photo.and_then(|p| p.parse().ok()),
        status,
        created_at: at,
    }
}

/// Records an after-sale request and marks its order `requested`, in one transaction.
pub(crate) async fn create_after_sale(
    pool: &Pool<Db>,
    new: &NewAfterSale<'_>,
) -> Result<AfterSaleRow> {
    let tenant = new.tenant_id.to_string();
    let now = now_ms();
    let id = Uuid::now_v7();
    // AS + the day + six digits of the id's random part: unique per shop in practice, and
    // the unique index turns the rare clash into an error rather than a duplicate.
    let day = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.format("%Y%m%d").to_string())
        .unwrap_or_default();
    let case_no = format!("AS{day}{:06}", id.as_u128() % 1_000_000);
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query(
        "INSERT INTO after_sale_requests (id, tenant_id, case_no, order_no, conversation_id, \
         member_id, kind, sku_code, item_title, reason, detail, photo_attachment_id, status, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'requested', $13)",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(&case_no)
    .bind(new.order_no)
    .bind(new.conversation_id.map(|c| c.to_string()))
    .bind(new.member_id)
    .bind(new.kind)
    .bind(new.sku_code)
    .bind(new.item_title)
    .bind(new.reason)
    .bind(new.detail)
    .bind(new.photo_attachment_id.map(|p| p.to_string()))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE orders SET after_sale_status = 'requested', updated_at = $1 \
         WHERE tenant_id = $2 AND order_no = $3",
    )
    .bind(now)
    .bind(&tenant)
    .bind(new.order_no)
    .execute(&mut *tx)
    .await?;
    let row: AfterSaleTuple = sqlx::query_as(concat!(
        "SELECT ",
        after_sale_columns!(),
        " FROM after_sale_requests WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(after_sale_row(row))
}

/// The shop's after-sale requests, newest first.
pub(crate) async fn after_sales(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    limit: i64,
) -> Result<Vec<AfterSaleRow>> {
    let rows: Vec<AfterSaleTuple> = sqlx::query_as(concat!(
        "SELECT ",
        after_sale_columns!(),
        " FROM after_sale_requests WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(tenant_id.to_string())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(after_sale_row).collect())
}

/// Questions the robot missed since `since`: clarified, or handed off as unknown or
/// misunderstood; each with the first text a person sent in that conversation after it.
pub(crate) async fn robot_misses(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    since: i64,
    limit: i64,
) -> Result<Vec<RobotMiss>> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT l.text, (SELECT m.body FROM messages m WHERE m.conversation_id = l.conversation_id \
           AND m.sender_kind = 'agent' AND m.kind = 'text' AND m.created_at >= l.at \
           ORDER BY m.seq LIMIT 1) \
         FROM robot_log l WHERE l.tenant_id = $1 AND l.at >= $2 \
           AND (l.action = 'clarify' OR (l.action = 'handoff' \
                AND l.reason IN ('unknown', 'misunderstood'))) \
         ORDER BY l.at DESC LIMIT $3",
    )
    .bind(tenant_id.to_string())
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(text, human_answer)| RobotMiss { text, human_answer })
        .collect())
}

/// Replaces the shop's pending proposals with a new run's, and notes when it ran.
pub(crate) async fn replace_proposals(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    proposals: &[NewProposal],
) -> Result<u64> {
    let tenant = tenant_id.to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    sqlx::query("DELETE FROM robot_proposals WHERE tenant_id = $1 AND status = 'pending'")
        .bind(&tenant)
        .execute(&mut *tx)
        .await?;
    for p in proposals {
        sqlx::query(
            "INSERT INTO robot_proposals (id, tenant_id, kind, entry_id, body, asked, status, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(&tenant)
        .bind(&p.kind)
        .bind(&p.entry_id)
        .bind(p.body.to_string())
        .bind(p.asked)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO robot_settings (tenant_id, trained_at, updated_at) VALUES ($1, $2, $2) \
         ON CONFLICT (tenant_id) DO UPDATE SET trained_at = excluded.trained_at",
    )
    .bind(&tenant)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(proposals.len() as u64)
}

type ProposalTuple = (
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

fn proposal_row(t: ProposalTuple) -> ProposalRow {
    let (id, kind, entry_id, body, asked, status, created_at, decided_by, decided_at) = t;
    ProposalRow {
        id: id.parse().unwrap_or_default(),
        kind,
        entry_id,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        asked,
        status,
        created_at,
        decided_by: decided_by.and_then(|u| u.parse().ok()),
        decided_at,
    }
}

macro_rules! proposal_columns {
    () => {
        "id, kind, entry_id, body, asked, status, created_at, decided_by, decided_at"
    };
}

/// The shop's proposals in one status, the most asked first.
pub(crate) async fn proposals(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    status: &str,
    limit: i64,
) -> Result<Vec<ProposalRow>> {
    let rows: Vec<ProposalTuple> = sqlx::query_as(concat!(
        "SELECT ",
        proposal_columns!(),
        " FROM robot_proposals WHERE tenant_id = $1 AND status = $2 \
         ORDER BY asked DESC, created_at DESC, id LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(status)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(proposal_row).collect())
}

pub(crate) async fn proposal(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
) -> Result<Option<ProposalRow>> {
    let row: Option<ProposalTuple> = sqlx::query_as(concat!(
        "SELECT ",
        proposal_columns!(),
        " FROM robot_proposals WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(proposal_row))
}

/// Decides a pending proposal, once: false when it was no longer pending. An approval
/// writes its entry in the same transaction.
pub(crate) async fn decide_proposal(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    approved: Option<(&str, &serde_json::Value)>,
    by: Uuid,
) -> Result<bool> {
    let tenant = tenant_id.to_string();
    let now = now_ms();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let decided = sqlx::query(
        "UPDATE robot_proposals SET status = $1, decided_by = $2, decided_at = $3 \
         WHERE tenant_id = $4 AND id = $5 AND status = 'pending'",
    )
    .bind(if approved.is_some() { "approved" } else { "rejected" })
    .bind(by.to_string())
    .bind(now)
    .bind(&tenant)
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if !decided {
        tx.rollback().await?;
        return Ok(false);
    }
    if let Some((entry_id, body)) = approved {
        sqlx::query(
            "INSERT INTO kb_entries (tenant_id, entry_id, body, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, entry_id) DO UPDATE SET \
             body = excluded.body, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(&tenant)
        .bind(entry_id)
        .bind(body.to_string())
        .bind(now)
        .bind(by.to_string())
        .execute(&mut *tx)
        .await?;
        bump_kb_version(&mut tx, &tenant).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Shops whose robot is on and whose misses were last analysed before `before`.
pub(crate) async fn robots_due_for_training(pool: &Pool<Db>, before: i64) -> Result<Vec<Uuid>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT tenant_id FROM robot_settings WHERE mode <> 'off' AND trained_at < $1 \
         ORDER BY tenant_id",
    )
    .bind(before)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(|(t,)| t.parse().ok()).collect())
}
