//! Handoff cases (CH-5): an order handed to its fulfilment partner (SQL: `sql/handoffs.rs`).

use kefu_domain::commerce::{HandoffCase, Partner};
use uuid::Uuid;

use crate::{Result, Store};

/// A handoff to open (CH-5).
pub struct NewHandoff<'a> {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub order_no: &'a str,
    pub partner: &'a Partner,
    pub shared: serde_json::Value,
    pub note: &'a str,
    pub due_at: i64,
    pub created_by: Uuid,
}

impl Store {
    pub async fn create_handoff(&self, new: &NewHandoff<'_>) -> Result<HandoffCase> {
        dispatch!(self, handoffs::create_handoff(new))
    }

    pub async fn handoffs(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Vec<HandoffCase>> {
        dispatch!(self, handoffs::handoffs(tenant_id, conversation_id))
    }

    pub async fn handoff_cases(
        &self,
        tenant_id: Uuid,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<HandoffCase>> {
        dispatch!(self, handoffs::handoff_cases(tenant_id, status, limit))
    }

    pub async fn close_handoff(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        resolution: &str,
    ) -> Result<HandoffCase> {
        dispatch!(self, handoffs::close_handoff(tenant_id, id, resolution))
    }
}
