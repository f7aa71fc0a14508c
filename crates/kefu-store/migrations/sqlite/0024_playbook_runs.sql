-- Issue #20 (ESC-2): playbooks started on conversations. The run is kept whole as JSON (its
-- steps as they were when started, which are done, their deadlines); one not finished per
-- conversation and playbook.
CREATE TABLE playbook_runs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL,
    key TEXT NOT NULL,
    run TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX playbook_runs_conversation ON playbook_runs (tenant_id, conversation_id, started_at);
CREATE UNIQUE INDEX playbook_runs_one_open ON playbook_runs (tenant_id, conversation_id, key) WHERE finished_at IS NULL;
