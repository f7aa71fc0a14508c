-- Issue #17 (WB-6): buyers an agent blocked as spam, harassment or ads, until an expiry or
-- for good, and who lifted the block. Their conversations are `invalid` (a status).
CREATE TABLE blocked_buyers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    buyer_id TEXT NOT NULL REFERENCES buyers(id),
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    blocked_by TEXT NOT NULL REFERENCES users(id),
    blocked_at BIGINT NOT NULL,
    expires_at BIGINT,
    lifted_by TEXT REFERENCES users(id),
    lifted_at BIGINT
);
CREATE INDEX blocked_buyers_by_buyer ON blocked_buyers (tenant_id, buyer_id);

-- What the chat page shows before a buyer writes (issue #17): the typical first response of
-- the last 7 days, read from the event log by kind and time (KPI reports read it so too).
CREATE INDEX conversation_events_kind_time ON conversation_events (tenant_id, kind, at);
