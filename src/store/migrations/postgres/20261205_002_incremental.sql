-- Derived results read and written at the cost of what changed (issue 9 §1). Forward-only.
--
-- 1. A refresh replaces the clocks of the tickets it touched, per (agreement, ticket): by this
--    index that is a seek, not a walk over every clock of the agreement.
-- 2. "What is at risk now" reads only open clocks (no stop) by state and deadline, and only
--    compliance rows by state and window, through columns generated from the stored JSON (nothing
--    the writers must remember) and partial indexes over them.
CREATE INDEX derived_clocks_agreement_ticket ON derived_clocks (tenant, agreement_id, ticket, source);

ALTER TABLE derived_clocks ADD COLUMN open_state TEXT
  GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(value -> 'stop') IS DISTINCT FROM 'number' THEN value ->> 'state' END) STORED;
ALTER TABLE derived_clocks ADD COLUMN open_deadline DOUBLE PRECISION
  GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(value -> 'stop') IS DISTINCT FROM 'number' AND jsonb_typeof(value -> 'deadline') = 'number'
      THEN (value ->> 'deadline')::double precision END
  ) STORED;
CREATE INDEX derived_clocks_open ON derived_clocks (tenant, open_state, open_deadline) WHERE open_state IS NOT NULL;

ALTER TABLE derived_compliance ADD COLUMN state TEXT GENERATED ALWAYS AS (value ->> 'state') STORED;
ALTER TABLE derived_compliance ADD COLUMN window_from DOUBLE PRECISION
  GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(value -> 'window' -> 'from') = 'number' THEN (value -> 'window' ->> 'from')::double precision END) STORED;
ALTER TABLE derived_compliance ADD COLUMN window_to DOUBLE PRECISION
  GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(value -> 'window' -> 'to') = 'number' THEN (value -> 'window' ->> 'to')::double precision END) STORED;
CREATE INDEX derived_compliance_state ON derived_compliance (tenant, state, window_to) WHERE state IN ('at_risk', 'breached');
