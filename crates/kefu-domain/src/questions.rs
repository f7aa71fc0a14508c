//! Question mining's numbers (DATA-5): the shop's weeks (Monday to Sunday, in its zone), a
//! topic's weekly counts and rates, its trend, and a fix's before and after. The topics
//! themselves are found by the robot's reading of the questions (`kefu_robot::mining`).

use chrono::{Datelike, Days, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error_code::ErrorCode;
use crate::kpi::day_span;

/// Weeks a topics page may span.
pub const MAX_WEEKS: usize = 26;
/// Weeks on each side of a fix that its before and after compare.
pub const FIX_SPAN: usize = 4;
/// A topic's latest week at least this many times its usual rate is rising (and at most its
/// inverse, falling).
const RISING: f64 = 1.5;
/// Fewer conversations than this in the latest week (asked, for rising; expected, for
/// falling) make no trend.
const MIN_TREND_COUNT: i64 = 3;
/// The longest note sent with a problem.
pub const MAX_NOTE_CHARS: usize = 1000;

/// The Monday of `day`'s week.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The UTC instants `[start, end)` of the shop's week starting on `monday`.
pub fn week_span(zone: Tz, monday: NaiveDate) -> (i64, i64) {
    day_span(zone, monday, monday + Days::new(6))
}

/// The `n` weeks ending with `last`'s, oldest first.
pub fn weeks_ending(last: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let last = week_of(last);
    (0..n as u64)
        .rev()
        .map(|back| last - Days::new(7 * back))
        .collect()
}

/// A topic's week: how many conversations asked it, of how many that asked anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WeekCount {
    /// The week's Monday.
    #[schema(value_type = String, format = Date)]
    pub week: NaiveDate,
    pub asked: i64,
    pub total: i64,
}

impl WeekCount {
    /// The topic's share of the week's askers.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.asked as f64 / self.total as f64)
    }
}

/// Which way a topic is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// First asked in the latest week.
    New,
    Rising,
    Falling,
    Steady,
}

/// The trend of a topic over `weeks` (oldest first, the latest last): new when first seen in
/// the latest week; else its latest rate against its mean rate over the weeks before.
pub fn trend(weeks: &[WeekCount], first_week: NaiveDate) -> Trend {
    let Some((latest, earlier)) = weeks.split_last() else {
        return Trend::Steady;
    };
    if first_week >= latest.week {
        return Trend::New;
    }
    let (asked, total) = earlier
        .iter()
        .filter(|w| w.total > 0)
        .fold((0, 0), |(a, t), w| (a + w.asked, t + w.total));
    let (Some(now), true) = (latest.rate(), total > 0) else {
        return Trend::Steady;
    };
    let usual = asked as f64 / total as f64;
    // As many as the usual share would have asked this week: a week just begun expects too
    // few to say a topic is falling.
    let expected = usual * latest.total as f64;
    if latest.asked >= MIN_TREND_COUNT && (usual == 0.0 || now >= usual * RISING) {
        Trend::Rising
    } else if expected >= MIN_TREND_COUNT as f64 && now <= usual / RISING {
        Trend::Falling
    } else {
        Trend::Steady
    }
}

/// A topic's rate before and after a fix: the whole weeks before the fix's week, and the
/// whole weeks from the first Monday on or after it, [`FIX_SPAN`] each at most; the week
/// still running (`current`) is not counted on either side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BeforeAfter {
    #[schema(value_type = String, format = Date)]
    pub fixed_on: NaiveDate,
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// `after / before − 1`.
    pub change: Option<f64>,
    pub weeks_before: usize,
    pub weeks_after: usize,
}

pub fn before_after(weeks: &[WeekCount], fixed_on: NaiveDate, current: NaiveDate) -> BeforeAfter {
    let fix_week = week_of(fixed_on);
    let current = week_of(current);
    let whole: Vec<&WeekCount> = weeks.iter().filter(|w| w.week < current).collect();
    let before: Vec<&WeekCount> = whole
        .iter()
        .copied()
        .filter(|w| w.week < fix_week)
        .collect();
    let before = &before[before.len().saturating_sub(FIX_SPAN)..];
    let after: Vec<&WeekCount> = whole
        .iter()
        .copied()
        .filter(|w| w.week >= fixed_on)
        .take(FIX_SPAN)
        .collect();
    let rate = |weeks: &[&WeekCount]| {
        let (asked, total) = weeks
            .iter()
            .fold((0, 0), |(a, t), w| (a + w.asked, t + w.total));
        (total > 0).then(|| asked as f64 / total as f64)
    };
    let (b, a) = (rate(before), rate(&after));
    BeforeAfter {
        fixed_on,
        before: b,
        after: a,
        change: match (b, a) {
            (Some(b), Some(a)) if b > 0.0 => Some(a / b - 1.0),
            _ => None,
        },
        weeks_before: before.len(),
        weeks_after: after.len(),
    }
}

/// A topic in the list: what it is, its weeks and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TopicLine {
    pub id: Uuid,
    pub label: String,
    pub keywords: Vec<String>,
    #[schema(value_type = String, format = Date)]
    pub first_week: NaiveDate,
    /// The window's weeks, oldest first.
    pub weeks: Vec<WeekCount>,
    /// Conversations in the latest week, and the week before.
    pub count: i64,
    pub previous: i64,
    pub trend: Trend,
    /// The robot's review-queue proposal made from it, if any.
    pub proposal_id: Option<Uuid>,
    /// Problems reported on it that are not fixed yet.
    pub open_problems: i64,
}

/// Where a problem stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    Open,
    Fixed,
}

impl ProblemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemStatus::Open => "open",
            ProblemStatus::Fixed => "fixed",
        }
    }

    pub fn parse(s: &str) -> Option<ProblemStatus> {
        match s {
            "open" => Some(ProblemStatus::Open),
            "fixed" => Some(ProblemStatus::Fixed),
            _ => None,
        }
    }
}

/// A topic sent to a product's owner as a problem to fix upstream.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
pub struct NewProblem {
    /// The account that owns the product (and the fix).
    pub owner_id: Uuid,
    /// The product concerned, if one.
    pub product_code: Option<String>,
    /// What the sender saw and asks for.
    #[serde(default)]
    pub note: String,
}

impl NewProblem {
    /// Trims and checks: the note fits and the product code is not blank.
    pub fn check(mut self) -> Result<NewProblem, ErrorCode> {
        self.note = self.note.trim().to_owned();
        self.product_code = self
            .product_code
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if self.note.chars().count() > MAX_NOTE_CHARS {
            return Err(ErrorCode::InvalidProblem);
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn weeks(counts: &[(i64, i64)], last: &str) -> Vec<WeekCount> {
        weeks_ending(day(last), counts.len())
            .into_iter()
            .zip(counts)
            .map(|(week, &(asked, total))| WeekCount { week, asked, total })
            .collect()
    }

    #[test]
    fn weeks_run_monday_to_sunday_in_the_shops_zone() {
        assert_eq!(week_of(day("2026-12-06")), day("2026-11-30"), "a Sunday");
        assert_eq!(week_of(day("2026-11-30")), day("2026-11-30"));
        assert_eq!(
            weeks_ending(day("2026-12-02"), 3),
            vec![day("2026-11-16"), day("2026-11-23"), day("2026-11-30")]
        );
        let (start, end) = week_span(chrono_tz::Asia::Shanghai, day("2026-11-30"));
        assert_eq!(end - start, 7 * 86_400_000);
        // Monday 00:00 in Shanghai is Sunday 16:00 UTC.
        assert_eq!(start % 86_400_000, 16 * 3_600_000);
    }

    #[test]
    fn a_topic_is_new_rising_falling_or_steady() {
        let first = day("2026-10-05");
        assert_eq!(
            trend(
                &weeks(&[(0, 100), (5, 100)], "2026-12-01"),
                day("2026-11-30")
            ),
            Trend::New
        );
        assert_eq!(
            trend(
                &weeks(&[(10, 100), (10, 100), (20, 100)], "2026-12-01"),
                first
            ),
            Trend::Rising
        );
        // Twice the rate but on more askers only: the share is what counts.
        assert_eq!(
            trend(
                &weeks(&[(10, 100), (10, 100), (20, 200)], "2026-12-01"),
                first
            ),
            Trend::Steady
        );
        assert_eq!(
            trend(
                &weeks(&[(10, 100), (12, 100), (4, 100)], "2026-12-01"),
                first
            ),
            Trend::Falling
        );
        assert_eq!(
            trend(&weeks(&[(0, 100), (2, 100)], "2026-12-01"), first),
            Trend::Steady,
            "two conversations are no trend"
        );
        assert_eq!(
            trend(
                &weeks(&[(10, 100), (12, 100), (0, 10)], "2026-12-01"),
                first
            ),
            Trend::Steady,
            "a week just begun: one expected, none asked"
        );
        assert_eq!(trend(&[], first), Trend::Steady);
    }

    #[test]
    fn a_fix_compares_whole_weeks_before_and_after() {
        // Weeks from 2026-10-05 to 2026-11-30; the tutorial went out on Wednesday 11-04.
        let series = weeks(
            &[
                (30, 100),
                (28, 100),
                (32, 100),
                (30, 100),
                (20, 100),
                (9, 100),
                (8, 100),
                (8, 100),
                (7, 100),
            ],
            "2026-11-30",
        );
        let fix = before_after(&series, day("2026-11-04"), day("2026-12-07"));
        assert_eq!((fix.weeks_before, fix.weeks_after), (4, 4));
        assert_eq!(
            fix.before,
            Some(0.3),
            "10-05 … 10-26, the fix's week left out"
        );
        assert_eq!(fix.after, Some(0.08), "11-09 … 11-30");
        let change = fix.change.expect("both sides");
        assert!((change + 0.7333).abs() < 1e-3, "{change}");
        // A fix this week has nothing after it yet; nor the week still running.
        let fresh = before_after(&series, day("2026-12-01"), day("2026-12-07"));
        assert_eq!(
            (fresh.after, fresh.change, fresh.weeks_after),
            (None, None, 0)
        );
        let running = before_after(&series, day("2026-11-30"), day("2026-12-02"));
        assert_eq!(
            (running.after, running.weeks_after),
            (None, 0),
            "11-30 is still running"
        );
        assert_eq!(running.weeks_before, 4);
    }

    #[test]
    fn a_problems_note_is_trimmed_and_bounded() {
        let owner = Uuid::nil();
        let problem = NewProblem {
            owner_id: owner,
            product_code: Some("  ".into()),
            note: " 视频教程 ".into(),
        }
        .check()
        .expect("fine");
        assert_eq!(
            (problem.note.as_str(), problem.product_code),
            ("视频教程", None)
        );
        let long = NewProblem {
            owner_id: owner,
            product_code: None,
            note: "长".repeat(MAX_NOTE_CHARS + 1),
        };
        assert_eq!(long.check(), Err(ErrorCode::InvalidProblem));
    }
}
