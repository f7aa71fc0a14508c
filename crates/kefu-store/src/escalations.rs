//! Escalations (ESC-1) and the one outbound path's deliveries (SQL: `sql/escalations.rs`).
//! An escalation is stored whole, each change guarded by the version it was read at, and a
//! matter has at most one that is not handled (a unique index): two rules firing at once
//! never open two. Deliveries are webhooks and text messages waiting for their next try, and
//! their log.

use kefu_domain::escalation::{Escalation, Status};
use uuid::Uuid;

use crate::{Result, Store};

/// Which escalations a list shows, newest raised first.
#[derive(Debug, Clone, Default)]
pub struct EscalationQuery {
    /// Empty: every status.
    pub statuses: Vec<Status>,
    pub conversation_id: Option<Uuid>,
    pub work_order_id: Option<Uuid>,
    pub limit: i64,
}

/// A webhook call or text message about to be queued.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// `webhook` or `sms`.
    pub channel: &'static str,
    /// The URL or phone number.
    pub target: String,
    pub event: &'static str,
    pub body: String,
}

/// A delivery and how it went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    #[serde(skip)]
    pub tenant_id: Uuid,
    /// `webhook` or `sms`.
    pub channel: String,
    /// The URL, or the phone number (masked when shown).
    pub target: String,
    pub event: String,
    #[serde(skip)]
    pub body: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    /// When the next try is due (pending ones).
    pub next_at: Option<i64>,
    pub last_error: String,
    /// The HTTP status the last try got, if it got one.
    pub response_status: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// What one try of a delivery came to.
#[derive(Debug, Clone)]
pub struct DeliveryTry {
    /// `pending` (tried again at `next_at`), `sent` or `failed`.
    pub status: &'static str,
    pub next_at: Option<i64>,
    pub error: String,
    pub response_status: Option<i64>,
    pub at: i64,
}

impl Store {
    /// Stores a new escalation; `Conflict("escalation_changed")` when its matter already has
    /// one not handled (raise that one instead).
    pub async fn create_escalation(
        &self,
        tenant_id: Uuid,
        escalation: &Escalation,
    ) -> Result<Escalation> {
        dispatch!(self, escalations::create_escalation(tenant_id, escalation))
    }

    pub async fn escalation(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Escalation>> {
        dispatch!(self, escalations::escalation(tenant_id, id))
    }

    /// The matter's escalation that is not handled, if any.
    pub async fn open_escalation(
        &self,
        tenant_id: Uuid,
        subject: &str,
    ) -> Result<Option<Escalation>> {
        dispatch!(self, escalations::open_escalation(tenant_id, subject))
    }

    pub async fn escalations(
        &self,
        tenant_id: Uuid,
        query: &EscalationQuery,
    ) -> Result<Vec<Escalation>> {
        dispatch!(self, escalations::escalations(tenant_id, query))
    }

    /// Writes `next` over the escalation if it is still at `next.version`; `None` when
    /// someone changed it meanwhile (nothing written).
    pub async fn save_escalation(
        &self,
        tenant_id: Uuid,
        next: &Escalation,
    ) -> Result<Option<Escalation>> {
        dispatch!(self, escalations::save_escalation(tenant_id, next))
    }

    /// Escalations of every shop open past their level's deadline at `now` (the sweep's).
    pub async fn due_escalations(&self, now: i64, limit: i64) -> Result<Vec<(Uuid, Escalation)>> {
        dispatch!(self, escalations::due_escalations(now, limit))
    }

    /// Queues deliveries, due at once.
    pub async fn queue_deliveries(
        &self,
        tenant_id: Uuid,
        deliveries: &[NewDelivery],
    ) -> Result<()> {
        dispatch!(self, escalations::queue_deliveries(tenant_id, deliveries))
    }

    /// Pending deliveries of every shop due at `now`, oldest first.
    pub async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<Delivery>> {
        dispatch!(self, escalations::due_deliveries(now, limit))
    }

    /// Records a try of a pending delivery; false when it was no longer pending.
    pub async fn record_delivery(&self, id: Uuid, tried: &DeliveryTry) -> Result<bool> {
        dispatch!(self, escalations::record_delivery(id, tried))
    }

    /// Records tries of pending deliveries in one transaction; how many were still pending.
    pub async fn record_deliveries(&self, tries: &[(Uuid, &DeliveryTry)]) -> Result<u64> {
        dispatch!(self, escalations::record_deliveries(tries))
    }

    /// The shop's deliveries, newest first (the delivery log).
    pub async fn deliveries(&self, tenant_id: Uuid, limit: i64) -> Result<Vec<Delivery>> {
        dispatch!(self, escalations::deliveries(tenant_id, limit))
    }

    /// Forgets sent and failed deliveries created before `before`; how many.
    pub async fn prune_deliveries(&self, before: i64) -> Result<u64> {
        dispatch!(self, escalations::prune_deliveries(before))
    }
}
