-- Issue #18 (KPI-1 … KPI-4): the team's numbers. Each row is what one agent (or, with an
-- empty agent id, the shop, for what no agent owns) did on one of the shop's days: a
-- `kefu_domain::kpi::Tally` as JSON, recomputed whole from the event log whenever an
-- event or an order touches that day. Reports over a range sum rows; nothing else is kept.
CREATE TABLE kpi_daily (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    day TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    tally TEXT NOT NULL,
    built_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day, agent_id)
);

-- How far the rollups have read: the last event id, and the orders changed up to when.
CREATE TABLE kpi_progress (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    last_event_id BIGINT NOT NULL,
    orders_seen_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A month's ranking per team, kept once the month is over (KPI-4).
CREATE TABLE kpi_rankings (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    month TEXT NOT NULL,
    agent_id TEXT NOT NULL REFERENCES users(id),
    team_key TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    -- excellent, pass, below, or empty when no line metric had data.
    grade TEXT NOT NULL,
    rank BIGINT NOT NULL,
    top_decile BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, month, agent_id)
);

-- Quality inspection (KPI-3): a day's sample of conversations, each scored by an inspector
-- against the shop's rubric, with comments on messages; the agent may appeal once and a
-- supervisor decides. Items, comments and forbidden-word hits are JSON arrays.
CREATE TABLE qa_reviews (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent_id TEXT REFERENCES users(id),
    day TEXT NOT NULL,
    reasons TEXT NOT NULL,
    forbidden_hits TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    inspector_id TEXT REFERENCES users(id),
    items TEXT NOT NULL DEFAULT '[]',
    comments TEXT NOT NULL DEFAULT '[]',
    score DOUBLE PRECISION,
    scored_at BIGINT,
    appeal TEXT,
    appealed_at BIGINT,
    decided_by TEXT REFERENCES users(id),
    decision TEXT,
    final_score DOUBLE PRECISION,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, conversation_id, day)
);
CREATE INDEX qa_reviews_by_day ON qa_reviews (tenant_id, day);
CREATE INDEX qa_reviews_by_agent ON qa_reviews (tenant_id, agent_id, day);

-- Agents' breaks (WB-9), kept as periods so that a team counting in office time does not count
-- an agent's break as the buyer's wait (issue #18). An open break has no end yet.
CREATE TABLE agent_breaks (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    PRIMARY KEY (tenant_id, user_id, started_at)
);
CREATE INDEX agent_breaks_by_time ON agent_breaks (tenant_id, started_at);
