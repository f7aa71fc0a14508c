//! The team's numbers (KPI-1, KPI-2, KPI-3, KPI-5, WB-10, issue #18), each defined once as a
//! pure function over a conversation's event log.
//!
//! [`contributions`] walks one conversation's log and says what each agent (and the shop, for
//! what nobody owns) did on each of the shop's days: an additive [`Tally`]. Daily rollups are
//! those tallies summed per agent and day; a report over any range sums rollups and reads
//! its [`Metrics`] off the sum, so a month's report never walks the log. [`score`] turns
//! metrics into a scorecard out of 100 with the shop's weights and lines ([`KpiRules`]).
//!
//! What counts, as the seeds define it:
//! - only an agent's own messages are replies: the robot's, kefu's and the automatic replies
//!   (WB-2) never are, and never end the buyer's wait;
//! - a *cycle* runs from creation or reopening to resolution; its first response is counted
//!   from when the buyer came to people (the cycle's start, or the robot's hand-off);
//! - a buyer's *turn* is one or more buyer messages in a row; it is answered by the next
//!   agent message (a reply, timed from the turn's first message) or dropped when the
//!   conversation is resolved first;
//! - waits count office time, less the answering agent's breaks (WB-9), only when the
//!   conversation's team counts its target in office hours (WB-7), else wall-clock time;
//! - an invalid conversation (WB-6) is counted apart and owes no replies while invalid;
//! - a conversation converts when its buyer orders within 24 hours of an agent serving it;
//!   an order credits the latest service before it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::channel::Entry;
use crate::conversation::EventKind;
use crate::error_code::ErrorCode;
use crate::hours::{Schedule, waited_ms};
use crate::message::SenderKind;

/// A reply within this long counts toward the 3-minute reply rate (KPI-2).
pub const QUICK_REPLY_MS: i64 = 3 * 60_000;
/// An order placed within this long after an agent served the buyer is a conversion.
pub const CONVERSION_WINDOW_MS: i64 = 24 * 3_600_000;

/// One row of a conversation's event log, as the metrics read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    pub kind: EventKind,
    pub actor_kind: SenderKind,
    pub actor_id: Option<Uuid>,
    pub data: serde_json::Value,
    pub at: i64,
}

/// An order of the conversation's buyer: when it was placed and what was paid (fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacedOrder {
    pub placed_at: i64,
    pub paid_fen: i64,
}

/// A conversation's whole event log (in order) and its buyer's orders.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationLog {
    pub events: Vec<LoggedEvent>,
    pub orders: Vec<PlacedOrder>,
}

/// First-response waits are kept as a histogram so a percentile survives summing: to the
/// second under a minute, by 10 s to 5 minutes, by the minute to an hour, by the half hour
/// beyond. The bucket's upper bound, in seconds.
fn bucket_of(wait_ms: i64) -> u16 {
    let s = (wait_ms.max(0) + 999) / 1_000;
    let b = if s <= 60 {
        s
    } else if s <= 300 {
        60 + (s - 60 + 9) / 10
    } else if s <= 3_600 {
        84 + (s - 300 + 59) / 60
    } else {
        139 + ((s - 3_600 + 1_799) / 1_800).min(100)
    };
    b as u16
}

/// The upper bound, in seconds, of histogram bucket `b`.
fn bucket_seconds(b: u16) -> i64 {
    let b = i64::from(b);
    if b <= 60 {
        b
    } else if b <= 84 {
        60 + (b - 60) * 10
    } else if b <= 139 {
        300 + (b - 84) * 60
    } else {
        3_600 + (b - 139) * 1_800
    }
}

/// What an agent (or the shop, for what no agent owns) did on one day: counters that add up
/// across days and agents. Every metric is read off a sum of these ([`Tally::metrics`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Tally {
    /// Cycles that began (created or reopened): the shop's part only.
    pub received: i64,
    /// Cycles the agent sent at least one reply in (counted on the day of the first).
    pub served: i64,
    /// Days with at least one served cycle.
    pub active_days: i64,
    pub first_replies: i64,
    pub first_reply_ms: i64,
    /// First-response waits: histogram bucket → count.
    #[schema(value_type = Object)]
    pub first_reply_hist: BTreeMap<u16, i64>,
    /// Buyer turns answered, their total wait, and those answered within 3 minutes.
    pub answered: i64,
    pub answer_ms: i64,
    pub answered_quick: i64,
    /// Buyer turns the conversation was resolved on without an answer.
    pub dropped: i64,
    pub agent_messages: i64,
    pub resolved: i64,
    pub transferred: i64,
    pub rated: i64,
    pub stars: i64,
    pub bad_reviews: i64,
    /// Served cycles whose buyer ordered within 24 hours, and what they paid (fen).
    pub converted: i64,
    pub converted_fen: i64,
    /// The same for cycles that came from a live room and from a creator's (short-video)
    /// page (KPI-5).
    pub live_served: i64,
    pub live_converted: i64,
    pub live_fen: i64,
    pub video_served: i64,
    pub video_converted: i64,
    /// Conversations closed as invalid (WB-6): the shop's part only.
    pub invalid: i64,
    /// Cycles resolved without any agent's reply (the robot or the buyer ended them).
    pub unserved_resolved: i64,
    /// Cycles the robot answered in, those it ended without people (no hand-off, no agent's
    /// reply), and its hand-offs to people (BOT-3, DATA-1): the shop's part only.
    pub robot_cycles: i64,
    pub robot_resolved: i64,
    pub robot_handoffs: i64,
    /// Tags put on conversations (WB-5), by key, less those taken off: the shop's part only.
    #[schema(value_type = Object)]
    pub tags: BTreeMap<String, i64>,
    /// The after-contact funnel (DATA-4) of cycles that came with a product or an order:
    /// those that began (the shop's part), were served, whose buyer then ordered and paid
    /// within 24 hours (the serving agent's part).
    pub funnel: Funnel,
    /// The same per product code (the shop's part only; kept in the daily rollups).
    #[schema(value_type = Object)]
    pub product_funnel: BTreeMap<String, Funnel>,
}

/// Asked → served → ordered → paid (DATA-4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Funnel {
    pub asked: i64,
    pub served: i64,
    pub ordered: i64,
    pub paid: i64,
}

impl Funnel {
    pub fn add(&mut self, other: &Funnel) {
        self.asked += other.asked;
        self.served += other.served;
        self.ordered += other.ordered;
        self.paid += other.paid;
    }

    pub fn is_empty(&self) -> bool {
        *self == Funnel::default()
    }
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.received += other.received;
        self.served += other.served;
        self.active_days += other.active_days;
        self.first_replies += other.first_replies;
        self.first_reply_ms += other.first_reply_ms;
        for (bucket, count) in &other.first_reply_hist {
            *self.first_reply_hist.entry(*bucket).or_default() += count;
        }
        self.answered += other.answered;
        self.answer_ms += other.answer_ms;
        self.answered_quick += other.answered_quick;
        self.dropped += other.dropped;
        self.agent_messages += other.agent_messages;
        self.resolved += other.resolved;
        self.transferred += other.transferred;
        self.rated += other.rated;
        self.stars += other.stars;
        self.bad_reviews += other.bad_reviews;
        self.converted += other.converted;
        self.converted_fen += other.converted_fen;
        self.live_served += other.live_served;
        self.live_converted += other.live_converted;
        self.live_fen += other.live_fen;
        self.video_served += other.video_served;
        self.video_converted += other.video_converted;
        self.invalid += other.invalid;
        self.unserved_resolved += other.unserved_resolved;
        self.robot_cycles += other.robot_cycles;
        self.robot_resolved += other.robot_resolved;
        self.robot_handoffs += other.robot_handoffs;
        for (tag, count) in &other.tags {
            *self.tags.entry(tag.clone()).or_default() += count;
        }
        self.funnel.add(&other.funnel);
        for (product, funnel) in &other.product_funnel {
            self.product_funnel
                .entry(product.clone())
                .or_default()
                .add(funnel);
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }

    /// The metrics this tally gives, over `days` calendar days.
    pub fn metrics(&self) -> Metrics {
        let ratio = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        Metrics {
            received: self.received,
            served: self.served,
            served_per_day: ratio(self.served, self.active_days),
            first_response_avg_s: ratio(self.first_reply_ms, self.first_replies * 1_000),
            first_response_p90_s: self.first_reply_percentile(0.9),
            response_avg_s: ratio(self.answer_ms, self.answered * 1_000),
            quick_reply_rate: ratio(self.answered_quick, self.answered + self.dropped),
            effective_replies: self.answered,
            effective_reply_rate: ratio(self.answered, self.answered + self.dropped),
            resolution_rate: ratio(self.resolved, self.served),
            transfer_rate: ratio(self.transferred, self.served),
            conversion_rate: ratio(self.converted, self.served),
            converted_fen: self.converted_fen,
            rated: self.rated,
            average_rating: ratio(self.stars, self.rated),
            bad_review_rate: ratio(self.bad_reviews, self.rated),
            live_served: self.live_served,
            live_orders: self.live_converted,
            live_fen: self.live_fen,
            live_conversion_rate: ratio(self.live_converted, self.live_served),
            video_served: self.video_served,
            video_conversion_rate: ratio(self.video_converted, self.video_served),
            invalid: self.invalid,
            robot_resolution_rate: ratio(self.robot_resolved, self.robot_cycles),
            robot_transfer_rate: ratio(self.robot_handoffs, self.robot_cycles),
            complaints: self.tags.get(COMPLAINT_TAG).copied().unwrap_or(0),
        }
    }

    /// The first-response wait `q` of the cycles are within (bucket resolution), seconds.
    fn first_reply_percentile(&self, q: f64) -> Option<f64> {
        let total: i64 = self.first_reply_hist.values().sum();
        if total == 0 {
            return None;
        }
        let rank = (q * total as f64).ceil().max(1.0) as i64;
        let mut seen = 0;
        for (bucket, count) in &self.first_reply_hist {
            seen += count;
            if seen >= rank {
                return Some(bucket_seconds(*bucket) as f64);
            }
        }
        None
    }
}

/// The metrics of a tally (KPI-1, KPI-2, KPI-5, WB-10); `None` where there is nothing to
/// divide by. Rates are fractions (0.85 = 85 %), times seconds, money fen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Metrics {
    /// Cycles that began (created or reopened), the shop's and team's view.
    pub received: i64,
    /// Cycles the agent replied in.
    pub served: i64,
    /// Served per day worked, against the daily target (WB-10).
    pub served_per_day: Option<f64>,
    /// From the buyer reaching people to the first agent reply.
    pub first_response_avg_s: Option<f64>,
    pub first_response_p90_s: Option<f64>,
    /// From a buyer's turn to the agent's answer.
    pub response_avg_s: Option<f64>,
    /// Turns answered within 3 minutes ÷ turns owed (answered or dropped).
    pub quick_reply_rate: Option<f64>,
    /// Turns answered (有效回复).
    pub effective_replies: i64,
    /// Turns answered ÷ turns owed.
    pub effective_reply_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    pub transfer_rate: Option<f64>,
    /// Served cycles whose buyer ordered within 24 h ÷ served.
    pub conversion_rate: Option<f64>,
    pub converted_fen: i64,
    pub rated: i64,
    pub average_rating: Option<f64>,
    /// 1–2-star ratings ÷ ratings.
    pub bad_review_rate: Option<f64>,
    pub live_served: i64,
    /// Orders guided from the live room (KPI-5, 弹幕引导成交).
    pub live_orders: i64,
    pub live_fen: i64,
    pub live_conversion_rate: Option<f64>,
    pub video_served: i64,
    /// Enquiries from short videos (a creator's page) that converted (KPI-5).
    pub video_conversion_rate: Option<f64>,
    pub invalid: i64,
    /// Cycles the robot ended without people ÷ cycles it answered in (DATA-1).
    pub robot_resolution_rate: Option<f64>,
    /// The robot's hand-offs to people ÷ cycles it answered in (DATA-1).
    pub robot_transfer_rate: Option<f64>,
    /// Conversations tagged as a complaint (`complaint`, WB-5).
    pub complaints: i64,
}

/// The tag that marks a complaint (WB-5's built-in `投诉`).
pub const COMPLAINT_TAG: &str = "complaint";

/// What one conversation's log says an agent (`None`: the shop, for what no agent owns) did
/// in one hour of one of the shop's days, for buyers who came in by `entry` (the cycle's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub day: NaiveDate,
    /// The shop's local hour, 0–23.
    pub hour: u8,
    pub agent: Option<Uuid>,
    pub entry: Option<Entry>,
    pub tally: Tally,
}

/// The shop's local hour (0–23) of an instant.
pub fn local_hour(zone: Tz, at_ms: i64) -> u8 {
    use chrono::Timelike;
    chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .hour() as u8
}

/// The shop's calendar day of an instant.
pub fn local_day(zone: Tz, at_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap_or_default()
        .with_timezone(&zone)
        .date_naive()
}

/// The UTC instants `[start, end)` of the shop's days `from..=to`.
pub fn day_span(zone: Tz, from: NaiveDate, to: NaiveDate) -> (i64, i64) {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(zone).earliest())
            .map_or(0, |t| t.timestamp_millis())
    };
    (start(from), start(to.succ_opt().unwrap_or(to)))
}

/// Tallies by (day, agent) as a walk fills them.
struct Days {
    zone: Tz,
    /// The entry of the cycle being walked.
    entry: Option<Entry>,
    out: HashMap<(NaiveDate, u8, Option<Uuid>, Option<Entry>), Tally>,
}

impl Days {
    fn at(&mut self, who: Option<Uuid>, when: i64) -> &mut Tally {
        let key = (
            local_day(self.zone, when),
            local_hour(self.zone, when),
            who,
            self.entry,
        );
        self.out.entry(key).or_default()
    }
}

struct Service {
    at: i64,
    agent: Uuid,
    entry: Option<Entry>,
    /// The cycle came with a product or an order; the product's code.
    context: bool,
    product: Option<String>,
}

/// The product code and whether there is any context (a product or an order) in an entry
/// event's data.
fn context_of(data: &serde_json::Value) -> (bool, Option<String>) {
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let product = text(&data["context"]["product_code"]);
    let order = text(&data["context"]["order_no"]);
    (product.is_some() || order.is_some(), product)
}

/// Each agent's breaks (WB-9): (start, end), an open one ending at `i64::MAX`.
pub type Breaks = HashMap<Uuid, Vec<(i64, i64)>>;

/// How a team that counts in office time (WB-7) counts a wait: in the shop's office hours
/// (when it has them), and without the time the answering agent was on a break.
#[derive(Debug, Clone, Copy)]
pub struct OfficeTime<'a> {
    pub schedule: Option<&'a Schedule>,
    pub breaks: &'a Breaks,
}

/// How long `agent`'s answer at `at` kept the buyer waiting since `since`: wall-clock time,
/// or, for a team counting in office time, office time less the agent's breaks.
pub fn wait_ms(office: Option<OfficeTime<'_>>, agent: Uuid, since: i64, at: i64) -> i64 {
    let Some(office) = office else {
        return (at - since).max(0);
    };
    let total = waited_ms(office.schedule, since, at);
    let on_break: i64 = office
        .breaks
        .get(&agent)
        .map(|breaks| {
            breaks
                .iter()
                .map(|&(start, end)| (start.max(since), end.min(at)))
                .filter(|(from, to)| from < to)
                .map(|(from, to)| waited_ms(office.schedule, from, to))
                .sum()
        })
        .unwrap_or(0);
    (total - on_break).max(0)
}

/// Walks one conversation's log: what each agent (and the shop) did, per day. `office` is
/// given when the conversation's team counts in office time.
pub fn contributions(
    log: &ConversationLog,
    zone: Tz,
    office: Option<OfficeTime<'_>>,
) -> Vec<Contribution> {
    let mut days = Days {
        zone,
        entry: None,
        out: HashMap::new(),
    };
    let uuid_at = |data: &serde_json::Value, key: &str| {
        data[key].as_str().and_then(|s| Uuid::parse_str(s).ok())
    };
    let mut assignee: Option<Uuid> = None;
    let mut entry: Option<Entry> = None;
    let mut people_since: Option<i64> = None;
    let mut first_reply_due = false;
    let mut served_this_cycle: Vec<Uuid> = Vec::new();
    let mut turn_since: Option<i64> = None;
    let mut invalid = false;
    let mut robot_this_cycle = false;
    let mut handed_off = false;
    let mut context = (false, None::<String>);
    let mut services: Vec<Service> = Vec::new();
    for event in &log.events {
        match event.kind {
            EventKind::Created | EventKind::Reopened => {
                if let Some(e) = event.data["entry"].as_str().and_then(Entry::parse) {
                    entry = Some(e);
                }
                days.entry = entry;
                let (with_context, product) = context_of(&event.data);
                context = (with_context, product.clone());
                let tally = days.at(None, event.at);
                tally.received += 1;
                if with_context {
                    tally.funnel.asked += 1;
                    if let Some(code) = product {
                        tally.product_funnel.entry(code).or_default().asked += 1;
                    }
                }
                people_since = Some(event.at);
                first_reply_due = true;
                served_this_cycle.clear();
                turn_since = None;
                robot_this_cycle = false;
                handed_off = false;
            }
            EventKind::Entered => {
                if let Some(e) = event.data["entry"].as_str().and_then(Entry::parse) {
                    entry = Some(e);
                }
                let (with_context, product) = context_of(&event.data);
                if with_context {
                    context = (true, product.or(context.1.take()));
                }
            }
            EventKind::RobotHandoff => {
                people_since = Some(event.at);
                if !handed_off {
                    handed_off = true;
                    days.at(None, event.at).robot_handoffs += 1;
                }
            }
            EventKind::AgentMessage if event.actor_kind == SenderKind::Bot && !robot_this_cycle => {
                robot_this_cycle = true;
                days.at(None, event.at).robot_cycles += 1;
            }
            EventKind::Tagged => {
                let keys = |field: &str| {
                    event.data[field]
                        .as_array()
                        .map(|a| a.iter().filter_map(|k| k.as_str()).collect::<Vec<_>>())
                        .unwrap_or_default()
                };
                let tally = days.at(None, event.at);
                for key in keys("added") {
                    *tally.tags.entry(key.to_owned()).or_default() += 1;
                }
                for key in keys("removed") {
                    *tally.tags.entry(key.to_owned()).or_default() -= 1;
                }
                tally.tags.retain(|_, n| *n != 0);
            }
            EventKind::BuyerMessage if !invalid => {
                turn_since.get_or_insert(event.at);
            }
            EventKind::AgentMessage if event.actor_kind == SenderKind::Agent => {
                let Some(agent) = event.actor_id else {
                    continue;
                };
                let tally = days.at(Some(agent), event.at);
                tally.agent_messages += 1;
                if let Some(since) = turn_since.take() {
                    let wait = wait_ms(office, agent, since, event.at);
                    tally.answered += 1;
                    tally.answer_ms += wait;
                    tally.answered_quick += i64::from(wait <= QUICK_REPLY_MS);
                }
                if first_reply_due {
                    first_reply_due = false;
                    let since = people_since.unwrap_or(event.at);
                    let wait = wait_ms(office, agent, since, event.at);
                    tally.first_replies += 1;
                    tally.first_reply_ms += wait;
                    *tally.first_reply_hist.entry(bucket_of(wait)).or_default() += 1;
                }
                if !served_this_cycle.contains(&agent) {
                    served_this_cycle.push(agent);
                    tally.served += 1;
                    tally.live_served += i64::from(entry == Some(Entry::LiveRoom));
                    tally.video_served += i64::from(entry == Some(Entry::Creator));
                    if context.0 {
                        tally.funnel.served += 1;
                    }
                    services.push(Service {
                        at: event.at,
                        agent,
                        entry,
                        context: context.0,
                        product: context.1.clone(),
                    });
                    if let Some(code) = &context.1 {
                        let shop = days.at(None, event.at);
                        shop.product_funnel.entry(code.clone()).or_default().served += 1;
                    }
                }
            }
            EventKind::Assigned => assignee = uuid_at(&event.data, "assignee_id"),
            EventKind::Transferred => {
                let from = uuid_at(&event.data, "previous_assignee_id").or(event.actor_id);
                if let Some(from) = from {
                    days.at(Some(from), event.at).transferred += 1;
                }
                assignee = uuid_at(&event.data, "to_user_id");
            }
            EventKind::Stranded => assignee = None,
            EventKind::Resolved => {
                if turn_since.take().is_some() {
                    days.at(assignee, event.at).dropped += 1;
                }
                if event.actor_kind == SenderKind::Agent {
                    days.at(event.actor_id, event.at).resolved += 1;
                }
                if served_this_cycle.is_empty() {
                    let tally = days.at(None, event.at);
                    tally.unserved_resolved += 1;
                    tally.robot_resolved += i64::from(robot_this_cycle && !handed_off);
                }
            }
            EventKind::Rated => {
                let stars = event.data["stars"].as_i64().unwrap_or(0);
                if (1..=5).contains(&stars) {
                    let tally = days.at(uuid_at(&event.data, "agent_id"), event.at);
                    tally.rated += 1;
                    tally.stars += stars;
                    tally.bad_reviews += i64::from(event.data["bad"].as_bool().unwrap_or(false));
                }
            }
            EventKind::Invalidated => {
                invalid = true;
                turn_since = None;
                days.at(None, event.at).invalid += 1;
            }
            EventKind::Restored => {
                invalid = false;
                days.at(None, event.at).invalid -= 1;
            }
            _ => {}
        }
    }
    // An order credits the latest service within the 24 hours before it, once per service.
    // Each service is credited once as converted (a paid order) and once down the funnel.
    let mut credited = vec![false; services.len()];
    let mut ordered = vec![false; services.len()];
    let mut paid = vec![false; services.len()];
    for order in &log.orders {
        let latest = services.iter().enumerate().rev().find(|(_, s)| {
            s.at <= order.placed_at && order.placed_at - s.at <= CONVERSION_WINDOW_MS
        });
        let Some((i, service)) = latest else {
            continue;
        };
        days.entry = service.entry;
        let tally = days.at(Some(service.agent), service.at);
        let is_paid = order.paid_fen > 0;
        if service.context {
            let first_order = !ordered[i];
            let first_paid = is_paid && !paid[i];
            ordered[i] = true;
            paid[i] |= is_paid;
            tally.funnel.ordered += i64::from(first_order);
            tally.funnel.paid += i64::from(first_paid);
            if let Some(code) = &service.product
                && (first_order || first_paid)
            {
                let shop = days.at(None, service.at);
                let funnel = shop.product_funnel.entry(code.clone()).or_default();
                funnel.ordered += i64::from(first_order);
                funnel.paid += i64::from(first_paid);
            }
        }
        if !is_paid {
            continue;
        }
        let tally = days.at(Some(service.agent), service.at);
        if !credited[i] {
            credited[i] = true;
            tally.converted += 1;
            tally.live_converted += i64::from(service.entry == Some(Entry::LiveRoom));
            tally.video_converted += i64::from(service.entry == Some(Entry::Creator));
        }
        tally.converted_fen += order.paid_fen;
        if service.entry == Some(Entry::LiveRoom) {
            tally.live_fen += order.paid_fen;
        }
    }
    let mut contributions: Vec<Contribution> = days
        .out
        .into_iter()
        .map(|((day, hour, agent, entry), mut tally)| {
            tally.active_days = i64::from(tally.served > 0);
            Contribution {
                day,
                hour,
                agent,
                entry,
                tally,
            }
        })
        .filter(|c| !c.tally.is_empty())
        .collect();
    contributions.sort_by_key(|c| (c.day, c.hour, c.agent, c.entry.map(Entry::as_str)));
    contributions
}

/// One daily rollup row: what an agent (`None`: the shop's part) did on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDay {
    pub day: NaiveDate,
    pub agent: Option<Uuid>,
    pub tally: Tally,
}

/// Sums contributions per (day, agent): the daily rollup rows.
pub fn roll_up(parts: impl IntoIterator<Item = Contribution>) -> Vec<AgentDay> {
    let mut rows: BTreeMap<(NaiveDate, Option<Uuid>), Tally> = BTreeMap::new();
    for part in parts {
        let row = rows.entry((part.day, part.agent)).or_default();
        let active = row.active_days.max(part.tally.active_days);
        row.add(&part.tally);
        row.active_days = active;
    }
    rows.into_iter()
        .map(|((day, agent), tally)| AgentDay { day, agent, tally })
        .collect()
}

/// One hourly rollup cell: what the whole shop did in an hour for buyers of one entry
/// (DATA-2's heatmap and the cockpit's same-time comparisons). Agents' days are not counted
/// (`active_days` is 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourSlice {
    pub day: NaiveDate,
    pub hour: u8,
    pub entry: Option<Entry>,
    pub tally: Tally,
}

/// Sums contributions per (day, hour, entry), over agents: the hourly rollup cells.
pub fn roll_up_hours(parts: impl IntoIterator<Item = Contribution>) -> Vec<HourSlice> {
    let mut cells: BTreeMap<(NaiveDate, u8, Option<&'static str>), HourSlice> = BTreeMap::new();
    for part in parts {
        let key = (part.day, part.hour, part.entry.map(Entry::as_str));
        let cell = cells.entry(key).or_insert_with(|| HourSlice {
            day: part.day,
            hour: part.hour,
            entry: part.entry,
            tally: Tally::default(),
        });
        cell.tally.add(&part.tally);
        cell.tally.active_days = 0;
    }
    cells.into_values().collect()
}

// ---------------------------------------------------------------------------------------
// Scorecards (KPI-1, KPI-2): weights, lines, score and grade.

/// How the satisfaction part of the scorecard is measured (KPI-3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SatisfactionSource {
    /// The buyers' ratings (bad-review rate and average stars).
    #[default]
    Ratings,
    /// The QA inspectors' scores.
    Qa,
    /// Half each.
    Both,
}

/// The three parts of a scorecard, in percent; they add up to 100 (KPI-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Weights {
    pub response: u32,
    pub conversion: u32,
    pub satisfaction: u32,
}

impl Default for Weights {
    /// The seeds' 40/35/25.
    fn default() -> Self {
        Weights {
            response: 40,
            conversion: 35,
            satisfaction: 25,
        }
    }
}

/// A metric's pass and excellence lines (KPI-2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Line {
    pub pass: f64,
    pub excellent: f64,
}

/// A team's lines: what passes and what excels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lines {
    /// Average first response, seconds (lower is better).
    pub first_response_s: Line,
    /// 3-minute reply rate, a fraction.
    pub quick_reply_rate: Line,
    /// Bad-review rate, a fraction (lower is better).
    pub bad_review_rate: Line,
    /// Conversion rate, a fraction.
    pub conversion_rate: Line,
    /// Average stars, 1–5.
    pub average_rating: Line,
    /// QA score, out of 100.
    pub qa_score: Line,
    /// Conversations served per agent per day (WB-10).
    pub daily_target: u32,
}

impl Default for Lines {
    /// The seeds' lines: first response ≤ 30 s, 3-minute rate ≥ 85 %, bad reviews ≤ 2 % to
    /// pass; ≤ 15 s, ≥ 95 %, ≤ 0.5 % to excel; 300 conversations a day (WB-10).
    fn default() -> Self {
        Lines {
            first_response_s: Line {
                pass: 30.0,
                excellent: 15.0,
            },
            quick_reply_rate: Line {
                pass: 0.85,
                excellent: 0.95,
            },
            bad_review_rate: Line {
                pass: 0.02,
                excellent: 0.005,
            },
            conversion_rate: Line {
                pass: 0.2,
                excellent: 0.35,
            },
            average_rating: Line {
                pass: 4.5,
                excellent: 4.8,
            },
            qa_score: Line {
                pass: 80.0,
                excellent: 90.0,
            },
            daily_target: 300,
        }
    }
}

/// The shop's scorecard rules (a shop document): weights, the satisfaction source, the
/// default lines and each team's own (pre-sales, after-sales, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct KpiRules {
    pub weights: Weights,
    pub satisfaction: SatisfactionSource,
    pub lines: Lines,
    /// Team key → its lines, where they differ from the shop's.
    pub teams: BTreeMap<String, Lines>,
}

impl KpiRules {
    /// The lines `team` is held to.
    pub fn lines_for(&self, team: Option<&str>) -> &Lines {
        team.and_then(|t| self.teams.get(t)).unwrap_or(&self.lines)
    }

    /// Weights that add up to 100, and every line with its excellence better than its pass
    /// and within its metric's range (`invalid_kpi_rules`).
    pub fn check(&self) -> Result<(), ErrorCode> {
        let w = self.weights;
        if w.response + w.conversion + w.satisfaction != 100 || self.teams.len() > 50 {
            return Err(ErrorCode::InvalidKpiRules);
        }
        std::iter::once(&self.lines)
            .chain(self.teams.values())
            .try_for_each(Lines::check)
    }
}

impl Lines {
    fn check(&self) -> Result<(), ErrorCode> {
        let lower_better = |l: Line, max: f64| {
            l.excellent >= 0.0 && l.excellent < l.pass && l.pass <= max && l.pass.is_finite()
        };
        let higher_better = |l: Line, min: f64, max: f64| {
            l.pass >= min && l.pass < l.excellent && l.excellent <= max && l.excellent.is_finite()
        };
        let ok = lower_better(self.first_response_s, 86_400.0)
            && lower_better(self.bad_review_rate, 1.0)
            && higher_better(self.quick_reply_rate, 0.0, 1.0)
            && higher_better(self.conversion_rate, 0.0, 1.0)
            && higher_better(self.average_rating, 1.0, 5.0)
            && higher_better(self.qa_score, 0.0, 100.0)
            && (1..=10_000).contains(&self.daily_target);
        if ok {
            Ok(())
        } else {
            Err(ErrorCode::InvalidKpiRules)
        }
    }
}

/// Which metric a scorecard part measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoredMetric {
    FirstResponse,
    QuickReplyRate,
    ConversionRate,
    BadReviewRate,
    AverageRating,
    QaScore,
}

/// One part of a scorecard: the metric's value, the points it earned of its weight, and
/// where it stands against the lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScorePart {
    pub metric: ScoredMetric,
    /// `None`: no data in the range; the part is left out and the rest scaled to 100.
    pub value: Option<f64>,
    pub weight: f64,
    pub points: f64,
    pub standing: Option<Grade>,
}

/// Where an agent stands (KPI-2): every line metric at its excellence line, at its pass
/// line, or one below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Below,
    Pass,
    Excellent,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Below => "below",
            Grade::Pass => "pass",
            Grade::Excellent => "excellent",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Some(match s {
            "below" => Grade::Below,
            "pass" => Grade::Pass,
            "excellent" => Grade::Excellent,
            _ => return None,
        })
    }
}

/// A score out of 100, the grade, and the parts that make it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Scorecard {
    pub score: f64,
    /// `None` when none of the line metrics has data.
    pub grade: Option<Grade>,
    pub parts: Vec<ScorePart>,
}

/// The fraction of a part's weight a value earns: all of it at or past the excellence line,
/// 60 % at the pass line, linear between, and down to nothing as far below the pass line
/// as excellence is above it, twice over.
fn earned(value: f64, line: Line) -> (f64, Grade) {
    let span = line.excellent - line.pass; // negative when lower is better
    let past = (value - line.pass) / span; // 0 at pass, 1 at excellent
    let grade = if past >= 1.0 - 1e-9 {
        Grade::Excellent
    } else if past >= -1e-9 {
        Grade::Pass
    } else {
        Grade::Below
    };
    let fraction = if past >= 1.0 {
        1.0
    } else if past >= 0.0 {
        0.6 + 0.4 * past
    } else {
        (0.6 + 0.3 * past).max(0.0)
    };
    (fraction, grade)
}

/// The scorecard of `metrics` under `rules` for a member of `team` (KPI-1, KPI-2). The
/// response part is first response and the 3-minute rate, half each; conversion is the
/// conversion rate; satisfaction is the bad-review rate (60 %) and average stars (40 %), the
/// QA score, or half each (`rules.satisfaction`). The grade reads the seeds' three lines:
/// first response, 3-minute rate and bad reviews.
pub fn score(
    metrics: &Metrics,
    qa_score: Option<f64>,
    rules: &KpiRules,
    team: Option<&str>,
) -> Scorecard {
    let lines = rules.lines_for(team);
    let w = rules.weights;
    let (response, conversion, satisfaction) = (
        f64::from(w.response),
        f64::from(w.conversion),
        f64::from(w.satisfaction),
    );
    let (ratings_share, qa_share) = match rules.satisfaction {
        SatisfactionSource::Ratings => (1.0, 0.0),
        SatisfactionSource::Qa => (0.0, 1.0),
        SatisfactionSource::Both => (0.5, 0.5),
    };
    let mut plan = vec![
        (
            ScoredMetric::FirstResponse,
            metrics.first_response_avg_s,
            lines.first_response_s,
            response / 2.0,
        ),
        (
            ScoredMetric::QuickReplyRate,
            metrics.quick_reply_rate,
            lines.quick_reply_rate,
            response / 2.0,
        ),
        (
            ScoredMetric::ConversionRate,
            metrics.conversion_rate,
            lines.conversion_rate,
            conversion,
        ),
    ];
    if ratings_share > 0.0 {
        plan.push((
            ScoredMetric::BadReviewRate,
            metrics.bad_review_rate,
            lines.bad_review_rate,
            satisfaction * ratings_share * 0.6,
        ));
        plan.push((
            ScoredMetric::AverageRating,
            metrics.average_rating,
            lines.average_rating,
            satisfaction * ratings_share * 0.4,
        ));
    }
    if qa_share > 0.0 {
        plan.push((
            ScoredMetric::QaScore,
            qa_score,
            lines.qa_score,
            satisfaction * qa_share,
        ));
    }
    let mut parts = Vec::with_capacity(plan.len());
    let (mut earned_total, mut weight_with_data) = (0.0, 0.0);
    for (metric, value, line, weight) in plan {
        let judged = value.map(|v| earned(v, line));
        let points = judged.map_or(0.0, |(fraction, _)| fraction * weight);
        if judged.is_some() {
            earned_total += points;
            weight_with_data += weight;
        }
        parts.push(ScorePart {
            metric,
            value,
            weight,
            points: round1(points),
            standing: judged.map(|(_, grade)| grade),
        });
    }
    let score = if weight_with_data > 0.0 {
        round1(earned_total * 100.0 / weight_with_data)
    } else {
        0.0
    };
    let grade = parts
        .iter()
        .filter(|p| {
            matches!(
                p.metric,
                ScoredMetric::FirstResponse
                    | ScoredMetric::QuickReplyRate
                    | ScoredMetric::BadReviewRate
            )
        })
        .filter_map(|p| p.standing)
        .min();
    Scorecard {
        score,
        grade,
        parts,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

// ---------------------------------------------------------------------------------------
// Rankings (KPI-4).

/// One agent's place in their team's monthly ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Ranked {
    pub agent_id: Uuid,
    pub score: f64,
    /// 1 is the best; equal scores share a rank.
    pub rank: u32,
    /// Within the team's best 10 % (at least the first).
    pub top_decile: bool,
}

/// Ranks a team's agents by score (best first; equal scores share a rank). Only agents who
/// served at least one conversation take part. The top 10 % is the best ⌈n/10⌉ places.
pub fn rank(scores: &[(Uuid, f64)]) -> Vec<Ranked> {
    let mut sorted: Vec<(Uuid, f64)> = scores.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = sorted.len().div_ceil(10);
    let mut out: Vec<Ranked> = Vec::with_capacity(sorted.len());
    for (i, (agent_id, score)) in sorted.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.score == score => prev.rank,
            _ => i as u32 + 1,
        };
        out.push(Ranked {
            agent_id,
            score,
            rank,
            top_decile: (rank as usize) <= top,
        });
    }
    out
}

/// Agents in the top 10 % of each of the last `months` rankings (oldest first): the bonus
/// the seeds describe (KPI-4: three months running).
pub fn bonus_streak(history: &[Vec<Ranked>], months: usize) -> Vec<Uuid> {
    if months == 0 || history.len() < months {
        return Vec::new();
    }
    let recent = &history[history.len() - months..];
    let mut agents: Vec<Uuid> = recent[0]
        .iter()
        .filter(|r| r.top_decile)
        .map(|r| r.agent_id)
        .filter(|a| {
            recent[1..]
                .iter()
                .all(|month| month.iter().any(|r| r.agent_id == *a && r.top_decile))
        })
        .collect();
    agents.sort();
    agents
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::hours::OfficeHours;

    const A: Uuid = Uuid::from_u128(1);
    const B: Uuid = Uuid::from_u128(2);
    const ZONE: Tz = chrono_tz::Asia::Shanghai;
    /// 2026-12-07 09:00 in Shanghai, a Monday.
    const T0: i64 = 1_796_605_200_000;
    const S: i64 = 1_000;
    const MIN: i64 = 60_000;

    fn ev(kind: EventKind, actor: SenderKind, id: Option<Uuid>, at: i64) -> LoggedEvent {
        LoggedEvent {
            kind,
            actor_kind: actor,
            actor_id: id,
            data: serde_json::json!({}),
            at,
        }
    }
    fn with(mut e: LoggedEvent, data: serde_json::Value) -> LoggedEvent {
        e.data = data;
        e
    }
    fn created(at: i64) -> LoggedEvent {
        with(
            ev(EventKind::Created, SenderKind::Buyer, None, at),
            serde_json::json!({"entry": "shop_home"}),
        )
    }
    fn buyer(at: i64) -> LoggedEvent {
        ev(EventKind::BuyerMessage, SenderKind::Buyer, None, at)
    }
    fn agent(who: Uuid, at: i64) -> LoggedEvent {
        ev(EventKind::AgentMessage, SenderKind::Agent, Some(who), at)
    }
    fn resolved(who: Uuid, at: i64) -> LoggedEvent {
        ev(EventKind::Resolved, SenderKind::Agent, Some(who), at)
    }
    fn log(events: Vec<LoggedEvent>) -> ConversationLog {
        ConversationLog {
            events,
            orders: vec![],
        }
    }
    fn total(parts: &[Contribution], who: Option<Uuid>) -> Tally {
        let mut t = Tally::default();
        parts
            .iter()
            .filter(|c| c.agent == who)
            .for_each(|c| t.add(&c.tally));
        t
    }

    #[test]
    fn first_response_answers_turns_and_service_are_counted_per_agent() {
        let parts = contributions(
            &log(vec![
                created(T0),
                buyer(T0),
                buyer(T0 + 5 * S),
                agent(A, T0 + 20 * S),
                agent(A, T0 + 30 * S),
                buyer(T0 + MIN),
                agent(A, T0 + 5 * MIN),
                resolved(A, T0 + 6 * MIN),
            ]),
            ZONE,
            None,
        );
        let a = total(&parts, Some(A)).metrics();
        assert_eq!(a.served, 1);
        assert_eq!(a.first_response_avg_s, Some(20.0));
        assert_eq!(a.first_response_p90_s, Some(20.0));
        assert_eq!(a.effective_replies, 2);
        // 20 s and 4 min: one of two within 3 minutes.
        assert_eq!(a.quick_reply_rate, Some(0.5));
        assert_eq!(a.response_avg_s, Some(130.0));
        assert_eq!(a.resolution_rate, Some(1.0));
        assert_eq!(total(&parts, None).received, 1);
    }

    #[test]
    fn automatic_and_robot_messages_are_never_replies() {
        let parts = contributions(
            &log(vec![
                created(T0),
                buyer(T0),
                ev(
                    EventKind::AgentMessage,
                    SenderKind::Automation,
                    None,
                    T0 + S,
                ),
                ev(EventKind::AgentMessage, SenderKind::Bot, None, T0 + 2 * S),
                with(
                    ev(EventKind::RobotHandoff, SenderKind::Bot, None, T0 + MIN),
                    serde_json::json!({}),
                ),
                agent(A, T0 + MIN + 10 * S),
            ]),
            ZONE,
            None,
        );
        let a = total(&parts, Some(A)).metrics();
        // The first response counts from the robot's hand-off; the turn from the buyer's
        // message, which neither the automatic reply nor the robot answered.
        assert_eq!(a.first_response_avg_s, Some(10.0));
        assert_eq!(a.response_avg_s, Some(70.0));
        assert_eq!(a.served, 1);
        assert_eq!(total(&parts, None).served, 0);
    }

    #[test]
    fn a_reopened_conversation_is_a_new_cycle_with_its_own_first_response() {
        let parts = contributions(
            &log(vec![
                created(T0),
                buyer(T0),
                agent(A, T0 + 10 * S),
                resolved(A, T0 + MIN),
                ev(EventKind::Reopened, SenderKind::Buyer, None, T0 + 10 * MIN),
                buyer(T0 + 10 * MIN),
                agent(A, T0 + 10 * MIN + 40 * S),
            ]),
            ZONE,
            None,
        );
        let a = total(&parts, Some(A));
        assert_eq!(a.served, 2);
        assert_eq!(a.first_replies, 2);
        assert_eq!(a.metrics().first_response_avg_s, Some(25.0));
        assert_eq!(total(&parts, None).received, 2);
    }

    #[test]
    fn a_transfer_counts_against_the_agent_who_passed_it_on() {
        let parts = contributions(
            &log(vec![
                created(T0),
                buyer(T0),
                agent(A, T0 + 10 * S),
                with(
                    ev(EventKind::Transferred, SenderKind::Agent, Some(A), T0 + MIN),
                    serde_json::json!({"previous_assignee_id": A, "to_user_id": B}),
                ),
                buyer(T0 + 2 * MIN),
                agent(B, T0 + 2 * MIN + 30 * S),
                buyer(T0 + 3 * MIN),
                resolved(B, T0 + 4 * MIN),
            ]),
            ZONE,
            None,
        );
        let (a, b) = (total(&parts, Some(A)), total(&parts, Some(B)));
        assert_eq!(a.metrics().transfer_rate, Some(1.0));
        assert_eq!((b.served, b.first_replies), (1, 0));
        // B's last turn was dropped by resolving without an answer.
        assert_eq!(b.metrics().effective_reply_rate, Some(0.5));
        assert_eq!(b.metrics().resolution_rate, Some(1.0));
    }

    #[test]
    fn office_hours_stop_the_clock_overnight() {
        let schedule = OfficeHours {
            days: vec![1, 2, 3, 4, 5],
            open: "09:00".into(),
            close: "18:00".into(),
        }
        .schedule("Asia/Shanghai")
        .expect("schedule");
        // Monday 17:59 → Tuesday 09:01: two office minutes, fifteen hours of clock.
        let asked = T0 + 9 * 60 * MIN - MIN;
        let answered = T0 + 24 * 60 * MIN + MIN;
        let events = vec![created(asked), buyer(asked), agent(A, answered)];
        let no_breaks = Breaks::new();
        let office_time = OfficeTime {
            schedule: Some(&schedule),
            breaks: &no_breaks,
        };
        let office = total(
            &contributions(&log(events.clone()), ZONE, Some(office_time)),
            Some(A),
        );
        assert_eq!(office.metrics().first_response_avg_s, Some(120.0));
        assert_eq!(office.answered_quick, 1);
        let clock = total(&contributions(&log(events), ZONE, None), Some(A));
        assert_eq!(
            clock.metrics().first_response_avg_s,
            Some(15.0 * 3_600.0 + 120.0)
        );
        assert_eq!(clock.answered_quick, 0);
    }

    #[test]
    fn an_agents_break_is_not_their_wait_where_the_team_counts_office_time() {
        // A buyer asks at 10:00; A is on a break 10:01–10:05 (and again from 10:30, still
        // open) and answers at 10:06; B, never on a break, answers the next turn.
        let ten = T0 + 60 * MIN;
        let breaks: Breaks = [(
            A,
            vec![(ten + MIN, ten + 5 * MIN), (ten + 30 * MIN, i64::MAX)],
        )]
        .into_iter()
        .collect();
        let events = vec![
            created(ten),
            buyer(ten),
            agent(A, ten + 6 * MIN),
            buyer(ten + 7 * MIN),
            agent(B, ten + 9 * MIN),
        ];
        let office_time = OfficeTime {
            schedule: None,
            breaks: &breaks,
        };
        let parts = contributions(&log(events.clone()), ZONE, Some(office_time));
        let a = total(&parts, Some(A));
        assert_eq!(a.metrics().first_response_avg_s, Some(120.0));
        assert_eq!(a.answered_quick, 1);
        assert_eq!(total(&parts, Some(B)).metrics().response_avg_s, Some(120.0));
        // A team that counts clock time counts the break too.
        let clock = total(&contributions(&log(events), ZONE, None), Some(A));
        assert_eq!(clock.metrics().first_response_avg_s, Some(360.0));
        // Within a break still open, everything since it began is the break's.
        assert_eq!(
            wait_ms(Some(office_time), A, ten + 29 * MIN, ten + 40 * MIN),
            MIN
        );
    }

    #[test]
    fn ratings_count_for_the_agent_rated_on_the_day_given() {
        let rated = |stars: i64, bad: bool, at: i64| {
            with(
                ev(EventKind::Rated, SenderKind::Buyer, None, at),
                serde_json::json!({"stars": stars, "bad": bad, "agent_id": A}),
            )
        };
        let next_day = T0 + 24 * 60 * MIN;
        let parts = contributions(
            &log(vec![
                created(T0),
                buyer(T0),
                agent(A, T0 + S),
                resolved(A, T0 + MIN),
                rated(2, true, T0 + 2 * MIN),
                rated(5, false, next_day),
            ]),
            ZONE,
            None,
        );
        let a = total(&parts, Some(A)).metrics();
        assert_eq!(a.rated, 2);
        assert_eq!(a.bad_review_rate, Some(0.5));
        assert_eq!(a.average_rating, Some(3.5));
        let days: Vec<NaiveDate> = parts.iter().map(|c| c.day).collect();
        assert!(days.contains(&local_day(ZONE, next_day)) && days.len() == 3);
    }

    #[test]
    fn an_order_within_a_day_converts_the_latest_service() {
        let mut l = log(vec![
            with(
                ev(EventKind::Created, SenderKind::Buyer, None, T0),
                serde_json::json!({"entry": "live_room"}),
            ),
            buyer(T0),
            agent(A, T0 + S),
        ]);
        l.orders = vec![
            PlacedOrder {
                placed_at: T0 + 60 * MIN,
                paid_fen: 9_900,
            },
            PlacedOrder {
                placed_at: T0 + 2 * 60 * MIN,
                paid_fen: 100,
            },
            PlacedOrder {
                placed_at: T0 + 25 * 60 * MIN,
                paid_fen: 5_000,
            },
        ];
        let a = total(&contributions(&l, ZONE, None), Some(A));
        assert_eq!((a.converted, a.converted_fen), (1, 10_000));
        assert_eq!(
            (a.live_served, a.live_converted, a.live_fen),
            (1, 1, 10_000)
        );
        assert_eq!(a.metrics().conversion_rate, Some(1.0));
    }

    #[test]
    fn invalid_conversations_owe_nothing_and_count_apart() {
        let parts = contributions(
            &log(vec![
                created(T0),
                buyer(T0),
                ev(EventKind::Invalidated, SenderKind::System, None, T0 + S),
                buyer(T0 + 2 * S),
                ev(EventKind::Restored, SenderKind::Agent, Some(B), T0 + MIN),
                ev(
                    EventKind::Invalidated,
                    SenderKind::System,
                    None,
                    T0 + 2 * MIN,
                ),
            ]),
            ZONE,
            None,
        );
        let shop = total(&parts, None);
        assert_eq!(shop.invalid, 1);
        assert_eq!(shop.dropped + shop.answered, 0);
    }

    #[test]
    fn summed_days_give_the_same_metrics_as_one_walk() {
        let events: Vec<LoggedEvent> = (0..40)
            .flat_map(|i| {
                let t = T0 + i * 7 * 60 * MIN;
                let who = if i % 3 == 0 { B } else { A };
                vec![buyer(t), agent(who, t + (i % 7) * 20 * S)]
            })
            .collect();
        let mut all = vec![created(T0 - S)];
        all.extend(events);
        let parts = contributions(&log(all), ZONE, None);
        assert!(
            parts
                .iter()
                .map(|c| c.day)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                > 5
        );
        let sum = |tallies: Vec<&Tally>| {
            let mut t = Tally::default();
            tallies.into_iter().for_each(|x| t.add(x));
            t.active_days = 0;
            t
        };
        let all = sum(parts.iter().map(|c| &c.tally).collect());
        let rows = roll_up(parts.clone());
        assert_eq!(sum(rows.iter().map(|r| &r.tally).collect()), all);
        assert_eq!(all.answered, 40);
        // The hourly cells sum to the same, and each hour holds what happened in it.
        let cells = roll_up_hours(parts.clone());
        assert_eq!(sum(cells.iter().map(|c| &c.tally).collect()), all);
        assert!(cells.iter().all(|c| c.tally.active_days == 0));
        assert!(cells.len() > rows.len());
    }

    #[test]
    fn contributions_fall_in_the_shops_local_hour_and_the_cycles_entry() {
        // DATA-2: 09:00 Shanghai is 01:00 UTC; the agent answers at 10:05.
        let mut start = created(T0);
        start.data = serde_json::json!({"entry": "live_room"});
        let parts = contributions(
            &log(vec![start, buyer(T0), agent(A, T0 + 65 * MIN)]),
            ZONE,
            None,
        );
        let shop = parts.iter().find(|c| c.agent.is_none()).expect("shop part");
        assert_eq!((shop.hour, shop.entry), (9, Some(Entry::LiveRoom)));
        assert_eq!(shop.tally.received, 1);
        let a = parts
            .iter()
            .find(|c| c.agent == Some(A))
            .expect("agent part");
        assert_eq!((a.hour, a.entry), (10, Some(Entry::LiveRoom)));
        assert_eq!(a.tally.live_served, 1);
        assert_eq!(local_hour(ZONE, T0 + 15 * 60 * MIN - 1), 23);
    }

    #[test]
    fn the_robot_resolves_a_cycle_only_without_people() {
        // DATA-1: the robot answered and the buyer left: resolved by the robot.
        let bot = |at| ev(EventKind::AgentMessage, SenderKind::Bot, None, at);
        let ended = |at| ev(EventKind::Resolved, SenderKind::System, None, at);
        let handoff = |at| ev(EventKind::RobotHandoff, SenderKind::Bot, None, at);
        let alone = contributions(
            &log(vec![created(T0), buyer(T0), bot(T0 + S), ended(T0 + MIN)]),
            ZONE,
            None,
        );
        let t = total(&alone, None);
        assert_eq!(
            (t.robot_cycles, t.robot_resolved, t.robot_handoffs),
            (1, 1, 0)
        );
        // Handed to people (twice in the cycle): one hand-off, not resolved by the robot.
        let handed = contributions(
            &log(vec![
                created(T0),
                buyer(T0),
                bot(T0 + S),
                handoff(T0 + 2 * S),
                bot(T0 + 3 * S),
                handoff(T0 + 4 * S),
                agent(A, T0 + MIN),
                resolved(A, T0 + 2 * MIN),
            ]),
            ZONE,
            None,
        );
        let t = total(&handed, None);
        assert_eq!(
            (t.robot_cycles, t.robot_resolved, t.robot_handoffs),
            (1, 0, 1)
        );
        let m = t.metrics();
        assert_eq!(m.robot_transfer_rate, Some(1.0));
        assert_eq!(m.robot_resolution_rate, Some(0.0));
    }

    #[test]
    fn the_funnel_follows_a_product_from_the_question_to_the_payment() {
        // DATA-4: asked about P-1, served by A, an unpaid order, then a paid one.
        let mut start = created(T0);
        start.data =
            serde_json::json!({"entry": "product_page", "context": {"product_code": "P-1"}});
        let mut asked = log(vec![start, buyer(T0), agent(A, T0 + MIN)]);
        asked.orders = vec![
            PlacedOrder {
                placed_at: T0 + 60 * MIN,
                paid_fen: 0,
            },
            PlacedOrder {
                placed_at: T0 + 120 * MIN,
                paid_fen: 9_900,
            },
        ];
        let parts = contributions(&asked, ZONE, None);
        let (shop, a) = (total(&parts, None), total(&parts, Some(A)));
        assert_eq!(shop.funnel.asked, 1);
        assert_eq!(
            a.funnel,
            Funnel {
                asked: 0,
                served: 1,
                ordered: 1,
                paid: 1
            }
        );
        assert_eq!(
            shop.product_funnel["P-1"],
            Funnel {
                asked: 1,
                served: 1,
                ordered: 1,
                paid: 1
            }
        );
        // Only the paid order converts, and its amount counts.
        assert_eq!((a.converted, a.converted_fen), (1, 9_900));
        // Asked and served, then gone: no order within the day.
        let mut start = created(T0);
        start.data = serde_json::json!({"entry": "order_card", "context": {"order_no": "O-1"}});
        let dropped = contributions(&log(vec![start, buyer(T0), agent(B, T0 + MIN)]), ZONE, None);
        let b = total(&dropped, Some(B));
        assert_eq!((b.funnel.served, b.funnel.ordered), (1, 0));
        assert!(total(&dropped, None).product_funnel.is_empty());
        // No context: not in the funnel.
        let plain = contributions(
            &log(vec![created(T0), buyer(T0), agent(A, T0 + MIN)]),
            ZONE,
            None,
        );
        assert!(plain.iter().all(|c| c.tally.funnel.is_empty()));
    }

    #[test]
    fn tags_count_what_was_put_on_less_what_was_taken_off() {
        let tag = |added: &[&str], removed: &[&str], at| {
            with(
                ev(EventKind::Tagged, SenderKind::Agent, Some(A), at),
                serde_json::json!({"added": added, "removed": removed}),
            )
        };
        let parts = contributions(
            &log(vec![
                created(T0),
                tag(&["complaint", "quality_issue"], &[], T0 + S),
                tag(&[], &["quality_issue"], T0 + 2 * S),
                tag(&["logistics_delay"], &[], T0 + 3 * S),
            ]),
            ZONE,
            None,
        );
        let t = total(&parts, None);
        assert_eq!(
            t.tags,
            BTreeMap::from([("complaint".into(), 1), ("logistics_delay".into(), 1)])
        );
        assert_eq!(t.metrics().complaints, 1);
    }

    #[test]
    fn the_histogram_keeps_percentiles_to_its_resolution() {
        for (ms, s) in [
            (0, 0),
            (1, 1),
            (59_500, 60),
            (61_000, 70),
            (299_000, 300),
            (301_000, 360),
        ] {
            assert_eq!(bucket_seconds(bucket_of(ms)), s, "{ms} ms");
        }
        assert_eq!(bucket_seconds(bucket_of(3_601_000)), 5_400);
        let mut t = Tally::default();
        for s in 1..=10 {
            *t.first_reply_hist.entry(bucket_of(s * 1_000)).or_default() += 1;
        }
        assert_eq!(t.first_reply_percentile(0.9), Some(9.0));
    }

    fn metrics(first: f64, quick: f64, bad: f64, conversion: f64, stars: f64) -> Metrics {
        let mut m = Tally::default().metrics();
        m.first_response_avg_s = Some(first);
        m.quick_reply_rate = Some(quick);
        m.bad_review_rate = Some(bad);
        m.conversion_rate = Some(conversion);
        m.average_rating = Some(stars);
        m
    }

    #[test]
    fn the_seeds_lines_grade_and_the_weights_score() {
        let rules = KpiRules::default();
        let best = score(&metrics(10.0, 0.99, 0.0, 0.5, 5.0), None, &rules, None);
        assert_eq!((best.score, best.grade), (100.0, Some(Grade::Excellent)));
        let pass = score(&metrics(30.0, 0.85, 0.02, 0.2, 4.5), None, &rules, None);
        assert_eq!((pass.score, pass.grade), (60.0, Some(Grade::Pass)));
        // A slow first response costs up to its 20 points, and grades below.
        let slow = score(&metrics(60.0, 0.99, 0.0, 0.5, 5.0), None, &rules, None);
        assert_eq!(slow.grade, Some(Grade::Below));
        let first = &slow.parts[0];
        assert_eq!(
            (first.metric, first.weight),
            (ScoredMetric::FirstResponse, 20.0)
        );
        // 60 s is twice the pass line's distance from excellence below it: nothing.
        assert_eq!((first.points, slow.score), (0.0, 80.0));
        let late = score(&metrics(37.5, 0.99, 0.0, 0.5, 5.0), None, &rules, None);
        assert_eq!((late.parts[0].points, late.score), (9.0, 89.0));
    }

    #[test]
    fn missing_data_is_left_out_and_qa_can_replace_the_ratings() {
        let mut m = metrics(15.0, 0.95, 0.0, 0.35, 5.0);
        m.bad_review_rate = None;
        m.average_rating = None;
        let card = score(&m, None, &KpiRules::default(), None);
        assert_eq!(card.score, 100.0);
        assert_eq!(card.parts[3].value, None);
        let rules = KpiRules {
            satisfaction: SatisfactionSource::Qa,
            ..KpiRules::default()
        };
        let with_qa = score(&m, Some(80.0), &rules, None);
        let qa = with_qa.parts.last().expect("qa part");
        assert_eq!(
            (qa.metric, qa.weight, qa.points),
            (ScoredMetric::QaScore, 25.0, 15.0)
        );
        assert_eq!(with_qa.score, 90.0);
    }

    #[test]
    fn team_lines_and_checks() {
        let mut rules = KpiRules::default();
        let after_sales = Lines {
            first_response_s: Line {
                pass: 7_200.0,
                excellent: 1_800.0,
            },
            ..Lines::default()
        };
        rules.teams.insert("after_sales".into(), after_sales);
        assert_eq!(rules.check(), Ok(()));
        let card = score(
            &metrics(3_000.0, 0.95, 0.0, 0.35, 5.0),
            None,
            &rules,
            Some("after_sales"),
        );
        assert_eq!(card.parts[0].standing, Some(Grade::Pass));
        rules.weights.response = 50;
        assert_eq!(rules.check(), Err(ErrorCode::InvalidKpiRules));
        let mut upside_down = KpiRules::default();
        upside_down.lines.quick_reply_rate.excellent = 0.5;
        assert_eq!(upside_down.check(), Err(ErrorCode::InvalidKpiRules));
    }

    #[test]
    fn rankings_share_ties_and_the_bonus_needs_three_months_in_the_top_tenth() {
        let agents: Vec<Uuid> = (1..=12).map(Uuid::from_u128).collect();
        let month = |best: &[usize]| {
            let scores: Vec<(Uuid, f64)> = agents
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        *a,
                        if best.contains(&i) {
                            95.0
                        } else {
                            50.0 + i as f64
                        },
                    )
                })
                .collect();
            rank(&scores)
        };
        let one = month(&[0]);
        assert_eq!(
            (one[0].agent_id, one[0].rank, one[0].top_decile),
            (agents[0], 1, true)
        );
        // 12 agents: the best two places are the top tenth.
        assert_eq!(one.iter().filter(|r| r.top_decile).count(), 2);
        let tied = month(&[0, 1, 2]);
        assert!(tied[..3].iter().all(|r| r.rank == 1 && r.top_decile));
        let history = vec![month(&[0]), month(&[0, 3]), month(&[0])];
        assert_eq!(bonus_streak(&history, 3), vec![agents[0]]);
        assert!(bonus_streak(&history[1..], 3).is_empty());
    }
}
