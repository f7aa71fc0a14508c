-- Issue #19 (DATA-2, DATA-6): the service-health reports, daily (the day before, made at the
-- shop's 08:00) and monthly, each a `kefu_domain::health::HealthReport` as JSON, kept.
CREATE TABLE health_reports (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, period)
);
