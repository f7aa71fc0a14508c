//! Work orders (工单, ESC-3): what outlives a chat (a refund, an exchange, a reissue, a
//! logistics check, a complaint, a callback) with an owner, a deadline and a history. Pure:
//! the kinds and their targets, the status machine, the deadline counted in the shop's office
//! time (paused while the order waits for the buyer or a third party), and where an order
//! stands against its deadline.

use std::collections::BTreeMap;

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
#[schema(as = WorkOrderPriority)]
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
#[schema(as = WorkOrderStatus)]
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
#[schema(as = WorkOrderMove)]
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
#[schema(as = WorkOrderDue)]
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

/// What a shop adds to each kind of work order (ESC-3): its own target and custom fields.
/// A shop document, edited on the work orders' settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkOrderSettings {
    /// By kind; a kind not listed has its default target and no custom fields.
    #[serde(default)]
    pub kinds: BTreeMap<WorkOrderKind, KindSettings>,
}

/// One kind's target and custom fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = WorkOrderKindSettings)]
pub struct KindSettings {
    /// Office hours to resolve at normal priority (1–720); the kind's default when absent.
    #[serde(default)]
    pub target_hours: Option<u32>,
    #[serde(default)]
    pub fields: Vec<FieldDef>,
}

/// A custom field of a kind of work order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = WorkOrderFieldDef)]
pub struct FieldDef {
    /// Letters, digits and `_`, at most 30; the key its value is stored under.
    pub key: String,
    /// What the form shows (1–30 characters).
    pub label: String,
    pub kind: FieldKind,
    /// A choice's options (1–20, each 1–30 characters).
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = WorkOrderFieldKind)]
pub enum FieldKind {
    Text,
    Number,
    /// `YYYY-MM-DD`.
    Date,
    Choice,
}

const MAX_TARGET_HOURS: u32 = 720;
const MAX_FIELDS: usize = 20;
const MAX_OPTIONS: usize = 20;
const MAX_LABEL_CHARS: usize = 30;
const MAX_TITLE_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 2_000;
const MAX_VALUE_CHARS: usize = 500;
const MAX_ITEMS: usize = 20;
/// A hundred million yuan: past any real order.
const MAX_AMOUNT_FEN: i64 = 10_000_000_000;
/// A resolved order nobody reopens closes itself after a week.
pub const AUTO_CLOSE_MS: i64 = 7 * 24 * HOUR_MS;

fn field(key: &str, label: &str, kind: FieldKind, options: &[&str], required: bool) -> FieldDef {
    FieldDef {
        key: key.to_owned(),
        label: label.to_owned(),
        kind,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        required,
    }
}

impl Default for WorkOrderSettings {
    /// The fields after-sales teams ask for most: a refund's or an exchange's reason, the
    /// parcel of a logistics check, when a callback suits the buyer.
    fn default() -> WorkOrderSettings {
        use FieldKind::*;
        let reasons = [
            "质量问题",
            "发错货",
            "少件漏发",
            "商品破损",
            "不想要了",
            "其他",
        ];
        let kinds = [
            (
                WorkOrderKind::Refund,
                vec![field("reason", "退款原因", Choice, &reasons, true)],
            ),
            (
                WorkOrderKind::Exchange,
                vec![
                    field("reason", "换货原因", Choice, &reasons, true),
                    field("new_sku", "换成的规格", Text, &[], false),
                ],
            ),
            (
                WorkOrderKind::Logistics,
                vec![
                    field("carrier", "快递公司", Text, &[], false),
                    field("tracking_no", "运单号", Text, &[], false),
                ],
            ),
            (
                WorkOrderKind::Callback,
                vec![field("when", "方便回电的时间", Text, &[], false)],
            ),
        ];
        WorkOrderSettings {
            kinds: kinds
                .into_iter()
                .map(|(kind, fields)| {
                    let settings = KindSettings {
                        target_hours: None,
                        fields,
                    };
                    (kind, settings)
                })
                .collect(),
        }
    }
}

impl WorkOrderSettings {
    /// `invalid_work_order_settings` unless every target and field is well made.
    pub fn check(&self) -> Result<(), ErrorCode> {
        let bad = Err(ErrorCode::InvalidWorkOrderSettings);
        for kind in self.kinds.values() {
            if kind
                .target_hours
                .is_some_and(|h| !(1..=MAX_TARGET_HOURS).contains(&h))
                || kind.fields.len() > MAX_FIELDS
            {
                return bad;
            }
            let mut keys = std::collections::BTreeSet::new();
            for f in &kind.fields {
                let key_ok = !f.key.is_empty()
                    && f.key.len() <= MAX_LABEL_CHARS
                    && f.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                let fits = |s: &str| (1..=MAX_LABEL_CHARS).contains(&s.trim().chars().count());
                let options_ok = match f.kind {
                    FieldKind::Choice => {
                        (1..=MAX_OPTIONS).contains(&f.options.len())
                            && f.options.iter().all(|o| fits(o))
                    }
                    _ => f.options.is_empty(),
                };
                if !key_ok || !fits(&f.label) || !options_ok || !keys.insert(f.key.as_str()) {
                    return bad;
                }
            }
        }
        Ok(())
    }

    /// The shop's target hours for `kind`, if it set one.
    pub fn target_hours(&self, kind: WorkOrderKind) -> Option<u32> {
        self.kinds.get(&kind).and_then(|k| k.target_hours)
    }

    pub fn fields(&self, kind: WorkOrderKind) -> &[FieldDef] {
        self.kinds.get(&kind).map_or(&[], |k| k.fields.as_slice())
    }
}

/// An item of the order a work order is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkOrderItem {
    pub sku_code: String,
    pub title: String,
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// What a person (or a flow) fills in to open a work order, and may edit later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkOrderDraft {
    pub kind: WorkOrderKind,
    /// 1–100 characters.
    pub title: String,
    /// At most 2,000 characters.
    #[serde(default)]
    pub description: String,
    #[serde(default = "normal")]
    pub priority: Priority,
    /// The order it is about, when there is one (it must be the conversation's buyer's).
    #[serde(default)]
    pub order_no: Option<String>,
    #[serde(default)]
    pub items: Vec<WorkOrderItem>,
    /// Money at stake (a refund's amount), in fen.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// The kind's custom fields by key.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

fn normal() -> Priority {
    Priority::Normal
}

impl WorkOrderDraft {
    /// The draft trimmed, or `invalid_work_order` when it breaks a limit or the kind's fields.
    pub fn checked(mut self, settings: &WorkOrderSettings) -> Result<WorkOrderDraft, ErrorCode> {
        let bad = Err(ErrorCode::InvalidWorkOrder);
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.order_no = self
            .order_no
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty());
        let title = self.title.chars().count();
        if !(1..=MAX_TITLE_CHARS).contains(&title)
            || self.description.chars().count() > MAX_DESCRIPTION_CHARS
            || self.items.len() > MAX_ITEMS
            || self.items.iter().any(|i| {
                i.quantity == 0
                    || i.sku_code.chars().count() > 64
                    || i.title.chars().count() > MAX_TITLE_CHARS
            })
            || self
                .amount_fen
                .is_some_and(|a| !(0..=MAX_AMOUNT_FEN).contains(&a))
        {
            return bad;
        }
        let defs = settings.fields(self.kind);
        self.fields = self
            .fields
            .into_iter()
            .map(|(k, v)| (k, v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        for (key, value) in &self.fields {
            let Some(def) = defs.iter().find(|d| &d.key == key) else {
                return bad;
            };
            let fits = match def.kind {
                FieldKind::Text => value.chars().count() <= MAX_VALUE_CHARS,
                FieldKind::Number => value.parse::<f64>().is_ok_and(f64::is_finite),
                FieldKind::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
                FieldKind::Choice => def.options.iter().any(|o| o == value),
            };
            if !fits {
                return bad;
            }
        }
        if defs
            .iter()
            .any(|d| d.required && !self.fields.contains_key(&d.key))
        {
            return bad;
        }
        Ok(self)
    }
}

/// Where a work order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = WorkOrderSource)]
pub enum Source {
    /// A person opened it (from a conversation or the list).
    Agent,
    /// The robot's after-sale flow filed it for the buyer (BOT-4).
    Robot,
    /// From a partner hand-off (CH-5).
    Handoff,
    /// From a QA finding (KPI-3).
    Qa,
    /// A call on the phone line no one answered, or one outside its hours (CH-4).
    Phone,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Agent => "agent",
            Source::Robot => "robot",
            Source::Handoff => "handoff",
            Source::Qa => "qa",
            Source::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        [
            Source::Agent,
            Source::Robot,
            Source::Handoff,
            Source::Qa,
            Source::Phone,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A work order as stored: what it is about, who has it, and its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkOrder {
    pub id: uuid::Uuid,
    /// What the buyer and the shop quote: `WO` (or a robot's `AS`) + day + six digits.
    pub number: String,
    pub kind: WorkOrderKind,
    pub title: String,
    pub description: String,
    pub status: Status,
    pub priority: Priority,
    pub source: Source,
    /// The hand-off case or QA review it came from.
    pub source_id: Option<uuid::Uuid>,
    pub conversation_id: Option<uuid::Uuid>,
    pub buyer_id: Option<uuid::Uuid>,
    pub order_no: Option<String>,
    pub items: Vec<WorkOrderItem>,
    pub amount_fen: Option<i64>,
    pub fields: BTreeMap<String, String>,
    /// The person who has it; `team` when it waits for someone of a team to take it.
    pub owner_id: Option<uuid::Uuid>,
    pub team: Option<String>,
    /// Office milliseconds it was given.
    pub target_ms: i64,
    pub deadline_at: i64,
    /// Since when its clock stands (waiting for the buyer or a third party).
    pub paused_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub overdue_at: Option<i64>,
    pub created_by: Option<uuid::Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Bumped by every change; a change names the version it read.
    pub version: i64,
}

/// Who and where a new work order belongs, besides its draft.
#[derive(Debug, Clone)]
pub struct Opening {
    pub id: uuid::Uuid,
    pub number: String,
    pub source: Source,
    pub source_id: Option<uuid::Uuid>,
    pub conversation_id: Option<uuid::Uuid>,
    pub buyer_id: Option<uuid::Uuid>,
    pub owner_id: Option<uuid::Uuid>,
    pub team: Option<String>,
    pub created_by: Option<uuid::Uuid>,
    pub now: i64,
}

/// What the sweep does to an order when its time comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = WorkOrderAlarm)]
pub enum Alarm {
    /// Its deadline is near: the owner is reminded.
    Remind,
    /// Its deadline passed: the owner and the supervisors are alerted.
    Overdue,
    /// Resolved a week ago and not reopened: closed.
    AutoClose,
}

/// The order number for an id made at `now`: `prefix` + the UTC day + six digits of the id.
pub fn number(prefix: &str, id: uuid::Uuid, now: i64) -> String {
    let day = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.format("%Y%m%d").to_string())
        .unwrap_or_default();
    format!("{prefix}{day}{:06}", id.as_u128() % 1_000_000)
}

impl WorkOrder {
    /// A new order from a checked draft, its deadline its kind's target (the shop's, scaled
    /// by priority) of office time from now.
    pub fn open(
        draft: WorkOrderDraft,
        opening: Opening,
        settings: &WorkOrderSettings,
        schedule: Option<&Schedule>,
    ) -> WorkOrder {
        let target = target_ms(
            draft.kind,
            draft.priority,
            settings.target_hours(draft.kind),
        );
        WorkOrder {
            id: opening.id,
            number: opening.number,
            kind: draft.kind,
            title: draft.title,
            description: draft.description,
            status: Status::New,
            priority: draft.priority,
            source: opening.source,
            source_id: opening.source_id,
            conversation_id: opening.conversation_id,
            buyer_id: opening.buyer_id,
            order_no: draft.order_no,
            items: draft.items,
            amount_fen: draft.amount_fen,
            fields: draft.fields,
            owner_id: opening.owner_id,
            team: opening.team,
            target_ms: target,
            deadline_at: deadline(schedule, opening.now, target),
            paused_at: None,
            reminded_at: None,
            overdue_at: None,
            created_by: opening.created_by,
            created_at: opening.now,
            updated_at: opening.now,
            resolved_at: None,
            closed_at: None,
            version: 0,
        }
    }

    /// The order after `by` at `now`: its clock stops while it waits and goes on with the
    /// office time that was left; a reopened order gets its full target again from now.
    pub fn moved(
        &self,
        by: Move,
        now: i64,
        schedule: Option<&Schedule>,
    ) -> Result<WorkOrder, ErrorCode> {
        let to = transition(self.status, by)?;
        let mut next = self.clone();
        next.status = to;
        next.updated_at = now;
        match (self.paused_at, to.pauses_clock()) {
            (None, true) => next.paused_at = Some(now),
            (Some(paused), false) => {
                next.paused_at = None;
                next.deadline_at = resumed_deadline(schedule, self.deadline_at, paused, now);
            }
            _ => {}
        }
        match to {
            Status::Resolved => next.resolved_at = Some(now),
            Status::Closed => next.closed_at = Some(now),
            _ => {}
        }
        if matches!(self.status, Status::Resolved | Status::Closed) && to.is_open() {
            next.resolved_at = None;
            next.closed_at = None;
            next.deadline_at = deadline(schedule, now, self.target_ms);
        }
        next.rearm(now);
        Ok(next)
    }

    /// The order at another priority: its target scaled again, its deadline counted from
    /// its opening (time it spent waiting is not given back).
    pub fn reprioritised(
        &self,
        priority: Priority,
        settings: &WorkOrderSettings,
        schedule: Option<&Schedule>,
        now: i64,
    ) -> WorkOrder {
        let mut next = self.clone();
        if priority == self.priority {
            return next;
        }
        next.priority = priority;
        next.target_ms = target_ms(self.kind, priority, settings.target_hours(self.kind));
        if self.status.is_open() && self.paused_at.is_none() {
            next.deadline_at = deadline(schedule, self.created_at, next.target_ms);
        }
        next.updated_at = now;
        next.rearm(now);
        next
    }

    /// A deadline moved: its reminder and alert ring again when they lie ahead.
    fn rearm(&mut self, now: i64) {
        if now < self.remind_at() {
            self.reminded_at = None;
        }
        if now < self.deadline_at {
            self.overdue_at = None;
        }
    }

    fn remind_at(&self) -> i64 {
        let soon = ((self.target_ms as f64 * SOON_SHARE) as i64).clamp(1, HOUR_MS);
        self.deadline_at - soon
    }

    /// What the sweep does next to this order, and when; `None` while its clock stands or
    /// once it is closed.
    pub fn alarm(&self) -> Option<(Alarm, i64)> {
        match self.status {
            Status::Closed => None,
            Status::Resolved => self
                .resolved_at
                .map(|at| (Alarm::AutoClose, at.saturating_add(AUTO_CLOSE_MS))),
            _ if self.paused_at.is_some() => None,
            _ if self.reminded_at.is_none() && self.overdue_at.is_none() => {
                Some((Alarm::Remind, self.remind_at()))
            }
            _ if self.overdue_at.is_none() => Some((Alarm::Overdue, self.deadline_at)),
            _ => None,
        }
    }

    /// The alarm due at `now` and the order after it rang, if one is due.
    pub fn rung(&self, now: i64) -> Option<(Alarm, WorkOrder)> {
        let (alarm, at) = self.alarm()?;
        if at > now {
            return None;
        }
        let mut next = self.clone();
        next.updated_at = now;
        match alarm {
            Alarm::Remind => next.reminded_at = Some(now),
            Alarm::Overdue => {
                next.reminded_at.get_or_insert(now);
                next.overdue_at = Some(now);
            }
            Alarm::AutoClose => {
                next.status = Status::Closed;
                next.closed_at = Some(now);
            }
        }
        Some((alarm, next))
    }

    /// Where an open order stands against its deadline (`None` while it waits or is done).
    pub fn due(&self, now: i64) -> Option<Due> {
        (self.status.is_open() && self.paused_at.is_none())
            .then(|| due(now, self.deadline_at, self.target_ms))
    }
}

/// What a line of an order's history records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = WorkOrderEventKind)]
pub enum EventKind {
    Created,
    /// Its status changed (`data`: `{from, to, move}`).
    Moved,
    /// Its owner or team changed (`data`: `{owner_id, team}`).
    Assigned,
    /// Its title, priority, order, items, amount or fields changed (`data`: what changed).
    Edited,
    /// A note, internal or sent to the buyer (`to_buyer`), perhaps with an attachment.
    Comment,
    Reminded,
    Overdue,
    AutoClosed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Moved => "moved",
            EventKind::Assigned => "assigned",
            EventKind::Edited => "edited",
            EventKind::Comment => "comment",
            EventKind::Reminded => "reminded",
            EventKind::Overdue => "overdue",
            EventKind::AutoClosed => "auto_closed",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        use EventKind::*;
        [
            Created, Moved, Assigned, Edited, Comment, Reminded, Overdue, AutoClosed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl Alarm {
    /// The history line the alarm leaves.
    pub fn event(self) -> EventKind {
        match self {
            Alarm::Remind => EventKind::Reminded,
            Alarm::Overdue => EventKind::Overdue,
            Alarm::AutoClose => EventKind::AutoClosed,
        }
    }
}

/// What the buyer reads about their order's progress in the chat (ESC-3): its kind, number,
/// where it is and, while it is open, when it is expected done, in the shop's zone.
pub fn progress_text(order: &WorkOrder, zone: chrono_tz::Tz) -> String {
    let kind = match order.kind {
        WorkOrderKind::Refund => "退款",
        WorkOrderKind::Exchange => "换货",
        WorkOrderKind::Reissue => "补发",
        WorkOrderKind::Logistics => "物流",
        WorkOrderKind::Complaint => "投诉",
        WorkOrderKind::Callback => "回访",
        WorkOrderKind::Other => "服务",
    };
    let when = |at: i64| {
        chrono::DateTime::from_timestamp_millis(at)
            .map(|t| {
                t.with_timezone(&zone)
                    .format("%-m月%-d日 %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let head = format!("您的{kind}工单 {}", order.number);
    match order.status {
        Status::New => format!(
            "{head} 已受理，预计 {} 前处理完成。",
            when(order.deadline_at)
        ),
        Status::InProgress => format!(
            "{head} 处理中，预计 {} 前处理完成。",
            when(order.deadline_at)
        ),
        Status::WaitingBuyer => format!("{head} 正在等待您的回复，回复后我们继续处理。"),
        Status::WaitingThirdParty => {
            format!("{head} 正在等待快递或合作方的处理结果，有进展会第一时间告诉您。")
        }
        Status::Resolved => format!("{head} 已处理完成。如仍有问题，直接回复即可重新打开。"),
        Status::Closed => format!("{head} 已关闭。"),
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

    fn refund_draft() -> WorkOrderDraft {
        WorkOrderDraft {
            kind: WorkOrderKind::Refund,
            title: "  破损退款 ".into(),
            description: String::new(),
            priority: Priority::Normal,
            order_no: Some(" T1 ".into()),
            items: vec![WorkOrderItem {
                sku_code: "S1".into(),
                title: "龙井".into(),
                quantity: 1,
            }],
            amount_fen: Some(12_800),
            fields: BTreeMap::from([("reason".into(), "商品破损".into())]),
        }
    }

    fn opened_at(now: i64, schedule: Option<&Schedule>) -> WorkOrder {
        let id = uuid::Uuid::now_v7();
        let draft = refund_draft()
            .checked(&WorkOrderSettings::default())
            .expect("valid");
        WorkOrder::open(
            draft,
            Opening {
                id,
                number: number("WO", id, now),
                source: Source::Agent,
                source_id: None,
                conversation_id: None,
                buyer_id: None,
                owner_id: None,
                team: Some("after_sales".into()),
                created_by: None,
                now,
            },
            &WorkOrderSettings::default(),
            schedule,
        )
    }

    #[test]
    fn drafts_keep_to_their_kinds_fields() {
        let settings = WorkOrderSettings::default();
        assert_eq!(settings.check(), Ok(()));
        let draft = refund_draft().checked(&settings).expect("valid");
        assert_eq!(
            (draft.title.as_str(), draft.order_no.as_deref()),
            ("破损退款", Some("T1"))
        );
        let bad = |edit: fn(&mut WorkOrderDraft)| {
            let mut d = refund_draft();
            edit(&mut d);
            d.checked(&settings)
        };
        let invalid = Err(ErrorCode::InvalidWorkOrder);
        assert_eq!(bad(|d| d.title = " ".into()), invalid);
        assert_eq!(bad(|d| d.title = "长".repeat(101)), invalid);
        // A required field missing, a choice not offered, a field the kind lacks.
        assert_eq!(bad(|d| d.fields.clear()), invalid);
        assert_eq!(
            bad(|d| {
                d.fields.insert("reason".into(), "心情".into());
            }),
            invalid
        );
        assert_eq!(
            bad(|d| {
                d.fields.insert("carrier".into(), "顺丰".into());
            }),
            invalid
        );
        assert_eq!(bad(|d| d.items[0].quantity = 0), invalid);
        assert_eq!(bad(|d| d.amount_fen = Some(-1)), invalid);
        // Other kinds' optional fields may stay empty; blanks are dropped.
        let mut parcel = refund_draft();
        parcel.kind = WorkOrderKind::Logistics;
        parcel.fields = BTreeMap::from([("carrier".into(), " ".into())]);
        assert!(parcel.checked(&settings).expect("valid").fields.is_empty());
    }

    #[test]
    fn settings_refuse_bad_targets_and_fields() {
        let mut settings = WorkOrderSettings::default();
        let refund = settings.kinds.entry(WorkOrderKind::Refund).or_default();
        refund.target_hours = Some(721);
        assert_eq!(settings.check(), Err(ErrorCode::InvalidWorkOrderSettings));
        let mut settings = WorkOrderSettings::default();
        let refund = settings.kinds.entry(WorkOrderKind::Refund).or_default();
        refund.fields.push(refund.fields[0].clone());
        assert_eq!(settings.check(), Err(ErrorCode::InvalidWorkOrderSettings));
        let mut settings = WorkOrderSettings::default();
        let other = settings.kinds.entry(WorkOrderKind::Other).or_default();
        other
            .fields
            .push(field("pick", "选", FieldKind::Choice, &[], false));
        assert_eq!(settings.check(), Err(ErrorCode::InvalidWorkOrderSettings));
        let other = settings.kinds.entry(WorkOrderKind::Other).or_default();
        other.fields[0] = field("bad key", "选", FieldKind::Text, &[], false);
        assert_eq!(settings.check(), Err(ErrorCode::InvalidWorkOrderSettings));
        let other = settings.kinds.entry(WorkOrderKind::Other).or_default();
        other.fields[0] = field("ok", "选", FieldKind::Text, &[], false);
        other.target_hours = Some(2);
        assert_eq!(settings.check(), Ok(()));
        assert_eq!(
            target_ms(
                WorkOrderKind::Other,
                Priority::Normal,
                settings.target_hours(WorkOrderKind::Other)
            ),
            2 * HOUR_MS
        );
    }

    #[test]
    fn an_order_waits_without_its_clock_and_reopens_with_a_fresh_one() {
        let hours = nine_to_nine();
        let opened = shanghai("2026-12-07 10:00");
        let order = opened_at(opened, Some(&hours));
        // A refund's 24 office hours from 10:00: two days of twelve, so 10:00 two days on.
        assert_eq!(order.deadline_at, shanghai("2026-12-09 10:00"));
        assert_eq!(order.status, Status::New);
        let waiting = order
            .moved(
                Move::WaitForBuyer,
                shanghai("2026-12-07 12:00"),
                Some(&hours),
            )
            .expect("moves");
        assert_eq!(waiting.paused_at, Some(shanghai("2026-12-07 12:00")));
        assert_eq!((waiting.alarm(), waiting.due(opened)), (None, None));
        // The buyer answers the next morning at 09:00: the 22 office hours left count again.
        let back = waiting
            .moved(
                Move::BuyerReplied,
                shanghai("2026-12-08 09:00"),
                Some(&hours),
            )
            .expect("moves");
        assert_eq!((back.status, back.paused_at), (Status::InProgress, None));
        assert_eq!(back.deadline_at, shanghai("2026-12-09 19:00"));
        let done = back
            .moved(Move::Resolve, shanghai("2026-12-08 15:00"), Some(&hours))
            .expect("moves");
        assert_eq!(done.resolved_at, Some(shanghai("2026-12-08 15:00")));
        assert_eq!(
            done.alarm(),
            Some((
                Alarm::AutoClose,
                shanghai("2026-12-08 15:00") + AUTO_CLOSE_MS
            ))
        );
        let reopened = done
            .moved(
                Move::BuyerReplied,
                shanghai("2026-12-08 16:00"),
                Some(&hours),
            )
            .expect("moves");
        assert_eq!(
            (reopened.status, reopened.resolved_at),
            (Status::InProgress, None)
        );
        assert_eq!(reopened.deadline_at, shanghai("2026-12-10 16:00"));
        assert_eq!(
            done.moved(Move::Start, opened, None),
            Err(ErrorCode::WorkOrderTransition)
        );
    }

    #[test]
    fn the_sweep_reminds_then_alerts_then_closes_what_was_resolved() {
        let order = opened_at(0, None);
        let day = 24 * HOUR_MS;
        assert_eq!(order.alarm(), Some((Alarm::Remind, day - HOUR_MS)));
        assert_eq!(order.rung(day - HOUR_MS - 1), None);
        let (alarm, reminded) = order.rung(day - HOUR_MS).expect("due");
        assert_eq!(
            (alarm, reminded.reminded_at),
            (Alarm::Remind, Some(day - HOUR_MS))
        );
        assert_eq!(reminded.due(day - HOUR_MS), Some(Due::Soon));
        let (alarm, late) = reminded.rung(day + 5).expect("due");
        assert_eq!(
            (alarm, late.overdue_at, late.alarm()),
            (Alarm::Overdue, Some(day + 5), None)
        );
        // Asleep for both: the alert rings once and counts as the reminder too.
        let (alarm, skipped) = order.rung(2 * day).expect("due");
        assert_eq!(alarm, Alarm::Remind);
        assert_eq!(skipped.rung(2 * day).map(|(a, _)| a), Some(Alarm::Overdue));
        // Made urgent: a quarter of the time, counted from the opening; rings again.
        let urgent = late.reprioritised(
            Priority::Urgent,
            &WorkOrderSettings::default(),
            None,
            day + 10,
        );
        assert_eq!(
            (urgent.deadline_at, urgent.overdue_at),
            (6 * HOUR_MS, Some(day + 5))
        );
        let relaxed =
            urgent.reprioritised(Priority::Low, &WorkOrderSettings::default(), None, day + 10);
        assert_eq!(
            (relaxed.deadline_at, relaxed.overdue_at, relaxed.reminded_at),
            (2 * day, None, None)
        );
        let resolved = late.moved(Move::Resolve, day * 2, None).expect("moves");
        let (alarm, closed) = resolved.rung(day * 2 + AUTO_CLOSE_MS).expect("due");
        assert_eq!(
            (alarm, closed.status, closed.alarm()),
            (Alarm::AutoClose, Status::Closed, None)
        );
        for kind in [EventKind::Created, EventKind::AutoClosed, alarm.event()] {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Source::parse("robot"), Some(Source::Robot));
    }

    #[test]
    fn the_buyer_reads_where_their_order_is_in_the_shops_time() {
        let opened = shanghai("2026-12-07 10:00");
        let order = opened_at(opened, Some(&nine_to_nine()));
        let text = progress_text(&order, chrono_tz::Asia::Shanghai);
        assert!(text.starts_with("您的退款工单 WO20261207"), "{text}");
        assert!(
            text.ends_with("已受理，预计 12月9日 10:00 前处理完成。"),
            "{text}"
        );
        let waiting = order
            .moved(Move::WaitForBuyer, opened, None)
            .expect("moves");
        assert!(progress_text(&waiting, chrono_tz::Asia::Shanghai).contains("等待您的回复"));
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
