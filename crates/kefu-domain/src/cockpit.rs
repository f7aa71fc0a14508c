//! The data cockpit (DATA-1): the shop's core numbers now, each today against yesterday and
//! the same weekday last week, read off the same [`Metrics`] the scorecards use (one
//! definition of every metric, `kpi.rs`), plus what is happening this minute.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kpi::Metrics;

/// A cockpit number. Each names the conversations behind it (`drill`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CockpitMetric {
    /// Buyers waiting for an agent now.
    Waiting,
    /// Conversations an agent has now.
    Serving,
    /// Agents online now.
    AgentsOnline,
    /// Cycles that began today.
    Received,
    /// Cycles an agent served today.
    Served,
    FirstResponse,
    QuickReplyRate,
    RobotResolutionRate,
    RobotTransferRate,
    TransferRate,
    AverageRating,
    BadReviewRate,
    ConversionRate,
    /// Paid within 24 h of a served conversation, fen.
    ServiceGmv,
    Invalid,
    Complaints,
}

impl CockpitMetric {
    pub const ALL: [CockpitMetric; 16] = [
        CockpitMetric::Waiting,
        CockpitMetric::Serving,
        CockpitMetric::AgentsOnline,
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

    pub fn as_str(self) -> &'static str {
        match self {
            CockpitMetric::Waiting => "waiting",
            CockpitMetric::Serving => "serving",
            CockpitMetric::AgentsOnline => "agents_online",
            CockpitMetric::Received => "received",
            CockpitMetric::Served => "served",
            CockpitMetric::FirstResponse => "first_response",
            CockpitMetric::QuickReplyRate => "quick_reply_rate",
            CockpitMetric::RobotResolutionRate => "robot_resolution_rate",
            CockpitMetric::RobotTransferRate => "robot_transfer_rate",
            CockpitMetric::TransferRate => "transfer_rate",
            CockpitMetric::AverageRating => "average_rating",
            CockpitMetric::BadReviewRate => "bad_review_rate",
            CockpitMetric::ConversionRate => "conversion_rate",
            CockpitMetric::ServiceGmv => "service_gmv",
            CockpitMetric::Invalid => "invalid",
            CockpitMetric::Complaints => "complaints",
        }
    }

    pub fn parse(s: &str) -> Option<CockpitMetric> {
        CockpitMetric::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether a higher value is better (`None`: neither, a volume).
    pub fn higher_is_better(self) -> Option<bool> {
        use CockpitMetric::*;
        match self {
            QuickReplyRate | RobotResolutionRate | AverageRating | ConversionRate | ServiceGmv => {
                Some(true)
            }
            Waiting | FirstResponse | RobotTransferRate | TransferRate | BadReviewRate
            | Invalid | Complaints => Some(false),
            Serving | AgentsOnline | Received | Served => None,
        }
    }

    /// The value of a day's metrics; the live ones have none.
    pub fn of(self, m: &Metrics) -> Option<f64> {
        use CockpitMetric::*;
        match self {
            Waiting | Serving | AgentsOnline => None,
            Received => Some(m.received as f64),
            Served => Some(m.served as f64),
            FirstResponse => m.first_response_avg_s,
            QuickReplyRate => m.quick_reply_rate,
            RobotResolutionRate => m.robot_resolution_rate,
            RobotTransferRate => m.robot_transfer_rate,
            TransferRate => m.transfer_rate,
            AverageRating => m.average_rating,
            BadReviewRate => m.bad_review_rate,
            ConversionRate => m.conversion_rate,
            ServiceGmv => Some(m.converted_fen as f64),
            Invalid => Some(m.invalid as f64),
            Complaints => Some(m.complaints as f64),
        }
    }
}

/// What is happening this minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Live {
    pub waiting: i64,
    pub serving: i64,
    pub agents_online: i64,
}

/// One cockpit tile: today's value (or now's), and the same stretch of yesterday and of the
/// same weekday last week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Tile {
    pub metric: CockpitMetric,
    pub value: Option<f64>,
    pub yesterday: Option<f64>,
    pub last_week: Option<f64>,
    /// `true` higher is better, `false` lower is, absent for volumes.
    pub higher_is_better: Option<bool>,
}

/// The cockpit's tiles: today's metrics against yesterday's and last week's up to the same
/// time of day (the caller sums the same hours of each).
pub fn tiles(live: Live, today: &Metrics, yesterday: &Metrics, last_week: &Metrics) -> Vec<Tile> {
    CockpitMetric::ALL
        .into_iter()
        .map(|metric| {
            let value = match metric {
                CockpitMetric::Waiting => Some(live.waiting as f64),
                CockpitMetric::Serving => Some(live.serving as f64),
                CockpitMetric::AgentsOnline => Some(live.agents_online as f64),
                _ => metric.of(today),
            };
            Tile {
                metric,
                value,
                yesterday: metric.of(yesterday),
                last_week: metric.of(last_week),
                higher_is_better: metric.higher_is_better(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::Tally;

    #[test]
    fn the_cockpit_has_at_least_twelve_numbers_each_named_once() {
        let names: std::collections::BTreeSet<_> =
            CockpitMetric::ALL.iter().map(|m| m.as_str()).collect();
        assert!(names.len() >= 12);
        assert_eq!(names.len(), CockpitMetric::ALL.len());
        for m in CockpitMetric::ALL {
            assert_eq!(CockpitMetric::parse(m.as_str()), Some(m));
        }
        assert_eq!(CockpitMetric::parse("nope"), None);
    }

    #[test]
    fn tiles_read_the_same_metrics_as_the_scorecards() {
        let today = Tally {
            received: 10,
            served: 8,
            first_replies: 8,
            first_reply_ms: 8 * 30_000,
            converted: 2,
            converted_fen: 12_345,
            tags: [("complaint".to_owned(), 3)].into(),
            ..Tally::default()
        };
        let yesterday = Tally {
            received: 6,
            ..Tally::default()
        };
        let live = Live {
            waiting: 4,
            serving: 5,
            agents_online: 2,
        };
        let tiles = tiles(
            live,
            &today.metrics(),
            &yesterday.metrics(),
            &Tally::default().metrics(),
        );
        let tile = |m| tiles.iter().find(|t| t.metric == m).expect("tile").clone();
        assert_eq!(tile(CockpitMetric::Waiting).value, Some(4.0));
        assert_eq!(tile(CockpitMetric::Waiting).yesterday, None);
        assert_eq!(tile(CockpitMetric::Received).value, Some(10.0));
        assert_eq!(tile(CockpitMetric::Received).yesterday, Some(6.0));
        assert_eq!(tile(CockpitMetric::Received).last_week, Some(0.0));
        assert_eq!(tile(CockpitMetric::FirstResponse).value, Some(30.0));
        assert_eq!(tile(CockpitMetric::ConversionRate).value, Some(0.25));
        assert_eq!(tile(CockpitMetric::ServiceGmv).value, Some(12_345.0));
        assert_eq!(tile(CockpitMetric::Complaints).value, Some(3.0));
        assert_eq!(tile(CockpitMetric::BadReviewRate).value, None);
        assert_eq!(
            tile(CockpitMetric::BadReviewRate).higher_is_better,
            Some(false)
        );
    }
}
