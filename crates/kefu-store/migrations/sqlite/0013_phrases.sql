-- Issue #17 (WB-3): quick phrases, the shop's, a team's or one agent's, with the pinyin
-- initials of their text kept for search and how often agents sent them.
CREATE TABLE phrases (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    scope TEXT NOT NULL,
    team TEXT,
    owner_id TEXT REFERENCES users(id),
    category TEXT NOT NULL,
    shortcut TEXT,
    body TEXT NOT NULL,
    initials TEXT NOT NULL,
    image_id TEXT,
    product_code TEXT,
    uses BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX phrases_by_tenant ON phrases (tenant_id, scope);
