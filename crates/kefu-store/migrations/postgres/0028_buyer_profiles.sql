-- Issue #21 (CH-6): one buyer across channels. Buyers an agent merged share a profile: the
-- id of the profile's first buyer (NULL: a profile of one).
ALTER TABLE buyers ADD COLUMN profile_id TEXT;
CREATE INDEX buyers_profile ON buyers (tenant_id, profile_id) WHERE profile_id IS NOT NULL;
