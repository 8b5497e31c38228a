-- "What is at risk now" from its partial indexes (issue 9 §1). Forward-only.
--
-- The partial indexes carry every column the listing, countOpenBreaches and the recomputation's
-- open-clock lookup read (INCLUDE: an index-only scan where the visibility map allows, never the
-- TOASTed JSON). They hold only open clocks and windows at risk or breached, so the copies stay small.
DROP INDEX derived_clocks_open;
CREATE INDEX derived_clocks_open ON derived_clocks (tenant, open_state, open_deadline)
  INCLUDE (agreement_id, target, ticket, source, cycle, consumed, breach_at, updated_at)
  WHERE open_state IS NOT NULL;
DROP INDEX derived_compliance_state;
CREATE INDEX derived_compliance_state ON derived_compliance (tenant, state, window_to)
  INCLUDE (window_from, agreement_id, target, window_label, figure, comparator, goal, reason, updated_at)
  WHERE state IN ('at_risk', 'breached');
