-- Issue #19 (DATA-1 … DATA-3): the data cockpit.

-- The shop's hours: what the whole shop did in one local hour of one of its days, for the
-- conversations of one team, channel and entry (empty: none), a `kefu_domain::kpi::Tally`
-- as JSON summed over agents. Rebuilt with the day's `kpi_daily` rows, from the same walk.
CREATE TABLE kpi_hourly (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    day TEXT NOT NULL,
    hour BIGINT NOT NULL,
    team TEXT NOT NULL,
    channel TEXT NOT NULL,
    entry TEXT NOT NULL,
    tally TEXT NOT NULL,
    PRIMARY KEY (tenant_id, day, hour, team, channel, entry)
);

-- Staffing (DATA-2): agents online, sampled each minute, summed per UTC hour and team (empty:
-- the whole shop). `last_minute` keeps a minute from being counted twice.
CREATE TABLE staffing_hourly (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    hour_start BIGINT NOT NULL,
    team TEXT NOT NULL,
    agent_minutes BIGINT NOT NULL,
    last_minute BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, hour_start, team)
);

-- Anomaly alerts (DATA-3), kept with their evidence (JSON: the counts and the sample
-- conversations); one per kind, subject and window.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    label TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    observed REAL NOT NULL,
    expected REAL NOT NULL,
    evidence TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    acknowledged_by TEXT REFERENCES users(id),
    acknowledged_at BIGINT,
    UNIQUE (tenant_id, kind, subject, window_start)
);
CREATE INDEX alerts_tenant_time ON alerts (tenant_id, created_at);
