-- Issue #19 (DATA-4): who left after an agent's reply, kept by the rollups. Each shop day's
-- conversations that came with a product or an order, were served that day and led to no
-- order within 24 hours, written with the day's rollups from the same walk of the log, so the
-- list is read by index instead of walking a day's logs (3 s for a 34,000-conversation day).
CREATE TABLE funnel_dropped (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    day TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    -- The conversation's last event on the day: the list is newest first.
    at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day, conversation_id)
);
CREATE INDEX funnel_dropped_at ON funnel_dropped (tenant_id, day, at);

-- The rollups are caught up again from the start once, so past days get their lists.
DELETE FROM kpi_progress;
