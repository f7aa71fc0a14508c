-- The robot's multi-turn flows (BOT-4) as each shop defines them, the flow a conversation
-- is in between messages, the after-sale requests flows create, and the training loop's
-- review queue (BOT-5) with when each shop's misses were last analysed.

CREATE TABLE robot_flows (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    flow_id TEXT NOT NULL,
    -- The flow as JSON (name, triggers, steps, finish).
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT,
    PRIMARY KEY (tenant_id, flow_id)
);

CREATE TABLE robot_flow_runs (
    conversation_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    flow_id TEXT NOT NULL,
    -- The run as JSON: slots filled, the step asked, turns, misses.
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE after_sale_requests (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    case_no TEXT NOT NULL,
    order_no TEXT NOT NULL,
    conversation_id TEXT,
    -- The shop's member id of the buyer, as on the order.
    member_id TEXT NOT NULL,
    -- return_refund | refund_only | exchange
    kind TEXT NOT NULL,
    sku_code TEXT,
    item_title TEXT,
    reason TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    photo_attachment_id TEXT,
    -- requested, then the shop's own after-sale process
    status TEXT NOT NULL DEFAULT 'requested',
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, case_no)
);
CREATE INDEX after_sale_requests_tenant ON after_sale_requests (tenant_id, created_at);

CREATE TABLE robot_proposals (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    -- new_entry | similar
    kind TEXT NOT NULL,
    entry_id TEXT,
    -- JSON: question, similar, answer, examples, human_answers, entry_question
    body TEXT NOT NULL,
    asked BIGINT NOT NULL,
    -- pending | approved | rejected
    status TEXT NOT NULL DEFAULT 'pending',
    created_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT
);
CREATE INDEX robot_proposals_tenant ON robot_proposals (tenant_id, status, created_at);

ALTER TABLE robot_settings ADD COLUMN trained_at BIGINT NOT NULL DEFAULT 0;
