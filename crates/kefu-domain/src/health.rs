//! The service-health report (客服健康度报告; DATA-2, DATA-6): every morning the day before,
//! every month the month before, put together from the same tallies as the cockpit and the
//! scorecards (`kpi.rs`). Pure: the reports room reads the inputs, this decides what the
//! report says: the key metrics and their change, the worst hours, what buyers asked most,
//! the products complained about, the agents below the line, what changed most and, monthly,
//! the weakest spots and the seeds' outcome measures over time.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::cockpit::CockpitMetric;
use crate::kpi::{Grade, Metrics, Tally};

/// A daily or monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Daily,
    Monthly,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Daily => "daily",
            ReportKind::Monthly => "monthly",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        match s {
            "daily" => Some(ReportKind::Daily),
            "monthly" => Some(ReportKind::Monthly),
            _ => None,
        }
    }
}

/// The metrics a report lists, in order (the cockpit's, less what is only live).
pub const REPORT_METRICS: [CockpitMetric; 13] = [
    CockpitMetric::Received,
    CockpitMetric::Served,
    CockpitMetric::FirstResponse,
    CockpitMetric::QuickReplyRate,
    CockpitMetric::RobotResolutionRate,
    CockpitMetric::RobotTransferRate,
    CockpitMetric::TransferRate,
    CockpitMetric::AverageRating,
    CockpitMetric::BadReviewRate,
    CockpitMetric::ConversionRate,
    CockpitMetric::ServiceGmv,
    CockpitMetric::Invalid,
    CockpitMetric::Complaints,
];

/// A metric over the period, the period before and (daily) the same weekday a week before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricChange {
    pub metric: CockpitMetric,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub last_week: Option<f64>,
    /// `value / previous − 1` when both are there and `previous` is not 0.
    pub change: Option<f64>,
    /// The change made things worse (a volume's never does).
    pub worse: bool,
}

/// One hour of the day (or, monthly, of all the month's days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HourLine {
    pub hour: u8,
    pub received: i64,
    pub first_response_avg_s: Option<f64>,
    pub quick_reply_rate: Option<f64>,
}

/// Something buyers asked, with how often and an example conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionLine {
    pub topic: String,
    pub count: i64,
    pub example_conversation: Option<Uuid>,
}

/// A product complained about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductLine {
    pub code: String,
    pub title: String,
    pub complaints: i64,
}

/// An agent below the line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgentLine {
    pub agent_id: Uuid,
    pub name: String,
    pub score: f64,
    pub grade: Option<Grade>,
    pub served: i64,
    pub first_response_avg_s: Option<f64>,
    pub quick_reply_rate: Option<f64>,
    pub bad_review_rate: Option<f64>,
}

/// A tag whose count grew against the period before (monthly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TopicGrowth {
    pub tag: String,
    pub count: i64,
    pub previous: i64,
}

/// The seeds' outcome measures for one month (DATA-6): complaint rate −30 %, satisfaction
/// +25 points, average order value after contact +15–25 %, service cost −40 %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OutcomePoint {
    /// `YYYY-MM`.
    pub month: String,
    /// Complaints ÷ conversations received.
    pub complaint_rate: Option<f64>,
    pub average_rating: Option<f64>,
    /// Paid after contact ÷ converted conversations, fen.
    pub average_order_fen: Option<f64>,
    /// Agent-minutes online ÷ conversations received: what a conversation costs in people.
    pub agent_minutes_per_conversation: Option<f64>,
}

/// A report as stored, shown and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HealthReport {
    pub kind: ReportKind,
    /// `YYYY-MM-DD` (daily) or `YYYY-MM` (monthly).
    pub period: String,
    pub generated_at: i64,
    pub metrics: Vec<MetricChange>,
    pub worst_hours: Vec<HourLine>,
    pub top_questions: Vec<QuestionLine>,
    pub complaint_products: Vec<ProductLine>,
    pub agents_below: Vec<AgentLine>,
    /// The metrics whose change was largest, worse ones first.
    pub biggest_changes: Vec<MetricChange>,
    /// Monthly: tags that grew most.
    pub growing_topics: Vec<TopicGrowth>,
    /// Monthly: the outcome measures of the last months, oldest first.
    pub outcomes: Vec<OutcomePoint>,
}

/// The tallies a report is put together from.
pub struct Inputs<'a> {
    pub period: &'a Tally,
    pub previous: &'a Tally,
    /// Daily: the same weekday a week before.
    pub last_week: Option<&'a Tally>,
    /// Per local hour (0–23), summed over the period's days.
    pub hours: &'a [Tally; 24],
}

/// The metric changes of a period.
pub fn metric_changes(inputs: &Inputs<'_>) -> Vec<MetricChange> {
    let (now, before) = (inputs.period.metrics(), inputs.previous.metrics());
    let week = inputs.last_week.map(Tally::metrics);
    REPORT_METRICS
        .into_iter()
        .map(|metric| change(metric, &now, &before, week.as_ref()))
        .collect()
}

fn change(
    metric: CockpitMetric,
    now: &Metrics,
    before: &Metrics,
    week: Option<&Metrics>,
) -> MetricChange {
    let value = metric.of(now);
    let previous = metric.of(before);
    let change = match (value, previous) {
        (Some(v), Some(p)) if p != 0.0 => Some(v / p - 1.0),
        _ => None,
    };
    let worse = match (metric.higher_is_better(), change) {
        (Some(true), Some(c)) => c < 0.0,
        (Some(false), Some(c)) => c > 0.0,
        _ => false,
    };
    MetricChange {
        metric,
        value,
        previous,
        last_week: week.and_then(|w| metric.of(w)),
        change,
        worse,
    }
}

/// The hours with buyers that were answered worst: slowest first response first, then the
/// lowest 3-minute rate; hours with fewer than `min_received` conversations are left out.
pub fn worst_hours(hours: &[Tally; 24], min_received: i64, n: usize) -> Vec<HourLine> {
    let mut lines: Vec<HourLine> = hours
        .iter()
        .enumerate()
        .filter(|(_, t)| t.received >= min_received.max(1))
        .map(|(hour, t)| {
            let m = t.metrics();
            HourLine {
                hour: hour as u8,
                received: t.received,
                first_response_avg_s: m.first_response_avg_s,
                quick_reply_rate: m.quick_reply_rate,
            }
        })
        .collect();
    let key = |l: &HourLine| {
        (
            -l.first_response_avg_s.unwrap_or(f64::INFINITY),
            l.quick_reply_rate.unwrap_or(0.0),
        )
    };
    lines.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    lines.truncate(n);
    lines
}

/// The `n` changes that matter most: those that made things worse first, by size.
pub fn biggest_changes(changes: &[MetricChange], n: usize) -> Vec<MetricChange> {
    let mut moved: Vec<MetricChange> = changes
        .iter()
        .filter(|c| c.change.is_some_and(|x| x.abs() >= 0.05))
        .cloned()
        .collect();
    moved.sort_by(|a, b| {
        b.worse.cmp(&a.worse).then(
            b.change
                .unwrap_or(0.0)
                .abs()
                .total_cmp(&a.change.unwrap_or(0.0).abs()),
        )
    });
    moved.truncate(n);
    moved
}

/// Tags that grew most against the period before (new ones count as grown from 0).
pub fn growing_topics(now: &Tally, before: &Tally, n: usize) -> Vec<TopicGrowth> {
    let mut grown: Vec<TopicGrowth> = now
        .tags
        .iter()
        .map(|(tag, count)| TopicGrowth {
            tag: tag.clone(),
            count: *count,
            previous: before.tags.get(tag).copied().unwrap_or(0),
        })
        .filter(|t| t.count > t.previous)
        .collect();
    grown.sort_by(|a, b| {
        (b.count - b.previous)
            .cmp(&(a.count - a.previous))
            .then_with(|| a.tag.cmp(&b.tag))
    });
    grown.truncate(n);
    grown
}

/// One month's outcome measures, from its tally and its agent-minutes online.
pub fn outcome(month: &str, tally: &Tally, agent_minutes: i64) -> OutcomePoint {
    let m = tally.metrics();
    let ratio = |n: f64, d: i64| (d > 0).then(|| n / d as f64);
    OutcomePoint {
        month: month.to_owned(),
        complaint_rate: ratio(m.complaints as f64, tally.received),
        average_rating: m.average_rating,
        average_order_fen: ratio(tally.converted_fen as f64, tally.converted),
        agent_minutes_per_conversation: ratio(agent_minutes as f64, tally.received),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(received: i64, first_s: i64, quick: i64, answered: i64) -> Tally {
        Tally {
            received,
            served: received,
            first_replies: received,
            first_reply_ms: received * first_s * 1_000,
            answered,
            answered_quick: quick,
            ..Tally::default()
        }
    }

    #[test]
    fn changes_say_which_way_is_worse() {
        let now = Tally {
            rated: 10,
            bad_reviews: 3,
            ..tally(100, 60, 80, 100)
        };
        let before = Tally {
            rated: 10,
            bad_reviews: 1,
            ..tally(80, 30, 90, 100)
        };
        let hours = std::array::from_fn(|_| Tally::default());
        let changes = metric_changes(&Inputs {
            period: &now,
            previous: &before,
            last_week: None,
            hours: &hours,
        });
        let of = |m| {
            changes
                .iter()
                .find(|c| c.metric == m)
                .expect("metric")
                .clone()
        };
        let received = of(CockpitMetric::Received);
        assert_eq!(received.change, Some(0.25));
        assert!(!received.worse, "a volume is never worse");
        let first = of(CockpitMetric::FirstResponse);
        assert_eq!((first.value, first.previous), (Some(60.0), Some(30.0)));
        assert!(first.worse);
        assert!(of(CockpitMetric::QuickReplyRate).worse);
        assert!(of(CockpitMetric::BadReviewRate).worse);
        assert_eq!(of(CockpitMetric::ConversionRate).change, None);
        // Worse first, then by size: bad reviews tripled, first response doubled.
        let biggest = biggest_changes(&changes, 3);
        assert_eq!(biggest[0].metric, CockpitMetric::BadReviewRate);
        assert_eq!(biggest[1].metric, CockpitMetric::FirstResponse);
        assert!(biggest.iter().take(3).all(|c| c.worse));
    }

    #[test]
    fn the_worst_hours_are_the_slowest_with_enough_buyers() {
        let mut hours: [Tally; 24] = std::array::from_fn(|_| Tally::default());
        hours[9] = tally(50, 20, 45, 50);
        hours[13] = tally(40, 200, 10, 40);
        hours[20] = tally(60, 90, 30, 60);
        hours[3] = tally(1, 900, 0, 1);
        let worst = worst_hours(&hours, 5, 2);
        assert_eq!(
            worst.iter().map(|h| h.hour).collect::<Vec<_>>(),
            vec![13, 20]
        );
        assert_eq!(worst[0].first_response_avg_s, Some(200.0));
        assert_eq!(worst_hours(&hours, 1, 24).len(), 4);
    }

    #[test]
    fn growing_topics_and_outcomes() {
        let now = Tally {
            received: 200,
            converted: 4,
            converted_fen: 40_000,
            rated: 10,
            stars: 45,
            tags: [
                ("complaint".into(), 6),
                ("invoice".into(), 2),
                ("new".into(), 3),
            ]
            .into(),
            ..Tally::default()
        };
        let before = Tally {
            tags: [("complaint".into(), 2), ("invoice".into(), 5)].into(),
            ..Tally::default()
        };
        let grown = growing_topics(&now, &before, 5);
        assert_eq!(
            grown.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(),
            vec!["complaint", "new"]
        );
        let point = outcome("2026-11", &now, 1_000);
        assert_eq!(point.complaint_rate, Some(0.03));
        assert_eq!(point.average_rating, Some(4.5));
        assert_eq!(point.average_order_fen, Some(10_000.0));
        assert_eq!(point.agent_minutes_per_conversation, Some(5.0));
        let empty = outcome("2026-10", &Tally::default(), 0);
        assert_eq!(empty.complaint_rate, None);
        for k in [ReportKind::Daily, ReportKind::Monthly] {
            assert_eq!(ReportKind::parse(k.as_str()), Some(k));
        }
    }
}
