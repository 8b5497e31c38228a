-- Alerts as records, the outbox of their notifications, channels, silences and timers. Forward-only.
--
-- Alerts and the notifications they cause are written in one transaction with the evaluation that
-- caused them (an outbox); workers deliver after commit and claim rows with leases, so two workers
-- never hold the same row and a dead worker's rows become claimable again when its lease runs out.
-- Claims select with FOR UPDATE SKIP LOCKED: concurrent claimers in any number of processes skip
-- each other's rows instead of waiting for them or taking them twice.
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
  fired_at BIGINT NOT NULL,
  acknowledged_at BIGINT,
  acknowledged_by TEXT,
  resolved_at BIGINT,
  resolved_by TEXT,
  resolved_reason TEXT,
  details JSONB NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, id),
  CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE UNIQUE INDEX alerts_open_dedupe ON alerts (tenant, dedupe_key) WHERE state <> 'resolved';
CREATE INDEX alerts_fired ON alerts (tenant, fired_at, id);
CREATE INDEX alerts_state ON alerts (tenant, state, fired_at, id);
CREATE INDEX alerts_agreement ON alerts (tenant, agreement_id, fired_at, id);

CREATE TABLE alert_history (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  actor TEXT NOT NULL,
  reason TEXT,
  FOREIGN KEY (tenant, alert_id) REFERENCES alerts(tenant, id)
);
CREATE INDEX alert_history_alert ON alert_history (tenant, alert_id, seq);

CREATE TABLE notifications (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant TEXT NOT NULL REFERENCES tenants(id),
  -- The receiver's dedupe key (webhook-id, Message-ID): one notification per key and tenant.
  idempotency_key TEXT NOT NULL CHECK (idempotency_key <> ''),
  channel_id TEXT NOT NULL CHECK (channel_id <> ''),
  recipient TEXT NOT NULL,
  alert_id TEXT,
  payload JSONB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'delivered', 'failed', 'dead')),
  -- Claims so far; the current claim's number is its fencing token.
  attempts INTEGER NOT NULL DEFAULT 0,
  -- When it can be claimed next: the next attempt while pending, the lease's end while claimed,
  -- NULL once final. One column, so one index serves both.
  due_at BIGINT,
  claimed_by TEXT,
  claimed_at BIGINT,
  last_error TEXT,
  delivered_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (tenant, idempotency_key),
  CHECK ((state IN ('pending', 'claimed')) = (due_at IS NOT NULL)),
  CHECK ((state = 'claimed') = (claimed_by IS NOT NULL AND claimed_at IS NOT NULL))
);
CREATE INDEX notifications_due ON notifications (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX notifications_tenant_due ON notifications (tenant, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX notifications_tenant ON notifications (tenant, id);
CREATE INDEX notifications_alert ON notifications (tenant, alert_id) WHERE alert_id IS NOT NULL;

CREATE TABLE notification_attempts (
  notification_id BIGINT NOT NULL REFERENCES notifications(id),
  attempt INTEGER NOT NULL,
  tenant TEXT NOT NULL,
  worker TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'dead', 'abandoned')),
  error TEXT,
  response JSONB,
  PRIMARY KEY (notification_id, attempt)
);

CREATE TABLE channels (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  kind TEXT NOT NULL,
  -- As given: secrets are encrypted or references to environment variables before they get here.
  config JSONB NOT NULL,
  disabled_at BIGINT,
  disabled_reason TEXT,
  row_version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);

CREATE TABLE silences (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  matchers JSONB NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  comment TEXT,
  expired_at BIGINT,
  expired_by TEXT,
  PRIMARY KEY (tenant, id),
  CHECK (ends_at > starts_at),
  CHECK ((expired_at IS NULL) = (expired_by IS NULL))
);
CREATE INDEX silences_ends ON silences (tenant, ends_at);

CREATE TABLE timers (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  key TEXT NOT NULL CHECK (key <> ''),
  fire_at BIGINT NOT NULL,
  payload JSONB NOT NULL,
  -- Moves with every reschedule and claim: the fencing token of a claim.
  revision BIGINT NOT NULL,
  -- fire_at while scheduled, the lease's end while claimed.
  due_at BIGINT NOT NULL,
  claimed_by TEXT,
  claimed_at BIGINT,
  PRIMARY KEY (tenant, key),
  CHECK ((claimed_by IS NULL) = (claimed_at IS NULL))
);
CREATE INDEX timers_due ON timers (due_at, tenant, key);
CREATE INDEX timers_tenant_due ON timers (tenant, due_at, key);
CREATE INDEX timers_fire ON timers (tenant, fire_at, key);

-- History is never rewritten, and a resolved alert is final: firing again is a new record.
CREATE FUNCTION pledge_alert_resolved_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state = 'resolved' THEN
    RAISE EXCEPTION 'a resolved alert never changes' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER alerts_resolved_final BEFORE UPDATE ON alerts FOR EACH ROW EXECUTE FUNCTION pledge_alert_resolved_final();
CREATE TRIGGER alerts_no_delete BEFORE DELETE ON alerts FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER alerts_no_truncate BEFORE TRUNCATE ON alerts FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER alert_history_append_only BEFORE UPDATE OR DELETE ON alert_history FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER alert_history_no_truncate BEFORE TRUNCATE ON alert_history FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER notification_attempts_append_only BEFORE UPDATE OR DELETE ON notification_attempts FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER notification_attempts_no_truncate BEFORE TRUNCATE ON notification_attempts FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
