-- Issue #21 (CH-3): where kefu has read a pull-model channel up to (WeCom 微信客服's
-- `sync_msg` cursor), per channel and per account within it (the kf account's open_kfid).
-- Saved after every page, so a restart or another process goes on from there.
CREATE TABLE channel_cursors (
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    cursor TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, scope)
);
