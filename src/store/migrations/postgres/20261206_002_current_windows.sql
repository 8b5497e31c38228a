-- The portfolio overview reads every target's current window (the one that contains now), whatever
-- its state: an index on the window's end carrying the plain columns, so it reads those rows alone
-- (never the TOASTed JSON), however long the history. Forward-only.
CREATE INDEX derived_compliance_current ON derived_compliance (tenant, window_to)
  INCLUDE (window_from, agreement_id, target, window_label, state, figure, comparator, goal, reason, updated_at);
