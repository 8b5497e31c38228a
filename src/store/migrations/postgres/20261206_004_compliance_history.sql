-- An agreement's history per target (the web app's charts, GET /v1/agreements/{id}/history) read
-- from an index carrying the plain columns, never the TOASTed JSON value. Forward-only.
CREATE INDEX derived_compliance_history ON derived_compliance (tenant, agreement_id, target, window_from)
  INCLUDE (window_label, window_to, state, figure, comparator, goal, reason, updated_at);
