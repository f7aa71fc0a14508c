//! The SQL of the data cockpit (DATA-1 … DATA-3).

use kefu_domain::anomaly::{Alert, AlertKind};
use kefu_domain::cockpit::Live;
use kefu_domain::conversation::EventKind;
use kefu_domain::health::{HealthReport, ReportKind};
use sqlx::{Pool, QueryBuilder};
use uuid::Uuid;

use super::{BEGIN_WRITE, Db};
use crate::cockpit::{AnomalyEvent, NewAlert};
use crate::rows::uuid;
use crate::{Result, StoreError};

const HOUR_MS: i64 = 3_600_000;

pub(crate) async fn live_counts(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Live> {
    let tenant = tenant_id.to_string();
    let (waiting, serving): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT SUM(CASE WHEN assignee_id IS NULL AND NOT robot_active THEN 1 ELSE 0 END), \
         SUM(CASE WHEN assignee_id IS NOT NULL THEN 1 ELSE 0 END) \
         FROM conversations WHERE tenant_id = $1 AND status = 'open'",
    )
    .bind(&tenant)
    .fetch_one(pool)
    .await?;
    let agents_online = super::accounts::agents_online(pool, tenant_id).await?;
    Ok(Live {
        waiting: waiting.unwrap_or(0),
        serving: serving.unwrap_or(0),
        agents_online,
    })
}

pub(crate) async fn sample_staffing(pool: &Pool<Db>, minute: i64) -> Result<()> {
    let online: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT tenant_id, team, COUNT(*) FROM users \
         WHERE status = 'online' AND NOT disabled GROUP BY tenant_id, team",
    )
    .fetch_all(pool)
    .await?;
    let mut rows: std::collections::BTreeMap<(String, String), i64> = Default::default();
    for (tenant, team, count) in online {
        *rows.entry((tenant.clone(), String::new())).or_default() += count;
        if let Some(team) = team.filter(|t| !t.is_empty()) {
            *rows.entry((tenant, team)).or_default() += count;
        }
    }
    let rows: Vec<_> = rows.into_iter().collect();
    let hour_start = minute - minute.rem_euclid(HOUR_MS);
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    for chunk in rows.chunks(crate::ROWS_PER_STATEMENT) {
        let mut insert: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO staffing_hourly (tenant_id, hour_start, team, agent_minutes, last_minute) ",
        );
        insert.push_values(chunk, |mut b, ((tenant, team), count)| {
            b.push_bind(tenant)
                .push_bind(hour_start)
                .push_bind(team)
                .push_bind(*count)
                .push_bind(minute);
        });
        insert.push(
            " ON CONFLICT (tenant_id, hour_start, team) DO UPDATE SET \
             agent_minutes = staffing_hourly.agent_minutes + excluded.agent_minutes, \
             last_minute = excluded.last_minute \
             WHERE staffing_hourly.last_minute < excluded.last_minute",
        );
        insert.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn staffing(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    start: i64,
    end: i64,
    team: &str,
) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT hour_start, agent_minutes FROM staffing_hourly WHERE tenant_id = $1 \
         AND team = $2 AND hour_start >= $3 AND hour_start < $4 ORDER BY hour_start",
    )
    .bind(tenant_id.to_string())
    .bind(team)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?)
}

fn push_kinds(query: &mut QueryBuilder<Db>, kinds: &[EventKind]) {
    query.push(" AND kind IN (");
    let mut list = query.separated(", ");
    for kind in kinds {
        list.push_bind(kind.as_str());
    }
    query.push(")");
}

pub(crate) async fn events_of_kinds(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    kinds: &[EventKind],
    start: i64,
    end: i64,
    limit: i64,
) -> Result<Vec<AnomalyEvent>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let mut query: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT conversation_id, kind, data, at FROM conversation_events WHERE tenant_id = ",
    );
    query.push_bind(tenant_id.to_string());
    push_kinds(&mut query, kinds);
    query
        .push(" AND at >= ")
        .push_bind(start)
        .push(" AND at < ")
        .push_bind(end)
        .push(" ORDER BY at DESC, id DESC LIMIT ")
        .push_bind(limit);
    let rows: Vec<(String, String, String, i64)> = query.build_query_as().fetch_all(pool).await?;
    let mut events = Vec::with_capacity(rows.len());
    for (conversation, kind, data, at) in rows {
        let Some(kind) = EventKind::parse(&kind) else {
            continue;
        };
        events.push(AnomalyEvent {
            conversation_id: uuid(&conversation)?,
            kind,
            data: serde_json::from_str(&data).unwrap_or_default(),
            at,
        });
    }
    Ok(events)
}

pub(crate) async fn count_events(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    kinds: &[EventKind],
    start: i64,
    end: i64,
) -> Result<i64> {
    if kinds.is_empty() {
        return Ok(0);
    }
    let mut query: QueryBuilder<Db> =
        QueryBuilder::new("SELECT COUNT(*) FROM conversation_events WHERE tenant_id = ");
    query.push_bind(tenant_id.to_string());
    push_kinds(&mut query, kinds);
    query
        .push(" AND at >= ")
        .push_bind(start)
        .push(" AND at < ")
        .push_bind(end);
    let (n,): (i64,) = query.build_query_as().fetch_one(pool).await?;
    Ok(n)
}

pub(crate) async fn add_alert(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    alert: &NewAlert,
    now: i64,
) -> Result<bool> {
    let evidence = serde_json::to_string(&alert.evidence)
        .map_err(|e| StoreError::Corrupt(format!("alert evidence: {e}")))?;
    let done = sqlx::query(
        "INSERT INTO alerts (id, tenant_id, kind, subject, label, window_start, observed, \
         expected, evidence, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (tenant_id, kind, subject, window_start) DO NOTHING",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(tenant_id.to_string())
    .bind(alert.kind.as_str())
    .bind(&alert.subject)
    .bind(&alert.label)
    .bind(alert.window_start)
    .bind(alert.observed)
    .bind(alert.expected)
    .bind(evidence)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

type AlertRow = (
    String,
    String,
    String,
    String,
    i64,
    f64,
    f64,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

const ALERT_COLUMNS: &str = "SELECT id, kind, subject, label, window_start, observed, expected, \
     evidence, created_at, acknowledged_by, acknowledged_at FROM alerts ";

fn alert(row: AlertRow) -> Result<Alert> {
    let (id, kind, subject, label, window_start, observed, expected, evidence, created_at, by, at) =
        row;
    Ok(Alert {
        id: uuid(&id)?,
        kind: AlertKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("alert kind {kind}")))?,
        subject,
        label,
        window_start,
        observed,
        expected,
        evidence: serde_json::from_str(&evidence).unwrap_or_default(),
        created_at,
        acknowledged_by: by.as_deref().map(uuid).transpose()?,
        acknowledged_at: at,
    })
}

pub(crate) async fn alerts(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    open_only: bool,
    limit: i64,
) -> Result<Vec<Alert>> {
    let rows: Vec<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ALERT_COLUMNS} WHERE tenant_id = $1 AND (NOT $2 OR acknowledged_at IS NULL) \
         ORDER BY created_at DESC, id DESC LIMIT $3"
    )))
    .bind(tenant_id.to_string())
    .bind(open_only)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(alert).collect()
}

pub(crate) async fn acknowledge_alert(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    by: Uuid,
    now: i64,
) -> Result<Alert> {
    let tenant = tenant_id.to_string();
    sqlx::query(
        "UPDATE alerts SET acknowledged_by = $3, acknowledged_at = $4 \
         WHERE id = $1 AND tenant_id = $2 AND acknowledged_at IS NULL",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(by.to_string())
    .bind(now)
    .execute(pool)
    .await?;
    let row: Option<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ALERT_COLUMNS} WHERE id = $1 AND tenant_id = $2"
    )))
    .bind(id.to_string())
    .bind(&tenant)
    .fetch_optional(pool)
    .await?;
    alert(row.ok_or(StoreError::NotFound("alert"))?)
}

pub(crate) async fn save_health_report(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    kind: ReportKind,
    period: &str,
    body: String,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO health_reports (tenant_id, kind, period, body, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, kind, period) DO UPDATE \
         SET body = excluded.body, created_at = excluded.created_at",
    )
    .bind(tenant_id.to_string())
    .bind(kind.as_str())
    .bind(period)
    .bind(body)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn health_reports(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    kind: ReportKind,
    limit: i64,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT period, created_at FROM health_reports WHERE tenant_id = $1 AND kind = $2 \
         ORDER BY period DESC LIMIT $3",
    )
    .bind(tenant_id.to_string())
    .bind(kind.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn health_report(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    kind: ReportKind,
    period: &str,
) -> Result<Option<HealthReport>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT body FROM health_reports WHERE tenant_id = $1 AND kind = $2 AND period = $3",
    )
    .bind(tenant_id.to_string())
    .bind(kind.as_str())
    .bind(period)
    .fetch_optional(pool)
    .await?;
    row.map(|(body,)| {
        serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("health report {period}: {e}")))
    })
    .transpose()
}

pub(crate) async fn robot_topics(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    start: i64,
    end: i64,
    limit: i64,
) -> Result<Vec<(String, bool, i64, Option<Uuid>)>> {
    let rows: Vec<(String, bool, i64, Option<String>)> = sqlx::query_as(
        "SELECT COALESCE(entry_id, text), entry_id IS NOT NULL, COUNT(*), MIN(conversation_id) \
         FROM robot_log WHERE tenant_id = $1 AND at >= $2 AND at < $3 AND action <> 'greet' \
         GROUP BY COALESCE(entry_id, text), entry_id IS NOT NULL \
         ORDER BY COUNT(*) DESC, COALESCE(entry_id, text) LIMIT $4",
    )
    .bind(tenant_id.to_string())
    .bind(start)
    .bind(end)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(topic, entry, count, conversation)| {
            Ok((
                topic,
                entry,
                count,
                conversation.as_deref().map(uuid).transpose()?,
            ))
        })
        .collect()
}
