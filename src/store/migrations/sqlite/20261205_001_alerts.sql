-- Alerts as records, the outbox of their notifications, channels, silences and timers. Forward-only.
--
-- Alerts and the notifications they cause are written in one transaction with the evaluation that
-- caused them (an outbox); workers deliver after commit and claim rows with leases, so two workers
-- never hold the same row and a dead worker's rows become claimable again when its lease runs out.
-- On SQLite every claim is one IMMEDIATE transaction: the write lock is what keeps claims apart.
-- History (alert_history, notification_attempts) is append-only; a resolved alert is final.

CREATE TABLE alerts (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  -- Unique among the tenant's alerts that are not resolved (alerts_open_dedupe).
  dedupe_key TEXT NOT NULL CHECK (dedupe_key <> ''),
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  audience TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  target TEXT NOT NULL,
  -- What it is about: a ticket's clock (source, ticket, cycle) or a window; NULL when not.
  subject_source TEXT,
  subject_ticket TEXT,
  subject_cycle INTEGER,
  subject_window TEXT,
  level TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  fired_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  resolved_at INTEGER,
  resolved_by TEXT,
  resolved_reason TEXT,
  details TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, id),
  CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
) STRICT;
CREATE UNIQUE INDEX alerts_open_dedupe ON alerts (tenant, dedupe_key) WHERE state <> 'resolved';
CREATE INDEX alerts_fired ON alerts (tenant, fired_at, id);
CREATE INDEX alerts_state ON alerts (tenant, state, fired_at, id);
CREATE INDEX alerts_agreement ON alerts (tenant, agreement_id, fired_at, id);

CREATE TABLE alert_history (
  seq INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  actor TEXT NOT NULL,
  reason TEXT,
  FOREIGN KEY (tenant, alert_id) REFERENCES alerts(tenant, id)
) STRICT;
CREATE INDEX alert_history_alert ON alert_history (tenant, alert_id, seq);

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL REFERENCES tenants(id),
  -- The receiver's dedupe key (webhook-id, Message-ID): one notification per key and tenant.
  idempotency_key TEXT NOT NULL CHECK (idempotency_key <> ''),
  channel_id TEXT NOT NULL CHECK (channel_id <> ''),
  recipient TEXT NOT NULL,
  alert_id TEXT,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'delivered', 'failed', 'dead')),
  -- Claims so far; the current claim's number is its fencing token.
  attempts INTEGER NOT NULL DEFAULT 0,
  -- When it can be claimed next: the next attempt while pending, the lease's end while claimed,
  -- NULL once final. One column, so one index serves both.
  due_at INTEGER,
  claimed_by TEXT,
  claimed_at INTEGER,
  last_error TEXT,
  delivered_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant, idempotency_key),
  CHECK ((state IN ('pending', 'claimed')) = (due_at IS NOT NULL)),
  CHECK ((state = 'claimed') = (claimed_by IS NOT NULL AND claimed_at IS NOT NULL))
) STRICT;
CREATE INDEX notifications_due ON notifications (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX notifications_tenant_due ON notifications (tenant, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX notifications_tenant ON notifications (tenant, id);
CREATE INDEX notifications_alert ON notifications (tenant, alert_id) WHERE alert_id IS NOT NULL;

CREATE TABLE notification_attempts (
  notification_id INTEGER NOT NULL REFERENCES notifications(id),
  attempt INTEGER NOT NULL,
  tenant TEXT NOT NULL,
  worker TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'dead', 'abandoned')),
  error TEXT,
  response TEXT,
  PRIMARY KEY (notification_id, attempt)
) STRICT;

CREATE TABLE channels (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  kind TEXT NOT NULL,
  -- As given: secrets are encrypted or references to environment variables before they get here.
  config TEXT NOT NULL,
  disabled_at INTEGER,
  disabled_reason TEXT,
  row_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
) STRICT;

CREATE TABLE silences (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  matchers TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  comment TEXT,
  expired_at INTEGER,
  expired_by TEXT,
  PRIMARY KEY (tenant, id),
  CHECK (ends_at > starts_at),
  CHECK ((expired_at IS NULL) = (expired_by IS NULL))
) STRICT;
CREATE INDEX silences_ends ON silences (tenant, ends_at);

CREATE TABLE timers (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  key TEXT NOT NULL CHECK (key <> ''),
  fire_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  -- Moves with every reschedule and claim: the fencing token of a claim.
  revision INTEGER NOT NULL,
  -- fire_at while scheduled, the lease's end while claimed.
  due_at INTEGER NOT NULL,
  claimed_by TEXT,
  claimed_at INTEGER,
  PRIMARY KEY (tenant, key),
  CHECK ((claimed_by IS NULL) = (claimed_at IS NULL))
) STRICT;
CREATE INDEX timers_due ON timers (due_at, tenant, key);
CREATE INDEX timers_tenant_due ON timers (tenant, due_at, key);
CREATE INDEX timers_fire ON timers (tenant, fire_at, key);

-- History is never rewritten, and a resolved alert is final: firing again is a new record.
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts BEGIN SELECT RAISE(ABORT, 'alerts are never deleted'); END;
CREATE TRIGGER alerts_resolved_final BEFORE UPDATE ON alerts WHEN OLD.state = 'resolved'
BEGIN SELECT RAISE(ABORT, 'a resolved alert never changes'); END;
CREATE TRIGGER alert_history_no_update BEFORE UPDATE ON alert_history BEGIN SELECT RAISE(ABORT, 'alert history is append-only'); END;
CREATE TRIGGER alert_history_no_delete BEFORE DELETE ON alert_history BEGIN SELECT RAISE(ABORT, 'alert history is append-only'); END;
CREATE TRIGGER notification_attempts_no_update BEFORE UPDATE ON notification_attempts BEGIN SELECT RAISE(ABORT, 'notification attempts are append-only'); END;
CREATE TRIGGER notification_attempts_no_delete BEFORE DELETE ON notification_attempts BEGIN SELECT RAISE(ABORT, 'notification attempts are append-only'); END;
