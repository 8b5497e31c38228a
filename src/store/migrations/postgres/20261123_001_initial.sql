-- Pledge schema, PostgreSQL. Forward-only: never edit this file once released; add a new one.
-- Instants are epoch milliseconds (UTC) in BIGINT columns; JSON is JSONB. Every table carries the
-- tenant, and every query filters on it. Tables marked append-only refuse UPDATE, DELETE and
-- TRUNCATE by trigger, so a bug cannot rewrite history either.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  -- Events up to this sequence number are reflected in the derived results (evaluation lag).
  derived_seq BIGINT NOT NULL DEFAULT 0
);

-- Per-tenant counters ('events', 'audit'). Locking one (SELECT ... FOR UPDATE) inside the writing
-- transaction serialises the writers of that tenant, so numbers are handed out in commit order and
-- a reader that has seen N has seen everything below N. A plain SEQUENCE would not: a transaction
-- holding number 10 can commit after another holding 11, and a reader polling "since 10" would
-- then miss it for ever.
CREATE TABLE tenant_sequences (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  value BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, name)
);

CREATE TABLE users (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  created_at BIGINT NOT NULL,
  disabled_at BIGINT,
  PRIMARY KEY (tenant, id)
);

CREATE TABLE api_tokens (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'viewer', 'auditor', 'customer')),
  -- The customer a customer-role token may see; only that role has one, and it must.
  customer TEXT CHECK ((role = 'customer') = (customer IS NOT NULL)),
  -- SHA-256 of the secret, hex. The secret itself is never stored.
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT,
  revoked_at BIGINT,
  PRIMARY KEY (tenant, id),
  FOREIGN KEY (tenant, user_id) REFERENCES users(tenant, id)
);
CREATE INDEX api_tokens_user ON api_tokens (tenant, user_id);

CREATE TABLE agreements (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  -- The working document (the draft, or the latest amendment as applied).
  document JSONB NOT NULL,
  -- Lifecycle state after the last transition; kept by the store from the transitions, for listing.
  state TEXT NOT NULL,
  -- The customer party, for customer-scoped listing.
  customer TEXT,
  -- Bumped by every change; the ETag.
  row_version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  version_count INTEGER NOT NULL DEFAULT 0,
  transition_count INTEGER NOT NULL DEFAULT 0,
  review_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX agreements_customer ON agreements (tenant, customer, id);

CREATE TABLE agreement_versions (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  effective BIGINT NOT NULL,
  effective_date JSONB,
  document JSONB NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  note TEXT,
  PRIMARY KEY (tenant, agreement_id, version),
  FOREIGN KEY (tenant, agreement_id) REFERENCES agreements(tenant, id)
);

CREATE TABLE agreement_transitions (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at BIGINT NOT NULL,
  transition JSONB NOT NULL,
  PRIMARY KEY (tenant, agreement_id, seq),
  FOREIGN KEY (tenant, agreement_id) REFERENCES agreements(tenant, id)
);

CREATE TABLE agreement_reviews (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  review JSONB NOT NULL,
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, seq),
  FOREIGN KEY (tenant, agreement_id) REFERENCES agreements(tenant, id)
);

CREATE TABLE calendars (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('yaml', 'json')),
  source TEXT NOT NULL,
  row_version BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, name)
);

CREATE TABLE events (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  -- Per-tenant, dense, in commit order (see tenant_sequences).
  seq BIGINT NOT NULL,
  -- '' when the event names no source.
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at BIGINT NOT NULL,
  ticket TEXT,
  service TEXT,
  customer TEXT,
  region TEXT,
  -- The event as received (without derived fields).
  payload JSONB NOT NULL,
  -- SHA-256 of the payload's canonical JSON: a re-sent id with another payload is a conflict.
  payload_hash TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, seq),
  UNIQUE (tenant, source, event_id)
);
CREATE INDEX events_at ON events (tenant, at, seq);
CREATE INDEX events_ticket ON events (tenant, ticket, at, seq) WHERE ticket IS NOT NULL;

-- Derived results: rebuildable from events and agreement versions (`pledge rebuild`), so they are
-- upserted and may be deleted, unlike everything above.
CREATE TABLE derived_clocks (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  agreement_id TEXT NOT NULL,
  target TEXT NOT NULL,
  ticket TEXT NOT NULL,
  cycle INTEGER NOT NULL,
  value JSONB NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, target, ticket, cycle)
);
CREATE INDEX derived_clocks_ticket ON derived_clocks (tenant, ticket);

CREATE TABLE derived_compliance (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  agreement_id TEXT NOT NULL,
  target TEXT NOT NULL,
  window_label TEXT NOT NULL,
  value JSONB NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, target, window_label)
);

CREATE TABLE derived_settlements (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  agreement_id TEXT NOT NULL,
  period_label TEXT NOT NULL,
  value JSONB NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, period_label)
);

CREATE TABLE audit_log (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  -- Per-tenant, dense, in commit order (see tenant_sequences).
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  before JSONB,
  after JSONB,
  PRIMARY KEY (tenant, seq)
);
CREATE INDEX audit_log_subject ON audit_log (tenant, subject, seq);

-- History is never rewritten.
CREATE FUNCTION pledge_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER agreement_versions_append_only BEFORE UPDATE OR DELETE ON agreement_versions FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER agreement_versions_no_truncate BEFORE TRUNCATE ON agreement_versions FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER agreement_transitions_append_only BEFORE UPDATE OR DELETE ON agreement_transitions FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER agreement_transitions_no_truncate BEFORE TRUNCATE ON agreement_transitions FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER agreement_reviews_append_only BEFORE UPDATE OR DELETE ON agreement_reviews FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER agreement_reviews_no_truncate BEFORE TRUNCATE ON agreement_reviews FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();
