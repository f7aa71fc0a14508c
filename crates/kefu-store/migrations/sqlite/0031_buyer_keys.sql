-- Issue #21 (CH-6): what makes buyers on two channels one person: the shop's member id, a
-- phone number, an email address, a WeChat unionid (normalised by kefu_domain::profile).
-- Two buyers of a shop with one key are linked into one profile when the key is first seen.
CREATE TABLE buyer_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    buyer_id TEXT NOT NULL REFERENCES buyers(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, value, buyer_id)
);
CREATE INDEX buyer_keys_buyer ON buyer_keys (buyer_id);
