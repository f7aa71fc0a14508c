//! The SQL of the team's numbers (KPI-1 … KPI-4): the event log per day, the daily rollups
//! and the kept rankings.

use std::collections::HashMap;

use kefu_domain::conversation::EventKind;
use kefu_domain::kpi::{ConversationLog, Grade, LoggedEvent, PlacedOrder, Tally};
use kefu_domain::message::SenderKind;
use sqlx::{Pool, QueryBuilder};
use uuid::Uuid;

use super::{BEGIN_WRITE, Db};
use crate::kpi::{DayLog, DroppedRow, HourFilter, HourRow, KpiChanges, KpiRow, RankingRow};
use crate::rows::uuid;
use crate::{ROWS_PER_STATEMENT, Result, StoreError};

const DAY_MS: i64 = 86_400_000;

pub(crate) async fn kpi_progress(pool: &Pool<Db>, tenant_id: Uuid) -> Result<Option<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT last_event_id, orders_seen_at FROM kpi_progress WHERE tenant_id = $1",
    )
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn kpi_changes(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    after_event_id: i64,
    orders_since: i64,
) -> Result<KpiChanges> {
    let tenant = tenant_id.to_string();
    let (last, min_at, max_at): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        // By id: the tenant's index would read its whole log (`|| ''` keeps it out).
        "SELECT MAX(id), MIN(at), MAX(at) FROM conversation_events \
         WHERE id > $2 AND tenant_id || '' = $1",
    )
    .bind(&tenant)
    .bind(after_event_id)
    .fetch_one(pool)
    .await?;
    let (order_min, order_max): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MIN(placed_at), MAX(placed_at) FROM orders WHERE tenant_id = $1 AND updated_at > $2",
    )
    .bind(&tenant)
    .bind(orders_since)
    .fetch_one(pool)
    .await?;
    Ok(KpiChanges {
        last_event_id: last.unwrap_or(after_event_id),
        events_span: min_at.zip(max_at),
        orders_span: order_min.zip(order_max),
    })
}

type EventRow = (String, String, String, Option<String>, String, i64);

pub(crate) async fn kpi_day_logs(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    start: i64,
    end: i64,
) -> Result<Vec<DayLog>> {
    let tenant = tenant_id.to_string();
    // The day's conversations drive both reads (their ids from the tenant's (tenant, time)
    // index, then each one's rows by its own index): a planner left to choose scans the
    // tenant's whole log for every day (issue #19's benchmark).
    let in_day = "(SELECT DISTINCT conversation_id FROM conversation_events \
         WHERE tenant_id = $1 AND at >= $2 AND at < $3) d";
    let conversations: Vec<(String, Option<String>, String, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT c.id, c.team, c.channel, b.external_id FROM {in_day} \
             CROSS JOIN conversations c JOIN buyers b ON b.id = c.buyer_id \
             WHERE c.id = d.conversation_id AND c.tenant_id = $1 ORDER BY c.id"
        )))
        .bind(&tenant)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?;
    // Only the tenant's conversations are in `d`: its events are the tenant's.
    let events: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT e.conversation_id, e.kind, e.actor_kind, e.actor_id, e.data, e.at FROM {in_day} \
         CROSS JOIN conversation_events e WHERE e.conversation_id = d.conversation_id \
         ORDER BY e.conversation_id, e.id"
    )))
    .bind(&tenant)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let orders: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT buyer_id, placed_at, paid_fen FROM orders \
         WHERE tenant_id = $1 AND placed_at >= $2 AND placed_at < $3 \
         ORDER BY placed_at",
    )
    .bind(&tenant)
    .bind(start)
    .bind(end + DAY_MS)
    .fetch_all(pool)
    .await?;
    let mut by_member: HashMap<String, Vec<PlacedOrder>> = HashMap::new();
    for (member, placed_at, paid_fen) in orders {
        by_member.entry(member).or_default().push(PlacedOrder {
            placed_at,
            paid_fen,
        });
    }
    let mut by_conversation: HashMap<String, Vec<LoggedEvent>> = HashMap::new();
    for (conversation, kind, actor_kind, actor_id, data, at) in events {
        // Kinds a newer kefu wrote are skipped, not fatal: the metrics read the ones they know.
        let (Some(kind), Some(actor_kind)) =
            (EventKind::parse(&kind), SenderKind::parse(&actor_kind))
        else {
            continue;
        };
        by_conversation
            .entry(conversation)
            .or_default()
            .push(LoggedEvent {
                kind,
                actor_kind,
                actor_id: actor_id.as_deref().map(uuid).transpose()?,
                data: serde_json::from_str(&data).unwrap_or_default(),
                at,
            });
    }
    conversations
        .into_iter()
        .map(|(id, team, channel, external_id)| {
            let orders = external_id
                .strip_prefix("member:")
                .and_then(|m| by_member.get(m).cloned())
                .unwrap_or_default();
            Ok(DayLog {
                conversation_id: uuid(&id)?,
                team,
                channel,
                log: ConversationLog {
                    events: by_conversation.remove(&id).unwrap_or_default(),
                    orders,
                },
            })
        })
        .collect()
}

pub(crate) async fn agent_breaks(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    start: i64,
    end: i64,
) -> Result<Vec<(Uuid, i64, i64)>> {
    let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT user_id, started_at, ended_at FROM agent_breaks WHERE tenant_id = $1 \
         AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2) ORDER BY started_at",
    )
    .bind(tenant_id.to_string())
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(user, from, to)| Ok((uuid(&user)?, from, to.unwrap_or(i64::MAX))))
        .collect()
}

pub(crate) async fn replace_kpi_days(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    days: &[String],
    rows: &[KpiRow],
    cells: &[HourRow],
    dropped: &[DroppedRow],
    progress: Option<(i64, i64)>,
    now: i64,
) -> Result<()> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    for day in days {
        for table in ["kpi_daily", "kpi_hourly", "funnel_dropped"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE tenant_id = $1 AND day = $2"
            )))
            .bind(&tenant)
            .bind(day)
            .execute(&mut *tx)
            .await?;
        }
    }
    for chunk in cells.chunks(ROWS_PER_STATEMENT) {
        let mut insert: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO kpi_hourly (tenant_id, day, hour, team, channel, entry, tally) ",
        );
        let bodies = chunk
            .iter()
            .map(|cell| tally_json(&cell.tally))
            .collect::<Result<Vec<_>>>()?;
        insert.push_values(chunk.iter().zip(bodies), |mut b, (cell, body)| {
            b.push_bind(&tenant)
                .push_bind(&cell.day)
                .push_bind(i64::from(cell.hour))
                .push_bind(cell.team.clone().unwrap_or_default())
                .push_bind(&cell.channel)
                .push_bind(cell.entry.clone().unwrap_or_default())
                .push_bind(body);
        });
        insert.push(
            " ON CONFLICT (tenant_id, day, hour, team, channel, entry) DO UPDATE \
             SET tally = excluded.tally",
        );
        insert.build().execute(&mut *tx).await?;
    }
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut insert: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO kpi_daily (tenant_id, day, agent_id, tally, built_at) ");
        let bodies = chunk
            .iter()
            .map(|row| tally_json(&row.tally))
            .collect::<Result<Vec<_>>>()?;
        insert.push_values(chunk.iter().zip(bodies), |mut b, (row, body)| {
            b.push_bind(&tenant)
                .push_bind(&row.day)
                .push_bind(row.agent_id.map(|a| a.to_string()).unwrap_or_default())
                .push_bind(body)
                .push_bind(now);
        });
        // Two processes rolling the same day up write the same rows.
        insert.push(
            " ON CONFLICT (tenant_id, day, agent_id) DO UPDATE SET tally = excluded.tally, \
             built_at = excluded.built_at",
        );
        insert.build().execute(&mut *tx).await?;
    }
    for chunk in dropped.chunks(ROWS_PER_STATEMENT) {
        let mut insert: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO funnel_dropped (tenant_id, day, conversation_id, at) ");
        insert.push_values(chunk, |mut b, row| {
            b.push_bind(&tenant)
                .push_bind(&row.day)
                .push_bind(row.conversation_id.to_string())
                .push_bind(row.at);
        });
        insert
            .push(" ON CONFLICT (tenant_id, day, conversation_id) DO UPDATE SET at = excluded.at");
        insert.build().execute(&mut *tx).await?;
    }
    if let Some((last_event_id, orders_seen_at)) = progress {
        sqlx::query(
            "INSERT INTO kpi_progress (tenant_id, last_event_id, orders_seen_at, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE SET \
             last_event_id = excluded.last_event_id, orders_seen_at = excluded.orders_seen_at, \
             updated_at = excluded.updated_at",
        )
        .bind(&tenant)
        .bind(last_event_id)
        .bind(orders_seen_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn tally_json(tally: &Tally) -> Result<String> {
    serde_json::to_string(tally).map_err(|e| StoreError::Corrupt(format!("kpi tally: {e}")))
}

pub(crate) async fn kpi_hours(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    from: &str,
    to: &str,
    filter: &HourFilter,
) -> Result<Vec<HourRow>> {
    let rows: Vec<(String, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT day, hour, team, channel, entry, tally FROM kpi_hourly \
         WHERE tenant_id = $1 AND day >= $2 AND day <= $3 \
         AND ($4 = '*' OR team = $4) AND ($5 = '*' OR channel = $5) \
         AND ($6 = '*' OR entry = $6) ORDER BY day, hour",
    )
    .bind(tenant_id.to_string())
    .bind(from)
    .bind(to)
    .bind(filter.team.as_deref().unwrap_or("*"))
    .bind(filter.channel.as_deref().unwrap_or("*"))
    .bind(filter.entry.as_deref().unwrap_or("*"))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(day, hour, team, channel, entry, tally)| {
            Ok(HourRow {
                tally: serde_json::from_str::<Tally>(&tally)
                    .map_err(|e| StoreError::Corrupt(format!("kpi hour of {day}: {e}")))?,
                day,
                hour: u8::try_from(hour).unwrap_or_default(),
                team: (!team.is_empty()).then_some(team),
                channel,
                entry: (!entry.is_empty()).then_some(entry),
            })
        })
        .collect()
}

pub(crate) async fn kpi_rows(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    from: &str,
    to: &str,
) -> Result<Vec<KpiRow>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT day, agent_id, tally FROM kpi_daily \
         WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, agent_id",
    )
    .bind(tenant_id.to_string())
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(day, agent, tally)| {
            Ok(KpiRow {
                tally: serde_json::from_str::<Tally>(&tally)
                    .map_err(|e| StoreError::Corrupt(format!("kpi tally of {day}: {e}")))?,
                day,
                agent_id: (!agent.is_empty()).then(|| uuid(&agent)).transpose()?,
            })
        })
        .collect()
}

pub(crate) async fn kpi_ranking(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    month: &str,
) -> Result<Vec<RankingRow>> {
    let rows: Vec<(String, String, f64, String, i64, bool)> = sqlx::query_as(
        "SELECT agent_id, team_key, score, grade, rank, top_decile FROM kpi_rankings \
         WHERE tenant_id = $1 AND month = $2 ORDER BY team_key, rank, agent_id",
    )
    .bind(tenant_id.to_string())
    .bind(month)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(agent, team, score, grade, rank, top_decile)| {
            Ok(RankingRow {
                agent_id: uuid(&agent)?,
                team,
                score,
                grade: Grade::parse(&grade),
                rank: u32::try_from(rank).unwrap_or(u32::MAX),
                top_decile,
            })
        })
        .collect()
}

pub(crate) async fn keep_kpi_ranking(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    month: &str,
    rows: &[RankingRow],
    now: i64,
) -> Result<()> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut insert: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO kpi_rankings \
             (tenant_id, month, agent_id, team_key, score, grade, rank, top_decile, created_at) ",
        );
        insert.push_values(chunk, |mut b, row| {
            b.push_bind(&tenant)
                .push_bind(month)
                .push_bind(row.agent_id.to_string())
                .push_bind(&row.team)
                .push_bind(row.score)
                .push_bind(row.grade.map_or("", Grade::as_str))
                .push_bind(i64::from(row.rank))
                .push_bind(row.top_decile)
                .push_bind(now);
        });
        insert.push(" ON CONFLICT (tenant_id, month, agent_id) DO NOTHING");
        insert.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn funnel_dropped(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    day: &str,
    limit: i64,
) -> Result<Vec<Uuid>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT conversation_id FROM funnel_dropped WHERE tenant_id = $1 AND day = $2 \
         ORDER BY at DESC, conversation_id LIMIT $3",
    )
    .bind(tenant_id.to_string())
    .bind(day)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|(id,)| uuid(&id)).collect()
}
