//! Arbitration cases (ACC-1, ESC-1; SQL: `sql/arbitrations.rs`): between a shop and the
//! platform's desk, each side reading only its own cases. A case is kept whole, each change
//! guarded by the version it was read at and written with its audit entries in one
//! transaction.

use kefu_domain::arbitration::{Arbitration, Status};
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

impl Store {
    /// Stores a new case; `Conflict("arbitration_exists")` when the conversation has one not
    /// closed.
    pub async fn create_arbitration(
        &self,
        case: &Arbitration,
        audit: Vec<NewAudit>,
    ) -> Result<Arbitration> {
        dispatch!(self, arbitrations::create_arbitration(case, audit))
    }

    /// The case, if `viewer` (a tenant) is its shop or its platform.
    pub async fn arbitration(&self, viewer: Uuid, id: Uuid) -> Result<Option<Arbitration>> {
        dispatch!(self, arbitrations::arbitration(viewer, id))
    }

    /// The cases `viewer` is a side of, newest first; `statuses` empty: all.
    pub async fn arbitrations(
        &self,
        viewer: Uuid,
        statuses: &[Status],
        limit: i64,
    ) -> Result<Vec<Arbitration>> {
        dispatch!(self, arbitrations::arbitrations(viewer, statuses, limit))
    }

    /// The conversation's case not closed, if any.
    pub async fn open_arbitration(
        &self,
        shop_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Option<Arbitration>> {
        dispatch!(
            self,
            arbitrations::open_arbitration(shop_id, conversation_id)
        )
    }

    /// The conversation's newest case, whatever its status.
    pub async fn latest_arbitration(
        &self,
        shop_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Option<Arbitration>> {
        dispatch!(
            self,
            arbitrations::latest_arbitration(shop_id, conversation_id)
        )
    }

    /// Writes `next` if the case is still at `next.version`, with its audit entries; `None`
    /// when someone changed it meanwhile (nothing written).
    pub async fn save_arbitration(
        &self,
        next: &Arbitration,
        audit: Vec<NewAudit>,
    ) -> Result<Option<Arbitration>> {
        dispatch!(self, arbitrations::save_arbitration(next, audit))
    }

    /// Cases of every shop whose deadline has passed at `now` (the sweep's).
    pub async fn due_arbitrations(&self, now: i64, limit: i64) -> Result<Vec<Arbitration>> {
        dispatch!(self, arbitrations::due_arbitrations(now, limit))
    }

    /// How many cases the shop had opened since `since`.
    pub async fn count_arbitrations(&self, shop_id: Uuid, since: i64) -> Result<i64> {
        dispatch!(self, arbitrations::count_arbitrations(shop_id, since))
    }
}
