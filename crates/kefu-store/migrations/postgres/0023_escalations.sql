-- Issue #20 (ESC-1): escalations. A conversation or a work order (with its conversation, if
-- one) has at most one escalation that is not handled; escalating it again raises that one.
CREATE TABLE escalations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    -- conversation:{id} | work_order:{id}
    subject TEXT NOT NULL,
    conversation_id TEXT,
    work_order_id TEXT,
    -- one | two | three
    level TEXT NOT NULL,
    -- JSON ["complaint_words", …]
    triggers TEXT NOT NULL DEFAULT '[]',
    reason TEXT NOT NULL DEFAULT '',
    raised_by TEXT,
    -- open | taken | handled
    status TEXT NOT NULL,
    owner_id TEXT,
    -- When its level must be taken up; NULL once taken, handled, or overdue at the top.
    due_at BIGINT,
    overdue_at BIGINT,
    created_at BIGINT NOT NULL,
    raised_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    taken_at BIGINT,
    handled_at BIGINT,
    outcome TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX escalations_one_open ON escalations (tenant_id, subject) WHERE status <> 'handled';
CREATE INDEX escalations_tenant ON escalations (tenant_id, status, raised_at);
CREATE INDEX escalations_conversation ON escalations (tenant_id, conversation_id);
CREATE INDEX escalations_due ON escalations (due_at) WHERE due_at IS NOT NULL;

-- The one outbound path's deliveries (webhooks, text messages) and their log: pending ones
-- wait for `next_at`; sent and failed ones are kept 30 days.
CREATE TABLE notify_deliveries (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    -- webhook | sms
    channel TEXT NOT NULL,
    -- The webhook's URL or the phone number.
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    -- The JSON body a webhook is sent, or the text message.
    body TEXT NOT NULL,
    -- pending | sent | failed
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    response_status BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX notify_deliveries_due ON notify_deliveries (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX notify_deliveries_tenant ON notify_deliveries (tenant_id, created_at);
