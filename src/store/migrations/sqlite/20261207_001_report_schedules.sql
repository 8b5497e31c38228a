-- Scheduled delivery of service reports by e-mail (issue 10). Forward-only.
--
-- A report schedule says when (day of the month, time, zone) which reports (one agreement, or all
-- of a customer's) go to whom (an e-mail channel, recipients, a language, the formats). It is run
-- by a timer (the timers table, keys 'report:<id>' and 'report:<id>@<period>'), claimed like every
-- timer, so several processes on one database run it once.
--
-- A delivery is one e-mail of one schedule for one period to one recipient, recorded in the same
-- transaction as its outbox row (notifications, by idempotency key): the primary key makes a second
-- run of the same (schedule, period, recipient) a no-op, and the outbox sends the row exactly once.
-- Deliveries are history: kept when their schedule is deleted.
CREATE TABLE report_schedules (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  spec TEXT NOT NULL,
  row_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
) STRICT;

CREATE TABLE report_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL REFERENCES tenants(id),
  schedule_id TEXT NOT NULL,
  period_label TEXT NOT NULL,
  recipient TEXT NOT NULL,
  -- The outbox row that carries it (notifications.idempotency_key).
  notification_key TEXT NOT NULL,
  -- [{agreement, period, revision, variant, mediaType}]: what is attached, as produced.
  reports TEXT NOT NULL,
  -- e.g. the PDF could not be made (no Chromium): sent as HTML.
  note TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant, schedule_id, period_label, recipient)
) STRICT;
CREATE INDEX report_deliveries_tenant ON report_deliveries (tenant, seq);
CREATE TRIGGER report_deliveries_no_update BEFORE UPDATE ON report_deliveries BEGIN SELECT RAISE(ABORT, 'report deliveries are never rewritten'); END;
