-- Scheduled delivery of service reports by e-mail (issue 10). Forward-only.
--
-- A report schedule says when (day of the month, time, zone) which reports (one agreement, or all
-- of a customer's) go to whom (an e-mail channel, recipients, a language, the formats). It is run
-- by a timer (the timers table, keys 'report:<id>' and 'report:<id>@<period>'), claimed like every
-- timer (FOR UPDATE SKIP LOCKED, a lease, a fencing revision), so several processes on one
-- database run it once.
--
-- A delivery is one e-mail of one schedule for one period to one recipient, recorded in the same
-- transaction as its outbox row (notifications, by idempotency key): the unique key makes a second
-- run of the same (schedule, period, recipient) a no-op, and the outbox sends the row exactly once.
-- Deliveries are history: kept when their schedule is deleted.
CREATE TABLE report_schedules (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  spec JSONB NOT NULL,
  row_version INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);

CREATE TABLE report_deliveries (
  seq BIGSERIAL PRIMARY KEY,
  tenant TEXT NOT NULL REFERENCES tenants(id),
  schedule_id TEXT NOT NULL,
  period_label TEXT NOT NULL,
  recipient TEXT NOT NULL,
  notification_key TEXT NOT NULL,
  reports JSONB NOT NULL,
  note TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE (tenant, schedule_id, period_label, recipient)
);
CREATE INDEX report_deliveries_tenant ON report_deliveries (tenant, seq);
CREATE TRIGGER report_deliveries_no_update BEFORE UPDATE ON report_deliveries FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
