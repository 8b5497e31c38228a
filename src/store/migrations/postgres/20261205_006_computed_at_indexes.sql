-- When each agreement's results were last computed (derivedComputedAt, read by every refresh), from
-- indexes alone (issue 9 §1), as on SQLite: the MAX of updated_at per agreement is an index lookup, not a
-- pass over the rows and their stored values. Forward-only.
CREATE INDEX derived_compliance_computed ON derived_compliance (tenant, agreement_id, updated_at);
CREATE INDEX derived_settlements_computed ON derived_settlements (tenant, agreement_id, updated_at);
