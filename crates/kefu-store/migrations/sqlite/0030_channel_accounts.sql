-- Issue #21 (CH-3): one platform account is one shop's channel. The platform calls one URL
-- per account and keeps one access token valid at a time, so a second shop connecting it
-- would take the first one's messages and tokens away.
CREATE UNIQUE INDEX channels_one_shop_per_account ON channels (kind, public_id);
