//! Anomaly alerts (DATA-3): is what buyers asked about one subject (a product, a tag, the
//! robot's guess of the issue) in the last hour far above its usual level for that hour?
//!
//! The usual level is seasonal: the same hour of the day on the days before and the same hour
//! of the week on the weeks before, so a Monday morning is compared with mornings, not with
//! the night. It is read as a *share* of all the shop's conversations in those hours, so a
//! day when everything rises (双十一) raises the expectation with it instead of raising an
//! alert on every subject. The threshold is robust: the median share and its median absolute
//! deviation, with a Poisson floor, so one odd hour in the history neither hides a surge nor
//! makes one.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::conversation::EventKind;
use crate::error_code::ErrorCode;

/// One hour's count: conversations about the subject and all the shop's conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourCount {
    pub subject: i64,
    pub total: i64,
}

/// How readily a shop wants to be alerted (a shop document, `alert_rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Only the strongest surges.
    Low,
    #[default]
    Normal,
    /// Smaller surges too.
    High,
}

impl Sensitivity {
    /// The robust z-score a surge must reach.
    fn threshold(self) -> f64 {
        match self {
            Sensitivity::Low => 6.0,
            Sensitivity::Normal => 4.0,
            Sensitivity::High => 3.0,
        }
    }

    /// How many times its expected level a surge must be.
    fn ratio(self) -> f64 {
        match self {
            Sensitivity::Low => 3.0,
            Sensitivity::Normal => 2.0,
            Sensitivity::High => 1.5,
        }
    }
}

/// A shop's alert rules (DATA-3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AlertRules {
    pub sensitivity: Sensitivity,
    /// A subject needs at least this many conversations in the hour to surge.
    pub min_count: i64,
    /// Alert when more buyers than this wait for an agent.
    pub queue_limit: i64,
    /// Alert when the first responses of the last 15 minutes average above this (seconds);
    /// 0 takes the shop's KPI pass line.
    pub first_response_s: i64,
    /// Alert when the robot's hand-off rate surges.
    pub robot_transfer: bool,
}

impl Default for AlertRules {
    fn default() -> AlertRules {
        AlertRules {
            sensitivity: Sensitivity::Normal,
            min_count: 5,
            queue_limit: 20,
            first_response_s: 0,
            robot_transfer: true,
        }
    }
}

impl AlertRules {
    pub fn check(&self) -> Result<(), ErrorCode> {
        let ok = (1..=10_000).contains(&self.min_count)
            && (1..=100_000).contains(&self.queue_limit)
            && (0..=86_400).contains(&self.first_response_s);
        if ok {
            Ok(())
        } else {
            Err(ErrorCode::InvalidAlertRules)
        }
    }
}

/// What the detector found: the hour's count against its expected level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surge {
    pub observed: i64,
    pub expected: f64,
    /// How many robust deviations above the expected level.
    pub score: f64,
}

/// What a surge is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A product the buyer came in from (its code).
    Product,
    /// A tag put on the conversation (WB-5).
    Tag,
    /// The issue type the robot guessed when it handed the buyer over.
    IssueType,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Product => "product",
            SubjectKind::Tag => "tag",
            SubjectKind::IssueType => "issue_type",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        [
            SubjectKind::Product,
            SubjectKind::Tag,
            SubjectKind::IssueType,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The subjects one event of the log makes its conversation about: the product of the
/// entry it was opened or entered by, the tags put on it, the robot's guess of its issue.
pub fn subjects_of(kind: EventKind, data: &serde_json::Value) -> Vec<(SubjectKind, String)> {
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    match kind {
        EventKind::Created | EventKind::Reopened | EventKind::Entered => {
            text(&data["context"]["product_code"])
                .map(|code| vec![(SubjectKind::Product, code)])
                .unwrap_or_default()
        }
        EventKind::Tagged => data["added"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter_map(text)
                    .map(|k| (SubjectKind::Tag, k))
                    .collect()
            })
            .unwrap_or_default(),
        EventKind::RobotHandoff => text(&data["issue_type"])
            .map(|t| vec![(SubjectKind::IssueType, t)])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// What an alert is about (DATA-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A subject's conversations surged in the last hour.
    Surge,
    /// More buyers wait for an agent than the shop's limit.
    Queue,
    /// The last 15 minutes' first responses averaged above the line.
    FirstResponse,
    /// The robot handed buyers to people far more than usual.
    RobotTransfer,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Surge => "surge",
            AlertKind::Queue => "queue",
            AlertKind::FirstResponse => "first_response",
            AlertKind::RobotTransfer => "robot_transfer",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        [
            AlertKind::Surge,
            AlertKind::Queue,
            AlertKind::FirstResponse,
            AlertKind::RobotTransfer,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An alert as kept and shown, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub id: uuid::Uuid,
    pub kind: AlertKind,
    /// `product:P-1`, `tag:complaint`, `issue_type:refund`; the kind itself for the others.
    pub subject: String,
    /// What the supervisor reads: the product's name, the tag's, the issue's.
    pub label: String,
    /// The window it looked at (an hour, or 15 minutes), epoch ms.
    pub window_start: i64,
    pub observed: f64,
    pub expected: f64,
    /// The counts and the sample conversations' ids (`conversations`).
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub created_at: i64,
    pub acknowledged_by: Option<uuid::Uuid>,
    pub acknowledged_at: Option<i64>,
}

/// Fewer usable hours of history than this: no baseline, no alert.
const MIN_HISTORY: usize = 3;

/// Is `now` a surge against `history` (the same hour on earlier days and weeks)?
pub fn surge(now: HourCount, history: &[HourCount], sensitivity: Sensitivity) -> Option<Surge> {
    surge_with(now, history, sensitivity, 1)
}

/// [`surge`] with a floor on the hour's count.
pub fn surge_with(
    now: HourCount,
    history: &[HourCount],
    sensitivity: Sensitivity,
    min_count: i64,
) -> Option<Surge> {
    let mut shares: Vec<f64> = history
        .iter()
        .filter(|h| h.total > 0)
        .map(|h| h.subject as f64 / h.total as f64)
        .collect();
    if shares.len() < MIN_HISTORY || now.total <= 0 || now.subject < min_count.max(1) {
        return None;
    }
    let share = median(&mut shares);
    let mut deviations: Vec<f64> = shares.iter().map(|s| (s - share).abs()).collect();
    let mad = median(&mut deviations) * 1.4826;
    let total = now.total as f64;
    // A subject never seen before is expected at one conversation's worth at most.
    let expected = (total * share).max(0.5);
    let spread = (total * mad).max(expected.sqrt()).max(1.0);
    let score = (now.subject as f64 - expected) / spread;
    let surged =
        score >= sensitivity.threshold() && now.subject as f64 >= expected * sensitivity.ratio();
    surged.then_some(Surge {
        observed: now.subject,
        expected,
        score,
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The hours a baseline for the hour starting at `hour_start` is read from: the same hour on
/// each of the 7 days before and on the same weekday of the 3 weeks before those, as
/// `[start, end)` epoch ms.
pub fn baseline_hours(hour_start: i64) -> Vec<(i64, i64)> {
    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    (1..=7)
        .map(|d| hour_start - d * DAY)
        .chain((2..=4).map(|w| hour_start - w * 7 * DAY))
        .map(|start| (start, start + HOUR))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(subject: i64, total: i64) -> HourCount {
        HourCount { subject, total }
    }

    /// A shop's day: quiet at night, busy at 10:00 and 20:00; a subject is 5 % of it.
    fn traffic(hour: usize) -> i64 {
        [
            4, 2, 1, 1, 1, 2, 6, 15, 40, 70, 90, 80, 60, 70, 80, 75, 60, 50, 60, 80, 100, 90, 40,
            12,
        ][hour]
    }

    fn history_at(hour: usize, days: usize) -> Vec<HourCount> {
        (0..days)
            .map(|d| {
                let total = traffic(hour) + (d as i64 % 3) * 2;
                hc(total / 20 + (d as i64 % 2), total)
            })
            .collect()
    }

    #[test]
    fn a_surge_on_one_product_is_found_within_the_hour() {
        // 90 conversations at 10:00, 5 % usually about the product: now 30.
        let found = surge(hc(30, 90), &history_at(10, 10), Sensitivity::Normal);
        let found = found.expect("a surge");
        assert_eq!(found.observed, 30);
        assert!(found.expected < 6.0, "{found:?}");
        assert!(found.score >= 4.0);
    }

    #[test]
    fn a_normal_monday_morning_is_not_an_alert() {
        // Mornings are busy every day: the subject rises with the shop, in its usual share.
        for hour in 0..24 {
            let total = traffic(hour);
            let usual = total / 20 + 1;
            assert_eq!(
                surge(hc(usual, total), &history_at(hour, 10), Sensitivity::High),
                None,
                "hour {hour}"
            );
        }
    }

    #[test]
    fn a_shop_wide_day_like_double_11_shifts_the_baseline_instead_of_alerting() {
        // Everything is five times busier: every subject keeps its share.
        let subjects = [0.05, 0.02, 0.10, 0.01];
        let mut alerts = 0;
        for hour in 0..24 {
            let total = traffic(hour) * 5;
            for share in subjects {
                let history: Vec<HourCount> = (0..10)
                    .map(|d| {
                        let t = traffic(hour) + d;
                        hc((t as f64 * share).round() as i64, t)
                    })
                    .collect();
                let now = hc((total as f64 * share).round() as i64 + 1, total);
                alerts += usize::from(surge(now, &history, Sensitivity::Normal).is_some());
            }
        }
        assert_eq!(alerts, 0);
        // The day after, with double 11 in the history, a real surge still shows.
        let mut history = history_at(10, 9);
        history.push(hc(25, 450));
        assert!(surge(hc(30, 90), &history, Sensitivity::Normal).is_some());
    }

    #[test]
    fn one_odd_hour_in_the_history_does_not_hide_a_surge() {
        let mut history = history_at(20, 10);
        history[3] = hc(60, 100);
        assert!(surge(hc(35, 100), &history, Sensitivity::Normal).is_some());
    }

    #[test]
    fn small_counts_and_short_histories_never_alert() {
        assert_eq!(
            surge(hc(30, 90), &history_at(10, 2), Sensitivity::High),
            None
        );
        // A new subject: 3 conversations in an hour is not a surge under a floor of 5.
        let none = vec![hc(0, 90); 10];
        assert_eq!(surge_with(hc(3, 90), &none, Sensitivity::High, 5), None);
        assert!(surge_with(hc(8, 90), &none, Sensitivity::Normal, 5).is_some());
        assert_eq!(surge(hc(0, 0), &none, Sensitivity::High), None);
    }

    #[test]
    fn sensitivity_orders_what_alerts() {
        let history = history_at(10, 10);
        let at = |n| {
            [Sensitivity::Low, Sensitivity::Normal, Sensitivity::High]
                .map(|s| surge(hc(n, 90), &history, s).is_some())
        };
        assert_eq!(at(12), [false, false, true]);
        assert_eq!(at(40), [true, true, true]);
    }

    #[test]
    fn baselines_are_the_same_hour_on_earlier_days_and_weeks() {
        let h = 1_796_605_200_000;
        let hours = baseline_hours(h);
        assert_eq!(hours.len(), 10);
        assert_eq!(hours[0], (h - 86_400_000, h - 82_800_000));
        assert_eq!(hours[9].0, h - 28 * 86_400_000);
        assert!(hours.iter().all(|(s, e)| e - s == 3_600_000 && *e <= h));
    }

    #[test]
    fn subjects_are_read_off_the_log() {
        let created =
            serde_json::json!({"entry": "product_page", "context": {"product_code": "P-1"}});
        assert_eq!(
            subjects_of(EventKind::Created, &created),
            vec![(SubjectKind::Product, "P-1".to_owned())]
        );
        let tagged = serde_json::json!({"added": ["complaint", "quality_issue"], "removed": ["x"]});
        assert_eq!(subjects_of(EventKind::Tagged, &tagged).len(), 2);
        let handoff = serde_json::json!({"reason": "low", "issue_type": "refund"});
        assert_eq!(
            subjects_of(EventKind::RobotHandoff, &handoff),
            vec![(SubjectKind::IssueType, "refund".to_owned())]
        );
        assert!(subjects_of(EventKind::BuyerMessage, &created).is_empty());
        assert!(subjects_of(EventKind::Created, &serde_json::json!({})).is_empty());
        for k in [
            SubjectKind::Product,
            SubjectKind::Tag,
            SubjectKind::IssueType,
        ] {
            assert_eq!(SubjectKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn rules_are_checked() {
        assert!(AlertRules::default().check().is_ok());
        let bad = AlertRules {
            queue_limit: 0,
            ..AlertRules::default()
        };
        assert_eq!(bad.check(), Err(ErrorCode::InvalidAlertRules));
    }
}
