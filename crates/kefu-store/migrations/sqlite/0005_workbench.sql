-- The workbench (WB-5): conversation tags, a shop's own tags, and teams that require a tag
-- before a conversation is resolved.

-- JSON array of tag keys, kept beside `conversation_tags` so summaries need no join.
ALTER TABLE conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

CREATE TABLE conversation_tags (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    tag_key TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    tagged_by TEXT NOT NULL,
    tagged_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, tag_key)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tenant_id, tag_key);

CREATE TABLE custom_tags (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    tag_key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, tag_key)
);

ALTER TABLE teams ADD COLUMN require_tag BOOLEAN NOT NULL DEFAULT FALSE;

-- WB-4: the supervisor's routing rules, tried in `position` order; `conditions` is a JSON
-- array of `{"kind": …, "value": …}`.
CREATE TABLE routing_rules (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    conditions TEXT NOT NULL,
    team TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routing_rules_tenant ON routing_rules (tenant_id, position);

-- How a team's conversations are spread over its agents, and each agent's concurrency cap.
ALTER TABLE teams ADD COLUMN strategy TEXT NOT NULL DEFAULT 'least_loaded';
ALTER TABLE users ADD COLUMN max_concurrent BIGINT NOT NULL DEFAULT 5;

-- WB-9: a break (小休) has a reason and an end; the end is stored, so a restart keeps it.
ALTER TABLE users ADD COLUMN break_reason TEXT;
ALTER TABLE users ADD COLUMN break_until BIGINT;

-- WB-1/WB-4: the team a conversation belongs to (set by routing or a transfer).
ALTER TABLE conversations ADD COLUMN team TEXT;

-- WB-1: internal notes on a conversation, never shown to the buyer; a supervisor's note to
-- the agent is a whisper. `mentions` is a JSON array of user ids.
CREATE TABLE conversation_notes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    mentions TEXT NOT NULL DEFAULT '[]',
    whisper BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX conversation_notes_conversation ON conversation_notes (conversation_id, created_at);

-- WB-4: the router assigns waiting conversations to agents when the shop turns it on.
ALTER TABLE tenant_settings ADD COLUMN routing_enabled BOOLEAN NOT NULL DEFAULT FALSE;

-- WB-8: stranded conversations of this team are offered to all its idle agents to grab.
ALTER TABLE teams ADD COLUMN grab_mode BOOLEAN NOT NULL DEFAULT FALSE;
-- A stranded conversation of a grab-mode team waits to be grabbed, not routed.
ALTER TABLE conversations ADD COLUMN up_for_grabs BOOLEAN NOT NULL DEFAULT FALSE;
-- The router counts each agent's open conversations, and finds the waiting ones per team.
CREATE INDEX conversations_assignee ON conversations (assignee_id, status);
CREATE INDEX conversations_waiting ON conversations (tenant_id, status, assignee_id, team);
-- WB-7: the buyer wrote last and no agent has answered since (kept by the writer; times alone
-- cannot tell, since one commit stamps a whole batch with the same time).
ALTER TABLE conversations ADD COLUMN awaiting_reply BOOLEAN NOT NULL DEFAULT FALSE;
-- ACC-6: tenants created before teams existed get the default ones (new tenants get them
-- when they are created).
INSERT INTO teams (tenant_id, team_key, name, response_target_seconds, created_at)
SELECT id, 'pre_sales', '售前', 30, created_at FROM tenants WHERE TRUE
ON CONFLICT (tenant_id, team_key) DO NOTHING;
INSERT INTO teams (tenant_id, team_key, name, response_target_seconds, created_at)
SELECT id, 'after_sales', '售后', 7200, created_at FROM tenants WHERE TRUE
ON CONFLICT (tenant_id, team_key) DO NOTHING;
INSERT INTO teams (tenant_id, team_key, name, response_target_seconds, created_at)
SELECT id, 'qa', '质检', 86400, created_at FROM tenants WHERE TRUE
ON CONFLICT (tenant_id, team_key) DO NOTHING;
