//! The audit chain (ACC-5): appended, listed and verified (SQL: `sql/audit.rs`).

use kefu_domain::guard::AuditEntry;
use uuid::Uuid;

use crate::{Result, Store};

/// An audit entry to append. An audited change takes a closure that says, from what the
/// change did, which entries record it; they commit in the change's transaction (ACC-5).
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub tenant_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub actor_id: Option<Uuid>,
    /// An action, or a family: `refund` matches `refund.request` and `refund.approve`.
    pub action: Option<&'a str>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
}

/// What `verify_audit` found: entries checked, and the first broken entry of each broken
/// chain (tenant, seq, what is wrong).
#[derive(Debug, Clone, Default)]
pub struct AuditVerdict {
    pub checked: u64,
    pub broken: Vec<(Uuid, i64, String)>,
}

impl Store {
    /// Appends an event that changes nothing else (a failed sign-in); a change is audited by
    /// the closure its own method takes.
    pub async fn append_audit(&self, new: &NewAudit) -> Result<AuditEntry> {
        dispatch!(self, audit::append_audit(new))
    }

    pub async fn audit_entries(
        &self,
        tenant_id: Uuid,
        filter: &AuditFilter<'_>,
    ) -> Result<Vec<AuditEntry>> {
        dispatch!(self, audit::audit_entries(tenant_id, filter))
    }

    pub async fn verify_audit(&self, tenant_id: Option<Uuid>) -> Result<AuditVerdict> {
        dispatch!(self, audit::verify_audit(tenant_id))
    }
}
