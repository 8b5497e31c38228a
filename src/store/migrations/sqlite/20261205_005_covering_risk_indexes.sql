-- "What is at risk now" from its partial indexes alone (issue 9 §1). Forward-only.
--
-- The plain columns of 20261205_004 were added after `value`, so reading them from the table walks past
-- the stored JSON of each row (a compliance value is ~30 KB at 100k events: a chain of overflow pages per
-- row). The partial indexes now carry every column the listing, countOpenBreaches and the recomputation's
-- open-clock lookup read: the table is not visited. They hold only open clocks and windows at risk or
-- breached, so the copies stay small.
DROP INDEX derived_clocks_open;
CREATE INDEX derived_clocks_open ON derived_clocks
  (tenant, open_state, open_deadline, agreement_id, target, ticket, source, cycle, consumed, breach_at, updated_at)
  WHERE open_state IS NOT NULL;
DROP INDEX derived_compliance_state;
CREATE INDEX derived_compliance_state ON derived_compliance
  (tenant, state, window_to, window_from, agreement_id, target, window_label, figure, comparator, goal, reason, updated_at)
  WHERE state IN ('at_risk', 'breached');
