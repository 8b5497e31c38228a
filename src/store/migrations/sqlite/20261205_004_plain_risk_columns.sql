-- "What is at risk now" without JSON at read time (issue 9 §1: p99 <= 20 ms at 1M events). Forward-only.
--
-- 20261205_002 generated the state, deadline and window columns from the stored JSON (VIRTUAL: computed
-- on every read of a row) and the read parsed the figures (consumed, breachAt, value, target...) out of
-- the JSON of every row it returned. Here they become plain columns the writers fill at upsert
-- (src/store/internal.ts clockColumns/complianceColumns: one definition for both adapters), backfilled
-- from the existing rows, with the same partial indexes over them.
DROP INDEX derived_clocks_open;
ALTER TABLE derived_clocks DROP COLUMN open_state;
ALTER TABLE derived_clocks DROP COLUMN open_deadline;
ALTER TABLE derived_clocks ADD COLUMN open_state TEXT;
ALTER TABLE derived_clocks ADD COLUMN open_deadline REAL;
ALTER TABLE derived_clocks ADD COLUMN consumed REAL;
ALTER TABLE derived_clocks ADD COLUMN breach_at REAL;
UPDATE derived_clocks SET
  open_state = CASE WHEN json_extract(value, '$.stop') IS NULL AND json_type(value, '$.state') = 'text' THEN json_extract(value, '$.state') END,
  open_deadline = CASE WHEN json_extract(value, '$.stop') IS NULL AND json_type(value, '$.deadline') IN ('integer', 'real') THEN json_extract(value, '$.deadline') END,
  consumed = CASE WHEN json_type(value, '$.consumed') IN ('integer', 'real') THEN json_extract(value, '$.consumed') END,
  breach_at = CASE WHEN json_type(value, '$.breachAt') IN ('integer', 'real') THEN json_extract(value, '$.breachAt') END;
CREATE INDEX derived_clocks_open ON derived_clocks (tenant, open_state, open_deadline) WHERE open_state IS NOT NULL;

DROP INDEX derived_compliance_state;
ALTER TABLE derived_compliance DROP COLUMN state;
ALTER TABLE derived_compliance DROP COLUMN window_from;
ALTER TABLE derived_compliance DROP COLUMN window_to;
ALTER TABLE derived_compliance ADD COLUMN state TEXT;
ALTER TABLE derived_compliance ADD COLUMN window_from REAL;
ALTER TABLE derived_compliance ADD COLUMN window_to REAL;
ALTER TABLE derived_compliance ADD COLUMN figure REAL;
ALTER TABLE derived_compliance ADD COLUMN comparator TEXT;
ALTER TABLE derived_compliance ADD COLUMN goal REAL;
ALTER TABLE derived_compliance ADD COLUMN reason TEXT;
UPDATE derived_compliance SET
  state = CASE WHEN json_type(value, '$.state') = 'text' THEN json_extract(value, '$.state') END,
  window_from = CASE WHEN json_type(value, '$.window.from') IN ('integer', 'real') THEN json_extract(value, '$.window.from') END,
  window_to = CASE WHEN json_type(value, '$.window.to') IN ('integer', 'real') THEN json_extract(value, '$.window.to') END,
  figure = CASE WHEN json_type(value, '$.value') IN ('integer', 'real') THEN json_extract(value, '$.value') END,
  comparator = CASE WHEN json_type(value, '$.comparator') = 'text' THEN json_extract(value, '$.comparator') END,
  goal = CASE WHEN json_type(value, '$.target') IN ('integer', 'real') THEN json_extract(value, '$.target') END,
  reason = CASE WHEN json_type(value, '$.reason') = 'text' THEN json_extract(value, '$.reason') END;
CREATE INDEX derived_compliance_state ON derived_compliance (tenant, state, window_to) WHERE state IN ('at_risk', 'breached');
