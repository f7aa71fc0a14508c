-- The spine: tenants, people, conversations, messages, attachments and the event log.
-- Times are epoch milliseconds (UTC); ids are UUID text.

CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('platform', 'shop')),
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    identity_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    team TEXT,
    phone TEXT,
    status TEXT NOT NULL DEFAULT 'offline',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_tenant ON users (tenant_id);

-- UI sessions and API tokens: only the SHA-256 of the secret is stored.
CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('ui', 'api')),
    name TEXT NOT NULL DEFAULT '',
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE buyers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    -- The conversation a new message from this buyer goes to; set once, atomically.
    current_conversation_id TEXT,
    UNIQUE (tenant_id, channel, external_id)
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    uploader_kind TEXT NOT NULL,
    uploader_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    buyer_id TEXT NOT NULL REFERENCES buyers(id),
    buyer_name TEXT NOT NULL,
    channel TEXT NOT NULL,
    external_id TEXT,
    entry TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee_id TEXT REFERENCES users(id),
    -- A cycle runs from creation or reopening to resolution; first response is per cycle.
    cycle_started_at BIGINT NOT NULL,
    awaiting_first_reply BOOLEAN NOT NULL DEFAULT TRUE,
    last_buyer_message_at BIGINT,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_message_preview TEXT NOT NULL DEFAULT '',
    last_message_at BIGINT NOT NULL,
    unread_count BIGINT NOT NULL DEFAULT 0,
    agent_read_seq BIGINT NOT NULL DEFAULT 0,
    buyer_read_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX conversations_tenant_activity ON conversations (tenant_id, status, last_message_at);

-- Keyed by (conversation, seq): messages are read and written by conversation, and on SQLite
-- the table is then its own index. `id` is a UUIDv7, unique by construction.
CREATE TABLE messages (
    id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq BIGINT NOT NULL,
    sender_kind TEXT NOT NULL,
    sender_id TEXT,
    sender_name TEXT NOT NULL,
    client_msg_id TEXT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    attachment_id TEXT REFERENCES attachments(id),
    channel TEXT NOT NULL,
    external_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, sender_id, client_msg_id);

-- Every conversation event, append-only: the source of every KPI and DATA report.
CREATE TABLE conversation_events (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    kind TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    message_seq BIGINT,
    data TEXT NOT NULL DEFAULT '{}',
    at BIGINT NOT NULL
);
CREATE INDEX conversation_events_conversation ON conversation_events (conversation_id, id);
CREATE INDEX conversation_events_tenant_time ON conversation_events (tenant_id, at);
