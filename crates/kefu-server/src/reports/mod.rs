//! The reports room (issues #18, #19): the event log read into daily and hourly rollups, and
//! the numbers read off them: scorecards, rankings, exports, the cockpit, the heatmap and the
//! anomaly alerts. Like the desk, it knows no HTTP.

pub mod alerts;
pub mod cockpit;
pub mod export;
pub mod funnel;
pub mod health;
pub mod qa;
pub mod questions;
pub mod rollup;
pub mod scorecards;

use chrono::NaiveDate;
use chrono_tz::Tz;
use kefu_domain::error_code::ErrorCode;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// The longest range a report covers.
pub const MAX_RANGE_DAYS: i64 = 366;

/// A report's days, `from..=to`, in the shop's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// Parses `YYYY-MM-DD` bounds; a missing one defaults to the last 7 days up to today.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Range, ApiError> {
        let day = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| ApiError::new(ErrorCode::InvalidRange, "dates are YYYY-MM-DD"))
        };
        let to = to.map(day).transpose()?.unwrap_or(today);
        let from = match from {
            Some(f) => day(f)?,
            None => to - chrono::Duration::days(6),
        };
        let days = (to - from).num_days() + 1;
        if !(1..=MAX_RANGE_DAYS).contains(&days) {
            return Err(ApiError::new(
                ErrorCode::InvalidRange,
                "the end is not before the start, and a range spans at most 366 days",
            ));
        }
        Ok(Range { from, to })
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to)
    }
}

/// The shop's time zone (Asia/Shanghai when unset or unknown).
pub async fn zone_of(state: &AppState, tenant_id: Uuid) -> Tz {
    state
        .store
        .tenant(tenant_id)
        .await
        .ok()
        .flatten()
        .and_then(|t| t.timezone.parse().ok())
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Today in the shop's zone.
pub fn today(zone: Tz) -> NaiveDate {
    kefu_domain::kpi::local_day(zone, kefu_domain::time::now_ms())
}

pub fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}
