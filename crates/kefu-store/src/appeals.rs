//! Appeals (SELF-3; SQL: `sql/appeals.rs`): the platform's queue and each filer's own, an
//! appeal kept whole and changed only from the version read.

use kefu_domain::appeal::{Appeal, Status};
use uuid::Uuid;

use crate::{Result, Store};

/// Whose appeals a list shows, oldest queued first for the platform, newest first for filers.
#[derive(Debug, Clone)]
pub enum AppealScope {
    /// The platform's queue.
    Platform(Uuid),
    /// What a filer filed: their tenant and id (a buyer's, or a shop's account's); `None`:
    /// all of the tenant's (a shop's).
    Filer(Uuid, Option<Uuid>),
}

impl Store {
    pub async fn create_appeal(
        &self,
        filer_tenant_id: Uuid,
        filer_id: Uuid,
        appeal: &Appeal,
    ) -> Result<Appeal> {
        dispatch!(
            self,
            appeals::create_appeal(filer_tenant_id, filer_id, appeal)
        )
    }

    /// The appeal, if `viewer` (a tenant) is its platform or its filer's tenant.
    pub async fn appeal(&self, viewer: Uuid, id: Uuid) -> Result<Option<Appeal>> {
        dispatch!(self, appeals::appeal(viewer, id))
    }

    pub async fn appeals(
        &self,
        scope: &AppealScope,
        statuses: &[Status],
        limit: i64,
    ) -> Result<Vec<Appeal>> {
        dispatch!(self, appeals::appeals(scope, statuses, limit))
    }

    /// Writes `next` if still at `next.version`; `None` when someone changed it meanwhile.
    pub async fn save_appeal(&self, next: &Appeal) -> Result<Option<Appeal>> {
        dispatch!(self, appeals::save_appeal(next))
    }

    /// Appeals of every platform past their target at `now` (the sweep's).
    pub async fn due_appeals(&self, now: i64, limit: i64) -> Result<Vec<Appeal>> {
        dispatch!(self, appeals::due_appeals(now, limit))
    }
}
