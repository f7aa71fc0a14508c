//! Work orders (工单, ESC-3): what outlives a chat (a refund, an exchange, a reissue, a
//! logistics check, a complaint, a callback) with an owner, a deadline and a history. Pure:
//! the kinds and their targets, the status machine, the deadline counted in the shop's office
//! time (paused while the order waits for the buyer or a third party), and where an order
//! stands against its deadline.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error_code::ErrorCode;
use crate::hours::Schedule;

const HOUR_MS: i64 = 3_600_000;
/// An order is due soon in the last fifth of its time, or its last hour if that is shorter.
const SOON_SHARE: f64 = 0.2;

/// What a work order is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WorkOrderKind {
    Refund,
    Exchange,
    Reissue,
    Logistics,
    Complaint,
    Callback,
    Other,
}

impl WorkOrderKind {
    pub const ALL: [WorkOrderKind; 7] = [
        WorkOrderKind::Refund,
        WorkOrderKind::Exchange,
        WorkOrderKind::Reissue,
        WorkOrderKind::Logistics,
        WorkOrderKind::Complaint,
        WorkOrderKind::Callback,
        WorkOrderKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkOrderKind::Refund => "refund",
            WorkOrderKind::Exchange => "exchange",
            WorkOrderKind::Reissue => "reissue",
            WorkOrderKind::Logistics => "logistics",
            WorkOrderKind::Complaint => "complaint",
            WorkOrderKind::Callback => "callback",
            WorkOrderKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<WorkOrderKind> {
        WorkOrderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Office hours to resolve an order of this kind at normal priority, unless the shop
    /// sets its own: after-sales within the seeds' two hours to answer and a day to act, a
    /// quality complaint's report or return plan within 48 hours (ESC-2).
    pub fn default_target_hours(self) -> u32 {
        match self {
            WorkOrderKind::Refund => 24,
            WorkOrderKind::Exchange => 48,
            WorkOrderKind::Reissue => 24,
            WorkOrderKind::Logistics => 8,
            WorkOrderKind::Complaint => 48,
            WorkOrderKind::Callback => 4,
            WorkOrderKind::Other => 48,
        }
    }
}

/// How urgent an order is: its kind's target scaled.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    /// The share of the kind's target an order of this priority gets.
    fn scale(self) -> f64 {
        match self {
            Priority::Low => 2.0,
            Priority::Normal => 1.0,
            Priority::High => 0.5,
            Priority::Urgent => 0.25,
        }
    }
}

/// Where a work order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    InProgress,
    WaitingBuyer,
    WaitingThirdParty,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::InProgress,
        Status::WaitingBuyer,
        Status::WaitingThirdParty,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::WaitingBuyer => "waiting_buyer",
            Status::WaitingThirdParty => "waiting_third_party",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Someone still has to act: the deadline runs (unless it waits) and is watched.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }

    /// The deadline's clock stops while the order waits on someone outside the shop.
    pub fn pauses_clock(self) -> bool {
        matches!(self, Status::WaitingBuyer | Status::WaitingThirdParty)
    }
}

/// What moves a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// The owner starts on it.
    Start,
    WaitForBuyer,
    WaitForThirdParty,
    /// Back to work after waiting.
    Resume,
    Resolve,
    /// Done for good (from resolved), or dropped (from new).
    Close,
    /// A person opens it again.
    Reopen,
    /// The buyer wrote in the order's conversation: waiting for them ends; a resolved
    /// order is reopened.
    BuyerReplied,
}

/// The status after `by` from `from`, or `work_order_transition` when it does not apply.
pub fn transition(from: Status, by: Move) -> Result<Status, ErrorCode> {
    use Move as M;
    use Status as S;
    let to = match (from, by) {
        (S::New, M::Start) => S::InProgress,
        (S::New | S::InProgress, M::WaitForBuyer) => S::WaitingBuyer,
        (S::New | S::InProgress, M::WaitForThirdParty) => S::WaitingThirdParty,
        (S::WaitingBuyer, M::WaitForThirdParty) => S::WaitingThirdParty,
        (S::WaitingThirdParty, M::WaitForBuyer) => S::WaitingBuyer,
        (S::WaitingBuyer | S::WaitingThirdParty, M::Resume) => S::InProgress,
        (S::WaitingBuyer, M::BuyerReplied) => S::InProgress,
        (S::New | S::InProgress | S::WaitingBuyer | S::WaitingThirdParty, M::Resolve) => {
            S::Resolved
        }
        (S::New | S::Resolved, M::Close) => S::Closed,
        (S::Resolved | S::Closed, M::Reopen) => S::InProgress,
        (S::Resolved, M::BuyerReplied) => S::InProgress,
        _ => return Err(ErrorCode::WorkOrderTransition),
    };
    Ok(to)
}

/// Office milliseconds an order of `kind` at `priority` gets, the shop's target hours for
/// the kind (or its default) scaled by the priority.
pub fn target_ms(kind: WorkOrderKind, priority: Priority, target_hours: Option<u32>) -> i64 {
    let hours = f64::from(target_hours.unwrap_or_else(|| kind.default_target_hours()));
    (hours * priority.scale() * HOUR_MS as f64).round() as i64
}

/// The moment `office_ms` of the shop's office time have passed since `from` (wall-clock
/// time for a shop without office hours).
pub fn deadline(schedule: Option<&Schedule>, from: i64, office_ms: i64) -> i64 {
    match schedule {
        Some(schedule) => schedule.deadline(from, office_ms),
        None => from.saturating_add(office_ms),
    }
}

/// The deadline once an order that stopped its clock at `paused_at` goes on at `resumed_at`:
/// the office time that was left is counted again from then.
pub fn resumed_deadline(
    schedule: Option<&Schedule>,
    deadline_at: i64,
    paused_at: i64,
    resumed_at: i64,
) -> i64 {
    let left = match schedule {
        Some(schedule) => schedule.office_ms_between(paused_at, deadline_at),
        None => (deadline_at - paused_at).max(0),
    };
    deadline(schedule, resumed_at.max(paused_at), left)
}

/// Where an open order stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    OnTime,
    /// In its last fifth (or last hour): the owner is reminded.
    Soon,
    Overdue,
}

/// An order given `target` ms from `created_at` to `deadline_at`, at `now`.
pub fn due(now: i64, deadline_at: i64, target: i64) -> Due {
    if now >= deadline_at {
        return Due::Overdue;
    }
    let soon = ((target as f64 * SOON_SHARE) as i64).clamp(1, HOUR_MS);
    if deadline_at - now <= soon {
        Due::Soon
    } else {
        Due::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::OfficeHours;

    fn shanghai(text: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .expect("time")
            .and_local_timezone(chrono_tz::Asia::Shanghai)
            .single()
            .expect("one")
            .timestamp_millis()
    }

    fn nine_to_nine() -> Schedule {
        OfficeHours {
            days: vec![1, 2, 3, 4, 5, 6, 7],
            open: "09:00".into(),
            close: "21:00".into(),
        }
        .schedule("Asia/Shanghai")
        .expect("valid")
    }

    #[test]
    fn every_status_moves_only_as_the_machine_says() {
        use Move as M;
        use Status as S;
        let allowed = [
            (S::New, M::Start, S::InProgress),
            (S::New, M::WaitForBuyer, S::WaitingBuyer),
            (S::New, M::WaitForThirdParty, S::WaitingThirdParty),
            (S::New, M::Resolve, S::Resolved),
            (S::New, M::Close, S::Closed),
            (S::InProgress, M::WaitForBuyer, S::WaitingBuyer),
            (S::InProgress, M::WaitForThirdParty, S::WaitingThirdParty),
            (S::InProgress, M::Resolve, S::Resolved),
            (S::WaitingBuyer, M::Resume, S::InProgress),
            (S::WaitingBuyer, M::BuyerReplied, S::InProgress),
            (S::WaitingBuyer, M::WaitForThirdParty, S::WaitingThirdParty),
            (S::WaitingBuyer, M::Resolve, S::Resolved),
            (S::WaitingThirdParty, M::Resume, S::InProgress),
            (S::WaitingThirdParty, M::WaitForBuyer, S::WaitingBuyer),
            (S::WaitingThirdParty, M::Resolve, S::Resolved),
            (S::Resolved, M::Close, S::Closed),
            (S::Resolved, M::Reopen, S::InProgress),
            (S::Resolved, M::BuyerReplied, S::InProgress),
            (S::Closed, M::Reopen, S::InProgress),
        ];
        let moves = [
            M::Start,
            M::WaitForBuyer,
            M::WaitForThirdParty,
            M::Resume,
            M::Resolve,
            M::Close,
            M::Reopen,
            M::BuyerReplied,
        ];
        for from in Status::ALL {
            for by in moves {
                let expected = allowed
                    .iter()
                    .find(|(f, m, _)| *f == from && *m == by)
                    .map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(transition(from, by), Ok(to), "{from:?} {by:?}"),
                    None => assert_eq!(
                        transition(from, by),
                        Err(ErrorCode::WorkOrderTransition),
                        "{from:?} {by:?}"
                    ),
                }
            }
        }
        // A buyer writing to a closed order's conversation starts a new matter, not this one.
        assert!(transition(S::Closed, M::BuyerReplied).is_err());
        assert!(S::WaitingBuyer.pauses_clock() && !S::InProgress.pauses_clock());
        assert!(S::WaitingThirdParty.is_open() && !S::Resolved.is_open());
    }

    #[test]
    fn kinds_priorities_and_statuses_read_back() {
        for kind in WorkOrderKind::ALL {
            assert_eq!(WorkOrderKind::parse(kind.as_str()), Some(kind));
        }
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Priority::parse("urgent"), Some(Priority::Urgent));
        assert_eq!(WorkOrderKind::parse("warranty"), None);
    }

    #[test]
    fn targets_scale_with_priority_and_the_shops_hours() {
        assert_eq!(
            target_ms(WorkOrderKind::Refund, Priority::Normal, None),
            24 * HOUR_MS
        );
        assert_eq!(
            target_ms(WorkOrderKind::Refund, Priority::Urgent, None),
            6 * HOUR_MS
        );
        assert_eq!(
            target_ms(WorkOrderKind::Callback, Priority::Low, Some(2)),
            4 * HOUR_MS
        );
    }

    #[test]
    fn deadlines_count_office_time_and_stop_while_waiting() {
        let hours = nine_to_nine();
        // A 4-hour callback opened at 19:00 is due at 11:00 the next morning.
        let opened = shanghai("2026-12-07 19:00");
        let due_at = deadline(Some(&hours), opened, 4 * HOUR_MS);
        assert_eq!(due_at, shanghai("2026-12-08 11:00"));
        // Without office hours, the clock is the wall clock.
        assert_eq!(
            deadline(None, opened, 4 * HOUR_MS),
            shanghai("2026-12-07 23:00")
        );
        // Waiting for the buyer from 20:00 to 10:00 the next day: three office hours were
        // left (20–21, 09–11), counted again from 10:00.
        let resumed = resumed_deadline(
            Some(&hours),
            due_at,
            shanghai("2026-12-07 20:00"),
            shanghai("2026-12-08 10:00"),
        );
        assert_eq!(resumed, shanghai("2026-12-08 13:00"));
        // A deadline already passed when the wait began stays passed.
        let late = resumed_deadline(None, opened, opened + HOUR_MS, opened + 5 * HOUR_MS);
        assert_eq!(late, opened + 5 * HOUR_MS);
    }

    #[test]
    fn an_order_is_on_time_then_due_soon_then_overdue() {
        let target = 24 * HOUR_MS;
        let deadline_at = 100 * HOUR_MS;
        assert_eq!(
            due(deadline_at - 2 * HOUR_MS, deadline_at, target),
            Due::OnTime
        );
        assert_eq!(due(deadline_at - HOUR_MS, deadline_at, target), Due::Soon);
        assert_eq!(due(deadline_at, deadline_at, target), Due::Overdue);
        // A two-hour order is due soon in its last 24 minutes.
        let short = 2 * HOUR_MS;
        assert_eq!(
            due(deadline_at - 30 * 60_000, deadline_at, short),
            Due::OnTime
        );
        assert_eq!(
            due(deadline_at - 20 * 60_000, deadline_at, short),
            Due::Soon
        );
    }
}
