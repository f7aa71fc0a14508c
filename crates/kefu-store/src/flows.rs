//! The robot's flows (BOT-4) and the flow each conversation is in (SQL: `sql/flows.rs`).

use uuid::Uuid;

use crate::{NewAudit, Result, Store};

/// A multi-turn flow as stored: its id and JSON body (BOT-4).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRow {
    pub id: String,
    pub body: serde_json::Value,
    pub updated_at: i64,
}

impl Store {
    pub async fn robot_flows(&self, tenant_id: Uuid) -> Result<Vec<FlowRow>> {
        dispatch!(self, flows::robot_flows(tenant_id))
    }

    /// Creates or replaces a flow (checked JSON body); bumps the knowledge base version.
    pub async fn put_robot_flow(
        &self,
        tenant_id: Uuid,
        id: &str,
        body: &serde_json::Value,
        by: Option<Uuid>,
        audit: impl FnOnce(&()) -> Vec<NewAudit> + Send,
    ) -> Result<()> {
        dispatch!(self, flows::put_robot_flow(tenant_id, id, body, by, audit))
    }

    pub async fn delete_robot_flow(
        &self,
        tenant_id: Uuid,
        id: &str,
        audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(self, flows::delete_robot_flow(tenant_id, id, audit))
    }

    /// The flow a conversation is in, and its state.
    pub async fn flow_run(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Option<(String, serde_json::Value)>> {
        dispatch!(self, flows::flow_run(tenant_id, conversation_id))
    }

    /// Saves a conversation's flow state (flow id, state), or ends it with `None`.
    pub async fn set_flow_run(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        run: Option<(&str, &serde_json::Value)>,
    ) -> Result<()> {
        dispatch!(self, flows::set_flow_run(tenant_id, conversation_id, run))
    }
}
