-- "What is at risk now" without JSON at read time (issue 9 §1: p99 <= 20 ms at 1M events). Forward-only.
--
-- 20261205_002 generated the state, deadline and window columns from the stored JSON (STORED) and the
-- read parsed the figures (consumed, breachAt, value, target...) out of the JSON of every row it
-- returned. Here they become plain columns the writers fill at upsert (src/store/internal.ts
-- clockColumns/complianceColumns: one definition for both adapters). DROP EXPRESSION keeps the stored
-- values and the partial indexes over them; the new figure columns are backfilled from the existing rows.
ALTER TABLE derived_clocks ALTER COLUMN open_state DROP EXPRESSION;
ALTER TABLE derived_clocks ALTER COLUMN open_deadline DROP EXPRESSION;
ALTER TABLE derived_clocks ADD COLUMN consumed DOUBLE PRECISION;
ALTER TABLE derived_clocks ADD COLUMN breach_at DOUBLE PRECISION;
UPDATE derived_clocks SET
  consumed = CASE WHEN jsonb_typeof(value -> 'consumed') = 'number' THEN (value ->> 'consumed')::double precision END,
  breach_at = CASE WHEN jsonb_typeof(value -> 'breachAt') = 'number' THEN (value ->> 'breachAt')::double precision END;

ALTER TABLE derived_compliance ALTER COLUMN state DROP EXPRESSION;
ALTER TABLE derived_compliance ALTER COLUMN window_from DROP EXPRESSION;
ALTER TABLE derived_compliance ALTER COLUMN window_to DROP EXPRESSION;
ALTER TABLE derived_compliance ADD COLUMN figure DOUBLE PRECISION;
ALTER TABLE derived_compliance ADD COLUMN comparator TEXT;
ALTER TABLE derived_compliance ADD COLUMN goal DOUBLE PRECISION;
ALTER TABLE derived_compliance ADD COLUMN reason TEXT;
UPDATE derived_compliance SET
  figure = CASE WHEN jsonb_typeof(value -> 'value') = 'number' THEN (value ->> 'value')::double precision END,
  comparator = CASE WHEN jsonb_typeof(value -> 'comparator') = 'string' THEN value ->> 'comparator' END,
  goal = CASE WHEN jsonb_typeof(value -> 'target') = 'number' THEN (value ->> 'target')::double precision END,
  reason = CASE WHEN jsonb_typeof(value -> 'reason') = 'string' THEN value ->> 'reason' END;
