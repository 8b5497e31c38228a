-- Pledge schema, SQLite. Forward-only: never edit this file once released; add a new one.
-- Instants are epoch milliseconds (UTC) in INTEGER columns; JSON is TEXT. Every table carries the
-- tenant, and every query filters on it. Tables marked append-only refuse UPDATE and DELETE by
-- trigger, so a bug cannot rewrite history either.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- Events up to this sequence number are reflected in the derived results (evaluation lag).
  derived_seq INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Per-tenant counters ('events', 'audit'). Taking one inside the writing transaction serialises the
-- writers of that tenant, so numbers are handed out in commit order and a reader that has seen N has
-- seen everything below N ("what changed since").
CREATE TABLE tenant_sequences (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  value INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  created_at INTEGER NOT NULL,
  disabled_at INTEGER,
  PRIMARY KEY (tenant, id)
) STRICT;

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
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER,
  PRIMARY KEY (tenant, id),
  FOREIGN KEY (tenant, user_id) REFERENCES users(tenant, id)
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (tenant, user_id);

CREATE TABLE agreements (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  -- The working document (the draft, or the latest amendment as applied).
  document TEXT NOT NULL,
  -- Lifecycle state after the last transition; kept by the store from the transitions, for listing.
  state TEXT NOT NULL,
  -- The customer party, for customer-scoped listing.
  customer TEXT,
  -- Bumped by every change; the ETag.
  row_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  version_count INTEGER NOT NULL DEFAULT 0,
  transition_count INTEGER NOT NULL DEFAULT 0,
  review_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX agreements_customer ON agreements (tenant, customer, id);

CREATE TABLE agreement_versions (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  effective INTEGER NOT NULL,
  effective_date TEXT,
  document TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  note TEXT,
  PRIMARY KEY (tenant, agreement_id, version),
  FOREIGN KEY (tenant, agreement_id) REFERENCES agreements(tenant, id)
) STRICT;

CREATE TABLE agreement_transitions (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  transition TEXT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, seq),
  FOREIGN KEY (tenant, agreement_id) REFERENCES agreements(tenant, id)
) STRICT;

CREATE TABLE agreement_reviews (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  review TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, agreement_id, seq),
  FOREIGN KEY (tenant, agreement_id) REFERENCES agreements(tenant, id)
) STRICT;

CREATE TABLE calendars (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('yaml', 'json')),
  source TEXT NOT NULL,
  row_version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, name)
) STRICT;

CREATE TABLE events (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  -- Per-tenant, dense, in commit order (see tenant_sequences).
  seq INTEGER NOT NULL,
  -- '' when the event names no source.
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at INTEGER NOT NULL,
  ticket TEXT,
  service TEXT,
  customer TEXT,
  region TEXT,
  -- The event as received (without derived fields), JSON.
  payload TEXT NOT NULL,
  -- SHA-256 of the payload's canonical JSON: a re-sent id with another payload is a conflict.
  payload_hash TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, seq),
  UNIQUE (tenant, source, event_id)
) STRICT;
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
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, agreement_id, target, ticket, cycle)
) STRICT;
CREATE INDEX derived_clocks_ticket ON derived_clocks (tenant, ticket);

CREATE TABLE derived_compliance (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  agreement_id TEXT NOT NULL,
  target TEXT NOT NULL,
  window_label TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, agreement_id, target, window_label)
) STRICT;

CREATE TABLE derived_settlements (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  agreement_id TEXT NOT NULL,
  period_label TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, agreement_id, period_label)
) STRICT;

CREATE TABLE audit_log (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  -- Per-tenant, dense, in commit order (see tenant_sequences).
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  before TEXT,
  after TEXT,
  PRIMARY KEY (tenant, seq)
) STRICT;
CREATE INDEX audit_log_subject ON audit_log (tenant, subject, seq);

-- History is never rewritten.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER agreement_versions_no_update BEFORE UPDATE ON agreement_versions BEGIN SELECT RAISE(ABORT, 'agreement versions are append-only'); END;
CREATE TRIGGER agreement_versions_no_delete BEFORE DELETE ON agreement_versions BEGIN SELECT RAISE(ABORT, 'agreement versions are append-only'); END;
CREATE TRIGGER agreement_transitions_no_update BEFORE UPDATE ON agreement_transitions BEGIN SELECT RAISE(ABORT, 'lifecycle transitions are append-only'); END;
CREATE TRIGGER agreement_transitions_no_delete BEFORE DELETE ON agreement_transitions BEGIN SELECT RAISE(ABORT, 'lifecycle transitions are append-only'); END;
CREATE TRIGGER agreement_reviews_no_update BEFORE UPDATE ON agreement_reviews BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER agreement_reviews_no_delete BEFORE DELETE ON agreement_reviews BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
