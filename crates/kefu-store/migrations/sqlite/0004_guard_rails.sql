-- The team and its guard rails (ACC-2 … ACC-6): probation, permission groups and their
-- grants, teams with response targets, per-shop settings, approvals of sensitive operations,
-- and the tamper-evident audit log.

-- ACC-4: until this time the account keeps only the basic conversation permissions.
ALTER TABLE users ADD COLUMN probation_until BIGINT;
ALTER TABLE users ADD COLUMN created_by TEXT;
-- ACC-2: the account proved it holds its phone number (a code sent by SMS).
ALTER TABLE users ADD COLUMN phone_verified_at BIGINT;

-- The one outstanding verification code per account, hashed.
CREATE TABLE phone_codes (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    code_hash TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0
);

-- ACC-3: a named bundle of permissions (权限组) a super admin defines.
CREATE TABLE permission_groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- JSON array of permission names, e.g. ["refund.approve", "report.view"].
    permissions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE permission_grants (
    group_id TEXT NOT NULL REFERENCES permission_groups(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    tenant_id TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    -- NULL: until revoked.
    expires_at BIGINT,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX permission_grants_user ON permission_grants (user_id);

-- ACC-6: teams and their response targets.
CREATE TABLE teams (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    team_key TEXT NOT NULL,
    name TEXT NOT NULL,
    -- First-response target, seconds (pre-sales 30, after-sales 7200; QA reviews daily).
    response_target_seconds BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, team_key)
);

CREATE TABLE tenant_settings (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
    -- ACC-5: refunds and compensations above this need a second person's approval.
    refund_threshold_fen BIGINT NOT NULL,
    -- ACC-4: 7 to 15 days.
    probation_days BIGINT NOT NULL,
    -- ACC-2: sub-accounts per main account.
    max_accounts BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- ACC-5: sensitive operations and their decisions. `status` moves pending → approved →
-- executed, or pending → rejected, each step once (guarded by its WHERE clause).
CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL CHECK (kind IN ('refund', 'compensation', 'logistics_change')),
    conversation_id TEXT REFERENCES conversations(id),
    order_no TEXT NOT NULL,
    amount_fen BIGINT,
    -- JSON: for logistics changes the new company and tracking number.
    payload TEXT NOT NULL DEFAULT '{}',
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    requested_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'executed')),
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    decision_reason TEXT NOT NULL DEFAULT '',
    executed_at BIGINT
);
CREATE INDEX approvals_queue ON approvals (tenant_id, status, requested_at);

-- ACC-5: append-only; each entry's hash covers the previous entry's hash, so an edited or
-- deleted row breaks the chain (`kefu audit verify`). One chain per tenant.
CREATE TABLE audit_log (
    tenant_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    -- JSON object.
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor_id, at);
CREATE INDEX audit_log_action ON audit_log (tenant_id, action, at);
