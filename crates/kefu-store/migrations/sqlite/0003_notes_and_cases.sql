-- Notes on a buyer that every agent of the shop sees (CH-6), and the outcome of a handoff
-- case (CH-5) once it is closed.

CREATE TABLE buyer_notes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    buyer_id TEXT NOT NULL REFERENCES buyers(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX buyer_notes_buyer ON buyer_notes (tenant_id, buyer_id, created_at);

ALTER TABLE handoff_cases ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
