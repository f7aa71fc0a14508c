//! The service-health reports (DATA-2, DATA-6): each morning at the shop's 08:00 the day
//! before, on the first the month before; read off the hourly and daily rollups, the robot's
//! log and the tags, put together by `kefu_domain::health`, kept, and announced to those who
//! read reports.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use kefu_domain::frames::{NoticeKind, ServerFrame, SupervisorNotice};
use kefu_domain::health::{
    self, AgentLine, HealthReport, Inputs, ProductLine, QuestionLine, ReportKind,
};
use kefu_domain::kpi::{self, COMPLAINT_TAG, Grade, Tally};
use kefu_domain::time::now_ms;
use kefu_store::HourFilter;
use uuid::Uuid;

use super::scorecards::{self, Scope};
use super::{Range, day_key, zone_of};
use crate::AppState;
use crate::bus::Audience;
use crate::error::ApiError;

/// The shop's local hour the daily report is made at.
pub const REPORT_HOUR: u8 = 8;
const TOP: usize = 10;
/// Hours with fewer conversations say nothing about how they were answered.
const MIN_HOUR_RECEIVED: i64 = 3;
/// Months of outcome measures a monthly report tracks.
const OUTCOME_MONTHS: u32 = 6;

/// The shop's tally over days `from..=to`, and per local hour.
async fn hours_of(
    state: &AppState,
    tenant_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Tally, [Tally; 24]), ApiError> {
    let cells = state
        .store
        .kpi_hours(
            tenant_id,
            &day_key(from),
            &day_key(to),
            &HourFilter::default(),
        )
        .await?;
    let mut total = Tally::default();
    let mut hours: [Tally; 24] = std::array::from_fn(|_| Tally::default());
    for cell in &cells {
        total.add(&cell.tally);
        hours[usize::from(cell.hour.min(23))].add(&cell.tally);
    }
    Ok((total, hours))
}

/// The daily report of `day`.
pub async fn daily(
    state: &AppState,
    tenant_id: Uuid,
    day: NaiveDate,
) -> Result<HealthReport, ApiError> {
    let (period, hours) = hours_of(state, tenant_id, day, day).await?;
    let before = day - Duration::days(1);
    let (previous, _) = hours_of(state, tenant_id, before, before).await?;
    let week = day - Duration::days(7);
    let (last_week, _) = hours_of(state, tenant_id, week, week).await?;
    let inputs = Inputs {
        period: &period,
        previous: &previous,
        last_week: Some(&last_week),
        hours: &hours,
    };
    assemble(
        state,
        tenant_id,
        ReportKind::Daily,
        day_key(day),
        Range { from: day, to: day },
        &inputs,
        Vec::new(),
    )
    .await
}

/// The monthly report of the month starting `first`.
pub async fn monthly(
    state: &AppState,
    tenant_id: Uuid,
    first: NaiveDate,
) -> Result<HealthReport, ApiError> {
    let last = month_end(first);
    let (period, hours) = hours_of(state, tenant_id, first, last).await?;
    let before = first - Duration::days(1);
    let (previous, _) = hours_of(
        state,
        tenant_id,
        before.with_day(1).unwrap_or(before),
        before,
    )
    .await?;
    let inputs = Inputs {
        period: &period,
        previous: &previous,
        last_week: None,
        hours: &hours,
    };
    let outcomes = outcomes(state, tenant_id, first).await?;
    let mut report = assemble(
        state,
        tenant_id,
        ReportKind::Monthly,
        first.format("%Y-%m").to_string(),
        Range {
            from: first,
            to: last,
        },
        &inputs,
        outcomes,
    )
    .await?;
    report.growing_topics = health::growing_topics(&period, &previous, TOP);
    Ok(report)
}

fn month_end(first: NaiveDate) -> NaiveDate {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).unwrap_or(first)
}

/// The outcome measures of the months up to the one starting `first`, oldest first.
async fn outcomes(
    state: &AppState,
    tenant_id: Uuid,
    first: NaiveDate,
) -> Result<Vec<health::OutcomePoint>, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let mut months = vec![first];
    while months.len() < OUTCOME_MONTHS as usize {
        let earliest = months[months.len() - 1];
        let before = earliest - Duration::days(1);
        months.push(before.with_day(1).unwrap_or(before));
    }
    months.reverse();
    let from = months[0];
    let rows = state
        .store
        .kpi_rows(tenant_id, &day_key(from), &day_key(month_end(first)))
        .await?;
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for row in rows {
        tallies
            .entry(row.day[..7].to_owned())
            .or_default()
            .add(&row.tally);
    }
    let (start, end) = kpi::day_span(zone, from, month_end(first));
    let mut minutes: HashMap<String, i64> = HashMap::new();
    for (hour, agent_minutes) in state.store.staffing(tenant_id, start, end, "").await? {
        let month = kpi::local_day(zone, hour).format("%Y-%m").to_string();
        *minutes.entry(month).or_default() += agent_minutes;
    }
    Ok(months
        .iter()
        .map(|m| {
            let key = m.format("%Y-%m").to_string();
            let tally = tallies.get(&key).cloned().unwrap_or_default();
            health::outcome(&key, &tally, minutes.get(&key).copied().unwrap_or(0))
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn assemble(
    state: &AppState,
    tenant_id: Uuid,
    kind: ReportKind,
    period: String,
    range: Range,
    inputs: &Inputs<'_>,
    outcomes: Vec<health::OutcomePoint>,
) -> Result<HealthReport, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let (start, end) = kpi::day_span(zone, range.from, range.to);
    let metrics = health::metric_changes(inputs);
    Ok(HealthReport {
        kind,
        period,
        generated_at: now_ms(),
        biggest_changes: health::biggest_changes(&metrics, 3),
        metrics,
        worst_hours: health::worst_hours(inputs.hours, MIN_HOUR_RECEIVED, 3),
        top_questions: top_questions(state, tenant_id, start, end).await?,
        complaint_products: complaint_products(state, tenant_id, start, end).await?,
        agents_below: agents_below(state, tenant_id, range).await?,
        growing_topics: Vec::new(),
        outcomes,
    })
}

/// What buyers asked the robot most, by the entry it matched (its question) or their words.
async fn top_questions(
    state: &AppState,
    tenant_id: Uuid,
    start: i64,
    end: i64,
) -> Result<Vec<QuestionLine>, ApiError> {
    let topics = state
        .store
        .robot_topics(tenant_id, start, end, TOP as i64)
        .await?;
    let questions: HashMap<String, String> = if topics.iter().any(|(_, entry, ..)| *entry) {
        state
            .store
            .kb_entries(tenant_id)
            .await?
            .into_iter()
            .filter_map(|row| Some((row.id, row.body["question"].as_str()?.to_owned())))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(topics
        .into_iter()
        .map(|(topic, entry, count, conversation)| QuestionLine {
            topic: if entry {
                questions.get(&topic).cloned().unwrap_or(topic)
            } else {
                topic
            },
            count,
            example_conversation: conversation,
        })
        .collect())
}

/// The products of the conversations tagged as complaints, most complained about first.
async fn complaint_products(
    state: &AppState,
    tenant_id: Uuid,
    start: i64,
    end: i64,
) -> Result<Vec<ProductLine>, ApiError> {
    let tagged = state
        .store
        .events_of_kinds(
            tenant_id,
            &[kefu_domain::conversation::EventKind::Tagged],
            start,
            end,
            5_000,
        )
        .await?;
    let mut ids: Vec<Uuid> = tagged
        .iter()
        .filter(|e| {
            e.data["added"]
                .as_array()
                .is_some_and(|a| a.iter().any(|k| k.as_str() == Some(COMPLAINT_TAG)))
        })
        .map(|e| e.conversation_id)
        .collect();
    ids.sort();
    ids.dedup();
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for chunk in ids.chunks(400) {
        for c in state.store.conversations_by_ids(tenant_id, chunk).await? {
            if let Some(code) = c.context.product_code {
                *counts.entry(code).or_default() += 1;
            }
        }
    }
    let mut lines = Vec::new();
    for (code, complaints) in counts {
        let title = state
            .store
            .product(tenant_id, &code)
            .await?
            .map_or_else(|| code.clone(), |p| p.title);
        lines.push(ProductLine {
            code,
            title,
            complaints,
        });
    }
    lines.sort_by(|a, b| {
        b.complaints
            .cmp(&a.complaints)
            .then_with(|| a.code.cmp(&b.code))
    });
    lines.truncate(TOP);
    Ok(lines)
}

/// Agents who served in the range and scored below the line, lowest first.
async fn agents_below(
    state: &AppState,
    tenant_id: Uuid,
    range: Range,
) -> Result<Vec<AgentLine>, ApiError> {
    let report = scorecards::report(state, tenant_id, range, Scope::Everyone).await?;
    let mut below: Vec<AgentLine> = report
        .agents
        .into_iter()
        .filter(|a| a.metrics.served > 0 && a.scorecard.grade == Some(Grade::Below))
        .map(|a| AgentLine {
            agent_id: a.agent_id,
            name: a.name,
            score: a.scorecard.score,
            grade: a.scorecard.grade,
            served: a.metrics.served,
            first_response_avg_s: a.metrics.first_response_avg_s,
            quick_reply_rate: a.metrics.quick_reply_rate,
            bad_review_rate: a.metrics.bad_review_rate,
        })
        .collect();
    below.sort_by(|a, b| a.score.total_cmp(&b.score));
    Ok(below)
}

/// Makes, keeps and announces the report of `kind` for `period_start`.
pub async fn make(
    state: &AppState,
    tenant_id: Uuid,
    kind: ReportKind,
    period_start: NaiveDate,
) -> Result<HealthReport, ApiError> {
    super::rollup::catch_up(state, tenant_id).await?;
    let report = match kind {
        ReportKind::Daily => daily(state, tenant_id, period_start).await?,
        ReportKind::Monthly => monthly(state, tenant_id, period_start).await?,
    };
    state.store.save_health_report(tenant_id, &report).await?;
    let title = match kind {
        ReportKind::Daily => format!("客服健康度日报 {}", report.period),
        ReportKind::Monthly => format!("客服健康度月报 {}", report.period),
    };
    let notice = SupervisorNotice {
        kind: NoticeKind::Report,
        title,
        link: format!(
            "/agent/reports?kind={}&period={}",
            kind.as_str(),
            report.period
        ),
        at: report.generated_at,
        to: None,
    };
    state
        .bus
        .publish(tenant_id, Audience::Agents, ServerFrame::Notice { notice })
        .await;
    Ok(report)
}

/// The jobs' hour: each shop past its 08:00 gets yesterday's report, and on a new month last
/// month's, once.
pub async fn make_due(state: &AppState) {
    let Ok(tenants) = state.store.tenants().await else {
        return;
    };
    for tenant in tenants {
        if let Err(error) = make_due_for(state, tenant.id).await {
            tracing::warn!(tenant = %tenant.id, %error, "could not make the health report");
        }
    }
}

async fn make_due_for(state: &AppState, tenant_id: Uuid) -> Result<(), ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let now = now_ms();
    if kpi::local_hour(zone, now) < REPORT_HOUR {
        return Ok(());
    }
    let yesterday = kpi::local_day(zone, now) - Duration::days(1);
    if state
        .store
        .health_report(tenant_id, ReportKind::Daily, &day_key(yesterday))
        .await?
        .is_none()
    {
        make(state, tenant_id, ReportKind::Daily, yesterday).await?;
    }
    let last_month = yesterday.with_day(1).unwrap_or(yesterday);
    if kpi::local_day(zone, now).day() == 1
        && state
            .store
            .health_report(
                tenant_id,
                ReportKind::Monthly,
                &last_month.format("%Y-%m").to_string(),
            )
            .await?
            .is_none()
    {
        make(state, tenant_id, ReportKind::Monthly, last_month).await?;
    }
    Ok(())
}
