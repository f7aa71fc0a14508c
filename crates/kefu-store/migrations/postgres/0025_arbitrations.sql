-- Issue #20 (ACC-1, ESC-1): arbitration by the platform. A case is between a shop (its
-- conversation with the buyer) and the platform's desk; it is kept whole as JSON, with the
-- columns the lists and the sweep read. One case not closed per conversation.
CREATE TABLE arbitrations (
    id TEXT PRIMARY KEY,
    shop_id TEXT NOT NULL REFERENCES tenants(id),
    platform_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    -- open | awaiting_evidence | ruled | closed
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The shop's deadline while ruled and not yet overdue.
    alarm_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX arbitrations_shop ON arbitrations (shop_id, created_at);
CREATE INDEX arbitrations_conversation ON arbitrations (shop_id, conversation_id, created_at);
CREATE INDEX arbitrations_platform ON arbitrations (platform_id, status, created_at);
CREATE UNIQUE INDEX arbitrations_one_open ON arbitrations (shop_id, conversation_id) WHERE status <> 'closed';
CREATE INDEX arbitrations_alarm ON arbitrations (alarm_at) WHERE alarm_at IS NOT NULL;
