-- Issue #21 (CH-3): a shop's connected channels (WeChat Official Account first). The
-- secrets (token, EncodingAESKey, app secret) are one sealed JSON; the access token is
-- sealed too and shared by every process.
CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    -- wechat_mp | …
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The platform's id of the account (the AppID): buyers' ids are scoped by it.
    public_id TEXT NOT NULL,
    -- The settings that are not secret, as JSON (the mode, the API's base URL).
    settings TEXT NOT NULL,
    secrets TEXT NOT NULL,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    access_token TEXT,
    token_expires_at BIGINT,
    last_in_at BIGINT,
    last_out_at BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    last_error_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, kind, public_id)
);
