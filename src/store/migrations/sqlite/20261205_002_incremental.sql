-- Derived results read and written at the cost of what changed (issue 9 §1). Forward-only.
--
-- 1. A refresh replaces the clocks of the tickets it touched, per (agreement, ticket): by this
--    index that is a seek. Without it SQLite took the primary key's (tenant, agreement_id) prefix
--    and scanned every clock of the agreement for each ticket.
-- 2. "What is at risk now" reads only open clocks (no stop) by state and deadline, and only
--    compliance rows by state and window, through columns generated from the stored JSON (virtual:
--    nothing to backfill, nothing the writers must remember) and partial indexes over them.
CREATE INDEX derived_clocks_agreement_ticket ON derived_clocks (tenant, agreement_id, ticket, source);

ALTER TABLE derived_clocks ADD COLUMN open_state TEXT
  GENERATED ALWAYS AS (CASE WHEN json_extract(value, '$.stop') IS NULL THEN json_extract(value, '$.state') END) VIRTUAL;
ALTER TABLE derived_clocks ADD COLUMN open_deadline REAL
  GENERATED ALWAYS AS (CASE WHEN json_extract(value, '$.stop') IS NULL THEN json_extract(value, '$.deadline') END) VIRTUAL;
CREATE INDEX derived_clocks_open ON derived_clocks (tenant, open_state, open_deadline) WHERE open_state IS NOT NULL;

ALTER TABLE derived_compliance ADD COLUMN state TEXT GENERATED ALWAYS AS (json_extract(value, '$.state')) VIRTUAL;
ALTER TABLE derived_compliance ADD COLUMN window_from REAL GENERATED ALWAYS AS (json_extract(value, '$.window.from')) VIRTUAL;
ALTER TABLE derived_compliance ADD COLUMN window_to REAL GENERATED ALWAYS AS (json_extract(value, '$.window.to')) VIRTUAL;
CREATE INDEX derived_compliance_state ON derived_compliance (tenant, state, window_to) WHERE state IN ('at_risk', 'breached');
