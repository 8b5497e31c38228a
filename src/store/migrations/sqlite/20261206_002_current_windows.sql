-- The portfolio overview reads every target's current window (the one that contains now), whatever
-- its state: a covering index on the window's end, so it reads those rows' plain columns alone
-- (no JSON value, no table row), however long the history. Forward-only.
CREATE INDEX derived_compliance_current ON derived_compliance
  (tenant, window_to, window_from, agreement_id, target, window_label, state, figure, comparator, goal, reason, updated_at);
