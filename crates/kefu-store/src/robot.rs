//! The robot (BOT-1 … BOT-3): settings, knowledge base, the conversations it serves, and its
//! log (SQL: `sql/robot.rs`).

use kefu_domain::conversation::ConversationSummary;
use kefu_domain::robot::{RobotLogEntry, RobotSettings};
use uuid::Uuid;

use crate::{NewAudit, Result, Store, UpsertCounts};

/// A knowledge base entry as stored: its id and JSON body (BOT-1).
#[derive(Debug, Clone, PartialEq)]
pub struct KbRow {
    pub id: String,
    pub body: serde_json::Value,
    pub updated_at: i64,
}

/// A line for the robot's log.
#[derive(Debug, Clone)]
pub struct NewRobotLog<'a> {
    pub tenant_id: Uuid,
    pub conversation_id: Option<Uuid>,
    pub text: &'a str,
    /// `answer`, `clarify`, `handoff`, `greet`.
    pub action: &'a str,
    pub entry_id: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub confidence: f64,
    pub choices: &'a [String],
}

impl Store {
    pub async fn robot_settings(&self, tenant_id: Uuid) -> Result<RobotSettings> {
        dispatch!(self, robot::robot_settings(tenant_id))
    }

    /// Saves mode, night-only, lexicons and threshold; a lexicon change bumps the knowledge
    /// base version.
    pub async fn set_robot_settings(
        &self,
        tenant_id: Uuid,
        settings: &RobotSettings,
        audit: impl FnOnce(&RobotSettings) -> Vec<NewAudit> + Send,
    ) -> Result<RobotSettings> {
        let settings = settings.clone();
        let (_, saved) = self
            .update_robot_settings(tenant_id, move |_| settings, |_, saved| audit(saved))
            .await?;
        Ok(saved)
    }

    /// Changes the settings as `change` makes them from the ones in force, read in the
    /// same transaction, so saves at the same moment do not undo each other's fields:
    /// (before, after), both given to `audit`.
    pub async fn update_robot_settings(
        &self,
        tenant_id: Uuid,
        change: impl FnOnce(&RobotSettings) -> RobotSettings + Send,
        audit: impl FnOnce(&RobotSettings, &RobotSettings) -> Vec<NewAudit> + Send,
    ) -> Result<(RobotSettings, RobotSettings)> {
        dispatch!(self, robot::update_robot_settings(tenant_id, change, audit))
    }

    pub async fn kb_entries(&self, tenant_id: Uuid) -> Result<Vec<KbRow>> {
        dispatch!(self, robot::kb_entries(tenant_id))
    }

    /// Inserts or replaces entries (id, JSON body) at once; bumps the version on a change.
    pub async fn upsert_kb_entries(
        &self,
        tenant_id: Uuid,
        entries: &[(String, serde_json::Value)],
        by: Option<Uuid>,
        audit: impl FnOnce(&UpsertCounts) -> Vec<NewAudit> + Send,
    ) -> Result<UpsertCounts> {
        let counts = dispatch!(
            self,
            robot::upsert_kb_entries(tenant_id, entries, by, None, audit)
        )?;
        Ok(counts.unwrap_or_default())
    }

    /// The knowledge base's version: bumped by every change to its entries or lexicons.
    pub async fn kb_version(&self, tenant_id: Uuid) -> Result<i64> {
        Ok(self.robot_settings(tenant_id).await?.kb_version)
    }

    /// As `upsert_kb_entries`, only if the knowledge base is still at `version` (`None`
    /// otherwise, nothing written): a change computed from entries read at that version
    /// overwrites no edit made since.
    pub async fn upsert_kb_entries_at(
        &self,
        tenant_id: Uuid,
        entries: &[(String, serde_json::Value)],
        version: i64,
    ) -> Result<Option<UpsertCounts>> {
        dispatch!(
            self,
            robot::upsert_kb_entries(tenant_id, entries, None, Some(version), |_| vec![])
        )
    }

    pub async fn delete_kb_entry(
        &self,
        tenant_id: Uuid,
        id: &str,
        audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(self, robot::delete_kb_entry(tenant_id, id, audit))
    }

    /// The robot starts serving a new, unassigned conversation.
    pub async fn adopt_conversation(&self, tenant_id: Uuid, id: Uuid) -> Result<()> {
        dispatch!(self, robot::adopt_conversation(tenant_id, id))
    }

    /// The robot takes back a conversation a returning buyer reopened (`None` when it is
    /// already serving it or it is not open).
    pub async fn readopt_conversation(
        &self,
        tenant_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(self, robot::readopt_conversation(tenant_id, id))
    }

    /// The robot hands a conversation to people (once; `None` when it was not serving it),
    /// with a `robot_handoff` event carrying `data`.
    pub async fn robot_handoff(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        data: serde_json::Value,
    ) -> Result<Option<ConversationSummary>> {
        dispatch!(self, robot::robot_handoff(tenant_id, id, data))
    }

    pub async fn log_robot(&self, entry: &NewRobotLog<'_>) -> Result<()> {
        dispatch!(self, robot::log_robot(entry))
    }

    pub async fn robot_log_of(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
        limit: i64,
    ) -> Result<Vec<RobotLogEntry>> {
        dispatch!(self, robot::robot_log_of(tenant_id, conversation_id, limit))
    }

    pub async fn robot_log_since(&self, tenant_id: Uuid, since: i64) -> Result<Vec<RobotLogEntry>> {
        dispatch!(self, robot::robot_log_since(tenant_id, since))
    }
}
