//! The team's numbers (issue #18, KPI-1 … KPI-4; SQL: `sql/kpi.rs`): the event log read per
//! day for the rollups, the daily rollups themselves, and the monthly rankings kept.

use kefu_domain::kpi::{ConversationLog, Grade, Tally};
use uuid::Uuid;

use crate::{Result, Store};

/// What changed since the rollups last read: the newest event id and the times its new
/// events span, and the placing times of orders changed since `orders_since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiChanges {
    pub last_event_id: i64,
    pub events_span: Option<(i64, i64)>,
    pub orders_span: Option<(i64, i64)>,
}

/// A conversation with an event in a day, its whole log and its buyer's orders around it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayLog {
    pub conversation_id: Uuid,
    /// Its team now (whose office-time rule its waits follow).
    pub team: Option<String>,
    pub channel: String,
    pub log: ConversationLog,
}

/// A conversation whose buyer left after an agent's reply (DATA-4), kept with its day's
/// rollups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedRow {
    pub day: String,
    pub conversation_id: Uuid,
    /// Its last event on the day.
    pub at: i64,
}

/// One rollup row: a shop day (`YYYY-MM-DD`), the agent (`None`: the shop's part) and what
/// they did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiRow {
    pub day: String,
    pub agent_id: Option<Uuid>,
    pub tally: Tally,
}

/// One hourly rollup cell (DATA-2): what the shop did in a local hour of a day for the
/// conversations of one team, channel and entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourRow {
    pub day: String,
    pub hour: u8,
    pub team: Option<String>,
    pub channel: String,
    pub entry: Option<String>,
    pub tally: Tally,
}

/// Which hourly cells to read: `None` is any; `Some("")` those without a team or entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HourFilter {
    pub team: Option<String>,
    pub channel: Option<String>,
    pub entry: Option<String>,
}

/// A kept monthly ranking row (KPI-4).
#[derive(Debug, Clone, PartialEq)]
pub struct RankingRow {
    pub agent_id: Uuid,
    pub team: String,
    pub score: f64,
    pub grade: Option<Grade>,
    pub rank: u32,
    pub top_decile: bool,
}

impl Store {
    /// How far the rollups have read: (last event id, orders seen up to); `None` before the
    /// first build.
    pub async fn kpi_progress(&self, tenant_id: Uuid) -> Result<Option<(i64, i64)>> {
        dispatch!(self, kpi::kpi_progress(tenant_id))
    }

    /// What changed after event `after_event_id` and since `orders_since`.
    pub async fn kpi_changes(
        &self,
        tenant_id: Uuid,
        after_event_id: i64,
        orders_since: i64,
    ) -> Result<KpiChanges> {
        dispatch!(
            self,
            kpi::kpi_changes(tenant_id, after_event_id, orders_since)
        )
    }

    /// Every conversation with an event in `[start, end)`: its whole log, and its buyer's
    /// orders placed (paid or not: `paid_fen` 0) in `[start, end + 1 day)`.
    pub async fn kpi_day_logs(&self, tenant_id: Uuid, start: i64, end: i64) -> Result<Vec<DayLog>> {
        dispatch!(self, kpi::kpi_day_logs(tenant_id, start, end))
    }

    /// Replaces the daily rows and hourly cells of each of `days` with the new ones and, when
    /// given, moves the progress on, in one transaction.
    pub async fn replace_kpi_days(
        &self,
        tenant_id: Uuid,
        days: &[String],
        rows: &[KpiRow],
        cells: &[HourRow],
        dropped: &[DroppedRow],
        progress: Option<(i64, i64)>,
        now: i64,
    ) -> Result<()> {
        dispatch!(
            self,
            kpi::replace_kpi_days(tenant_id, days, rows, cells, dropped, progress, now)
        )
    }

    /// The conversations of `day` (`YYYY-MM-DD`) whose buyers left after an agent's reply
    /// (DATA-4), as the last catch-up found them, newest first.
    pub async fn funnel_dropped(
        &self,
        tenant_id: Uuid,
        day: &str,
        limit: i64,
    ) -> Result<Vec<Uuid>> {
        dispatch!(self, kpi::funnel_dropped(tenant_id, day, limit))
    }

    /// The hourly cells of days `from..=to` (`YYYY-MM-DD`) that pass `filter`, by day and hour.
    pub async fn kpi_hours(
        &self,
        tenant_id: Uuid,
        from: &str,
        to: &str,
        filter: &HourFilter,
    ) -> Result<Vec<HourRow>> {
        dispatch!(self, kpi::kpi_hours(tenant_id, from, to, filter))
    }

    /// Agents' breaks overlapping `[start, end)` (WB-9): (agent, start, end; an open one ends at
    /// `i64::MAX`).
    pub async fn agent_breaks(
        &self,
        tenant_id: Uuid,
        start: i64,
        end: i64,
    ) -> Result<Vec<(Uuid, i64, i64)>> {
        dispatch!(self, kpi::agent_breaks(tenant_id, start, end))
    }

    /// The rollup rows of days `from..=to` (`YYYY-MM-DD`), by day then agent.
    pub async fn kpi_rows(&self, tenant_id: Uuid, from: &str, to: &str) -> Result<Vec<KpiRow>> {
        dispatch!(self, kpi::kpi_rows(tenant_id, from, to))
    }

    /// The kept ranking of `month` (`YYYY-MM`); empty when none was kept.
    pub async fn kpi_ranking(&self, tenant_id: Uuid, month: &str) -> Result<Vec<RankingRow>> {
        dispatch!(self, kpi::kpi_ranking(tenant_id, month))
    }

    /// Keeps `month`'s ranking (once: a kept month is not replaced).
    pub async fn keep_kpi_ranking(
        &self,
        tenant_id: Uuid,
        month: &str,
        rows: &[RankingRow],
        now: i64,
    ) -> Result<()> {
        dispatch!(self, kpi::keep_kpi_ranking(tenant_id, month, rows, now))
    }
}
