-- Routing by the buyer's VIP level (WB-4, CH-7) and office hours for response targets (WB-7).

-- The shop's member level as its site vouches for it (identity or entry token, `vip`);
-- 0 for guests.
ALTER TABLE buyers ADD COLUMN vip_level BIGINT NOT NULL DEFAULT 0;

-- JSON `{"days": [1..7], "open": "HH:MM", "close": "HH:MM"}` in the shop's time zone;
-- NULL: staffed around the clock.
ALTER TABLE tenant_settings ADD COLUMN office_hours TEXT;

-- A team whose response target counts office time only; after-sales does by default.
ALTER TABLE teams ADD COLUMN office_hours_only BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE teams SET office_hours_only = TRUE WHERE team_key = 'after_sales';
