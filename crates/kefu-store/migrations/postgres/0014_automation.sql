-- Issue #17 (WB-2): each shop's automatic replies, one JSON document checked by
-- `kefu_domain::automation`, and when each one last went out in a conversation (keyword
-- rules' cooldowns; the idle nudge and off-hours reply once per stretch; across processes).
CREATE TABLE auto_replies (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE automation_fired (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    rule TEXT NOT NULL,
    fired_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, rule)
);
