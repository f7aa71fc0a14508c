-- Issue #19 (DATA-5): question mining. Each shop week (Monday in the shop's zone, as
-- YYYY-MM-DD) its buyers' questions are grouped into topics that keep their identity from
-- week to week (`centroid`: the topic's strongest features, JSON [[feature, weight], …]);
-- a week is mined again whole, so its rows are replaced, never added to.
CREATE TABLE question_topics (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    label TEXT NOT NULL,
    -- JSON array of the topic's most frequent words.
    keywords TEXT NOT NULL DEFAULT '[]',
    centroid TEXT NOT NULL,
    first_week TEXT NOT NULL,
    last_week TEXT NOT NULL,
    -- The robot's review-queue proposal made from it (robot_proposals.id).
    proposal_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX question_topics_tenant ON question_topics (tenant_id, last_week);

-- Conversations that asked a topic in a week, per product ('' for none), with examples
-- (JSON [{conversation, text, at}]).
CREATE TABLE question_topic_weeks (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    week TEXT NOT NULL,
    topic_id TEXT NOT NULL REFERENCES question_topics(id),
    product_code TEXT NOT NULL,
    conversations BIGINT NOT NULL,
    examples TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant_id, week, topic_id, product_code)
);
CREATE INDEX question_topic_weeks_topic ON question_topic_weeks (topic_id, week);

-- Conversations that asked anything in a week, per product: the topics' rates' denominators;
-- a row with product '' and mined_at tells the week was mined.
CREATE TABLE question_weeks (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    week TEXT NOT NULL,
    product_code TEXT NOT NULL,
    asked BIGINT NOT NULL,
    mined_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, week, product_code)
);

-- A topic sent to a product's owner as a problem to fix upstream; `fixed_on` (the shop's
-- date the fix went out) splits the topic's weeks into before and after.
CREATE TABLE topic_problems (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    topic_id TEXT NOT NULL REFERENCES question_topics(id),
    product_code TEXT,
    owner_id TEXT NOT NULL REFERENCES users(id),
    note TEXT NOT NULL,
    -- open | fixed
    status TEXT NOT NULL DEFAULT 'open',
    fixed_on TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX topic_problems_tenant ON topic_problems (tenant_id, status, created_at);
CREATE INDEX topic_problems_topic ON topic_problems (topic_id);

-- Proposals the training loop makes are replaced by its next run; those sent from a mined
-- topic stay until a person decides them.
ALTER TABLE robot_proposals ADD COLUMN source TEXT NOT NULL DEFAULT 'training';
