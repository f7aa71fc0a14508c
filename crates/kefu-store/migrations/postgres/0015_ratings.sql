-- Issue #17 (KPI-3): the satisfaction rating. One invitation per resolution, open for a day,
-- re-sent at most once by a supervisor; the rating, once given, with its reasons and comment.
-- Invitations and ratings are also events (`rating_invited`, `rated`) for the reports.
CREATE TABLE ratings (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent_id TEXT REFERENCES users(id),
    invited_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    reinvited BOOLEAN NOT NULL DEFAULT FALSE,
    stars BIGINT,
    reasons TEXT NOT NULL DEFAULT '[]',
    comment TEXT NOT NULL DEFAULT '',
    rated_at BIGINT
);
CREATE INDEX ratings_by_conversation ON ratings (tenant_id, conversation_id);
