-- When each agreement's results were last computed (derivedComputedAt, read by every refresh), from
-- indexes alone (issue 9 §1). Forward-only.
--
-- updated_at sits after the stored JSON value of each row (a compliance value is ~30 KB at 1M events: a
-- chain of overflow pages), so the MAX per agreement walked every row's pages: 13 ms of each refresh at
-- 1M events for 98 rows. These indexes answer it without visiting the table.
CREATE INDEX derived_compliance_computed ON derived_compliance (tenant, agreement_id, updated_at);
CREATE INDEX derived_settlements_computed ON derived_settlements (tenant, agreement_id, updated_at);
