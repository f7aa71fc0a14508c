-- Issue #21 (CH-3): a buyer an agent moved from another channel to a WeCom 微信客服 account.
-- The token rides on the account's contact link (`scene_param`); when the buyer opens it,
-- WeCom's `enter_session` names it, and their WeCom conversation opens linked to this one.
CREATE TABLE channel_moves (
    token TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    channel_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    buyer_id TEXT NOT NULL REFERENCES buyers(id),
    moved_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    taken_at BIGINT,
    taken_by TEXT
);
CREATE INDEX channel_moves_conversation ON channel_moves (tenant_id, conversation_id);
