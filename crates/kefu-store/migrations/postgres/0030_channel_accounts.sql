-- Issue #21 (CH-3): one platform account is one shop's channel. The platform calls one URL
-- per account and keeps one access token valid at a time, so a second shop connecting it
-- would take the first one's messages and tokens away. Where an account was connected in
-- more than one shop, the first connection stays (its buyers and conversations stay too).
DELETE FROM channel_cursors WHERE channel_id IN (
    SELECT c.id FROM channels c WHERE EXISTS (
        SELECT 1 FROM channels o WHERE o.kind = c.kind AND o.public_id = c.public_id
            AND (o.created_at < c.created_at OR (o.created_at = c.created_at AND o.id < c.id))));
DELETE FROM channels WHERE id IN (
    SELECT c.id FROM channels c WHERE EXISTS (
        SELECT 1 FROM channels o WHERE o.kind = c.kind AND o.public_id = c.public_id
            AND (o.created_at < c.created_at OR (o.created_at = c.created_at AND o.id < c.id))));
CREATE UNIQUE INDEX channels_one_shop_per_account ON channels (kind, public_id);
