-- Each compliance row's error budget at a glance (left, burn rate, downtime or tickets left: the
-- core's windowBudget of the stored evaluation, src/store/internal.ts complianceColumns), as JSON
-- text written beside the value at upsert, so GET /v1/portfolio and the history read it from their
-- indexes, never the TOASTed value. The two indexes are rebuilt carrying it. Rows stored before have
-- none and SQL cannot compute it without a second formula: the derived results are invalidated
-- (derived_seq 0, a new generation), so the next read recomputes them. Forward-only.
ALTER TABLE derived_compliance ADD COLUMN budget TEXT;
DROP INDEX derived_compliance_current;
CREATE INDEX derived_compliance_current ON derived_compliance (tenant, window_to)
  INCLUDE (window_from, agreement_id, target, window_label, state, figure, comparator, goal, reason, updated_at, budget);
DROP INDEX derived_compliance_history;
CREATE INDEX derived_compliance_history ON derived_compliance (tenant, agreement_id, target, window_from)
  INCLUDE (window_label, window_to, state, figure, comparator, goal, reason, updated_at, budget);
UPDATE tenants SET derived_seq = 0, derived_generation = derived_generation + 1;
