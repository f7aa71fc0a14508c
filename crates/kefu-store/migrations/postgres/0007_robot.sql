-- The FAQ robot (BOT-1 … BOT-6): each shop's knowledge base, its robot settings and
-- lexicons, the robot's log (for the training loop and its metrics), and whether the robot
-- is serving a conversation (the router leaves those alone until it hands off).

CREATE TABLE kb_entries (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    entry_id TEXT NOT NULL,
    -- The entry as JSON (question, similar, answer, tier, skus, validity, conditions).
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (tenant_id, entry_id)
);

CREATE TABLE robot_settings (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    -- off | assist (suggestions for agents only) | robot_first
    mode TEXT NOT NULL DEFAULT 'off',
    -- robot_first only outside the shop's office hours
    night_only BOOLEAN NOT NULL DEFAULT FALSE,
    -- JSON lexicons: synonyms, colloquial, negations, terms, blocked
    lexicon TEXT NOT NULL DEFAULT '{}',
    -- Bumped by every change to the knowledge base or lexicons: robots are rebuilt on it.
    kb_version BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

CREATE TABLE robot_log (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT,
    at BIGINT NOT NULL,
    text TEXT NOT NULL,
    -- answer | clarify | handoff | greet
    action TEXT NOT NULL,
    entry_id TEXT,
    reason TEXT,
    confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
    -- clarify: JSON array of the entry ids offered
    choices TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX robot_log_tenant_at ON robot_log (tenant_id, at);
CREATE INDEX robot_log_conversation ON robot_log (conversation_id, at);

ALTER TABLE conversations ADD COLUMN robot_active BOOLEAN NOT NULL DEFAULT FALSE;
