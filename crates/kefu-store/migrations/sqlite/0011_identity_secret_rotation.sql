-- Issue #15: a shop's identity secret rotates with a grace period (CH-2). During the grace
-- the secret before it (sealed by the vault, `tenants.previous_identity_secret`) still
-- verifies member tokens and entry links, until `previous_identity_secret_until` (ms).
ALTER TABLE tenants ADD COLUMN previous_identity_secret TEXT;
ALTER TABLE tenants ADD COLUMN previous_identity_secret_until BIGINT;
ALTER TABLE tenants ADD COLUMN identity_secret_rotated_at BIGINT;
