//! Playbook runs (ESC-2; SQL: `sql/playbooks.rs`): a playbook started on a conversation,
//! kept whole, each change guarded by the version it was read at; one not finished per
//! conversation and playbook (a unique index).

use kefu_domain::playbook::PlaybookRun;
use uuid::Uuid;

use crate::{Result, Store};

impl Store {
    /// Stores a new run; `Conflict("playbook_run_exists")` when the conversation has this
    /// playbook running.
    pub async fn create_playbook_run(
        &self,
        tenant_id: Uuid,
        run: &PlaybookRun,
    ) -> Result<PlaybookRun> {
        dispatch!(self, playbooks::create_playbook_run(tenant_id, run))
    }

    pub async fn playbook_run(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<PlaybookRun>> {
        dispatch!(self, playbooks::playbook_run(tenant_id, id))
    }

    /// The conversation's runs, newest first.
    pub async fn playbook_runs(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Vec<PlaybookRun>> {
        dispatch!(self, playbooks::playbook_runs(tenant_id, conversation_id))
    }

    /// Writes `next` if the run is still at `next.version`; `None` when someone changed it.
    pub async fn save_playbook_run(
        &self,
        tenant_id: Uuid,
        next: &PlaybookRun,
    ) -> Result<Option<PlaybookRun>> {
        dispatch!(self, playbooks::save_playbook_run(tenant_id, next))
    }
}
