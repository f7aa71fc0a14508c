-- Issue #20 (SELF-3): appeals to the platform's desk, from its buyers or from shops. Kept
-- whole as JSON, with the columns the queue, the filer's list and the sweep read.
CREATE TABLE appeals (
    id TEXT PRIMARY KEY,
    platform_id TEXT NOT NULL REFERENCES tenants(id),
    -- The filer's tenant (the platform's for a buyer, the shop's for a shop) and who.
    filer_tenant_id TEXT NOT NULL REFERENCES tenants(id),
    filer_id TEXT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    -- pending | in_review | decided
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The 15-minute target while queued and not yet overdue.
    alarm_at BIGINT,
    queued_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX appeals_queue ON appeals (platform_id, status, queued_at);
CREATE INDEX appeals_filer ON appeals (filer_tenant_id, filer_id, created_at);
CREATE INDEX appeals_alarm ON appeals (alarm_at) WHERE alarm_at IS NOT NULL;
