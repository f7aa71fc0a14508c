//! The data cockpit (DATA-1, DATA-2): the shop's numbers now, read off the hourly rollups
//! (the same tallies as the scorecards, `kpi.rs`), what is happening this minute, the
//! hour × weekday heatmap with staffing beside it, and the conversations behind each number.

use chrono::{Datelike, Duration, NaiveDate};
use kefu_domain::anomaly::Alert;
use kefu_domain::cockpit::{self, CockpitMetric, Tile};
use kefu_domain::conversation::{ConversationSummary, EventKind};
use kefu_domain::kpi::{self, COMPLAINT_TAG, Tally};
use kefu_domain::time::now_ms;
use kefu_store::{HourFilter, HourRow};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{day_key, zone_of};
use crate::AppState;
use crate::error::ApiError;

/// Tags shown on the cockpit.
const TOP_TAGS: usize = 8;
/// Conversations listed behind a number.
pub const DRILL_LIMIT: usize = 100;
/// Events read to find them: first this many, then more up to `DRILL_SCAN`.
const FIRST_SCAN: i64 = 300;
const DRILL_SCAN: i64 = 5_000;
/// Open alerts shown on the cockpit.
const OPEN_ALERTS: i64 = 20;

/// A tag's count today and at the same time yesterday.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagCount {
    pub tag: String,
    pub today: i64,
    pub yesterday: i64,
}

/// The cockpit as one snapshot (`GET /cockpit`, and each frame of `/cockpit/ws`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cockpit {
    /// The shop's day (`YYYY-MM-DD`) and local hour the comparisons run to.
    pub day: String,
    pub hour: u8,
    /// The time the rollups are as of (the live tiles are of `generated_at`).
    pub as_of: Option<i64>,
    pub generated_at: i64,
    pub tiles: Vec<Tile>,
    pub top_tags: Vec<TagCount>,
    /// Alerts not yet acknowledged (DATA-3).
    pub alerts: Vec<Alert>,
}

/// Sums the shop's hourly cells of `day` up to and including `hour`.
fn through(cells: &[HourRow], day: &str, hour: u8) -> Tally {
    let mut sum = Tally::default();
    cells
        .iter()
        .filter(|c| c.day == day && c.hour <= hour)
        .for_each(|c| sum.add(&c.tally));
    sum
}

/// The cockpit now: today up to this hour against yesterday and the same weekday last week
/// up to the same hour.
pub async fn snapshot(state: &AppState, tenant_id: Uuid) -> Result<Cockpit, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let now = now_ms();
    let today = kpi::local_day(zone, now);
    let hour = kpi::local_hour(zone, now);
    let (yesterday, last_week) = (today - Duration::days(1), today - Duration::days(7));
    let cells = state
        .store
        .kpi_hours(
            tenant_id,
            &day_key(last_week),
            &day_key(today),
            &HourFilter::default(),
        )
        .await?;
    let [t, y, w] = [today, yesterday, last_week].map(|d| through(&cells, &day_key(d), hour));
    let live = state.store.live_counts(tenant_id).await?;
    let tiles = cockpit::tiles(live, &t.metrics(), &y.metrics(), &w.metrics());
    let mut top_tags: Vec<TagCount> = t
        .tags
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(tag, n)| TagCount {
            tag: tag.clone(),
            today: *n,
            yesterday: y.tags.get(tag).copied().unwrap_or(0),
        })
        .collect();
    top_tags.sort_by(|a, b| b.today.cmp(&a.today).then_with(|| a.tag.cmp(&b.tag)));
    top_tags.truncate(TOP_TAGS);
    let as_of = state
        .store
        .kpi_progress(tenant_id)
        .await?
        .map(|(_, seen_at)| seen_at);
    Ok(Cockpit {
        day: day_key(today),
        hour,
        as_of,
        generated_at: now,
        tiles,
        top_tags,
        alerts: state.store.alerts(tenant_id, true, OPEN_ALERTS).await?,
    })
}

/// One cell of the heatmap: a weekday (0 Monday) and local hour over the weeks read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeatCell {
    pub weekday: u8,
    pub hour: u8,
    /// Cycles that began, summed over the weeks.
    pub received: i64,
    /// The same, per week.
    pub per_week: f64,
    pub first_response_avg_s: Option<f64>,
    pub quick_reply_rate: Option<f64>,
    /// Agents online on average in that hour (the shop's or the team's).
    pub agents_online: f64,
    /// Buyers received per agent online (none when nobody was online).
    pub load_per_agent: Option<f64>,
}

/// The hour × weekday heatmap (DATA-2).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Heatmap {
    pub from: String,
    pub to: String,
    pub weeks: u8,
    /// 7 × 24 cells, Monday 00:00 first.
    pub cells: Vec<HeatCell>,
}

/// The last `weeks` whole weeks of days before today, by weekday and hour.
pub async fn heatmap(
    state: &AppState,
    tenant_id: Uuid,
    weeks: u8,
    filter: &HourFilter,
) -> Result<Heatmap, ApiError> {
    let zone = zone_of(state, tenant_id).await;
    let today = kpi::local_day(zone, now_ms());
    let from = today - Duration::days(i64::from(weeks) * 7);
    let to = today - Duration::days(1);
    let cells = state
        .store
        .kpi_hours(tenant_id, &day_key(from), &day_key(to), filter)
        .await?;
    let mut sums = vec![Tally::default(); 7 * 24];
    let index = |day: NaiveDate, hour: u8| {
        day.weekday().num_days_from_monday() as usize * 24 + usize::from(hour)
    };
    for cell in &cells {
        if let Ok(day) = NaiveDate::parse_from_str(&cell.day, "%Y-%m-%d") {
            sums[index(day, cell.hour.min(23))].add(&cell.tally);
        }
    }
    let (start, end) = kpi::day_span(zone, from, to);
    let team = filter.team.clone().unwrap_or_default();
    let mut minutes = vec![0i64; 7 * 24];
    for (hour_start, agent_minutes) in state.store.staffing(tenant_id, start, end, &team).await? {
        let day = kpi::local_day(zone, hour_start);
        minutes[index(day, kpi::local_hour(zone, hour_start))] += agent_minutes;
    }
    let weeks_f = f64::from(weeks.max(1));
    let cells = sums
        .iter()
        .zip(&minutes)
        .enumerate()
        .map(|(i, (tally, minutes))| {
            let metrics = tally.metrics();
            let agents_online = *minutes as f64 / 60.0 / weeks_f;
            let per_week = tally.received as f64 / weeks_f;
            HeatCell {
                weekday: (i / 24) as u8,
                hour: (i % 24) as u8,
                received: tally.received,
                per_week,
                first_response_avg_s: metrics.first_response_avg_s,
                quick_reply_rate: metrics.quick_reply_rate,
                agents_online,
                load_per_agent: (agents_online > 0.0).then(|| per_week / agents_online),
            }
        })
        .collect();
    Ok(Heatmap {
        from: day_key(from),
        to: day_key(to),
        weeks,
        cells,
    })
}

/// What to list behind a number: a metric, or the conversations given a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrillTarget {
    Metric(CockpitMetric),
    Tag(String),
}

/// The conversations behind a cockpit number on `day` (today when `None`): by the event log's
/// index on (tenant, kind, time), at most [`DRILL_LIMIT`], the most telling first.
pub async fn drill(
    state: &AppState,
    tenant_id: Uuid,
    target: &DrillTarget,
    day: Option<NaiveDate>,
) -> Result<Vec<ConversationSummary>, ApiError> {
    use CockpitMetric as M;
    let zone = zone_of(state, tenant_id).await;
    let day = day.unwrap_or_else(|| kpi::local_day(zone, now_ms()));
    let (start, end) = kpi::day_span(zone, day, day);
    let newest =
        |kinds: &'static [EventKind], keep: fn(&serde_json::Value, &str) -> bool, arg: &str| {
            newest(state, tenant_id, kinds, (start, end), keep, arg.to_owned())
        };
    let any = |_: &serde_json::Value, _: &str| true;
    let ids: Vec<Uuid> = match target {
        DrillTarget::Metric(M::Waiting) => {
            state
                .store
                .open_conversation_ids(tenant_id, true, DRILL_LIMIT as i64)
                .await?
        }
        DrillTarget::Metric(M::Serving) => {
            state
                .store
                .open_conversation_ids(tenant_id, false, DRILL_LIMIT as i64)
                .await?
        }
        DrillTarget::Metric(M::AgentsOnline) => Vec::new(),
        DrillTarget::Metric(M::Received) => {
            newest(&[EventKind::Created, EventKind::Reopened], any, "").await?
        }
        DrillTarget::Metric(M::Served) => newest(&[EventKind::FirstReply], any, "").await?,
        DrillTarget::Metric(M::FirstResponse | M::QuickReplyRate) => {
            // The slowest of the latest first replies first.
            let mut replies = state
                .store
                .events_of_kinds(tenant_id, &[EventKind::FirstReply], start, end, FIRST_SCAN)
                .await?;
            replies.sort_by_key(|e| std::cmp::Reverse(e.data["wait_ms"].as_i64().unwrap_or(0)));
            ids_of(replies, |_| true)
        }
        DrillTarget::Metric(M::RobotResolutionRate) => {
            newest(&[EventKind::Resolved], any, "").await?
        }
        DrillTarget::Metric(M::RobotTransferRate) => {
            newest(&[EventKind::RobotHandoff], any, "").await?
        }
        DrillTarget::Metric(M::TransferRate) => newest(&[EventKind::Transferred], any, "").await?,
        DrillTarget::Metric(M::AverageRating) => newest(&[EventKind::Rated], any, "").await?,
        DrillTarget::Metric(M::BadReviewRate) => {
            newest(
                &[EventKind::Rated],
                |d, _| d["bad"].as_bool() == Some(true),
                "",
            )
            .await?
        }
        DrillTarget::Metric(M::Invalid) => newest(&[EventKind::Invalidated], any, "").await?,
        DrillTarget::Metric(M::Complaints) => {
            newest(&[EventKind::Tagged], tag_added, COMPLAINT_TAG).await?
        }
        DrillTarget::Tag(tag) => newest(&[EventKind::Tagged], tag_added, tag).await?,
        DrillTarget::Metric(M::ConversionRate | M::ServiceGmv) => {
            converted(state, tenant_id, zone, day).await?
        }
    };
    let mut conversations = state.store.conversations_by_ids(tenant_id, &ids).await?;
    if matches!(target, DrillTarget::Metric(M::RobotResolutionRate)) {
        conversations.retain(|c| c.assignee_id.is_none());
    }
    // Keep the order the ids were found in (the longest wait, the newest event).
    let rank: std::collections::HashMap<Uuid, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    conversations.sort_by_key(|c| rank.get(&c.id).copied().unwrap_or(usize::MAX));
    Ok(conversations)
}

fn ids_of(
    events: Vec<kefu_store::AnomalyEvent>,
    keep: impl Fn(&serde_json::Value) -> bool,
) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    events
        .into_iter()
        .filter(|e| keep(&e.data))
        .map(|e| e.conversation_id)
        .filter(|id| seen.insert(*id))
        .take(DRILL_LIMIT)
        .collect()
}

/// Whether a `tagged` event's data puts `tag` on.
fn tag_added(data: &serde_json::Value, tag: &str) -> bool {
    data["added"]
        .as_array()
        .is_some_and(|a| a.iter().any(|k| k.as_str() == Some(tag)))
}

/// The conversations of the newest events of `kinds` in `span` that `keep` keeps: read a few
/// hundred at a time, newest first, each read going on below the last (each event read is a
/// row fetched from a log of millions; issue #19's benchmark), until there are enough.
async fn newest(
    state: &AppState,
    tenant_id: Uuid,
    kinds: &'static [EventKind],
    (start, end): (i64, i64),
    keep: fn(&serde_json::Value, &str) -> bool,
    arg: String,
) -> Result<Vec<Uuid>, ApiError> {
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::new();
    let (mut below, mut read, mut limit) = (end, 0, FIRST_SCAN);
    loop {
        let events = state
            .store
            .events_of_kinds(tenant_id, kinds, start, below, limit)
            .await?;
        let exhausted = (events.len() as i64) < limit;
        read += events.len() as i64;
        // The next read starts at the oldest instant read, which it reads again whole: the
        // events of one millisecond may have been cut.
        let oldest = events.last().map(|e| e.at);
        for event in events {
            if keep(&event.data, &arg) && seen.insert(event.conversation_id) {
                ids.push(event.conversation_id);
            }
        }
        match oldest {
            Some(at) if !exhausted && ids.len() < DRILL_LIMIT && read < DRILL_SCAN => {
                below = at + 1;
                limit = (limit * 2).min(DRILL_SCAN - read).max(1);
            }
            _ => {
                ids.truncate(DRILL_LIMIT);
                return Ok(ids);
            }
        }
    }
}

/// The conversations served on `day` that converted: the day's logs walked by the one
/// definition (`kpi::contributions`).
async fn converted(
    state: &AppState,
    tenant_id: Uuid,
    zone: chrono_tz::Tz,
    day: NaiveDate,
) -> Result<Vec<Uuid>, ApiError> {
    let (start, end) = kpi::day_span(zone, day, day);
    let logs = state.store.kpi_day_logs(tenant_id, start, end).await?;
    Ok(logs
        .into_iter()
        .filter(|l| {
            kpi::contributions(&l.log, zone, None)
                .iter()
                .any(|c| c.day == day && c.tally.converted_fen > 0)
        })
        .map(|l| l.conversation_id)
        .take(DRILL_LIMIT)
        .collect())
}
