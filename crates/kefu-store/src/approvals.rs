//! Approvals (ACC-5): sensitive operations requested, decided once and carried out (SQL:
//! `sql/approvals.rs`).

use kefu_domain::guard::{Approval, ApprovalKind, ApprovalStatus};
use kefu_domain::money::Money;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A sensitive operation to record (ACC-5).
#[derive(Debug, Clone)]
pub struct NewApproval<'a> {
    pub tenant_id: Uuid,
    pub kind: ApprovalKind,
    pub conversation_id: Option<Uuid>,
    pub order_no: &'a str,
    pub amount_fen: Option<Money>,
    pub payload: serde_json::Value,
    pub reason: &'a str,
    pub requested_by: Uuid,
}

impl Store {
    pub async fn create_approval(
        &self,
        new: &NewApproval<'_>,
        execute_now: bool,
        audit: impl FnOnce(&Approval) -> Vec<NewAudit> + Send,
    ) -> Result<Approval> {
        dispatch!(self, approvals::create_approval(new, execute_now, audit))
    }

    pub async fn approval(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Approval>> {
        dispatch!(self, approvals::approval(tenant_id, id))
    }

    pub async fn approvals(
        &self,
        tenant_id: Uuid,
        status: Option<ApprovalStatus>,
        limit: i64,
    ) -> Result<Vec<Approval>> {
        dispatch!(self, approvals::approvals(tenant_id, status, limit))
    }

    pub async fn decide_approval(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        approve: bool,
        decided_by: Uuid,
        reason: &str,
        audit: impl FnOnce(&Approval) -> Vec<NewAudit> + Send,
    ) -> Result<Approval> {
        dispatch!(
            self,
            approvals::decide_approval(tenant_id, id, approve, decided_by, reason, audit)
        )
    }
}
