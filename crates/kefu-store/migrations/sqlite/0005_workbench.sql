-- The workbench (WB-5): conversation tags, a shop's own tags, and teams that require a tag
-- before a conversation is resolved.

-- JSON array of tag keys, kept beside `conversation_tags` so summaries need no join.
ALTER TABLE conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

CREATE TABLE conversation_tags (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    tag_key TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    tagged_by TEXT NOT NULL,
    tagged_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, tag_key)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tenant_id, tag_key);

CREATE TABLE custom_tags (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    tag_key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, tag_key)
);

ALTER TABLE teams ADD COLUMN require_tag BOOLEAN NOT NULL DEFAULT FALSE;
