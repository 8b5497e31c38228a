-- An agreement's history per target (the web app's charts, GET /v1/agreements/{id}/history) read
-- from a covering index: every window's plain columns, never the stored JSON value (a busy month's
-- lists every contributing ticket, megabytes at 1M events). Forward-only.
CREATE INDEX derived_compliance_history ON derived_compliance
  (tenant, agreement_id, target, window_from, window_label, window_to, state, figure, comparator, goal, reason, updated_at);
