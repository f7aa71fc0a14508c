//! The data cockpit (issue #19, DATA-1 … DATA-3; SQL: `sql/cockpit.rs`): what is happening
//! now, the agents online per hour, the log's events an anomaly is counted from, and the
//! alerts kept with their evidence.

use kefu_domain::anomaly::{Alert, AlertKind};
use kefu_domain::cockpit::Live;
use kefu_domain::conversation::EventKind;
use kefu_domain::health::{HealthReport, ReportKind};
use uuid::Uuid;

use crate::{Result, Store};

/// An event of the log in an anomaly's window.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyEvent {
    pub conversation_id: Uuid,
    pub kind: EventKind,
    pub data: serde_json::Value,
    pub at: i64,
}

/// An alert to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub kind: AlertKind,
    pub subject: String,
    pub label: String,
    pub window_start: i64,
    pub observed: f64,
    pub expected: f64,
    pub evidence: serde_json::Value,
}

impl Store {
    /// Buyers waiting for an agent, conversations with one, and agents online, now.
    pub async fn live_counts(&self, tenant_id: Uuid) -> Result<Live> {
        dispatch!(self, cockpit::live_counts(tenant_id))
    }

    /// Counts every shop's agents online (in all, and per team) into the hour of `minute`
    /// (epoch ms of a whole minute); a minute already counted is not counted again.
    pub async fn sample_staffing(&self, minute: i64) -> Result<()> {
        dispatch!(self, cockpit::sample_staffing(minute))
    }

    /// Agent-minutes online per UTC hour in `[start, end)`, for `team` or (empty) the shop.
    pub async fn staffing(
        &self,
        tenant_id: Uuid,
        start: i64,
        end: i64,
        team: &str,
    ) -> Result<Vec<(i64, i64)>> {
        dispatch!(self, cockpit::staffing(tenant_id, start, end, team))
    }

    /// Events of `kinds` in `[start, end)`, newest first, at most `limit`.
    pub async fn events_of_kinds(
        &self,
        tenant_id: Uuid,
        kinds: &[EventKind],
        start: i64,
        end: i64,
        limit: i64,
    ) -> Result<Vec<AnomalyEvent>> {
        dispatch!(
            self,
            cockpit::events_of_kinds(tenant_id, kinds, start, end, limit)
        )
    }

    /// How many of `kinds`' events are in `[start, end)`.
    pub async fn count_events(
        &self,
        tenant_id: Uuid,
        kinds: &[EventKind],
        start: i64,
        end: i64,
    ) -> Result<i64> {
        dispatch!(self, cockpit::count_events(tenant_id, kinds, start, end))
    }

    /// Keeps an alert; false when one of its kind, subject and window was kept already.
    pub async fn add_alert(&self, tenant_id: Uuid, alert: &NewAlert, now: i64) -> Result<bool> {
        dispatch!(self, cockpit::add_alert(tenant_id, alert, now))
    }

    /// The shop's alerts, newest first: those not acknowledged, or all of the last `limit`.
    pub async fn alerts(&self, tenant_id: Uuid, open_only: bool, limit: i64) -> Result<Vec<Alert>> {
        dispatch!(self, cockpit::alerts(tenant_id, open_only, limit))
    }

    /// Acknowledges an alert (once: a second acknowledgement keeps the first); the alert.
    pub async fn acknowledge_alert(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        by: Uuid,
        now: i64,
    ) -> Result<Alert> {
        dispatch!(self, cockpit::acknowledge_alert(tenant_id, id, by, now))
    }
}

impl Store {
    /// Keeps a health report (DATA-2), replacing one of the same kind and period.
    pub async fn save_health_report(&self, tenant_id: Uuid, report: &HealthReport) -> Result<()> {
        let body = serde_json::to_string(report)
            .map_err(|e| crate::StoreError::Corrupt(format!("health report: {e}")))?;
        dispatch!(
            self,
            cockpit::save_health_report(
                tenant_id,
                report.kind,
                &report.period,
                body,
                report.generated_at
            )
        )
    }

    /// The shop's reports of `kind`, newest period first: (period, generated at).
    pub async fn health_reports(
        &self,
        tenant_id: Uuid,
        kind: ReportKind,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        dispatch!(self, cockpit::health_reports(tenant_id, kind, limit))
    }

    /// One kept report.
    pub async fn health_report(
        &self,
        tenant_id: Uuid,
        kind: ReportKind,
        period: &str,
    ) -> Result<Option<HealthReport>> {
        dispatch!(self, cockpit::health_report(tenant_id, kind, period))
    }

    /// What the robot was asked in `[start, end)`, grouped by the entry it matched (or, when
    /// none, the text): (entry id or text, whether it is an entry, count, a conversation),
    /// most asked first, at most `limit`.
    pub async fn robot_topics(
        &self,
        tenant_id: Uuid,
        start: i64,
        end: i64,
        limit: i64,
    ) -> Result<Vec<(String, bool, i64, Option<Uuid>)>> {
        dispatch!(self, cockpit::robot_topics(tenant_id, start, end, limit))
    }
}
