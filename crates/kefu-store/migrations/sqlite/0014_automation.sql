-- Issue #17: a shop's documents of rules, each checked by its `kefu_domain` type and edited
-- whole: `auto_replies` (WB-2, `kefu_domain::automation`), `intake_filter` (WB-6,
-- `kefu_domain::intake`). `updated_at` is the document's version.
CREATE TABLE shop_documents (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
-- When each automatic reply last went out in a conversation (keyword rules' cooldowns; the
-- idle nudge and the off-hours reply once per stretch; across processes).
CREATE TABLE automation_fired (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    rule TEXT NOT NULL,
    fired_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, rule)
);
