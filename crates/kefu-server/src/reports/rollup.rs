//! The daily rollups (issue #18): each shop day's per-agent tallies, recomputed whole from the
//! event log whenever an event or an order touches the day, so they never drift from a full
//! recomputation (the API tests compare them).
//!
//! The jobs' leader catches every shop up every half minute (what was written since the last
//! catch-up), and a supervisor may ask for it now (`POST /kpi/refresh`); reports only read, so
//! they never wait for a recomputation and say how fresh they are. A day is recomputed from
//! every conversation with an event in it: their whole logs and their buyers' orders placed
//! up to a day after.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use chrono_tz::Tz;
use kefu_domain::kpi::{self, AgentDay, Contribution};
use kefu_domain::time::now_ms;
use kefu_store::{DroppedRow, HourRow, KpiRow};
use uuid::Uuid;

use super::{Range, day_key, zone_of};
use crate::AppState;
use crate::error::ApiError;

/// Events may commit out of id order across processes (PostgreSQL): each catch-up looks this
/// many ids back, so a late commit still marks its day.
const LOOK_BACK_IDS: i64 = 10_000;
/// An order changed this long ago may still be mid-commit.
const LOOK_BACK_ORDERS_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// Brings the shop's rollups up to the log: recomputes every day touched since the last
/// catch-up. Returns the days recomputed and the time the rollups are now as of.
pub async fn catch_up(state: &AppState, tenant_id: Uuid) -> Result<(usize, i64), ApiError> {
    let _one_at_a_time = state.rollups.lock().await;
    let now = now_ms();
    let (last_event_id, orders_seen_at) =
        state.store.kpi_progress(tenant_id).await?.unwrap_or((0, 0));
    let changes = state
        .store
        .kpi_changes(
            tenant_id,
            (last_event_id - LOOK_BACK_IDS).max(0),
            orders_seen_at - LOOK_BACK_ORDERS_MS,
        )
        .await?;
    let mut days = BTreeSet::new();
    // The look-back spans count only when something is new.
    if changes.last_event_id > last_event_id || changes.orders_span.is_some() {
        let zone = zone_of(state, tenant_id).await;
        if let Some((first, last)) = changes.events_span {
            days.extend(days_between(zone, first, last));
        }
        if let Some((first, last)) = changes.orders_span {
            // An order credits a service up to a day before it.
            days.extend(days_between(zone, first - DAY_MS, last));
        }
        let progress = (changes.last_event_id.max(last_event_id), now);
        let count = recompute(
            state,
            tenant_id,
            zone,
            days.into_iter().collect(),
            Some(progress),
        )
        .await?;
        return Ok((count, now));
    }
    // Nothing new: the rollups are as of now.
    state
        .store
        .replace_kpi_days(
            tenant_id,
            &[],
            &[],
            &[],
            &[],
            Some((last_event_id, now)),
            now,
        )
        .await?;
    Ok((0, now))
}

/// Recomputes the days of `range` from the log, whatever was built before.
pub async fn rebuild(state: &AppState, tenant_id: Uuid, range: Range) -> Result<usize, ApiError> {
    let _one_at_a_time = state.rollups.lock().await;
    let zone = zone_of(state, tenant_id).await;
    recompute(state, tenant_id, zone, range.days().collect(), None).await
}

fn days_between(zone: Tz, first: i64, last: i64) -> impl Iterator<Item = NaiveDate> {
    let last = kpi::local_day(zone, last);
    kpi::local_day(zone, first)
        .iter_days()
        .take_while(move |d| *d <= last)
}

async fn recompute(
    state: &AppState,
    tenant_id: Uuid,
    zone: Tz,
    days: Vec<NaiveDate>,
    progress: Option<(i64, i64)>,
) -> Result<usize, ApiError> {
    let count = days.len();
    if count == 0 {
        if let Some(progress) = progress {
            let now = now_ms();
            state
                .store
                .replace_kpi_days(tenant_id, &[], &[], &[], &[], Some(progress), now)
                .await?;
        }
        return Ok(0);
    }
    let teams = state.store.teams(tenant_id).await?;
    let schedule = crate::desk::dispatch::office_schedule(state, tenant_id).await;
    // Days are written a week at a time, the progress with the last batch.
    let batches: Vec<&[NaiveDate]> = days.chunks(7).collect();
    for (i, batch) in batches.iter().enumerate() {
        let mut rows = Vec::new();
        let mut cells = Vec::new();
        let mut dropped = Vec::new();
        for day in *batch {
            let (start, end) = kpi::day_span(zone, *day, *day);
            let logs = state.store.kpi_day_logs(tenant_id, start, end).await?;
            // A wait on the day may have begun the day before.
            let mut breaks = kpi::Breaks::new();
            for (agent, from, to) in state
                .store
                .agent_breaks(tenant_id, start - DAY_MS, end)
                .await?
            {
                breaks.entry(agent).or_default().push((from, to));
            }
            let office = kpi::OfficeTime {
                schedule: schedule.as_ref(),
                breaks: &breaks,
            };
            // The day's parts, and the same parts grouped by the conversation's team and
            // channel for the hourly cells (DATA-2).
            let mut parts = Vec::new();
            let mut by_slice: BTreeMap<(Option<&str>, &str), Vec<Contribution>> = BTreeMap::new();
            for day_log in &logs {
                let office_time = day_log
                    .team
                    .as_deref()
                    .is_some_and(|key| teams.iter().any(|t| t.key == key && t.office_hours_only));
                let mine: Vec<Contribution> =
                    kpi::contributions(&day_log.log, zone, office_time.then_some(office))
                        .into_iter()
                        .filter(|c| c.day == *day)
                        .collect();
                // Who left after an agent's reply (DATA-4): served this day with a product
                // or an order, and no order within 24 hours.
                let mut served = kpi::Funnel::default();
                for c in mine.iter().filter(|c| c.agent.is_some()) {
                    served.add(&c.tally.funnel);
                }
                if served.served > 0 && served.ordered == 0 {
                    dropped.push(DroppedRow {
                        day: day_key(*day),
                        conversation_id: day_log.conversation_id,
                        at: day_log
                            .log
                            .events
                            .iter()
                            .map(|e| e.at)
                            .filter(|at| (start..end).contains(at))
                            .max()
                            .unwrap_or(start),
                    });
                }
                by_slice
                    .entry((day_log.team.as_deref(), day_log.channel.as_str()))
                    .or_default()
                    .extend(mine.iter().cloned());
                parts.extend(mine);
            }
            rows.extend(kpi::roll_up(parts).into_iter().map(row));
            for ((team, channel), slice) in by_slice {
                // Products are counted per day only: an hour's cells stay small.
                cells.extend(
                    kpi::roll_up_hours(slice)
                        .into_iter()
                        .map(|mut c| {
                            c.tally.product_funnel.clear();
                            c
                        })
                        .map(|c| HourRow {
                            day: day_key(c.day),
                            hour: c.hour,
                            team: team.map(str::to_owned),
                            channel: channel.to_owned(),
                            entry: c.entry.map(|e| e.as_str().to_owned()),
                            tally: c.tally,
                        }),
                );
            }
        }
        let keys: Vec<String> = batch.iter().map(|d| day_key(*d)).collect();
        let last = i + 1 == batches.len();
        state
            .store
            .replace_kpi_days(
                tenant_id,
                &keys,
                &rows,
                &cells,
                &dropped,
                progress.filter(|_| last),
                now_ms(),
            )
            .await?;
    }
    metrics::counter!("kefu_kpi_days_recomputed_total").increment(count as u64);
    Ok(count)
}

fn row(c: AgentDay) -> KpiRow {
    KpiRow {
        day: day_key(c.day),
        agent_id: c.agent,
        tally: c.tally,
    }
}

/// The jobs' minute: every shop caught up.
pub async fn catch_up_all(state: &AppState) {
    let Ok(tenants) = state.store.tenants().await else {
        return;
    };
    for tenant in tenants {
        if let Err(error) = catch_up(state, tenant.id).await {
            tracing::warn!(tenant = %tenant.id, %error, "could not roll the team's numbers up");
        }
    }
}
