-- Issue #20 (ESC-3): work orders. What outlives a chat, with an owner (a person, or a team
-- until someone takes it), a deadline in the shop's office time and a history. The robot's
-- after-sale requests become work orders: there is no separate table for them any more.
CREATE TABLE work_orders (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    -- WO (AS for the robot's) + the UTC day + six digits.
    number TEXT NOT NULL,
    -- refund | exchange | reissue | logistics | complaint | callback | other
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- new | in_progress | waiting_buyer | waiting_third_party | resolved | closed
    status TEXT NOT NULL,
    -- low | normal | high | urgent
    priority TEXT NOT NULL,
    -- agent | robot | handoff | qa
    source TEXT NOT NULL,
    -- The hand-off case or QA review it came from.
    source_id TEXT,
    conversation_id TEXT,
    buyer_id TEXT,
    order_no TEXT,
    -- JSON [{sku_code, title, quantity}]
    items TEXT NOT NULL DEFAULT '[]',
    amount_fen BIGINT,
    -- JSON {key: value}: the kind's custom fields.
    fields TEXT NOT NULL DEFAULT '{}',
    owner_id TEXT,
    team TEXT,
    target_ms BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    paused_at BIGINT,
    reminded_at BIGINT,
    overdue_at BIGINT,
    -- When the sweep must next look at it (a reminder, an alert, closing one resolved a week
    -- ago); NULL while its clock stands or once closed.
    alarm_at BIGINT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    resolved_at BIGINT,
    closed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, number)
);
CREATE INDEX work_orders_tenant ON work_orders (tenant_id, created_at);
CREATE INDEX work_orders_open ON work_orders (tenant_id, status, deadline_at);
CREATE INDEX work_orders_conversation ON work_orders (tenant_id, conversation_id);
CREATE INDEX work_orders_buyer ON work_orders (tenant_id, buyer_id);
CREATE INDEX work_orders_alarm ON work_orders (alarm_at) WHERE alarm_at IS NOT NULL;

-- Every change, note, reminder and alert, in order; never changed or deleted.
CREATE TABLE work_order_events (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    at BIGINT NOT NULL,
    -- NULL: kefu itself (the sweep, the robot) or the buyer.
    actor_id TEXT,
    actor_name TEXT NOT NULL DEFAULT '',
    -- created | moved | assigned | edited | comment | reminded | overdue | auto_closed
    kind TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    to_buyer BOOLEAN NOT NULL DEFAULT FALSE,
    attachment_id TEXT
);
CREATE INDEX work_order_events_order ON work_order_events (work_order_id, at);
-- Uploads a note carries are kept by the unsent-uploads sweep.
CREATE INDEX work_order_events_attachment ON work_order_events (attachment_id)
    WHERE attachment_id IS NOT NULL;

-- A person's saved filters of the work-order list.
CREATE TABLE work_order_views (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    filters TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, account_id, name)
);

-- The robot's after-sale requests, as refund and exchange orders its flow filed: a day's
-- wall-clock time to act (the shop's office hours apply from their next change).
INSERT INTO work_orders (id, tenant_id, number, kind, title, description, status, priority,
    source, conversation_id, buyer_id, order_no, items, fields, target_ms, deadline_at,
    alarm_at, created_at, updated_at)
SELECT a.id, a.tenant_id, a.case_no,
    CASE a.kind WHEN 'exchange' THEN 'exchange' ELSE 'refund' END,
    CASE a.kind WHEN 'exchange' THEN '换货' WHEN 'refund_only' THEN '仅退款' ELSE '退货退款' END
        || CASE WHEN a.item_title IS NULL THEN '' ELSE ' · ' || a.item_title END,
    a.reason || CASE WHEN a.detail = '' THEN '' ELSE '：' || a.detail END,
    'new', 'normal', 'robot', a.conversation_id,
    (SELECT c.buyer_id FROM conversations c WHERE c.id = a.conversation_id),
    a.order_no, CASE WHEN a.sku_code IS NULL THEN '[]' ELSE json_array(json_object('sku_code', a.sku_code, 'title', COALESCE(a.item_title, ''), 'quantity', 1)) END, '{}', 86400000, a.created_at + 86400000,
    a.created_at + 82800000, a.created_at, a.created_at
FROM after_sale_requests a ORDER BY a.created_at, a.id;

INSERT INTO work_order_events (id, tenant_id, work_order_id, at, kind, body, data, attachment_id)
SELECT a.id, a.tenant_id, a.id, a.created_at, 'created', '', json_object('after_sale_kind', a.kind), a.photo_attachment_id
FROM after_sale_requests a ORDER BY a.created_at, a.id;

DROP TABLE after_sale_requests;
