-- Public status pages and the incidents they show (issue 11). Forward-only.
--
-- A status page is a tenant's opt-in to publish, without sign-in, the status of some services (or
-- of one customer's services) at `<prefix>/<path>`. The path is unique across the whole server, not
-- per tenant: the public URL names no tenant, so one path can only ever mean one page.
--
-- An incident is what the provider tells the public about a disruption: services, a status level,
-- and its updates in order. The document (title, services, level, updates) is replaced whole under
-- an ETag (row_version), so two people posting an update at once cannot lose one: the second is
-- stale and retried on the new document. resolved_at is a column so the pages can list "open, or
-- resolved recently" without reading every incident ever written.
CREATE TABLE status_pages (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  path TEXT NOT NULL CHECK (path <> ''),
  spec JSONB NOT NULL,
  row_version INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id),
  UNIQUE (path)
);

CREATE TABLE incidents (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  doc JSONB NOT NULL,
  opened_at BIGINT NOT NULL,
  resolved_at BIGINT,
  row_version INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX incidents_recent ON incidents (tenant, resolved_at);
